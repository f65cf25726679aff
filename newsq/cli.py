"""The newsq command line: read options, call the core, hand results to render. No SQL here."""

import functools
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional, TypeVar

import typer

from newsq import render
from newsq.errors import Exit, NewsqError, quoted

if TYPE_CHECKING:
    from newsq.cache import Cache
    from newsq.indexer import Progress

app = typer.Typer(
    name="newsq",
    help="Query a Context-style markdown news archive: what happened on a day, full-text search, "
    "related events. Example: newsq search Mars",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ArchiveOpt = Annotated[
    Optional[Path],  # noqa: UP045 - Typer reads this annotation at run time
    typer.Option(
        "--archive",
        "-a",
        envvar="NEWSQ_ARCHIVE",
        show_envvar=True,
        help="Archive folder (the one holding news/, or news/ itself). Default: the bundled sample.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON array (one object for show).")]
JsonlOpt = Annotated[bool, typer.Option("--jsonl", help="Print JSON Lines: one object per line, streamed.")]
TableOpt = Annotated[bool, typer.Option("--table", help="Draw the table even when stdout is not a terminal.")]
LimitOpt = Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most N events.")]

F = TypeVar("F", bound=Callable[..., Any])


def handled(func: F) -> F:
    """One exit point: user errors become one line and exit 2; Ctrl-C 130; a closed pipe is quiet."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # An argument holding bytes that are not UTF-8 (surrogate escapes) cannot reach SQLite or stdout.
        kwargs = {k: _valid_text(v) if isinstance(v, str) else v for k, v in kwargs.items()}
        stdout = sys.stdout
        watched = _Watched(stdout)
        sys.stdout = watched
        try:
            try:
                return func(*args, **kwargs)
            except sqlite3.DatabaseError as exc:
                # A damaged cache met before any output: drop it and answer once more from a rebuilt one.
                if isinstance(exc, sqlite3.OperationalError) or watched.used:
                    raise
                _cache_of(kwargs.get("archive")).drop()
                token = _rebuilt_because.set(f"cache unusable ({exc}); rebuilding")
                try:
                    return func(*args, **kwargs)
                finally:
                    _rebuilt_because.reset(token)
        except NewsqError as exc:
            _message(f"error: {exc}")
            raise typer.Exit(exc.code) from None
        except KeyboardInterrupt:
            _message("interrupted")
            raise typer.Exit(Exit.INTERRUPTED) from None
        except BrokenPipeError:
            _quiet_stdout()
            raise typer.Exit(Exit.FOUND) from None
        except sqlite3.DatabaseError as exc:
            _message(f"error: the cache failed ({exc}); `newsq index --rebuild` makes it anew")
            raise typer.Exit(Exit.ERROR) from None
        finally:
            sys.stdout = stdout

    return wrapper  # type: ignore[return-value]


class _Watched:
    """stdout, noting whether a command wrote anything yet (only then is a retry safe)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.used = False

    def write(self, text: str) -> int:
        self.used = True
        return int(self._stream.write(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _valid_text(text: str) -> str:
    """Text as typed, with bytes that were not UTF-8 (and lone surrogates) turned into U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _message(text: str) -> None:
    try:
        sys.stderr.write(f"newsq: {render.safe(text)}\n")
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass


def _quiet_stdout() -> None:
    """After `| head` closed the pipe: point stdout at /dev/null so the exit flush is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _mode(json_: bool, jsonl: bool, table: bool) -> str:
    if json_ and jsonl:
        raise NewsqError("--json and --jsonl cannot be used together")
    if json_ or jsonl:
        return "jsonl" if jsonl else "json"
    return "table" if table or sys.stdout.isatty() else "lines"


# Why this command's cache is being rebuilt, when a damaged one was dropped in the middle of it.
_rebuilt_because: ContextVar[str | None] = ContextVar("rebuilt_because", default=None)


def _cache_of(archive: Path | None, progress: "Progress | None" = None) -> "Cache":
    from newsq.archive import bundled_sample, find_archive
    from newsq.cache import Cache

    found = find_archive(archive if archive is not None else bundled_sample())
    return Cache(found, progress=progress, on_wait=lambda: _message("waiting for another newsq index..."))


@contextmanager
def _cache(archive: Path | None, refresh: str = "quick") -> Iterator[sqlite3.Connection]:
    opened = _cache_of(archive).open(refresh)
    notes = [why] if (why := _rebuilt_because.get()) else []
    notes += opened.notes
    if opened.stats is not None and opened.stats.full:
        notes.append(render.index_summary(opened.stats))
    if notes:  # one line: why the cache was (re)built, and what building it did
        _message("; ".join(notes))
    try:
        yield opened.conn
    finally:
        opened.conn.close()


def _done(count: int) -> None:
    raise typer.Exit(Exit.FOUND if count else Exit.NOTHING)


@app.command()
@handled
def index(
    archive: ArchiveOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every warning.")] = False,
    json_: Annotated[
        bool, typer.Option("--json", help="Print the summary and every warning as one JSON object.")
    ] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Read every page again, from scratch.")] = False,
) -> None:
    """Build or refresh the cache: re-read pages whose size, mtime or ctime changed (--rebuild: all).

    Example: newsq index --archive ~/thecontext    newsq index --json | jq .warnings
    """
    progress, stop = _progress_bar()
    try:
        opened = _cache_of(archive, progress).open("rebuild" if rebuild else "full")
    finally:
        stop()
    for note in opened.notes:
        _message(note)
    stats = opened.stats
    opened.conn.close()
    if stats is None:
        return
    _message(render.index_summary(stats))
    if json_:
        render.write_object(render.stats_object(stats))
    if verbose:
        for path, reason in stats.warnings:
            _message(f"warning: {path}: {reason}")


def _progress_bar() -> tuple[Any, Callable[[], None]]:
    """A Rich progress bar on stderr when stderr is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(
        "indexing",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=render.console(stderr=True),
        transient=True,
    )
    task = bar.add_task("files", total=None)
    bar.start()

    def advance(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total or None)  # a full index streams: no total

    return advance, bar.stop


@app.command()
@handled
def on(
    date: Annotated[str, typer.Argument(help="A day (2003-06-02, 'June 2, 2003'), a month (2003-06) or a year.")],
    to: Annotated[Optional[str], typer.Option("--to", help="End of a range: a day, month or year.")] = None,  # noqa: UP045
    archive: ArchiveOpt = None,
    json_: JsonOpt = False,
    jsonl: JsonlOpt = False,
    table: TableOpt = False,
) -> None:
    """What happened on a day, in a month or a year, or over a range.

    Example: newsq on 2003-06-02    newsq on 2003-06 --to 2004-01 --json
    """
    from newsq import query

    mode = _mode(json_, jsonl, table)
    query.date_range(date, to)  # a bad date is an error before any indexing
    with _cache(archive) as conn:
        events = query.events_on(conn, date, to)
        if mode in ("json", "jsonl"):
            count = render.write_json((render.event_object(e) for e in events), lines=mode == "jsonl")
        elif mode == "table":
            count = render.events_table(events, render.console())
        else:
            count = render.write_lines((e.day, e.slug, e.title) for e in events)
    if not count and mode != "json":
        _message(f"nothing found for {date}" + (f" to {to}" if to else ""))
    _done(count)


@app.command()
@handled
def search(
    query_text: Annotated[
        str, typer.Argument(metavar="QUERY", help='Words (all must match), "a phrase", or a prefix like mar*.')
    ],
    archive: ArchiveOpt = None,
    json_: JsonOpt = False,
    jsonl: JsonlOpt = False,
    table: TableOpt = False,
    limit: LimitOpt = 20,
    from_: Annotated[Optional[str], typer.Option("--from", help="Only events on or after this date.")] = None,  # noqa: UP045
    to: Annotated[Optional[str], typer.Option("--to", help="Only events on or before this date.")] = None,  # noqa: UP045
    context: Annotated[Optional[str], typer.Option("--context", "-c", help="Only events with this context.")] = None,  # noqa: UP045
    exact: Annotated[bool, typer.Option("--exact", help="Do not correct words that match nothing.")] = False,
    raw: Annotated[bool, typer.Option("--raw", help="Pass QUERY to SQLite FTS5 as it is (its own syntax).")] = False,
) -> None:
    """Ranked full-text search over titles, summaries, topics and contexts, forgiving typos.

    Example: newsq search Mars    newsq search '"Mars Express"' --from 2003 --json
    """
    from newsq import query

    mode = _mode(json_, jsonl, table)
    first, last = query.date_bounds(from_, to)
    with _cache(archive) as conn:
        result = query.search(
            conn, query_text, raw=raw, exact=exact, first=first, last=last, context=context, limit=limit
        )
        for typed, used in result.corrections:
            _message(f"no match for {typed!r}; searched {used!r} instead (--exact to turn off)")
        hits = result.hits
        if mode in ("json", "jsonl"):
            count = render.write_json((render.hit_object(h) for h in hits), lines=mode == "jsonl")
        elif mode == "table":
            count = render.hits_table(hits, render.console())
        else:
            count = render.write_lines((h.event.day, h.event.slug, h.event.title) for h in hits)
    if not count and mode != "json":
        _message(f"nothing found for {quoted(query_text)}")
    _done(count)


RefArg = Annotated[
    str,
    typer.Argument(
        metavar="REF", help="A slug, an alias slug, YYYY/MM/D/slug, a /news/...md link, or a unique slug prefix."
    ),
]


@app.command()
@handled
def related(
    ref: RefArg,
    archive: ArchiveOpt = None,
    json_: JsonOpt = False,
    jsonl: JsonlOpt = False,
    table: TableOpt = False,
    limit: LimitOpt = 20,
) -> None:
    """Events related to one event, and why: links-to, linked-from, shared-context.

    Example: newsq related europe-s-first-mission-to-mars
    """
    from newsq import query

    mode = _mode(json_, jsonl, table)
    with _cache(archive) as conn:
        row = query.resolve(conn, ref)
        items = query.related_to(conn, row, limit=limit)
        if mode in ("json", "jsonl"):
            count = render.write_json((render.related_object(r) for r in items), lines=mode == "jsonl")
        elif mode == "table":
            count = render.related_table(items, render.console())
        else:
            count = render.write_lines(
                (r.reason, r.event.day, r.event.slug, r.event.title, ", ".join(r.shared)) for r in items
            )
    if not count and mode != "json":
        _message(f"nothing related to {row.event.slug}")
    _done(count)


@app.command()
@handled
def show(
    ref: RefArg,
    archive: ArchiveOpt = None,
    json_: JsonOpt = False,
    jsonl: JsonlOpt = False,
    table: TableOpt = False,
) -> None:
    """One event in full: date, title, topic, contexts, summary, sources, aliases, file.

    Example: newsq show 2003/06/2/europe-s-first-mission-to-mars --json
    """
    from newsq import query

    mode = _mode(json_, jsonl, table)
    with _cache(archive) as conn:
        event = query.resolve(conn, ref).event
    if mode == "json":
        render.write_object(render.event_object(event))
    elif mode == "jsonl":
        render.write_json([render.event_object(event)], lines=True)
    elif mode == "table":
        render.show_event(event, render.console())
    else:
        render.show_lines(event)


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        _message("interrupted")
        sys.exit(Exit.INTERRUPTED)
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(Exit.FOUND)


@app.command()
@handled
def browse(
    query_text: Annotated[
        Optional[str],  # noqa: UP045 - Typer reads this annotation at run time
        typer.Argument(metavar="[QUERY]", help="Search for this at once (the language of `newsq search`)."),
    ] = None,
    archive: ArchiveOpt = None,
    json_: Annotated[bool, typer.Option("--json", help="Refused: browse is interactive (use search --json).")] = False,
) -> None:
    """Browse the archive in the terminal: search as you type, follow related events, days and contexts.

    Full screen, with the keyboard or the mouse: ? shows the keys. Needs a terminal.

    Example: newsq browse Mars    newsq browse --archive ~/thecontext
    """
    from newsq import browse as browser  # Textual is loaded by this command only

    refused = browser.refusal(json_)
    if refused is not None:
        raise NewsqError(refused)
    raise typer.Exit(browser.run(archive, query_text, say=_message))
