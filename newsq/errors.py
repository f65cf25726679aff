"""Errors a user can cause, each with the exit code it ends in."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    """Exit codes, as grep has them."""

    FOUND = 0
    NOTHING = 1
    ERROR = 2
    INTERRUPTED = 130


class NewsqError(Exception):
    """A user or data error: one line on stderr and exit 2."""

    code: Exit = Exit.ERROR


class ArchiveError(NewsqError):
    """The archive is missing, empty or unreadable."""


class BadDate(NewsqError):
    """A date the user typed that newsq cannot read."""


class BadQuery(NewsqError):
    """A search query with nothing to search for, or bad FTS5 syntax under --raw."""


class UnknownRef(NewsqError):
    """A REF that names no event, or more than one."""


class IndexingFailed(NewsqError):
    """An index could not finish (a worker died); the cache is as it was before it."""


class CacheError(NewsqError):
    """The cache cannot be created or used."""


class OutputError(NewsqError):
    """stdout cannot take the output: it is closed, or its disk is full."""


def quoted(text: str, width: int = 60) -> str:
    """User text as a message shows it: its repr (quotes added, newlines and control characters
    escaped), cut with an ellipsis to at most `width` characters, so no message echoes more than
    one short line of whatever was typed or pasted."""
    shown = repr(text)
    if len(shown) <= width:
        return shown
    cut = text[: width - 3]
    while len(shown := repr(cut + "…")) > width:
        cut = cut[: -max(1, (len(shown) - width) // 4)]  # escapes take up to 4 characters each
    return shown


class UnknownContext(NewsqError):
    """A --context NAME that no event has."""
