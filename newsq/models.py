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
    listed_in: str = ""  # the day page or front page that lists it ("" when not known)


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
