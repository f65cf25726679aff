"""Crashes and concurrency: kill -9, Ctrl-C, closed pipes, two writers, corrupt caches, read-only places."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsq import cache as newsq_cache
from newsq.archive import find_archive
from newsq.cli import app
from tests.conftest import MakeArchive, Run, reached, wait_for
from tests.test_hostile import ALPHA, GOOD, _check_good

REPO = Path(__file__).resolve().parent.parent
# Enough events that a full index takes about a second and uses the worker pool.
EVENTS = 3500


# --- a generated archive, its clean index, and helpers to run newsq ---------------------------------


class Big:
    def __init__(self, root: Path, stats: dict[str, Any], clean_cache: Path) -> None:
        self.root = root
        self.stats = stats
        self.clean_cache = clean_cache
        first, last = str(stats["first_day"]), str(stats["last_day"])
        self.on_args = ("on", first, "--to", last, "--json", "--archive", str(root))
        self.search_args = ("search", str(stats["probe"]), "--json", "-n", "500", "--archive", str(root))
        self.on_ref = ""
        self.search_ref: list[str] = []


def cli(cache: Path, *args: str | os.PathLike[str]) -> tuple[int, str, str]:
    """newsq in-process with its own cache folder."""
    result = CliRunner().invoke(
        app, [str(a) for a in args], env={"NEWSQ_CACHE_DIR": str(cache), "NO_COLOR": "1"}, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def spawn(cache: Path, *args: str | os.PathLike[str], **kw: Any) -> subprocess.Popen[str]:
    """newsq in a child process (its own process group, as a shell job would be)."""
    env = {**os.environ, "NEWSQ_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    env.pop("NEWSQ_ARCHIVE", None)
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(
        [sys.executable, "-m", "newsq", *map(str, args)], cwd=REPO, env=env, text=True, start_new_session=True, **kw
    )


def finish(proc: subprocess.Popen[str], timeout: float = 60) -> tuple[str, str]:
    """Wait for a child; if it hangs, kill its whole group and fail."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"newsq hung: {proc.args}")


def sorted_hits(out: str) -> list[str]:
    return sorted(json.dumps(o, sort_keys=True) for o in json.loads(out))


def answers(big: Big, cache: Path) -> tuple[str, list[str]]:
    code, on_out, err = cli(cache, *big.on_args)
    assert code == 0, err
    code, search_out, err = cli(cache, *big.search_args)
    assert code == 0, err
    return on_out, sorted_hits(search_out)


def integrity_ok(cache: Path) -> None:
    dbs = list(cache.glob("*.sqlite"))
    assert dbs, list(cache.iterdir())
    for db in dbs:
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            conn.close()


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Big:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from generate import generate  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(REPO / "bench"))
    base = tmp_path_factory.mktemp("big")
    stats = generate(base / "archive", EVENTS, 7)
    b = Big(base / "archive", stats, base / "clean-cache")
    proc = spawn(b.clean_cache, "index", "--archive", b.root)
    _out, err = finish(proc)
    assert proc.returncode == 0, err
    b.on_ref, b.search_ref = answers(b, b.clean_cache)
    assert len(json.loads(b.on_ref)) >= EVENTS * 0.9 and b.search_ref
    return b


def built_cache(big: Big, tmp_path: Path) -> Path:
    """A copy of the clean, complete cache."""
    cache = tmp_path / "cache-copy"
    shutil.copytree(big.clean_cache, cache)
    return cache


# --- kill -9 --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["started", "parsing", "writing"])
def test_kill_9_during_index(big: Big, tmp_path: Path, stage: str) -> None:
    cache = tmp_path / "cache-killed"
    proc = spawn(cache, "index", "--archive", big.root)
    wait_for(reached(stage, proc, cache), proc, stage)
    os.killpg(proc.pid, signal.SIGKILL)  # the workers too, as the OOM killer or a power cut would
    finish(proc)
    # And once more over what the first kill left, at another stage.
    proc = spawn(cache, "index", "--archive", big.root)
    wait_for(reached("parsing", proc, cache), proc, "parsing")
    os.killpg(proc.pid, signal.SIGKILL)
    finish(proc)
    assert answers(big, cache) == (big.on_ref, big.search_ref)
    integrity_ok(cache)


