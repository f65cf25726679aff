"""newsq info, --version, shell completion from the cache, and the progress bar of a first query."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from newsq import __version__, store
from newsq.cli import app
from tests.conftest import MakeArchive, Run

DAY = """
## [2003-06-2](/news/2003/06/2/index.md)

### [ A probe leaves for Mars.](/news/2003/06/2/a-probe-leaves-for-mars.md)
_Context: Mars, Mars Express, European Space Agency_

### [ A summit opens in a spa town.](/news/2003/06/2/a-summit-opens-in-a-spa-town.md)
_Context: G8, europe_
"""
FILES: dict[str, str | bytes] = {
    "news/2003/06/2/index.md": DAY,
    "news/2003/06/2/a-probe-leaves-for-mars.md": """
### [2003-06-2](/news/2003/06/2/index.md)

#  A probe leaves for Mars.
""",
    "news/2004/01/3/index.md": DAY.replace("2003-06-2", "2004-01-3").replace("2003/06/2", "2004/01/3"),
}


@pytest.fixture
def archive(make_archive: MakeArchive) -> Path:
    return make_archive(FILES)


def info(run: Run, *args: str | os.PathLike[str]) -> dict[str, object]:
    code, out, err = run(*args, "info", "--json")
    assert code == 0, err
    return dict(json.loads(out))


def test_info_before_and_after_indexing(run: Run, archive: Path, cache_dir: Path) -> None:
    before = info(run, "--archive", archive)
    assert before["archive"] == str(archive) and before["archive_chosen_by"] == "flag"
    assert before["cache"] == {
        "path": before["cache"]["path"],  # type: ignore[index]
        "exists": False,
        "bytes": 0,
        "state": "missing",
        "schema_version": None,
        "indexed_at": None,
        "changed_folders": 0,
    }
    assert before["notes"] == ["not indexed yet: the next command (or `newsq index`) builds the cache"]
    assert not list(cache_dir.glob("*.sqlite"))  # info never builds the cache
    run("on", "2003-06-02", "--archive", archive)
    after = info(run, "--archive", archive)
    cache = after["cache"]
    assert isinstance(cache, dict) and cache["exists"] and cache["state"] == "ok"
    assert Path(cache["path"]).parent == cache_dir and cache["bytes"] > 0
    assert cache["schema_version"] == store.SCHEMA_VERSION
    indexed = dt.datetime.fromisoformat(str(cache["indexed_at"]).replace("Z", "+00:00"))
    assert abs((dt.datetime.now(dt.UTC) - indexed).total_seconds()) < 120
    assert (after["events"], after["days"], after["first"], after["last"]) == (4, 2, "2003-06-02", "2004-01-03")
    assert after["contexts"] == 5
    assert after["warnings"] == [] and after["notes"] == [] and after["version"] == __version__


def test_info_says_how_the_archive_was_chosen(
    run: Run, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert info(run)["archive_chosen_by"] == "sample"
    conf = tmp_path / "config.toml"
    conf.write_text(f'archive = "{archive}"\n', encoding="utf-8")
    monkeypatch.setenv("NEWSQ_CONFIG", str(conf))
    got = info(run)
    assert (got["archive_chosen_by"], got["archive"], got["config"]) == (
        "config",
        str(archive),
        {"path": str(conf), "exists": True, "archive": str(archive)},
    )
    monkeypatch.setenv("NEWSQ_ARCHIVE", str(archive / "news"))
    assert (info(run)["archive_chosen_by"], info(run)["archive_given"]) == ("env", str(archive / "news"))
    assert info(run, "--archive", archive)["archive_chosen_by"] == "flag"
    code, out, _ = run("info", "--archive", archive)  # lines in a pipe, labelled
    assert code == 0 and f"archive:  {archive}\n" in out and "set by:   --archive\n" in out


def test_info_notes_changes_and_warnings(run: Run, archive: Path) -> None:
    (archive / "news/2003/06/2/broken.md").write_bytes(b"\xff\xfe not a page")
    run("index", "--archive", archive)
    (archive / "news/2004/01/3/new-page.md").write_text("#  A new page. \n", encoding="utf-8")
    got = info(run, "--archive", archive)
    assert got["cache"]["changed_folders"] == 1  # type: ignore[index]
    assert any("1 folder changed since the last index" in n for n in got["notes"])  # type: ignore[attr-defined]
    assert got["warnings"] and got["warnings"][0]["path"] == "news/2003/06/2/broken.md"  # type: ignore[index]


def test_info_with_a_bad_config_is_one_line(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "config.toml"
    conf.write_text("archive = [\n", encoding="utf-8")
    monkeypatch.setenv("NEWSQ_CONFIG", str(conf))
    for args in (["info"], ["on", "2003-06-02"]):
        code, out, err = run(*args)
        assert (code, out) == (2, "")
        assert err.startswith(f"newsq: error: config file {conf}, line ") and err.count("\n") == 1


def test_info_table_honours_columns_and_colour(archive: Path) -> None:
    def table(**env: str) -> str:
        full = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")} | env
        proc = subprocess.run(
            [sys.executable, "-m", "newsq", "info", "--table", "--archive", str(archive)],
            capture_output=True,
            text=True,
            env=full,
            check=True,
        )
        return proc.stdout

    narrow = table(COLUMNS="60", NO_COLOR="1")
    assert max(len(line) for line in narrow.splitlines() if "/" not in line) <= 60
    assert "\x1b[" not in narrow
    assert "\x1b[" in table(COLUMNS="60", FORCE_COLOR="1")


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(run: Run, flag: str) -> None:
    assert run(flag) == (0, f"newsq {__version__}\n", "")


# --- completion -------------------------------------------------------------------------------------


def complete(run: Run, words: str, shell: str = "bash", cword: int | None = None) -> list[str]:
    """What newsq answers a shell that completes word `cword` of `words` (by default the last,
    empty after a space)."""
    env = {"_NEWSQ_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        parts = words.split(" ")
        env |= {"COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1 if cword is None else cword)}
    else:
        env |= {"_TYPER_COMPLETE_ARGS": words, "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    result = run.runner.invoke(app, [], env=env, prog_name="newsq")
    return [line for line in result.stdout.split("\n") if line]


def test_completes_commands_and_options(run: Run) -> None:
    assert "export" in complete(run, "newsq ex") and "info" in complete(run, "newsq in")
    assert complete(run, "newsq export --fo") == ["--format"]
    assert complete(run, "newsq export --format ") == ["jsonl", "csv", "parquet"]
    assert complete(run, "newsq export li") == ["links"]


def test_completes_contexts_and_slugs_from_the_cache(run: Run, archive: Path, cache_dir: Path) -> None:
    # No cache yet: nothing to offer, and completion does not build one (that would take minutes).
    assert complete(run, f"newsq search x --archive {archive} --context Eu") == []
    assert not list(cache_dir.glob("*.sqlite"))
    run("index", "--archive", archive)
    # Any case; most events first; bash gets the spaces escaped, fish and zsh quote themselves.
    assert complete(run, f"newsq search x --archive {archive} --context eu") == ["europe", "European\\ Space\\ Agency"]
    assert complete(run, f"newsq --archive {archive} export -c Mars", "fish") == ["Mars", "Mars Express"]
    assert complete(run, f"newsq --archive {archive} show a-") == [
        "a-probe-leaves-for-mars",
        "a-summit-opens-in-a-spa-town",
    ]
    # bash passes the words after the cursor too: an --archive there counts.
    assert complete(run, f"newsq related a-s --archive {archive}", cword=2) == ["a-summit-opens-in-a-spa-town"]
    assert complete(run, "newsq show a- --archive /no/such/folder") == []


def test_a_first_query_shows_the_index_bar_on_a_terminal(archive: Path) -> None:
    """stderr on a terminal: the query that builds the cache draws the bar; the next does not."""

    def stderr_on_a_tty() -> bytes:
        leader, follower = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsq", "on", "2003-06-02", "--archive", str(archive)],
            stdout=subprocess.DEVNULL,
            stderr=follower,
            env=dict(os.environ, COLUMNS="80"),
        )
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            seen += chunk
        proc.wait()
        os.close(leader)
        return seen

    first = stderr_on_a_tty()
    assert b"indexing" in first and b"built the cache" in first
    assert b"indexing" not in stderr_on_a_tty()
