"""Plain data that flows from the parser to the store and from the store to rendering."""

from __future__ import annotations

from typing import NamedTuple


class Source(NamedTuple):
    """A numbered news source under `### Source:`."""

    name: str
    url: str


class Link(NamedTuple):
    """A link to another event: a Related item, or a Changes entry."""

    slug: str
    day: str | None  # ISO date taken from the link's path
    title: str
    contexts: tuple[str, ...] = ()  # for Related: the contexts the two events share


class DayItem(NamedTuple):
    """One `### [title](link)` item of a day page or the front page."""

    slug: str
    day: str
    title: str
    topic: str | None
    contexts: tuple[str, ...] | None  # None when the item carries a summary line instead
    summary: str | None


class EventPage(NamedTuple):
    """What one event page says about its event."""

    slug: str
    day: str
    path: str
    title: str | None
    topic: str | None
    summary: str | None
    sources: tuple[Source, ...] = ()
    related: tuple[Link, ...] = ()
    changes: tuple[Link, ...] = ()
    contexts: tuple[str, ...] = ()  # from front matter only


class ParsedFile(NamedTuple):
    """The parse of one archive file: an event page, or the items of a day-like page."""

    path: str
    page: EventPage | None = None
    items: tuple[DayItem, ...] = ()
    warnings: tuple[str, ...] = ()


class Event(NamedTuple):
    """One event, merged from its page(s) and the day pages that list it."""

    slug: str
    day: str
    title: str
    topic: str | None = None
    contexts: tuple[str, ...] = ()
    summary: str | None = None
    sources: tuple[Source, ...] = ()
    aliases: tuple[str, ...] = ()
    path: str | None = None
    related: tuple[Link, ...] = ()


class Hit(NamedTuple):
    """A search match, best first."""

    event: Event
    score: float
    snippet: str  # the best matching passage, matches between \x02 and \x03
    marked_title: str  # the title, matches between \x02 and \x03


class SearchResult(NamedTuple):
    hits: list[Hit]
    corrections: list[tuple[str, str]]  # (what the user typed, what was searched instead)


class Related(NamedTuple):
    """An event related to another, and why."""

    event: Event
    reason: str  # links-to, linked-from, shared-context
    shared: tuple[str, ...]
    in_archive: bool = True
