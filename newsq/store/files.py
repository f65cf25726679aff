"""The archive's files and folders as the cache records them: what the change checks compare."""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

from newsq.models import FileRecord

# --- files and folders ---------------------------------------------------------------------------


def file_stats(conn: sqlite3.Connection, dirs: Iterable[str] | None = None) -> dict[str, tuple[int, int, int]]:
    """path -> (mtime_ns, size, ctime_ns) of every file the cache has read (or of those in some folders)."""
    if dirs is None:
        return {p: (m, s, c) for p, m, s, c in conn.execute("SELECT path, mtime_ns, size, ctime_ns FROM files")}
    # One statement for all the folders (an update after 1% of pages changed asks for 1,000 of them).
    sql = "SELECT path, mtime_ns, size, ctime_ns FROM files WHERE dir IN (SELECT value FROM json_each(?))"
    return {p: (m, s, c) for p, m, s, c in conn.execute(sql, (json.dumps(list(dirs)),))}


def dir_states(conn: sqlite3.Connection) -> dict[str, tuple[int, int | None]]:
    """Every folder's (mtime, pages_key) as last indexed."""
    return {p: (m, k) for p, m, k in conn.execute("SELECT path, mtime_ns, pages_key FROM dirs")}


def dir_snapshot(conn: sqlite3.Connection, upper: bool = False) -> tuple[list[str], array[int]]:
    """Where every folder is on disk, and its mtime: what the full check stats. upper: only the
    folders above the days (the root, news/, years, months)."""
    row = conn.execute("SELECT reals, mtimes FROM dir_snapshot WHERE id = ?", (2 if upper else 1,)).fetchone()
    mtimes: array[int] = array("q")
    if row is None:
        return [], mtimes
    mtimes.frombytes(row[1])
    return row[0].split("\0") if row[0] else [], mtimes


def dir_places(conn: sqlite3.Connection, folders: Iterable[str]) -> tuple[list[str], list[int]]:
    """Where some folders are on disk, and their mtimes (folders the cache does not know are left out)."""
    rows = conn.execute(
        "SELECT real, mtime_ns FROM dirs WHERE path IN (SELECT value FROM json_each(?))", (json.dumps(list(folders)),)
    ).fetchall()
    return [r for r, _ in rows], [m for _, m in rows]


def dirs_in_turn(conn: sqlite3.Connection, after: str, count: int) -> tuple[list[str], list[int], str]:
    """The next `count` folders after `after` in path order, going round to the first at the end:
    where they are on disk, their mtimes, and the path of the last one (where the next turn starts)."""
    sql = "SELECT path, real, mtime_ns FROM dirs WHERE path > ? ORDER BY path LIMIT ?"
    rows = conn.execute(sql, (after, count)).fetchall()
    if len(rows) < count:  # round to the first folder, and on up to where this turn started
        sql = "SELECT path, real, mtime_ns FROM dirs WHERE path <= ? ORDER BY path LIMIT ?"
        rows += conn.execute(sql, (after, count - len(rows))).fetchall()
    if not rows:
        return [], [], ""
    return [r for _p, r, _m in rows], [m for _p, _r, m in rows], rows[-1][0]


def dir_count(conn: sqlite3.Connection) -> int:
    """How many folders the cache knows: from the packed snapshot's size (8 bytes a folder), which
    SQLite tells without reading it (counting the dirs rows: 6 ms at a million events)."""
    row = conn.execute("SELECT length(mtimes) / 8 FROM dir_snapshot WHERE id = 1").fetchone()
    return int(row[0]) if row is not None else 0


def dirs_under(conn: sqlite3.Connection, folders: Iterable[str]) -> dict[str, int]:
    """The recorded folders below some folders (at any depth), with their mtimes."""
    out: dict[str, int] = {}
    for folder in folders:
        low = folder + "/" if folder else ""
        out.update(
            conn.execute("SELECT path, mtime_ns FROM dirs WHERE path > ? AND path < ?", (low, low + "\U0010ffff"))
        )
    return out


def dirs_at(conn: sqlite3.Connection, reals: Iterable[str]) -> list[str]:
    """The folders (as the cache names them) at these places on disk."""
    return [p for real in reals for (p,) in conn.execute("SELECT path FROM dirs WHERE real = ?", (real,))]


