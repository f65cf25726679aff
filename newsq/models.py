"""Plain data that flows from the parser to the store and from the store to rendering."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple


class Source(NamedTuple):
    """A numbered news source under `### Source:`."""

    name: str
    url: str


class Link(NamedTuple):
    """A link to another event: a Related item, or a Changes entry."""

    slug: str
    day: str | None  # ISO date taken from the link's path
    title: str
    shared_contexts: tuple[str, ...] = ()  # for Related: the contexts the two events share


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


class Filters(NamedTuple):
    """What every listing of events can be narrowed by: days (ISO, inclusive) and contexts (all must hold)."""

    first: str | None = None
    last: str | None = None
    contexts: tuple[str, ...] = ()


class ContextCount(NamedTuple):
    """A context as the archive knows it: its commonest spelling, its events, first and last day."""

    name: str
    events: int
    first: str
    last: str


class Timeline(NamedTuple):
    """How many events fall in each period (empty periods inside the range included)."""

    query: str | None
    by: str  # year, month or day
    total: int
    periods: list[tuple[str, int]]


class Row(NamedTuple):
    """An event as stored, with its database id."""

    id: int
    event: Event


# --- the archive and the cache ---------------------------------------------------------------------


class Archive(NamedTuple):
    """Where an archive is: `root` holds `news/` (or is a bare tree of year folders: prefix `news/`)."""

    root: Path
    prefix: str  # prepended to paths under root so they always read `news/...`

    @property
    def key(self) -> str:
        """What the cache records as its archive. A folder name that is not UTF-8 (surrogate
        escapes) must still give storable text."""
        return os.fsencode(str(self.root)).decode("utf-8", "backslashreplace") + ("#news" if self.prefix else "")


class ArchiveFile(NamedTuple):
    """A page found by the walk."""

    path: str  # relative, always `news/...` or a front page name
    real: str  # where to read it
    mtime_ns: int
    size: int
    ctime_ns: int  # changes with any write, and no tool sets it back: catches edits that kept mtime and size


# Every folder's state as `newsq index` records it: folder -> (its mtime, archive.pages_key of its
# pages); and the folders whose state moved, with their pages.
Dirs = dict[str, tuple[int, int | None]]
Moved = dict[str, list[ArchiveFile]]


class FileRecord(NamedTuple):
    """A file as the cache knows it."""

    path: str
    dir: str
    mtime_ns: int
    size: int
    ctime_ns: int
    days: tuple[str, ...]
    warnings: tuple[str, ...]
    grouping_key: int | None = None  # merge.grouping_key of its page


# An event as the store writes it, encoded where it was merged (a worker process), so that the one
# process that writes the cache only hands it to SQLite: its columns after id, day and ord (the last its
# Related links as JSON, or None); its slugs (its own, then its aliases); its contexts; the keys its
# links are found by. Plain tuples: they cross from the workers several times faster than Events.
StoredEvent = tuple[tuple[Any, ...], tuple[str, ...], tuple[str, ...], tuple[int, ...]]


class IndexStats:
    """What an index run did, for the one-line summary. (A plain class, not a dataclass, on the
    query path: a dataclass costs half a millisecond to define at every start.)"""

    def __init__(self, full: bool = False) -> None:
        self.files_read = 0
        self.files = 0
        self.events = 0
        self.days = 0
        self.contexts = 0
        self.warnings: list[tuple[str, str]] = []
        self.full = full
        self.saved = True  # False when indexed into memory only (the cache folder is not writable)
        self.seconds = 0.0


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
    """An event related to another, and why: links-to (its Related list names it), linked-from (its
    Related list names this one), both (mutual), or shared-context."""

    event: Event
    reasons: tuple[str, ...]
    shared_contexts: tuple[str, ...]
    in_archive: bool = True  # False for a Related link whose page the archive lacks

    @property
    def reason(self) -> str:
        return self.reasons[0]


class Details(NamedTuple):
    """One event in full, with its own Related items and how many events link to it."""

    event: Event
    related: list[Related]
    linked_from: int


# --- choosing the archive, exporting, and what `newsq info` tells ------------------------------------


class ConfigFile(NamedTuple):
    """The config file newsq reads (it may not exist), and what it says."""

    path: Path
    exists: bool
    archive: str | None = None  # as written, `~` not yet expanded
    archive_line: int | None = None  # where it is written, for messages


class ArchiveChoice(NamedTuple):
    """The archive a command uses, and how it was chosen."""

    archive: Archive
    how: str  # "flag" (--archive), "env" (NEWSQ_ARCHIVE), "config" (config.toml) or "sample"
    given: str  # the path as given (the sample's folder for "sample")
    config: ConfigFile | None  # the config file looked at (None when the flag or env decided first)


class RelatedLink(NamedTuple):
    """One Related link of an event as exported: where it points, and whether the archive has it."""

    source_slug: str
    source_day: str
    slug: str
    day: str | None
    title: str
    in_archive: bool
    shared_contexts: tuple[str, ...]


EXPORT_KINDS = ("events", "links", "contexts")
EXPORT_FORMATS = ("jsonl", "csv", "parquet")


class Selection(NamedTuple):
    """Which events an export takes: the filters, and an FTS5 expression they must match (or None)."""

    filters: Filters = Filters()
    match: str | None = None


class CacheInfo(NamedTuple):
    """What an archive's cache holds, read without building or changing it."""

    path: Path
    exists: bool
    size: int  # bytes, with its -wal file
    state: str  # "ok", "missing", or why it cannot be used (it is rebuilt by the next command)
    schema_version: str | None = None
    indexed_at: str | None = None  # ISO 8601, UTC
    files: int = 0
    events: int = 0
    days: int = 0
    contexts: int = 0
    span: tuple[str, str] | None = None
    warnings: tuple[tuple[str, str], ...] = ()  # (path, reason) of the pages indexed with a problem
    changed_folders: int = 0  # folders changed on disk since the cache was made
