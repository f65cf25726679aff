"""One day's event pages and day-page items merged into events: the slugs of one event found and joined.

The same event appears on one day under several slugs and titles: topic-prefixed (`Topic: Title`,
`Topic:Title`, `''Topic''Title`, `Topic. Sub-topic. Title`), older wordings (`X.` beside
`X, resulting in Y.`), URL leftovers, slugs cut at different lengths. Titles are compared by keys
(their words, cleaned, with the letters a bad encoding may have dropped left out) so that damaged
and clean wordings of one event meet; slugs alone never join two events.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from newsq.clean import clean_text
from newsq.models import DayItem, Event, EventPage, Link
from newsq.slugs import resolve_cut_slug

_WORD_RE = re.compile(r"[^\W_]+")
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_BARE_URL_RE = re.compile(r"(?:https?|ftp):\S*")
# Where a topic prefix ends and the plain title starts: "Topic. Title", "Topic:Title", "Topic - Title".
_PREFIX_END_RE = re.compile(r"[.:;!?](?:\s+|(?=[A-Z0-9\"'\u2018\u201c]))|\s[-\u2013\u2014]\s")
# Where an older, shorter wording may end inside a newer one ("X." in "X, resulting in Y.").
_CLAUSE_END_RE = re.compile(r"[,;:.!?()\u2013\u2014]|\s-\s")
_MIN_KEY = 3  # words: shorter titles ("Fighting continues.") are too common to join on
_MIN_HEAD = 4  # words of an older wording that a newer one extends
_MIN_GLUED = 5  # words of a title left when a topic glued on with no break is cut off
_MAX_CUTS = 10
_OPENING = 3  # words that a Changes entry's title must share with its page's
# Capitalised words that name no subject.
_NOT_NAMES = frozenset(
    "a an the in on at of by for to from and or but after before during as all it its he she they this that "  # noqa: SIM905
    "these those there their his her least some many several two three four five".split()
)

Key = tuple[str, ...]


def _words(text: str) -> tuple[list[int], Key, list[int]]:
    """Offsets, words and the indexes of the words that start with a capital or a digit, of a clean
    text. Words are case folded, glued words split at a lower-to-upper change (`shootingA`), and
    non-ASCII letters left out, so `Côte`, `CÃ´te` and `Cte` (a letter dropped by a bad encoding)
    give the same word."""
    if text.isascii() and _CAMEL_RE.search(text) is None:  # the usual case, kept lean
        found = [(m.start(), m.group()) for m in _WORD_RE.finditer(text)]
        words = tuple(w.lower() for _, w in found)
        return [at for at, _ in found], words, [k for k, (_, w) in enumerate(found) if not w[0].islower()]
    starts: list[int] = []
    folded: list[str] = []
    capitals: list[int] = []
    for match in _WORD_RE.finditer(text):
        word, start = match.group(), match.start()
        cuts = [0, *(m.start() for m in _CAMEL_RE.finditer(word)), len(word)]
        for a, b in itertools.pairwise(cuts):
            piece = word[a:b].encode("ascii", "ignore").decode()
            if piece:
                if not piece[0].islower():
                    capitals.append(len(folded))
                starts.append(start + a)
                folded.append(piece.lower())
    return starts, tuple(folded), capitals


def _key_text(title: str) -> str:
    text = clean_text(title)
    if ":" in text:
        text = _BARE_URL_RE.sub(" ", text)
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _key_of(text: str) -> Key:
    """_words(text)[1], without the offsets and capitals (the usual case: findall, no Match objects)."""
    if text.isascii() and _CAMEL_RE.search(text) is None:
        return tuple(map(str.lower, _WORD_RE.findall(text)))
    return _words(text)[1]


def title_key(title: str) -> Key:
    """Words of a title, cleaned: equal keys mean the same wording."""
    return _key_of(_key_text(title))


class _Forms:
    """The keys one title can meet others by (full=False: only its key, for a title that no other
    of its day can meet but by an equal key: see _join_by_titles)."""

    __slots__ = ("heads", "key", "plain", "topics")

    def __init__(self, title: str, full: bool = True) -> None:
        text = _key_text(title)
        if not full:
            self.key = _key_of(text)
            self.plain: list[Key] = []
            self.topics = 0
            self.heads: list[tuple[int, Key]] = []
            return
        starts, key, capitals = _words(text)
        self.key = key
        # The title with a leading topic cut off at each break (chained topics give several)...
        breaks = sorted(
            {
                cut
                for m in _PREFIX_END_RE.finditer(text)
                if 0 < (cut := bisect.bisect_left(starts, m.end())) <= len(key) - _MIN_KEY
            }
        )[:_MAX_CUTS]
        # ... and at each capitalised word, for a topic glued on with no break at all
        # (`''Topic''Title`, `shootingA man`), when what is left is long enough to be a title.
        glued = [k for k in capitals if 0 < k <= len(key) - _MIN_GLUED and k not in breaks]
        self.plain = [key[cut:] for cut in breaks] + [key[cut:] for cut in glued[:_MAX_CUTS]]
        self.topics = len(breaks)  # plain[:topics]: cut where a topic visibly ends
        # Older wordings it may extend: its words up to a clause break, from the whole title
        # (source 0) and from each form with its topic cut at a break (source k + 1).
        heads: list[tuple[int, Key]] = []
        if len(key) > _MIN_HEAD:
            for match in _CLAUSE_END_RE.finditer(text):
                end = bisect.bisect_left(starts, match.start())
                if _MIN_HEAD <= end < len(key):
                    heads.append((0, key[:end]))
                    heads += ((k + 1, key[cut:end]) for k, cut in enumerate(breaks) if end - cut >= _MIN_HEAD)
        self.heads = heads


def _names(title: str) -> set[str]:
    """Capitalised words after the first: who or where a title is about."""
    words = re.findall(r"[^\W\d_][\w'-]*", clean_text(title))[1:]
    return {w.casefold() for w in words if w[:1].isupper() and w.casefold() not in _NOT_NAMES}


def titles_agree(page_title: str, change_title: str) -> bool:
    """True when a `### Changes:` entry's title is an older wording of the page's title: the same
    opening words (either may carry a topic prefix) and, where both name someone, the same subject."""
    page, change = _Forms(page_title), _Forms(change_title)
    opening = any(
        a[:n] == b[:n]
        for a in (page.key, *page.plain[: page.topics])
        for b in (change.key, *change.plain[: change.topics])
        if (n := min(_OPENING, len(a), len(b)))
    )
    if not opening:
        return False
    names, other = _names(page_title), _names(change_title)
    return not names or not other or bool(names & other)


class _Groups:
    """Union-find over slugs: the slugs of one event end up in one group. A group also knows the
    day pages that list its slugs: two groups that one page lists as separate items never join."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.listed: dict[str, set[str]] = {}

    def add(self, slug: str) -> None:
        self.parent.setdefault(slug, slug)

    def find(self, slug: str) -> str:
        root = slug
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[slug] != root:
            self.parent[slug], slug = root, self.parent[slug]
        return root

    def list_in(self, slug: str, page: str) -> None:
        self.listed.setdefault(self.find(slug), set()).add(page)

    def union(self, a: str, b: str) -> None:
        self.add(a)
        self.add(b)
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        pages_a, pages_b = self.listed.get(root_a), self.listed.get(root_b)
        if pages_a and pages_b and not pages_a.isdisjoint(pages_b):
            return
        self.parent[root_b] = root_a
        if pages_b:
            self.listed.setdefault(root_a, set()).update(pages_b)
            del self.listed[root_b]


