"""Events: writing a day's events, and reading them back by id, slug, day, link and context."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from newsq.models import Event, Filters, Link, Row, Source, StoredEvent

EVENT_COLUMNS = "e.id, e.slug, e.day, e.title, e.summary, e.topic, e.contexts, e.sources, e.aliases, e.path"

# An event's id holds its day: the day's ordinal (days since 0001-01-01) times DAY_IDS, plus a
# number within the day. A full-text match (its rowid) then tells its day without reading the event
# (timeline), and a span of days is a span of ids (search --from/--to). A day's events never number
# DAY_IDS; its ids are used up only after about a million edits of it (then it is numbered afresh).
DAY_IDS = 1 << 20


def day_ids(first: str, last: str | None = None) -> tuple[int, int]:
    """The first and last id an event of these days (ISO, inclusive) can have."""
    low = dt.date.fromisoformat(first).toordinal() * DAY_IDS
    return low, (dt.date.fromisoformat(last or first).toordinal() + 1) * DAY_IDS - 1


@functools.lru_cache(maxsize=65536)
def day_of_id(id_: int) -> str:
    return dt.date.fromordinal(id_ // DAY_IDS).isoformat()


# --- events ---------------------------------------------------------------------------------------


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
    slugs: list[tuple[str, int]] = []
    contexts: list[tuple[str, str, int]] = []
    keys: list[tuple[int, int]] = []
    for id_ in ids:
        slug, day, names, aliases = conn.execute(
            "SELECT slug, day, contexts, aliases FROM events WHERE id = ?", (id_,)
        ).fetchone()
        slugs += ((s, id_) for s in (slug, *json.loads(aliases)))
        contexts += ((c, day, id_) for c in lines_of(names))
        links = conn.execute("SELECT slug, title FROM links WHERE event_id = ?", (id_,))
        keys += ((_link_key(link_slug(s, t)), id_) for s, t in links)
    conn.executemany("DELETE FROM slugs WHERE slug = ? AND event_id = ?", slugs)
    conn.executemany("DELETE FROM event_contexts WHERE context = ? AND day = ? AND event_id = ?", contexts)
    conn.executemany("DELETE FROM link_keys WHERE key = ? AND event_id = ?", keys)
    conn.executemany("DELETE FROM links WHERE event_id = ?", rows)
    conn.executemany("DELETE FROM events WHERE id = ?", rows)


# A link is found from its target by a checksum of the target slug's first characters (as many as
# a slug cut at another length keeps: merge.CUT_MIN): an integer key instead of an index on slugs.
_KEY_CHARS = 60


def _title_slug(title: str) -> str:
    """A title as the archive makes it a slug: lowercased, runs of other than a-z0-9 to one '-', cut
    to 139 characters. Most links name their target by its title's slug: those store no slug."""
    return _NON_SLUG.sub("-", title.lower()).strip("-")[:139].rstrip("-")


_NON_SLUG = re.compile(r"[^a-z0-9]+")


def link_slug(stored: str, title: str) -> str:
    """A link's slug from its links row ('' when it is its title's slug)."""
    return stored or _title_slug(title)


def _link_key(slug: str) -> int:
    return zlib.crc32(slug[:_KEY_CHARS].encode("utf-8", "surrogatepass"))


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
    )
    links = tuple(
        ("" if ln.slug == _title_slug(ln.title) else ln.slug, ln.day, ln.title, "\n".join(ln.shared_contexts))
        for ln in ev.related
    )
    keys = tuple(_link_key(ln.slug) for ln in ev.related)
    return values, links, (ev.slug, *ev.aliases), ev.contexts, keys


