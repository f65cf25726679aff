"""Shell completion's answers: context names and slugs read from the cache as it is, prefix-matched
on SQLite's indexes. Completion never indexes, never waits, and never prints an error."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import click

LIMIT = 200  # at most this many names: a shell shows no more usefully

# What bash would split or expand in a name it inserts as it is (zsh and fish quote for themselves).
_BASH_SPECIAL_RE = re.compile(r"([^\w./:@%+=,-])")


def contexts(archive: str | None, prefix: str) -> list[str]:
    """Context names starting with `prefix` (any case), most events first."""
    from newsq import store

    with _cache(archive) as conn:
        return store.contexts_starting(conn, prefix, LIMIT) if conn is not None else []


def slugs(archive: str | None, prefix: str) -> list[str]:
    """Slugs (canonical and alias) starting with `prefix`."""
    from newsq import store

    with _cache(archive) as conn:
        return store.slugs_near(conn, prefix.lower(), LIMIT) if conn is not None else []


@contextmanager
def _cache(archive: str | None) -> Iterator[sqlite3.Connection | None]:
    """The chosen archive's cache, read-only; None when there is none yet or it cannot be used."""
    from newsq.archive import choose_archive
    from newsq.errors import NewsqError
    from newsq.info import peek

    try:
        chosen = choose_archive(archive).archive
    except NewsqError:  # a half-typed --archive, a bad config: nothing to offer, nothing said
        yield None
        return
    with peek(chosen) as (conn, _state):
        yield conn


def _archive_typed(ctx: click.Context) -> str | None:
    """The --archive typed so far (the command's own, or the one before the command)."""
    here: click.Context | None = ctx
    while here is not None:
        if here.params.get("archive") is not None:
            return str(here.params["archive"])
        here = here.parent
    return None


def _for_shell(names: list[str]) -> list[str]:
    """bash inserts a completion as it is: a space or quote in a name must come escaped."""
    if os.environ.get("_NEWSQ_COMPLETE", "").endswith("_bash"):
        return [_BASH_SPECIAL_RE.sub(r"\\\1", n) for n in names]
    return names


def complete_context(ctx: click.Context, incomplete: str) -> list[str]:
    """For --context."""
    return _for_shell(contexts(_archive_typed(ctx), incomplete))


def complete_ref(ctx: click.Context, incomplete: str) -> list[str]:
    """For the REF of show and related."""
    return _for_shell(slugs(_archive_typed(ctx), incomplete))
