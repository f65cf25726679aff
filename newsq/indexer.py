"""Walk an archive, parse what changed (on all cores), and bring the cache up to date."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import itertools
import json
import os
import re
import signal
import sqlite3
import sys
import time
import zlib
from collections.abc import Callable, Container, Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from newsq import store
from newsq.errors import ArchiveError, CacheError
from newsq.models import DayItem, Event, EventPage, Link, ParsedFile, Source

# Below this many files to read, worker processes cost more than they save.
_PARALLEL_MIN_FILES = 3000
# Day folders handed to the workers at a time: bounds memory on a huge archive.
_WINDOW = 512
_MAX_FILE_BYTES = 4 * 1024 * 1024  # read at most this much of one page

Progress = Callable[[int, int], None]  # (files done, files to do)


class Archive(NamedTuple):
    """Where an archive is: `root` holds `news/` (or is `news/` itself, then prefix is `news/`)."""

    root: Path
    prefix: str  # prepended to paths under root so they always read `news/...`

    @property
    def key(self) -> str:
        # A folder name that is not UTF-8 (surrogate escapes) must still give a storable key.
        return _printable(str(self.root)) + ("" if not self.prefix else "#news")


def _printable(name: str) -> str:
    """A file name as valid text: bytes that are not UTF-8 shown as \\xNN."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


class IndexStats:
    """What an index run did, for the one-line summary. (Plain classes, not dataclasses, on the
    query path: a dataclass costs half a millisecond to define at every start.)"""

    def __init__(self, full: bool = False) -> None:
        self.files_read = 0
        self.files = 0
        self.events = 0
        self.days = 0
        self.contexts = 0
        self.warnings: list[tuple[str, str]] = []
        self.full = full
        self.seconds = 0.0


def find_archive(path: str | os.PathLike[str]) -> Archive:
    """The archive at PATH: the folder holding `news/`, or `news/` itself."""
    root = Path(path).expanduser()
    try:
        root = root.resolve(strict=True)
    except (OSError, RuntimeError):
        raise ArchiveError(f"archive not found: {path}") from None
    if not root.is_dir():
        raise ArchiveError(f"archive is not a folder: {path}")
    if (root / "news").is_dir():
        archive = Archive(root, "")
    elif root.name == "news" or any(_is_year(p.name) for p in _safe_listdir(root)):
        archive = Archive(root, "news/")
    else:
        raise ArchiveError(f"no news/ folder in {path}: not a Context archive")
    if not any(True for _ in _walk_files(archive, [])):
        raise ArchiveError(f"archive is empty: no .md pages under {path}")
    return archive


def _is_year(name: str) -> bool:
    return len(name) == 4 and name.isdigit()


def _safe_listdir(path: Path) -> list[Path]:
    try:
        return list(path.iterdir())
    except OSError:
        return []


def cache_path(archive: Archive) -> Path:
    """The cache file of an archive: one per absolute archive path, in NEWSQ_CACHE_DIR or the user cache."""
    folder = os.environ.get("NEWSQ_CACHE_DIR")
    if not folder:
        import platformdirs

        folder = platformdirs.user_cache_dir("newsq")
    # Two 32-bit checksums name the file: no hashlib import (OpenSSL) on every query.
    key = archive.key.encode("utf-8", "surrogateescape")
    digest = f"{zlib.crc32(key):08x}{zlib.adler32(key):08x}"
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", archive.root.name)[:40] or "archive"
    return Path(folder) / f"{name}-{digest}.sqlite"


# --- walking -----------------------------------------------------------------------------------


class _File(NamedTuple):
    path: str  # relative, always `news/...` or a front page name
    real: str  # where to read it
    mtime_ns: int
    size: int


def _real_dir(archive: Archive, rel: str) -> str:
    """Where a folder of the cache's `news/...` naming is on disk."""
    inside = rel[len(archive.prefix) :] if archive.prefix else rel
    if archive.prefix and rel == "news":
        inside = ""
    return os.path.join(str(archive.root), inside) if inside else str(archive.root)


