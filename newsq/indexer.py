"""Index an archive: parse what changed (on all cores) and write it to the store, whole or in part."""

from __future__ import annotations

import functools
import glob
import itertools
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator

from newsq import cleanup, remerge, store, survey, workers
from newsq.archive import Problems, folder_day, folder_of, pages_key, real_dir, walk_dirs
from newsq.models import (
    Archive,
    ArchiveFile,
    Dirs,
    IndexStats,
    ParsedFile,
)

Progress = Callable[[int, int], None]  # (files done, files to do)


def _places_of(archive: Archive) -> Callable[[str], str]:
    """Where to read again a page the cache has read (as the walk found it): a link is followed when
    it leads to a file inside the archive (else the read refuses the link)."""
    root = str(archive.root)
    folders: dict[str, str] = {}

    def place(path: str) -> str:
        folder, _, name = path.rpartition("/")
        if (where := folders.get(folder)) is None:
            where = folders[folder] = real_dir(archive, folder)
        at = os.path.join(where, name)
        if os.path.islink(at):
            real = os.path.realpath(at)
            if os.path.commonpath([real, root]) == root:
                return real
        return at

    return place


def _day_task(
    conn: sqlite3.Connection,
    place: Callable[[str], str],
    day: str,
    fronts: dict[str, ParsedFile],
    new: Iterable[ArchiveFile] = (),
) -> workers.Task:
    """What merging a day again takes: the day-folder pages the cache records as speaking of it,
    plus `new` ones (not yet recorded), and the front pages that speak of it, parsed here, each
    once (kept in `fronts`: one can speak of a thousand days) and cut to the day's items."""
    files: dict[str, ArchiveFile] = {}
    front: list[ParsedFile] = []
    for path, m, s, c in store.files_of_day(conn, day):
        f = ArchiveFile(path, place(path), m, s, c)
        if folder_day(folder_of(path)) is not None:
            files[path] = f
            continue
        if path not in fronts:
            fronts[path] = workers.read_and_parse(f)[0]
        front.append(workers.cut(fronts[path], day))
    files.update((f.path, f) for f in new)
    return list(files.values()), {day: front} if front else {}, day


def _merge_again(tasks: list[workers.Task]) -> Iterator[workers.Result]:
    return workers.run(tasks, workers.pages_of(tasks) >= workers.PARALLEL_MIN_FILES)


def build(
    conn: sqlite3.Connection, archive: Archive, progress: Progress | None = None, scratch: str | None = None
) -> IndexStats:
    """Index a whole archive into an empty cache, streaming folder by folder. What the pages hold is
    staged in shard files in the folder `scratch` (made anew; a temporary folder when None) and
    copied in at the end. The cache says it is complete only in the last transaction."""
    started = time.perf_counter()
    stats = IndexStats(full=True)
    problems: Problems = []
    dirs: Dirs = {}
    if scratch is None:  # an index into memory: any temporary folder will do
        import tempfile  # lazily: 1 ms of every query's start

        scratch = tempfile.mkdtemp(prefix="newsq-shards-")
    else:
        shutil.rmtree(scratch, ignore_errors=True)  # left by an index killed with -9
        os.mkdir(scratch)
    folder = scratch
    cleanup.remove_on_interrupt(folder)
    try:
        stats.files_read = _build(conn, archive, problems, dirs, folder, progress)
    finally:
        store.close_shards()
        shutil.rmtree(folder, ignore_errors=True)
        cleanup.keep(folder)
    _finish(conn, stats, problems, started)
    return stats


