"""Shell completion's answers: context names and slugs read from the cache as it is, prefix-matched
on SQLite's indexes. Completion never indexes, never waits, and never prints an error."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

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
        # One slug can name events of several days: offer it once.
        return list(dict.fromkeys(store.slugs_near(conn, prefix.lower(), LIMIT))) if conn is not None else []


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
    # bash also passes the words after the cursor (`newsq show eu<TAB> --archive X`): look there.
    words = os.environ.get("COMP_WORDS", "").split()
    for i, word in enumerate(words):
        if word in ("--archive", "-a") and i + 1 < len(words):
            return words[i + 1]
        if word.startswith("--archive="):
            return word.partition("=")[2]
    return None


def _for_shell(names: list[str]) -> list[str]:
    """bash inserts a completion as it is: a space or quote in a name must come escaped."""
    if os.environ.get("_NEWSQ_COMPLETE", "").endswith("_bash"):
        return [_BASH_SPECIAL_RE.sub(r"\\\1", n) for n in names]
    return names


class _Completed(click.types.StringParamType):
    """Text whose completions come from the cache. (Typer's `autocompletion` would keep only the
    names that start with the typed text, case and all: "eu" would miss "European Union", and
    bash's escaped "European\\ Union" would never match.)"""

    def __init__(self, names: Callable[[str | None, str], list[str]]) -> None:
        self._names = names

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        return [CompletionItem(name) for name in _for_shell(self._names(_archive_typed(ctx), incomplete))]


CONTEXT_NAME = _Completed(contexts)  # for --context
REF = _Completed(slugs)  # for the REF of show and related