def _union_names(*lists: Iterable[str]) -> tuple[str, ...]:
    """Names in first-seen order, duplicates (ignoring case) dropped."""
    seen: dict[str, str] = {}
    for names in lists:
        for name in names:
            seen.setdefault(name.casefold(), name)
    return tuple(seen.values())


def _may_meet(forms: Mapping[str, _Forms]) -> set[str]:
    """The titles that may meet another by more than an equal key, found from keys alone (the
    full forms cost five times a key). Every other way two titles meet puts the first two words
    of one's key (a key of 3 words or more; a plain form; a head) inside the other's key: a key
    met as a plain form or a head of another is a run of that other's words, and so is the
    plain form (a run of its words) that another's head (its first words) meets. So a title
    whose word pairs hold no other title's first pair, and whose first pair is in no other's,
    meets others by equal keys only."""
    firsts: dict[tuple[str, str], list[str]] = {}
    for slug, form in forms.items():
        if len(form.key) >= _MIN_KEY:
            firsts.setdefault((form.key[0], form.key[1]), []).append(slug)
    found: set[str] = set()
    for slug, form in forms.items():
        for pair in itertools.pairwise(form.key):
            others = firsts.get(pair)
            if others is not None and (len(others) > 1 or others[0] != slug):
                found.add(slug)
                found.update(others)
    found.difference_update(s for s in list(found) if len(forms[s].key) < _MIN_KEY)
    return found


def _join_by_titles(groups: _Groups, titles: Mapping[str, str]) -> dict[str, _Forms]:
    """Join the slugs whose titles are one wording: equal keys, then a topic-prefixed title with
    the plain one, then an older wording with the newer one that extends it."""
    forms = {slug: _Forms(title, full=False) for slug, title in titles.items()}
    for slug in _may_meet(forms):
        forms[slug] = _Forms(titles[slug])
    by_key: dict[Key, str] = {}
    for slug, form in forms.items():
        if len(form.key) >= _MIN_KEY:
            if form.key in by_key:
                groups.union(by_key[form.key], slug)
            else:
                by_key[form.key] = slug
    by_plain: dict[Key, str | None] = {}  # None: a plain form that several titles share
    for slug, form in forms.items():
        for plain in form.plain:
            if plain in by_key:
                groups.union(by_key[plain], slug)
            by_plain[plain] = slug if by_plain.get(plain, slug) == slug else None
    for slug, form in forms.items():
        for source, head in form.heads:
            if head in by_key:
                groups.union(by_key[head], slug)
            elif source == 0 and (other := by_plain.get(head)) is not None:
                groups.union(other, slug)  # "Topic. X." and "X, resulting in Y."
    return forms


