"""Index an archive: parse what changed (on all cores) and write it to the store, whole or in part."""

from __future__ import annotations

import errno
import itertools
import os
import signal
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator

from newsq import store
from newsq.archive import Problems, changed_folders, folder_day, folder_of, real_dir, walk_dirs
from newsq.errors import IndexingFailed
from newsq.models import (
    Archive,
    ArchiveFile,
    Event,
    FileRecord,
    IndexStats,
    ParsedFile,
)

# Below this many files to read, worker processes cost more than they save.
_PARALLEL_MIN_FILES = 3000
# Day folders handed to the workers at a time: bounds memory on a huge archive.
_WINDOW = 512
_MAX_FILE_BYTES = 4 * 1024 * 1024  # read at most this much of one page

Progress = Callable[[int, int], None]  # (files done, files to do)


# --- reading, parsing and merging (in worker processes when many) ---------------------------------


def _file_rank(path: str) -> tuple[int, str]:
    """Authority of a page's items: the day's index.md, its README.md, then front pages."""
    name = path.rsplit("/", 1)[-1]
    in_day = path.count("/") >= 4
    return ((0 if in_day else 2) + (0 if name == "index.md" else 1), path)


def _read_and_parse(f: ArchiveFile) -> tuple[ParsedFile, FileRecord]:
    from newsq import parse  # lazily: a query that needs no indexing never pays for it

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


def _merge(day: str, parsed: list[ParsedFile]) -> list[Event]:
    from newsq import parse  # lazily: a query that needs no indexing never pays for it

    parsed = sorted(parsed, key=lambda p: _file_rank(p.path))
    pages = [p.page for p in parsed if p.page is not None and p.page.day == day]
    items = [i for p in parsed for i in p.items if i.day == day]
    return parse.merge_day(day, pages, items)


# Pages to read, parsed front pages (by day) that speak of their days too, and the one day to
# merge (None: every day the pages speak of). The cache keeps no parsed copy of a page: a day is
# merged again from its pages read again (about 30, a few ms), which costs less than storing them.
_Task = tuple[list[ArchiveFile], dict[str, list[ParsedFile]], str | None]
# The records of the pages read, and the events of the days merged.
_Result = tuple[list[FileRecord], list[tuple[str, list[Event]]]]


def _index_pages(task: _Task) -> _Result:
    """Worker: read and parse some pages, and merge the day or days they speak of."""
    files, front, only_day = task
    parsed: list[ParsedFile] = []
    records: list[FileRecord] = []
    for f in files:
        pf, rec = _read_and_parse(f)
        parsed.append(pf)
        records.append(rec)
    days = [only_day] if only_day is not None else sorted({d for r in records for d in r.days})
    return records, [(d, _merge(d, parsed + front.get(d, []))) for d in days]


def _place(archive: Archive, path: str) -> str:
    """Where to read again a page the cache has read: a link is followed, as the walk follows it,
    when it leads to a file inside the archive (else the read refuses the link)."""
    folder, _, name = path.rpartition("/")
    place = os.path.join(real_dir(archive, folder), name)
    if os.path.islink(place):
        real = os.path.realpath(place)
        root = str(archive.root)
        if os.path.commonpath([real, root]) == root:
            return real
    return place


def _day_task(
    conn: sqlite3.Connection, archive: Archive, day: str, front: list[ParsedFile], new: Iterable[ArchiveFile] = ()
) -> _Task:
    """What merging a day again takes: the day-folder pages the cache records as speaking of it,
    plus `new` ones (not yet recorded), and the parsed front pages that speak of it."""
    files = {
        path: ArchiveFile(path, _place(archive, path), m, s, c)
        for path, m, s, c in store.files_of_day(conn, day)
        if folder_day(folder_of(path)) is not None  # front pages are parsed once, in `front`
    }
    files.update((f.path, f) for f in new)
    return list(files.values()), {day: front} if front else {}, day


def _merge_again(tasks: list[_Task]) -> Iterator[_Result]:
    return _pool_map(tasks, sum(len(t[0]) for t in tasks) >= _PARALLEL_MIN_FILES)


