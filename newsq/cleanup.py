"""Files that newsq is writing and that must not outlive an interrupted run (Ctrl-C ends newsq at
once, with no unwinding: see entry.py)."""

from __future__ import annotations

import contextlib
import os

_PATHS: set[str] = set()


def remove_on_interrupt(path: str) -> None:
    _PATHS.add(path)


def keep(path: str) -> None:
    """The file is done with (moved into place, or removed): an interrupt leaves it alone."""
    _PATHS.discard(path)


def remove_all() -> None:
    """Called by the Ctrl-C handler: remove what is half written."""
    for path in list(_PATHS):
        if os.path.isdir(path):  # a full index's shards
            import shutil

            shutil.rmtree(path, ignore_errors=True)
            continue
        with contextlib.suppress(OSError):
            os.unlink(path)
