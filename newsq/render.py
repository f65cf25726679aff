"""Output: Rich tables for a terminal, tab-separated lines for a pipe, JSON and JSON Lines for programs."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from newsq.models import Event

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from newsq.indexer import IndexStats
    from newsq.models import Hit, Related

# Control characters (C0 but tab and newline, DEL, C1) would drive the terminal: show them escaped.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_JSON_UNSAFE_RE = re.compile(r"[\x7f-\x9f\u2028\u2029]")
HIGHLIGHT_START, HIGHLIGHT_END = "\x02", "\x03"


def safe(text: str) -> str:
    """Archive text made inert for a terminal: control characters shown as \\xNN."""
    return _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def short_slug(slug: str, width: int = 40) -> str:
    """The start of a slug: enough to use as a REF (any unique prefix is one) without filling the screen."""
    return slug if len(slug) <= width else slug[: width - 1].rstrip("-") + "…"


def event_object(ev: Event) -> dict[str, Any]:
    """An event as a JSON object (the fields the README documents)."""
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
    obj["shared_contexts"] = list(rel.shared)
    obj["in_archive"] = rel.in_archive
    if not rel.in_archive:
        obj["path"] = None
    return obj


def _dumps(obj: Any) -> str:
    text = json.dumps(obj, ensure_ascii=False)
    return _JSON_UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def write_json(objects: Iterable[dict[str, Any]], *, lines: bool, out: TextIO | None = None) -> int:
    """Stream objects as one JSON array, or one object per line; returns how many."""
    out = out or sys.stdout
    count = 0
    if lines:
        for obj in objects:
            out.write(_dumps(obj) + "\n")
            out.flush()
            count += 1
        return count
    out.write("[")
    for obj in objects:
        out.write(("\n  " if count == 0 else ",\n  ") + _dumps(obj))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def write_object(obj: dict[str, Any], out: TextIO | None = None) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=2)
    (out or sys.stdout).write(_JSON_UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


# --- plain lines for pipes ------------------------------------------------------------------------


def _cell(text: str | None) -> str:
    return safe(text or "").replace("\t", " ").replace("\n", " ")


def write_lines(rows: Iterable[Iterable[str | None]], out: TextIO | None = None) -> int:
    """Tab-separated lines, one per row: easy for cut, awk and sort."""
    out = out or sys.stdout
    count = 0
    for row in rows:
        out.write("\t".join(_cell(c) for c in row) + "\n")
        count += 1
    return count


# --- Rich for people ------------------------------------------------------------------------------


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, emoji=False, markup=False)


def _text(value: str | None, style: str = "") -> Text:
    from rich.text import Text

    return Text(safe(value or ""), style=style)


def _marked(snippet: str) -> Text:
    """A snippet with its matches highlighted, built piece by piece (never parsed as markup)."""
    from rich.text import Text

    text = Text()
    for i, part in enumerate(re.split(f"[{HIGHLIGHT_START}{HIGHLIGHT_END}]", snippet)):
        text.append(safe(part), style="bold yellow" if i % 2 else "")
    return text


def _table(*columns: tuple[str, dict[str, Any]]) -> Any:
    from rich import box
    from rich.table import Table

    # expand: the ratios of the columns then share out the whole width, narrow or wide
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=True)
    for name, options in columns:
        table.add_column(name, **options)
    return table


_DATE_COL: tuple[str, dict[str, Any]] = ("Date", {"no_wrap": True, "style": "cyan", "min_width": 10})


def events_table(events: Iterable[Event], con: Console) -> int:
    table = _table(_DATE_COL, ("Event", {"ratio": 2, "overflow": "fold"}), ("About", {"ratio": 1, "style": "green"}))
    count = 0
    for ev in events:
        about = ev.topic or ", ".join(ev.contexts[:4])
        title = _text(ev.title)
        title.append("\n" + short_slug(ev.slug), style="dim")
        table.add_row(ev.day, title, _text(about))
        count += 1
    if count:
        con.print(table)
    return count


def hits_table(hits: Iterable[Hit], con: Console) -> int:
    table = _table(_DATE_COL, ("Event", {"ratio": 1, "overflow": "fold"}))
    count = 0
    for hit in hits:
        cell = _marked(hit.marked_title)
        cell.stylize("bold")
        plain = hit.snippet.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "").strip("…")
        if HIGHLIGHT_START in hit.snippet and plain not in hit.event.title:
            cell.append("\n")
            cell.append_text(_marked(hit.snippet))
        cell.append("\n" + short_slug(hit.event.slug), style="dim")
        table.add_row(hit.event.day, cell)
        count += 1
    if count:
        con.print(table)
    return count


def related_table(items: Iterable[Related], con: Console) -> int:
    table = _table(
        ("Why", {"no_wrap": True, "style": "magenta"}),
        _DATE_COL,
        ("Event", {"ratio": 2, "overflow": "fold"}),
        ("Shared", {"ratio": 1, "style": "green"}),
    )
    count = 0
    for rel in items:
        title = _text(rel.event.title)
        if not rel.in_archive:
            title.append("\n(not in the archive)", style="dim italic")
        table.add_row(rel.reason, rel.event.day, title, _text(", ".join(rel.shared)))
        count += 1
    if count:
        con.print(table)
    return count


def show_event(ev: Event, con: Console) -> None:
    from rich.table import Table

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in _show_fields(ev):
        grid.add_row(label, _text(value))
    con.print(grid)


def _show_fields(ev: Event) -> Iterator[tuple[str, str]]:
    yield "Date", ev.day
    yield "Title", ev.title
    if ev.topic:
        yield "Topic", ev.topic
    yield "Contexts", ", ".join(ev.contexts) or "-"
    if ev.summary:
        yield "Summary", ev.summary
    for i, src in enumerate(ev.sources, 1):
        yield ("Sources" if i == 1 else ""), f"{src.name}  {src.url}"
    yield "Slug", ev.slug
    if ev.aliases:
        yield "Aliases", "\n".join(ev.aliases)
    yield "File", ev.path or "(listed on its day page only)"


def show_lines(ev: Event, out: TextIO | None = None) -> None:
    """`label: value` lines, continuation lines indented: readable in a pipe, easy to grep."""
    out = out or sys.stdout
    for label, value in _show_fields(ev):
        head = f"{label.lower() + ':' if label else '':10}"
        out.write(head + safe(value).replace("\n", "\n" + " " * 10) + "\n")


def stats_object(stats: IndexStats) -> dict[str, Any]:
    """What `newsq index --json` prints."""
    return {
        "full": stats.full,
        "seconds": round(stats.seconds, 3),
        "files_read": stats.files_read,
        "files": stats.files,
        "events": stats.events,
        "days": stats.days,
        "contexts": stats.contexts,
        "warnings": [{"path": path, "reason": reason} for path, reason in stats.warnings],
    }


def index_summary(stats: IndexStats) -> str:
    what = "built" if stats.full else "updated"
    return (
        f"{what} the cache in {stats.seconds:.1f}s: {stats.files_read:,} of {stats.files:,} files read, "
        f"{stats.events:,} events, {stats.days:,} days, {stats.contexts:,} contexts, "
        f"{len(stats.warnings):,} warning{'s' if len(stats.warnings) != 1 else ''}"
    )
