"""Writing events: a day's events inserted, replaced (only those that changed) or deleted, with
everything hanging off them; the full-text index and its vocabulary built at once."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from newsq.models import Event, StoredEvent
from newsq.store.events import _link_key, _title_slug, day_ids, lines_of, link_slug, stored_links
from newsq.store.search import _FTS_ARGS


def _delete_events(conn: sqlite3.Connection, ids: Sequence[int], *, fts: bool) -> None:
    """Remove events with everything hanging off them, and their FTS rows when they have some
    (during a full index they have none yet: deleting FTS rows never inserted damages the index).
    The rows hanging off an event are found from its own values: no index on event_id to keep."""
    rows = [(i,) for i in ids]
    if fts:
        conn.executemany(
            "INSERT INTO events_fts(events_fts, rowid, title, summary, topic, contexts) "
            "SELECT 'delete', id, title, summary, topic, contexts FROM events WHERE id = ?",
            rows,
        )
        _note_text(conn, "vocab_was", rows)
    slugs: list[tuple[str, int]] = []
    contexts: list[tuple[str, str, int]] = []
    keys: list[tuple[int, int]] = []
    for id_ in ids:
        slug, day, names, aliases, related = conn.execute(
            "SELECT slug, day, contexts, aliases, related FROM events WHERE id = ?", (id_,)
        ).fetchone()
        slugs += ((s, id_) for s in (slug, *json.loads(aliases)))
        contexts += ((c, day, id_) for c in _distinct(lines_of(names)))  # as insert_events stored them
        keys += ((k, id_) for k in _keys_of(related))
    conn.executemany("DELETE FROM slugs WHERE slug = ? AND event_id = ?", slugs)
    conn.executemany("DELETE FROM event_contexts WHERE context = ? AND day = ? AND event_id = ?", contexts)
    if fts:  # an update: the context counts follow (a full index counts them all at the end)
        _uncount_contexts(conn, contexts)
    conn.executemany("DELETE FROM link_keys WHERE key = ? AND event_id = ?", keys)
    conn.executemany("DELETE FROM events WHERE id = ?", rows)


def delete_days(conn: sqlite3.Connection, days: Iterable[str], *, fts: bool) -> None:
    """Remove the events of some days (fts: they are in the full-text index already)."""
    for day in days:
        _delete_events(conn, [i for (i,) in conn.execute("SELECT id FROM events WHERE day = ?", (day,))], fts=fts)


def encode_event(ev: Event) -> StoredEvent:
    """An event as the store writes it (done where it was merged: see models.StoredEvent)."""
    values = (
        ev.slug,
        ev.title,
        ev.summary,
        ev.topic,
        "\n".join(ev.contexts),
        json.dumps(ev.sources),  # each (name, url) as a JSON array, as row_of reads it
        json.dumps(ev.aliases) if ev.aliases else "[]",
        ev.path,
        _related(ev),
    )
    keys = tuple(_link_key(ln.slug) for ln in ev.related)
    return values, (ev.slug, *ev.aliases), ev.contexts, keys


def _related(ev: Event) -> str | None:
    """The related column: its links as a compact JSON array of [slug, day, title, shared contexts]
    each, the slug '' when it is its title's (most are: the title is kept anyway), NULL for none."""
    if not ev.related:
        return None
    links = [
        ["" if ln.slug == _title_slug(ln.title) else ln.slug, ln.day, ln.title, "\n".join(ln.shared_contexts)]
        for ln in ev.related
    ]
    return json.dumps(links, ensure_ascii=False, separators=(",", ":"))


def _keys_of(related: str | None) -> set[int]:
    """The link keys of a related column as stored (those encode_event gave its links)."""
    return {_link_key(link_slug(slug, title)) for slug, _day, title, _shared in stored_links(related)}


