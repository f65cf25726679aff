"""A hostile user at the command line: numbers too big, stdout closed or full, queries that look like
options, pasted walls of text. Each bad input is one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from newsq.errors import Exit
from tests.conftest import Run

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data"
SLUG = "europe-s-first-mission-to-mars"  # a unique start of a slug in the sample


@pytest.fixture(autouse=True)
def sample_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One cache of the sample for every test here (its own newsq processes too): built once."""
    cache = tmp_path_factory.getbasetemp() / "hostile-cli-cache"
    monkeypatch.setenv("NEWSQ_CACHE_DIR", str(cache))
    return cache


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if "the cache in" not in line]  # a first query's summary
    assert len(lines) == 1 and lines[0].startswith("newsq: error: "), err[:2000]
    assert len(lines[0]) <= 300, lines[0][:400]
    return lines[0]


# --- 1. --limit out of range ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("search", "Mars", "--limit", "99999999999999999999999"),
        ("search", "Mars", "--limit", "9223372036854775808"),
        ("on", "2003", "--limit", "99999999999999999999999"),
        ("on", "2003", "-n", "9223372036854775808"),
        ("related", SLUG, "--limit", "99999999999999999999999"),
        ("contexts", "--limit", "99999999999999999999999"),
        ("search", "Mars", "--limit", "9" * 10_000),
    ],
)
def test_a_limit_too_big_is_one_usage_line(args: tuple[str, ...], run: Run) -> None:
    # Before: OverflowError (SQLite INTEGER) or ValueError (islice) tracebacks.
    code, out, err = run(*args, "--archive", SAMPLE)
    assert (code, out) == (Exit.ERROR, "")
    assert "--limit" in _one_error_line(err)


def test_the_largest_limit_still_answers(run: Run) -> None:
    code, out, err = run("on", "2003", "--limit", "1000000000", "--json", "--archive", SAMPLE)
    assert code == Exit.FOUND, err
    assert len(json.loads(out)) > 5


# --- 2. stdout closed or full ---------------------------------------------------------------------


def _newsq(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}  # NEWSQ_CACHE_DIR: the shared sample_cache
    command = [sys.executable, "-m", "newsq", *args, "--archive", str(SAMPLE)]
    return subprocess.run(command, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env, timeout=60, **kwargs)  # type: ignore[call-overload, no-any-return]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args", [["on", "2003"], ["on", "2003", "--table"], ["show", SLUG, "--json"], ["index", "--json"]]
)
def test_a_full_disk_on_stdout_is_one_line_and_exit_2(args: list[str]) -> None:
    # Before: an OSError (ENOSPC) traceback and exit 1, which means "nothing found".
    with open("/dev/full", "w") as full:
        proc = _newsq(args, stdout=full)
    assert proc.returncode == Exit.ERROR, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "the cache in" not in line]  # index's summary
    assert lines == ["newsq: error: cannot write the output: No space left on device"], proc.stderr


@pytest.mark.parametrize("args", [["on", "1000", "--to", "9999"], ["show", SLUG, "--json"]])
def test_a_closed_stdout_is_one_line_and_exit_2(args: list[str]) -> None:
    # As `newsq on 1000 --to 9999 >&-`. Before: AttributeError 'NoneType' has no attribute 'isatty'.
    proc = _newsq(args, preexec_fn=lambda: os.close(1))
    assert proc.returncode == Exit.ERROR, proc.stderr
    assert proc.stderr.splitlines()[-1] == "newsq: error: cannot write the output: stdout is closed"
    assert "Traceback" not in proc.stderr


