"""What `newsq browse` draws, built from rich Text only: archive text is data and never markup,
and control characters in it are shown escaped (render.safe)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from newsq import render
from newsq.streams import safe

if TYPE_CHECKING:
    from newsq.browse_reader import Detail, Item

BARS = "▁▂▃▄▅▆▇█"
MATCH_STYLE = "bold underline"  # a search match in a title: readable without colour (NO_COLOR)


def plain(text: str | None) -> str:
    """Archive text for one line: control characters escaped, line breaks made spaces."""
    return safe(text or "").replace("\n", " ").replace("\t", " ")


def title_text(item: Item) -> Text:
    """A list's title cell: search matches underlined, built piece by piece (never parsed)."""
    if item.marked is None:
        return Text(plain(item.event.title), no_wrap=True, overflow="ellipsis")
    text = Text(no_wrap=True, overflow="ellipsis")
    parts = re.split(f"[{render.HIGHLIGHT_START}{render.HIGHLIGHT_END}]", item.marked)
    for i, part in enumerate(parts):
        text.append(plain(part), style=MATCH_STYLE if i % 2 else "")
    return text


def cells(item: Item) -> tuple[Text, Text, Text]:
    """Date, title and the third column of one list row."""
    date = Text(item.event.day or "?", no_wrap=True)
    why = Text(plain(item.why), style="dim", no_wrap=True, overflow="ellipsis")
    if item.id == -1:
        why = Text("not in the archive", style="dim italic", no_wrap=True, overflow="ellipsis")
    return date, title_text(item), why


def sparkline(periods: list[tuple[str, int]], width: int) -> str:
    """Counts as one line of bars, at most `width` wide (neighbouring periods summed to fit);
    an empty period is a blank, so that few is never mistaken for none."""
    counts = [n for _, n in periods]
    if width <= 0 or not counts:
        return ""
    per = -(-len(counts) // width)  # periods per bar
    sums = [sum(counts[i : i + per]) for i in range(0, len(counts), per)]
    top = max(sums) or 1
    return "".join(" " if n == 0 else BARS[min(7, max(0, -(-n * 8 // top) - 1))] for n in sums)


def header(label: str, total: int | None, shown: int, periods: list[tuple[str, int]], width: int) -> Text:
    """The line above the list: what it shows, how many events match, and a chart of them by year."""
    text = Text(no_wrap=True, overflow="ellipsis")
    count = "counting…" if total is None else f"{total:,} event{'s' if total != 1 else ''}"
    if total is not None and shown < total:
        count += f", {shown:,} listed"
    right = Text(count, style="bold")
    if periods and total:
        first, last = periods[0][0], periods[-1][0]
        # The chart before the label: a long label (a title) is cut, the chart keeps its room.
        room = width - len(count) - len(first) - len(last) - 4 - 2 - 24
        bars = sparkline(periods, min(room, 40))
        if len(periods) == 1:
            right.append(f" in {first}")
        elif len(bars) >= 2:
            right.append(f"  {first} ")
            right.append(bars, style="bold")
            right.append(f" {last}")
    left = Text(plain(label), style="bold", no_wrap=True, overflow="ellipsis")
    left.truncate(max(10, width - len(right) - 2), overflow="ellipsis")
    text.append_text(left)
    text.append(" " * max(2, width - len(left) - len(right)))
    text.append_text(right)
    return text


def weekday(day: str) -> str:
    try:
        return dt.date.fromisoformat(day).strftime("%A")
    except ValueError:
        return ""


LABEL_WIDTH = 10


def detail(item: Item, found: Detail | None, width: int) -> Text:
    """An event in full, as one Text wrapped to `width` with its labels in a column of their own
    (a Rich table here cost tens of milliseconds per cursor move). `found` (its links and counts)
    is None until read."""
    event = item.event
    out = Text()
    for line in _wrap(Text(safe(event.title), style="bold"), width):
        out.append_text(line)
        out.append("\n")
    out.append("\n")
    room = max(10, width - LABEL_WIDTH)

    def row(label: str, value: Text) -> None:
        for i, line in enumerate(_wrap(value, room)):
            out.append(f"{label if i == 0 else '':<{LABEL_WIDTH}}", style="bold")
            out.append_text(line)
            out.append("\n")

    row("Date", Text(f"{event.day}  {weekday(event.day)}".strip()))
    if event.topic:
        row("Topic", Text(plain(event.topic)))
    if event.contexts:
        contexts = Text()
        for i, name in enumerate(event.contexts):
            if i:
                contexts.append(" · ", style="dim")
            contexts.append(plain(name))
            if found is not None and name in found.context_counts:
                contexts.append(f" ({found.context_counts[name]:,})", style="dim")
        row("Contexts", contexts)
    if event.summary:
        row("Summary", Text(plain(event.summary)))
    for i, source in enumerate(event.sources):
        value = Text(plain(source.name), style="bold")
        value.append("  " + plain(source.url))
        row("Sources" if i == 0 else "", value)
    if item.id == -1:
        row("", Text("Not in the archive: only the event that links here names it.", style="italic"))
    elif found is None:
        row("Related", Text("…", style="dim"))
    else:
        for i, (link, in_archive) in enumerate(found.links):
            value = Text(link.day or "?", style="dim")
            value.append("  " + plain(link.title))
            if not in_archive:
                value.append("  (not in the archive)", style="dim italic")
            row("Related" if i == 0 else "", value)
        count = found.linked_from
        linked = f"{count:,} event{'s' if count != 1 else ''} link{'s' if count == 1 else ''} to it"
        row("Linked", Text(linked + ("  (r lists them)" if count else "")))
    row("Slug", Text(plain(event.slug), style="dim"))
    if event.path:
        row("File", Text(plain(event.path), style="dim"))
    out.rstrip()
    return out


_WRAP_CONSOLE: Console | None = None


def _wrap(text: Text, width: int) -> list[Text]:
    """Text cut into lines of at most `width` cells, at spaces where it can (a URL or a slug is folded)."""
    global _WRAP_CONSOLE
    if _WRAP_CONSOLE is None:
        _WRAP_CONSOLE = Console(file=io.StringIO(), markup=False, highlight=False, emoji=False, width=200)
    return list(text.wrap(_WRAP_CONSOLE, max(1, width), overflow="fold"))


HELP = """\
Keys
  /              search (the text is selected: type to replace it)
  ↑ ↓ PgUp PgDn  move in the list, or scroll an open event
  Enter          open the selected event (Escape closes it)
  r              events related to it, and why
  d              the other events of its day
  y              its day (month and day) in every year
  c              one of its contexts: that context's events, newest first
  Escape, ⌫      leave the search box; elsewhere, back to the previous view
  Tab            the next pane            ?  this help
  q              quit (not in the search box)
  Ctrl+Q         quit from anywhere       Ctrl+Z  suspend (fg comes back)

Searching (as `newsq search`)
  Mars Express     events with every word, in any field
  "Mars Express"   the words side by side
  mar*             a word starting with mar
  -Beagle          leave out events with this word
  Mars OR Venus    either word
  A word in no event is replaced by the closest word of the archive,
  and the status line says so. An empty box lists the newest events.
"""


def help_text() -> Text:
    text = Text()
    for line in HELP.splitlines():
        text.append(line + "\n", style="bold" if line and not line.startswith(" ") else "")
    return text


def month_day(day: str) -> str:
    """June 2, for 2003-06-02."""
    try:
        return dt.date.fromisoformat(day).strftime("%B ") + str(int(day[8:10]))
    except ValueError:
        return day[5:]
