"""The cache policy: one cache per archive whatever names it, days merged twice while indexing, failed
builds, edits that keep mtime and size, cache folders that cannot be written, workers and terminals."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import MakeArchive, Run, children, cpu_ticks, reached, running, wait_for
from tests.test_hostile import ALPHA, BETA, GOOD, _check_good, _drop_read_caps, _page

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data"


def _sample_copy(tmp_path: Path) -> Path:
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE / "news", root / "news")
    return root


def _integrity_ok(cache: Path) -> None:
    for db in cache.glob("*.sqlite"):
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("INSERT INTO events_fts(events_fts) VALUES ('integrity-check')") is not None
        finally:
            conn.close()


def _flubnar(root: Path) -> None:
    """A page in one day's folder whose front matter dates it to another day with a folder of its own."""
    (root / "news/2003/06/2/flubnar.md").write_text("---\ndate: 2003-12-25\n---\n# Flubnar test page\n")


def _day_page_copied(root: Path) -> None:
    """A day page copied into another day's folder: its items still belong to their own day."""
    shutil.copy(root / "news/2003/06/2/index.md", root / "news/2003/12/25/index-copy.md")
    shutil.copy(root / "news/2003/06/2/index.md", root / "news/2003/12/25/README.md")


def _page_under_two_days(root: Path) -> None:
    """The same event page present under two days (copied, front matter and all)."""
    (root / "news/2003/12/25/flubnar.md").write_text("---\ndate: 2003-06-02\n---\n# Flubnar test page\n")
    (root / "news/2003/06/2/flubnar.md").write_text("---\ndate: 2003-06-02\n---\n# Flubnar test page\n")


REMERGES = {"front-matter-other-day": _flubnar, "day-page-copied": _day_page_copied, "two-days": _page_under_two_days}


@pytest.mark.parametrize("name", list(REMERGES))
@pytest.mark.parametrize("when", ["full-index", "update"])
def test_days_merged_twice(name: str, when: str, tmp_path: Path, run: Run, cache_dir: Path) -> None:
    """A day merged twice while indexing (once per folder that speaks of it) gives a sound cache
    that answers like a fresh index of the same archive."""
    root = _sample_copy(tmp_path)
    if when == "update":
        assert run("index", "--archive", root)[0] == 0
    REMERGES[name](root)
    if when == "update":  # a page filed in another day's folder is news only `newsq index` looks for
        code, _out, err = run("index", "--archive", root)
        assert code == 0, err
    code, out, err = run("on", "2003-06-02", "--json", "--archive", root)
    assert code == 0, err
    assert "malformed" not in err
    code, found, err = run("search", "Mars", "--json", "-n", "100", "--archive", root)
    assert code == 0, err
    _integrity_ok(cache_dir)
    code, _out, err = run("index", "--rebuild", "--archive", root)
    assert code == 0, err
    assert run("on", "2003-06-02", "--json", "--archive", root)[1] == out
    assert run("search", "Mars", "--json", "-n", "100", "--archive", root)[1] == found


def test_flubnar_is_found_on_its_day(tmp_path: Path, run: Run) -> None:
    root = _sample_copy(tmp_path)
    _flubnar(root)
    code, out, err = run("search", "flubnar", "--json", "--archive", root)
    assert code == 0, err
    assert [(e["date"], e["title"]) for e in json.loads(out)] == [("2003-12-25", "Flubnar test page")]


