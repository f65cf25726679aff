"""What newsq knows about an archive and its cache, read without building or changing anything:
`newsq info`, and the names shell completion offers."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from newsq import store
from newsq.models import Archive, ArchiveChoice, CacheInfo, ConfigFile
from newsq.output import Pair, RecordSpec

CHOSEN_BY = {
    "flag": "--archive",
    "env": "NEWSQ_ARCHIVE",
    "config": "the config file",
    "sample": "default (the bundled sample)",
}


@contextmanager
def peek(archive: Archive) -> Iterator[tuple[sqlite3.Connection | None, str]]:
    """The archive's cache opened read-only, and "ok"; or None and why not ("missing", or the
    reason it cannot be used). Never builds, refreshes or waits for an index to finish."""
    from newsq.cache import cache_path

    path = cache_path(archive)
    if not path.exists():
        yield None, "missing"
        return
    conn: sqlite3.Connection | None = None
    state = "ok"
    for immutable in (False, True):  # immutable: a cache in a folder that cannot be written (no -shm)
        try:
            conn = store.connect(path, readonly=True, immutable=immutable)
            store.check(conn, archive.key)
            break
        except (store.StaleCache, sqlite3.Error) as exc:
            state = str(exc)
            if conn is not None:
                conn.close()
                conn = None
    try:
        yield conn, "ok" if conn is not None else state
    finally:
        if conn is not None:
            conn.close()


def cache_info(archive: Archive) -> CacheInfo:
    """Where the archive's cache is, its size, and what it holds."""
    from newsq.cache import cache_path, changed_dirs

    path = cache_path(archive)
    size = sum(_size(Path(f"{path}{suffix}")) for suffix in ("", "-wal"))
    with peek(archive) as (conn, state):
        if conn is None:
            return CacheInfo(path, path.exists(), size, state)
        meta = store.meta(conn)
        counts = store.counts(conn)
        saved = store.saved_warnings(conn)
        return CacheInfo(
            path,
            True,
            size,
            state,
            schema_version=meta.get("schema_version"),
            indexed_at=meta.get("indexed_at"),
            files=counts["files"],
            events=counts["events"],
            days=counts["days"],
            contexts=counts["contexts"],
            span=store.day_span(conn),
            warnings=tuple(saved) if saved is not None else (),
            changed_folders=len(changed_dirs(conn)),
        )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def as_object(choice: ArchiveChoice, config: ConfigFile, cache: CacheInfo) -> dict[str, Any]:
    """What `newsq info --json` prints."""
    from newsq import __version__

    return {
        "version": __version__,
        "archive": str(choice.archive.root),
        "archive_chosen_by": choice.how,
        "archive_given": choice.given,
        "config": {"path": str(config.path), "exists": config.exists, "archive": config.archive},
        "cache": {
            "path": str(cache.path),
            "exists": cache.exists,
            "bytes": cache.size,
            "state": cache.state,
            "schema_version": int(cache.schema_version) if cache.schema_version else None,
            "indexed_at": cache.indexed_at,
            "changed_folders": cache.changed_folders,
        },
        "files": cache.files,
        "events": cache.events,
        "days": cache.days,
        "contexts": cache.contexts,
        "first": cache.span[0] if cache.span else None,
        "last": cache.span[1] if cache.span else None,
        "warnings": [{"path": p, "reason": r} for p, r in cache.warnings],
        "notes": notes(cache),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
    }


def notes(cache: CacheInfo) -> list[str]:
    """What a user should know about the cache's state, one line each."""
    if cache.state == "missing":
        return ["not indexed yet: the next command (or `newsq index`) builds the cache"]
    if cache.state != "ok":
        return [f"the cache cannot be used ({cache.state}): the next command rebuilds it"]
    out = []
    if cache.changed_folders:
        n = cache.changed_folders
        changed = f"{n:,} folder{'s' if n != 1 else ''} changed since the last index"
        out.append(f"{changed}: the next command refreshes the cache")
    if cache.warnings:
        n = len(cache.warnings)
        out.append(f"{n:,} page{'s' if n != 1 else ''} indexed with warnings: `newsq index --verbose` lists them")
    return out


def pairs(choice: ArchiveChoice, config: ConfigFile, cache: CacheInfo, now: dt.datetime | None = None) -> list[Pair]:
    """What `newsq info` prints for people, label by label (paths whole: they are for copying)."""
    from newsq import __version__

    how = CHOSEN_BY[choice.how]
    if choice.how == "config":
        how = f"the config file, line {config.archive_line}"
    built = f"({_megabytes(cache.size)})" if cache.exists else "(not built yet)"
    out = [
        Pair("Archive", str(choice.archive.root), whole=True),
        Pair("Set by", how),
        Pair("Config", str(config.path) + ("" if config.exists else " (none there)"), whole=True),
        Pair("Cache", f"{cache.path} {built}", whole=True),
    ]
    if cache.state == "ok":
        span = f", {cache.span[0]} to {cache.span[1]}" if cache.span else ""
        out += [
            Pair("Schema", str(cache.schema_version)),
            Pair("Indexed", _when(cache.indexed_at, now)),
            Pair("Events", f"{cache.events:,} on {cache.days:,} days{span}"),
            Pair("Contexts", f"{cache.contexts:,}"),
            Pair("Files", f"{cache.files:,}"),
            Pair("Warnings", f"{len(cache.warnings):,}"),
        ]
    out += [Pair("Note", line) for line in notes(cache)]
    out.append(Pair("Newsq", f"{__version__} (Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version})"))
    return out


About = tuple[ArchiveChoice, ConfigFile, CacheInfo]
INFO: RecordSpec[About] = RecordSpec(obj=lambda a: as_object(*a), pairs=lambda a: pairs(*a))


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB" if size >= 100_000 else f"{size / 1000:,.0f} kB"


def _when(iso: str | None, now: dt.datetime | None) -> str:
    """A UTC time as local time, and how long ago."""
    if not iso:
        return "unknown (a cache from an older newsq)"
    then = dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    seconds = max(0, int((now - then).total_seconds()))
    ago = next(
        (
            f"{seconds // size} {unit}{'s' if seconds // size != 1 else ''} ago"
            for size, unit in _UNITS
            if seconds >= size
        ),
        "just now",
    )
    return f"{then.astimezone().strftime('%Y-%m-%d %H:%M:%S %Z')} ({ago})"


_UNITS = ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second"))
