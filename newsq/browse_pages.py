"""The views of `newsq browse` and its history of them: what each view lists, what it reads, what
its header calls it; and, per page of the history, what was read and where the cursor was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from newsq import browse_reader as reader
from newsq import browse_view as view
from newsq.errors import quoted

# Views whose total is counted by a query of its own, after their rows are read.
COUNTED_KINDS = ("search", "latest", "context")
# A long list grows as the user scrolls to its end, up to this (ranking a search costs the same
# for any page; building each row is what grows).
MAX_ROWS = 20_000


class View(NamedTuple):
    """What a list shows: kind is latest, search, related, day, years or context."""

    kind: str
    arg: str  # the query, the day or the context name
    label: str  # what the header calls it
    about: reader.Item | None = None  # the event a related list is about


class Page:
    """A view in the history, with what was read for it and where its cursor was."""

    def __init__(self, shown: View, *, near: reader.Item | None = None, opened: bool = False) -> None:
        self.view = shown
        self.items: list[reader.Item] | None = None  # None until read
        self.corrections: list[tuple[str, str]] = []
        self.counted: reader.Counted | None = None
        self.error: str | None = None
        self.cursor = 0
        self.near = near  # the event to put the cursor on once read (the one `d` or `y` came from)
        self.opened = opened  # the selected event fills the screen

    def opened_copy(self) -> Page:
        page = Page(self.view, opened=True)
        page.items, page.corrections, page.counted, page.error = self.items, self.corrections, self.counted, self.error
        page.cursor = self.cursor
        return page

    def counts(self) -> tuple[int | None, list[tuple[str, int]]]:
        """How many events the view has in all (None: not known yet), and how many each year."""
        if self.items is None:
            return None, []
        if self.counted is not None:
            return self.counted.total, self.counted.periods
        if self.view.kind in COUNTED_KINDS:  # counted after the rows are read
            return (None if self.error is None else 0), []
        return len(self.items), years(self.items)

    def status(self, otherwise: str) -> str:
        """What the status line says of the page: an error, the typos corrected; else `otherwise`."""
        if self.error:
            return f"error: {self.error}"
        fixed = "; ".join(f"no match for {quoted(t)}: searched {used!r} instead" for t, used in self.corrections)
        if fixed:
            return fixed
        if self.items is None:
            return "reading…"
        if self.view.kind == "search" and not self.items:
            return f"nothing found for {quoted(self.view.arg)}"
        return otherwise

    def more_to_list(self) -> int | None:
        """How many rows to read when the cursor reached the last one, if the view has more."""
        if self.items is None or self.counted is None or self.view.kind not in COUNTED_KINDS:
            return None
        if len(self.items) >= min(self.counted.total, MAX_ROWS):
            return None
        return min(len(self.items) * 2, MAX_ROWS)

    def empty_hint(self) -> str:
        """What the detail pane says when the list is empty."""
        if self.items is None:
            return "Reading…"
        if self.error:
            return self.error
        if self.view.kind == "search":
            return f"Nothing found for {quoted(self.view.arg)}."
        return "Nothing to list."

    @property
    def selected(self) -> reader.Item | None:
        if not self.items:
            return None
        return self.items[min(self.cursor, len(self.items) - 1)]


def key(item: reader.Item) -> tuple[str, str]:
    """What tells events apart across lists (some lists have no database ids)."""
    return item.event.slug, item.event.day


def years(items: list[reader.Item]) -> list[tuple[str, int]]:
    """Events per year of a list, the empty years between its first and last included."""
    counts: dict[int, int] = {}
    for item in items:
        if item.event.day[:4].isdigit():
            year = int(item.event.day[:4])
            counts[year] = counts.get(year, 0) + 1
    if not counts:
        return []
    return [(str(y), counts.get(y, 0)) for y in range(min(counts), max(counts) + 1)]


def search_view(text: str) -> View:
    return View("search", text, f"Search: {text}")


def latest_view() -> View:
    return View("latest", "", "Newest events")


def related_view(item: reader.Item) -> View:
    return View("related", f"{item.event.day}/{item.event.slug}", f"Related to: {view.plain(item.event.title)}", item)


def day_view(day: str) -> View:
    return View("day", day, f"{day}, {view.weekday(day)}")


def years_view(day: str) -> View:
    return View("years", day[5:], f"{view.month_day(day)} in every year")


def context_view(name: str) -> View:
    return View("context", name, f"Context: {view.plain(name)}")


def job_for(shown: View, limit: int | None = None) -> reader.Job:
    """What reads the events of a view; with a limit, more of a long list (counted already)."""
    rows, count = (
        (reader.SEARCH_LIMIT if shown.kind == "search" else reader.LIST_LIMIT, True)
        if limit is None
        else (limit, False)
    )
    jobs: dict[str, Callable[[], Any]] = {
        "latest": lambda: reader.latest_job(rows, count),
        "search": lambda: reader.search_job(shown.arg, rows, count),
        "day": lambda: reader.day_job(shown.arg),
        "years": lambda: reader.same_day_job("0000-" + shown.arg),
        "context": lambda: reader.context_job(shown.arg, rows, count),
        "related": lambda: reader.related_job(shown.about) if shown.about is not None else None,
    }
    job: reader.Job = jobs[shown.kind]()
    return job