def _walk_dirs(
    archive: Archive, problems: list[tuple[str, str]], only: list[str] | None = None, known: Container[str] = ()
) -> Iterator[tuple[str, int, list[_File]]]:
    """(folder, its mtime, its .md files) for the root and every folder under news/, never
    following a linked folder (no loops) and never reading a linked file outside the archive.

    only: walk just these folders, and the subfolders of theirs that are not `known` (new ones)."""
    root = str(archive.root)
    top = root if archive.prefix else os.path.join(root, "news")
    stack: list[tuple[str, str]] = [(top, archive.prefix.rstrip("/") or "news")]
    if not archive.prefix:
        stack.insert(0, (root, ""))
    if only is not None:
        stack = [(_real_dir(archive, rel), rel) for rel in sorted(only, reverse=True)]
    while stack:
        real_dir, rel_dir = stack.pop()
        try:
            mtime = os.stat(real_dir).st_mtime_ns
            entries = sorted(os.scandir(real_dir), key=lambda e: e.name)
        except OSError as exc:
            problems.append((rel_dir or ".", f"folder not readable ({exc.strerror})"))
            continue
        files: list[_File] = []
        subdirs: list[tuple[str, str]] = []
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if (entry.name.endswith(".md") or entry.is_dir(follow_symlinks=False)) and _printable(rel) != rel:
                problems.append((_printable(rel), "name is not UTF-8; skipped"))
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if rel_dir and (only is None or rel not in known):  # at the root only news/ is walked
                        subdirs.append((entry.path, rel))
                        if entry.name.endswith(".md"):
                            problems.append((rel, "a folder named like a page; its pages are read"))
                    continue
                if not entry.name.endswith(".md"):
                    continue
                if entry.is_symlink():
                    real = os.path.realpath(entry.path)
                    if os.path.commonpath([real, root]) != root:
                        problems.append((rel, "link to a file outside the archive; not read"))
                        continue
                    st = os.stat(real)
                    if not os.path.isfile(real):
                        continue
                else:
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    real = entry.path
                    st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                reason = "link loop" if exc.errno == errno.ELOOP else exc.strerror or str(exc)
                problems.append((rel, f"not readable ({reason})"))
                continue
            files.append(_File(rel, real, st.st_mtime_ns, st.st_size))
        yield rel_dir, mtime, files
        stack.extend(reversed(subdirs))


def _walk_files(archive: Archive, problems: list[tuple[str, str]]) -> Iterator[_File]:
    for _dir, _mtime, files in _walk_dirs(archive, problems):
        yield from files


@functools.lru_cache(maxsize=1024)
def _dir_day(rel_dir: str) -> str | None:
    """The day of a day folder `news/YYYY/MM/D` (asked once per page: cached)."""
    from newsq import parse  # lazily: a query that needs no indexing never pays for it

    where = parse.split_event_path(rel_dir + "/x.md")
    return where[0] if where else None


# --- payloads: a parsed file as stored in the cache ---------------------------------------------


