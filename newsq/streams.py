"""What newsq writes to, and how: stdout guarded (a full disk or a closed stdout is one error line,
a closed pipe a quiet end), stderr, Rich consoles on them, and archive text made inert for a terminal."""

from __future__ import annotations

import io
import json
import os
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO, cast

from newsq.errors import OutputError

if TYPE_CHECKING:
    from rich.console import Console

# What archive text must not send to a terminal raw: C0 controls but tab and newline, DEL and C1
# drive it; bidi and zero-width format characters reorder or hide what is shown (a title could
# read backwards, or a slug carry an invisible character that makes it fail as a REF).
_INVISIBLE = "\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_UNSAFE_RE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")
# json.dumps escapes C0 itself; these it would leave raw (ensure_ascii=False keeps other text readable).
_JSON_UNSAFE_RE = re.compile(f"[\x7f-\x9f{_INVISIBLE}]")


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: str) -> str:
    """Archive text made inert for a terminal: control and invisible characters shown as \\x1b, \\u202e."""
    if text.isprintable():  # no control, format or separator character: nothing to look for (most text)
        return text
    return _UNSAFE_RE.sub(lambda m: _escaped(m.group()), text)


def _json_escaped(char: str) -> str:
    return f"\\u{ord(char):04x}"


def dumps(obj: Any, indent: int | None = None) -> str:
    """JSON text in which nothing could drive or reorder a terminal that shows it."""
    text = json.dumps(obj, ensure_ascii=False, indent=indent)
    if text.isascii() and "\x7f" not in text:  # most text: nothing to look for (CPython knows it is ASCII)
        return text
    return _JSON_UNSAFE_RE.sub(lambda m: _json_escaped(m.group()), text)


class Env:
    """The streams a command writes to, and what they are. Tests pass a fake one."""

    def __init__(
        self,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        *,
        stdout_isatty: bool | None = None,
        colour: bool | None = None,
        width: int | None = None,
    ) -> None:
        # Python has None for a stream that was closed when it started (`newsq on 2003 >&-`).
        self.stdout = stdout or cast("TextIO", _Stdout(sys.stdout))
        self.stderr = stderr or sys.stderr or io.StringIO()  # nowhere to say anything: say nothing
        self.stdout_isatty = self.stdout.isatty() if stdout_isatty is None else stdout_isatty
        self.colour = colour  # None: Rich decides (a terminal, NO_COLOR unset, TERM not dumb)
        self.width = width  # None: the terminal's width, or COLUMNS, or 80

    def console(self, stderr: bool = False) -> Console:
        """A Rich console on stdout or stderr that never reads archive text as markup."""
        from rich.console import Console

        console = Console(
            file=self.stderr if stderr else self.stdout,
            width=self.width,
            color_system="auto" if self.colour is not False else None,
            force_terminal=self.colour or None,
            highlight=False,
            markup=False,
            emoji=False,
        )
        # Rich ends the program with exit 1 on a closed pipe (`--table | head -1`); newsq's way is
        # the same as for its other modes: quiet, and exit 0.
        console.on_broken_pipe = _pipe_closed  # type: ignore[method-assign]
        return console


def _pipe_closed() -> None:
    raise BrokenPipeError


class _Stdout:
    """The real stdout as commands write to it: a write that fails other than on a closed pipe
    (a full disk, a closed descriptor) is an OutputError, one line and exit 2, not a traceback.
    A closed pipe stays a BrokenPipeError, which ends a command quietly."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self._guarded(lambda stream: stream.write(text)) or 0

    def flush(self) -> None:
        if self.stream is not None:  # nothing was written if there is no stdout
            self._guarded(lambda stream: stream.flush())

    def isatty(self) -> bool:
        return self.stream is not None and self.stream.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)

    def _guarded(self, do: Callable[[TextIO], int | None]) -> int | None:
        if self.stream is None:
            raise OutputError("cannot write the output: stdout is closed")
        try:
            return do(self.stream)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(f"cannot write the output: {exc.strerror or exc}") from None


def say(text: str) -> None:
    """One line on stderr, as `newsq: ...`, for what happens outside a command's Output."""
    try:  # one line, whatever the text holds (an SQLite error can quote a damaged value)
        sys.stderr.write(f"newsq: {' '.join(safe(text).splitlines())}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # stderr closed (None) or full: nowhere to say it
        pass


def quiet_stdout() -> None:
    """After `| head` closed the pipe or the disk filled: point stdout at /dev/null, so that what
    is still buffered for it goes nowhere at exit instead of failing once more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # AttributeError: no stdout at all
        pass
