"""Where an archive is, and walking its folders: the only module that lists the archive's files."""

from __future__ import annotations

import errno
import functools
import operator
import os
from collections.abc import Container, Iterable, Iterator
from pathlib import Path

from newsq.errors import ArchiveError, quoted
from newsq.models import Archive, ArchiveChoice, ArchiveFile

Problems = list[tuple[str, str]]  # (path, reason): what the walk could not read


def printable(name: str) -> str:
    """A file name as valid text: bytes that are not UTF-8 shown as \\xNN."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def find_archive(path: str | os.PathLike[str]) -> Archive:
    """The archive at PATH: the folder holding `news/`, or `news/` itself (then its parent is the
    archive, so that both forms give one cache and the front pages beside `news/` are read)."""
    root = Path(path).expanduser()
    text = os.fspath(path)
    shown = text if len(text) <= 200 else quoted(text, 200)  # one line, whatever length was given
    try:
        root = root.resolve(strict=True)
    except (OSError, RuntimeError):
        raise ArchiveError(f"archive not found: {shown}") from None
    if not root.is_dir():
        raise ArchiveError(f"archive is not a folder: {shown}")
    if (root / "news").is_dir():
        archive = Archive(root, "")
    elif root.name == "news":
        archive = Archive(root.parent, "")
    elif any(_is_year(p.name) for p in _safe_listdir(root)):
        archive = Archive(root, "news/")  # a bare tree of year folders, named otherwise
    else:
        raise ArchiveError(f"no news/ folder in {shown}: not a Context archive")
    if not _holds_a_page(archive) and not any(files for _dir, _mtime, files in walk_dirs(archive, [])):
        raise ArchiveError(f"archive is empty: no .md pages under {shown}")
    return archive


def _holds_a_page(archive: Archive) -> bool:
    """Quickly, for every command: a plain .md page somewhere under news/ (unsorted, unstat'ed,
    first found first). False only means "walk to be sure": links and odd names are the walk's."""
    stack = [str(archive.root) if archive.prefix else os.path.join(str(archive.root), "news")]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(".md") and entry.is_file(follow_symlinks=False) and entry.name.isprintable():
                return True
        stack.extend(e.path for e in entries if e.is_dir(follow_symlinks=False))
    return False


def bundled_sample() -> Path:
    """The sample archive shipped with newsq (inside the wheel, or data/ in a source checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "sample", here.parent / "data"):
        if (candidate / "news").is_dir():
            return candidate
    raise ArchiveError("the bundled sample archive is missing; give --archive PATH or set NEWSQ_ARCHIVE")


def _is_year(name: str) -> bool:
    return len(name) == 4 and name.isdigit()


def _safe_listdir(path: Path) -> list[Path]:
    try:
        return list(path.iterdir())
    except OSError:
        return []


def real_dir(archive: Archive, rel: str) -> str:
    """Where a folder of the cache's `news/...` naming is on disk."""
    inside = rel[len(archive.prefix) :] if archive.prefix else rel
    if archive.prefix and rel == "news":
        inside = ""
    return os.path.join(str(archive.root), inside) if inside else str(archive.root)


def folder_of(path: str) -> str:
    """The folder part of an archive path (`` for a front page)."""
    return path.rsplit("/", 1)[0] if "/" in path else ""


def walk_dirs(
    archive: Archive, problems: Problems, only: list[str] | None = None, known: Container[str] = ()
) -> Iterator[tuple[str, int, list[ArchiveFile]]]:
    """(folder, its mtime, its .md files) for the root and every folder under news/, never
    following a linked folder (no loops) and never reading a linked file outside the archive.

    only: walk just these folders, and the subfolders of theirs that are not `known` (new ones)."""
    root = str(archive.root)
    top = root if archive.prefix else os.path.join(root, "news")
    stack: list[tuple[str, str]] = [(top, archive.prefix.rstrip("/") or "news")]
    if not archive.prefix:
        stack.insert(0, (root, ""))
    if only is not None:
        stack = [(real_dir(archive, rel), rel) for rel in sorted(only, reverse=True)]
    while stack:
        folder, rel_dir = stack.pop()
        try:
            mtime = os.stat(folder).st_mtime_ns
            entries = sorted(os.scandir(folder), key=_name)
        except OSError as exc:
            problems.append((rel_dir or ".", f"folder not readable ({exc.strerror})"))
            continue
        files: list[ArchiveFile] = []
        subdirs: list[tuple[str, str]] = []
        for entry in entries:
            name = entry.name
            rel = f"{rel_dir}/{name}" if rel_dir else name
            try:  # the usual page first, in few steps (every update stats every page)
                if name.endswith(".md") and name.isascii() and entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    files.append(ArchiveFile(rel, entry.path, st.st_mtime_ns, st.st_size, st.st_ctime_ns))
                    continue
            except OSError as exc:
                problems.append((rel, _unreadable(exc)))
                continue
            if (entry.name.endswith(".md") or entry.is_dir(follow_symlinks=False)) and printable(rel) != rel:
                problems.append((printable(rel), "name is not UTF-8; skipped"))
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if rel_dir and (only is None or rel not in known):  # at the root only news/ is walked
                        subdirs.append((entry.path, rel))
                        if entry.name.endswith(".md"):
                            problems.append((rel, "a folder named like a page; its pages are read"))
                    continue
                if rel_dir and entry.is_symlink() and entry.is_dir():
                    problems.append((rel, "link to a folder; not followed"))
                    continue
                if not entry.name.endswith(".md"):
                    continue
                if entry.is_symlink():
                    real = os.path.realpath(entry.path)
                    if os.path.commonpath([real, root]) != root:
                        problems.append((rel, "link to a file outside the archive; not read"))
                        continue
                    st = os.stat(real)
                    if not os.path.isfile(real):
                        continue
                else:
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    real = entry.path
                    st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                problems.append((rel, _unreadable(exc)))
                continue
            files.append(ArchiveFile(rel, real, st.st_mtime_ns, st.st_size, st.st_ctime_ns))
        yield rel_dir, mtime, files
        stack.extend(reversed(subdirs))