def replace_day(conn: sqlite3.Connection, day: str, events: Sequence[StoredEvent]) -> bool:
    """Make a day's stored events these, touching only those that changed (a page edit
    rewrites one event, not the whole day, and leaves the others' FTS rows alone), keeping the
    contexts' counts. Whether an event was removed or added (else the day's count stands)."""
    low, high = day_ids(day)  # the day's events, links and all, are a span of ids: one range read
    old: dict[tuple[Any, ...], list[tuple[int, int]]] = {}
    for id_, ord_, stored in _stored(conn, low, high):
        old.setdefault(stored, []).append((id_, ord_))
    kept: list[tuple[int, int, int]] = []  # (ord, id, its ord before)
    fresh: list[tuple[int, StoredEvent]] = []
    for ord_, ev in enumerate(events):
        same = old.get(ev[0])
        if same:
            kept.append((ord_, *same.pop(0)))
        else:
            fresh.append((ord_, ev))
    gone = [i for ids in old.values() for i, _ in ids]
    ids = [i for _ord, i, _was in kept]
    # A full index numbers a day's events in its page's order, and a tie (between related events,
    # between search hits) goes to the lower id: an update that puts an event before others, or
    # reorders them, numbers the day afresh, so that it answers ties as a rebuild does.
    in_order = ids == sorted(ids) and not (fresh and kept and fresh[0][0] < kept[-1][0])
    if in_order:
        conn.executemany("UPDATE events SET ord = ? WHERE id = ?", [(o, i) for o, i, was in kept if o != was])
        if not gone and not fresh:
            return False
    _delete_events(conn, gone, fts=True)
    # (The day's ids used up, after about a million edits: numbered afresh too.)
    if not in_order or (fresh and _next_id(conn, day) + len(fresh) > high):
        _delete_events(conn, ids, fts=True)
        kept, fresh = [], list(enumerate(events))
    insert_events(conn, day, [ev for _, ev in fresh], fts=True, ords=[o for o, _ in fresh])
    return True


def _stored(conn: sqlite3.Connection, low: int, high: int) -> Iterator[tuple[int, int, tuple[Any, ...]]]:
    """(id, ord, its values) of the events with ids in a span, as encode_event gives their values
    (what an update compares: their Related links too)."""
    for id_, ord_, *values in conn.execute(
        "SELECT id, ord, slug, title, summary, topic, contexts, sources, aliases, path, related FROM events "
        "WHERE id BETWEEN ? AND ?",
        (low, high),
    ):
        yield id_, ord_, tuple(values)


def group_of(conn: sqlite3.Connection, day: str, slug: str) -> tuple[int, list[str]] | None:
    """The id of a day's event that a slug names, and its slugs (its own, then its aliases)."""
    low, high = day_ids(day)
    row = conn.execute(
        "SELECT e.id, e.slug, e.aliases FROM slugs s JOIN events e ON e.id = s.event_id "
        "WHERE s.slug = ? AND s.event_id BETWEEN ? AND ?",
        (slug, low, high),
    ).fetchone()
    return None if row is None else (row[0], [row[1], *json.loads(row[2])])


def replace_events(conn: sqlite3.Connection, day: str, events: dict[int, StoredEvent]) -> None:
    """Make some of a day's stored events (by id) these, in place: each keeps its id and its place
    in the day (the caller has shown that its day groups as before), and only what changed in it
    is written (an edited summary: its row and its full-text entry, not its contexts and link keys)."""
    for id_, ev in events.items():
        for _id, _ord, values in _stored(conn, id_, id_):
            if values != ev[0]:
                _rewrite(conn, day, id_, values, ev)


