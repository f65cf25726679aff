"""Opening the archive's cache for a command: built or refreshed as the command asks, with a
progress bar on a terminal, and the folders of what it is about to show checked first."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsq import render
from newsq.streams import Env, say

if TYPE_CHECKING:
    from newsq.cache import Cache, Opened
    from newsq.indexer import Progress
    from newsq.models import Row


# Why this command's cache is being rebuilt, when a damaged one was dropped in the middle of it.
rebuilt_because: ContextVar[str | None] = ContextVar("rebuilt_because", default=None)


def cache_of(archive: Path | None, progress: "Progress | None" = None) -> "Cache":
    from newsq.archive import choose_archive
    from newsq.cache import Cache

    found = choose_archive(archive).archive
    return Cache(found, progress=progress, on_wait=lambda: say("waiting for another newsq index..."))


@contextmanager
def archive_cache(archive: Path | None, refresh: str = "quick", check: str = "every") -> Iterator["Opened"]:
    """The archive's cache, open for a command: built or refreshed as `refresh` and `check` ask
    (cache.Check: which folders a query looks at first), notes said on stderr."""
    # A query that has to build or refresh the cache shows the bar `newsq index` shows, on a
    # terminal, rather than seconds of silence; it appears only once indexing starts.
    progress, stop = progress_bar(Env(), lazy=True)
    try:
        opened = cache_of(archive, progress).open(refresh, check)
    finally:
        stop()
    notes = [why] if (why := rebuilt_because.get()) else []
    notes += opened.notes
    if opened.stats is not None and opened.stats.full:
        notes.append(render.index_summary(opened.stats))
    if notes:  # one line: why the cache was (re)built, and what building it did
        say("; ".join(notes))
    said = len(opened.notes)
    try:
        yield opened
    finally:
        opened.conn.close()
        if len(opened.notes) > said:  # what confirming the command's days found
            say("; ".join(opened.notes[said:]))


def resolved(cache: "Opened", ref: str) -> "Row":
    """The event a REF names, its day's folders checked first. A REF the cache does not know (or
    no longer finds once its day is read again: the page moved) has every folder checked before
    it is called unknown: its page may have just been added, or moved to another day."""
    from newsq import query
    from newsq.errors import UnknownRef

    try:
        row = query.resolve(cache.conn, ref)
        if not cache.confirm([row.event.day]):
            return row
        return query.resolve(cache.conn, ref)
    except UnknownRef:
        if not cache.confirm(None):
            raise
    return query.resolve(cache.conn, ref)


def progress_bar(env: Env, lazy: bool = False, what: str = "indexing") -> tuple[Any, Callable[[], None]]:
    """A Rich progress bar on stderr when stderr is a terminal; nothing otherwise. lazy: drawn
    only from the first progress call (a query that needs no indexing shows nothing)."""
    if not env.stderr.isatty():
        return None, lambda: None
    bar: Any = None
    task: Any = None

    def start() -> None:
        nonlocal bar, task
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        bar = Progress(
            what,
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=env.console(stderr=True),
            transient=True,
        )
        task = bar.add_task(what, total=None)
        bar.start()

    def advance(done: int, total: int | None = None) -> None:
        if bar is None:
            start()
        bar.update(task, completed=done, total=total or None)  # a full index streams: no total

    def stop() -> None:
        if bar is not None:
            bar.stop()

    if not lazy:
        start()
    return advance, stop
