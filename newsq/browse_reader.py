"""Reading the cache for `newsq browse` off the UI thread: lanes of one thread and one SQLite
connection each, where the newest request wins, and the jobs they run."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from typing import NamedTuple

from newsq import explore, query, store
from newsq.errors import NewsqError, UnknownRef
from newsq.models import Event, Filters, Link, Row, Timeline

# What a list shows at most: enough to scroll through, few enough to build in milliseconds.
SEARCH_LIMIT = 100
LIST_LIMIT = 100


class Item(NamedTuple):
    """One row of a list: an event, and what the list says about it."""

    event: Event
    id: int | None  # None for a Related link to an event that is not in the archive
    why: str = ""  # the third column: topic, or why it is related
    marked: str | None = None  # the title with search matches between \x02 and \x03


class Listing(NamedTuple):
    """The rows of a view, with what was searched instead of what was typed."""

    items: list[Item]
    corrections: list[tuple[str, str]]


class Counted(NamedTuple):
    """How many events a view matches in all, by year (empty years between included)."""

    total: int
    periods: list[tuple[str, int]]


class Detail(NamedTuple):
    """An event in full, with its Related links (and whether each is in the archive), how many
    events link to it, and how many events each of its contexts has."""

    item: Item
    links: list[tuple[Link, bool]]
    linked_from: int
    context_counts: dict[str, int]


# A job reads with the lane's connection and yields what it found, in steps: a lane drops the
# steps of a job that a newer one replaced.
Job = Callable[[sqlite3.Connection], Iterator[object]]


class Failed(NamedTuple):
    """A request the archive cannot answer: a bad query, a damaged cache. Said in the status line."""

    message: str


class Lane:
    """A thread with its own connection that runs the newest job given to it. A job given while
    another runs interrupts that one (its answer is no longer wanted)."""

    def __init__(
        self,
        name: str,
        connect: Callable[[], sqlite3.Connection],
        deliver: Callable[[str, int, object], None],
    ) -> None:
        self.name = name
        self._connect = connect
        self._deliver = deliver  # (lane, token, result or Failed or BaseException or None for done)
        self._cond = threading.Condition()
        self._next: tuple[int, Job] | None = None
        self._token = 0
        self._conn: sqlite3.Connection | None = None
        self._running = False
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name=f"newsq-browse-{name}", daemon=True)
        self._thread.start()

    def submit(self, token: int, job: Job) -> None:
        with self._cond:
            self._next = (token, job)
            self._token = token
            if self._running and self._conn is not None:
                self._conn.interrupt()
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            if self._running and self._conn is not None:
                self._conn.interrupt()
            self._cond.notify()
        self._thread.join(timeout=5)

    def _current(self, token: int) -> bool:
        with self._cond:
            return token == self._token and not self._closed

    def _serve(self) -> None:
        try:
            self._conn = self._connect()
        except Exception as exc:  # told to the UI when the first job comes
            broken: BaseException | None = exc
        else:
            broken = None
        while True:
            with self._cond:
                while self._next is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    break
                assert self._next is not None
                token, job = self._next
                self._next = None
                self._running = True
            try:
                if broken is not None:
                    self._deliver(self.name, token, _failure(broken))
                else:
                    assert self._conn is not None
                    self._run(token, job, self._conn)
            finally:
                with self._cond:
                    self._running = False
            self._deliver(self.name, token, None)
        if self._conn is not None:
            self._conn.close()

    def _run(self, token: int, job: Job, conn: sqlite3.Connection) -> None:
        try:
            for step in job(conn):
                if not self._current(token):
                    return
                self._deliver(self.name, token, step)
        except sqlite3.OperationalError as exc:
            if str(exc) == "interrupted" and not self._current(token):
                return  # stopped for a newer job
            self._deliver(self.name, token, _failure(exc))
        except (NewsqError, sqlite3.Error) as exc:
            self._deliver(self.name, token, _failure(exc))
        except Exception as exc:  # a bug: the UI re-raises it, and the app ends with a message
            self._deliver(self.name, token, exc)


def _failure(exc: BaseException) -> Failed:
    if isinstance(exc, NewsqError):
        return Failed(str(exc))
    return Failed(f"the cache failed ({exc}); `newsq index --rebuild` makes it anew")


# --- jobs ----------------------------------------------------------------------------------------


def _item(row: Row) -> Item:
    return Item(row.event, row.id, row.event.topic or "")


def _items(rows: Iterator[Row] | list[Row]) -> list[Item]:
    return [_item(r) for r in rows]


# The lists below can grow (the user scrolled to their end): `count` is False when they were counted already.


def search_job(text: str, limit: int = SEARCH_LIMIT, count: bool = True) -> Job:
    def job(conn: sqlite3.Connection) -> Iterator[object]:
        match, corrections = query.fts_match(conn, text)
        hits = store.search(conn, match, Filters(), limit=limit)
        items = [Item(row.event, row.id, row.event.topic or "", marked) for row, _score, _snip, marked in hits]
        yield Listing(items, corrections)
        # Counting every match can take a second on a million events: after the rows are shown.
        if count:
            yield _counted(explore.timeline(conn, match=match, filters=Filters(), by="year", query=text))

    return job


def latest_job(limit: int = LIST_LIMIT, count: bool = True) -> Job:
    def job(conn: sqlite3.Connection) -> Iterator[object]:
        yield Listing(_items(store.latest_events(conn, limit)), [])
        if count:
            yield _counted(explore.timeline(conn, match=None, filters=Filters(), by="year", query=None))

    return job


def context_job(name: str, limit: int = LIST_LIMIT, count: bool = True) -> Job:
    def job(conn: sqlite3.Connection) -> Iterator[object]:
        yield Listing(_items(store.events_with_context(conn, name, limit)), [])
        if count:
            filters = Filters(contexts=(name,))
            yield _counted(explore.timeline(conn, match=None, filters=filters, by="year", query=None))

    return job


def day_job(day: str) -> Job:
    def job(conn: sqlite3.Connection) -> Iterator[object]:
        yield Listing(_items(store.events_filtered(conn, Filters(day, day))), [])

    return job


def same_day_job(day: str) -> Job:
    month, mday = int(day[5:7]), int(day[8:10])

    def job(conn: sqlite3.Connection) -> Iterator[object]:
        events = list(explore.on_this_day(conn, month, mday, newest_first=True))
        # on_this_day gives events without their ids: found again by slug and day when opened.
        yield Listing([Item(e, None, e.topic or "") for e in events], [])

    return job


def related_job(item: Item) -> Job:
    def job(conn: sqlite3.Connection) -> Iterator[object]:
        row = _row_of(conn, item)
        if row is None:
            raise UnknownRef("this event is not in the archive: it has no related events to list")
        items = []
        for rel in query.related_to(conn, row, limit=LIST_LIMIT):
            shared = rel.shared_contexts
            why = " + ".join(rel.reasons) + (": " + ", ".join(shared) if shared else "")
            items.append(Item(rel.event, None if rel.in_archive else -1, why))
        yield Listing(items, [])

    return job


def detail_job(item: Item) -> Job:
    def job(conn: sqlite3.Connection) -> Iterator[object]:
        row = _row_of(conn, item)
        if row is None:
            yield Detail(item, [], 0, {})
            return
        # What `show` says: links to a slug cut at another length name their event, both ways.
        details = query.details(conn, row)
        links = [
            (Link(rel.event.slug, rel.event.day or None, rel.event.title, rel.shared_contexts), rel.in_archive)
            for rel in details.related
        ]
        event, linked_from = row.event, details.linked_from
        counts = {}
        for name in event.contexts:
            found = store.context_named(conn, name)
            counts[name] = found.events if found is not None else 0
        yield Detail(Item(event, row.id, item.why, item.marked), links, linked_from, counts)

    return job


def _row_of(conn: sqlite3.Connection, item: Item) -> Row | None:
    """The stored event an item shows: by id, else by slug and day (None: not in the archive)."""
    if item.id is not None and item.id >= 0:
        return store.event_by_id(conn, item.id)
    if item.id == -1 or not item.event.day:
        return None
    rows = store.events_by_slug(conn, item.event.slug, item.event.day)
    return rows[0] if rows else None


def _counted(timeline: Timeline) -> Counted:
    return Counted(timeline.total, list(timeline.periods))
