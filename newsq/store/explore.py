"""What exploring counts: days, contexts, periods; and the selections that export streams."""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from newsq.models import ContextCount, Filters, RelatedLink, Row, Selection
from newsq.store.events import (
    DAY_IDS,
    EVENT_COLUMNS,
    filtered_where,
    lines_of,
    link_slug,
    link_target,
    matched_where,
    row_of,
    slugs_of_day,
    stored_links,
)
from newsq.store.search import check_match


def refresh_days(conn: sqlite3.Connection, days: Iterable[str] | None = None) -> None:
    """Count the events of some days again (of every day when None)."""
    if days is None:
        conn.execute("DELETE FROM days")
        conn.execute("INSERT INTO days SELECT day, count(*) FROM events GROUP BY day")
        return
    for day in days:
        conn.execute("DELETE FROM days WHERE day = ?", (day,))
        conn.execute("INSERT INTO days SELECT day, count(*) FROM events WHERE day = ? GROUP BY day", (day,))


# Per context (case folded): the spelling most events use (ties: the first in code point order, so
# capitals win), how many events, first and last day.
_CONTEXT_ROWS = """
SELECT context, events, first, last FROM (
    SELECT context, sum(n) OVER whole AS events, min(first) OVER whole AS first, max(last) OVER whole AS last,
        row_number() OVER (PARTITION BY context COLLATE NOCASE ORDER BY n DESC, context COLLATE BINARY) AS rank
    FROM (
        SELECT context, count(*) AS n, min(day) AS first, max(day) AS last FROM {source}
        GROUP BY context COLLATE BINARY
    )
    WINDOW whole AS (PARTITION BY context COLLATE NOCASE)
) WHERE rank = 1
"""


def refresh_contexts(conn: sqlite3.Connection) -> None:
    """Count every context and its spellings, at the end of a full index (an update keeps the
    counts as it goes: store.events)."""
    for table in ("contexts", "spellings", "context_days"):
        conn.execute(f"DELETE FROM {table}")
    count_contexts(conn, "event_contexts")


# A context with this many events or more at a full index is counted day by day in context_days
# (below it, counting its events on the (context, day) index takes a millisecond or two). In a
# parallel build, among the events copied in from the workers: the few days merged again after the
# copy are counted as an update counts them (rows only for contexts counted so already). A context
# without rows is counted from its events: the same counts, slower.
BIG_CONTEXT = 20_000


