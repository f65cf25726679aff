"""The indexer's worker side: read and parse pages and merge the days they speak of, in worker
processes when there are many. Nothing here writes the cache: the indexer does, in its one process."""

from __future__ import annotations

import errno
import itertools
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from newsq.archive import folder_day, folder_of
from newsq.errors import IndexingFailed
from newsq.models import ArchiveFile, DayItem, FileRecord, ParsedFile, StoredEvent

# Below this many pages to read, worker processes cost more than they save.
PARALLEL_MIN_FILES = 3000
# Tasks handed to the workers at a time: bounds memory on a huge archive.
_WINDOW = 64
# Pages a task of a full index holds at least (whole folders: a day's pages stay together).
TASK_PAGES = 256
_MAX_FILE_BYTES = 4 * 1024 * 1024  # read at most this much of one page
R = TypeVar("R")


def _file_rank(path: str) -> tuple[int, str]:
    """Authority of a page's items: the day's index.md, its README.md, then front pages."""
    name = path.rsplit("/", 1)[-1]
    in_day = path.count("/") >= 4
    return ((0 if in_day else 2) + (0 if name == "index.md" else 1), path)


def read_and_parse(f: ArchiveFile) -> tuple[ParsedFile, FileRecord]:
    """A page parsed, and the record the cache keeps of it (a page that cannot be read or parsed
    is recorded with a warning, never raises)."""
    from newsq import parse  # lazily: a query that needs no indexing never pays for it
    from newsq.merge import grouping_key

    try:
        data = _read(f.real)
        if len(data) > _MAX_FILE_BYTES:
            # A real page is a few kilobytes: index the start of a huge one, up to a line end.
            data = data[: data.rfind(b"\n", 0, _MAX_FILE_BYTES) + 1 or _MAX_FILE_BYTES]
            pf = parse.parse_file(f.path, data)
            note = f"file too large ({f.size:,} bytes); only its first {len(data):,} bytes indexed"
            pf = ParsedFile(pf.path, pf.page, pf.items, (*pf.warnings, note))
        else:
            pf = parse.parse_file(f.path, data)
    except OSError as exc:
        reason = "link loop" if exc.errno == errno.ELOOP else exc.strerror or str(exc)
        pf = ParsedFile(path=f.path, warnings=(f"not readable ({reason})",))
    except Exception as exc:
        pf = ParsedFile(path=f.path, warnings=(f"could not be parsed ({type(exc).__name__})",))
    days: set[str] = {i.day for i in pf.items}
    if pf.page is not None:
        days.add(pf.page.day)
        if (its_folder_day := folder_day(folder_of(f.path))) is not None:
            days.add(its_folder_day)
    record = FileRecord(
        path=f.path,
        dir=folder_of(f.path),
        mtime_ns=f.mtime_ns,
        size=f.size,
        ctime_ns=f.ctime_ns,
        days=tuple(sorted(days)),
        warnings=pf.warnings,
        grouping_key=grouping_key(pf.page),
    )
    return pf, record


def _read(real: str) -> bytes:
    """A page's bytes, at most _MAX_FILE_BYTES + 1 of them, read with a buffer sized to the file
    (a 4 MiB buffer per page cost a page fault per 4 KiB of it: 224,000 for 100,000 pages)."""
    fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NOCTTY", 0))
    try:
        # One byte more than its size: the end of the file is seen in the first read, and a file
        # that grew since is read whole.
        want = min(os.fstat(fd).st_size, _MAX_FILE_BYTES) + 1
        chunks: list[bytes] = []
        left = _MAX_FILE_BYTES + 1
        while left > 0 and (chunk := os.read(fd, min(want, left))):
            chunks.append(chunk)
            left -= len(chunk)
            want = 65536  # it grew since: read on, in modest steps
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


def _merge(day: str, parsed: list[ParsedFile]) -> list[StoredEvent]:
    """A day's events from its pages, encoded as the store writes them."""
    from newsq import parse  # lazily: a query that needs no indexing never pays for it
    from newsq.store import encode_event

    parsed = sorted(parsed, key=lambda p: _file_rank(p.path))
    pages = [p.page for p in parsed if p.page is not None and p.page.day == day]
    return [encode_event(ev) for ev in parse.merge_day(day, pages, day_items(day, parsed))]


def day_items(day: str, parsed: Iterable[ParsedFile]) -> list[DayItem]:
    """The items that list a day's events, in order of authority: its index.md, its README.md,
    then front pages (the first to list an event names it)."""
    return [i for p in sorted(parsed, key=lambda p: _file_rank(p.path)) for i in p.items if i.day == day]


