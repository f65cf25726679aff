"""The config file: `config.toml` in the user config folder (NEWSQ_CONFIG names another), read
only when a command needs it. A file that cannot be read is one line naming the file, the line and
the problem."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from newsq.errors import NewsqError
from newsq.models import ConfigFile

# The settings newsq reads: name -> what a good value looks like (for messages).
SETTINGS = {"archive": 'a folder in quotes, like archive = "~/thecontext"'}

_WHERE_RE = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")


class ConfigError(NewsqError):
    """A config file that cannot be read, or that says something newsq cannot use."""


def config_path() -> Path:
    """NEWSQ_CONFIG, else config.toml in the user config folder."""
    named = os.environ.get("NEWSQ_CONFIG")
    if named:
        return Path(named).expanduser()
    if sys.platform.startswith("linux"):
        # platformdirs' rule for Linux, without importing it: 8 ms at every start when
        # NEWSQ_CACHE_DIR spares the cache folder from it (a test checks both agree).
        base = os.environ.get("XDG_CONFIG_HOME", "").strip() or os.path.expanduser("~/.config")
        return Path(base) / "newsq" / "config.toml"
    import platformdirs

    return Path(platformdirs.user_config_dir("newsq")) / "config.toml"


def load(path: Path | None = None) -> ConfigFile:
    """The config file and what it says. A missing file in the usual place is no config; a missing
    file that NEWSQ_CONFIG names is an error (the user meant one)."""
    path = path if path is not None else config_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if os.environ.get("NEWSQ_CONFIG"):
            raise ConfigError(f"config file {path} not found (named by NEWSQ_CONFIG)") from None
        return ConfigFile(path, exists=False)
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"config file {path}, line {line}: not UTF-8 text") from None
    import tomllib  # only when there is a file: most commands are given the archive or use the sample

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _WHERE_RE.search(message)
        line = int(where[1]) if where and where[1] else max(1, len(text.splitlines()))
        problem = message[: where.start()] if where else message
        raise ConfigError(f"config file {path}, line {line}: {problem} (it must be TOML)") from None
    for key in doc:
        if key not in SETTINGS:
            known = ", ".join(SETTINGS)
            raise ConfigError(
                f"config file {path}, line {_line_of(text, key)}: unknown setting {key!r} (newsq reads: {known})"
            )
    archive = doc.get("archive")
    if archive is None:
        return ConfigFile(path, exists=True)
    line = _line_of(text, "archive")
    if not isinstance(archive, str) or not archive.strip():
        raise ConfigError(f"config file {path}, line {line}: archive must be {SETTINGS['archive']}")
    return ConfigFile(path, exists=True, archive=archive, archive_line=line)


def archive_path(config: ConfigFile) -> Path:
    """The config's archive as a path: `~` is the home folder, and a relative path is taken from
    the config file's folder (not from wherever the command runs)."""
    assert config.archive is not None
    path = Path(config.archive).expanduser()
    return path if path.is_absolute() else config.path.parent / path


def _line_of(text: str, key: str) -> int:
    """The line where a top-level key or table is set (1 if it cannot be told)."""
    quoted = re.escape(key)
    pattern = re.compile(rf"^\s*(?:\[\s*)?(?:{quoted}|\"{quoted}\"|'{quoted}')\s*(?:=|\]|\.)")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return 1