_name = operator.attrgetter("name")


def _unreadable(exc: OSError) -> str:
    reason = "link loop" if exc.errno == errno.ELOOP else exc.strerror or str(exc)
    return f"not readable ({reason})"


def pages_key(files: list[ArchiveFile]) -> int:
    """A checksum of a folder's pages' stats, in walk order: equal, with an equal folder mtime (no
    page added, removed or renamed), means no page of it was written since (a write moves its
    ctime, which nothing sets back). Integers hash alike in every Python process."""
    return hash(tuple([x for f in files for x in (f.mtime_ns, f.size, f.ctime_ns)]))


@functools.lru_cache(maxsize=1024)
def folder_day(rel_dir: str) -> str | None:
    """The day of a day folder `news/YYYY/MM/D` (asked once per page: cached)."""
    from newsq import parse  # lazily: a query that needs no indexing never pays for it

    where = parse.split_event_path(rel_dir + "/x.md")
    return where[0] if where else None


def day_folders(days: Iterable[str]) -> set[str]:
    """The folders (as the cache names them) that hold the pages of some days, with every folder
    above them: a month folder's mtime moves when a day folder is made in it. Month and day may be
    padded or not on disk; only the names the cache knows are looked at."""
    folders = {"", "news"}
    for day in days:
        year, month, d = day.split("-")
        months = {f"news/{year}/{month}", f"news/{year}/{int(month)}"}
        folders.add(f"news/{year}")
        folders.update(months)
        folders.update(f"{m}/{n}" for m in months for n in (d, str(int(d))))
    return folders


def changed_folders(places: Iterator[tuple[str, int]] | list[tuple[str, int]]) -> list[str]:
    """The places on disk, of (place, recorded mtime), whose mtime moved: files were added,
    removed or replaced in them. (Pages edited in place move no folder: `newsq index`'s job.)"""
    moved: list[str] = []
    stat = os.stat
    for place, mtime in places:
        try:
            if stat(place).st_mtime_ns != mtime:
                moved.append(place)
        except FileNotFoundError:
            pass  # a folder removed: its parent's mtime moved too, and the parent is looked at
        except OSError:
            moved.append(place)
    return moved


# --- which archive: --archive > NEWSQ_ARCHIVE > config file > bundled sample ---------------------------


def choose_archive(flag: str | os.PathLike[str] | None) -> ArchiveChoice:
    """The archive a command reads, and how it was chosen: the --archive flag, else NEWSQ_ARCHIVE
    (empty counts as unset), else `archive` in the config file, else the bundled sample. The config
    file is read only when the flag and the environment leave the choice to it."""
    if flag is not None:
        return ArchiveChoice(_found(flag, "given with --archive"), "flag", os.fspath(flag), None)
    env = os.environ.get("NEWSQ_ARCHIVE")
    if env:
        return ArchiveChoice(_found(env, "set by NEWSQ_ARCHIVE"), "env", env, None)
    from newsq import config

    cfg = config.load()
    if cfg.archive is not None:
        where = f"set in {cfg.path}, line {cfg.archive_line}"
        return ArchiveChoice(_found(config.archive_path(cfg), where), "config", cfg.archive, cfg)
    sample = bundled_sample()
    return ArchiveChoice(find_archive(sample), "sample", str(sample), cfg)


def _found(path: str | os.PathLike[str], how: str) -> Archive:
    """find_archive, its error saying where the path came from (a stale NEWSQ_ARCHIVE or config
    line is otherwise hard to spot)."""
    try:
        return find_archive(path)
    except ArchiveError as exc:
        raise ArchiveError(f"{exc} ({how})") from None
