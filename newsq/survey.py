"""Walking the whole archive for `newsq index`: every folder's state (its mtime and the checksum of
its pages' stats), and the pages of the folders whose state moved. Every page is stat'ed (an edit
in place moves no folder), which is most of an update that finds nothing changed: on a big archive
a forked process walks half of the year folders meanwhile (the stats do not share one core)."""

from __future__ import annotations

import os
import signal
from collections.abc import Container

from newsq.archive import Problems, pages_key, printable, real_dir, walk_dirs
from newsq.models import Archive, Dirs, Moved

# Below this many folders, a second process costs more than it saves (a fork, a pipe).
SPLIT_MIN_DIRS = 1000


def states(archive: Archive, problems: Problems, was: Dirs) -> tuple[Dirs, Moved]:
    """Every folder's state, and the pages of the folders whose state is not as in `was`."""
    years = _years(archive) if len(was) >= SPLIT_MIN_DIRS and hasattr(os, "fork") else []
    if len(years) < 2:
        return _walk(archive, problems, was, None, ())
    theirs = years[1::2]
    child = _fork(archive, was, theirs)
    tops = ["news"] if archive.prefix else ["", "news"]
    dirs, moved = _walk(archive, problems, was, tops, set(theirs))
    got = _collect(*child) if child is not None else None
    if got is None:  # the other process failed (killed?): walk its half here
        got = (_walk(archive, problems, was, theirs, ()), [])
    (their_dirs, their_moved), their_problems = got
    dirs.update(their_dirs)
    moved.update(their_moved)
    problems += their_problems
    return dirs, moved


def _walk(
    archive: Archive, problems: Problems, was: Dirs, only: list[str] | None, skip: Container[str]
) -> tuple[Dirs, Moved]:
    dirs: Dirs = {}
    moved: Moved = {}
    for rel_dir, mtime, files in walk_dirs(archive, problems, only, skip):
        state = dirs[rel_dir] = (mtime, pages_key(files))
        if was.get(rel_dir) != state:
            moved[rel_dir] = files
    return dirs, moved


def _years(archive: Archive) -> list[str]:
    """The folders right under news/ that the walk goes into, as it names them."""
    try:
        entries = list(os.scandir(real_dir(archive, "news")))
    except OSError:
        return []
    return sorted(f"news/{e.name}" for e in entries if e.is_dir(follow_symlinks=False) and printable(e.name) == e.name)


def _fork(archive: Archive, was: Dirs, theirs: list[str]) -> tuple[int, int] | None:
    """Walk some year folders in a forked process that writes what it found into a pipe."""
    # Ctrl-C is the parent's to handle (entry._interrupted says so and cleans up, once): the child
    # takes its default (an end without a word), set before a Ctrl-C can reach it.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    read, write = -1, -1
    try:
        read, write = os.pipe()
        pid = os.fork()
    except OSError:
        for fd in (read, write):
            if fd >= 0:
                os.close(fd)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        return None
    if pid == 0:  # the child: never returns, never touches the cache (os._exit: no clean-up)
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            os.close(read)
            found: Problems = []
            import pickle  # lazily, as the fork itself: a query never pays for it

            data = pickle.dumps((_walk(archive, found, was, theirs, ()), found), pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as out:
                out.write(data)
        finally:
            os._exit(0)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    os.close(write)
    return pid, read


def _collect(pid: int, read: int) -> tuple[tuple[Dirs, Moved], Problems] | None:
    """What the forked walk found (None when it ended without saying all of it)."""
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    import pickle

    try:
        got: tuple[tuple[Dirs, Moved], Problems] = pickle.loads(data)
    except Exception:
        return None
    return got