# --- indexing ------------------------------------------------------------------------------------


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


def _pool_map(tasks: Iterable[_Task], parallel: bool) -> Iterator[_Result]:
    """Run tasks in worker processes, a window at a time: never the whole archive in memory. A
    worker that dies (killed, out of memory) ends the index with an error instead of a hang."""
    if not parallel:
        yield from map(_index_pages, tasks)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global abandoned
    pool = ProcessPoolExecutor(os.cpu_count() or 1, mp_context=mp.get_context("fork"), initializer=_die_with_parent)
    workers: set[int | None] = set()
    finished = False
    it = iter(tasks)
    try:
        while window := list(itertools.islice(it, _WINDOW)):
            # Ctrl-C reaches the workers too: only the parent handles it. Workers are forked
            # (while tasks are handed out) with SIGINT blocked, so it never reaches one. Blocked,
            # not ignored, in the parent too: a Ctrl-C in this moment waits, it is not lost.
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                futures = [pool.submit(_index_pages, task) for task in window]
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            workers = workers or {p.pid for p in mp.active_children()}
            for future in futures:
                # A worker killed while it sends its result leaves the pool waiting for the rest of
                # it for ever (and the others waiting for the pipe): look for dead workers meanwhile.
                while True:
                    try:
                        result = future.result(timeout=0.25)
                        break
                    except TimeoutError:
                        if workers - {p.pid for p in mp.active_children()}:
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


# Set when a worker died: the pool's threads may wait on its half-sent result for ever, and
# Python's exit would wait on them.
abandoned = False


def build(conn: sqlite3.Connection, archive: Archive, progress: Progress | None = None) -> IndexStats:
    """Index a whole archive into an empty cache, in one transaction, streaming folder by folder."""
    started = time.perf_counter()
    stats = IndexStats(full=True)
    problems: Problems = []
    dirs: dict[str, int] = {}
    with store.transaction(conn):
        files_read = _build(conn, archive, problems, dirs, progress)
    stats.files_read = files_read
    _finish(conn, stats, problems, started)
    return stats


def _build(
    conn: sqlite3.Connection, archive: Archive, problems: Problems, dirs: dict[str, int], progress: Progress | None
) -> int:
    store.create(conn, archive.key, indexes=False)
    # Front pages (outside day folders) list items of many days. The root's come first in the
    # walk; a day merged before a late one spoke of it is merged again at the end.
    front: dict[str, list[ParsedFile]] = {}
    covered: set[str] = set()
    late: set[str] = set()
    front_files: list[int] = []

    def day_tasks() -> Iterator[_Task]:
        for rel_dir, mtime, files in walk_dirs(archive, problems):
            dirs[rel_dir] = mtime
            if not files:
                continue
            day = folder_day(rel_dir)
            if day is None:
                records = []
                for f in files:
                    pf, rec = _read_and_parse(f)
                    records.append(rec)
                    for d in rec.days:
                        front.setdefault(d, []).append(pf)
                        if d in covered:
                            late.add(d)
                store.put_files_fresh(conn, records)
                front_files.append(len(records))
                continue
            covered.add(day)
            yield files, {day: [_cut(pf, day) for pf in front[day]]} if day in front else {}, None

    stream = day_tasks()
    head: list[_Task] = []
    for task in stream:  # small archives are faster without worker processes
        head.append(task)
        if sum(len(t[0]) for t in head) >= _PARALLEL_MIN_FILES:
            break
    parallel = sum(len(t[0]) for t in head) >= _PARALLEL_MIN_FILES
    done = 0
    merged_days: set[str] = set()
    spread: set[str] = set()
    for records, merged in _pool_map(itertools.chain(head, stream), parallel):
        store.put_files_fresh(conn, records)
        for day, events in merged:
            if day in merged_days:  # a page dated into another folder's day: merge again below
                spread.add(day)
                continue
            merged_days.add(day)
            store.insert_events(conn, events, fts=False)
        done += len(records)
        if progress is not None:
            progress(done, 0)
    store.create_indexes(conn)
    # Days known only from front pages, spoken of late by one, or with pages in several folders.
    again = sorted((set(front) - covered) | late | spread)
    tasks = [_day_task(conn, archive, d, [_cut(pf, d) for pf in front.get(d, [])]) for d in again]
    for _records, merged in _merge_again(tasks):
        for day, events in merged:
            store.delete_days(conn, [day], fts=False)  # the full-text index is made at the end
            store.insert_events(conn, events, fts=False)
    store.save_dirs(conn, _places(archive, dirs))
    store.refresh_days(conn)
    store.refresh_contexts(conn)
    store.rebuild_fts(conn)
    store.rebuild_vocab(conn)
    store.mark_indexed(conn, _now())
    store.mark_complete(conn)
    return done + sum(front_files)


