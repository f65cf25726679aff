"""Commands that work on the cache and hand the archive on: index, export and info.
(Registered on cli.app when cli is imported; kept apart so that cli.py stays readable.)"""

from pathlib import Path
from typing import Annotated, Optional

import click
import typer

from newsq import render
from newsq.cli import (
    RECORD,
    SUMMARY,
    ArchiveOpt,
    ContextOpt,
    FromOpt,
    ToOpt,
    command,
)
from newsq.cli_cache import archive_cache, cache_of, progress_bar
from newsq.errors import Exit
from newsq.models import EXPORT_FORMATS, EXPORT_KINDS
from newsq.output import Output


@command(SUMMARY)
def index(
    out: Output,
    archive: ArchiveOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every warning.")] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Read every page again, from scratch.")] = False,
) -> None:
    """Build or refresh the cache: re-read pages whose size, mtime or ctime changed (--rebuild: all).

    Examples:

        newsq index --archive ~/thecontext --verbose
        newsq index --json | jq .warnings
    """
    progress, stop = progress_bar(out.env)
    try:
        opened = cache_of(archive, progress).open("rebuild" if rebuild else "full")
    finally:
        stop()
    for note in opened.notes:
        out.message(note)
    stats = opened.stats
    opened.conn.close()
    if stats is None:
        return
    out.message(render.index_summary(stats))
    out.record(render.STATS, stats)
    if verbose:
        for path, reason in stats.warnings:
            out.message(f"warning: {path}: {reason}")


@command({})
def export(
    out: Output,
    kind: Annotated[
        str,
        typer.Argument(
            click_type=click.Choice(EXPORT_KINDS),
            help="events (every field, with its Related links), links (one row per Related link) or contexts.",
        ),
    ] = "events",
    format_: Annotated[
        str,
        typer.Option("--format", "-f", click_type=click.Choice(EXPORT_FORMATS), help="Parquet needs --output."),
    ] = "jsonl",
    output: Annotated[
        Optional[Path],  # noqa: UP045 - Typer reads these annotations at run time
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to FILE (made whole or not at all). Default: stdout."
        ),
    ] = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    context: ContextOpt = None,
    query_text: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--query", "-q", metavar="QUERY", help="Only events matching QUERY (search's language), all of them."
        ),
    ] = None,
    archive: ArchiveOpt = None,
) -> Exit:
    """Events, Related links or contexts as JSON Lines, CSV or Parquet, for DuckDB, pandas, Polars or Spark.

    Examples:

        newsq export --format parquet --output /tmp/events.parquet
        newsq export links --format csv --from 2003 --to 2004
        newsq export contexts --query Mars --context NASA
    """
    from newsq import dates, explore, query
    from newsq import export as exporting
    from newsq.models import Filters, Selection

    first, last = dates.date_bounds(from_, to)
    match = query.parse_query(query_text).fts() if query_text is not None else None
    with exporting.target(output, format_) as stream, archive_cache(archive) as cache:
        conn = cache.conn
        selection = Selection(Filters(first, last, explore.known_contexts(conn, context or ())), match)
        # A bar on a terminal's stderr while the data goes elsewhere (to a terminal, it shows itself).
        advance, stop = progress_bar(out.env, lazy=True, what="exporting")
        if out.env.stdout_isatty and output is None:
            advance = None
        total = exporting.count(conn, kind, selection) if advance is not None else None
        out.started = True
        try:
            count = exporting.write(
                conn, kind, format_, selection, stream, None if advance is None else lambda n: advance(n, total)
            )
        finally:
            stop()
    if output is not None and count:
        out.message(f"wrote {count:,} {kind if count != 1 else kind[:-1]} to {output}")
    return out.finish(count, f"nothing to export{' (the file has no rows)' if output is not None else ''}")


@command(RECORD)
def info(out: Output, archive: ArchiveOpt = None) -> Exit:
    """The archive and how it was chosen, its cache, counts, date span, last index, warnings, config file.

    Examples:

        newsq info --table
        newsq info --archive ~/thecontext --json | jq .events
    """
    from newsq import config
    from newsq import info as about
    from newsq.archive import choose_archive

    choice = choose_archive(archive)
    found = choice.config if choice.config is not None else config.load()
    out.record(about.INFO, (choice, found, about.cache_info(choice.archive)))
    return Exit.FOUND
