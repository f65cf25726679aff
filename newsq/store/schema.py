"""The cache file: its schema, connections, transactions, and what it says about itself."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

SCHEMA_VERSION = 18

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
-- Every archive file read (no parsed copy: a day is merged again from its pages, read again).
-- Kept in folder order: a folder's files are found without an index of their own.
CREATE TABLE files(
    dir TEXT NOT NULL, path TEXT NOT NULL, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL, days TEXT NOT NULL, warnings TEXT,
    grouping_key INTEGER,  -- merge.grouping_key of an event page: whether an edit may regroup its day
    PRIMARY KEY(dir, path)
) WITHOUT ROWID;
-- Which files speak of which day (a front page speaks of several); files.days says the reverse.
CREATE TABLE file_days(day TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY(day, path)) WITHOUT ROWID;
-- Every folder of the archive with its mtime: the cheap check for added or removed files.
-- pages_key: archive.pages_key of its pages' stats when last read: an update compares that alone.
CREATE TABLE dirs(
    path TEXT PRIMARY KEY, real TEXT NOT NULL, mtime_ns INTEGER NOT NULL, pages_key INTEGER
) WITHOUT ROWID;
-- A folder by its place on disk: what a check finds moved (a scan of every folder cost 10 ms at 1M).
CREATE INDEX dirs_real ON dirs(real);
-- The same, packed into one row (id 1: 34,000 folders at a million events), and the folders above
-- the days (id 2: the root, news/, years and months), which search and timeline check every time.
CREATE TABLE dir_snapshot(id INTEGER PRIMARY KEY CHECK (id IN (1, 2)), reals TEXT NOT NULL, mtimes BLOB NOT NULL);
CREATE TABLE events(
    id INTEGER PRIMARY KEY, slug TEXT NOT NULL, day TEXT NOT NULL, ord INTEGER NOT NULL,
    title TEXT NOT NULL, summary TEXT, topic TEXT,
    contexts TEXT NOT NULL,  -- one per line: what FTS5 indexes and what snippets show
    sources TEXT NOT NULL, aliases TEXT NOT NULL, path TEXT,
    -- Its Related links (NULL: none), a JSON array of [slug, day, title, shared contexts] each
    -- (store.write.encode_event): read with the event, and no row of their own to write and copy
    -- (a full index wrote, then copied, 360,000 rows of a links table at 100k events).
    related TEXT
);
CREATE TABLE slugs(slug TEXT NOT NULL, event_id INTEGER NOT NULL, PRIMARY KEY(slug, event_id)) WITHOUT ROWID;
CREATE TABLE event_contexts(
    context TEXT NOT NULL COLLATE NOCASE, day TEXT NOT NULL, event_id INTEGER NOT NULL,
    PRIMARY KEY(context, day, event_id)
) WITHOUT ROWID;
-- Which events link to a slug: a checksum of its start (store.events._link_key), a few bytes a link.
CREATE TABLE link_keys(key INTEGER NOT NULL, event_id INTEGER NOT NULL, PRIMARY KEY(key, event_id)) WITHOUT ROWID;
CREATE TABLE vocab(term TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID;
-- Kept by the indexer so that counts over time and contexts never load events into Python.
CREATE TABLE days(day TEXT PRIMARY KEY, events INTEGER NOT NULL) WITHOUT ROWID;
-- One row per context, however it is cased: its commonest spelling, its events, first and last day.
CREATE TABLE contexts(
    name TEXT NOT NULL COLLATE NOCASE PRIMARY KEY, events INTEGER NOT NULL, first TEXT NOT NULL, last TEXT NOT NULL
) WITHOUT ROWID;
-- The events of each big context day by day (store.explore.BIG_CONTEXT events or more at the last
-- full index): a timeline of one sums a row a day instead of counting each of its events (the
-- commonest context of a million events: 443,000 index entries, 30 ms -> 33,000 rows).
CREATE TABLE context_days(
    context TEXT NOT NULL COLLATE NOCASE, day TEXT NOT NULL, events INTEGER NOT NULL, PRIMARY KEY(context, day)
) WITHOUT ROWID;
-- How many events spell a context each way, exactly: an update keeps it, so that a context shows
-- its commonest spelling without its events being read again.
CREATE TABLE spellings(spelling TEXT PRIMARY KEY, events INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX spellings_nocase ON spellings(spelling COLLATE NOCASE);
CREATE VIRTUAL TABLE events_fts USING fts5(
    title, summary, topic, contexts, content='events', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE events_vocab USING fts5vocab(events_fts, 'row');
"""

# Secondary indexes: made after the bulk insert of a full index (much faster than maintaining them).
_INDEXES = """
CREATE INDEX events_day ON events(day, ord);
CREATE INDEX contexts_events ON contexts(events);
"""


class StaleCache(Exception):
    """The cache is from another schema version, another archive, or unreadable."""


