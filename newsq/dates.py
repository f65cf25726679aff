"""Dates as people type them: a day, a month, a year, today, a day of every year; --from/--to bounds."""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from newsq.errors import BadDate, quoted

_MONTH_NAMES = "january february march april may june july august september october november december".split()  # noqa: SIM905
_MONTHS = {name: i for i, name in enumerate(_MONTH_NAMES, 1)} | {n[:3]: i for i, n in enumerate(_MONTH_NAMES, 1)}
_MONTHS["sept"] = 9
_ORDINAL = r"(?:st|nd|rd|th)?"
_FORMS = "use 2003-06-02, 'June 2, 2003', 2003-06, 2003, today, or 06-02 for that day in every year"


class DaySpan(NamedTuple):
    """What `on` lists: a span of days, or one month and day in every year (`first` and `last` None)."""

    first: str | None
    last: str | None
    month_day: tuple[int, int] | None = None


def _today() -> dt.date:
    return dt.date.today()


def month_days(year: int, month: int) -> int:
    """How many days a month has. (Not from the next month's first day: December 9999 has no next
    month. Nor from the calendar module: 1 ms of every command's start.)"""
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _span(raw: str, year: int, month: int | None = None, day: int | None = None) -> tuple[str, str]:
    try:
        if month is None:
            return dt.date(year, 1, 1).isoformat(), dt.date(year, 12, 31).isoformat()
        if day is None:
            first = dt.date(year, month, 1)
            return first.isoformat(), first.replace(day=month_days(year, month)).isoformat()
        one = dt.date(year, month, day).isoformat()
    except (ValueError, OverflowError):
        raise BadDate(f"no such date: {quoted(raw)}") from None
    return one, one


def _month(name: str, raw: str) -> int:
    if name not in _MONTHS:
        raise BadDate(f"cannot read the month in {quoted(raw)}")
    return _MONTHS[name]


def parse_date(text: str) -> tuple[str, str]:
    """The first and last ISO day a user's date covers: a day, a month or a year.

    Accepts 2003-06-02, 2003-06-2, 2003/06/02, 20030602, June 2, 2003, 2 June 2003, Jun 2003,
    2003-06, 2003/06, 2003, today and yesterday.
    """
    raw = text.strip()
    low = raw.lower().replace(",", " ").replace(".", " ").strip()
    nums = r"(\d{4})[-/.](\d{1,2})"
    if low in ("today", "yesterday"):
        day = (_today() - dt.timedelta(days=1 if low == "yesterday" else 0)).isoformat()
        return day, day
    if (m := re.fullmatch(nums + r"[-/.](\d{1,2})", raw)) or (m := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", raw)):
        return _span(raw, int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(nums, raw):
        return _span(raw, int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d{4})", raw):
        return _span(raw, int(m[1]))
    if m := re.fullmatch(rf"([a-z]+)\s+(\d{{1,2}}){_ORDINAL}\s+(\d{{4}})", low):
        return _span(raw, int(m[3]), _month(m[1], raw), int(m[2]))
    if m := re.fullmatch(rf"(\d{{1,2}}){_ORDINAL}\s+([a-z]+)\s+(\d{{4}})", low):
        return _span(raw, int(m[3]), _month(m[2], raw), int(m[1]))
    if m := re.fullmatch(r"([a-z]+)\s+(\d{4})", low):
        return _span(raw, int(m[2]), _month(m[1], raw))
    raise BadDate(f"cannot read the date {quoted(raw)}: {_FORMS}")


def parse_month_day(text: str) -> tuple[int, int] | None:
    """(month, day) of a date typed without a year (06-02, 6/2, June 2, 2 June), else None.
    02-29 is a day (of the leap years); 02-30 and 13-01 are errors."""
    raw = text.strip()
    low = raw.lower().replace(",", " ").replace(".", " ").strip()
    if m := re.fullmatch(r"(\d{1,2})[-/](\d{1,2})", raw):
        month, day = int(m[1]), int(m[2])
    elif m := re.fullmatch(rf"([a-z]+)\s+(\d{{1,2}}){_ORDINAL}", low):
        month, day = _month(m[1], raw), int(m[2])
    elif m := re.fullmatch(rf"(\d{{1,2}}){_ORDINAL}\s+([a-z]+)", low):
        month, day = _month(m[2], raw), int(m[1])
    else:
        return None
    try:
        dt.date(2000, month, day)  # a leap year: every month-day that exists in some year
    except ValueError:
        raise BadDate(f"no such day of the year: {quoted(raw)}") from None
    return month, day


def day_span(when: str, to: str | None = None, *, every_year: bool = False) -> DaySpan:
    """What `on WHEN [--to TO] [--every-year]` lists."""
    month_day = parse_month_day(when)
    if month_day is None and every_year:
        first, last = parse_date(when)
        if first != last:
            raise BadDate(f"--every-year needs a day, not {quoted(when)}")
        month_day = int(first[5:7]), int(first[8:10])
    if month_day is not None:
        if to is not None:
            raise BadDate(f"--to cannot end a day of every year ({quoted(when)})")
        return DaySpan(None, None, month_day)
    return DaySpan(*date_range(when, to))


def date_range(when: str, to: str | None) -> tuple[str, str]:
    """From the start of `when` to the end of `to` (or of `when`)."""
    first, last = parse_date(when)
    if to is not None:
        last = parse_date(to)[1]
        if last < first:
            raise BadDate(f"--to {quoted(to)} is before {quoted(when)}")
    return first, last


def date_bounds(from_: str | None, to: str | None) -> tuple[str | None, str | None]:
    """The first and last ISO day of a --from/--to filter (None where not given): every command
    that filters by date reads its options here."""
    first = parse_date(from_)[0] if from_ is not None else None
    last = parse_date(to)[1] if to is not None else None
    if first is not None and last is not None and last < first:
        raise BadDate(f"--to {quoted(to or '')} is before --from {quoted(from_ or '')}")
    return first, last