def replace_day(conn: sqlite3.Connection, day: str, events: Sequence[StoredEvent]) -> set[str] | None:
    """Make a day's stored events these, touching only those that changed (a page edit
    rewrites one event, not the whole day, and leaves the others' FTS rows alone). Returns the
    contexts of the events removed and added (whose counts change), or None when every event was
    kept (in its place or another): the day's and its contexts' counts stand."""
    low, high = day_ids(day)  # the day's events, and their links, are a span of ids: two range reads
    links: dict[int, list[tuple[Any, ...]]] = {}
    for id_, *link in conn.execute(
        "SELECT event_id, slug, day, title, shared_contexts FROM links WHERE event_id BETWEEN ? AND ? "
        "ORDER BY event_id, ord",
        (low, high),
    ):
        links.setdefault(id_, []).append(tuple(link))
    old: dict[tuple[Any, ...], list[tuple[int, int]]] = {}
    for id_, ord_, *values in conn.execute(
        "SELECT id, ord, slug, title, summary, topic, contexts, sources, aliases, path FROM events "
        "WHERE id BETWEEN ? AND ?",
        (low, high),
    ):
        old.setdefault((tuple(values), tuple(links.get(id_, ()))), []).append((id_, ord_))
    kept: list[tuple[int, int, int]] = []  # (ord, id, its ord before)
    fresh: list[tuple[int, StoredEvent]] = []
    for ord_, ev in enumerate(events):
        same = old.get((ev[0], ev[1]))
        if same:
            kept.append((ord_, *same.pop()))
        else:
            fresh.append((ord_, ev))
    gone = [(i, values) for (values, _links), ids in old.items() for i, _ in ids]
    conn.executemany("UPDATE events SET ord = ? WHERE id = ?", [(o, i) for o, i, was in kept if o != was])
    if not gone and not fresh:
        return None
    _delete_events(conn, [i for i, _ in gone], fts=True)
    if fresh and _next_id(conn, day) + len(fresh) > high:  # the day's ids used up: number it afresh
        _delete_events(conn, [i for _, i, _ in kept], fts=True)
        kept, fresh = [], list(enumerate(events))
    insert_events(conn, day, [ev for _, ev in fresh], fts=True, ords=[o for o, _ in fresh])
    return {c for _, values in gone for c in lines_of(values[4])} | {c for _, ev in fresh for c in ev[3]}


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
        "INSERT INTO events(id, day, ord, slug, title, summary, topic, contexts, sources, aliases, path) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(i, day, o, *ev[0]) for i, o, ev in zip(ids, order, events, strict=True)],
    )
    pairs = list(zip(ids, events, strict=True))
    conn.executemany("INSERT OR IGNORE INTO slugs VALUES (?, ?)", [(s, i) for i, ev in pairs for s in ev[2]])
    conn.executemany(
        "INSERT OR IGNORE INTO event_contexts VALUES (?, ?, ?)", [(c, day, i) for i, ev in pairs for c in ev[3]]
    )
    conn.executemany(
        "INSERT INTO links VALUES (?, ?, ?, ?, ?, ?)", [(i, n, *ln) for i, ev in pairs for n, ln in enumerate(ev[1])]
    )
    conn.executemany("INSERT OR IGNORE INTO link_keys VALUES (?, ?)", [(k, i) for i, ev in pairs for k in ev[4]])
    if fts:
        conn.executemany(
            "INSERT INTO events_fts(rowid, title, summary, topic, contexts) "
            "SELECT id, title, summary, topic, contexts FROM events WHERE id = ?",
            [(i,) for i in ids],
        )
    return list(ids)


def rebuild_fts(conn: sqlite3.Connection) -> None:
    """Index all event text at once (much faster than row by row on a full index)."""
    conn.execute("INSERT INTO events_fts(events_fts) VALUES ('rebuild')")
    conn.execute("INSERT INTO events_fts(events_fts) VALUES ('optimize')")


def rebuild_vocab(conn: sqlite3.Connection) -> None:
    """The index's words with their document counts: what typos are corrected against."""
    conn.execute("DELETE FROM vocab")
    conn.execute("INSERT INTO vocab SELECT term, doc FROM events_vocab")


def row_of(r: tuple[Any, ...]) -> Row:
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


def events_filtered(conn: sqlite3.Connection, filters: Filters) -> Iterator[Row]:
    """The events that pass the filters, by day then day-page order."""
    cond, args = filtered_where(filters)
    cur = conn.execute(f"SELECT {EVENT_COLUMNS} FROM events e WHERE {cond} ORDER BY e.day, e.ord", args)
    return (row_of(r) for r in cur)