def test_failed_build_leaves_nothing_behind(
    tmp_path: Path, run: Run, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that fails says why in one line, and the next command starts clean."""
    from newsq import indexer

    root = _sample_copy(tmp_path)
    real_build = indexer.build

    def failing(*args: object, **kwargs: object) -> object:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(indexer, "build", failing)
    code, out, err = run("on", "2003-06-02", "--archive", root)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"newsq: error: the disk holding the cache is full ({cache_dir}): free some space, or set NEWSQ_CACHE_DIR elsewhere"
    ]
    assert not list(cache_dir.glob("*.building*")) and not list(cache_dir.glob("*.sqlite"))
    monkeypatch.setattr(indexer, "build", real_build)
    code, out, err = run("on", "2003-06-02", "--archive", root)
    assert code == 0 and "Mars Express" in out, err


def test_an_update_on_a_full_disk_says_the_disk_is_full(
    tmp_path: Path, run: Run, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An update (`newsq index`, or a query's refresh) that fills the disk says so with its fix, not
    'the cache failed ... --rebuild makes it anew' (a rebuild needs more room still); the cache as
    it was answers once there is room."""
    from newsq import indexer

    root = _sample_copy(tmp_path)
    assert run("index", "--archive", root)[0] == 0
    (root / "news/2003/06/2/flubnar.md").write_text("# Flubnar test page\n")
    real_update = indexer.update

    def failing(*args: object, **kwargs: object) -> object:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(indexer, "update", failing)
    full = f"newsq: error: the disk holding the cache is full ({cache_dir}): free some space, or set NEWSQ_CACHE_DIR elsewhere"
    for args in (["on", "2003-06-02"], ["index"]):
        code, out, err = run(*args, "--archive", root)
        assert (code, out, err.splitlines()) == (2, "", [full]), args
    monkeypatch.setattr(indexer, "update", real_update)
    code, out, err = run("on", "2003-06-02", "--archive", root)
    assert code == 0 and "Flubnar test page" in out, err


@pytest.mark.parametrize("problem", ["no-temporary-folder", "temporary-folder-full"])
def test_indexing_into_memory_without_room_for_scratch_files(
    problem: str, make_archive: MakeArchive, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the cache folder cannot be made, newsq indexes into memory, staging its rows in a temporary
    folder: when there is none it can write, or it is full, one line says so and how to fix it (it
    said 'cannot write the output', or offered --rebuild)."""
    import tempfile

    from newsq import store

    root = make_archive(GOOD)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("NEWSQ_CACHE_DIR", str(blocker / "cache"))  # cannot be made: a file is in the way
    if problem == "no-temporary-folder":

        def no_folder() -> str:  # what tempfile says when TMPDIR, /tmp, /var/tmp and . cannot be written
            raise FileNotFoundError(2, "No usable temporary directory found in ['/tmp', '/var/tmp']")

        monkeypatch.setattr(tempfile, "tempdir", None)  # (not yet found: gettempdir looks)
        monkeypatch.setattr(tempfile, "gettempdir", no_folder)
        reason = "no writable temporary folder"
    else:
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

        def full(*args: object) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(store, "write_shard", full)
        reason = f"the disk holding {tmp_path} is full"
    code, out, err = run("on", "2020-01-05", "--archive", root)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"newsq: error: cannot make the cache folder {blocker / 'cache'} (Not a directory), and indexing into "
        f"memory needs a temporary folder with room ({reason}): set NEWSQ_CACHE_DIR or TMPDIR to a writable folder"
    ]
    assert not list(tmp_path.glob("newsq-shards-*"))


def test_news_folder_names_the_same_archive(make_archive: MakeArchive, run: Run, cache_dir: Path) -> None:
    """`--archive R/news` and `--archive R` are one archive: one cache, one set of answers (front pages
    beside news/ included)."""
    files = dict(GOOD)
    # A front page beside news/ that is the only page to list an event.
    files["index.md"] = (
        "## [News](/news/2020/01/7/index.md)\n\n### [Delta wins the cup. ](/news/2020/01/7/delta-wins-the-cup.md)\n_Context: Football_\n"
    )
    root = make_archive(files)
    answers = []
    for where in (root, root / "news", root / "news" / ".." / "news"):
        code, out, err = run("on", "2020", "--json", "--archive", where)
        assert code == 0, err
        answers.append(out)
    assert answers[0] == answers[1] == answers[2]
    assert "delta-wins-the-cup" in answers[0]
    assert len(list(cache_dir.glob("*.sqlite"))) == 1


def test_edit_in_place_keeping_mtime_and_size(make_archive: MakeArchive, run: Run) -> None:
    """`newsq index` catches a page rewritten with its size and mtime put back (its ctime moved)."""
    root = make_archive(GOOD)
    assert run("index", "--archive", root)[0] == 0
    page = root / f"news/2020/01/5/{ALPHA}.md"
    before = page.stat()
    text = page.read_text()
    page.write_text(text.replace("alpha probe", "ALPHA PROBE"))
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert page.stat().st_size == before.st_size and page.stat().st_mtime_ns == before.st_mtime_ns
    code, out, err = run("index", "--json", "--archive", root)
    assert code == 0, err
    assert json.loads(out)["files_read"] == 1
    assert "ALPHA PROBE" in run("show", ALPHA, "--archive", root)[1]


def test_a_day_merged_again_reads_its_unchanged_pages(make_archive: MakeArchive, run: Run) -> None:
    """The cache keeps no copy of a page: when one page of a day changes, the day's other pages are
    read again, a linked page (inside the archive) included, and the day keeps all its events."""
    files = dict(GOOD)
    beta = files.pop(f"news/2020/01/5/{BETA}.md")
    files[f"pages/{BETA}.md"] = beta
    root = make_archive(files)
    os.symlink(root / f"pages/{BETA}.md", root / f"news/2020/01/5/{BETA}.md")
    assert run("index", "--archive", root)[0] == 0
    page = root / f"news/2020/01/5/{ALPHA}.md"
    page.write_text(page.read_text().replace("alpha probe", "ALPHA PROBE"))
    code, out, err = run("index", "--json", "--archive", root)
    assert code == 0, err
    assert json.loads(out)["files_read"] == 1
    code, out, err = run("on", "2020-01-05", "--json", "--archive", root)
    assert code == 0, err
    assert {e["slug"]: e["path"] for e in json.loads(out)} == {
        ALPHA: f"news/2020/01/5/{ALPHA}.md",
        BETA: f"news/2020/01/5/{BETA}.md",
    }
    assert "ALPHA PROBE" in out


def test_index_rebuild_reads_everything(make_archive: MakeArchive, run: Run) -> None:
    root = make_archive(GOOD)
    assert run("index", "--archive", root)[0] == 0
    code, out, err = run("index", "--json", "--archive", root)
    assert json.loads(out)["files_read"] == 0
    code, out, err = run("index", "--rebuild", "--json", "--archive", root)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["full"] and summary["files_read"] == summary["files"] == len(GOOD)
    assert err.startswith("newsq: built the cache")


def test_cache_dir_is_a_file(
    make_archive: MakeArchive, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_archive(GOOD)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("NEWSQ_CACHE_DIR", str(blocker))
    code, out, err = run("on", "2020-01-05", "--archive", root)
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"newsq: error: NEWSQ_CACHE_DIR names a file, not a folder: {blocker}"]


def _as_user(cache: Path, *args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    """newsq in a child that file modes bind (root drops the capabilities that ignore them)."""
    env = {**os.environ, "NEWSQ_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "newsq", *map(str, args)],
        preexec_fn=_drop_read_caps if os.geteuid() == 0 else None,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )


def test_read_only_cache_folder_is_used_as_it_is(make_archive: MakeArchive, run: Run, cache_dir: Path) -> None:
    """A valid cache in a folder that cannot be written answers queries from the file, silently when
    the archive has not changed; `newsq index` there says that nothing was saved."""
    root = make_archive(GOOD)
    assert run("index", "--archive", root)[0] == 0
    cache_dir.chmod(0o555)
    try:
        probe = _as_user(cache_dir, "index", "--archive", root)
        if "not writable" not in probe.stderr and probe.returncode == 0:
            pytest.skip("cannot make a folder unwritable here")
        proc = _as_user(cache_dir, "on", "2020-01-05", "--archive", root)
        assert proc.returncode == 0 and ALPHA in proc.stdout
        assert proc.stderr == ""  # used as it is: no "indexed into memory"
        (root / "news/2020/01/5/late-news.md").write_text(_page("2020-01-05", "Late news arrives."))
        proc = _as_user(cache_dir, "on", "2020-01-05", "--archive", root)
        assert proc.returncode == 0
        assert "answering from the cache as last indexed (1 folder changed since)" in proc.stderr
        proc = _as_user(cache_dir, "index", "--archive", root)
        assert proc.returncode == 0
        assert "built the cache" not in proc.stderr and "nothing saved" in proc.stderr
    finally:
        cache_dir.chmod(0o755)
    _check_good(run, root)


# --- processes and terminals ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def parallel_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive large enough that `newsq index` parses it in worker processes."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from generate import generate  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(REPO / "bench"))
    root = tmp_path_factory.mktemp("parallel") / "archive"
    generate(root, 10_000, 11)  # parsing must outlast a test's look at the workers, even on a fast machine
    return root


def _indexing(archive: Path, cache: Path, *flags: str) -> subprocess.Popen[str]:
    """`newsq index` of an archive into a cache, running in the background, its output piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "newsq", "index", *flags, "--archive", str(archive)],
        cwd=REPO,
        env={**os.environ, "NEWSQ_CACHE_DIR": str(cache)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_workers_die_with_their_parent(parallel_archive: Path, tmp_path: Path) -> None:
    """kill -9 of `newsq index` alone (not its process group): the workers end too, silently."""
    proc = _indexing(parallel_archive, tmp_path / "cache")
    wait_for(lambda: len(children(proc.pid)) >= 1, proc, "worker processes")
    workers = children(proc.pid)
    wait_for(lambda: all(cpu_ticks(pid) >= 10 for pid in workers), proc, "workers busy parsing")
    os.kill(proc.pid, signal.SIGKILL)
    # The workers hold the same stderr pipe: it reaches its end only when every one of them is gone.
    _out, err = proc.communicate(timeout=60)
    assert err == ""
    deadline = time.monotonic() + 10  # closing its files is the last thing an ending process does
    while any(running(pid) for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived its parent"
        time.sleep(0.01)


def test_ctrl_c_in_a_terminal_restores_it(parallel_archive: Path, tmp_path: Path) -> None:
    """Ctrl-C while the progress bar is drawn: the cursor is shown again and the bar's line cleared."""
    env = {**os.environ, "NEWSQ_CACHE_DIR": str(tmp_path / "cache"), "TERM": "xterm", "COLUMNS": "80"}
    env.pop("NO_COLOR", None)
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsq", "index", "--archive", str(parallel_archive)],
        cwd=REPO,
        env=env,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        start_new_session=True,
    )
    os.close(follower)
    seen = b""

    def read_some() -> bool:
        nonlocal seen
        if select.select([leader], [], [], 0.05)[0]:
            try:
                seen += os.read(leader, 65536)
            except OSError:
                return True
        return b"\x1b[?25l" in seen and b"/" in seen.rsplit(b"\x1b[?25l", 1)[1]

    wait_for(read_some, proc, "progress bar")
    os.killpg(proc.pid, signal.SIGINT)
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(timeout=60) == 130, seen[-1500:]
    os.close(leader)
    tail = seen.rsplit(b"\x1b[?25l", 1)[1]
    assert b"\x1b[?25h" in tail  # the cursor is visible again
    assert tail.endswith(b"\r\x1b[2K\x1b[?25hnewsq: interrupted\r\n"), tail


def test_a_dead_worker_ends_the_index_with_one_line(parallel_archive: Path, tmp_path: Path, run: Run) -> None:
    """A worker killed (by hand, or by the OOM killer) ends `newsq index` with an error instead of a
    hang that would hold the lock, and every query waiting on it, for ever."""
    cache = tmp_path / "cache"
    proc = _indexing(parallel_archive, cache)
    wait_for(reached("parsing", proc, cache), proc, "workers busy parsing")
    os.kill(children(proc.pid)[0], signal.SIGKILL)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.splitlines() == ["newsq: error: a worker process of the index died (killed?); nothing was saved"]
    assert not list(cache.glob("*.building"))
    os.environ["NEWSQ_CACHE_DIR"] = str(cache)
    try:
        code, _out, err = run("index", "--archive", parallel_archive)
    finally:
        del os.environ["NEWSQ_CACHE_DIR"]
    assert code == 0 and "built the cache" in err


def test_queries_answer_from_the_old_cache_during_a_rebuild(parallel_archive: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {**os.environ, "NEWSQ_CACHE_DIR": str(cache)}
    query = [sys.executable, "-m", "newsq", "on", "1990-01", "--json", "--archive", str(parallel_archive)]
    before = subprocess.run(query, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert before.returncode == 0
    proc = _indexing(parallel_archive, cache, "--rebuild")
    wait_for(reached("parsing", proc, cache), proc, "a rebuild under way")
    during = subprocess.run(query, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert proc.poll() is None, "the rebuild ended before the query: no overlap was tested"
    assert (during.returncode, during.stdout, during.stderr) == (0, before.stdout, "")
    proc.communicate(timeout=60)
    assert proc.returncode == 0


def test_a_damaged_value_is_rebuilt_in_one_line(make_archive: MakeArchive, run: Run, cache_dir: Path) -> None:
    """A value SQLite cannot read back (bytes that are not UTF-8) is damage: the cache is rebuilt."""
    root = make_archive(GOOD)
    code, clean, _ = run("search", "alpha", "--json", "--archive", root)
    (db,) = cache_dir.glob("*.sqlite")
    conn = sqlite3.connect(db)
    conn.execute("UPDATE events SET contexts = CAST(x'4d6172730a4d617273ff00fe' AS TEXT)")
    conn.commit()
    conn.close()
    code, out, err = run("search", "alpha", "--json", "--archive", root)
    assert (code, out) == (0, clean)
    assert len(err.splitlines()) == 1 and "rebuilding" in err and "\ufffd" not in err
