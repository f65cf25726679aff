"""A small smoke run of the benchmark: the generator's archive indexes, and the runner's table is written."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from tests.conftest import Run

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_generated_archive_is_deterministic_and_indexes(run: Run, tmp_path: Path) -> None:
    generate = load("generate").generate
    one = generate(tmp_path / "a", 300, seed=7)
    two = generate(tmp_path / "b", 300, seed=7)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.md"))
    assert files_a == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.md"))
    assert one["probe_hits"] == two["probe_hits"] == 3
    code, out, _ = run("search", str(one["probe"]), "--archive", tmp_path / "a", "--json")
    assert code == 0 and len(json.loads(out)) == 3
    code, out, _ = run("on", str(one["sample_day"]), "--archive", tmp_path / "a", "--json")
    assert code == 0 and json.loads(out)


def test_runner_smoke(tmp_path: Path) -> None:
    """--in-place times the checkout (no wheel build: offline and fast); every row runs and is reported."""
    main = load("run").main
    out = tmp_path / "RESULTS.md"
    argv = ["--sizes", "500", "--runs", "1", "--workdir", str(tmp_path / "w"), "--out", str(out), "--in-place"]
    assert main(argv) == 0
    table = out.read_text(encoding="utf-8")
    for row in ("read-all", "nothing changed", "import typer", "`newsq search`", "`newsq contexts`"):
        assert row in table, row
    for row in ("`newsq contexts ", "`newsq timeline zanzibarite`", "`newsq timeline government`"):
        assert row in table, row
    assert "`newsq timeline --context " in table and "(that day in every year)" in table
    assert "Machine: " in table and "cores" in table and "-m newsq` (`--in-place`)" in table
    # The rows did real work: the timeline of the probe counted exactly the titles that hold it.
    assert "`newsq timeline zanzibarite` counted 5 events (1.0% of events); 5 titles hold the probe" in table
    assert "FAILED" not in table
