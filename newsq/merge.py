"""One day's event pages and day-page items merged into events: the slugs of one event found and joined."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from newsq.models import DayItem, Event, EventPage, Link

_URL_LEFTOVER_RE = re.compile(r"\[(?:https?|ftp):[^\]]*\]?|(?:https?|ftp):\S*")
_TEMPLATE_RE = re.compile(r"\{\{[^}]*\}\}")
_WORD_RE = re.compile(r"[^\W_]+")
# Where a topic prefix ends and the plain title starts: "Topic. Title", "Topic:Title", "Topic - Title".
_PREFIX_END_RE = re.compile(r"(?:[.:;!?](?:\s+|(?=[A-Z0-9\"'])))|\s[-\u2013\u2014]\s")


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
