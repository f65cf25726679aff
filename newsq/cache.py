"""The cache policy: where an archive's cache lives, and opening it for a command (build, refresh,
rebuild, or read-only use), under a lock, saying in notes what it did."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from newsq import cleanup, store
from newsq.archive import changed_folders, day_folders
from newsq.errors import CacheError
from newsq.models import Archive, IndexStats

if TYPE_CHECKING:
    from newsq import indexer

Refresh = str  # "quick" (queries), "full" (`newsq index`), "rebuild" (`newsq index --rebuild`), "never"
# Which folders a quick refresh looks at before a query answers (the README says which command does
# what): "every" folder; "turn": the folders above the days, and the next share of all folders in
# turn; "asked": none, the command then confirms the days it reads (Cache.confirm).
Check = str
# In turn, a query checks one folder in this many, and at least TURN_MIN folders (all of an archive
# of up to about 15,000 events): a page added anywhere is seen within TURN_SHARE searches (7 at
# 100,000 events), for a sixteenth of the cost of checking all (34,500 folders at a million events,
# ~4 us a stat: 11 ms of a 105 ms timeline). 2,000 at least cost a search 4 ms of CPU at 100,000.
TURN_SHARE = 16
TURN_MIN = 500


def cache_folder() -> Path:
    """NEWSQ_CACHE_DIR, else the user cache folder."""
    folder = os.environ.get("NEWSQ_CACHE_DIR")
    if not folder:
        import platformdirs

        folder = platformdirs.user_cache_dir("newsq")
    path = Path(folder).expanduser()
    if path.exists() and not path.is_dir():
        raise CacheError(f"NEWSQ_CACHE_DIR names a file, not a folder: {folder}")
    return path


def cache_path(archive: Archive) -> Path:
    """The cache file of an archive: one per absolute archive path."""
    # Two 32-bit checksums name the file: no hashlib import (OpenSSL) on every query.
    key = archive.key.encode("utf-8", "surrogateescape")
    digest = f"{zlib.crc32(key):08x}{zlib.adler32(key):08x}"
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", archive.root.name)[:40] or "archive"
    return cache_folder() / f"{name}-{digest}.sqlite"


class Opened:
    """An open cache, and what opening it did."""

    def __init__(
        self, conn: sqlite3.Connection, stats: IndexStats | None = None, notes: list[str] | None = None
    ) -> None:
        self.conn = conn
        self.stats = stats  # set when opening (re)indexed
        self.notes = notes if notes is not None else []  # one-line messages for stderr
        self.writable = True  # False: read from a cache newsq may not write (or built in memory)
        self.cache: Cache | None = None
        self.looking: _Look | None = None  # a check in turn still running (Cache.confirm ends it)

    def confirm(self, days: Iterable[str] | None) -> bool:
        """Cache.confirm: check (and refresh) the folders of the days about to be shown."""
        return self.cache is not None and self.cache.confirm(self, days)


class Cache:
    """The cache of one archive. `open` gives a connection that answers for the archive as it is
    now (as far as the refresh asked for looks), building or refreshing it under the lock."""

    def __init__(
        self,
        archive: Archive,
        *,
        progress: indexer.Progress | None = None,
        on_wait: Callable[[], None] | None = None,
    ) -> None:
        self.archive = archive
        self.path = cache_path(archive)
        self.progress = progress
        self.on_wait = on_wait

    def open(self, refresh: Refresh = "quick", check: Check = "every") -> Opened:
        opened = self._open(refresh, check)
        opened.cache = self
        return opened

    def _open(self, refresh: Refresh, check: Check) -> Opened:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return self._read_only(f"cannot make the cache folder {self.path.parent} ({exc.strerror})", refresh)
        if not os.access(self.path.parent, os.W_OK):
            return self._read_only(f"cache folder {self.path.parent} not writable", refresh)
        notes: list[str] = []
        opened = None if refresh == "rebuild" else self._open_valid(notes)
        if opened is not None and refresh == "never":
            return opened
        if opened is not None and refresh == "quick":
            if check == "turn":
                opened.looking = self._look_in_turn(opened.conn)
            elif check == "every" and (moved := changed_dirs(opened.conn)):
                self._refresh(opened, moved, self.progress)
            return opened
        with self._locked(wait=True):
            if opened is None and refresh != "rebuild":
                opened = self._open_valid(notes)  # another newsq may have built it while we waited
                if opened is not None and refresh == "quick":
                    return opened
            if opened is None:
                return self._rebuild(list(dict.fromkeys(notes)))  # (each look may have noted the same)
            self._sweep()
            with self._writing():
                from newsq import indexer  # lazily: 1.9 ms of imports a query that finds nothing moved never needs

                opened.stats = indexer.update(opened.conn, self.archive, self.progress)
            return opened

    def confirm(self, opened: Opened, days: Iterable[str] | None) -> bool:
        """Check the folders that hold some days (None: every folder), and those of a check in
        turn still running, and bring those that moved up to date. Whether any had: then the caller
        asks its question again."""
        found: list[str] = []  # places on disk
        if opened.looking is not None:
            opened.looking.join()
            found, opened.looking = opened.looking.found, None
        if not opened.writable:
            return False
        conn = opened.conn
        if days is None:
            moved = changed_dirs(conn)
        else:
            days = list(days)
            # The days' own folders (and those above them), and the folders of the pages the cache
            # knows to speak of them (a page filed in another day's folder, removed since).
            reals, mtimes = store.dir_places(conn, day_folders(days) | store.dirs_of_days(conn, days))
            found += changed_folders(list(zip(reals, mtimes, strict=True)))
            moved = []
        moved += store.dirs_at(conn, dict.fromkeys(found)) if found else []
        return bool(moved) and self._refresh(opened, list(dict.fromkeys(moved)), progress=None)

    def _look_in_turn(self, conn: sqlite3.Connection) -> _Look:
        """Start checking the folders above the days and the next share of all folders, in the
        background: the query runs meanwhile, and Cache.confirm takes what the check found."""
        reals, mtimes = store.dir_snapshot(conn, upper=True)
        marker = f"{self.path}.turn"  # where the last turn stopped: a folder's path
        try:
            with open(marker, encoding="utf-8") as fh:
                after = fh.read(4096)
        except (OSError, ValueError):
            after = ""
        share = max(TURN_MIN, -(-store.dir_count(conn) // TURN_SHARE))
        turn_reals, turn_mtimes, last = store.dirs_in_turn(conn, after, share)
        with contextlib.suppress(OSError), open(marker, "w", encoding="utf-8") as fh:
            fh.write(last)
        return _Look([*zip(reals, mtimes, strict=True), *zip(turn_reals, turn_mtimes, strict=True)])

    def _refresh(self, opened: Opened, moved: list[str], progress: indexer.Progress | None) -> bool:
        """Re-read the folders that moved, unless another newsq is indexing (then the last
        complete index answers, and a note says so). Whether anything was re-read."""
        with self._locked(wait=False) as got:
            if not got:
                opened.notes.append("another newsq is indexing; answering from the last complete index")
                return False
            if moved := changed_dirs(opened.conn, among=moved):  # unless another newsq did
                with self._writing():
                    from newsq import indexer

                    indexer.update(opened.conn, self.archive, progress, only=moved, summary=False)
            return bool(moved)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """An update of the cache: a disk that fills up or a file that cannot be written is said as
        such, with its fix (not as a failed cache to rebuild: a rebuild needs more room still)."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "full" not in str(exc) and "readonly" not in str(exc):
                raise
            raise CacheError(_explain(exc, self.path.parent)) from None

    def drop(self) -> None:
        """Remove a cache found damaged (the next open rebuilds it)."""
        with self._locked(wait=True):
            _remove(self.path)

    def _open_valid(self, notes: list[str]) -> Opened | None:
        """The cache if it exists and is one we can use, else None (noting why)."""
        if not self.path.exists():
            return None
        conn: sqlite3.Connection | None = None
        try:
            conn = store.connect(self.path)
            store.check(conn, self.archive.key)
        except (store.StaleCache, sqlite3.DatabaseError) as exc:
            if conn is not None:
                conn.close()
            notes.append(f"cache unusable ({exc}); rebuilding")
            return None
        return Opened(conn)

    def _sweep(self) -> None:
        """Remove what a full build killed with -9 left beside the cache (its file and its shards:
        together about twice the cache, gigabytes at a million events). Called under the writer
        lock, when no build can be running."""
        building = self.path.with_name(self.path.name + ".building")
        _remove(building)
        if os.path.isdir(f"{building}.shards"):
            import shutil  # lazily: only after a build was killed

            shutil.rmtree(f"{building}.shards", ignore_errors=True)

    def _rebuild(self, notes: list[str]) -> Opened:
        # Build into a file of its own with no journal (nothing to roll back to), then move it over
        # the old one: half the writes of a WAL transaction; queries answer from the old cache until
        # then; and a failure leaves the old cache (or none) rather than a bad one.
        building = self.path.with_name(self.path.name + ".building")
        _remove(building)
        cleanup.remove_on_interrupt(str(building))
        try:
            conn = store.connect(building, bulk=True)
            try:
                from newsq import indexer

                stats = indexer.build(conn, self.archive, self.progress, f"{building}.shards")
                store.finish_build(conn)
            finally:
                conn.close()
            for suffix in ("-wal", "-shm"):  # the old cache's: they must not be read with the new one
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(f"{self.path}{suffix}")
            os.replace(building, self.path)
            conn = store.connect(self.path)
        except BaseException as exc:
            _remove(building)
            if isinstance(exc, (sqlite3.Error, OSError)):
                raise CacheError(_explain(exc, self.path.parent)) from None
            raise
        finally:
            cleanup.keep(str(building))
        return Opened(conn, stats, notes)

    def _read_only(self, why: str, refresh: Refresh) -> Opened:
        """Serve from an existing cache without writing; index into memory only when there is none
        (or `newsq index` asked), and say that nothing was saved."""
        if refresh in ("quick", "never") and self.path.exists():
            conn = _connect_read_only(self.path, self.archive)
            if conn is not None:
                moved = changed_dirs(conn)
                changed = f"{len(moved)} folder{'s' if len(moved) != 1 else ''} changed since"
                note = f"{why}; answering from the cache as last indexed ({changed})"
                opened = Opened(conn, notes=[note] if moved else [])
                opened.writable = False
                return opened
        conn = sqlite3.connect(":memory:", isolation_level=None)
        try:
            from newsq import indexer

            stats = indexer.build(conn, self.archive, self.progress)  # (its shards in a temporary folder)
        except (OSError, sqlite3.OperationalError) as exc:
            raise CacheError(f"{why}, and indexing into memory {_scratch_problem(exc)}") from None
        stats.saved = False
        opened = Opened(conn, stats, notes=[f"{why}; indexed into memory for this command only, nothing saved"])
        opened.writable = False
        return opened

    @contextlib.contextmanager
    def _locked(self, *, wait: bool) -> Iterator[bool]:
        """Hold the cache's writer lock; yields False if it is busy and wait is False."""
        try:
            fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise CacheError(_explain(exc, self.path.parent)) from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not wait:
                    yield False
                    return
                if self.on_wait is not None:
                    self.on_wait()
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield True
        finally:
            os.close(fd)


