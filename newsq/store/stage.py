"""A full index's staging shards: each process that merges days writes its rows into a SQLite file
of its own, and the indexer copies them all into the cache at the end.

Why: binding a row from Python costs several times what copying it from an attached file does,
and the indexer's one process was the slowest of three on two cores. The keys the cache looks
things up by (slugs, contexts, link keys, a file's days) are staged in plain tables and copied in
sorted, in C: sorted inserts into a B-tree fill its pages, random ones split them half full
(slower, and a bigger cache)."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from newsq.models import FileRecord, StoredEvent
from newsq.store import events as _events
from newsq.store.events import day_ids
from newsq.store.explore import count_contexts
from newsq.store.files import _file_values
from newsq.store.schema import transaction
from newsq.store.search import _FTS_ARGS
from newsq.store.write import BUILD_HASH, fts_hash

_SHARD_SCHEMA = """
CREATE TABLE events(
    id INTEGER PRIMARY KEY, slug, day, ord, title, summary, topic, contexts, sources, aliases, path, related
);
CREATE TABLE files(
    dir, path, mtime_ns, size, ctime_ns, days, warnings, grouping_key, PRIMARY KEY(dir, path)
) WITHOUT ROWID;
CREATE TABLE slugs(slug, event_id);
CREATE TABLE event_contexts(context, day, event_id);
CREATE TABLE link_keys(key, event_id);
CREATE TABLE file_days(day, path);
"""
# Each table copied, with its key: the order it is copied in.
_ORDER = {
    "events": "id",
    "files": "dir, path",
    "slugs": "slug, event_id",
    "event_contexts": "context COLLATE NOCASE, day, event_id",
    "link_keys": "key, event_id",
    "file_days": "day, path",
}
_STAGED = ("slugs", "event_contexts", "link_keys", "file_days")  # kept apart from their keys' tables
# The staged tables whose rows belong to an event, and its id's column.
_BY_EVENT = {
    "events": "id",
    "slugs": "event_id",
    "event_contexts": "event_id",
    "link_keys": "event_id",
}

# This process's shard, by path (a worker process opens one and writes to it task after task).
_open: dict[str, sqlite3.Connection] = {}


def shard_path(folder: str) -> str:
    return os.path.join(folder, f"shard-{os.getpid()}.db")


def _shard(path: str) -> sqlite3.Connection:
    conn = _open.get(path)
    if conn is None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=OFF")  # scratch: a failed index throws it away
        conn.execute("PRAGMA synchronous=OFF")
        for statement in _SHARD_SCHEMA.split(";\n"):
            if statement.strip():
                conn.execute(statement)
        _open[path] = conn
    return conn


def write_shard(path: str, records: Sequence[FileRecord], days: Iterable[tuple[str, Sequence[StoredEvent]]]) -> None:
    """Write some pages' records and some days' events (numbered from each day's first id, as
    insert_events numbers them in an empty cache) into the shard at `path`, committed."""
    conn = _shard(path)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [_file_values(r) for r in records])
    conn.executemany("INSERT INTO file_days VALUES (?, ?)", [(d, r.path) for r in records for d in r.days])
    for day, events in days:
        start = day_ids(day)[0]
        pairs = list(zip(range(start, start + len(events)), events, strict=True))
        # OR REPLACE: a day merged twice (its pages in two folders) is numbered twice; the indexer
        # sees that and leaves the day out of the copy (drop_days), to merge it again whole.
        conn.executemany(
            "INSERT OR REPLACE INTO events(id, day, ord, slug, title, summary, topic, contexts, sources, aliases, "
            "path, related) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(i, day, o, *ev[0]) for o, (i, ev) in enumerate(pairs)],
        )
        conn.executemany("INSERT INTO slugs VALUES (?, ?)", [(s, i) for i, ev in pairs for s in ev[1]])
        conn.executemany("INSERT INTO event_contexts VALUES (?, ?, ?)", [(c, day, i) for i, ev in pairs for c in ev[2]])
        conn.executemany("INSERT INTO link_keys VALUES (?, ?)", [(k, i) for i, ev in pairs for k in ev[3]])
    conn.execute("COMMIT")


def close_shards() -> None:
    """Close this process's shards (the indexer's own, before it copies them in)."""
    while _open:
        _open.popitem()[1].close()


def drop_days(paths: Sequence[str], days: Iterable[str]) -> None:
    """Take the events of some days out of the shards (days merged twice: the indexer merges them
    again whole). An event's id divided by DAY_IDS is its day's ordinal: one pass over each table."""
    per_day = _events.DAY_IDS
    ordinals = json.dumps([day_ids(d)[0] // per_day for d in days])
    if ordinals == "[]":
        return
    for path in paths:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            with transaction(conn):
                for table, column in _BY_EVENT.items():
                    conn.execute(
                        f"DELETE FROM {table} WHERE {column} / {per_day} IN (SELECT value FROM json_each(?))",
                        (ordinals,),
                    )
        finally:
            conn.close()


def _copying(conn: sqlite3.Connection) -> contextlib.AbstractContextManager[None]:
    """A transaction that reads the attached shards and writes its main file only: deferred, so
    that it locks no shard for writing (BEGIN IMMEDIATE would, and the indexer and the process
    indexing the text read the same shards at once)."""
    return transaction(conn, deferred=True)


@contextlib.contextmanager
def _attached(conn: sqlite3.Connection, paths: Sequence[str]) -> Iterator[list[str]]:
    """The shards attached (only between transactions, SQLite says), by the names it yields."""
    names = [f"shard{k}" for k in range(len(paths))]
    for name, path in zip(names, paths, strict=True):
        conn.execute(f"ATTACH ? AS {name}", (path,))
    try:
        yield names
    finally:
        for name in names:
            conn.execute(f"DETACH {name}")


def _union(names: Sequence[str], table: str, columns: str = "*") -> str:
    return " UNION ALL ".join(f"SELECT {columns} FROM {name}.{table}" for name in names)


def copy_shards(conn: sqlite3.Connection, paths: Sequence[str]) -> None:
    """Copy the shards into the cache in one transaction of its own. Each table is read from all
    shards at once in its key's order: events and files merged from their shards' own
    order, the staged keys sorted by SQLite."""
    with _attached(conn, paths) as names, _copying(conn):
        for table, order in _ORDER.items():
            ignore = " OR IGNORE" if table in _STAGED else ""
            conn.execute(f"INSERT{ignore} INTO main.{table} {_union(names, table)} ORDER BY {order}")


# What index_text makes and adopt_text copies: the full-text index's own tables (FTS5's shadow
# tables), its vocabulary, and the contexts' counts.
_FTS_TABLES = ("events_fts_data", "events_fts_idx", "events_fts_docsize")
_COUNT_TABLES = """
CREATE TABLE vocab(term, docs);
CREATE TABLE contexts(name, events, first, last);
CREATE TABLE spellings(spelling, events);
CREATE TABLE context_days(context, day, events);
CREATE VIRTUAL TABLE events_vocab USING fts5vocab(events_fts, 'row');
"""


def index_text(paths: Sequence[str], out: str) -> None:
    """Build the full-text index of the shards' events in a file of its own (run in a process of
    its own while the indexer copies the shards in): the same index, table for table, that
    rebuild_fts makes of the same events in the cache; and count its words and the events'
    contexts, as rebuild_vocab and refresh_contexts would count them in the cache. (The copy
    takes longer: what this process does here, the indexer no longer does after it.)"""
    conn = sqlite3.connect(out, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute(f"CREATE VIRTUAL TABLE events_fts USING fts5({_FTS_ARGS}, content='events', content_rowid='id')")
        for statement in _COUNT_TABLES.strip().split(";\n"):
            conn.execute(statement)
        with _attached(conn, paths) as names, _copying(conn):
            fts_hash(conn, BUILD_HASH)
            columns = "id, title, summary, topic, contexts"
            conn.execute(
                f"INSERT INTO events_fts(rowid, title, summary, topic, contexts) "
                f"{_union(names, 'events', columns)} ORDER BY id"
            )
            conn.execute("INSERT INTO events_fts(events_fts) VALUES ('optimize')")
            conn.execute("INSERT INTO vocab SELECT term, doc FROM events_vocab")
            count_contexts(conn, f"({_union(names, 'event_contexts')})")
    finally:
        conn.close()


def adopt_text(conn: sqlite3.Connection, path: str) -> None:
    """Make the cache's full-text index, vocabulary and contexts' counts the ones index_text
    built (its events are the cache's)."""
    with _attached(conn, [path]) as (name,), _copying(conn):
        for table in (*_FTS_TABLES, "vocab", "contexts", "spellings", "context_days"):
            conn.execute(f"DELETE FROM main.{table}")
            conn.execute(f"INSERT INTO main.{table} SELECT * FROM {name}.{table}")