def update(
    conn: sqlite3.Connection,
    archive: Archive,
    progress: Progress | None = None,
    only: list[str] | None = None,
    summary: bool = True,
) -> IndexStats:
    """Bring a complete cache up to date: re-read only files whose (mtime, size, ctime) changed.

    only: the folders whose mtime moved (what a query's quick check found): look in just those."""
    started = time.perf_counter()
    stats = IndexStats()
    problems: Problems = []
    gone_dirs: list[str] = []
    if only is None:
        known = store.file_stats(conn)
    else:
        known_dirs = store.dirs_under(conn, only)  # the folders below those looked at, not all
        looked = set(only)
        gone_dirs = [
            d for d in known_dirs if d.rpartition("/")[0] in looked and not _walked_folder(real_dir(archive, d))
        ]
        gone_dirs += [d for d in known_dirs if any(d.startswith(g + "/") for g in gone_dirs)]
        known = store.file_stats(conn, dirs=[*only, *gone_dirs])
    dirs: dict[str, int] = {}
    changed: list[ArchiveFile] = []
    seen: set[str] = set()
    walk = walk_dirs(archive, problems) if only is None else walk_dirs(archive, problems, only, known_dirs)
    if only is not None:
        walked = list(walk)
        new_dirs = [d for d, _m, _f in walked if d not in looked]
        known.update(store.file_stats(conn, dirs=new_dirs))  # a folder removed and made again
        walk = iter(walked)
    for rel_dir, mtime, files in walk:
        dirs[rel_dir] = mtime
        for f in files:
            seen.add(f.path)
            if known.get(f.path) != (f.mtime_ns, f.size, f.ctime_ns):
                changed.append(f)
    removed = [p for p in known if p not in seen]
    del known, seen
    if not changed and not removed and not gone_dirs and (only is not None or dirs == store.dir_mtimes(conn)):
        with store.transaction(conn):  # `newsq index` found it up to date: that is when it was last indexed
            store.mark_indexed(conn, _now())
            if only is not None:  # mtimes moved but no page changed (e.g. a non-page file was added)
                store.update_dirs(conn, _places(archive, dirs), gone_dirs)
        _finish(conn, stats, problems, started, summary)
        return stats
    with store.transaction(conn):
        _apply(conn, archive, changed, removed, progress)
        store.mark_indexed(conn, _now())
        if summary:  # `newsq index`; a query's refresh leaves new words to the FTS5 lookup (store.term_exists)
            store.rebuild_vocab(conn)
        if only is None:
            store.save_dirs(conn, _places(archive, dirs))
        else:
            store.update_dirs(conn, _places(archive, dirs), gone_dirs)
    stats.files_read = len(changed)
    _finish(conn, stats, problems, started, summary)
    return stats


