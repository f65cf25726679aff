"""The newsq command line: options in, one core call, results handed to an Output. No SQL here."""

import functools
import inspect
import itertools
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import click
import typer

from newsq import render
from newsq.cli_cache import archive_cache, cache_of, rebuilt_because, resolved
from newsq.cli_usage import Commands, command_named, valid_texts
from newsq.completion import CONTEXT_NAME, REF
from newsq.entry import started
from newsq.errors import Exit, NewsqError, OutputError
from newsq.output import Mode, Output
from newsq.streams import Env, quiet_stdout, say

if TYPE_CHECKING:
    pass

app = typer.Typer(
    name="newsq",
    cls=Commands,
    help="Query a Context-style markdown news archive: what happened on a day, full-text search, "
    "related events, one event in full.\n\nExamples:\n\n"
    "    newsq search Mars\n    newsq --archive ~/thecontext on 2016-03 --limit 5",
    no_args_is_help=True,
    add_completion=True,  # --install-completion, --show-completion (bash, zsh, fish)
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# --- options every command shares, defined once ---------------------------------------------------------

_ARCHIVE_HELP = "Archive folder (the one holding news/, or news/ itself)."
_ARCHIVE_DEFAULT = "Default: NEWSQ_ARCHIVE, else `archive` in the config file, else the bundled sample."
ArchiveOpt = Annotated[
    Optional[Path],  # noqa: UP045 - Typer reads these annotations at run time
    typer.Option(
        "--archive",
        "-a",
        help=f"{_ARCHIVE_HELP} May also come before the command. {_ARCHIVE_DEFAULT}",
    ),
]
# More than any archive holds; a bigger N would overflow SQLite's integers (and islice's).
MAX_LIMIT = 10**9


def limit_option(what: str) -> Any:
    """--limit N, bounded: a number out of range is a usage error (one line, exit 2)."""
    return typer.Option("--limit", "-n", min=1, max=MAX_LIMIT, help=f"Show at most N {what}.")


LimitOpt = Annotated[int, limit_option("events")]
NoLimitOpt = Annotated[Optional[int], limit_option("events")]  # noqa: UP045
ContextOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--context",
        "-c",
        help="Only events with this context (any case; repeat: all must hold).",
        click_type=CONTEXT_NAME,  # completes from the cache
    ),
]
FromOpt = Annotated[Optional[str], typer.Option("--from", help="From the start of this day, month or year.")]  # noqa: UP045
ToOpt = Annotated[Optional[str], typer.Option("--to", help="Up to the end of this day, month or year.")]  # noqa: UP045
_JSONL = Annotated[bool, typer.Option("--jsonl", help="Print JSON Lines: one object per line, streamed.")]
_TABLE = Annotated[bool, typer.Option("--table", help="Draw the table even when stdout is not a terminal.")]
# The options that choose the output mode, as each kind of command words them.
ROWS = {
    "json_": Annotated[bool, typer.Option("--json", help="Print a JSON array.")],
    "jsonl": _JSONL,
    "table": _TABLE,
}
RECORD = {
    "json_": Annotated[bool, typer.Option("--json", help="Print one JSON object.")],
    "jsonl": _JSONL,
    "table": _TABLE,
}
SUMMARY = {"json_": Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")]}


def _print_version(value: bool) -> None:
    if value:
        from newsq import __version__

        typer.echo(f"newsq {__version__}")
        raise typer.Exit()


@app.callback()
def _before_the_command(
    ctx: typer.Context,
    # No envvar here: NEWSQ_ARCHIVE is read by archive.choose_archive, which tells the flag from the
    # environment (and from the config file) for `newsq info` and for messages.
    archive: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--archive", "-a", help=f"{_ARCHIVE_HELP} {_ARCHIVE_DEFAULT}"),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", "-V", is_eager=True, callback=_print_version, help="Print newsq's version and exit."),
    ] = False,
) -> None:
    ctx.obj = archive  # the commands' own --archive wins over it


def command(modes: dict[str, Any]) -> Callable[[Callable[..., Exit | None]], Callable[..., None]]:
    """Register a command whose `out: Output` parameter becomes the options in `modes`: the mode is
    chosen once, here, and the command only hands results to `out`. Errors end here too."""

    def register(func: Callable[..., Exit | None]) -> Callable[..., None]:
        signature = inspect.signature(func)
        params = [p for p in signature.parameters.values() if p.name != "out"]
        params += [
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=False, annotation=a) for n, a in modes.items()
        ]

        @functools.wraps(func)
        def run(**kwargs: Any) -> None:
            started()
            flags = {name: kwargs.pop(name) for name in modes}
            if "archive" in kwargs and kwargs["archive"] is None:
                kwargs["archive"] = click.get_current_context().obj
            # An argument holding bytes that are not UTF-8 (surrogate escapes) cannot reach SQLite or stdout.
            kwargs = {k: valid_texts(v) for k, v in kwargs.items()}
            raise typer.Exit(_handled(func, flags, kwargs))

        run.__signature__ = signature.replace(parameters=params, return_annotation=None)  # type: ignore[attr-defined]
        return app.command()(run)

    return register


