"""Finding the blocks of a page in its text: strings in, strings out (no paths, dates or cleaning).

Two readers give the same blocks. The fast one searches the whole text with regexes that begin with
a literal marker (`\\n#`, `\\n###`, a numbered line's `\\n`), so the regex engine skips from marker to
marker instead of Python visiting every line. It declines (returns None) the rare event page whose
blocks are out of their usual order, and the line-by-line reader, the reference, reads those; day
pages it reads in every shape (tests hold both readers to the same blocks on generated pages). Each
fast regex is its line regex over a text that starts with `\\n`: `.` became `[^\\n]`, `\\s` (within a
line) `[^\\S\\n]`, and `^`/`$` a `\\n` before the line and the end of the line, so a match means what it
meant on the line alone.
"""

from __future__ import annotations

import re

# (section, label, target, tail) of a numbered line under `### Source(s):`, `### Related:`, `### Changes:`
Entry = tuple[str, str, str, str | None]
# (title, topic, summary, entries) of an event page
EventBlocks = tuple[str | None, str | None, str | None, list[Entry]]
# (label, target, topic above it, first non-blank line under it, stripped) of a day page item
Item = tuple[str, str, str | None, str | None]

LISTS = ("sources", "related", "changes")  # the sections whose numbered lines are read

# --- the line-by-line reader ---------------------------------------------------------------------

_DATE_LINK_RE = re.compile(r"^#{2,3}\s*\[(\d{4})-(\d{1,2})-(\d{1,2})\]\(")
_TITLE_RE = re.compile(r"^#(?!#)\s*(.*)$")
_TOPIC_RE = re.compile(r"^#####(?!#)\s*(.*)$")
_SECTION_RE = re.compile(r"^###\s+([A-Za-z]+)\s*:?\s*$")
_NUMBERED_RE = re.compile(
    r"^\s*\d+\.\s*\[(?P<text>.*)\]\((?P<target>(?:[^()\s]|\([^()\s]*\))*)\)\s*(?:_(?P<tail>.*)_)?\s*$"
)
_BLANK_LINES_RE = re.compile(r"\n\s*\n")


def _summary(lines: list[str]) -> str | None:
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(line.rstrip() for line in lines)).strip() or None


def _section(name: str) -> str:
    name = name.lower()
    return "sources" if name in ("source", "sources") else name


def event_blocks_by_line(body: str) -> EventBlocks:
    """The blocks of an event page's body (front matter removed), read line by line."""
    title: str | None = None
    topic: str | None = None
    summary_lines: list[str] = []
    entries: list[Entry] = []
    section = "head"
    for line in body.split("\n"):
        # Cheap dispatch on the first character: most lines are blank, text, or numbered links.
        first = line[:1]
        if section == "head" and first in ("#", "F"):
            if line.startswith("Formats:") or _DATE_LINK_RE.match(line):
                continue
            if topic_match := _TOPIC_RE.match(line):
                topic = topic_match.group(1).strip() or None
                continue
            if title_match := _TITLE_RE.match(line):
                title = title_match.group(1).strip() or None
                section = "summary"
                continue
        if first == "#" and (heading := _SECTION_RE.match(line)):
            section = _section(heading.group(1))
            continue
        if section == "summary":
            summary_lines.append(line)
            continue
        if section in LISTS and first not in ("#", "_", "-", "") and (numbered := _NUMBERED_RE.match(line)):
            entries.append((section, numbered.group("text"), numbered.group("target"), numbered.group("tail")))
    return title, topic, _summary(summary_lines), entries


_ITEM_RE = re.compile(r"^###\s*\[(?P<text>.*)\]\((?P<target>[^()\s]*)\)\s*$")


def day_items_by_line(text: str) -> tuple[list[Item], list[str]]:
    """The items of a day page or front page, and the text of each topic line, read line by line."""
    items: list[Item] = []
    topics: list[str] = []
    topic: str | None = None
    item: tuple[str, str, str | None] | None = None  # the last item line, until its next line is read
    for line in text.split("\n"):
        if match := _ITEM_RE.match(line):
            if item is not None:
                items.append((*item, None))
            item = match.group("text"), match.group("target"), topic
            topic = None
        elif topic_match := _TOPIC_RE.match(line):
            topic = topic_match.group(1).strip() or None
            topics.append(topic or "")
        elif line.startswith("#") or line.startswith("---"):
            if item is not None:
                items.append((*item, None))
            item = topic = None
        elif item is not None and (stripped := line.strip()):
            items.append((*item, stripped))
            item = None
    if item is not None:
        items.append((*item, None))
    return items, topics


