"""`newsq browse`: open the cache as every command does, then run the terminal browser, giving
each of its reading threads a connection of its own."""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from newsq import store
from newsq.archive import bundled_sample, find_archive
from newsq.cache import Cache, Opened
from newsq.errors import Exit

if TYPE_CHECKING:
    from newsq.browse_app import BrowseApp


def refusal(json_: bool) -> str | None:
    """Why browse cannot run here, or None. It reads keys from the terminal and draws on it
    (Textual draws on stderr), so all three streams must be one."""
    if json_:
        return "browse is interactive and has no --json: use `newsq search QUERY --json`"
    if not all(_isatty(stream) for stream in (sys.stdin, sys.stdout, sys.stderr)):
        return "browse needs a terminal: in a pipe or a script, use `newsq search`"
    return None


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def open_cache(archive: Path | None, say: Callable[[str], None]) -> tuple[Opened, Path]:
    """The archive's cache, built or refreshed as for any query, and where it is."""
    cache = Cache(
        find_archive(archive if archive is not None else bundled_sample()),
        on_wait=lambda: say("waiting for another newsq index..."),
    )
    return cache.open("quick"), cache.path


class Connections:
    """How a reading thread opens its own connection to the cache that was opened: the cache
    file (read-write, else read-only where its folder cannot be written), or, when the cache
    could only be built in memory, a shared in-memory copy that lives as long as the browser."""

    def __init__(self, opened: Opened, path: Path) -> None:
        self._opened = opened  # kept open: a WAL file keeps its -shm, which read-only readers need
        self._uri: str | None = None
        if not _database_file(opened.conn):
            self._uri = f"file:newsq-browse-{os.getpid()}?mode=memory&cache=shared"
            keeper = sqlite3.connect(self._uri, uri=True, isolation_level=None, check_same_thread=False)
            opened.conn.backup(keeper)
            opened.conn.close()
            self._opened = Opened(keeper)
        self._path = path

    def connect(self) -> sqlite3.Connection:
        if self._uri is not None:
            return sqlite3.connect(self._uri, uri=True, isolation_level=None)
        error: sqlite3.Error | None = None
        for options in ({}, {"readonly": True}, {"readonly": True, "immutable": True}):
            try:
                conn = store.connect(self._path, **options)
                conn.execute("SELECT count(*) FROM events WHERE id = 1").fetchone()
                return conn
            except sqlite3.Error as exc:
                error = exc
        assert error is not None
        raise error

    def close(self) -> None:
        self._opened.conn.close()


def _database_file(conn: sqlite3.Connection) -> str:
    """The file a connection's main database is in ('' in memory)."""
    for _seq, name, file in conn.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return str(file or "")
    return ""


def prepare(archive: Path | None, query: str | None, say: Callable[[str], None]) -> tuple[BrowseApp, Connections]:
    """The app, on the archive's cache opened (built, refreshed) as for any command, whose notes
    are said on stderr as any command says them (seen after quitting) and in the status line."""
    opened, path = open_cache(archive, say)
    notes = list(opened.notes)
    if opened.stats is not None and opened.stats.full:
        from newsq import render

        notes.append(render.index_summary(opened.stats))
    for note in notes:
        say(note)
    connections = Connections(opened, path)
    from newsq.browse_app import BrowseApp

    return BrowseApp(connections.connect, query=query, notes="; ".join(notes)), connections


def run(archive: Path | None, query: str | None, say: Callable[[str], None]) -> int:
    """Browse until the user quits; the exit code: 0, 130 for Ctrl-C, 128 + N for signal N, and
    2 for an error inside the app (which Textual prints after restoring the terminal)."""
    app, connections = prepare(archive, query, say)
    try:
        app.run()
    finally:
        connections.close()
    if app.return_code == 1:  # Textual's code for an exception inside the app (no way out here gives 1)
        say("browse stopped on an error inside it (shown above): this is a bug in newsq, please report it")
        return Exit.ERROR
    return app.return_code or 0