def event_by_id(conn: sqlite3.Connection, id_: int) -> Row:
    return row_of(conn.execute(f"SELECT {EVENT_COLUMNS} FROM events e WHERE e.id = ?", (id_,)).fetchone())


def events_by_slug(conn: sqlite3.Connection, slug: str, day: str | None = None) -> list[Row]:
    """Events that have this slug (canonical or alias), on one day if given."""
    sql = f"SELECT DISTINCT {EVENT_COLUMNS} FROM slugs s JOIN events e ON e.id = s.event_id WHERE s.slug = ?"
    args: tuple[str, ...] = (slug,)
    if day is not None:
        sql += " AND e.day = ?"
        args += (day,)
    return [row_of(r) for r in conn.execute(sql + " ORDER BY e.day, e.ord", args)]


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


def unique_prefix(conn: sqlite3.Connection, slug: str, day: str) -> str | None:
    """The shortest start of `slug` that no other event's slug (canonical or alias) starts with: a
    REF for the event with this slug on `day`. None when another event has this very slug."""
    # The other events' slugs nearest to it in sorted order share the longest starts with it.
    mine = "SELECT s.event_id FROM slugs s JOIN events e ON e.id = s.event_id WHERE s.slug = ? AND e.day = ?"
    longest = 0
    for op, order in (("<=", "DESC"), (">=", "ASC")):
        near = conn.execute(
            f"SELECT slug FROM slugs WHERE slug {op} ? AND event_id NOT IN ({mine}) ORDER BY slug {order} LIMIT 1",
            (slug, slug, day),
        ).fetchone()
        if near is not None:
            shared = next((i for i, (a, b) in enumerate(zip(slug, near[0], strict=False)) if a != b), None)
            longest = max(longest, shared if shared is not None else min(len(slug), len(near[0])))
    return None if longest >= len(slug) else slug[: longest + 1]


def slugs_near(conn: sqlite3.Connection, start: str, limit: int = 50000) -> list[str]:
    """Canonical and alias slugs that start with `start` (all of them when start is empty)."""
    return [
        s
        for (s,) in conn.execute(
            "SELECT slug FROM slugs WHERE slug >= ? AND slug < ? LIMIT ?", (start, start + "\U0010ffff", limit)
        )
    ]


def lines_of(text: str) -> tuple[str, ...]:
    return tuple(text.split("\n")) if text else ()


def links_from(conn: sqlite3.Connection, event_id: int) -> list[tuple[Link, int | None]]:
    """An event's Related links, each with the id of the archive event it names (or None)."""
    out: list[tuple[Link, int | None]] = []
    rows = conn.execute(
        "SELECT slug, day, title, shared_contexts FROM links WHERE event_id = ? ORDER BY ord", (event_id,)
    ).fetchall()
    for stored, day, title, shared in rows:
        slug = link_slug(stored, title)
        sql = "SELECT s.event_id FROM slugs s JOIN events e ON e.id = s.event_id WHERE s.slug = ?"
        args: tuple[str, ...] = (slug,)
        if day is not None:
            sql += " AND e.day = ?"
            args += (day,)
        hit = conn.execute(sql + " LIMIT 1", args).fetchone()
        out.append((Link(slug, day, title, lines_of(shared)), hit[0] if hit else None))
    return out


def slugs_of_day(conn: sqlite3.Connection, day: str) -> dict[str, int]:
    """Every slug (canonical and alias) of a day's events, with its event's id."""
    out: dict[str, int] = {}
    for id_, slug, aliases in conn.execute("SELECT id, slug, aliases FROM events WHERE day = ?", (day,)):
        out.update((s, id_) for s in (slug, *json.loads(aliases)))
    return out