def indexed_copy(big: Big, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the big archive (to edit) with a complete cache of it."""
    root = tmp_path / "archive"
    shutil.copytree(big.root, root)
    cache = tmp_path / "cache"
    code, _out, err = cli(cache, "index", "--archive", root)
    assert code == 0, err
    return root, cache


def test_kill_9_during_update(big: Big, tmp_path: Path) -> None:
    """Killed while refreshing a complete cache: the old index or the new one, never a mix."""
    root, cache = indexed_copy(big, tmp_path)
    later = time.time() + 100
    for path in root.rglob("*.md"):
        os.utime(path, (later, later))
    proc = spawn(cache, "index", "--archive", root)
    wait_for(reached("parsing", proc, cache), proc, "parsing")
    os.killpg(proc.pid, signal.SIGKILL)
    finish(proc)
    integrity_ok(cache)
    on_args = [a if a != str(big.root) else str(root) for a in big.on_args]
    code, out, err = cli(cache, *on_args)
    assert code == 0, err
    assert out == big.on_ref.replace(str(big.root), str(root))


# --- Ctrl-C and closed pipes ----------------------------------------------------------------------


def _one_line(err: str) -> None:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert lines == ["newsq: interrupted"], err


def test_sigint_during_index(big: Big, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    proc = spawn(cache, "index", "--archive", big.root)
    wait_for(reached("parsing", proc, cache), proc, "parsing")
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground job, workers included
    _out, err = finish(proc)
    assert proc.returncode == 130, err
    _one_line(err)
    assert not list(cache.glob("*.building"))  # nothing half written is left behind
    assert answers(big, cache) == (big.on_ref, big.search_ref)


def test_sigint_during_query(big: Big, tmp_path: Path) -> None:
    cache = built_cache(big, tmp_path)
    on_args = [a if a != "--json" else "--jsonl" for a in big.on_args]
    proc = spawn(cache, *on_args)
    assert proc.stdout is not None
    assert json.loads(proc.stdout.readline())  # it answers; nobody reads on: it blocks on a full pipe
    os.killpg(proc.pid, signal.SIGINT)
    _out, err = finish(proc)
    assert proc.returncode == 130, err
    _one_line(err)


@pytest.mark.parametrize(
    "tail",
    [
        "--jsonl | head -1",
        "--jsonl | head -c 10",
        "--json | head -c 10",
        "| head -1",
        "--table | head -1",
    ],
)
def test_closed_pipe_is_quiet(big: Big, tmp_path: Path, tail: str) -> None:
    cache = built_cache(big, tmp_path)
    first, last = big.stats["first_day"], big.stats["last_day"]
    if "--table" in tail:  # Rich draws the whole table first: a month is enough to fill the pipe
        last = first[:7]
    command = f"{sys.executable} -m newsq on {first} --to {last} --archive {big.root} {tail}"
    env = {**os.environ, "NEWSQ_CACHE_DIR": str(cache)}
    proc = subprocess.run(command, shell=True, capture_output=True, text=True, cwd=REPO, env=env, timeout=60)
    assert proc.returncode == 0
    assert proc.stderr == ""
    if "-1" in tail and "jsonl" in tail:
        assert len(proc.stdout.splitlines()) == 1 and json.loads(proc.stdout)["date"] == first
    if "-c 10" in tail:
        assert len(proc.stdout.encode()) == 10


# --- several newsq at once -------------------------------------------------------------------------


def test_indexes_at_once(big: Big, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    procs = [spawn(cache, "index", "--archive", big.root) for _ in range(3)]
    wait_for(lambda: any(reached("started", p, cache)() for p in procs), procs[0], "an index started")
    queries = [spawn(cache, *big.search_args) for _ in range(3)]
    for proc in procs:
        _out, err = finish(proc)
        assert proc.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
    for proc in queries:
        out, err = finish(proc)
        assert proc.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
        assert sorted_hits(out) == big.search_ref
    assert answers(big, cache) == (big.on_ref, big.search_ref)
    integrity_ok(cache)


def test_queries_while_index_runs(big: Big, tmp_path: Path) -> None:
    """During a refresh, queries answer from the last complete index (old or new, nothing between)."""
    root, cache = indexed_copy(big, tmp_path)
    search_args = [a if a != str(big.root) else str(root) for a in big.search_args]
    code, old, err = cli(cache, *search_args)
    assert code == 0, err
    # Touch every page (so the refresh re-reads them all) and add a page that matches the search.
    later = time.time() + 100
    for path in root.rglob("*.md"):
        os.utime(path, (later, later))
    day = sorted((root / "news").glob("*/*/*"))[3]
    (day / "a-new-page.md").write_text(f"# A new {big.stats['probe']} page\n")
    writer = spawn(cache, "index", "--archive", root)
    outs = []
    while writer.poll() is None and len(outs) < 20:
        reader = spawn(cache, *search_args)
        out, err = finish(reader)
        assert reader.returncode in (0, 1), err
        assert "locked" not in err and "Traceback" not in err
        outs.append(out)
    _out, err = finish(writer)
    assert writer.returncode == 0, err
    assert "locked" not in err
    code, new, err = cli(cache, *search_args)
    assert code == 0, err
    assert len(json.loads(new)) == len(json.loads(old)) + 1
    assert outs, "the index finished before any query ran"
    for out in outs:
        assert sorted_hits(out) in (sorted_hits(old), sorted_hits(new))
    integrity_ok(cache)


# --- a cache that is not what it should be -------------------------------------------------------------


def _cache_file(cache: Path) -> Path:
    (db,) = cache.glob("*.sqlite")
    return db


def _set_schema(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value = '-7' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()


def _truncate(db: Path) -> None:
    size = db.stat().st_size
    with open(db, "r+b") as fh:
        fh.truncate(size // 2)


def _random(db: Path) -> None:
    db.write_bytes(random.Random(1).randbytes(db.stat().st_size))


def _garbage_tail(db: Path) -> None:
    data = bytearray(db.read_bytes())
    data[len(data) // 2 :] = random.Random(2).randbytes(len(data) - len(data) // 2)
    db.write_bytes(bytes(data))


def _empty(db: Path) -> None:
    db.write_bytes(b"")


def _not_complete(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value = '0' WHERE key = 'complete'")
    conn.commit()
    conn.close()


CORRUPTIONS = {
    "random-bytes": _random,
    "truncated": _truncate,
    "garbage-second-half": _garbage_tail,
    "empty-file": _empty,
    "other-schema": _set_schema,
    "incomplete": _not_complete,
}


@pytest.fixture
def bigger_good(make_archive: MakeArchive) -> Path:
    """The good archive with enough pages that its cache spans many database pages."""
    files = dict(GOOD)
    for i in range(300):
        files[f"news/2019/05/{1 + i % 28}/filler-event-{i}.md"] = f"# Filler event {i} with words\n\n{'text ' * 60}\n"
    return make_archive(files)


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_corrupt_cache_is_rebuilt(name: str, bigger_good: Path, run: Run, cache_dir: Path) -> None:
    code, clean, err = run("on", "2019", "--to", "2020", "--json", "--archive", bigger_good)
    assert code == 0, err
    CORRUPTIONS[name](_cache_file(cache_dir))
    code, out, err = run("on", "2019", "--to", "2020", "--json", "--archive", bigger_good)
    assert code == 0, err
    assert len(err.strip().splitlines()) == 1, err
    assert "rebuil" in err or "built" in err
    assert out == clean
    _check_good(run, bigger_good)
    integrity_ok(cache_dir)
    # Fixed for good: the next command is silent.
    code, out, err = run("on", "2019", "--to", "2020", "--json", "--archive", bigger_good)
    assert (code, out, err) == (0, clean, "")


def test_archive_moved(make_archive: MakeArchive, run: Run, cache_dir: Path) -> None:
    """A cache copied to the place of another archive is not used for it."""
    root = make_archive(GOOD)
    code, clean, err = run("on", "2020-01-05", "--json", "--archive", root)
    assert code == 0
    moved = root.parent / "moved"
    root.rename(moved)
    (moved / "news" / "2020" / "01" / "5" / "index.md").write_text(
        "### [Only in the moved copy](/news/2020/01/5/only-in-the-moved-copy.md)\n"
    )
    new_db = newsq_cache.cache_path(find_archive(moved))
    shutil.copy(_cache_file(cache_dir), new_db)
    code, out, err = run("on", "2020-01-05", "--json", "--archive", moved)
    assert code == 0, err
    assert len(err.strip().splitlines()) == 1 and "another archive" in err, err
    assert "only-in-the-moved-copy" in [e["slug"] for e in json.loads(out)]


# --- read-only archive, cache folder not writable -----------------------------------------------------


def _snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    snap: dict[str, tuple[int, int, str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(st.st_mode) else ""
            snap[str(path.relative_to(root))] = (st.st_mtime_ns, st.st_size, digest)
    return snap


@pytest.fixture
def read_only(make_archive: MakeArchive) -> Iterator[Path]:
    root = make_archive(GOOD)
    modes = {}
    for dirpath, _dirs, files in os.walk(root):
        for p in [Path(dirpath), *(Path(dirpath) / f for f in files)]:
            modes[p] = p.stat().st_mode
    for p in sorted(modes, reverse=True):
        p.chmod(modes[p] & ~0o222)
    yield root
    for p in sorted(modes):
        p.chmod(modes[p])


COMMANDS = [
    ("index",),
    ("index", "--verbose"),
    ("on", "2020-01-05"),
    ("on", "2020-01-05", "--json"),
    ("search", "alpha"),
    ("show", ALPHA),
    ("related", ALPHA),
]


def test_read_only_archive_is_never_written(read_only: Path, run: Run, cache_dir: Path) -> None:
    before = _snapshot(read_only)
    for args in COMMANDS * 2:
        code, _out, err = run(*args, "--archive", read_only)
        assert code in (0, 1), (args, err)
        assert all(line.startswith("newsq: ") for line in err.splitlines()), (args, err)
        assert _snapshot(read_only) == before, args
    shutil.rmtree(cache_dir)  # and once more while building
    for args in COMMANDS:
        run(*args, "--archive", read_only)
        assert _snapshot(read_only) == before, args
    assert not any(p.name.endswith((".sqlite", ".lock", "-wal", "-shm")) for p in read_only.rglob("*"))
    _check_good(run, read_only)


@pytest.mark.parametrize("how", ["under-a-file", "mode-555"])
def test_cache_folder_not_writable(
    how: str, make_archive: MakeArchive, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_archive(GOOD)
    if how == "under-a-file":
        blocker = tmp_path / "a-file"
        blocker.write_text("not a folder")
        monkeypatch.setenv("NEWSQ_CACHE_DIR", str(blocker / "cache"))
    else:
        if os.geteuid() == 0:
            pytest.skip("root writes into a mode-555 folder anyway (the under-a-file case covers root)")
        folder = tmp_path / "ro-cache"
        folder.mkdir()
        folder.chmod(0o555)
        monkeypatch.setenv("NEWSQ_CACHE_DIR", str(folder))
    for args in COMMANDS:
        code, out, err = run(*args, "--archive", root)
        assert code in (0, 1), (args, err)
        why = "cannot make the cache folder" if how == "under-a-file" else "not writable"
        notes = [ln for ln in err.splitlines() if why in ln]
        assert len(notes) == 1 and "indexed into memory for this command only, nothing saved" in notes[0], err
        if args[0] == "index":
            assert "built the cache" not in err and "indexed into memory in" in err
    _check_good(run, root)


# A worker still writing into the shards' folder when Ctrl-C comes (the process indexing the text
# writes text.db there, and attaches the shards, which makes them again if they are gone).
_WRITER = """
import multiprocessing as mp, os, signal, sys
from newsq import cleanup, entry
folder = sys.argv[1]

def write() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as the index's workers do
    while True:
        os.makedirs(folder, exist_ok=True)
        open(os.path.join(folder, "text.db"), "a").close()

signal.signal(signal.SIGINT, entry._interrupted)
cleanup.remove_on_interrupt(folder)
worker = mp.get_context("fork").Process(target=write, daemon=True)
worker.start()
while not os.path.exists(os.path.join(folder, "text.db")):
    pass
remove_all = cleanup.remove_all

def removing() -> None:  # as it is, then what a worker still running does at any moment after
    remove_all()
    while worker.exitcode is None and not os.path.exists(folder):
        pass

cleanup.remove_all = removing
os.kill(os.getpid(), signal.SIGINT)
"""


def test_sigint_leaves_no_shards_a_worker_writes(tmp_path: Path) -> None:
    """Ctrl-C ends the workers before it removes the shards' folder: removed first, a worker still
    writing made it again (a folder of the size of the full-text index, left until the next build)."""
    folder = tmp_path / "cache.sqlite.building.shards"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(folder)], cwd=REPO, stderr=subprocess.PIPE, text=True)
    _out, err = finish(proc)
    assert proc.returncode == 130, err
    _one_line(err)
    assert not folder.exists(), list(folder.iterdir())


def test_an_update_removes_what_a_killed_rebuild_left(big: Big, tmp_path: Path) -> None:
    """`newsq index` after a `newsq index --rebuild` killed with -9 removes the half-built file and
    its shards (twice the cache's size), and the cache answers as before."""
    cache = built_cache(big, tmp_path)
    proc = spawn(cache, "index", "--rebuild", "--archive", big.root)
    wait_for(reached("writing", proc, cache), proc, "writing")
    os.killpg(proc.pid, signal.SIGKILL)
    finish(proc)
    left = [p.name for p in cache.iterdir() if ".building" in p.name]
    assert left  # what the kill left
    code, _out, err = cli(cache, "index", "--archive", big.root)
    assert code == 0, err
    assert not [p.name for p in cache.iterdir() if ".building" in p.name]
    assert answers(big, cache) == (big.on_ref, big.search_ref)