def _build(
    conn: sqlite3.Connection,
    archive: Archive,
    problems: Problems,
    dirs: Dirs,
    folder: str,
    progress: Progress | None,
) -> int:
    # Front pages (outside day folders) list items of many days. The root's come first in the
    # walk; a day merged before a late one spoke of it is merged again at the end.
    front: dict[str, list[ParsedFile]] = {}
    front_parsed: dict[str, ParsedFile] = {}
    covered: set[str] = set()
    late: set[str] = set()
    front_files: list[int] = []

    def day_tasks() -> Iterator[workers.Task]:
        # Several folders to a task: a task handed to a worker costs the pool and the shard's
        # commit about as much whether it holds 30 pages or 300.
        batch: list[ArchiveFile] = []
        fronts: dict[str, list[ParsedFile]] = {}
        for rel_dir, mtime, files in walk_dirs(archive, problems):
            dirs[rel_dir] = (mtime, pages_key(files))
            if not files:
                continue
            day = folder_day(rel_dir)
            if day is None:
                records = []
                for f in files:
                    pf, rec = workers.read_and_parse(f)
                    records.append(rec)
                    front_parsed[f.path] = pf
                    for d in rec.days:
                        front.setdefault(d, []).append(pf)
                        if d in covered:
                            late.add(d)
                store.put_files_fresh(conn, records)
                front_files.append(len(records))
                continue
            covered.add(day)
            batch += files
            if day in front:
                fronts[day] = [workers.cut(pf, day) for pf in front[day]]
            if len(batch) >= workers.TASK_PAGES:
                yield batch, fronts, None
                batch, fronts = [], {}
        if batch:
            yield batch, fronts, None

    done = 0
    merged_days: set[str] = set()
    spread: set[str] = set()
    with store.transaction(conn):
        store.create(conn, archive.key, indexes=False)
        stream = day_tasks()
        head: list[workers.Task] = []
        for task in stream:  # small archives are faster without worker processes
            head.append(task)
            if workers.pages_of(head) >= workers.PARALLEL_MIN_FILES:
                break
        parallel = workers.pages_of(head) >= workers.PARALLEL_MIN_FILES
        job = functools.partial(workers.stage_pages, folder)
        for pages, days in workers.run_job(job, itertools.chain(head, stream), parallel):
            # A page dated into another folder's day: that day is merged again, whole, below.
            spread.update(d for d in days if d in merged_days)
            merged_days.update(days)
            done += pages
            if progress is not None:
                progress(done, 0)
    store.close_shards()
    shards = sorted(glob.glob(os.path.join(glob.escape(folder), "shard-*.db")))
    store.drop_days(shards, spread)  # merged again whole below
    # With workers, one of them indexes the text of the shards' events while this process copies
    # them in (the cores would otherwise wait on one process), and the cache adopts that index.
    text = os.path.join(folder, "text.db") if parallel else None
    text_done = workers.start(store.index_text, shards, text) if text is not None else None
    try:
        store.copy_shards(conn, shards)
    finally:
        if text_done is not None:
            text_done()
    if text is not None:
        store.adopt_text(conn, text)
    with store.transaction(conn):
        store.create_indexes(conn)
        # Days known only from front pages, spoken of late by one, or with pages in several folders.
        again = sorted((set(front) - covered) | late | spread)
        place = _places_of(archive)
        tasks = [_day_task(conn, place, d, front_parsed) for d in again]
        if text is not None:  # these writes count their text and contexts as an update's do
            store.track_vocab(conn)
        for _records, merged in _merge_again(tasks):
            for day, events in merged:
                # (Without workers, the text is indexed and everything counted at once below.)
                store.delete_days(conn, [day], fts=text is not None)
                store.insert_events(conn, day, events, fts=text is not None)
        store.save_dirs(conn, _places(archive, dirs))
        store.refresh_days(conn)
        if text is None:
            store.refresh_contexts(conn)
            store.rebuild_fts(conn)
            store.rebuild_vocab(conn)
        else:
            store.update_vocab(conn)
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
        dirs, changed, removed, same_dirs, walked = _look_everywhere(conn, archive, problems)
    else:
        dirs, changed, removed, gone_dirs, walked = _look_in(conn, archive, problems, only)
        same_dirs = False
    if not changed and not removed and not gone_dirs:
        with store.transaction(conn):  # `newsq index` found it up to date: that is when it was last indexed
            store.mark_indexed(conn, _now())
            if only is not None:  # mtimes moved but no page changed (e.g. a non-page file was added)
                store.update_dirs(conn, _places(archive, dirs), gone_dirs)
            elif not same_dirs:
                store.save_dirs(conn, _places(archive, dirs))
        _finish(conn, stats, problems, started, summary, unchanged=True)
        return stats
    with store.transaction(conn):
        store.forget_summary(conn)  # (a query's refresh does not count again)
        store.track_vocab(conn)
        _apply(conn, archive, changed, removed, progress, walked)
        store.update_vocab(conn)
        store.mark_indexed(conn, _now())
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
    walked: dict[str, list[ArchiveFile]],
) -> None:
    """Forget removed pages, and merge again every day that a removed, changed or new page spoke
    or speaks of, from all that day's pages read again; or, for an event page edited in a way that
    leaves its day's grouping as it was, build its own event again (remerge)."""
    new: dict[str, list[ArchiveFile]] = {}  # the day of their folder -> changed pages in it
    front_changed: list[ArchiveFile] = []
    for f in changed:
        day = folder_day(folder_of(f.path))
        (front_changed if day is None else new.setdefault(day, [])).append(f)
    known = store.file_keys(conn, (f.path for f in changed))
    whole = store.drop_files(conn, removed)
    edited: dict[str, list[ArchiveFile]] = {}  # days that may take the short way -> their edited pages
    for f in changed:
        if (day := remerge.may_regroup(f, known)) is not None:
            edited.setdefault(day, []).append(f)
            continue
        whole.update(known[f.path][0] if f.path in known else ())
        if (day := folder_day(folder_of(f.path))) is not None:
            whole.add(day)
    # Changed front pages first: the days they speak of now are known only once they are read.
    fronts: dict[str, ParsedFile] = {}
    for f in front_changed:
        pf, rec = workers.read_and_parse(f)
        fronts[f.path] = pf
        store.put_files(conn, [rec])
        whole.update(rec.days)
    place = _places_of(archive)
    short = {d: pages for d, pages in edited.items() if d not in whole}
    whole |= remerge.rebuild_events(conn, place, short, known, fronts, walked)
    waiting = {f.path for f in changed} - set(fronts)
    waiting -= {f.path for d, pages in short.items() if d not in whole for f in pages}
    changed_days: set[str] = set()
    todo = whole
    done = 0
    while todo:  # a new page dated into another day (front matter) merges that day again
        tasks = [_day_task(conn, place, d, fronts, new.get(d, ())) for d in sorted(todo)]
        read_for = {t[2]: {f.path for f in t[0]} for t in tasks}
        todo = set()
        total = done + workers.pages_of(tasks)
        for records, days in _merge_again(tasks):
            fresh = [r for r in records if r.path in waiting]
            store.put_files(conn, fresh)
            waiting.difference_update(r.path for r in fresh)
            todo.update(d for r in fresh for d in r.days if r.path not in read_for.get(d, ()))
            for day, events in days:
                if store.replace_day(conn, day, events):
                    changed_days.add(day)
            done += len(records)
            if progress is not None:
                progress(done, total)
    store.refresh_days(conn, changed_days)  # (the store keeps the contexts' counts as it writes)