def _rewrite(conn: sqlite3.Connection, day: str, id_: int, values: tuple[Any, ...], ev: StoredEvent) -> None:
    """One stored event (its values as read) made `ev`, row by row, differences only."""
    text_changed = values[1:5] != ev[0][1:5]  # title, summary, topic, contexts: what FTS5 indexes
    fts_sql = (
        "INSERT INTO events_fts(events_fts, rowid, title, summary, topic, contexts) "
        "SELECT 'delete', id, title, summary, topic, contexts FROM events WHERE id = ?"
    )
    if text_changed:
        conn.execute(fts_sql, (id_,))
        _note_text(conn, "vocab_was", [(id_,)])
    conn.execute(
        "UPDATE events SET slug = ?, title = ?, summary = ?, topic = ?, contexts = ?, sources = ?, aliases = ?, "
        "path = ?, related = ? WHERE id = ?",
        (*ev[0], id_),
    )
    if text_changed:
        conn.execute(
            "INSERT INTO events_fts(rowid, title, summary, topic, contexts) "
            "SELECT id, title, summary, topic, contexts FROM events WHERE id = ?",
            (id_,),
        )
        _note_text(conn, "vocab_now", [(id_,)])
    was_slugs = (values[0], *json.loads(values[6]))
    conn.executemany(
        "DELETE FROM slugs WHERE slug = ? AND event_id = ?", [(x, id_) for x in was_slugs if x not in ev[1]]
    )
    conn.executemany("INSERT OR IGNORE INTO slugs VALUES (?, ?)", [(x, id_) for x in ev[1] if x not in was_slugs])
    # Contexts by their exact spelling (spellings counts each): one spelled anew is one gone, one new.
    was, now = _distinct(lines_of(values[4])), _distinct(ev[2])
    gone, added = [c for c in was if c not in now], [c for c in now if c not in was]
    conn.executemany(
        "DELETE FROM event_contexts WHERE context = ? AND day = ? AND event_id = ?", [(c, day, id_) for c in gone]
    )
    _uncount_contexts(conn, [(c, day, id_) for c in gone])
    conn.executemany("INSERT OR IGNORE INTO event_contexts VALUES (?, ?, ?)", [(c, day, id_) for c in added])
    _count_contexts(conn, [(c, day) for c in added])
    if values[-1] != ev[0][-1]:  # its Related links
        was_keys, now_keys = _keys_of(values[-1]), set(ev[3])
        conn.executemany(
            "DELETE FROM link_keys WHERE key = ? AND event_id = ?", [(k, id_) for k in was_keys - now_keys]
        )
        conn.executemany("INSERT OR IGNORE INTO link_keys VALUES (?, ?)", [(k, id_) for k in now_keys - was_keys])


def _next_id(conn: sqlite3.Connection, day: str) -> int:
    low, high = day_ids(day)
    return int(
        conn.execute(
            "SELECT coalesce(max(id) + 1, ?) FROM events WHERE id BETWEEN ? AND ?", (low, low, high)
        ).fetchone()[0]
    )


def insert_events(
    conn: sqlite3.Connection,
    day: str,
    events: Sequence[StoredEvent],
    *,
    fts: bool,
    ords: Sequence[int] | None = None,
) -> list[int]:
    """Insert one day's events in order, numbered within the day's ids; with fts, also index their
    text (incremental updates)."""
    if not events:
        return []
    start = _next_id(conn, day)
    ids = range(start, start + len(events))
    if ids[-1] > day_ids(day)[1]:
        raise ValueError(f"cannot number {len(events)} events from id {start} on {day}")
    order = ords if ords is not None else range(len(events))
    conn.executemany(
        "INSERT INTO events(id, day, ord, slug, title, summary, topic, contexts, sources, aliases, path, related) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(i, day, o, *ev[0]) for i, o, ev in zip(ids, order, events, strict=True)],
    )
    pairs = list(zip(ids, events, strict=True))
    conn.executemany("INSERT OR IGNORE INTO slugs VALUES (?, ?)", [(s, i) for i, ev in pairs for s in ev[1]])
    conn.executemany(
        "INSERT OR IGNORE INTO event_contexts VALUES (?, ?, ?)", [(c, day, i) for i, ev in pairs for c in ev[2]]
    )
    conn.executemany("INSERT OR IGNORE INTO link_keys VALUES (?, ?)", [(k, i) for i, ev in pairs for k in ev[3]])
    if fts:
        _count_contexts(conn, [(c, day) for ev in events for c in _distinct(ev[2])])
        conn.executemany(
            "INSERT INTO events_fts(rowid, title, summary, topic, contexts) "
            "SELECT id, title, summary, topic, contexts FROM events WHERE id = ?",
            [(i,) for i in ids],
        )
        _note_text(conn, "vocab_now", [(i,) for i in ids])
    return list(ids)


