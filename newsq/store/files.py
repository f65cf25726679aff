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


def _pack_dirs(conn: sqlite3.Connection, reals: list[str] | None = None, mtimes: array[int] | None = None) -> None:
    if reals is None or mtimes is None:
        rows = conn.execute("SELECT real, mtime_ns FROM dirs").fetchall()
        reals, mtimes = [r for r, _ in rows], array("q", (m for _, m in rows))
    # The folders above the days: the root (''), news/, news/YYYY and news/YYYY/MM (at most two '/').
    upper = conn.execute("SELECT real, mtime_ns FROM dirs WHERE path NOT GLOB '*/*/*/*'").fetchall()
    conn.executemany(
        "INSERT OR REPLACE INTO dir_snapshot VALUES (?, ?, ?)",
        [
            (1, "\0".join(reals), mtimes.tobytes()),
            (2, "\0".join(r for r, _ in upper), array("q", (m for _, m in upper)).tobytes()),
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
    dirs = list(dirs)
    gone_reals = {r for d in gone for (r,) in conn.execute("SELECT real FROM dirs WHERE path = ?", (d,))}
    conn.executemany("DELETE FROM dirs WHERE path = ?", [(d,) for d in gone])
    conn.executemany("INSERT OR REPLACE INTO dirs VALUES (?, ?, ?, ?)", dirs)
    if not gone_reals and _patch_mtimes(conn, [(real, mtime) for _path, real, mtime, _key in dirs]):
        return
    # Patch the packed row rather than pack every folder again (a query's refresh pays for this).
    reals, mtimes = dir_snapshot(conn)
    if gone_reals:
        kept = [i for i, r in enumerate(reals) if r not in gone_reals]
        reals, mtimes = [reals[i] for i in kept], array("q", (mtimes[i] for i in kept))
    at = {r: i for i, r in enumerate(reals)}
    for _path, real, mtime, _key in dirs:
        if real in at:
            mtimes[at[real]] = mtime
        else:
            reals.append(real)
            mtimes.append(mtime)
    _pack_dirs(conn, reals, mtimes)


def _patch_mtimes(conn: sqlite3.Connection, moved: list[tuple[str, int]]) -> bool:
    """Write the new mtimes of folders the packed rows hold into them where they lie, 8 bytes each
    (rewriting the rows cost the first query after a page was added 24 ms at a million events).
    False, with nothing written, when a folder is new to them."""
    for id_ in (1, 2):  # every folder, then the folders above the days
        row = conn.execute("SELECT reals FROM dir_snapshot WHERE id = ?", (id_,)).fetchone()
        at = {real: i for i, real in enumerate(row[0].split("\0"))} if row and row[0] else {}
        if id_ == 1 and any(real not in at for real, _mtime in moved):
            return False
        if not at:
            continue
        with conn.blobopen("dir_snapshot", "mtimes", id_) as blob:
            for real, mtime in moved:
                if (i := at.get(real)) is not None:
                    blob.seek(8 * i)
                    blob.write(array("q", (mtime,)).tobytes())
    return True


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
