"""Exploring the archive by entity and by time: on this day, contexts, timelines."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import sqlite3
from collections.abc import Iterator

from newsq import store
from newsq.dates import DaySpan, month_days
from newsq.errors import UnknownContext, quoted
from newsq.models import ContextCount, Event, Filters, Timeline


def events_on(
    conn: sqlite3.Connection, span: DaySpan, *, contexts: tuple[str, ...] = (), newest_first: bool = True
) -> Iterator[Event]:
    """The events `on` lists: a span of days in order, or one day of every year (newest year first)."""
    if span.month_day is not None:
        return on_this_day(conn, *span.month_day, contexts=contexts, newest_first=newest_first)
    filters = Filters(span.first, span.last, contexts)
    return (row.event for row in store.events_filtered(conn, filters))


# `on` over more days than this checks every folder of the archive rather than theirs.
_FEW_DAYS = 366


def days_of(conn: sqlite3.Connection, span: DaySpan) -> list[str] | None:
    """The days `on` reads (None: too many to name, every folder is checked instead)."""
    if span.month_day is not None:
        return _every_year(conn, *span.month_day)
    if span.first is None or span.last is None:
        return None
    first, last = dt.date.fromisoformat(span.first), dt.date.fromisoformat(span.last)
    if (last - first).days >= _FEW_DAYS:
        return None
    return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def _every_year(conn: sqlite3.Connection, month: int, day: int) -> list[str]:
    """One month and day in every year of the archive (02-29: in the leap years)."""
    span = store.day_span(conn)
    if span is None:
        return []
    days = []
    for year in range(int(span[0][:4]), int(span[1][:4]) + 1):
        try:
            days.append(dt.date(year, month, day).isoformat())
        except ValueError:  # 02-29 of a common year
            continue
    return days


def on_this_day(
    conn: sqlite3.Connection, month: int, day: int, *, contexts: tuple[str, ...] = (), newest_first: bool = True
) -> Iterator[Event]:
    """The events of one month and day in every year of the archive (02-29: the leap years')."""
    days = _every_year(conn, month, day)
    rows = store.events_on_days(conn, days, newest_first=newest_first, contexts=contexts)
    return (row.event for row in rows)


def contexts(
    conn: sqlite3.Connection, text: str | None, *, sort: str = "count", limit: int | None = 50
) -> tuple[list[ContextCount], bool]:
    """Contexts whose name holds TEXT (any case), else those spelled nearly like it; and whether
    it fell back to near spellings."""
    found = store.contexts(conn, sort=sort, limit=limit, containing=text)
    if found or not text:
        return found, False
    near = set(_near_names(conn, text, limit=limit or 50, cutoff=80))
    every = store.contexts(conn, sort=sort)
    return [c for c in every if c.name in near][:limit], True


def _near_names(conn: sqlite3.Connection, text: str, *, limit: int, cutoff: float) -> list[str]:
    from rapidfuzz import fuzz, process, utils

    names = store.context_names(conn)
    # WRatio finds names holding a near spelling anywhere ("Kazakstan" in "Kazakhstan Air"); the
    # plain ratio then puts the names spelled most like the whole text first ("marz": Mars before
    # Mario Draghi).
    found = process.extract(
        text, names, scorer=fuzz.WRatio, processor=utils.default_process, limit=max(limit, 50), score_cutoff=cutoff
    )
    ranked = sorted(found, key=lambda f: (-fuzz.ratio(text, f[0], processor=utils.default_process), -f[1]))
    return [str(f[0]) for f in ranked[:limit]]


def known_contexts(conn: sqlite3.Connection, names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The contexts named (in any case), as the archive spells them; an unknown one is an error that
    names the three closest."""
    out: list[str] = []
    for name in names:
        context = store.context_named(conn, name)
        if context is None:
            near = _near_names(conn, name, limit=3, cutoff=50)
            hint = f"; did you mean: {', '.join(near)}" if near else ""
            raise UnknownContext(f"no context {quoted(name.strip())}{hint}")
        out.append(context.name)
    return tuple(out)


def fitting_period(first: str, last: str) -> str:
    """The period that draws a span in a screenful: years for decades, months for a year, days for a month."""
    days = (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days
    return "day" if days <= 62 else "month" if days <= 3 * 366 else "year"


# A timeline of up to this many periods counts each in SQLite (a query each, ~40 us); a longer one
# (days over years), or one of a prefix, reads the counted days once and sums them between the days
# that start each period.
_COUNT_EACH_MAX = 400


def timeline(
    conn: sqlite3.Connection, *, match: str | None, filters: Filters, by: str | None, query: str | None
) -> Timeline:
    """How many events (matching an FTS5 expression, passing the filters) fall in each period,
    with the empty periods between the first and last one given (or found) kept in."""
    span = store.day_span(conn)
    if span is None:
        return Timeline(query, by or "year", 0, [])
    found = store.counted_span(conn, match, filters)
    if by is None:  # decide from the span asked for, else from the events found
        if filters.first is not None and filters.last is not None:
            by = fitting_period(max(filters.first, span[0]), min(filters.last, span[1]))
        else:
            by = fitting_period(*found) if found else "year"
    if found is None:
        return Timeline(query, by, 0, [])
    first = filters.first if filters.first is not None and filters.first >= span[0] else found[0]
    last = filters.last if filters.last is not None and filters.last <= span[1] else found[1]
    labels = _periods(first, last, by)
    # A prefix (mar*) is spelled out over the whole index by each statement, whatever its days:
    # counted period by period, "a*" by month took 14 s instead of 0.4 s at 100k events.
    if len(labels) <= _COUNT_EACH_MAX and (match is None or "*" not in match):
        counts = store.count_each(conn, match, [_within(filters, label) for label in labels])
    else:
        counts = _summed(conn, match, filters, labels)
    return Timeline(query, by, sum(counts), list(zip(labels, counts, strict=True)))


def _within(filters: Filters, label: str) -> Filters:
    """The filters, narrowed to one period (a year, month or day, as its label names it)."""
    if len(label) == 4:
        first, last = f"{label}-01-01", f"{label}-12-31"
    elif len(label) == 7:
        first, last = f"{label}-01", f"{label}-{month_days(int(label[:4]), int(label[5:])):02d}"
    else:
        first = last = label
    return Filters(
        first if filters.first is None else max(first, filters.first),
        last if filters.last is None else min(last, filters.last),
        filters.contexts,
    )


def _summed(conn: sqlite3.Connection, match: str | None, filters: Filters, labels: list[str]) -> list[int]:
    """Each period's count from the count of every day, summed between the days that start each
    period (bisect on cumulative counts)."""
    days: list[str] | list[int]
    if match is None:  # a row per day at most
        by_day = store.counts_by_day(conn, filters)
        days = [day for day, _n in by_day]
        running = list(itertools.accumulate((n for _day, n in by_day), initial=0))
    else:  # a day number per match
        days = store.matched_days(conn, match, filters)
        running = list(range(len(days) + 1))

    def position(day: str) -> int:
        """How many of `days` come before this one."""
        if match is None:
            return bisect.bisect_left(days, day)
        return bisect.bisect_left(days, dt.date.fromisoformat(day).toordinal())

    # A period starts on its first day: 2003 on 2003-01-01, 2003-06 on 2003-06-01.
    starts = [position((label + "-01-01")[:10]) for label in labels] + [len(days)]
    return [running[starts[i + 1]] - running[starts[i]] for i in range(len(labels))]


def _periods(first: str, last: str, by: str) -> list[str]:
    """Every period from the one holding day `first` to the one holding `last`, each labelled as
    its days begin (years before 1000 too: 0999, 0999-12)."""
    if by == "year":
        return [f"{y:04d}" for y in range(int(first[:4]), int(last[:4]) + 1)]
    if by == "month":  # counted in months since year 0, so December 9999 ends it
        months = range(int(first[:4]) * 12 + int(first[5:7]) - 1, int(last[:4]) * 12 + int(last[5:7]))
        return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months]
    days = range(dt.date.fromisoformat(first[:10]).toordinal(), dt.date.fromisoformat(last[:10]).toordinal() + 1)
    return [dt.date.fromordinal(d).isoformat() for d in days]