def _links_keyed(conn: sqlite3.Connection, slug: str) -> Iterator[tuple[int, str, str | None, str]]:
    """(source event id, slug, day, shared contexts) of the Related links whose target slug has the
    same key as `slug` (the caller tells those it wants), by source event id."""
    sources = conn.execute("SELECT event_id FROM link_keys WHERE key = ?", (_link_key(slug),)).fetchall()
    for (id_,) in sources:
        for stored, title, link_day, shared in conn.execute(
            "SELECT slug, title, day, shared_contexts FROM links WHERE event_id = ? ORDER BY ord", (id_,)
        ):
            yield int(id_), link_slug(stored, title), link_day, str(shared)


def links_by_prefix(conn: sqlite3.Connection, prefix: str, day: str) -> list[tuple[int, str, tuple[str, ...]]]:
    """(source event id, slug, shared contexts) of Related links to a slug starting with `prefix`
    (at least _KEY_CHARS long) on `day` (or on no day)."""
    assert len(prefix) >= _KEY_CHARS, "a shorter prefix has no key"
    return [
        (id_, slug, lines_of(shared))
        for id_, slug, link_day, shared in _links_keyed(conn, prefix)
        if slug.startswith(prefix) and link_day in (None, day)
    ]


def links_to(
    conn: sqlite3.Connection, event_id: int, slugs: Sequence[str], day: str
) -> list[tuple[int, tuple[str, ...]]]:
    """(source event id, shared contexts) of events whose Related list names this event."""
    wanted = set(slugs)
    seen: dict[int, tuple[str, ...]] = {}
    for key_slug in {s[:_KEY_CHARS]: s for s in slugs}.values():
        for id_, slug, link_day, shared in _links_keyed(conn, key_slug):
            if slug in wanted and link_day in (None, day) and id_ != event_id:
                seen.setdefault(id_, lines_of(shared))
    return sorted(seen.items())


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


def filtered_where(filters: Filters, alias: str = "e", event_id: str = "id") -> tuple[str, list[object]]:
    """SQL conditions (joined with AND, or "1") and their arguments for the filters every listing
    takes, on a table `alias` with a day column and the event's id in column `event_id`."""
    where: list[str] = []
    args: list[object] = []
    if filters.first is not None:
        where.append(f"{alias}.day >= ?")
        args.append(filters.first)
    if filters.last is not None:
        where.append(f"{alias}.day <= ?")
        args.append(filters.last)
    for name in filters.contexts:
        where.append(f"{alias}.{event_id} IN (SELECT event_id FROM event_contexts WHERE context = ?)")
        args.append(name)
    return " AND ".join(where) or "1", args


def matched_where(filters: Filters) -> tuple[str, list[object]]:
    """filtered_where for full-text matches, on their rowids alone (an id holds its day): no event is read."""
    where: list[str] = []
    args: list[object] = []
    if filters.first is not None:
        where.append("events_fts.rowid >= ?")
        args.append(day_ids(filters.first)[0])
    if filters.last is not None:
        where.append("events_fts.rowid <= ?")
        args.append(day_ids(filters.last)[1])
    for name in filters.contexts:
        where.append("events_fts.rowid IN (SELECT event_id FROM event_contexts WHERE context = ?)")
        args.append(name)
    return " AND ".join(where) or "1", args


# --- what `newsq browse` lists -----------------------------------------------------------------------


def latest_events(conn: sqlite3.Connection, limit: int) -> list[Row]:
    """The newest `limit` events: newest day first, each day in its page's order."""
    cur = conn.execute(f"SELECT {EVENT_COLUMNS} FROM events e ORDER BY e.day DESC, e.ord LIMIT ?", (limit,))
    return [row_of(r) for r in cur]


def events_with_context(conn: sqlite3.Connection, context: str, limit: int) -> list[Row]:
    """The newest `limit` events that have this context (in any case): newest day first, each
    day in its page's order."""
    cur = conn.execute(
        f"SELECT {EVENT_COLUMNS} FROM event_contexts ec JOIN events e ON e.id = ec.event_id "
        "WHERE ec.context = ? ORDER BY ec.day DESC, e.ord LIMIT ?",
        (context.strip(), limit),
    )
    return [row_of(r) for r in cur]
