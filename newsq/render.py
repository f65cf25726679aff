"""What each kind of result shows, defined once for every output mode: table cells, tab-separated
fields, JSON object. Output (newsq/output.py) decides how; this module decides what."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from newsq.models import ContextCount, Details, Event, Hit, Related
from newsq.output import Cell, Column, Pair, RecordSpec, Refs, RowSpec, Span

if TYPE_CHECKING:
    from newsq.models import IndexStats

HIGHLIGHT_START, HIGHLIGHT_END = "\x02", "\x03"


# --- JSON objects (the fields the README documents) -------------------------------------------------


def event_object(ev: Event) -> dict[str, Any]:
    return {
        "slug": ev.slug,
        "date": ev.day,
        "title": ev.title,
        "topic": ev.topic,
        "contexts": list(ev.contexts),
        "summary": ev.summary,
        "sources": [{"name": s.name, "url": s.url} for s in ev.sources],
        "aliases": list(ev.aliases),
        "path": ev.path,
    }


def hit_object(hit: Hit) -> dict[str, Any]:
    obj = event_object(hit.event)
    obj["score"] = round(hit.score, 4)
    obj["snippet"] = hit.snippet.replace(HIGHLIGHT_START, "**").replace(HIGHLIGHT_END, "**")
    return obj


def related_object(rel: Related) -> dict[str, Any]:
    obj = event_object(rel.event)
    obj["reason"] = rel.reason
    obj["reasons"] = list(rel.reasons)
    obj["shared_contexts"] = list(rel.shared_contexts)
    obj["in_archive"] = rel.in_archive
    if not rel.in_archive:
        obj["path"] = None
    return obj


def related_item_object(rel: Related) -> dict[str, Any]:
    """One of an event's own Related items, as `show --json` lists them."""
    return link_object(rel.event.slug, rel.event.day, rel.event.title, rel.in_archive, rel.shared_contexts)


def link_object(
    slug: str, day: str | None, title: str, in_archive: bool, shared_contexts: tuple[str, ...]
) -> dict[str, Any]:
    """A Related link as JSON: in `show --json` and in each exported event."""
    return {
        "slug": slug,
        "date": day,
        "title": title,
        "in_archive": in_archive,
        "shared_contexts": list(shared_contexts),
    }


def details_object(details: Details) -> dict[str, Any]:
    obj = event_object(details.event)
    obj["related"] = [related_item_object(r) for r in details.related]
    obj["linked_from"] = details.linked_from
    return obj


def context_object(context: ContextCount) -> dict[str, Any]:
    return {"name": context.name, "events": context.events, "first": context.first, "last": context.last}


def stats_object(stats: IndexStats) -> dict[str, Any]:
    """What `newsq index --json` prints."""
    return {
        "full": stats.full,
        "saved": stats.saved,
        "seconds": round(stats.seconds, 3),
        "files_read": stats.files_read,
        "files": stats.files,
        "events": stats.events,
        "days": stats.days,
        "contexts": stats.contexts,
        "warnings": [{"path": path, "reason": reason} for path, reason in stats.warnings],
    }


def index_summary(stats: IndexStats) -> str:
    what = "indexed into memory" if not stats.saved else "built the cache" if stats.full else "updated the cache"
    return (
        f"{what} in {stats.seconds:.1f}s: {stats.files_read:,} of {stats.files:,} files read, "
        f"{stats.events:,} events, {stats.days:,} days, {stats.contexts:,} contexts, "
        f"{len(stats.warnings):,} warning{'s' if len(stats.warnings) != 1 else ''}"
    )


# --- table cells ------------------------------------------------------------------------------------


def _marked(text: str, style: str) -> list[Span]:
    """Text whose matches sit between \\x02 and \\x03, as pieces: the matches highlighted."""
    return [
        (part, f"{style} yellow".strip() if i % 2 else style)
        for i, part in enumerate(re.split(f"[{HIGHLIGHT_START}{HIGHLIGHT_END}]", text))
    ]


def _hit_cells(hit: Hit) -> Sequence[Cell]:
    event = _marked(hit.marked_title, "bold")
    plain = hit.snippet.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "").strip("…")
    if HIGHLIGHT_START in hit.snippet and plain not in hit.event.title:  # the match is not in the title
        event += [("\n", ""), *_marked(hit.snippet, "")]
    return hit.event.day, event


def _related_cells(rel: Related) -> Sequence[Cell]:
    event: Cell = rel.event.title
    if not rel.in_archive:
        event = [(rel.event.title, ""), ("\n(not in the archive)", "dim italic")]
    why = "mutual" if {"links-to", "linked-from"} <= set(rel.reasons) else rel.reason
    return why, rel.event.day, event, ", ".join(rel.shared_contexts)