# --- the contexts table, kept by an update event by event ----------------------------------------
# (Counting a context again would read all its events: 440,000 rows for the commonest of a million.)


def _distinct(names: Iterable[str]) -> list[str]:
    """Names as event_contexts keeps them for one event: one per name in SQLite's NOCASE (ASCII) case."""
    seen: dict[bytes, str] = {}
    for name in names:
        seen.setdefault(name.encode("utf-8").lower(), name)
    return list(seen.values())


def _count_contexts(conn: sqlite3.Connection, added: Sequence[tuple[str, str]]) -> None:
    """One more event for each (context, day)."""
    conn.executemany(
        "INSERT INTO contexts(name, events, first, last) VALUES (?1, 1, ?2, ?2) ON CONFLICT(name) DO UPDATE "
        "SET events = events + 1, first = min(first, excluded.first), last = max(last, excluded.last)",
        added,
    )
    conn.executemany(
        "INSERT INTO spellings VALUES (?, 1) ON CONFLICT(spelling) DO UPDATE SET events = events + 1",
        [(name,) for name, _day in added],
    )
    # A big context's day counts (only a context counted by day already: see count_contexts).
    conn.executemany(
        "INSERT INTO context_days SELECT ?1, ?2, 1 WHERE EXISTS (SELECT 1 FROM context_days WHERE context = ?1) "
        "ON CONFLICT(context, day) DO UPDATE SET events = events + 1",
        added,
    )
    _respell(conn, {name for name, _day in added})


def _uncount_contexts(conn: sqlite3.Connection, removed: Sequence[tuple[str, str, int]]) -> None:
    """One event fewer for each (context, day, id) removed from event_contexts (one per event and
    context: _distinct); first and last found again (on the (context, day) index) where they were
    the day removed."""
    names = [(name,) for name, _day, _id in removed]
    conn.executemany("UPDATE contexts SET events = events - 1 WHERE name = ?", names)
    days = [(name, day) for name, day, _id in removed]
    conn.executemany("UPDATE context_days SET events = events - 1 WHERE context = ? AND day = ?", days)
    conn.executemany("DELETE FROM context_days WHERE context = ? AND day = ? AND events <= 0", days)
    conn.executemany("UPDATE spellings SET events = events - 1 WHERE spelling = ?", names)
    # Only the spellings just counted down (a scan of all of them cost every edit 2 ms at 1M events).
    conn.executemany("DELETE FROM spellings WHERE spelling = ? AND events <= 0", list(dict.fromkeys(names)))
    for name, day, _id in removed:
        row = conn.execute("SELECT events, first, last FROM contexts WHERE name = ?", (name,)).fetchone()
        if row is None or row[0] <= 0:
            conn.execute("DELETE FROM contexts WHERE name = ?", (name,))
        elif day in (row[1], row[2]):
            first = conn.execute("SELECT min(day) FROM event_contexts WHERE context = ?", (name,)).fetchone()[0]
            last = conn.execute("SELECT max(day) FROM event_contexts WHERE context = ?", (name,)).fetchone()[0]
            conn.execute("UPDATE contexts SET first = ?, last = ? WHERE name = ?", (first, last, name))
    _respell(conn, {name for name, _day, _id in removed})


