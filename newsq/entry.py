"""The `newsq` command's entry point, and what Ctrl-C does: one line, exit 130, at any moment."""

import contextlib
import gc
import os
import signal
import sys


def _interrupted(_signum: int, _frame: object) -> None:
    """End now, as `kill -9` would but politely: the cache is built in a file of its own or in one
    transaction, so nothing half-done is ever used. Unwinding instead (KeyboardInterrupt) can hang
    in multiprocessing's pool teardown, and a Ctrl-C during start-up would be a traceback."""
    try:
        # Straight to the file: a progress bar may hold sys.stderr in a buffer of its own, and be on
        # screen with the cursor hidden (clear its line, show the cursor). Its refresh thread may
        # still draw: stderr becomes /dev/null for it first, and the line goes to a copy of stderr.
        restore = b"\r\x1b[2K\x1b[?25h" if os.isatty(2) else b""
        terminal = os.dup(2)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
        os.write(terminal, restore + b"newsq: interrupted\n")
    except OSError:
        pass
    # Nothing must stop the exit: an exception here would end newsq with 1, its traceback unseen
    # (stderr is /dev/null by now).
    # Worker processes ignore Ctrl-C: end them too (multiprocessing may be half imported), and
    # first: one still running writes into the shards' folder (the text index makes text.db there
    # and attaches the shards, making them again), so that removed before would be made again.
    with contextlib.suppress(Exception):
        workers = sys.modules["multiprocessing"].active_children()
        for worker in workers:
            worker.kill()
        for worker in workers:
            worker.join(5)  # at once (SIGKILL cannot be ignored), unless stuck in the kernel
    with contextlib.suppress(Exception):
        if (cleanup := sys.modules.get("newsq.cleanup")) is not None:
            cleanup.remove_all()
    os._exit(130)


def run() -> None:
    # Start-up makes tens of thousands of objects that live until the exit (modules, classes, Click's
    # commands): the cyclic collector would scan them again and again, 5 ms of a 75 ms query. It is
    # off until the command itself starts (cli.command turns it back on: `started`).
    gc.disable()
    signal.signal(signal.SIGINT, _interrupted)
    from newsq.cli import main

    main()


def started() -> None:
    """The command starts: collect cycles again, never looking at what start-up made (frozen)."""
    gc.freeze()
    gc.enable()