def _handled(func: Callable[..., Exit | None], flags: dict[str, bool], kwargs: dict[str, Any]) -> int:
    """One exit point: user errors become one line and exit 2; Ctrl-C 130; a closed pipe is quiet."""
    try:
        env = Env()
        out = Output(Mode.choose(isatty=env.stdout_isatty, **flags), env)
        try:
            code = func(out=out, **kwargs) or Exit.FOUND
            out.flush()
            return code
        except sqlite3.DatabaseError as exc:
            # A damaged cache met before any output: drop it and answer once more from a rebuilt one.
            if not _damage(exc) or out.started:
                raise
            cache_of(kwargs.get("archive")).drop()
            # (Not the value SQLite quotes: it is the damaged bytes.)
            token = rebuilt_because.set(f"cache unusable ({str(exc).split(' with text ')[0]}); rebuilding")
            try:
                return func(out=out, **kwargs) or Exit.FOUND
            finally:
                rebuilt_because.reset(token)
    except NewsqError as exc:
        if isinstance(exc, OutputError):
            quiet_stdout()  # what is still buffered for stdout must not fail again at exit
        say(f"error: {exc}")
        return exc.code
    except KeyboardInterrupt:
        say("interrupted")
        return Exit.INTERRUPTED
    except BrokenPipeError:
        quiet_stdout()
        return Exit.FOUND
    except sqlite3.DatabaseError as exc:
        say(f"error: the cache failed ({exc}); `newsq index --rebuild` makes it anew")
        return Exit.ERROR


def _damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite's error means a damaged cache file (not a busy, full or unwritable one)."""
    text = str(exc).lower()
    passing = ("locked", "busy", "disk i/o", "full", "unable to open", "readonly", "interrupted")
    return not isinstance(exc, sqlite3.OperationalError) or not any(word in text for word in passing)


# --- the commands -----------------------------------------------------------------------------------------


@command(ROWS)
def on(
    date: Annotated[str, typer.Argument(help="A day (2003-06-02, 'June 2, 2003'), a month (2003-06) or a year.")],
    out: Output,
    to: ToOpt = None,
    limit: NoLimitOpt = None,
    context: ContextOpt = None,
    every_year: Annotated[bool, typer.Option("--every-year", "-y", help="That day in every year.")] = False,
    oldest_first: Annotated[bool, typer.Option("--oldest-first", help="Every year: the oldest first.")] = False,
    archive: ArchiveOpt = None,
) -> Exit:
    """What happened on a day, in a month or a year, over a range, or on a day of every year.

    Examples:

        newsq on 2003-06-02
        newsq on 2003-06 --to 2004-01 --json
        newsq on 06-02                      # June 2 in every year, newest first
        newsq on 2003-06-02 --every-year --oldest-first
    """
    from newsq import dates, explore

    span = dates.day_span(date, to, every_year=every_year)  # a bad date is an error before any indexing
    with archive_cache(archive, check="asked") as cache:
        conn = cache.conn
        cache.confirm(explore.days_of(conn, span))  # the folders of the days asked for
        contexts = explore.known_contexts(conn, context or [])
        events = explore.events_on(conn, span, contexts=contexts, newest_first=not oldest_first)
        # A day of every year: a table puts each year's events under its heading.
        group = (lambda ev: ev.day[:4]) if span.month_day else None
        count = out.rows(render.EVENTS, itertools.islice(events, limit), refs=render.refs(conn), group=group)
    return out.finish(count, f"nothing found for {date}" + (f" to {to}" if to else ""))


# The search language in short (query.parse_query has it in full); search and timeline show it.
QUERY_HELP = (
    'Words (an event must have all), "a phrase", mar* (words starting with mar), -word or -"a phrase" '
    "(leave those out), Mars OR Venus (either). Case and accents do not matter. Several arguments make "
    "one query; a query that starts with - goes after --."
)


