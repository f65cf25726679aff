"""A command line newsq cannot read: Click's usage error as one line on stderr (`newsq: error: ...`,
exit 2) in place of Typer's boxed panel, with a hint where a query that starts with - was taken for
an option. Click and Typer are loaded by the command line anyway: nothing heavy is added here."""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Container, Sequence
from typing import Any

import click
from typer.core import TyperGroup

from newsq.errors import Exit
from newsq.streams import say

# A run of text this long in a message is something typed or pasted: it is cut, as errors.quoted cuts.
_LONG_RUN_RE = re.compile(r"\S{41,}")
_REPEATED_RE = re.compile(r"( [^.?!]+[.?!])\1+")
MAX_MESSAGE = 200


class Commands(TyperGroup):
    """newsq's commands. Run stand-alone (as `newsq` and CliRunner run it), it reports the errors
    Click finds in the command line itself; errors met while a command runs end in cli._handled."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        argv = list(sys.argv[1:] if args is None else args)
        try:
            code = super().main(argv, prog_name, complete_var, False, windows_expand_args, **extra)
        except click.exceptions.NoArgsIsHelpError:
            code = Exit.ERROR  # `newsq` alone: the help is printed already
        except click.UsageError as exc:
            say(f"error: {usage_line(exc, argv)}")
            code = Exit.ERROR
        except click.ClickException as exc:
            say(f"error: {_one_line(exc.format_message())}")
            code = exc.exit_code
        except click.Abort:
            say("interrupted")
            code = Exit.INTERRUPTED
        sys.exit(code if isinstance(code, int) else Exit.FOUND)


# The options that come before a command (cli._before_the_command), and whether each takes a value.
_GLOBAL_OPTIONS = {"--archive": True, "-a": True, "--version": False, "-V": False}


def command_named(argv: Sequence[str], names: Container[str]) -> str | None:
    """The command a command line runs, when it plainly names one of `names` (else None: help, a
    mistyped name, anything unusual)."""
    args = iter(argv)
    for arg in args:
        if arg in _GLOBAL_OPTIONS:
            if _GLOBAL_OPTIONS[arg]:
                next(args, None)
            continue
        if arg.startswith("--archive="):
            continue
        return arg if arg in names else None
    return None


def usage_line(exc: click.UsageError, argv: Sequence[str]) -> str:
    """Click's message on one short line, and where to read more; for an unknown option on a
    command that takes a QUERY, how to pass a query that starts with -."""
    # Click and Typer each add their "Did you mean 'on'?" to an unknown command: say it once.
    text = _REPEATED_RE.sub(r"\1", _one_line(exc.format_message()))
    ctx = exc.ctx
    where = ctx.command_path if ctx is not None else "newsq"
    if (
        isinstance(exc, click.NoSuchOption)
        and not exc.possibilities  # no close option name: more likely a query than a typo
        and ctx is not None
        and any(isinstance(p, click.Argument) and "QUERY" in (p.metavar or "") for p in ctx.command.params)
    ):
        typed = next((a for a in argv if a.startswith(exc.option_name)), "")
        example = shlex.quote(typed) if 1 < len(typed) <= 40 else "QUERY"
        return f"{text} A QUERY that starts with - goes after --: {where} -- {example}"
    return f"{text} (see {where} -h)"


def _one_line(message: str) -> str:
    """A message on one line of at most MAX_MESSAGE characters, long pasted runs cut short."""
    text = " ".join(message.split())
    text = _LONG_RUN_RE.sub(lambda m: m[0][:39] + "…" + re.findall(r"['\".,:;)]*$", m[0])[0], text)
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 1] + "…"
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def valid_texts(value: Any) -> Any:
    """Arguments as typed, with bytes that were not UTF-8 (surrogate escapes) made U+FFFD: such
    text cannot reach SQLite or stdout."""
    if isinstance(value, list):  # a QUERY of several words, a repeated --context
        return [valid_texts(v) for v in value]
    return _valid_text(value) if isinstance(value, str) else value


def _valid_text(text: str) -> str:
    """Text as typed, with bytes that were not UTF-8 (and lone surrogates) turned into U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
