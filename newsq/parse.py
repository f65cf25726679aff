"""Pure parsing of archive pages: bytes in, events out; no file system, no SQLite."""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import re

from newsq.clean import clean_names, clean_optional, clean_text, is_site_blurb, may_hold_blurb, needs_cleaning
from newsq.merge import merge_day as merge_day  # re-exported: the indexer merges through parse
from newsq.merge import title_key as title_key
from newsq.merge import titles_agree
from newsq.models import DayItem, EventPage, Link, ParsedFile, Source
from newsq.parse_page import Entry, day_items, event_blocks

SLUG_MAX = 139
DAY_PAGE_NAMES = ("index.md", "README.md")

_NON_SLUG = re.compile(r"[^a-z0-9]+")
# A day folder inside the archive: news/YYYY/MM/D/ (MM padded, D not, though we accept both).
_PATH_RE = re.compile(r"(?:^|/)news/(\d{4})/(\d{1,2})/(\d{1,2})/([^/]+)$")
_CONTEXT_RE = re.compile(r"_Contexts?:\s*")
_ALNUM_RE = re.compile(r"[^\W_]")
# A link to a page with no name: the page of an item whose title was lost (`### [ ](.../.md)`).
_NAMELESS_RE = re.compile(r"(?:^|/)news/\d{4}/\d{1,2}/\d{1,2}/\.md$")

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


# A link as the archive writes it, or a page's own path: one cached date parse per day folder.
_PLAIN_LINK_RE = re.compile(r"/?news/(\d{4}/\d\d/\d{1,2})/([a-z0-9][a-z0-9-]*)\.md")


@functools.lru_cache(maxsize=4096)
def _cached_day(folder: str) -> str | None:
    year, month, day = folder.split("/")
    return iso_day(int(year), int(month), int(day))


def split_event_path(path: str) -> tuple[str, str] | None:
    """(day, slug) of `news/YYYY/MM/D/<slug>.md` (any prefix, `..` resolved); None otherwise."""
    if plain := _PLAIN_LINK_RE.fullmatch(path):  # links as the archive writes them: the fast path
        folder, slug = plain.groups()
        day = _cached_day(folder)
        return None if day is None or slug == "index" else (day, slug)
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


def split_contexts(names: str, dirty: bool | None = None) -> tuple[str, ...]:
    """`a, b, c` -> ('a', 'b', 'c'), cleaned, order kept; junk (`$`) and duplicates (ignoring
    case and surrounding spaces) dropped. `dirty=False`: the page holds no marker of damage."""
    if dirty or (dirty is None and needs_cleaning(names)):
        return clean_names(names.split(","))
    seen: dict[str, str] = {}
    for name in names.split(","):  # the usual case, inline: it runs for every context line
        name = name.strip()
        if name and (key := name.casefold()) not in seen and (name[0].isalnum() or _ALNUM_RE.search(name)):
            seen[key] = name
    return tuple(seen.values())


def _context_names(line: str) -> str | None:
    """The names of a `_Context: a, b_` line (the closing `_` optional), or None for another line.
    (As `_Contexts?:\\s*(.*?)_?\\s*$` would say, without a lazy regex's step per character.)"""
    if not line.startswith("_Context") or (head := _CONTEXT_RE.match(line)) is None:
        return None
    names = line[head.end() :].rstrip()
    return names[:-1] if names.endswith("_") else names


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


@functools.lru_cache(maxsize=1)
def _loader_without_dates() -> type:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


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
        # Dates stay text: YAML's own reading of `date: 2003-02-30` is an error that would lose
        # the whole front matter; _meta_day reads (or refuses, with a warning) the date alone.
        meta = yaml.load(fm, Loader=_loader_without_dates())  # a SafeLoader: no Python objects
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
            return clean_names(v for v in value if v is not None)  # front matter: rare, always cleaned
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
    return Link(slug=where[1], day=where[0], title=text.strip(), shared_contexts=contexts)


def _leaves_archive(path: str, target: str) -> bool:
    """True for a link whose `..` parts climb out of news/ (from the page at `path`)."""
    if ".." not in target.split("/"):
        return False
    base = "" if target.startswith("/") else posixpath.dirname(path)
    where = posixpath.normpath(posixpath.join(base, target.lstrip("/")))
    return not where.startswith("news/")


def _without_blurbs(summary: str) -> str | None:
    """The summary without the site blurbs scraped where a summary should be."""
    return "\n\n".join(p for p in summary.split("\n\n") if not is_site_blurb(p)) or None


def _trusted_changes(title: str | None, changes: tuple[Link, ...], warnings: list[str]) -> tuple[Link, ...]:
    """The Changes entries that are older wordings of this page's title. Real blocks are sometimes
    cross-contaminated (an election page listing another country's election of the same day)."""
    if title is None:
        return changes
    kept: list[Link] = []
    for change in changes:
        if titles_agree(title, change.title):
            kept.append(change)
        else:
            warnings.append(f"Changes entry {change.slug[:80]} ignored: its title is not a wording of this page's")
    return tuple(kept)


def _cleaned(page: EventPage) -> EventPage:
    """The page's texts cleaned: the rare page where the scan found a marker of damage."""
    return page._replace(
        title=clean_optional(page.title),
        topic=clean_optional(page.topic),
        summary=clean_optional(page.summary),
        sources=tuple(src._replace(name=clean_text(src.name)) for src in page.sources),
        related=tuple(
            ln._replace(title=clean_text(ln.title), shared_contexts=clean_names(ln.shared_contexts))
            for ln in page.related
        ),
        changes=tuple(ln._replace(title=clean_text(ln.title)) for ln in page.changes),
    )