def _respell(conn: sqlite3.Connection, names: Iterable[str]) -> None:
    """Show each of these contexts in the spelling most of its events use (ties: the first in code
    point order, as a full index chooses)."""
    for name in names:
        best = conn.execute(
            "SELECT spelling FROM spellings WHERE spelling = ? COLLATE NOCASE ORDER BY events DESC, spelling LIMIT 1",
            (name,),
        ).fetchone()
        if best is not None:
            conn.execute("UPDATE contexts SET name = ?1 WHERE name = ?1 AND name != ?1 COLLATE BINARY", (best[0],))


# FTS5 gathers new words in memory up to this many bytes (1 MiB by default) before it writes them
# out as a segment: a full index with room for 32 MiB writes fewer segments and merges less
# (index all text and optimize at 100k events: 1.5 -> 1.05 s; peak RSS +40 MB).
BUILD_HASH = 32 * 1024 * 1024
_DEFAULT_HASH = 1024 * 1024


def rebuild_fts(conn: sqlite3.Connection) -> None:
    """Index all event text at once (much faster than row by row on a full index)."""
    fts_hash(conn, BUILD_HASH)
    conn.execute("INSERT INTO events_fts(events_fts) VALUES ('rebuild')")
    conn.execute("INSERT INTO events_fts(events_fts) VALUES ('optimize')")
    fts_hash(conn, _DEFAULT_HASH)  # the setting is kept in the cache: updates write as they did


def fts_hash(conn: sqlite3.Connection, size: int) -> None:
    # 'hashsize' is FTS5's own setting, if undocumented: an SQLite without it builds as before.
    with contextlib.suppress(sqlite3.Error):
        conn.execute("INSERT INTO events_fts(events_fts, rank) VALUES ('hashsize', ?)", (size,))


# --- the vocabulary, kept by an update from the text it takes out of and puts into the index ------
# (Reading the whole index's vocabulary again cost 0.2 s at 100,000 events, 2 s at a million.)


def track_vocab(conn: sqlite3.Connection) -> None:
    """Start noting the event text an update takes out of the full-text index and puts into it: in
    two scratch full-text tables of the connection (same tokenizer), whose words update_vocab counts."""
    for name in ("vocab_was", "vocab_now"):
        conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{name} USING fts5({_FTS_ARGS})")
        conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{name}_terms USING fts5vocab({name}, row)")
        conn.execute(f"DELETE FROM temp.{name}")


def _note_text(conn: sqlite3.Connection, table: str, ids: Sequence[tuple[int]]) -> None:
    conn.executemany(
        f"INSERT INTO temp.{table}(title, summary, topic, contexts) "
        "SELECT title, summary, topic, contexts FROM events WHERE id = ?",
        ids,
    )


def update_vocab(conn: sqlite3.Connection) -> None:
    """Count in the vocabulary the text noted since track_vocab: each word's events, fewer those
    whose text was taken out, more those whose text was put in (what rebuild_vocab would count)."""
    was = dict(conn.execute("SELECT term, doc FROM temp.vocab_was_terms").fetchall())
    now = dict(conn.execute("SELECT term, doc FROM temp.vocab_now_terms").fetchall())
    delta = [(t, now.get(t, 0) - was.get(t, 0)) for t in was.keys() | now.keys()]
    conn.executemany(
        "INSERT INTO vocab VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET docs = docs + excluded.docs",
        [(t, d) for t, d in delta if d],
    )
    conn.executemany("DELETE FROM vocab WHERE term = ? AND docs <= 0", [(t,) for t, d in delta if d < 0])
    track_vocab(conn)  # noted text counted: empty the scratch tables


def rebuild_vocab(conn: sqlite3.Connection) -> None:
    """The index's words with their document counts: what typos are corrected against."""
    conn.execute("DELETE FROM vocab")
    conn.execute("INSERT INTO vocab SELECT term, doc FROM events_vocab")
