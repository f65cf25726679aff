"""Events: how ids hold their day, and reading events back by id, slug, day, link and context
(store.write writes them)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import sqlite3
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from newsq.models import Event, Filters, Link, Row, Source
from newsq.slugs import CUT_MIN, resolve_cut_slug

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


# A link is found from its target by a checksum of the target slug's first characters (as many as
# a slug cut at another length keeps: slugs.CUT_MIN): an integer key instead of an index on slugs.
_KEY_CHARS = 60


def _title_slug(title: str) -> str:
    """A title as the archive makes it a slug: lowercased, runs of other than a-z0-9 to one '-', cut
    to 139 characters. Most links name their target by its title's slug: those store no slug."""
    if title.isascii():  # the usual case, twice as fast as the regex (a full index makes one a link)
        return b"-".join(title.lower().encode().translate(_TO_SPACE).split()).decode()[:139].rstrip("-")
    return _NON_SLUG.sub("-", title.lower()).strip("-")[:139].rstrip("-")


_NON_SLUG = re.compile(r"[^a-z0-9]+")
# Every byte but a-z and 0-9 to a space: then split() finds the runs _NON_SLUG would.
_TO_SPACE = bytes(c if 97 <= c <= 122 or 48 <= c <= 57 else 32 for c in range(256))


def link_slug(stored: str, title: str) -> str:
    """A link's slug as its event's related column holds it ('' when it is its title's slug)."""
    return stored or _title_slug(title)


def stored_links(related: str | None) -> list[tuple[str, str | None, str, str]]:
    """(stored slug, day, title, shared contexts joined with newlines) of each Related link in an
    event's related column, in order (store.write.encode_event writes it; NULL: no links)."""
    return [(slug, day, title, shared) for slug, day, title, shared in json.loads(related)] if related else []


def _link_key(slug: str) -> int:
    return zlib.crc32(slug[:_KEY_CHARS].encode("utf-8", "surrogatepass"))


def row_of(r: tuple[Any, ...]) -> Row:
    """An event as read by EVENT_COLUMNS. (Built by position: `on 06-22` reads 2,742 events at 1M.)"""
    id_, slug, day, title, summary, topic, contexts, sources, aliases, path = r
    return Row(
        id_,
        Event(
            slug,
            day,
            title,
            topic,
            tuple(contexts.split("\n")) if contexts else (),
            summary,
            tuple([Source(n, u) for n, u in json.loads(sources)]) if sources != "[]" else (),
            tuple(json.loads(aliases)) if aliases != "[]" else (),  # most events have none
            path,
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
    (related,) = conn.execute("SELECT related FROM events WHERE id = ?", (event_id,)).fetchone()
    out: list[tuple[Link, int | None]] = []
    for stored, day, title, shared in stored_links(related):
        slug = link_slug(stored, title)
        target = link_target(conn, slug, day)
        out.append((Link(slug, day, title, lines_of(shared)), target[0] if target else None))
    return out


def link_target(
    conn: sqlite3.Connection, slug: str, day: str | None, day_slugs: Callable[[str], Mapping[str, int]] | None = None
) -> tuple[int, str, str, str] | None:
    """(id, slug, day, title) of the archive event a Related link names: the one with its slug or
    alias (on the link's day when it has one), else the one event of that day whose slug is the
    link's cut at another length; None when the archive has none. `day_slugs`: slugs_of_day, or
    a cache of it (an export asks it for many links of a few days)."""
    found = conn.execute(
        "SELECT e.id, e.slug, e.day, e.title FROM slugs s JOIN events e ON e.id = s.event_id "
        "WHERE s.slug = ?1 AND (?2 IS NULL OR e.day = ?2) LIMIT 1",
        (slug, day),
    ).fetchone()
    if found is None and day is not None and len(slug) >= CUT_MIN:
        cut_of = resolve_cut_slug(slug, (day_slugs or functools.partial(slugs_of_day, conn))(day))
        if cut_of is not None:
            found = conn.execute("SELECT id, slug, day, title FROM events WHERE id = ?", (cut_of,)).fetchone()
    return None if found is None else (int(found[0]), str(found[1]), str(found[2]), str(found[3]))


def slugs_of_day(conn: sqlite3.Connection, day: str) -> dict[str, int]:
    """Every slug (canonical and alias) of a day's events, with its event's id."""
    return {one: id_ for id_, slug, aliases in day_groups(conn, day) for one in (slug, *aliases)}


def day_groups(conn: sqlite3.Connection, day: str) -> list[tuple[int, str, list[str]]]:
    """(id, slug, aliases) of a day's events: how its slugs were grouped."""
    low, high = day_ids(day)
    sql = "SELECT id, slug, aliases FROM events WHERE id BETWEEN ? AND ?"
    return [(i, s, json.loads(a) if a != "[]" else []) for i, s, a in conn.execute(sql, (low, high))]


def _links_keyed(conn: sqlite3.Connection, slug: str) -> Iterator[tuple[int, str, str | None, str]]:
    """(source event id, slug, day, shared contexts) of the Related links whose target slug has the
    same key as `slug` (the caller tells those it wants), by source event id."""
    sources = conn.execute(
        "SELECT k.event_id, e.related FROM link_keys k JOIN events e ON e.id = k.event_id WHERE k.key = ? "
        "ORDER BY k.event_id",
        (_link_key(slug),),
    ).fetchall()
    for id_, related in sources:
        for stored, link_day, title, shared in stored_links(related):
            yield int(id_), link_slug(stored, title), link_day, shared


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
        held, held_args = _holding(name, filters)
        where.append(f"{alias}.{event_id} IN ({held})")
        args.extend(held_args)
    return " AND ".join(where) or "1", args


def _holding(name: str, filters: Filters) -> tuple[str, list[object]]:
    """The ids of the events with a context, on the filters' days only: a period of a timeline
    lists a month of a big context's events, not all of them (114 months: 1.7 s -> 16 ms at 100k)."""
    sql = "SELECT event_id FROM event_contexts WHERE context = ?"
    args: list[object] = [name]
    for bound, day in ((">=", filters.first), ("<=", filters.last)):
        if day is not None:
            sql += f" AND day {bound} ?"
            args.append(day)
    return sql, args


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
        # (+: SQLite would look each of the context's events up in the full-text index, a MATCH
        # each: 2 s for a context of 44,000 events at 100k; the matches are read and kept instead.)
        held, held_args = _holding(name, filters)
        where.append(f"+events_fts.rowid IN ({held})")
        args.extend(held_args)
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