def test_a_table_into_a_closed_pipe_ends_quietly_with_exit_0(run: Run) -> None:
    # Before: Rich's own handler ended the table with exit 1 ("nothing found"); lines and JSON exit 0.
    assert run("index", "--archive", SAMPLE)[0] == Exit.FOUND  # so that stderr would hold only errors
    env = dict(os.environ)
    command = [sys.executable, "-m", "newsq", "on", "1000", "--to", "9999", "--table", "--archive", str(SAMPLE)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # as `| head -1` does once it has its line; the table is far longer than a buffer
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == Exit.FOUND and err == b""


# --- 3. the query language in --help, and queries that start with - --------------------------------


def test_search_help_explains_the_query_language(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    code, out, _ = run("search", "--help")
    assert code == 0
    description, arguments = out.split("Arguments")
    arguments = " ".join(arguments.split("Options")[0].replace("│", " ").split())
    description = " ".join(description.split())
    for piece in ('"a phrase"', "mar*", "-word", '-"a phrase"', "Mars OR Venus", "goes after --"):
        assert piece in arguments, piece  # the QUERY argument's own help
        assert piece in description, piece  # and the command's
    assert "newsq search -- -Beagle Mars" in out


def test_a_query_may_be_several_words_and_start_with_a_minus_after_double_dash(run: Run) -> None:
    # Before: "Got unexpected extra argument (Mars)" in a box, as README's own example showed.
    code, together, err = run("search", "--json", "--archive", SAMPLE, "--", "-Beagle", "Mars")
    assert code == Exit.FOUND, err
    _, quoted, _ = run("search", "--json", "--archive", SAMPLE, "--", "-Beagle Mars")
    assert together and json.loads(together) == json.loads(quoted)
    assert all("beagle" not in hit["title"].lower() for hit in json.loads(together))


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["search", '-"Mars Express" Beagle'], "newsq search -- '-\"Mars Express\" Beagle'"),
        (["search", "-Beagle", "Mars"], "newsq search -- -Beagle"),
        (["timeline", "-Beagle"], "newsq timeline -- -Beagle"),
    ],
)
def test_a_query_taken_for_an_option_hints_at_double_dash(args: list[str], hint: str, run: Run) -> None:
    # Before: Click's usage, a "Try ... -h" line and a boxed "No such option" panel.
    code, out, err = run(*args, "--archive", SAMPLE)
    assert (code, out) == (Exit.ERROR, "")
    line = _one_error_line(err)
    assert "no such option" in line and line.endswith(f"goes after --: {hint}")


@pytest.mark.parametrize(
    "args",
    [
        ["on"],
        ["search"],
        ["search", "Mars", "--sort", "x"],
        ["contexts", "--sort", "sideways"],
        ["nosuchcommand"],
        ["search", "Mars", "--limit", "0"],
        ["search", "Mars", "--exat"],
        ["timeline", "--by", "decade"],
    ],
)
def test_every_usage_error_is_one_plain_line(args: list[str], run: Run) -> None:
    code, out, err = run(*args)
    assert (code, out) == (Exit.ERROR, "")
    line = _one_error_line(err)
    assert "╭" not in line and "Usage:" not in line
    assert re.search(r"\(see newsq( \w+)? -h\)$", line), line


@pytest.mark.parametrize("args", [["--help"], ["-V"], ["on", "--help"]])
def test_help_into_a_full_disk_is_one_line_and_exit_2(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "newsq", *args], stdout=full, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == Exit.ERROR
    assert proc.stderr == "newsq: error: cannot write the output: No space left on device\n"


def test_a_mistyped_command_is_named_once(run: Run) -> None:
    code, _out, err = run("serch", "Mars")
    assert code == Exit.ERROR
    assert _one_error_line(err).count("Did you mean 'search'?") == 1


@pytest.mark.parametrize(
    "args",
    [
        ["on", "2003-06-02"],
        ["--archive", str(SAMPLE), "show", SLUG],
        ["-a", str(SAMPLE), "related", SLUG, "-n", "1"],
        [f"--archive={SAMPLE}", "contexts", "-n", "1"],
        ["-V"],
        ["serch", "Mars"],
    ],
)
def test_the_installed_command_runs_each_command_line_as_in_process(args: list[str], run: Run) -> None:
    """`newsq` (cli.main) builds only the command it runs: it must answer as the whole app does."""
    proc = subprocess.run([sys.executable, "-m", "newsq", *args], capture_output=True, text=True, cwd=REPO)
    assert (proc.returncode, proc.stdout) == run(*args)[:2], proc.stderr


# --- 5. pasted walls of text are echoed as one short line -----------------------------------------

WALL = "x" * 100_000


@pytest.mark.parametrize(
    "args",
    [
        ["--archive", WALL, "on", "2003"],
        ["on", "2003", "--archive", WALL],
        ["on", "2003", "--archive", SAMPLE, "--context", WALL],
        ["contexts", WALL, "--archive", SAMPLE],
        ["contexts", "--sort", WALL],
        ["search", "Mars", "--limit", WALL],
        ["search", "--" + WALL],
    ],
)
def test_long_user_text_is_echoed_as_one_short_line(args: list[str | Path], run: Run) -> None:
    # Before: "archive not found: xxxx..." 100,000 characters long; contexts TEXT: the cache "failed".
    code, out, err = run(*args)
    assert (code, out) == (Exit.ERROR, "")
    line = _one_error_line(err)
    assert "x" * 201 not in line and "cache" not in line  # a long contexts TEXT is no damaged cache


def test_a_long_archive_path_from_the_environment_is_cut(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSQ_ARCHIVE", "/nowhere/" + WALL)
    code, _, err = run("on", "2003")
    assert code == Exit.ERROR
    assert _one_error_line(err).startswith("newsq: error: archive not found: '/nowhere/xxx")