# --- the fast reader -----------------------------------------------------------------------------

_FAST_TITLE_RE = re.compile(r"\n#(?!#)([^\n]*)")
_FAST_TOPIC_RE = re.compile(r"\n#####(?!#)([^\n]*)")
_FAST_SECTION_RE = re.compile(r"\n###[^\S\n]+([A-Za-z]+)[^\S\n]*:?[^\S\n]*$", re.M)
# The target is written unrolled (`a*(?:b a*)*` for `(?:a|b)*`): the same matches, five times faster.
_FAST_NUMBERED_RE = re.compile(
    r"\n[^\S\n]*\d+\.[^\S\n]*\[(?P<text>[^\n]*)\]\((?P<target>[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)\)"
    r"[^\S\n]*(?:_(?P<tail>[^\n]*)_)?[^\S\n]*$",
    re.M,
)


def event_blocks(body: str) -> EventBlocks:
    """The blocks of an event page's body (front matter removed): the fast reader, else line by line."""
    return _event_blocks_fast(body) or event_blocks_by_line(body)


def _event_blocks_fast(body: str) -> EventBlocks | None:
    text = "\n" + body
    title_line = _FAST_TITLE_RE.search(text)
    if title_line is None:
        return None  # no title: every line is head, a shape for the line reader
    headings = list(_FAST_SECTION_RE.finditer(text))
    if headings and headings[0].start() < title_line.start():
        return None  # a block before the title
    # Above the title only the topic line counts (the `Formats:` and date lines say nothing new).
    topics = _FAST_TOPIC_RE.findall(text, 0, title_line.start())
    topic = (topics[-1].strip() or None) if topics else None
    title = title_line.group(1).strip() or None
    end = title_line.end()
    chunk = text[end + 1 : headings[0].start()] if headings else text[end + 1 :]
    summary = chunk.strip()
    if "\n" in summary:
        summary = _summary(chunk.split("\n")) or ""
    entries: list[Entry] = []
    for k, heading in enumerate(headings):
        section = _section(heading.group(1))
        if section in ("head", "summary"):
            return None  # a heading that reopens the head or the summary
        if section in LISTS:
            stop = headings[k + 1].start() if k + 1 < len(headings) else len(text)
            for line in _FAST_NUMBERED_RE.finditer(text, heading.end(), stop):
                entries.append((section, line.group("text"), line.group("target"), line.group("tail")))
    return title, topic, summary or None, entries


_FAST_DAY_RE = re.compile(
    r"\n(?:(?:###[^\S\n]*\[(?P<text>[^\n]*)\]\((?P<target>[^()\s]*)\)[^\S\n]*|#####(?!#)(?P<topic>[^\n]*))$"
    # the next line that is not blank, unless it is a heading or a `---`: what an item above says
    r"(?:(?:\n[^\S\n]*(?=\n))*\n(?!#|---)[^\S\n]*(?P<told>\S[^\n]*))?"
    r"|#|---)",
    re.M,
)


def day_items(text: str) -> tuple[list[Item], list[str]]:
    """The items of a day page or front page, and the text of each topic line, by the fast reader."""
    items: list[Item] = []
    topics: list[str] = []
    topic: str | None = None
    item: tuple[str, str, str | None] | None = None  # the last item line, while nothing is read under it
    for match in _FAST_DAY_RE.finditer("\n" + text):
        label, target, topic_text, told = match.group("text", "target", "topic", "told")
        if target is None and topic_text is not None:
            # A topic line between an item and its line (the topic of the next item) leaves the item open.
            topic = topic_text.strip() or None
            topics.append(topic or "")
            if item is not None and told is not None:
                items.append((*item, told.rstrip()))
                item = None
            continue
        if item is not None:
            items.append((*item, None))
            item = None
        topic_above, topic = topic, None
        if target is not None:
            if told is None:
                item = label, target, topic_above
            else:
                items.append((label, target, topic_above, told.rstrip()))
    if item is not None:
        items.append((*item, None))
    return items, topics
