"""Pure parsing of archive pages: bytes in, events out; no file system, no SQLite."""

from __future__ import annotations

import datetime as dt
import functools
import html
import posixpath
import re
from collections.abc import Iterable, Sequence

from newsq.models import DayItem, Event, EventPage, Link, ParsedFile, Source

SLUG_MAX = 139
DAY_PAGE_NAMES = ("index.md", "README.md")

_NON_SLUG = re.compile(r"[^a-z0-9]+")
# A day folder inside the archive: news/YYYY/MM/D/ (MM padded, D not, though we accept both).
_PATH_RE = re.compile(r"(?:^|/)news/(\d{4})/(\d{1,2})/(\d{1,2})/([^/]+)$")
# `### [title](/news/2003/06/2/slug.md)`: the link is always last on the line.
_ITEM_RE = re.compile(r"^###\s*\[(?P<text>.*)\]\((?P<target>[^()\s]*)\)\s*$")
_DATE_LINK_RE = re.compile(r"^#{2,3}\s*\[(\d{4})-(\d{1,2})-(\d{1,2})\]\(")
_TITLE_RE = re.compile(r"^#(?!#)\s*(.*)$")
_TOPIC_RE = re.compile(r"^#####(?!#)\s*(.*)$")
_SECTION_RE = re.compile(r"^###\s+([A-Za-z]+)\s*:?\s*$")
_NUMBERED_RE = re.compile(
    r"^\s*\d+\.\s*\[(?P<text>.*)\]\((?P<target>(?:[^()\s]|\([^()\s]*\))*)\)\s*(?:_(?P<tail>.*)_)?\s*$"
)
_CONTEXT_RE = re.compile(r"^_Contexts?:\s*(?P<names>.*?)_?\s*$")
_URL_LEFTOVER_RE = re.compile(r"\[(?:https?|ftp):[^\]]*\]?|(?:https?|ftp):\S*")
_TEMPLATE_RE = re.compile(r"\{\{[^}]*\}\}")
_WORD_RE = re.compile(r"[^\W_]+")
_BLANK_LINES_RE = re.compile(r"\n\s*\n")
# Where a topic prefix ends and the plain title starts: "Topic. Title", "Topic:Title", "Topic - Title".
_PREFIX_END_RE = re.compile(r"(?:[.:;!?](?:\s+|(?=[A-Z0-9\"'])))|\s[-\u2013\u2014]\s")

# A text with these many replacement characters or control bytes is binary, not a page.
_BINARY_SHARE = 0.1