def connect(
    path: Path | str, *, readonly: bool = False, immutable: bool = False, bulk: bool = False
) -> sqlite3.Connection:
    """Open the cache (WAL, so readers see the last complete index while a writer works).

    readonly: never write (immutable: nor look for the changes of a writer, for a folder nobody can write).
    bulk: a new file being built that nobody else reads yet: no journal, no syncs."""
    if bulk:
        conn = sqlite3.connect(path, isolation_level=None)
        # Pages of 16 KiB: an event's row (with its Related links, 1.5 KB) leaves less of a page
        # unused than in 4 KiB ones (cache at 100k events: 313.6 MB at 4 KiB, 290.7 at 8, 281.6 at
        # 16), and a B-tree is a level shallower; queries take as long.
        conn.execute("PRAGMA page_size=16384")
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-65536")
        return conn
    if readonly:
        uri = f"file:{path}?mode=ro" + ("&immutable=1" if immutable else "")
        conn = sqlite3.connect(uri, uri=True, timeout=60, isolation_level=None)
    else:
        conn = sqlite3.connect(path, timeout=60, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=60000")
    conn.execute("PRAGMA cache_size=-65536")
    return conn


def check(conn: sqlite3.Connection, archive: str) -> None:
    """Raise StaleCache unless the cache has our schema, a complete index, and this archive."""
    try:
        rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError as exc:
        raise StaleCache(str(exc)) from None
    if rows.get("schema_version") != str(SCHEMA_VERSION):
        raise StaleCache(f"schema version {rows.get('schema_version')}, expected {SCHEMA_VERSION}")
    if rows.get("archive") != archive:
        raise StaleCache("cache made for another archive")
    if rows.get("complete") != "1":
        raise StaleCache("cache from an index that did not complete")
    try:  # a damaged file can have an intact meta table: read one event too
        conn.execute("SELECT count(*) FROM events WHERE id = 1").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StaleCache(str(exc)) from None


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection, *, deferred: bool = False) -> Iterator[None]:
    """One write transaction: all of it lands, or (on any error, Ctrl-C included) none of it.
    deferred: take the write lock at the first write, not at once."""
    conn.execute("BEGIN" if deferred else "BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def finish_build(conn: sqlite3.Connection) -> None:
    """Make a cache built without a journal ready for sharing: WAL, so readers see the last
    complete index while a writer works."""
    conn.execute("PRAGMA journal_mode=WAL")


def create(conn: sqlite3.Connection, archive: str, *, indexes: bool = True) -> None:
    """Make an empty cache with the current schema (the caller commits); indexes may come later."""
    # One statement at a time: executescript() would commit the caller's open transaction.
    for statement in _SCHEMA.split(";\n"):
        if statement.strip():
            conn.execute(statement)
    if indexes:
        create_indexes(conn)
    conn.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("schema_version", str(SCHEMA_VERSION)), ("archive", archive), ("complete", "0")],
    )


def create_indexes(conn: sqlite3.Connection) -> None:
    for statement in _INDEXES.strip().split("\n"):
        conn.execute(statement)


def mark_complete(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'complete'")


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    one = conn.execute
    return {
        "files": one("SELECT count(*) FROM files").fetchone()[0],
        "events": one("SELECT count(*) FROM events").fetchone()[0],
        "days": one("SELECT count(*) FROM days").fetchone()[0],
        "contexts": one("SELECT count(*) FROM contexts").fetchone()[0],
    }


# --- what the cache says about itself ---------------------------------------------------------------------


def meta(conn: sqlite3.Connection) -> dict[str, str]:
    return {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM meta")}


def mark_indexed(conn: sqlite3.Connection, when: str) -> None:
    """Record when the cache was last brought up to date (ISO 8601, UTC)."""
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('indexed_at', ?)", (when,))


def save_warnings(conn: sqlite3.Connection, found: Sequence[tuple[str, str]]) -> None:
    """Keep the warnings of the last full look at the archive, (path, reason) each."""
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('warnings', ?)", (json.dumps(list(found)),))


def save_summary(conn: sqlite3.Connection, counts: dict[str, int], file_warnings: Sequence[tuple[str, str]]) -> None:
    """Keep what `newsq index` says of the cache (its counts, its files' warnings): an index that
    finds nothing changed says it again without counting."""
    value = json.dumps({"counts": counts, "warnings": list(file_warnings)})
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('summary', ?)", (value,))


def forget_summary(conn: sqlite3.Connection) -> None:
    """The cache changed (an update): count again next time."""
    conn.execute("DELETE FROM meta WHERE key = 'summary'")


def saved_summary(conn: sqlite3.Connection) -> tuple[dict[str, int], list[tuple[str, str]]] | None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'summary'").fetchone()
    if row is None:
        return None
    data = json.loads(row[0])
    return {str(k): int(v) for k, v in data["counts"].items()}, [(str(p), str(r)) for p, r in data["warnings"]]


def saved_warnings(conn: sqlite3.Connection) -> list[tuple[str, str]] | None:
    """The warnings save_warnings kept (None for a cache made before it kept them)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'warnings'").fetchone()
    return None if row is None else [(str(p), str(r)) for p, r in json.loads(row[0])]