class _Look(threading.Thread):
    """Folders stat'ed in a thread while the query runs (a stat lets other threads run): at a
    million events the 5,500 of a check in turn take 20 ms, as long as a search."""

    def __init__(self, places: list[tuple[str, int]]) -> None:
        super().__init__(daemon=True)
        self.places = places
        self.found: list[str] = []
        self.start()

    def run(self) -> None:
        self.found = changed_folders(self.places)


def _connect_read_only(path: Path, archive: Archive) -> sqlite3.Connection | None:
    # A WAL database opened read-only still wants to make its -shm file; where the folder cannot be
    # written, `immutable` reads the file as it is (nobody can change it there either).
    for immutable in (False, True):
        try:
            conn = store.connect(path, readonly=True, immutable=immutable)
        except sqlite3.Error:
            continue
        try:
            store.check(conn, archive.key)
            return conn
        except (store.StaleCache, sqlite3.Error):
            conn.close()
    return None


def _remove(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{db}{suffix}")


def _scratch_problem(exc: BaseException) -> str:
    """Why an index into memory failed: its shards' temporary folder (none could be written, or full)."""
    import tempfile

    if tempfile.tempdir is None:  # gettempdir() found none it could write in (TMPDIR, /tmp, /var/tmp, .)
        reason = "no writable temporary folder"
    elif (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or "full" in str(exc):
        reason = f"the disk holding {tempfile.tempdir} is full"
    else:
        reason = f"cannot write in {tempfile.tempdir}: {exc.strerror if isinstance(exc, OSError) else exc}"
    return f"needs a temporary folder with room ({reason}): set NEWSQ_CACHE_DIR or TMPDIR to a writable folder"


def _explain(exc: BaseException, folder: Path) -> str:
    """What failed while writing the cache, and a fix that works."""
    text = str(exc)
    if (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or "full" in text:
        return f"the disk holding the cache is full ({folder}): free some space, or set NEWSQ_CACHE_DIR elsewhere"
    if isinstance(exc, OSError) or "readonly" in text or "unable to open" in text or "disk I/O" in text:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else text
        return f"cannot write the cache in {folder} ({reason}): set NEWSQ_CACHE_DIR to a writable folder"
    return (
        f"indexing failed ({text}); nothing was saved, so the next command starts afresh. "
        "This is a bug in newsq: please report it"
    )


def changed_dirs(conn: sqlite3.Connection, among: Iterable[str] | None = None) -> list[str]:
    """The cheap check a query makes: the folders (as the cache names them) whose mtime moved
    since the index, of all or of some."""
    reals, mtimes = store.dir_snapshot(conn) if among is None else store.dir_places(conn, among)
    moved = changed_folders(list(zip(reals, mtimes, strict=False)))
    return store.dirs_at(conn, moved) if moved else []