def _event_pairs(ev: Event) -> Iterator[Pair]:
    yield Pair("Date", ev.day)
    yield Pair("Title", ev.title)
    if ev.topic:
        yield Pair("Topic", ev.topic)
    yield Pair("Contexts", ", ".join(ev.contexts) or "-")
    if ev.summary:
        yield Pair("Summary", ev.summary)
    for i, src in enumerate(ev.sources):
        yield Pair("" if i else "Sources", f"{src.name}  {src.url}", whole=True)
    yield Pair("Slug", ev.slug, whole=True)
    for i, alias in enumerate(ev.aliases):
        yield Pair("" if i else "Aliases", alias, whole=True)
    yield Pair("File", ev.path or "(listed on its day page only)", whole=True)


def _details_pairs(details: Details) -> Iterator[Pair]:
    yield from _event_pairs(details.event)
    for i, rel in enumerate(details.related):
        shared = f" [{', '.join(rel.shared_contexts)}]" if rel.shared_contexts else ""
        missing = " (not in the archive)" if not rel.in_archive else ""
        yield Pair("" if i else "Related", f"{rel.event.day}  {rel.event.title}{shared}{missing}")
    count = details.linked_from
    yield Pair("Linked from", f"{count} event{'' if count == 1 else 's'}")


# --- one spec per kind of result --------------------------------------------------------------------

_DATE = Column("Date", width=10, style="cyan")


def _place(ev: Event) -> tuple[str, str]:
    return ev.slug, ev.day


EVENTS: RowSpec[Event] = RowSpec(
    columns=(_DATE, Column("Event", ratio=2), Column("About", ratio=1, style="green")),
    cells=lambda ev: (ev.day, ev.title, ev.topic or ", ".join(ev.contexts[:4])),
    fields=lambda ev: (ev.day, ev.slug, ev.title),
    obj=event_object,
    ref=_place,
)

HITS: RowSpec[Hit] = RowSpec(
    columns=(_DATE, Column("Event")),
    cells=_hit_cells,
    fields=lambda hit: (hit.event.day, hit.event.slug, hit.event.title),
    obj=hit_object,
    ref=lambda hit: _place(hit.event),
)

RELATED: RowSpec[Related] = RowSpec(
    columns=(
        Column("Why", width=len("shared-context"), style="magenta"),
        _DATE,
        Column("Event", ratio=2),
        Column("Shared", ratio=1, style="green"),
    ),
    cells=_related_cells,
    fields=lambda rel: (rel.reason, rel.event.day, rel.event.slug, rel.event.title, ", ".join(rel.shared_contexts)),
    obj=related_object,
    ref=lambda rel: _place(rel.event) if rel.in_archive else None,  # a missing page names no event
    ref_under=2,
)

EVENT: RecordSpec[Details] = RecordSpec(obj=details_object, pairs=_details_pairs)

CONTEXTS: RowSpec[ContextCount] = RowSpec(
    columns=(
        Column("Context", ratio=1),
        Column("Events", width=8),
        _DATE._replace(header="First"),
        _DATE._replace(header="Last"),
    ),
    cells=lambda c: (c.name, f"{c.events:>8,}", c.first, c.last),
    fields=lambda c: (c.name, str(c.events), c.first, c.last),
    obj=context_object,
)

PERIODS: RowSpec[tuple[str, int, float]] = RowSpec(
    columns=(Column("Period", width=10, style="cyan"), Column("Events", width=8), Column("", bar=True, style="green")),
    cells=lambda p: (p[0], f"{p[1]:>8,}", p[2]),
    fields=lambda p: (p[0], str(p[1])),
    obj=lambda p: {"period": p[0], "count": p[1]},
)

STATS: RecordSpec[IndexStats] = RecordSpec(obj=stats_object)  # people get index_summary on stderr


# --- REFs in tables ---------------------------------------------------------------------------------


def refs(conn: sqlite3.Connection) -> Refs:
    """How a table names an event so that the name, copied, works as a REF: the whole slug where it
    fits, else its shortest unique start taken to the end of a word (still unique, and readable)."""
    from newsq import store

    def name(slug: str, day: str, room: int) -> str:
        if len(slug) <= room:
            return slug
        start = store.unique_prefix(conn, slug, day)
        if start is None:  # another event has this very slug: only its day tells them apart
            year, month, dd = day.split("-")
            return f"{year}/{month}/{int(dd)}/{slug}"
        end = slug.find("-", len(start))
        word = slug if end < 0 else slug[:end]
        return word if len(word) <= room else start

    return name
