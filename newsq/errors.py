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


class CacheError(NewsqError):
    """The cache cannot be created or used."""


class UnknownContext(NewsqError):
    """A --context NAME that no event has."""
