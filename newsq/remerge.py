"""An update's short way: an event page edited without a change to anything its day's grouping
reads (merge.grouping_key) has only its own event built again, from the page and the pages that
list its day's events, instead of the whole day merged again from all its pages read again (about
30 pages a day: 1% of the pages edited touch a quarter of the days)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable

from newsq import store, workers
from newsq.archive import folder_day, folder_of
from newsq.models import ArchiveFile, FileRecord, ParsedFile, StoredEvent

_DAY_PAGES = ("index.md", "README.md")  # parse.DAY_PAGE_NAMES (parse is imported only to index)


def may_regroup(f: ArchiveFile, known: dict[str, tuple[tuple[str, ...], int | None]]) -> str | None:
    """The day of a changed page that may take the short way: an event page in its day's folder
    that the cache has read, and that spoke of that day alone (None: merge its days whole)."""
    day = folder_day(folder_of(f.path))
    if day is None or f.path.rpartition("/")[2] in _DAY_PAGES:
        return None
    was = known.get(f.path)
    return day if was is not None and was[0] == (day,) else None


def rebuild_events(
    conn: sqlite3.Connection,
    place: Callable[[str], str],
    pages: dict[str, list[ArchiveFile]],
    known: dict[str, tuple[tuple[str, ...], int | None]],
    fronts: dict[str, ParsedFile],
    walked: dict[str, list[ArchiveFile]],
) -> set[str]:
    """Build again the events of edited pages, day by day (pages: day -> its edited pages, all
    passing may_regroup; walked: the pages of their folders, as the walk found them), and record
    the pages; return the days where that could not be shown to give what merging the day whole
    gives (nothing of those is written: merge them whole)."""
    whole: set[str] = set()
    for day, edited in pages.items():
        folder = walked.get(folder_of(edited[0].path))
        done = None if folder is None else _one_day(conn, place, day, edited, known, fronts, folder)
        if done is None:
            whole.add(day)
            continue
        events, records = done
        store.replace_events(conn, day, events)
        store.restat_files(conn, records)  # they speak of the one day they spoke of
    return whole


def _one_day(
    conn: sqlite3.Connection,
    place: Callable[[str], str],
    day: str,
    edited: list[ArchiveFile],
    known: dict[str, tuple[tuple[str, ...], int | None]],
    fronts: dict[str, ParsedFile],
    folder: list[ArchiveFile],
) -> tuple[dict[int, StoredEvent], list[FileRecord]] | None:
    from newsq import merge
    from newsq.store import encode_event

    parsed: list[ParsedFile] = []
    records: list[FileRecord] = []
    for f in edited:
        pf, rec = workers.read_and_parse(f)
        # Its page must be there still, speak of this day alone, and group as it did.
        if pf.page is None or rec.days != (day,) or rec.grouping_key != known[f.path][1]:
            return None
        parsed.append(pf)
        records.append(rec)
    # The pages that list the day's events (its day pages and front pages), and the slugs of the
    # event pages in its folder; a page from another folder dated into the day: merge it whole.
    listing: list[ParsedFile] = []
    folder_slugs: set[str] = set()
    for f in folder:
        name = f.path.rpartition("/")[2]
        if name in _DAY_PAGES:
            listing.append(workers.read_and_parse(f)[0])
        else:
            folder_slugs.add(name.removesuffix(".md"))
    here = folder_of(edited[0].path)
    elsewhere = [p for p in store.paths_of_day(conn, day) if folder_of(p) != here]
    if any(folder_day(folder_of(p)) is not None for p in elsewhere):
        return None
    for path, m, s, c in store.files_at(conn, (p for p in elsewhere if p not in fronts)):
        fronts[path] = workers.read_and_parse(ArchiveFile(path, place(path), m, s, c))[0]
    if any(p not in fronts for p in elsewhere):
        return None
    listing += (workers.cut(fronts[p], day) for p in elsewhere)
    items = workers.day_items(day, listing)
    canonical_of: dict[str, str] = {}  # every slug of the day: read only for a link into the day
    if any(link.day == day for pf in parsed if pf.page is not None for link in pf.page.related):
        canonical_of = {one: slug for _id, slug, aliases in store.day_groups(conn, day) for one in (slug, *aliases)}
    events: dict[int, StoredEvent] = {}
    for pf in parsed:
        assert pf.page is not None
        found = store.group_of(conn, day, pf.page.slug)
        # One page to its event: another page of its group would be read too (merge it whole).
        if found is None or found[0] in events or not _alone(pf.page.slug, found[1], folder_slugs):
            return None
        id_, slugs = found
        wanted = set(slugs)
        its_items = [i for i in items if i.slug in wanted]
        event = merge.group_event(day, slugs[0], slugs, [pf.page], its_items, canonical_of)
        events[id_] = encode_event(event)
    return events, records


def _alone(slug: str, slugs: Iterable[str], folder_slugs: set[str]) -> bool:
    """No other slug of the group has a page in the day's folder."""
    return all(s == slug or s not in folder_slugs for s in slugs)