def cut(pf: ParsedFile, day: str) -> ParsedFile:
    """A parsed front page with only one day's items (what a worker merging that day needs)."""
    return pf._replace(items=tuple(i for i in pf.items if i.day == day))


# Pages to read, parsed front pages (by day) that speak of their days too, and the one day to
# merge (None: every day the pages speak of). The cache keeps no parsed copy of a page: a day is
# merged again from its pages read again (about 30, a few ms), which costs less than storing them.
Task = tuple[list[ArchiveFile], dict[str, list[ParsedFile]], str | None]
# The records of the pages read, and the events of the days merged (encoded for the store).
Result = tuple[list[FileRecord], list[tuple[str, list[StoredEvent]]]]


def index_pages(task: Task) -> Result:
    """Read and parse some pages, and merge the day or days they speak of."""
    files, front, only_day = task
    parsed: list[ParsedFile] = []
    records: list[FileRecord] = []
    for f in files:
        pf, rec = read_and_parse(f)
        parsed.append(pf)
        records.append(rec)
    days = [only_day] if only_day is not None else sorted({d for r in records for d in r.days})
    return records, [(d, _merge(d, parsed + front.get(d, []))) for d in days]


def stage_pages(folder: str, task: Task) -> tuple[int, list[str]]:
    """index_pages for a full index: what it found is written to this process's shard in `folder`
    (store.write_shard), and only the number of pages read and the days merged cross back."""
    from newsq import store

    records, days = index_pages(task)
    store.write_shard(store.shard_path(folder), records, days)
    return len(records), [day for day, _events in days]


def pages_of(tasks: Iterable[Task]) -> int:
    return sum(len(t[0]) for t in tasks)


# --- the worker processes ------------------------------------------------------------------------


def _die_with_parent() -> None:
    """Worker start: end with the parent, even when it is killed with -9 (else a worker lives on
    to print BrokenPipe tracebacks into the user's terminal)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent died before the line above took effect
        os._exit(0)


def run(tasks: Iterable[Task], parallel: bool) -> Iterator[Result]:
    """index_pages of each task, in order (see run_job)."""
    return run_job(index_pages, tasks, parallel)


def run_job(job: Callable[[Task], R], tasks: Iterable[Task], parallel: bool) -> Iterator[R]:
    """Run a job on tasks in order, in worker processes when parallel, a window at a time: never
    the whole archive in memory. A worker that dies (killed, out of memory) ends the index with an
    error instead of a hang."""
    if not parallel:
        yield from map(job, tasks)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global abandoned
    pool = ProcessPoolExecutor(os.cpu_count() or 1, mp_context=mp.get_context("fork"), initializer=_die_with_parent)
    started: set[int | None] = set()  # the workers' pids
    finished = False
    it = iter(tasks)
    try:
        while window := list(itertools.islice(it, _WINDOW)):
            # Ctrl-C reaches the workers too: only the parent handles it. Workers are forked
            # (while tasks are handed out) with SIGINT blocked, so it never reaches one. Blocked,
            # not ignored, in the parent too: a Ctrl-C in this moment waits, it is not lost.
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                futures = [pool.submit(job, task) for task in window]
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            started = started or {p.pid for p in mp.active_children()}
            for future in futures:
                # A worker killed while it sends its result leaves the pool waiting for the rest of
                # it for ever (and the others waiting for the pipe): look for dead workers meanwhile.
                while True:
                    try:
                        result = future.result(timeout=0.25)
                        break
                    except TimeoutError:
                        if started - {p.pid for p in mp.active_children()}:
                            raise BrokenProcessPool from None
                yield result
        finished = True
    except BrokenProcessPool:
        abandoned = True  # cli.main ends the process without waiting on the pool's threads
        raise IndexingFailed("a worker process of the index died (killed?); nothing was saved") from None
    finally:
        if not finished:  # a dead worker, or the caller stopped early (an error): end the workers now
            for worker in mp.active_children():
                worker.kill()
        pool.shutdown(wait=finished, cancel_futures=True)


def start(job: Callable[..., None], *args: object) -> Callable[[], None]:
    """Run job(*args) in a process of its own while the caller works on; the function returned
    waits for it to end (raising what it raised)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(1, mp_context=mp.get_context("fork"), initializer=_die_with_parent)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # as in run_job: Ctrl-C is the parent's
    try:
        future = pool.submit(job, *args)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    def wait() -> None:
        try:
            future.result()
        except BrokenProcessPool:
            raise IndexingFailed("a worker process of the index died (killed?); nothing was saved") from None
        finally:
            pool.shutdown()

    return wait


# Set when a worker died: the pool's threads may wait on its half-sent result for ever, and
# Python's exit would wait on them.
abandoned = False