@command(ROWS)
def search(
    words: Annotated[list[str], typer.Argument(metavar="QUERY...", help=QUERY_HELP, show_default=False)],
    out: Output,
    limit: LimitOpt = 20,
    from_: FromOpt = None,
    to: ToOpt = None,
    context: ContextOpt = None,
    exact: Annotated[bool, typer.Option("--exact", help="Do not correct words that match nothing.")] = False,
    raw: Annotated[bool, typer.Option("--raw", help="Pass QUERY to SQLite FTS5 as it is (its own syntax).")] = False,
    archive: ArchiveOpt = None,
) -> Exit:
    """Ranked full-text search over titles, summaries, topics and contexts, forgiving typos.

    QUERY is words, all of which an event must have, and:

      "a phrase"            its words side by side, in this order
      mar*                  a word starting with mar
      -word  -"a phrase"    leave out the events that have it
      Mars OR Venus         either one (OR in capitals)

    Case and accents do not matter. A word found nowhere is replaced by the
    archive's closest word (--exact: never). A query that starts with - goes
    after --, or it would be read as an option.

    Examples:

        newsq search Mars Express
        newsq search '"Mars Express"' --from 2003 --json
        newsq search 'Mars OR Venus' 'launch*'
        newsq search -- -Beagle Mars
    """
    from newsq import dates, explore, query
    from newsq.errors import quoted
    from newsq.models import Filters

    query_text = " ".join(words)
    first, last = dates.date_bounds(from_, to)
    with archive_cache(archive, check="turn") as cache:
        conn = cache.conn
        filters = Filters(first, last, explore.known_contexts(conn, context or []))
        result = query.search(conn, query_text, raw=raw, exact=exact, filters=filters, limit=limit)
        if cache.confirm(hit.event.day for hit in result.hits):  # the days shown: as they are now
            result = query.search(conn, query_text, raw=raw, exact=exact, filters=filters, limit=limit)
        for typed, used in result.corrections:
            out.message(f"no match for {quoted(typed)}; searched {quoted(used)} instead (--exact to turn off)")
        count = out.rows(render.HITS, result.hits, refs=render.refs(conn))
    return out.finish(count, f"nothing found for {quoted(query_text)}")


RefArg = Annotated[
    str,
    typer.Argument(
        metavar="REF",
        help="A slug, an alias slug, YYYY/MM/D/slug, a /news/...md link, or a unique slug prefix.",
        click_type=REF,
    ),
]


@command(ROWS)
def related(ref: RefArg, out: Output, limit: LimitOpt = 20, archive: ArchiveOpt = None) -> Exit:
    """Events related to one event, and why: links-to, linked-from, shared-context.

    Examples:

        newsq related europe-s-first-mission-to-mars
        newsq related europe-s-first-mission-to-mars --jsonl --limit 3
    """
    from newsq import query

    with archive_cache(archive, check="asked") as cache:
        row = resolved(cache, ref)
        found = list(query.related_to(cache.conn, row, limit=limit))
        if cache.confirm(r.event.day for r in found):  # the days shown: as they are now
            row = resolved(cache, ref)
            found = list(query.related_to(cache.conn, row, limit=limit))
        count = out.rows(render.RELATED, found, refs=render.refs(cache.conn))
    return out.finish(count, f"nothing related to {row.event.slug}")


@command(RECORD)
def show(ref: RefArg, out: Output, archive: ArchiveOpt = None) -> Exit:
    """One event in full: date, title, topic, contexts, summary, sources, aliases, file, its Related
    items and how many events link to it.

    Examples:

        newsq show europe-s-first-mission-to-mars
        newsq show 2003/06/2/europe-s-first-mission-to-mars --json
    """
    from newsq import query

    with archive_cache(archive, check="asked") as cache:
        details = query.details(cache.conn, resolved(cache, ref))
    out.record(render.EVENT, details)
    return Exit.FOUND


# The commands of other modules register themselves on `app` (they import from this one).
from newsq import cli_explore, cli_tools  # noqa: E402, F401


def main() -> None:
    """Console entry point."""
    # Typer makes a Click command of every registered command before it runs one (0.7 ms each):
    # a process that runs one command registers that one alone. Help, completion and an unknown
    # name keep them all.
    commands = {c.callback.__name__: c for c in app.registered_commands if c.callback is not None}
    name = command_named(sys.argv[1:], commands)
    if name is not None and not os.environ.get("_NEWSQ_COMPLETE"):
        app.registered_commands = [commands[name]]
    try:
        app()
    except SystemExit:
        workers = sys.modules.get("newsq.workers")
        if workers is not None and workers.abandoned:  # a worker died: end without joining the pool's threads
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(Exit.ERROR)
        raise
    except KeyboardInterrupt:
        say("interrupted")
        sys.exit(Exit.INTERRUPTED)
    except BrokenPipeError:
        quiet_stdout()
        sys.exit(Exit.FOUND)
    except OSError as exc:  # help or --version printed by Click into a full disk (commands use Output)
        quiet_stdout()
        say(f"error: cannot write the output: {exc.strerror or exc}")
        sys.exit(Exit.ERROR)