def _apply(
    conn: sqlite3.Connection,
    archive: Archive,
    changed: list[ArchiveFile],
    removed: list[str],
    progress: Progress | None,
) -> None:
    """Forget removed pages, and merge again every day that a removed, changed or new page spoke
    or speaks of, from all that day's pages read again."""
    new: dict[str, list[ArchiveFile]] = {}  # the day of their folder -> changed pages in it
    front_changed: list[ArchiveFile] = []
    for f in changed:
        day = folder_day(folder_of(f.path))
        (front_changed if day is None else new.setdefault(day, [])).append(f)
    dirty = store.drop_files(conn, removed) | store.days_of(conn, (f.path for f in changed)) | set(new)
    # Changed front pages first: the days they speak of now are known only once they are read.
    fronts: dict[str, ParsedFile] = {}
    for f in front_changed:
        pf, rec = _read_and_parse(f)
        fronts[f.path] = pf
        store.put_files(conn, [rec])
        dirty.update(rec.days)
    waiting = {f.path for f in changed} - set(fronts)
    merged: set[str] = set()
    todo = dirty
    done = 0
    while todo:  # a new page dated into another day (front matter) merges that day again
        front = _front_pages(conn, archive, todo, fronts)
        tasks = [_day_task(conn, archive, d, front.get(d, []), new.get(d, ())) for d in sorted(todo)]
        read_for = {t[2]: {f.path for f in t[0]} for t in tasks}
        merged |= todo
        todo = set()
        total = done + sum(len(t[0]) for t in tasks)
        for records, days in _merge_again(tasks):
            fresh = [r for r in records if r.path in waiting]
            store.put_files(conn, fresh)
            waiting.difference_update(r.path for r in fresh)
            todo.update(d for r in fresh for d in r.days if r.path not in read_for.get(d, ()))
            for day, events in days:
                store.replace_day(conn, day, events)
            done += len(records)
            if progress is not None:
                progress(done, total)
    store.refresh_days(conn, merged)  # (store.replace_day keeps the contexts' counts)


def _front_pages(
    conn: sqlite3.Connection, archive: Archive, days: Iterable[str], parsed: dict[str, ParsedFile]
) -> dict[str, list[ParsedFile]]:
    """day -> the front pages (outside day folders) that speak of it, each parsed once (into
    `parsed`) and cut to that day's items: a front page can speak of a thousand days."""
    out: dict[str, list[ParsedFile]] = {}
    for day in days:
        for path, m, s, c in store.files_of_day(conn, day):
            if folder_day(folder_of(path)) is not None:
                continue
            if path not in parsed:
                parsed[path] = _read_and_parse(ArchiveFile(path, _place(archive, path), m, s, c))[0]
            out.setdefault(day, []).append(_cut(parsed[path], day))
    return out


def _cut(pf: ParsedFile, day: str) -> ParsedFile:
    """A parsed front page with only one day's items (what a worker merging that day needs)."""
    return pf._replace(items=tuple(i for i in pf.items if i.day == day))


def _walked_folder(path: str) -> bool:
    """A folder the walk goes into: a real one, not a link to one (walk_dirs never follows those)."""
    return os.path.isdir(path) and not os.path.islink(path)


def _finish(
    conn: sqlite3.Connection, stats: IndexStats, problems: Problems, started: float, summary: bool = True
) -> None:
    stats.seconds = time.perf_counter() - started
    if not summary:  # a query's refresh: nobody reads the counts, and they cost a scan
        return
    counts = store.counts(conn)
    stats.files = counts["files"]
    stats.events = counts["events"]
    stats.days = counts["days"]
    stats.contexts = counts["contexts"]
    stats.warnings = sorted(problems + store.warnings(conn))
    store.save_warnings(conn, stats.warnings)  # `newsq info` tells them without this scan of every file
    stats.seconds = time.perf_counter() - started


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _places(archive: Archive, dirs: dict[str, int]) -> list[tuple[str, str, int]]:
    return [(rel, real_dir(archive, rel), mtime) for rel, mtime in dirs.items()]


def changed_dirs(conn: sqlite3.Connection, among: Iterable[str] | None = None) -> list[str]:
    """The cheap check a query makes: the folders (as the cache names them) whose mtime moved
    since the index, of all or of some."""
    reals, mtimes = store.dir_snapshot(conn) if among is None else store.dir_places(conn, among)
    moved = changed_folders(list(zip(reals, mtimes, strict=False)))
    return store.dirs_at(conn, moved) if moved else []
