"""Dates as people type them, and the span `on` lists."""

from __future__ import annotations

import datetime as dt

import pytest

from newsq import dates
from newsq.dates import DaySpan
from newsq.errors import BadDate


@pytest.mark.parametrize(
    ("text", "month_day"),
    [
        ("06-02", (6, 2)),
        ("6-2", (6, 2)),
        ("06/02", (6, 2)),
        ("June 2", (6, 2)),
        ("june 2nd", (6, 2)),
        ("2 June", (6, 2)),
        ("2nd Jun", (6, 2)),
        ("02-29", (2, 29)),
        ("Feb 29", (2, 29)),
        ("12-31", (12, 31)),
    ],
)
def test_a_day_without_a_year_is_that_day_in_every_year(text: str, month_day: tuple[int, int]) -> None:
    assert dates.day_span(text) == DaySpan(None, None, month_day)


@pytest.mark.parametrize("text", ["02-30", "13-01", "00-10", "04-31", "June 31", "31 Smarch"])
def test_an_impossible_day_of_the_year_is_an_error(text: str) -> None:
    with pytest.raises(BadDate):
        dates.day_span(text)


def test_every_year_turns_a_full_date_into_its_day() -> None:
    assert dates.day_span("2003-06-02", every_year=True) == DaySpan(None, None, (6, 2))
    assert dates.day_span("June 2, 2003", every_year=True).month_day == (6, 2)
    today = dt.date.today()
    assert dates.day_span("today", every_year=True).month_day == (today.month, today.day)
    with pytest.raises(BadDate, match="needs a day"):
        dates.day_span("2003-06", every_year=True)
    with pytest.raises(BadDate, match="--to cannot"):
        dates.day_span("06-02", "2004")


def test_today_and_yesterday_are_dates_everywhere() -> None:
    today = dt.date.today()
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert dates.parse_date("today") == (today.isoformat(), today.isoformat())
    assert dates.parse_date(" Yesterday ") == (yesterday, yesterday)
    assert dates.date_bounds("yesterday", "today") == (yesterday, today.isoformat())
    assert dates.day_span("2003", "today") == DaySpan("2003-01-01", today.isoformat())


def test_years_are_not_days_of_the_year() -> None:
    assert dates.day_span("2003") == DaySpan("2003-01-01", "2003-12-31")
    assert dates.day_span("2003-06") == DaySpan("2003-06-01", "2003-06-30")


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("9999-12", ("9999-12-01", "9999-12-31")),  # before: "no such date" (its next month is past the calendar)
        ("Dec 9999", ("9999-12-01", "9999-12-31")),
        ("0001-01", ("0001-01-01", "0001-01-31")),
        ("2004-02", ("2004-02-01", "2004-02-29")),
        ("1900-02", ("1900-02-01", "1900-02-28")),
    ],
)
def test_a_month_ends_on_its_last_day_up_to_the_calendar_s_last(text: str, span: tuple[str, str]) -> None:
    assert dates.parse_date(text) == span