def slugify(text: str) -> str:
    """The archive's slug of a title: lowercased, runs of non a-z0-9 to one '-', cut to 139."""
    slug = _NON_SLUG.sub("-", text.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


def iso_day(year: int, month: int, day: int) -> str | None:
    """`YYYY-MM-DD` for a real calendar day, else None."""
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


_PLAIN_LINK_RE = re.compile(r"/news/(\d{4})/(\d\d)/(\d{1,2})/([a-z0-9][a-z0-9-]*)\.md")


@functools.lru_cache(maxsize=4096)
def _cached_day(year: str, month: str, day: str) -> str | None:
    return iso_day(int(year), int(month), int(day))


def split_event_path(path: str) -> tuple[str, str] | None:
    """(day, slug) of `news/YYYY/MM/D/<slug>.md` (any prefix, `..` resolved); None otherwise."""
    if plain := _PLAIN_LINK_RE.fullmatch(path):  # links as the archive writes them: the fast path
        day = _cached_day(plain.group(1), plain.group(2), plain.group(3))
        return None if day is None or plain.group(4) == "index" else (day, plain.group(4))
    # Links as the archive writes them need no normalising; only odd ones pay for normpath.
    norm = path if "./" not in path and "//" not in path else posixpath.normpath(path)
    if norm.startswith("../") or norm == "..":
        return None
    match = _PATH_RE.search(norm)
    if match is None:
        return None
    name = match.group(4)
    for ext in (".md", ".html", ".json", ".xml"):
        if name.endswith(ext):
            name = name[: -len(ext)]
            break
    else:
        return None
    day = iso_day(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if day is None or not name or name in ("index", "README"):
        return None
    return day, name


def split_contexts(names: str) -> tuple[str, ...]:
    """`a, b, c` -> ('a', 'b', 'c'), blanks dropped, order kept, duplicates dropped."""
    seen: dict[str, None] = {}
    for name in names.split(","):
        name = name.strip()
        if name:
            seen.setdefault(name, None)
    return tuple(seen)


def decode(data: bytes) -> tuple[str | None, list[str]]:
    """Text of a file's bytes (BOM dropped, CRLF to LF, bad UTF-8 replaced), or None if binary."""
    warnings: list[str] = []
    if b"\x00" in data[:8192]:
        return None, ["binary file (NUL bytes)"]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        bad = text.count("\ufffd")
        if bad > max(16, len(text) * _BINARY_SHARE):
            return None, ["binary file (not UTF-8 text)"]
        warnings.append(f"invalid UTF-8 ({bad} bad bytes replaced)")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, warnings


def _front_matter(text: str) -> tuple[dict[str, object], str, list[str]]:
    """Split YAML front matter off a page; broken front matter is a warning, not an error."""
    if not text.startswith("---\n"):
        return {}, text, []
    # python-frontmatter splits and loads; imported only for the rare pages that have front matter.
    import frontmatter
    import yaml

    handler = frontmatter.default_handlers.YAMLHandler()
    try:
        fm, body = handler.split(text)
    except ValueError:
        return {}, text, ["front matter has no closing '---'"]
    try:
        meta = handler.load(fm)
    except yaml.YAMLError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return {}, body, [f"broken YAML front matter ({reason})"]
    except (RecursionError, ValueError, TypeError) as exc:
        return {}, body, [f"broken YAML front matter ({type(exc).__name__})"]
    if meta is None:
        return {}, body, []
    if not isinstance(meta, dict):
        return {}, body, [f"front matter is not a mapping ({type(meta).__name__})"]
    return {str(k).lower(): v for k, v in meta.items()}, body, []


def _meta_str(meta: dict[str, object], key: str) -> str | None:
    value = meta.get(key)
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _meta_list(meta: dict[str, object], *keys: str) -> tuple[str, ...]:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, str):
            return split_contexts(value)
        if isinstance(value, list):
            return tuple(str(v).strip() for v in value if v is not None and str(v).strip())
    return ()


def _meta_day(meta: dict[str, object]) -> str | None:
    value = meta.get("date")
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        match = re.match(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})", value)
        if match:
            return iso_day(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    return None


def _link(text: str, target: str, contexts: tuple[str, ...] = ()) -> Link | None:
    where = split_event_path(target)
    if where is None:
        return None
    return Link(slug=where[1], day=where[0], title=text.strip(), contexts=contexts)


def _leaves_archive(path: str, target: str) -> bool:
    """True for a link whose `..` parts climb out of news/ (from the page at `path`)."""
    if ".." not in target.split("/"):
        return False
    base = "" if target.startswith("/") else posixpath.dirname(path)
    where = posixpath.normpath(posixpath.join(base, target.lstrip("/")))
    return not where.startswith("news/")


def parse_event_page(text: str, path: str, day: str, slug: str) -> tuple[EventPage, list[str]]:
    """An event page's blocks: date, topic, title, summary, sources, changes, related."""
    warnings: list[str] = []
    meta, body, fm_warnings = _front_matter(text)
    warnings += fm_warnings
    title: str | None = None
    topic: str | None = None
    summary_lines: list[str] = []
    sources: list[Source] = []
    related: list[Link] = []
    changes: list[Link] = []
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
            name = heading.group(1).lower()
            section = "sources" if name in ("source", "sources") else name
            continue
        if section == "summary":
            summary_lines.append(line.rstrip())
            continue
        numbered = _NUMBERED_RE.match(line) if first and first not in ("#", "_", "-") else None
        if numbered is None:
            continue
        label, target, tail = numbered.group("text"), numbered.group("target"), numbered.group("tail")
        if section in ("related", "changes") and _leaves_archive(path, target):
            warnings.append(f"{section.title()} link leaves the archive ({target[:80]}); ignored")
            continue
        if section == "sources":
            sources.append(Source(name=label.strip(), url=target))
        elif section == "related":
            shared: tuple[str, ...] = ()
            if tail and (ctx := _CONTEXT_RE.match(f"_{tail}_")):
                shared = split_contexts(ctx.group("names"))
            if (link := _link(label, target, shared)) is not None:
                related.append(link)
        elif section == "changes" and (link := _link(label, target)) is not None:
            changes.append(link)
    summary = _BLANK_LINES_RE.sub("\n\n", "\n".join(summary_lines)).strip() or None
    title = _meta_str(meta, "title") or title
    if title is None:
        warnings.append("no title line")
    for target in _meta_list(meta, "related"):
        link = _link(target, target)
        if link is None and slugify(target):
            link = Link(slug=slugify(target), day=None, title=target)
        if link is not None:
            related.append(link)
    page = EventPage(
        slug=slug,
        day=_meta_day(meta) or day,
        path=path,
        title=title,
        topic=_meta_str(meta, "topic") or topic,
        summary=_meta_str(meta, "summary") or summary,
        sources=tuple(sources),
        related=tuple(related),
        changes=tuple(changes),
        contexts=_meta_list(meta, "contexts", "context", "tags"),
    )
    return page, warnings


def parse_day_page(text: str) -> list[DayItem]:
    """The event items of a day page or front page, each dated by its link's path."""
    items: list[DayItem] = []
    topic: str | None = None
    current: dict[str, object] | None = None

    def close() -> None:
        if current is not None:
            items.append(DayItem(**current))  # type: ignore[arg-type]

    for line in text.split("\n"):
        if item := _ITEM_RE.match(line):
            close()
            current = None
            where = split_event_path(item.group("target"))
            if where is not None:
                current = {
                    "slug": where[1],
                    "day": where[0],
                    "title": item.group("text").strip(),
                    "topic": topic,
                    "contexts": None,
                    "summary": None,
                }
            topic = None
        elif topic_match := _TOPIC_RE.match(line):
            topic = topic_match.group(1).strip() or None
        elif line.startswith("#") or line.startswith("---"):
            close()
            current = None
            topic = None
        elif current is not None and line.strip() and current["contexts"] is None and current["summary"] is None:
            if ctx := _CONTEXT_RE.match(line.strip()):
                current["contexts"] = split_contexts(ctx.group("names"))
            else:
                current["summary"] = line.strip()
    close()
    return items


def parse_file(path: str, data: bytes) -> ParsedFile:
    """Parse one archive file, given its path relative to the archive root and its bytes."""
    text, warnings = decode(data)
    if text is None:
        return ParsedFile(path=path, warnings=tuple(warnings))
    name = posixpath.basename(path)
    try:
        if name in DAY_PAGE_NAMES:
            _meta, body, fm_warnings = _front_matter(text)
            return ParsedFile(path=path, items=tuple(parse_day_page(body)), warnings=tuple(warnings + fm_warnings))
        where = split_event_path(path)
        if where is None:
            if _PATH_RE.search(path):
                warnings.append("impossible date in the folder name")
            return ParsedFile(path=path, warnings=tuple(warnings))
        page, page_warnings = parse_event_page(text, path, *where)
    except RecursionError:
        return ParsedFile(path=path, warnings=(*warnings, "page too deeply nested to parse"))
    return ParsedFile(path=path, page=page, warnings=tuple(warnings + page_warnings))


# --- merging one day's pages and items into events ---------------------------------------------


def title_key(title: str) -> tuple[str, ...]:
    """Words of a title with wiki and URL leftovers dropped: equal keys mean the same wording."""
    text = html.unescape(_TEMPLATE_RE.sub(" ", _URL_LEFTOVER_RE.sub(" ", title)))
    return tuple(_WORD_RE.findall(text.replace("''", "").casefold()))


def _plain_keys(title: str) -> Iterable[tuple[str, ...]]:
    """Keys of the title with a leading topic prefix cut off at each sentence break."""
    for count, match in enumerate(_PREFIX_END_RE.finditer(title)):
        if count >= 8:
            break
        key = title_key(title[match.end() :])
        if len(key) >= 3:
            yield key


class _Groups:
    """Union-find over slugs: the slugs of one event end up in one group."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def add(self, slug: str) -> None:
        self.parent.setdefault(slug, slug)

    def find(self, slug: str) -> str:
        root = slug
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[slug] != root:
            self.parent[slug], slug = root, self.parent[slug]
        return root

    def union(self, a: str, b: str) -> None:
        self.add(a)
        self.add(b)
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[root_b] = root_a


def _union_names(*lists: Iterable[str]) -> tuple[str, ...]:
    """Names in first-seen order, duplicates (ignoring case) dropped."""
    seen: dict[str, str] = {}
    for names in lists:
        for name in names:
            seen.setdefault(name.casefold(), name)
    return tuple(seen.values())


def merge_day(day: str, pages: Sequence[EventPage], items: Sequence[DayItem]) -> list[Event]:
    """The events of one day, from its event pages and the day-page items that list it.

    `items` come in order of authority (the day's index.md, its README.md, then front pages):
    the first slug a day page links to is an event's canonical slug; its other slugs (topic
    prefixed, older wordings, URL leftovers, `### Changes:` entries) become aliases.
    """
    groups = _Groups()
    titles: dict[str, str] = {}
    order: dict[str, int] = {}
    for item in items:
        groups.add(item.slug)
        titles.setdefault(item.slug, item.title)
        order.setdefault(item.slug, len(order))
    page_by_slug: dict[str, EventPage] = {}
    for page in sorted(pages, key=lambda p: p.slug):
        groups.add(page.slug)
        page_by_slug[page.slug] = page
        if page.title:
            titles[page.slug] = page.title
        for change in page.changes:
            if change.day == day:
                groups.union(page.slug, change.slug)
                titles.setdefault(change.slug, change.title)
    by_key: dict[tuple[str, ...], str] = {}
    keys = {slug: title_key(title) for slug, title in titles.items()}
    for slug, key in keys.items():
        if len(key) >= 3:
            if key in by_key:
                groups.union(by_key[key], slug)
            else:
                by_key[key] = slug
    for slug, title in titles.items():
        for key in _plain_keys(title):
            if key in by_key:
                groups.union(by_key[key], slug)
                break

    item_at: dict[str, list[int]] = {}  # slug -> positions in items (a day can list 10,000 events)
    for k, item in enumerate(items):
        item_at.setdefault(item.slug, []).append(k)
    members: dict[str, list[str]] = {}
    for slug in groups.parent:
        members.setdefault(groups.find(slug), []).append(slug)

    unlisted = len(order)
    events: list[tuple[int, str, Event]] = []
    for slugs in members.values():
        listed = [s for s in slugs if s in order]

        def plainness(s: str) -> tuple[int, int, int, str]:
            # The page that lists the older wordings is the current one; else the plainest wording.
            current = s in page_by_slug and bool(page_by_slug[s].changes)
            return (not current, len(keys.get(s, ())), len(s), s)

        if len(slugs) == 1:  # the usual case: one slug, nothing to choose
            canonical = slugs[0]
            group_pages = [page_by_slug[canonical]] if canonical in page_by_slug else []
        else:
            canonical = min(listed, key=order.__getitem__) if listed else min(slugs, key=plainness)
            group_pages = [page_by_slug[s] for s in sorted(slugs, key=plainness) if s in page_by_slug]
        own = page_by_slug.get(canonical)
        if own is not None:
            group_pages.remove(own)
            group_pages.insert(0, own)
        main = group_pages[0] if group_pages else None
        slug_set = set(slugs)
        group_items = [items[k] for k in sorted(k for s in slug_set for k in item_at.get(s, ()))]
        first_item = group_items[0] if group_items else None
        related: dict[tuple[str, str | None], Link] = {}
        for page in group_pages:
            for link in page.related:
                if link.slug not in slug_set:
                    related.setdefault((link.slug, link.day), link)
        event_title = (main.title if main else None) or (first_item.title if first_item else None)
        event = Event(
            slug=canonical,
            day=main.day if main else day,
            title=event_title or canonical.replace("-", " "),
            topic=(main.topic if main else None) or next((i.topic for i in group_items if i.topic), None),
            contexts=_union_names(
                *(p.contexts for p in group_pages),
                *(i.contexts or () for i in group_items),
                *(link.contexts for link in related.values()),
            ),
            summary=(main.summary if main else None) or next((i.summary for i in group_items if i.summary), None),
            sources=main.sources if main else (),
            aliases=tuple(sorted(s for s in slugs if s != canonical)),
            path=main.path if main else None,
            related=tuple(related.values()),
        )
        rank = order.get(canonical, unlisted)
        events.append((rank, event.path or event.slug, event))
    events.sort(key=lambda e: (e[0], e[1]))
    return [e for _, _, e in events]