def grouping_key(page: EventPage | None) -> int:
    """A checksum of all that merge_day reads of an event page to group its day's slugs: whether it
    is one, its slug, day, title and Changes entries. A page edited with an equal key leaves every
    group of its day as it was: only its own event is built again (group_event)."""
    import hashlib  # lazily: only the indexer asks

    what = None if page is None else (page.slug, page.day, page.title, page.changes)
    digest = hashlib.blake2b(repr(what).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


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
        if item.listed_in:
            groups.list_in(item.slug, item.listed_in)
        titles.setdefault(item.slug, item.title)
        order.setdefault(item.slug, len(order))
    page_by_slug: dict[str, EventPage] = {}
    for page in sorted(pages, key=lambda p: p.slug):
        groups.add(page.slug)
        page_by_slug[page.slug] = page
        if page.title:
            titles[page.slug] = page.title
        for change in page.changes:  # the parser keeps only the entries whose titles agree
            if change.day == day:
                groups.union(page.slug, change.slug)
                titles.setdefault(change.slug, change.title)
    forms = _join_by_titles(groups, titles)

    item_at: dict[str, list[int]] = {}  # slug -> positions in items (a day can list 10,000 events)
    for k, item in enumerate(items):
        item_at.setdefault(item.slug, []).append(k)
    members: dict[str, list[str]] = {}
    for slug in groups.parent:
        members.setdefault(groups.find(slug), []).append(slug)

    def plainness(s: str) -> tuple[int, int, int, str]:
        # The page that lists the older wordings is the current one; else the plainest wording.
        current = s in page_by_slug and bool(page_by_slug[s].changes)
        return (not current, len(forms[s].key) if s in forms else 0, len(s), s)

    canonical_of: dict[str, str] = {}
    unlisted = len(order)
    built: list[tuple[int, str, list[str], list[EventPage]]] = []
    for slugs in members.values():
        listed = [s for s in slugs if s in order]
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
        for s in slugs:
            canonical_of[s] = canonical
        built.append((order.get(canonical, unlisted), canonical, slugs, group_pages))

    events: list[tuple[int, str, Event]] = []
    for rank, canonical, slugs, group_pages in built:
        group_items = [items[k] for k in sorted(k for s in slugs for k in item_at.get(s, ()))]
        event = group_event(day, canonical, slugs, group_pages, group_items, canonical_of)
        events.append((rank, event.path or event.slug, event))
    events.sort(key=lambda e: (e[0], e[1]))
    return [e for _, _, e in events]


def group_event(
    day: str,
    canonical: str,
    slugs: Iterable[str],
    group_pages: Sequence[EventPage],
    group_items: Sequence[DayItem],
    canonical_of: Mapping[str, str],
) -> Event:
    """The event of one group of slugs, once the day's slugs are grouped: from its pages (its main
    one first), its items (in order of authority) and every slug of the day (-> its canonical slug),
    which links into the day are resolved against. An update that has shown that the grouping
    stands builds one event again with this alone."""
    main = group_pages[0] if group_pages else None
    slug_set = set(slugs)
    first_item = group_items[0] if group_items else None
    related: dict[tuple[str, str | None], Link] = {}
    for page in group_pages:
        for link in page.related:
            if link.slug in slug_set:
                continue
            if link.day == day and link.slug not in canonical_of:
                # A link into its own day may name a slug cut at another length.
                target = resolve_cut_slug(link.slug, canonical_of)
                if target in slug_set:
                    continue
                if target is not None:
                    link = link._replace(slug=target)
            related.setdefault((link.slug, link.day), link)
    event_title = (main.title if main else None) or (first_item.title if first_item else None)
    return Event(
        slug=canonical,
        day=main.day if main else day,
        title=event_title or canonical.replace("-", " "),
        topic=(main.topic if main else None) or next((i.topic for i in group_items if i.topic), None),
        contexts=_union_names(
            *(p.contexts for p in group_pages),
            *(i.contexts or () for i in group_items),
            *(link.shared_contexts for link in related.values()),
        ),
        summary=(main.summary if main else None) or next((i.summary for i in group_items if i.summary), None),
        sources=main.sources if main else (),
        aliases=tuple(sorted(s for s in slug_set if s != canonical)),
        path=main.path if main else None,
        related=tuple(related.values()),
    )
