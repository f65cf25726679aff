"""Every `newsq ...` example in README.md and in the commands' help runs on the bundled sample."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import Run

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data"
COMMANDS = ("index", "on", "search", "related", "show", "contexts", "timeline", "export", "info")


def readme_examples() -> list[str]:
    """The lines starting with `newsq ` in README.md's code blocks (fenced, or indented four spaces)."""
    examples: list[str] = []
    fenced = False
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif (fenced or line.startswith("    ")) and line.strip().startswith("newsq "):
            examples.append(line.strip())
    return examples


def help_examples(run: Run, command: str | None) -> list[str]:
    code, out, _ = run(*([command] if command else []), "--help")
    assert code == 0
    return [line.strip() for line in out.splitlines() if re.match(r"\s*newsq ", line)]


def run_example(run: Run, line: str) -> None:
    """Run one example as the shell would, minus a `| jq ...` (the output must then be JSON)."""
    words = shlex.split(line, comments=True)
    piped = "|" in words
    if piped:
        words = words[: words.index("|")]
    assert words[0] == "newsq", line
    args = [str(SAMPLE) if w == "~/thecontext" else w for w in words[1:]]
    code, out, err = run(*args)
    assert code == 0, (line, err)
    if args[0] == "index" and "--json" not in args:
        assert "the cache" in err, line  # its summary goes to stderr; stdout is for data only
    elif args[0] == "export" and ("--output" in args or "-o" in args):
        assert "wrote" in err, line  # the data went to the file; stderr says so
    else:
        assert out.strip(), line
    if piped:
        for text in out.splitlines() if "--jsonl" in args else [out]:
            json.loads(text)


@pytest.fixture
def shared_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """One cache for every example: building the sample's once is enough."""
    monkeypatch.setenv("NEWSQ_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "readme-cache"))


@pytest.mark.parametrize("line", readme_examples())
def test_readme_example_runs_on_the_sample(line: str, run: Run, shared_cache: None) -> None:
    run_example(run, line)


def test_readme_shows_every_command() -> None:
    shown = {shlex.split(line)[1] for line in readme_examples()}
    assert shown >= set(COMMANDS)


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_examples_run_on_the_sample(
    command: str | None, run: Run, shared_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # an example wrapped by the help's layout would not run
    examples = help_examples(run, command)
    assert examples, command
    for line in examples:
        if command:
            assert line.startswith(f"newsq {command} "), line
        run_example(run, line)
