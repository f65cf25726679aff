"""The commands that explore the archive by entity and by time: `contexts`, `timeline` and the
interactive `browse`."""

from typing import Annotated, Optional

import click
import typer

from newsq import render
from newsq.cli import QUERY_HELP, ROWS, ArchiveOpt, ContextOpt, FromOpt, ToOpt, command, limit_option
from newsq.cli_cache import archive_cache
from newsq.errors import Exit, NewsqError, quoted
from newsq.output import Output
from newsq.streams import say

SortOpt = Annotated[
    str,
    typer.Option(
        "--sort",
        click_type=click.Choice(["count", "name", "first", "last"]),
        help="By number of events (most first), name, first day, or last day (latest first).",
    ),
]


@command(ROWS)
def contexts(
    out: Output,
    text: Annotated[Optional[str], typer.Argument(metavar="[TEXT]", help="Only contexts holding this text.")] = None,  # noqa: UP045
    sort: SortOpt = "count",
    limit: Annotated[int, limit_option("contexts")] = 50,
    archive: ArchiveOpt = None,
) -> Exit:
    """The archive's contexts (people, places, bodies): how many events each has, first and last day.

    TEXT matches any part of a name, in any case; when nothing holds it, near spellings are shown.

    Examples:

        newsq contexts --limit 10
        newsq contexts mars --sort first
        newsq contexts Kazakstan --json
    """
    from newsq import explore
    from newsq.errors import BadQuery
    from newsq.query import MAX_QUERY_CHARS

    if text is not None and len(text) > MAX_QUERY_CHARS:  # no name is that long; SQLite's LIKE refuses it
        raise BadQuery(f"TEXT is {len(text):,} characters long: at most {MAX_QUERY_CHARS:,}")
    with archive_cache(archive, check="turn") as cache:
        found, fuzzy = explore.contexts(cache.conn, text, sort=sort, limit=limit)
        if cache.confirm([]):  # the check in turn found folders that moved: counted again
            found, fuzzy = explore.contexts(cache.conn, text, sort=sort, limit=limit)
    if fuzzy and found:
        out.message(f"no context holds {quoted(text or '')}; showing near spellings")
    count = out.rows(render.CONTEXTS, found)
    return out.finish(count, f"no context holds {quoted(text)}" if text else "the archive has no contexts")


@command(ROWS | {"json_": Annotated[bool, typer.Option("--json", help="Print one JSON object.")]})
def timeline(
    out: Output,
    words: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(
            metavar="[QUERY]...",
            help=f"Count the events a search for this finds (default: all). {QUERY_HELP}",
            show_default=False,
        ),
    ] = None,
    context: ContextOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    by: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--by",
            click_type=click.Choice(["year", "month", "day"]),
            help="Period of a bar. Default: what fits the span (years for decades, months for a year, days a month).",
        ),
    ] = None,
    exact: Annotated[bool, typer.Option("--exact", help="Do not correct words that match nothing.")] = False,
    raw: Annotated[bool, typer.Option("--raw", help="Pass QUERY to SQLite FTS5 as it is (its own syntax).")] = False,
    archive: ArchiveOpt = None,
) -> Exit:
    """How many events (matching QUERY, with these contexts) fall in each year, month or day: a chart.

    QUERY is read as `newsq search` reads it (words, "a phrase", mar*, -word,
    -"a phrase", Mars OR Venus), but every match counts, not the top N. A
    query that starts with - goes after --.

    Examples:

        newsq timeline Mars
        newsq timeline --context "European Space Agency" --json
        newsq timeline Mars --from 2003 --to 2004 --by month
    """
    from newsq import dates, explore, query
    from newsq.models import Filters

    query_text = " ".join(words) if words else None
    first, last = dates.date_bounds(from_, to)
    with archive_cache(archive, check="turn") as cache:
        conn = cache.conn
        filters = Filters(first, last, explore.known_contexts(conn, context or []))
        match = None
        if query_text is not None:
            match, corrections = query.fts_match(conn, query_text, raw=raw, exact=exact)
            for typed, used in corrections:
                out.message(f"no match for {quoted(typed)}; searched {quoted(used)} instead (--exact to turn off)")
        found = explore.timeline(conn, match=match, filters=filters, by=by, query=query_text)
        if cache.confirm([]):  # the check in turn found folders that moved: counted again
            found = explore.timeline(conn, match=match, filters=filters, by=by, query=query_text)
    top = max((n for _p, n in found.periods), default=0) or 1
    bars = [(period, n, n / top) for period, n in found.periods]
    summary = {"query": found.query, "by": found.by, "total": found.total}
    out.rows(render.PERIODS, bars if found.total else [], envelope=("periods", summary))
    what = quoted(query_text) if query_text is not None else "the archive"
    return out.finish(found.total, f"nothing found for {what}")


@command({})
def browse(
    out: Output,
    query_text: Annotated[
        Optional[str],  # noqa: UP045 - Typer reads this annotation at run time
        typer.Argument(metavar="[QUERY]", help="Search for this at once (the language of `newsq search`)."),
    ] = None,
    archive: ArchiveOpt = None,
    json_: Annotated[bool, typer.Option("--json", help="Refused: browse is interactive (use search --json).")] = False,
) -> Exit:
    """Browse the archive in the terminal: search as you type, follow related events, days and contexts.

    Full screen, with the keyboard or the mouse: ? shows the keys. Needs a terminal.

    Example: newsq browse Mars    newsq browse --archive ~/thecontext
    """
    from newsq import browse as browser  # Textual is loaded by this command only

    refused = browser.refusal(json_)
    if refused is not None:
        raise NewsqError(refused)
    raise typer.Exit(browser.run(archive, query_text, say=say))  # 130 or 143 when it was ended by a signal