def _look_everywhere(
    conn: sqlite3.Connection, archive: Archive, problems: Problems
) -> tuple[Dirs, list[ArchiveFile], list[str], bool, dict[str, list[ArchiveFile]]]:
    """Walk the whole archive: its folders' states, the pages changed or new, the pages gone,
    whether every folder is as recorded, and the pages of the folders whose state moved. Only
    those folders' pages are compared one by one (their records read from the cache only then)."""
    was = store.dir_states(conn)
    dirs, moved = survey.states(archive, problems, was)
    if not moved and len(dirs) == len(was):
        return dirs, [], [], True, moved
    known = store.file_stats(conn, dirs=[*moved, *(d for d in was if d not in dirs)])  # and folders gone
    changed = [
        f for files in moved.values() for f in files if known.pop(f.path, None) != (f.mtime_ns, f.size, f.ctime_ns)
    ]
    return dirs, changed, list(known), False, moved


def _look_in(
    conn: sqlite3.Connection, archive: Archive, problems: Problems, only: list[str]
) -> tuple[Dirs, list[ArchiveFile], list[str], list[str], dict[str, list[ArchiveFile]]]:
    """Walk some folders (and new ones below them): their states, the pages changed or new, the
    pages gone, the folders gone, and the pages of the folders walked."""
    known_dirs = store.dirs_under(conn, only)  # the folders below those looked at, not all
    looked = set(only)
    gone_dirs = [d for d in known_dirs if d.rpartition("/")[0] in looked and not _walked_folder(real_dir(archive, d))]
    gone_dirs += [d for d in known_dirs if any(d.startswith(g + "/") for g in gone_dirs)]
    known = store.file_stats(conn, dirs=[*only, *gone_dirs])
    walked = list(walk_dirs(archive, problems, only, known_dirs))
    known.update(store.file_stats(conn, dirs=[d for d, _m, _f in walked if d not in looked]))  # removed, made again
    dirs: Dirs = {}
    changed: list[ArchiveFile] = []
    for rel_dir, mtime, files in walked:
        dirs[rel_dir] = (mtime, pages_key(files))
        changed += (f for f in files if known.pop(f.path, None) != (f.mtime_ns, f.size, f.ctime_ns))
    return dirs, changed, list(known), gone_dirs, {d: files for d, _m, files in walked}


def _walked_folder(path: str) -> bool:
    """A folder the walk goes into: a real one, not a link to one (walk_dirs never follows those)."""
    return os.path.isdir(path) and not os.path.islink(path)


def _finish(
    conn: sqlite3.Connection,
    stats: IndexStats,
    problems: Problems,
    started: float,
    summary: bool = True,
    unchanged: bool = False,
) -> None:
    stats.seconds = time.perf_counter() - started
    if not summary:  # a query's refresh: nobody reads the counts, and they cost a scan
        return
    saved = store.saved_summary(conn) if unchanged else None
    counts, file_warnings = saved if saved is not None else (store.counts(conn), store.warnings(conn))
    stats.files = counts["files"]
    stats.events = counts["events"]
    stats.days = counts["days"]
    stats.contexts = counts["contexts"]
    stats.warnings = sorted(problems + file_warnings)
    if saved is None:
        store.save_summary(conn, counts, file_warnings)
    store.save_warnings(conn, stats.warnings)  # `newsq info` tells them without this scan of every file
    stats.seconds = time.perf_counter() - started


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _places(archive: Archive, dirs: Dirs) -> list[tuple[str, str, int, int | None]]:
    return [(rel, real_dir(archive, rel), mtime, key) for rel, (mtime, key) in dirs.items()]
