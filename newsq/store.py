"""The SQLite cache: schema, writes and every query newsq makes. The only module with SQL."""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
from array import array
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from newsq.errors import BadQuery
from newsq.models import ContextCount, Event, FileRecord, Filters, Link, Row, Source

SCHEMA_VERSION = 8

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
-- Every archive file read, with what it held (so a day can be merged again without
-- re-reading its other files). A rowid table: its rows are too large for WITHOUT ROWID.
CREATE TABLE files(
    id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, dir TEXT NOT NULL, mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, days TEXT NOT NULL, payload TEXT NOT NULL, warnings TEXT
);
-- Which files speak of which day (a front page speaks of several).
CREATE TABLE file_days(day TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY(day, path)) WITHOUT ROWID;
-- Every folder of the archive with its mtime: the cheap check for added or removed files.
CREATE TABLE dirs(path TEXT PRIMARY KEY, real TEXT NOT NULL, mtime_ns INTEGER NOT NULL) WITHOUT ROWID;
-- The same, packed into one row: a query reads it in one go (34,000 folders at a million events).
CREATE TABLE dir_snapshot(id INTEGER PRIMARY KEY CHECK (id = 1), reals TEXT NOT NULL, mtimes BLOB NOT NULL);
CREATE TABLE events(
    id INTEGER PRIMARY KEY, slug TEXT NOT NULL, day TEXT NOT NULL, ord INTEGER NOT NULL,
    title TEXT NOT NULL, summary TEXT, topic TEXT,
    contexts TEXT NOT NULL,  -- one per line: what FTS5 indexes and what snippets show
    sources TEXT NOT NULL, aliases TEXT NOT NULL, path TEXT
);
CREATE TABLE slugs(slug TEXT NOT NULL, event_id INTEGER NOT NULL, PRIMARY KEY(slug, event_id)) WITHOUT ROWID;
CREATE TABLE event_contexts(
    context TEXT NOT NULL COLLATE NOCASE, day TEXT NOT NULL, event_id INTEGER NOT NULL,
    PRIMARY KEY(context, day, event_id)
) WITHOUT ROWID;
CREATE TABLE links(
    event_id INTEGER NOT NULL, ord INTEGER NOT NULL, slug TEXT NOT NULL, day TEXT,
    title TEXT NOT NULL, shared TEXT NOT NULL
);
CREATE TABLE vocab(term TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID;
-- Kept by the indexer so that counts over time and contexts never load events into Python.
CREATE TABLE days(day TEXT PRIMARY KEY, events INTEGER NOT NULL) WITHOUT ROWID;
-- One row per context, however it is cased: its commonest spelling, its events, first and last day.
CREATE TABLE contexts(
    name TEXT NOT NULL COLLATE NOCASE PRIMARY KEY, events INTEGER NOT NULL, first TEXT NOT NULL, last TEXT NOT NULL
) WITHOUT ROWID;
CREATE VIRTUAL TABLE events_fts USING fts5(
    title, summary, topic, contexts, content='events', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE events_vocab USING fts5vocab(events_fts, 'row');
"""

# Secondary indexes: made after the bulk insert of a full index (much faster than maintaining them).
_INDEXES = """
CREATE INDEX files_dir ON files(dir);
CREATE INDEX file_days_path ON file_days(path);
CREATE INDEX events_day ON events(day, ord);
CREATE INDEX slugs_event ON slugs(event_id);
CREATE INDEX event_contexts_event ON event_contexts(event_id);
CREATE INDEX links_event ON links(event_id);
CREATE INDEX links_slug ON links(slug);
CREATE INDEX contexts_events ON contexts(events);
"""

# BM25 weights of title, summary, topic, contexts: a word in the title counts most.
_BM25 = "bm25(events_fts, 10.0, 1.0, 3.0, 3.0)"
_EVENT_COLUMNS = "e.id, e.slug, e.day, e.title, e.summary, e.topic, e.contexts, e.sources, e.aliases, e.path"


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
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction: all of it lands, or (on any error, Ctrl-C included) none of it."""
    conn.execute("BEGIN IMMEDIATE")
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


# --- files and folders ---------------------------------------------------------------------------


def file_stats(conn: sqlite3.Connection, dirs: Iterable[str] | None = None) -> dict[str, tuple[int, int, int]]:
    """path -> (mtime_ns, size, ctime_ns) of every file the cache has read (or of those in some folders)."""
    if dirs is None:
        return {p: (m, s, c) for p, m, s, c in conn.execute("SELECT path, mtime_ns, size, ctime_ns FROM files")}
    out: dict[str, tuple[int, int, int]] = {}
    for folder in dirs:
        sql = "SELECT path, mtime_ns, size, ctime_ns FROM files WHERE dir = ?"
        out.update({p: (m, s, c) for p, m, s, c in conn.execute(sql, (folder,))})
    return out


def dir_mtimes(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT path, mtime_ns FROM dirs").fetchall())


def dir_snapshot(conn: sqlite3.Connection) -> tuple[list[str], array[int]]:
    """Where every folder is on disk, and its mtime: what the quick check stats."""
    row = conn.execute("SELECT reals, mtimes FROM dir_snapshot WHERE id = 1").fetchone()
    mtimes: array[int] = array("q")
    if row is None:
        return [], mtimes
    mtimes.frombytes(row[1])
    return row[0].split("\0"), mtimes


def dir_places(conn: sqlite3.Connection, folders: Iterable[str]) -> tuple[list[str], list[int]]:
    """Where some folders are on disk, and their mtimes."""
    rows = [r for f in folders for r in conn.execute("SELECT real, mtime_ns FROM dirs WHERE path = ?", (f,))]
    return [r for r, _ in rows], [m for _, m in rows]


def dirs_under(conn: sqlite3.Connection, folders: Iterable[str]) -> dict[str, int]:
    """The recorded folders below some folders (at any depth), with their mtimes."""
    out: dict[str, int] = {}
    for folder in folders:
        low = folder + "/" if folder else ""
        out.update(
            conn.execute("SELECT path, mtime_ns FROM dirs WHERE path > ? AND path < ?", (low, low + "\U0010ffff"))
        )
    return out


def dirs_at(conn: sqlite3.Connection, reals: Iterable[str]) -> list[str]:
    """The folders (as the cache names them) at these places on disk."""
    return [p for real in reals for (p,) in conn.execute("SELECT path FROM dirs WHERE real = ?", (real,))]


def _pack_dirs(conn: sqlite3.Connection, reals: list[str] | None = None, mtimes: array[int] | None = None) -> None:
    if reals is None or mtimes is None:
        rows = conn.execute("SELECT real, mtime_ns FROM dirs").fetchall()
        reals, mtimes = [r for r, _ in rows], array("q", (m for _, m in rows))
    conn.execute("INSERT OR REPLACE INTO dir_snapshot VALUES (1, ?, ?)", ("\0".join(reals), mtimes.tobytes()))


def save_dirs(conn: sqlite3.Connection, dirs: Iterable[tuple[str, str, int]]) -> None:
    conn.execute("DELETE FROM dirs")
    conn.executemany("INSERT INTO dirs VALUES (?, ?, ?)", dirs)
    _pack_dirs(conn)


def update_dirs(conn: sqlite3.Connection, dirs: Iterable[tuple[str, str, int]], gone: Iterable[str]) -> None:
    """Record the mtimes of folders looked at again, and forget folders that are gone."""
    dirs = list(dirs)
    gone_reals = {r for d in gone for (r,) in conn.execute("SELECT real FROM dirs WHERE path = ?", (d,))}
    conn.executemany("DELETE FROM dirs WHERE path = ?", [(d,) for d in gone])
    conn.executemany("INSERT OR REPLACE INTO dirs VALUES (?, ?, ?)", dirs)
    # Patch the packed row rather than pack every folder again (a query's refresh pays for this).
    reals, mtimes = dir_snapshot(conn)
    if gone_reals:
        kept = [i for i, r in enumerate(reals) if r not in gone_reals]
        reals, mtimes = [reals[i] for i in kept], array("q", (mtimes[i] for i in kept))
    at = {r: i for i, r in enumerate(reals)}
    for _path, real, mtime in dirs:
        if real in at:
            mtimes[at[real]] = mtime
        else:
            reals.append(real)
            mtimes.append(mtime)
    _pack_dirs(conn, reals, mtimes)


def _file_values(rec: FileRecord) -> tuple[Any, ...]:
    warned = json.dumps(rec.warnings) if rec.warnings else None
    return (rec.path, rec.dir, rec.mtime_ns, rec.size, rec.ctime_ns, json.dumps(rec.days), rec.payload, warned)


def put_files(conn: sqlite3.Connection, records: Iterable[FileRecord]) -> None:
    """Insert or replace files and the days they speak of."""
    for rec in records:
        conn.execute("DELETE FROM file_days WHERE path = ?", (rec.path,))
        conn.execute(
            "INSERT OR REPLACE INTO files(path, dir, mtime_ns, size, ctime_ns, days, payload, warnings) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            _file_values(rec),
        )
        conn.executemany("INSERT OR IGNORE INTO file_days VALUES (?, ?)", [(d, rec.path) for d in rec.days])


def put_files_fresh(conn: sqlite3.Connection, records: Sequence[FileRecord]) -> None:
    """Insert files into an empty cache (no replace, no delete: the fast path of a full index)."""
    conn.executemany(
        "INSERT INTO files(path, dir, mtime_ns, size, ctime_ns, days, payload, warnings) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [_file_values(r) for r in records],
    )
    conn.executemany("INSERT OR IGNORE INTO file_days VALUES (?, ?)", [(d, r.path) for r in records for d in r.days])


def drop_files(conn: sqlite3.Connection, paths: Iterable[str]) -> set[str]:
    """Forget files; return the days they spoke of."""
    days: set[str] = set()
    for path in paths:
        days.update(d for (d,) in conn.execute("SELECT day FROM file_days WHERE path = ?", (path,)))
        conn.execute("DELETE FROM file_days WHERE path = ?", (path,))
        conn.execute("DELETE FROM files WHERE path = ?", (path,))
    return days


def days_of(conn: sqlite3.Connection, paths: Iterable[str]) -> set[str]:
    days: set[str] = set()
    for path in paths:
        days.update(d for (d,) in conn.execute("SELECT day FROM file_days WHERE path = ?", (path,)))
    return days


def payloads_for_day(conn: sqlite3.Connection, day: str) -> list[tuple[str, str]]:
    """(path, payload) of every file that speaks of a day."""
    return conn.execute(
        "SELECT f.path, f.payload FROM file_days d JOIN files f ON f.path = d.path WHERE d.day = ?",
        (day,),
    ).fetchall()


def warnings(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(path, reason) of every warning recorded for the archive's files."""
    out: list[tuple[str, str]] = []
    for path, text in conn.execute("SELECT path, warnings FROM files WHERE warnings IS NOT NULL ORDER BY path"):
        out.extend((path, w) for w in json.loads(text))
    return out


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    one = conn.execute
    return {
        "files": one("SELECT count(*) FROM files").fetchone()[0],
        "events": one("SELECT count(*) FROM events").fetchone()[0],
        "days": one("SELECT count(*) FROM days").fetchone()[0],
        "contexts": one("SELECT count(*) FROM contexts").fetchone()[0],
    }


# --- events ---------------------------------------------------------------------------------------


def _delete_events(conn: sqlite3.Connection, ids: Sequence[int], *, fts: bool) -> None:
    """Remove events with everything hanging off them, and their FTS rows when they have some
    (during a full index they have none yet: deleting FTS rows never inserted damages the index)."""
    rows = [(i,) for i in ids]
    if fts:
        conn.executemany(
            "INSERT INTO events_fts(events_fts, rowid, title, summary, topic, contexts) "
            "SELECT 'delete', id, title, summary, topic, contexts FROM events WHERE id = ?",
            rows,
        )
    for table in ("slugs", "event_contexts", "links"):
        conn.executemany(f"DELETE FROM {table} WHERE event_id = ?", rows)
    conn.executemany("DELETE FROM events WHERE id = ?", rows)


def delete_days(conn: sqlite3.Connection, days: Iterable[str], *, fts: bool) -> None:
    """Remove the events of some days (fts: they are in the full-text index already)."""
    for day in days:
        _delete_events(conn, [i for (i,) in conn.execute("SELECT id FROM events WHERE day = ?", (day,))], fts=fts)


def _event_values(ev: Event) -> tuple[Any, ...]:
    """An event's columns as stored (after id, day and ord)."""
    return (
        ev.slug,
        ev.title,
        ev.summary,
        ev.topic,
        "\n".join(ev.contexts),
        json.dumps([[s.name, s.url] for s in ev.sources]),
        json.dumps(ev.aliases),
        ev.path,
    )


def _link_values(ev: Event) -> tuple[tuple[Any, ...], ...]:
    return tuple((ln.slug, ln.day, ln.title, "\n".join(ln.contexts)) for ln in ev.related)


def replace_day(conn: sqlite3.Connection, day: str, events: Sequence[Event]) -> None:
    """Make a day's stored events these, touching only those that changed (a page edit
    rewrites one event, not the whole day, and leaves the others' FTS rows alone)."""
    old: dict[tuple[Any, ...], list[int]] = {}
    for id_, *values in conn.execute(
        "SELECT id, slug, title, summary, topic, contexts, sources, aliases, path FROM events WHERE day = ?", (day,)
    ).fetchall():
        links = conn.execute(
            "SELECT slug, day, title, shared FROM links WHERE event_id = ? ORDER BY ord", (id_,)
        ).fetchall()
        old.setdefault((tuple(values), tuple(links)), []).append(id_)
    kept: list[tuple[int, int]] = []
    fresh: list[tuple[int, Event]] = []
    for ord_, ev in enumerate(events):
        same = old.get((_event_values(ev), _link_values(ev)))
        if same:
            kept.append((ord_, same.pop()))
        else:
            fresh.append((ord_, ev))
    _delete_events(conn, [i for ids in old.values() for i in ids], fts=True)
    conn.executemany("UPDATE events SET ord = ? WHERE id = ? AND ord != ?", [(o, i, o) for o, i in kept])
    insert_events(conn, [ev for _, ev in fresh], fts=True, ords=[o for o, _ in fresh])


def insert_events(
    conn: sqlite3.Connection, events: Sequence[Event], *, fts: bool, ords: Sequence[int] | None = None
) -> list[int]:
    """Insert one day's events in order; with fts, also index their text (incremental updates)."""
    start = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM events").fetchone()[0]
    ids = list(range(start, start + len(events)))
    conn.executemany(
        "INSERT INTO events(id, day, ord, slug, title, summary, topic, contexts, sources, aliases, path) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (id_, ev.day, ord_, *_event_values(ev))
            for id_, ord_, ev in zip(ids, ords if ords is not None else range(len(events)), events, strict=True)
        ],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO slugs VALUES (?, ?)",
        [(s, i) for i, ev in zip(ids, events, strict=True) for s in (ev.slug, *ev.aliases)],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO event_contexts VALUES (?, ?, ?)",
        [(c, ev.day, i) for i, ev in zip(ids, events, strict=True) for c in ev.contexts],
    )
    conn.executemany(
        "INSERT INTO links VALUES (?, ?, ?, ?, ?, ?)",
        [(i, n, *values) for i, ev in zip(ids, events, strict=True) for n, values in enumerate(_link_values(ev))],
    )
    if fts and ids:
        conn.executemany(
            "INSERT INTO events_fts(rowid, title, summary, topic, contexts) "
            "SELECT id, title, summary, topic, contexts FROM events WHERE id = ?",
            [(i,) for i in ids],
        )
    return ids


def rebuild_fts(conn: sqlite3.Connection) -> None:
    """Index all event text at once (much faster than row by row on a full index)."""
    conn.execute("INSERT INTO events_fts(events_fts) VALUES ('rebuild')")
    conn.execute("INSERT INTO events_fts(events_fts) VALUES ('optimize')")


def rebuild_vocab(conn: sqlite3.Connection) -> None:
    """The index's words with their document counts: what typos are corrected against."""
    conn.execute("DELETE FROM vocab")
    conn.execute("INSERT INTO vocab SELECT term, doc FROM events_vocab")


def _row(r: tuple[Any, ...]) -> Row:
    (id_, slug, day, title, summary, topic, contexts, sources, aliases, path) = r
    return Row(
        id=int(id_),
        event=Event(
            slug=str(slug),
            day=str(day),
            title=str(title),
            summary=summary,
            topic=topic,
            contexts=tuple(str(contexts).split("\n")) if contexts else (),
            sources=tuple(Source(n, u) for n, u in json.loads(str(sources))),
            aliases=tuple(json.loads(str(aliases))),
            path=path,
        ),
    )


def events_between(conn: sqlite3.Connection, first: str, last: str) -> Iterator[Row]:
    """Events from day `first` to day `last` (ISO, inclusive), by day then day-page order."""
    cur = conn.execute(
        f"SELECT {_EVENT_COLUMNS} FROM events e WHERE e.day BETWEEN ? AND ? ORDER BY e.day, e.ord",
        (first, last),
    )
    return (_row(r) for r in cur)


def event_by_id(conn: sqlite3.Connection, id_: int) -> Row:
    return _row(conn.execute(f"SELECT {_EVENT_COLUMNS} FROM events e WHERE e.id = ?", (id_,)).fetchone())


def events_by_slug(conn: sqlite3.Connection, slug: str, day: str | None = None) -> list[Row]:
    """Events that have this slug (canonical or alias), on one day if given."""
    sql = f"SELECT DISTINCT {_EVENT_COLUMNS} FROM slugs s JOIN events e ON e.id = s.event_id WHERE s.slug = ?"
    args: tuple[str, ...] = (slug,)
    if day is not None:
        sql += " AND e.day = ?"
        args += (day,)
    return [_row(r) for r in conn.execute(sql + " ORDER BY e.day, e.ord", args)]


def events_by_slug_prefix(conn: sqlite3.Connection, prefix: str, limit: int, day: str | None = None) -> list[Row]:
    """Events whose slug (canonical or alias) starts with prefix, on one day if given; at most `limit`."""
    sql = "SELECT s.event_id FROM slugs s JOIN events e ON e.id = s.event_id WHERE s.slug >= ? AND s.slug < ?"
    args: tuple[str, ...] = (prefix, prefix + "\U0010ffff")
    if day is not None:
        sql += " AND e.day = ?"
        args += (day,)
    ids: list[int] = []
    for (id_,) in conn.execute(sql + " ORDER BY s.slug", args):
        if id_ not in ids:
            ids.append(id_)
            if len(ids) >= limit:
                break
    return [event_by_id(conn, i) for i in ids]


def slugs_near(conn: sqlite3.Connection, start: str, limit: int = 50000) -> list[str]:
    """Canonical and alias slugs that start with `start` (all of them when start is empty)."""
    return [
        s
        for (s,) in conn.execute(
            "SELECT slug FROM slugs WHERE slug >= ? AND slug < ? LIMIT ?", (start, start + "\U0010ffff", limit)
        )
    ]


def search(
    conn: sqlite3.Connection,
    match: str,
    *,
    first: str | None,
    last: str | None,
    context: str | None,
    limit: int,
) -> Iterator[tuple[Row, float, str, str]]:
    """Ranked FTS5 hits: (row, score, snippet, marked title); matches are marked \\x02 ... \\x03.

    Raises BadQuery if FTS5 cannot read `match`; any other SQLite error is the cache's."""
    check_match(match)
    where = ["events_fts MATCH ?"]
    args: list[object] = [match]
    if first is not None:
        where.append("e.day >= ?")
        args.append(first)
    if last is not None:
        where.append("e.day <= ?")
        args.append(last)
    if context is not None:
        where.append("e.id IN (SELECT event_id FROM event_contexts WHERE context = ?)")
        args.append(context)
    args.append(limit)
    # Two steps: rank every match by score alone, then build rows and snippets for the few shown.
    # (In one statement SQLite would make a snippet and read the event of every match before
    # sorting: 0.5 s instead of 15 ms for a word in 10,000 events.)
    join = " JOIN events e ON e.id = events_fts.rowid" if len(where) > 1 else ""
    ranked = conn.execute(
        f"SELECT events_fts.rowid, {_BM25} AS score FROM events_fts{join} "
        f"WHERE {' AND '.join(where)} ORDER BY score LIMIT ?",
        args,
    ).fetchall()
    for id_, score in ranked:
        snippet, title = conn.execute(
            "SELECT snippet(events_fts, -1, char(2), char(3), '…', 16), highlight(events_fts, 0, char(2), char(3)) "
            "FROM events_fts WHERE events_fts MATCH ? AND rowid = ?",
            (match, id_),
        ).fetchone()
        yield event_by_id(conn, id_), -float(score), str(snippet).replace("\n", ", "), str(title)


# events_fts's columns and tokenizer, as in _SCHEMA (a test checks they agree).
_FTS_ARGS = "title, summary, topic, contexts, tokenize='unicode61 remove_diacritics 2'"


@functools.cache
def _match_checker() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5({_FTS_ARGS})")
    return conn


def check_match(match: str) -> None:
    """Raise BadQuery if FTS5 cannot read the expression `match`.

    It is tried on an empty in-memory table with the cache's columns and tokenizer: an error
    there is the query's fault whatever state the cache is in, and a query error can no longer
    pass for damage (nor damage for a query error) by its SQLite exception class."""
    try:
        _match_checker().execute("SELECT rowid FROM t WHERE t MATCH ?", (match,)).fetchall()
    except sqlite3.Error as exc:
        message = str(exc)
        message = message if len(message) <= 80 else message[:79] + "…"
        raise BadQuery(f"bad FTS5 query: {message}") from None


def fts_string(text: str) -> str:
    """Text as one FTS5 string: every character literal (a " doubled), split into words by the
    tokenizer as the archive's text was. A NUL would end the string early: it becomes a space."""
    return '"' + text.replace("\x00", " ").replace('"', '""') + '"'


def term_exists(conn: sqlite3.Connection, term: str) -> bool:
    """Is the word in some event? FTS5 itself answers, so the word is folded exactly as the
    archive's text was, and words added by a query's refresh are seen too."""
    found = conn.execute("SELECT 1 FROM events_fts WHERE events_fts MATCH ? LIMIT 1", (fts_string(term),))
    return found.fetchone() is not None


def terms_between(conn: sqlite3.Connection, low: str, high: str, min_len: int, max_len: int) -> list[tuple[str, int]]:
    """Index words in [low, high) whose length is in [min_len, max_len], with document counts."""
    return conn.execute(
        "SELECT term, docs FROM vocab WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?",
        (low, high, min_len, max_len),
    ).fetchall()


def _lines(text: str) -> tuple[str, ...]:
    return tuple(text.split("\n")) if text else ()


def links_from(conn: sqlite3.Connection, event_id: int) -> list[tuple[Link, int | None]]:
    """An event's Related links, each with the id of the archive event it names (or None)."""
    out: list[tuple[Link, int | None]] = []
    rows = conn.execute(
        "SELECT slug, day, title, shared FROM links WHERE event_id = ? ORDER BY ord", (event_id,)
    ).fetchall()
    for slug, day, title, shared in rows:
        sql = "SELECT s.event_id FROM slugs s JOIN events e ON e.id = s.event_id WHERE s.slug = ?"
        args: tuple[str, ...] = (slug,)
        if day is not None:
            sql += " AND e.day = ?"
            args += (day,)
        hit = conn.execute(sql + " LIMIT 1", args).fetchone()
        out.append((Link(slug, day, title, _lines(shared)), hit[0] if hit else None))
    return out


def links_to(
    conn: sqlite3.Connection, event_id: int, slugs: Sequence[str], day: str
) -> list[tuple[int, tuple[str, ...]]]:
    """(source event id, shared contexts) of events whose Related list names this event."""
    marks = ",".join("?" * len(slugs))
    rows = conn.execute(
        f"SELECT event_id, shared FROM links WHERE slug IN ({marks}) AND (day IS NULL OR day = ?) "
        "AND event_id != ? ORDER BY event_id",
        (*slugs, day, event_id),
    ).fetchall()
    seen: dict[int, tuple[str, ...]] = {}
    for id_, shared in rows:
        seen.setdefault(int(id_), _lines(shared))
    return list(seen.items())


def context_neighbours(conn: sqlite3.Connection, context: str, day: str, per_side: int) -> list[tuple[int, str]]:
    """(event id, day) of up to per_side events before and after `day` that have `context`."""
    before = conn.execute(
        "SELECT event_id, day FROM event_contexts WHERE context = ? AND day <= ? ORDER BY day DESC LIMIT ?",
        (context, day, per_side),
    ).fetchall()
    after = conn.execute(
        "SELECT event_id, day FROM event_contexts WHERE context = ? AND day > ? ORDER BY day LIMIT ?",
        (context, day, per_side),
    ).fetchall()
    return before + after


# --- what exploring counts: filters, days, contexts, periods ------------------------------------------


def _filtered(filters: Filters, alias: str = "e") -> tuple[str, list[object]]:
    """SQL conditions (joined with AND, or "1") and their arguments for the filters every listing takes."""
    where: list[str] = []
    args: list[object] = []
    if filters.first is not None:
        where.append(f"{alias}.day >= ?")
        args.append(filters.first)
    if filters.last is not None:
        where.append(f"{alias}.day <= ?")
        args.append(filters.last)
    for name in filters.contexts:
        where.append(f"{alias}.id IN (SELECT event_id FROM event_contexts WHERE context = ?)")
        args.append(name)
    return " AND ".join(where) or "1", args


def refresh_days(conn: sqlite3.Connection, days: Iterable[str] | None = None) -> None:
    """Count the events of some days again (of every day when None)."""
    if days is None:
        conn.execute("DELETE FROM days")
        conn.execute("INSERT INTO days SELECT day, count(*) FROM events GROUP BY day")
        return
    for day in days:
        conn.execute("DELETE FROM days WHERE day = ?", (day,))
        conn.execute("INSERT INTO days SELECT day, count(*) FROM events WHERE day = ? GROUP BY day", (day,))


def contexts_of_days(conn: sqlite3.Connection, days: Iterable[str]) -> set[str]:
    """The contexts of the events of some days (whose counts an update must redo)."""
    sql = "SELECT ec.context FROM events e JOIN event_contexts ec ON ec.event_id = e.id WHERE e.day = ?"
    return {name for day in days for (name,) in conn.execute(sql, (day,))}


# Per context (case folded): the spelling most events use, how many events, first and last day.
# (A bare column beside max() takes its value from the row holding the max: SQLite documents this.)
_CONTEXT_ROWS = """
SELECT context, max(n), sum(n), min(first), max(last) FROM (
    SELECT context, count(*) AS n, min(day) AS first, max(day) AS last FROM event_contexts {where}
    GROUP BY context COLLATE BINARY
) GROUP BY context COLLATE NOCASE
"""


def refresh_contexts(conn: sqlite3.Connection, names: Iterable[str] | None = None) -> None:
    """Count some contexts again (every context when None)."""
    if names is None:
        conn.execute("DELETE FROM contexts")
        rows = conn.execute(_CONTEXT_ROWS.format(where="")).fetchall()
    else:
        wanted = sorted(set(names))
        rows = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            conn.executemany("DELETE FROM contexts WHERE name = ?", [(n,) for n in chunk])
            where = f"WHERE context IN ({','.join('?' * len(chunk))})"
            rows += conn.execute(_CONTEXT_ROWS.format(where=where), chunk).fetchall()
    conn.executemany(
        "INSERT OR REPLACE INTO contexts VALUES (?, ?, ?, ?)", [(n, count, f, la) for n, _top, count, f, la in rows]
    )


_CONTEXT_ORDER = {
    "count": "events DESC, name",
    "name": "name",
    "first": "first, name",
    "last": "last DESC, name",
}


def contexts(
    conn: sqlite3.Connection, *, sort: str = "count", limit: int | None = None, containing: str | None = None
) -> list[ContextCount]:
    """Contexts with their counts, sorted; `containing`: only names holding this text (any case)."""
    sql = "SELECT name, events, first, last FROM contexts"
    args: list[object] = []
    if containing:
        sql += " WHERE name LIKE ? ESCAPE '\\'"
        args.append("%" + containing.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    sql += f" ORDER BY {_CONTEXT_ORDER[sort]}"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    return [ContextCount(*row) for row in conn.execute(sql, args)]


def context_named(conn: sqlite3.Connection, name: str) -> ContextCount | None:
    """The context of this name, in any case."""
    row = conn.execute("SELECT name, events, first, last FROM contexts WHERE name = ?", (name.strip(),)).fetchone()
    return ContextCount(*row) if row else None


def context_names(conn: sqlite3.Connection) -> list[str]:
    return [name for (name,) in conn.execute("SELECT name FROM contexts")]


def day_span(conn: sqlite3.Connection) -> tuple[str, str] | None:
    """The first and last day that have events."""
    first, last = conn.execute("SELECT min(day), max(day) FROM days").fetchone()
    return (first, last) if first else None


def events_on_days(conn: sqlite3.Connection, days: Sequence[str], *, newest_first: bool) -> Iterator[Row]:
    """The events of some days (e.g. one month and day in every year), by day then day-page order."""
    for day in sorted(days, reverse=newest_first):
        cur = conn.execute(f"SELECT {_EVENT_COLUMNS} FROM events e WHERE e.day = ? ORDER BY e.ord", (day,))
        yield from (_row(r) for r in cur)


def counts_by_period(
    conn: sqlite3.Connection, width: int, filters: Filters, match: str | None = None
) -> list[tuple[str, int]]:
    """(period, events) for periods given by the first `width` characters of the day (4: years,
    7: months, 10: days), of the events that pass the filters (and match the FTS5 query)."""
    if match is None and not filters.contexts:  # the whole archive: from the days' counts
        span = Filters(filters.first, filters.last)
        cond, args = _filtered(span, alias="days")
        sql = f"SELECT substr(day, 1, {width}), sum(events) FROM days WHERE {cond} GROUP BY 1 ORDER BY 1"
        return conn.execute(sql, args).fetchall()
    cond, args = _filtered(filters)
    source = "events e"
    if match is not None:
        source = "events_fts JOIN events e ON e.id = events_fts.rowid"
        cond = f"events_fts MATCH ? AND {cond}"
        args = [match, *args]
    sql = f"SELECT substr(e.day, 1, {width}), count(*) FROM {source} WHERE {cond} GROUP BY 1 ORDER BY 1"
    return conn.execute(sql, args).fetchall()


# --- what `newsq browse` lists -----------------------------------------------------------------------


def latest_events(conn: sqlite3.Connection, limit: int) -> list[Row]:
    """The newest `limit` events: newest day first, each day in its page's order."""
    cur = conn.execute(f"SELECT {_EVENT_COLUMNS} FROM events e ORDER BY e.day DESC, e.ord LIMIT ?", (limit,))
    return [_row(r) for r in cur]


def events_with_context(conn: sqlite3.Connection, context: str, limit: int) -> list[Row]:
    """The newest `limit` events that have this context (in any case): newest day first, each
    day in its page's order."""
    cur = conn.execute(
        f"SELECT {_EVENT_COLUMNS} FROM event_contexts ec JOIN events e ON e.id = ec.event_id "
        "WHERE ec.context = ? ORDER BY ec.day DESC, e.ord LIMIT ?",
        (context.strip(), limit),
    )
    return [_row(r) for r in cur]