def _to_payload(pf: ParsedFile) -> str:
    page = pf.page
    text = json.dumps(
        {
            "p": None
            if page is None
            else [
                page.slug,
                page.day,
                page.path,
                page.title,
                page.topic,
                page.summary,
                [[s.name, s.url] for s in page.sources],
                [[ln.slug, ln.day, ln.title, ln.contexts] for ln in page.related],
                [[ln.slug, ln.day, ln.title] for ln in page.changes],
                page.contexts,
            ],
            "i": [[i.slug, i.day, i.title, i.topic, i.contexts, i.summary] for i in pf.items],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return text  # not compressed: zlib would cost as much as parsing the page


def _from_payload(path: str, payload: str) -> ParsedFile:
    data = json.loads(payload)
    page = None
    if (p := data["p"]) is not None:
        page = EventPage(
            slug=p[0],
            day=p[1],
            path=p[2],
            title=p[3],
            topic=p[4],
            summary=p[5],
            sources=tuple(Source(n, u) for n, u in p[6]),
            related=tuple(Link(s, d, t, tuple(c)) for s, d, t, c in p[7]),
            changes=tuple(Link(s, d, t) for s, d, t in p[8]),
            contexts=tuple(p[9]),
        )
    items = tuple(
        DayItem(slug=s, day=d, title=t, topic=tp, contexts=None if c is None else tuple(c), summary=sm, listed_in=path)
        for s, d, t, tp, c, sm in data["i"]
    )
    return ParsedFile(path=path, page=page, items=items)


def _file_rank(path: str) -> tuple[int, str]:
    """Authority of a page's items: the day's index.md, its README.md, then front pages."""
    name = path.rsplit("/", 1)[-1]
    in_day = path.count("/") >= 4
    return ((0 if in_day else 2) + (0 if name == "index.md" else 1), path)


def _read_and_parse(f: _File) -> tuple[ParsedFile, store.FileRecord]:
    from newsq import parse  # lazily: a query that needs no indexing never pays for it

    try:
        fd = os.open(f.real, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(_MAX_FILE_BYTES + 1)
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
        if (folder_day := _dir_day(f.path.rsplit("/", 1)[0])) is not None:
            days.add(folder_day)
    record = store.FileRecord(
        path=f.path,
        dir=f.path.rsplit("/", 1)[0] if "/" in f.path else "",
        mtime_ns=f.mtime_ns,
        size=f.size,
        days=tuple(sorted(days)),
        payload=_to_payload(pf),
        warnings=pf.warnings,
    )
    return pf, record


def _merge(day: str, parsed: list[ParsedFile]) -> list[Event]:
    from newsq import parse  # lazily: a query that needs no indexing never pays for it

    parsed = sorted(parsed, key=lambda p: _file_rank(p.path))
    pages = [p.page for p in parsed if p.page is not None and p.page.day == day]
    items = [i for p in parsed for i in p.items if i.day == day]
    return parse.merge_day(day, pages, items)


_DirTask = tuple[str, list[_File], dict[str, list[ParsedFile]] | None]
_DirResult = tuple[list[store.FileRecord], list[tuple[str, list[Event]]]]


def _index_dir(task: _DirTask) -> _DirResult:
    """Worker: read and parse one folder's pages, and merge the days they speak of."""
    _rel_dir, files, front = task  # front None: parse only (an update merges days itself)
    parsed: list[ParsedFile] = []
    records: list[store.FileRecord] = []
    for f in files:
        pf, rec = _read_and_parse(f)
        parsed.append(pf)
        records.append(rec)
    days = sorted({d for r in records for d in r.days})
    merged = [] if front is None else [(d, _merge(d, parsed + front.get(d, []))) for d in days]
    return records, merged


# --- the cache lock ------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(db: Path, *, wait: bool, on_wait: Callable[[], None] | None = None) -> Iterator[bool]:
    """Hold the cache's writer lock; yields False if it is busy and wait is False."""
    try:
        fd = os.open(f"{db}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise CacheError(f"cannot write the cache folder {db.parent} ({exc.strerror})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield True
    finally:
        os.close(fd)


def drop_damaged(path: str | os.PathLike[str] | None, note: str) -> bool:
    """Remove the cache of the archive at PATH (found damaged); the rebuild will say `note`."""
    try:
        db = cache_path(find_archive(path if path is not None else bundled_sample()))
        if not db.exists():
            return False
        with _locked(db, wait=True):
            remove_cache(db)
    except (ArchiveError, CacheError, OSError):
        return False
    _STALE_NOTES[str(db)] = note
    return True


def remove_cache(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{db}{suffix}")


# --- indexing ------------------------------------------------------------------------------------


def _pool_map(tasks: Iterable[_DirTask], parallel: bool) -> Iterator[_DirResult]:
    """Run tasks in worker processes, a window at a time: never the whole archive in memory."""
    if not parallel:
        yield from map(_index_dir, tasks)
        return
    import multiprocessing as mp

    ctx = mp.get_context("fork") if sys.platform != "win32" else mp.get_context()
    # Ctrl-C reaches the workers too: only the parent handles it (a worker that dies of it hangs the
    # pool). Workers are forked with SIGINT ignored, so none can be hit before it could ignore it.
    parent_handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        pool = ctx.Pool(os.cpu_count() or 1)
    finally:
        signal.signal(signal.SIGINT, parent_handler)
    with pool:
        it = iter(tasks)
        while window := list(itertools.islice(it, _WINDOW)):
            yield from pool.imap(_index_dir, window, chunksize=4)


def build(conn: sqlite3.Connection, archive: Archive, progress: Progress | None = None) -> IndexStats:
    """Index a whole archive into an empty cache, in one transaction, streaming folder by folder."""
    started = time.perf_counter()
    stats = IndexStats(full=True)
    problems: list[tuple[str, str]] = []
    dirs: dict[str, int] = {}
    conn.execute("BEGIN IMMEDIATE")
    store.create(conn, archive.key, indexes=False)
    # Front pages (outside day folders) list items of many days. The root's come first in the
    # walk; a day merged before a late one spoke of it is merged again at the end.
    front: dict[str, list[ParsedFile]] = {}
    covered: set[str] = set()
    late: set[str] = set()
    front_files: list[int] = []

    def day_tasks() -> Iterator[_DirTask]:
        for rel_dir, mtime, files in _walk_dirs(archive, problems):
            dirs[rel_dir] = mtime
            if not files:
                continue
            folder_day = _dir_day(rel_dir)
            if folder_day is None:
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
            covered.add(folder_day)
            yield rel_dir, files, {folder_day: front[folder_day]} if folder_day in front else {}

    stream = day_tasks()
    head: list[_DirTask] = []
    for task in stream:  # small archives are faster without worker processes
        head.append(task)
        if sum(len(t[1]) for t in head) >= _PARALLEL_MIN_FILES:
            break
    parallel = sum(len(t[1]) for t in head) >= _PARALLEL_MIN_FILES
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
    for day in sorted((set(front) - covered) | late | spread):
        _remerge(conn, day, fts=False)
    store.save_dirs(conn, _places(archive, dirs))
    store.rebuild_fts(conn)
    store.rebuild_vocab(conn)
    store.mark_complete(conn)
    conn.execute("COMMIT")
    stats.files_read = done + sum(front_files)
    _finish(conn, stats, problems, started)
    return stats


def _remerge(conn: sqlite3.Connection, day: str, *, fts: bool) -> list[Event]:
    parsed = [_from_payload(p, payload) for p, payload in store.payloads_for_day(conn, day)]
    events = _merge(day, parsed)
    if fts:
        store.replace_day(conn, day, events)
    else:
        store.delete_days(conn, [day])
        store.insert_events(conn, events, fts=False)
    return events


def update(
    conn: sqlite3.Connection,
    archive: Archive,
    progress: Progress | None = None,
    only: list[str] | None = None,
    summary: bool = True,
) -> IndexStats:
    """Bring a complete cache up to date: re-read only files whose (mtime, size) changed.

    only: the folders whose mtime moved (what a query's quick check found): look in just those."""
    started = time.perf_counter()
    stats = IndexStats()
    problems: list[tuple[str, str]] = []
    gone_dirs: list[str] = []
    if only is None:
        known = store.file_stats(conn)
    else:
        known_dirs = store.dirs_under(conn, only)  # the folders below those looked at, not all
        looked = set(only)
        gone_dirs = [
            d for d in known_dirs if d.rpartition("/")[0] in looked and not os.path.isdir(_real_dir(archive, d))
        ]
        gone_dirs += [d for d in known_dirs if any(d.startswith(g + "/") for g in gone_dirs)]
        known = store.file_stats(conn, dirs=[*only, *gone_dirs])
    dirs: dict[str, int] = {}
    changed: list[_File] = []
    seen: set[str] = set()
    walk = _walk_dirs(archive, problems) if only is None else _walk_dirs(archive, problems, only, known_dirs)
    if only is not None:
        walked = list(walk)
        new_dirs = [d for d, _m, _f in walked if d not in looked]
        known.update(store.file_stats(conn, dirs=new_dirs))  # a folder removed and made again
        walk = iter(walked)
    for rel_dir, mtime, files in walk:
        dirs[rel_dir] = mtime
        for f in files:
            seen.add(f.path)
            if known.get(f.path) != (f.mtime_ns, f.size):
                changed.append(f)
    removed = [p for p in known if p not in seen]
    del known, seen
    if not changed and not removed and not gone_dirs and (only is not None or dirs == store.dir_mtimes(conn)):
        if only is not None:  # mtimes moved but no page changed (e.g. a non-page file was added)
            conn.execute("BEGIN IMMEDIATE")
            store.update_dirs(conn, _places(archive, dirs), gone_dirs)
            conn.execute("COMMIT")
        _finish(conn, stats, problems, started, summary)
        return stats
    by_dir: dict[str, list[_File]] = {}
    for f in changed:
        by_dir.setdefault(f.path.rsplit("/", 1)[0] if "/" in f.path else "", []).append(f)
    tasks: list[_DirTask] = [(d, fs, None) for d, fs in by_dir.items()]
    conn.execute("BEGIN IMMEDIATE")
    dirty = store.drop_files(conn, removed) | store.days_of(conn, (f.path for f in changed))
    done = 0
    for records, _merged in _pool_map(tasks, len(changed) >= _PARALLEL_MIN_FILES):
        store.put_files(conn, records)
        dirty.update(d for r in records for d in r.days)
        done += len(records)
        if progress is not None:
            progress(done, len(changed))
    for day in sorted(dirty):
        _remerge(conn, day, fts=True)
    if summary:  # `newsq index`; a query's refresh leaves new words to the FTS5 lookup (store.term_exists)
        store.rebuild_vocab(conn)
    if only is None:
        store.save_dirs(conn, _places(archive, dirs))
    else:
        store.update_dirs(conn, _places(archive, dirs), gone_dirs)
    conn.execute("COMMIT")
    stats.files_read = len(changed)
    _finish(conn, stats, problems, started, summary)
    return stats


def _finish(
    conn: sqlite3.Connection, stats: IndexStats, problems: list[tuple[str, str]], started: float, summary: bool = True
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
    stats.seconds = time.perf_counter() - started


def _places(archive: Archive, dirs: dict[str, int]) -> list[tuple[str, str, int]]:
    return [(rel, _real_dir(archive, rel), mtime) for rel, mtime in dirs.items()]


def changed_dirs(conn: sqlite3.Connection, among: Iterable[str] | None = None) -> list[str]:
    """The cheap check a query makes: the folders whose mtime moved since the index (files were
    added, removed or replaced in them), of all or of some. Pages edited in place are `newsq
    index`'s job."""
    moved: list[str] = []
    stat = os.stat
    reals, mtimes = store.dir_snapshot(conn) if among is None else store.dir_places(conn, among)
    for real, mtime in zip(reals, mtimes, strict=False):
        try:
            if stat(real).st_mtime_ns != mtime:
                moved.append(real)
        except FileNotFoundError:
            pass  # a folder removed: its parent's mtime moved too, and the parent is looked at
        except OSError:
            moved.append(real)
    return store.dirs_at(conn, moved) if moved else []


# --- opening the cache for a command -------------------------------------------------------------


class Opened:
    """An open cache, and what opening it did."""

    def __init__(
        self, conn: sqlite3.Connection, db: Path, stats: IndexStats | None = None, notes: list[str] | None = None
    ) -> None:
        self.conn = conn
        self.db = db
        self.stats = stats  # set when opening (re)indexed
        self.notes = notes if notes is not None else []  # one-line messages for stderr


def open_cache(
    archive: Archive,
    *,
    refresh: str = "quick",
    progress: Progress | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Opened:
    """Open the archive's cache, building or refreshing it as needed.

    refresh: "quick" (queries: re-index only if a folder's mtime moved), "full" (`newsq index`:
    compare every file's mtime and size), or "never".
    """
    db = cache_path(archive)
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _read_only(archive, db, f"cache folder not writable ({exc.strerror})")
    if not os.access(db.parent, os.W_OK):
        return _read_only(archive, db, "cache folder not writable")
    opened = _open_valid(db, archive)
    if opened is not None and refresh == "never":
        return opened
    moved: list[str] = []
    if opened is not None and refresh == "quick" and not (moved := changed_dirs(opened.conn)):
        return opened
    with _locked(db, wait=opened is None or refresh == "full", on_wait=on_wait) as got:
        if not got:
            assert opened is not None
            opened.notes.append("another newsq is indexing; answering from the last complete index")
            return opened
        if opened is None:
            opened = _open_valid(db, archive, notes=True)
        if opened is None:
            return _rebuild(archive, db, progress)
        if refresh != "quick":
            opened.stats = update(opened.conn, archive, progress)
        elif moved := changed_dirs(opened.conn, among=moved or None):  # another newsq may have done it
            opened.stats = update(opened.conn, archive, progress, only=moved, summary=False)
        return opened


def _open_valid(db: Path, archive: Archive, *, notes: bool = False) -> Opened | None:
    """The cache if it exists and is one we can use, else None (after noting why)."""
    if not db.exists():
        return None
    conn: sqlite3.Connection | None = None
    try:
        conn = store.connect(db)
        store.check(conn, archive.key)
        conn.execute("SELECT count(*) FROM events WHERE id = 1").fetchone()
    except (store.StaleCache, sqlite3.DatabaseError) as exc:
        if conn is not None:
            conn.close()
        if notes:
            _STALE_NOTES[str(db)] = f"cache unusable ({exc}); rebuilding"
        return None
    return Opened(conn, db)


_STALE_NOTES: dict[str, str] = {}


def _rebuild(archive: Archive, db: Path, progress: Progress | None) -> Opened:
    note = _STALE_NOTES.pop(str(db), None)
    remove_cache(db)
    # Build into a file of its own with no journal (nothing to roll back to), then move it into
    # place: half the writes of a WAL transaction, and a crash leaves no cache rather than a bad one.
    building = db.with_name(db.name + ".building")
    remove_cache(building)
    try:
        conn = store.connect(building, bulk=True)
        stats = build(conn, archive, progress)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.close()
        os.replace(building, db)
        conn = store.connect(db)
    except sqlite3.OperationalError as exc:
        raise CacheError(f"cannot create the cache {db} ({exc})") from None
    opened = Opened(conn, db, stats)
    if note:
        opened.notes.append(note)
    return opened


def _read_only(archive: Archive, db: Path, why: str) -> Opened:
    """Serve from an existing cache without writing, or index into memory for this one command."""
    if db.exists():
        try:
            conn = store.connect(db, readonly=True)
            store.check(conn, archive.key)
            return Opened(conn, db, notes=[f"{why}; answering from the existing cache without refreshing it"])
        except (store.StaleCache, sqlite3.DatabaseError):
            pass
    conn = sqlite3.connect(":memory:", isolation_level=None)
    stats = build(conn, archive)
    return Opened(conn, db, stats, notes=[f"{why}; indexed into memory for this command only"])


def bundled_sample() -> Path:
    """The sample archive shipped with newsq (inside the wheel, or data/ in a source checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "sample", here.parent / "data"):
        if (candidate / "news").is_dir():
            return candidate
    raise ArchiveError("the bundled sample archive is missing; give --archive PATH or set NEWSQ_ARCHIVE")