def _event_links(
    entries: list[Entry], path: str, texts: list[str], warnings: list[str]
) -> tuple[list[Source], list[Link], list[Link]]:
    """Sources, Related and Changes links of a page's numbered lines; what a reader sees of them goes to `texts`."""
    sources: list[Source] = []
    related: list[Link] = []
    changes: list[Link] = []
    for section, label, target, tail in entries:
        if section == "sources":
            texts.append(label)
            sources.append(Source(label.strip(), target))
            continue
        if ".." in target and _leaves_archive(path, target):
            warnings.append(f"{section.title()} link leaves the archive ({target[:80]}); ignored")
            continue
        texts.append(label)
        where = split_event_path(target)
        if section == "related":
            shared: tuple[str, ...] = ()
            if tail and (names := _context_names(f"_{tail}_")) is not None:
                texts.append(tail)
                shared = split_contexts(names, False)
            if where is not None:
                related.append(Link(where[1], where[0], label.strip(), shared))
        elif where is not None:
            changes.append(Link(where[1], where[0], label.strip()))
    return sources, related, changes


def parse_event_page(text: str, path: str, day: str, slug: str) -> tuple[EventPage, list[str]]:
    """An event page's blocks: date, topic, title, summary, sources, changes, related; text cleaned."""
    warnings: list[str] = []
    meta, body, fm_warnings = _front_matter(text)
    warnings += fm_warnings
    title, topic, summary, entries = event_blocks(body)
    texts: list[str] = []  # what a reader sees of the links, scanned at once for damage
    sources, related, changes = _event_links(entries, path, texts, warnings)
    if meta:  # front matter wins over the body
        title = _meta_str(meta, "title") or title
        topic = _meta_str(meta, "topic") or topic
        summary = _meta_str(meta, "summary") or summary
        for target in _meta_list(meta, "related"):
            link = _link(target, target)
            if link is None and slugify(target):
                link = Link(slug=slugify(target), day=None, title=target)
            if link is not None:
                related.append(link)
        meta_day = _meta_day(meta)
        if meta_day is None and meta.get("date") is not None:
            warnings.append(f"front matter date {str(meta['date'])[:40]!r} is not a day; the folder's day is used")
        day = meta_day or day
    page = EventPage(
        slug=slug,
        day=day,
        path=path,
        title=title,
        topic=topic,
        summary=summary,
        sources=tuple(sources),
        related=tuple(related),
        changes=tuple(changes),
        contexts=_meta_list(meta, "contexts", "context", "tags") if meta else (),
    )
    # Most pages hold no damage at all: one scan of all their texts spares a test per field.
    # Front matter (rare) is always cleaned.
    texts += (title or "", topic or "", summary or "")
    if meta or needs_cleaning("\n".join(texts)):
        page = _cleaned(page)
    if page.summary and may_hold_blurb(page.summary):
        page = page._replace(summary=_without_blurbs(page.summary))
    if page.title is None:
        warnings.append("no title line")
    if page.changes:
        page = page._replace(changes=_trusted_changes(page.title, page.changes, warnings))
    return page, warnings


def parse_day_page(text: str, path: str = "") -> tuple[list[DayItem], list[str]]:
    """The event items of a day page or front page at `path`, each dated by its link's path; text cleaned."""
    items: list[DayItem] = []
    warnings: list[str] = []
    found, topics = day_items(text)
    texts = topics  # what a reader sees, scanned at once for damage
    for label, target, topic, told in found:
        where = split_event_path(target)
        if where is None:
            if _NAMELESS_RE.search(target):
                warnings.append(f"item with no title (links to {target[:80]}); skipped")
            continue
        title = label.strip()
        texts.append(title)
        contexts: tuple[str, ...] | None = None
        summary: str | None = None
        if told is not None:
            texts.append(told)
            if (names := _context_names(told)) is not None:
                contexts = split_contexts(names, False)
            elif not is_site_blurb(told):  # a site's blurb is neither contexts nor a summary
                summary = told
        items.append(DayItem(where[1], where[0], title, topic, contexts, summary, path))
    # Most day pages hold no damage at all: one scan of all their texts spares a test per field.
    if needs_cleaning("\n".join(texts)):
        items = [
            item._replace(
                title=clean_text(item.title) or item.title,
                topic=clean_optional(item.topic),
                contexts=None if item.contexts is None else clean_names(item.contexts),
                summary=clean_optional(item.summary),
            )
            for item in items
        ]
    return items, warnings


def parse_file(path: str, data: bytes) -> ParsedFile:
    """Parse one archive file, given its path relative to the archive root and its bytes."""
    text, warnings = decode(data)
    if text is None:
        return ParsedFile(path=path, warnings=tuple(warnings))
    try:
        if path.rpartition("/")[2] in DAY_PAGE_NAMES:
            _meta, body, fm_warnings = _front_matter(text)
            items, item_warnings = parse_day_page(body, path)
            return ParsedFile(path=path, items=tuple(items), warnings=tuple(warnings + fm_warnings + item_warnings))
        where = split_event_path(path)
        if where is None:
            if _NAMELESS_RE.search(path):
                warnings.append("event page with no title (the file is named '.md'); skipped")
            elif _PATH_RE.search(path):
                warnings.append("impossible date in the folder name")
            return ParsedFile(path=path, warnings=tuple(warnings))
        page, page_warnings = parse_event_page(text, path, *where)
    except RecursionError:
        return ParsedFile(path=path, warnings=(*warnings, "page too deeply nested to parse"))
    return ParsedFile(path=path, page=page, warnings=tuple(warnings + page_warnings))