# The packed rows list their folders in path order, as the dirs table's key does: a folder's place in
# them is how many folders come before it, counted on the key without reading the list.
_UPPER = "path NOT GLOB '*/*/*/*'"  # the folders above the days: '', news, news/YYYY, news/YYYY/MM


def _pack_dirs(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT real, mtime_ns FROM dirs ORDER BY path").fetchall()
    upper = conn.execute(f"SELECT real, mtime_ns FROM dirs WHERE {_UPPER} ORDER BY path").fetchall()
    conn.executemany(
        "INSERT OR REPLACE INTO dir_snapshot VALUES (?, ?, ?)",
        [
            (id_, "\0".join(r for r, _ in of), array("q", (m for _, m in of)).tobytes())
            for id_, of in ((1, rows), (2, upper))
        ],
    )


def save_dirs(conn: sqlite3.Connection, dirs: Iterable[tuple[str, str, int, int | None]]) -> None:
    """Record every folder: (path, real, mtime, pages_key)."""
    conn.execute("DELETE FROM dirs")
    conn.executemany("INSERT INTO dirs VALUES (?, ?, ?, ?)", dirs)
    _pack_dirs(conn)


def update_dirs(
    conn: sqlite3.Connection, dirs: Iterable[tuple[str, str, int, int | None]], gone: Iterable[str]
) -> None:
    """Record the mtimes of folders looked at again, and forget folders that are gone."""
    dirs, gone = list(dirs), list(gone)
    known = {p: r for p, _r, *_ in dirs for (r,) in conn.execute("SELECT real FROM dirs WHERE path = ?", (p,))}
    conn.executemany("DELETE FROM dirs WHERE path = ?", [(d,) for d in gone])
    conn.executemany("INSERT OR REPLACE INTO dirs VALUES (?, ?, ?, ?)", dirs)
    if gone or any(known.get(p) != r for p, r, *_ in dirs):  # a folder made, moved or removed (seldom)
        _pack_dirs(conn)
        return
    # Only mtimes moved: each written where it lies, 8 bytes (rewriting the rows cost the first query
    # after a page was added 24 ms at a million events, reading them to find its place 20 ms).
    for id_, which in ((1, "1"), (2, _UPPER)):
        with conn.blobopen("dir_snapshot", "mtimes", id_) as blob:
            for path, _real, mtime, _key in dirs:
                place, listed = conn.execute(
                    f"SELECT (SELECT count(*) FROM dirs WHERE path < ?1 AND {which}), "
                    f"EXISTS (SELECT 1 FROM dirs WHERE path = ?1 AND {which})",
                    (path,),
                ).fetchone()
                if listed:
                    blob.seek(8 * place)
                    blob.write(array("q", (mtime,)).tobytes())


def _file_values(rec: FileRecord) -> tuple[Any, ...]:
    warned = json.dumps(rec.warnings) if rec.warnings else None
    return (rec.dir, rec.path, rec.mtime_ns, rec.size, rec.ctime_ns, json.dumps(rec.days), warned, rec.grouping_key)


def put_files(conn: sqlite3.Connection, records: Iterable[FileRecord]) -> None:
    """Insert or replace files and the days they speak of."""
    for rec in records:
        # Only the days it no longer or newly speaks of: an edit seldom changes them, and each row
        # rewritten is a page more written at the commit (1,000 edited pages: 1,000 pages of file_days).
        was, now = days_of(conn, [rec.path]), set(rec.days)
        conn.executemany("DELETE FROM file_days WHERE day = ? AND path = ?", [(d, rec.path) for d in was - now])
        conn.execute(
            "INSERT OR REPLACE INTO files(dir, path, mtime_ns, size, ctime_ns, days, warnings, grouping_key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            _file_values(rec),
        )
        conn.executemany("INSERT OR IGNORE INTO file_days VALUES (?, ?)", [(d, rec.path) for d in now - was])


def restat_files(conn: sqlite3.Connection, records: Iterable[FileRecord]) -> None:
    """Record files read again that speak of the days recorded for them: their stats, warnings
    and grouping keys only."""
    conn.executemany(
        "UPDATE files SET mtime_ns = ?, size = ?, ctime_ns = ?, warnings = ?, grouping_key = ? "
        "WHERE dir = ? AND path = ?",
        [(r.mtime_ns, r.size, r.ctime_ns, _file_values(r)[6], r.grouping_key, r.dir, r.path) for r in records],
    )


def put_files_fresh(conn: sqlite3.Connection, records: Sequence[FileRecord]) -> None:
    """Insert files into an empty cache (no replace, no delete: the fast path of a full index)."""
    conn.executemany(
        "INSERT INTO files(dir, path, mtime_ns, size, ctime_ns, days, warnings, grouping_key) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [_file_values(r) for r in records],
    )
    conn.executemany("INSERT OR IGNORE INTO file_days VALUES (?, ?)", [(d, r.path) for r in records for d in r.days])


def drop_files(conn: sqlite3.Connection, paths: Iterable[str]) -> set[str]:
    """Forget files; return the days they spoke of."""
    days: set[str] = set()
    for path in paths:
        its_days = days_of(conn, [path])
        conn.executemany("DELETE FROM file_days WHERE day = ? AND path = ?", [(d, path) for d in its_days])
        conn.execute("DELETE FROM files WHERE dir = ? AND path = ?", (_dir_of(path), path))
        days |= its_days
    return days


def dirs_of_days(conn: sqlite3.Connection, days: Iterable[str]) -> set[str]:
    """The folders of the files that speak of some days, as the cache recorded them (a page filed
    in another day's folder, a front page)."""
    sql = "SELECT path FROM file_days WHERE day IN (SELECT value FROM json_each(?))"
    return {_dir_of(p) for (p,) in conn.execute(sql, (json.dumps(list(days)),))}


def days_of(conn: sqlite3.Connection, paths: Iterable[str]) -> set[str]:
    """The days some files speak of, as the cache recorded them."""
    days: set[str] = set()
    for path in paths:
        days.update(
            d
            for (text,) in conn.execute("SELECT days FROM files WHERE dir = ? AND path = ?", (_dir_of(path), path))
            for d in json.loads(text)
        )
    return days


def file_keys(conn: sqlite3.Connection, paths: Iterable[str]) -> dict[str, tuple[tuple[str, ...], int | None]]:
    """The days some recorded files speak of, and their pages' grouping keys (files not recorded left out)."""
    out: dict[str, tuple[tuple[str, ...], int | None]] = {}
    sql = "SELECT days, grouping_key FROM files WHERE dir = ? AND path = ?"
    for path in paths:
        for text, key in conn.execute(sql, (_dir_of(path), path)):
            out[path] = (tuple(json.loads(text)), key)
    return out


def files_of_day(conn: sqlite3.Connection, day: str) -> list[tuple[str, int, int, int]]:
    """(path, mtime_ns, size, ctime_ns) of every file that speaks of a day."""
    return files_at(conn, paths_of_day(conn, day))


def paths_of_day(conn: sqlite3.Connection, day: str) -> list[str]:
    """The paths of the files that speak of a day."""
    return [p for (p,) in conn.execute("SELECT path FROM file_days WHERE day = ?", (day,))]


def files_at(conn: sqlite3.Connection, paths: Iterable[str]) -> list[tuple[str, int, int, int]]:
    """(path, mtime_ns, size, ctime_ns) of some recorded files."""
    by_dir: dict[str, list[str]] = {}
    for path in paths:
        by_dir.setdefault(_dir_of(path), []).append(path)
    # One read per folder (a day's pages are mostly in its own), each path found on the key.
    sql = "SELECT path, mtime_ns, size, ctime_ns FROM files WHERE dir = ? AND path IN (SELECT value FROM json_each(?))"
    return [row for folder, paths in by_dir.items() for row in conn.execute(sql, (folder, json.dumps(paths)))]


def _dir_of(path: str) -> str:
    """The folder of a file's path, as the files table keys it (the indexer's folder_of)."""
    return path.rpartition("/")[0]


def warnings(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(path, reason) of every warning recorded for the archive's files."""
    out: list[tuple[str, str]] = []
    for path, text in conn.execute("SELECT path, warnings FROM files WHERE warnings IS NOT NULL ORDER BY path"):
        out.extend((path, w) for w in json.loads(text))
    return out