def count_contexts(conn: sqlite3.Connection, source: str) -> None:
    """Fill the (empty) contexts, spellings and context_days tables from `source`, a table or
    subquery of (context, day, event_id) rows such as event_contexts."""
    conn.execute(f"INSERT INTO contexts {_CONTEXT_ROWS.format(source=source)} ORDER BY context COLLATE NOCASE")
    conn.execute(f"INSERT INTO spellings SELECT context, count(*) FROM {source} GROUP BY context COLLATE BINARY")
    conn.execute(
        f"INSERT INTO context_days SELECT context, day, count(*) FROM {source} "
        "WHERE context COLLATE NOCASE IN (SELECT name FROM contexts WHERE events >= ?) "
        "GROUP BY context COLLATE NOCASE, day",
        (BIG_CONTEXT,),
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
    order = _CONTEXT_ORDER[sort]
    if containing and sort == "count":
        # Every name is read for the LIKE: read them in the table's order and sort the few kept
        # (walking the count index instead looks each name up again: 6.4 -> 1.6 ms at 100k events).
        order = "+" + order
    sql += f" ORDER BY {order}"
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
    # Apart, min and max are one step each of the days' key; together they are a scan (5 ms at 1M).
    first, last = (conn.execute(f"SELECT {end}(day) FROM days").fetchone()[0] for end in ("min", "max"))
    return (first, last) if first else None


def events_on_days(
    conn: sqlite3.Connection, days: Sequence[str], *, newest_first: bool, contexts: tuple[str, ...] = ()
) -> Iterator[Row]:
    """The events of some days (e.g. one month and day in every year) with all these contexts, by
    day then day-page order."""
    for day in sorted(days, reverse=newest_first):
        cond, args = filtered_where(Filters(day, day, contexts))
        cur = conn.execute(f"SELECT {EVENT_COLUMNS} FROM events e WHERE {cond} ORDER BY e.ord", args)
        yield from (row_of(r) for r in cur)


def _counted(match: str | None, filters: Filters, by_day: bool) -> tuple[str, list[object], str, str]:
    """What a timeline counts, never reading an event: FROM and WHERE with their arguments, the day
    column and the count. Full-text matches on their rowids alone (no day column: a rowid holds its
    day), one big context's events by its days' counts (by_day: _by_day says so), a context's
    events on the (context, day) index, else the days' counts."""
    if match is not None:
        cond, args = matched_where(filters)
        return f"events_fts WHERE events_fts MATCH ? AND {cond}", [match, *args], "", "count(*)"
    if by_day:
        cond, args = filtered_where(Filters(filters.first, filters.last), "cd")
        table = f"context_days cd WHERE cd.context = ? AND {cond}"
        return table, [*filters.contexts, *args], "cd.day", "sum(cd.events)"
    if filters.contexts:
        first, *others = filters.contexts
        cond, args = filtered_where(Filters(filters.first, filters.last, tuple(others)), "ec", "event_id")
        return f"event_contexts ec WHERE ec.context = ? AND {cond}", [first, *args], "ec.day", "count(*)"
    cond, args = filtered_where(filters, alias="days")
    return f"days WHERE {cond}", args, "days.day", "sum(days.events)"


def _by_day(conn: sqlite3.Connection, filters: Filters) -> bool:
    """Whether the filters name one context, and one counted day by day in context_days."""
    if len(filters.contexts) != 1:
        return False
    return conn.execute("SELECT 1 FROM context_days WHERE context = ? LIMIT 1", filters.contexts).fetchone() is not None


def counts_by_day(conn: sqlite3.Connection, filters: Filters) -> list[tuple[str, int]]:
    """(day, events) of the days with events that pass the filters, in order."""
    table, args, day, count = _counted(None, filters, _by_day(conn, filters))
    return conn.execute(f"SELECT {day}, {count} FROM {table} GROUP BY 1 ORDER BY 1", args).fetchall()


def count_each(conn: sqlite3.Connection, match: str | None, each: Sequence[Filters]) -> list[int]:
    """How many events match (when `match`) and pass each of these filters (a timeline's periods:
    they differ in their days alone, so the way to count is chosen once): counted in SQLite, not
    fetched (a word in 100,000 of a million events: 3 ms, against 45 ms to fetch their ids)."""
    by_day = bool(each) and _by_day(conn, each[0])
    counts = []
    for filters in each:
        table, args, _day, count = _counted(match, filters, by_day)
        counts.append(int(conn.execute(f"SELECT coalesce({count}, 0) FROM {table}", args).fetchone()[0]))
    return counts


def counted_span(conn: sqlite3.Connection, match: str | None, filters: Filters) -> tuple[str, str] | None:
    """The first and last day of the events count_each counts (None: there are none). A timeline
    asks this first: a bad --raw expression is told apart from a damaged cache here (BadQuery)."""
    if match is not None:
        check_match(match)
    table, args, day, _count = _counted(match, filters, _by_day(conn, filters))
    if match is None:
        # min and max apart: each alone is one step of the (context, day) index; together, a scan.
        first, last = (conn.execute(f"SELECT {end}({day}) FROM {table}", args).fetchone()[0] for end in ("min", "max"))
        return (first, last) if first is not None else None
    # FTS5 gives its matches in rowid order, either way, so the first and last are found at once.
    ends = [
        conn.execute(f"SELECT events_fts.rowid FROM {table} ORDER BY events_fts.rowid {way} LIMIT 1", args).fetchone()
        for way in ("", "DESC")
    ]
    if ends[0] is None:
        return None
    first, last = (dt.date.fromordinal(end[0] // DAY_IDS).isoformat() for end in ends)
    return first, last


def matched_days(conn: sqlite3.Connection, match: str, filters: Filters) -> list[int]:
    """The day of each event that matches and passes the filters, as a day number (date.toordinal),
    in order: from the matches' ids, which hold their day (events.DAY_IDS), never reading an event
    (0.08 s -> 3 ms for a word in 10,000 of a million events)."""
    cond, args = matched_where(filters)
    sql = f"SELECT events_fts.rowid FROM events_fts WHERE events_fts MATCH ? AND {cond} ORDER BY events_fts.rowid"
    per_day = DAY_IDS
    return [id_ // per_day for (id_,) in conn.execute(sql, [match, *args])]


# --- export: the events, links and contexts of a selection, streamed in date order --------------------


def _selected(selection: Selection) -> tuple[str, str, list[object]]:
    """FROM and WHERE of the events a selection takes, and the arguments."""
    cond, args = filtered_where(selection.filters)
    if selection.match is None:
        return "events e", cond, args
    check_match(selection.match)
    return (
        "events_fts JOIN events e ON e.id = events_fts.rowid",
        f"events_fts MATCH ? AND {cond}",
        [selection.match, *args],
    )


def count_selected(conn: sqlite3.Connection, selection: Selection) -> int:
    source, cond, args = _selected(selection)
    if source == "events e" and cond == "1":
        return int(conn.execute("SELECT coalesce(sum(events), 0) FROM days").fetchone()[0])
    return int(conn.execute(f"SELECT count(*) FROM {source} WHERE {cond}", args).fetchone()[0])


def selected_events(conn: sqlite3.Connection, selection: Selection) -> Iterator[Row]:
    """Every event of a selection, by day then day-page order; one cursor, never a list."""
    source, cond, args = _selected(selection)
    cur = conn.execute(f"SELECT {EVENT_COLUMNS} FROM {source} WHERE {cond} ORDER BY e.day, e.ord, e.id", args)
    return (row_of(r) for r in cur)


def selected_links(conn: sqlite3.Connection, selection: Selection) -> Iterator[tuple[int, RelatedLink]]:
    """(event id, link) for the Related links of a selection's events, in the order of
    selected_events and then of each Related list. A link whose event the archive has (by its
    slug or an alias, on its day when the link has one, or by a slug cut at another length that
    fits one event of that day: as `newsq related` decides) names that
    event's slug, day and title; any other keeps what the link says."""
    source, cond, args = _selected(selection)
    # The events streamed (one cursor, in selected_events' order), each one's related column decoded
    # here, and each link's target looked up on its own: at 100,000 events, 2.6 s of CPU against
    # 4.2 s for the same in one statement over json_each (SQLite parses each link's JSON again for
    # each field it takes, and calls link_slug back twice a link).
    cur = conn.execute(
        f"SELECT e.id, e.slug, e.day, e.related FROM {source} WHERE e.related IS NOT NULL AND {cond} "
        "ORDER BY e.day, e.ord, e.id",
        args,
    )
    day_slugs = functools.lru_cache(maxsize=64)(functools.partial(slugs_of_day, conn))
    for id_, source_slug, source_day, related in cur:
        for stored, day, title, shared in stored_links(related):
            slug = link_slug(stored, title)
            target = link_target(conn, slug, day, day_slugs)
            if target is None:
                yield id_, RelatedLink(source_slug, source_day, slug, day, title, False, lines_of(shared))
            else:
                _id, t_slug, t_day, t_title = target
                yield id_, RelatedLink(source_slug, source_day, t_slug, t_day, t_title, True, lines_of(shared))


def selected_contexts(conn: sqlite3.Connection, selection: Selection) -> Iterator[ContextCount]:
    """The contexts of a selection's events, counted within it (commonest spelling, events, first
    and last day), most events first. Without filters, from the contexts table the indexer keeps."""
    source, cond, args = _selected(selection)
    if source == "events e" and cond == "1":
        cur = conn.execute("SELECT name, events, first, last FROM contexts ORDER BY events DESC, name")
        return (ContextCount(*row) for row in cur)
    inner = (
        "SELECT ec.context, count(*) AS n, min(ec.day) AS first, max(ec.day) AS last FROM event_contexts ec "
        f"WHERE ec.event_id IN (SELECT e.id FROM {source} WHERE {cond}) GROUP BY ec.context COLLATE BINARY"
    )
    cur = conn.execute(
        f"SELECT context, max(n), sum(n) AS events, min(first), max(last) FROM ({inner}) "
        "GROUP BY context COLLATE NOCASE ORDER BY events DESC, context",
        args,
    )
    return (ContextCount(name, count, first, last) for name, _top, count, first, last in cur)


# --- completion: names that start with what was typed, straight from the indexes ------------------------


def contexts_starting(conn: sqlite3.Connection, prefix: str, limit: int) -> list[str]:
    """Context names that start with `prefix` in any case, most events first (a range over the
    NOCASE primary key: no scan, however many contexts)."""
    rows = conn.execute(
        "SELECT name FROM contexts WHERE name >= ? AND name < ? ORDER BY events DESC, name LIMIT ?",
        (prefix, prefix + "\U0010ffff", limit),
    )
    return [name for (name,) in rows]
