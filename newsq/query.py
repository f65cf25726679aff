"""The domain logic of queries: dates, search terms, typo correction, references, related events."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

from newsq import store
from newsq.errors import BadDate, BadQuery, UnknownRef
from newsq.models import Event, Hit, Related, SearchResult

_MONTH_NAMES = "january february march april may june july august september october november december".split()  # noqa: SIM905
_MONTHS = {name: i for i, name in enumerate(_MONTH_NAMES, 1)} | {n[:3]: i for i, n in enumerate(_MONTH_NAMES, 1)}
_MONTHS["sept"] = 9


# --- dates ---------------------------------------------------------------------------------------


def _span(raw: str, year: int, month: int | None = None, day: int | None = None) -> tuple[str, str]:
    try:
        if month is None:
            return dt.date(year, 1, 1).isoformat(), dt.date(year, 12, 31).isoformat()
        if day is None:
            first = dt.date(year, month, 1)
            last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            return first.isoformat(), last.isoformat()
        one = dt.date(year, month, day).isoformat()
    except (ValueError, OverflowError):
        raise BadDate(f"no such date: {raw!r}") from None
    return one, one


def parse_date(text: str) -> tuple[str, str]:
    """The first and last ISO day a user's date covers: a day, a month or a year.

    Accepts 2003-06-02, 2003-06-2, 2003/06/02, 20030602, June 2, 2003, 2 June 2003, Jun 2003,
    2003-06, 2003/06 and 2003.
    """
    raw = text.strip()
    low = raw.lower().replace(",", " ").replace(".", " ")
    nums = r"(\d{4})[-/.](\d{1,2})"
    if (m := re.fullmatch(nums + r"[-/.](\d{1,2})", raw)) or (m := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", raw)):
        start, end = _span(raw, int(m[1]), int(m[2]), int(m[3]))
    elif m := re.fullmatch(nums, raw):
        start, end = _span(raw, int(m[1]), int(m[2]))
    elif m := re.fullmatch(r"(\d{4})", raw):
        start, end = _span(raw, int(m[1]))
    elif m := re.fullmatch(r"([a-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?\s+(\d{4})", low):
        start, end = _span(raw, int(m[3]), _month(m[1], raw), int(m[2]))
    elif m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\s+(\d{4})", low):
        start, end = _span(raw, int(m[3]), _month(m[2], raw), int(m[1]))
    elif m := re.fullmatch(r"([a-z]+)\s+(\d{4})", low):
        start, end = _span(raw, int(m[2]), _month(m[1], raw))
    else:
        raise BadDate(f"cannot read the date {raw!r}: use 2003-06-02, 'June 2, 2003', 2003-06 or 2003")
    return start, end


def _month(name: str, raw: str) -> int:
    if name not in _MONTHS:
        raise BadDate(f"cannot read the month in {raw!r}")
    return _MONTHS[name]


def date_range(when: str, to: str | None) -> tuple[str, str]:
    """The span from the start of `when` to the end of `to` (or of `when`)."""
    start, end = parse_date(when)
    if to is not None:
        end = parse_date(to)[1]
    if end < start:
        raise BadDate(f"--to {to} is before {when}")
    return start, end


def events_on(conn: sqlite3.Connection, when: str, to: str | None = None) -> Iterator[Event]:
    start, end = date_range(when, to)
    return (row.event for row in store.events_between(conn, start, end))


# --- search --------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r'"([^"]*)"?|(\S+)')
_WORD_RE = re.compile(r"[^\W_]+")


class Term(NamedTuple):
    """One part of a query: a word (maybe a prefix `mar*`) or a quoted phrase."""

    text: str
    phrase: bool = False
    prefix: bool = False

    def fts(self) -> str:
        quoted = '"' + self.text.replace('"', '""') + '"'
        return quoted + "*" if self.prefix else quoted


def fold(word: str) -> str:
    """A word as FTS5's unicode61 tokenizer stores it: case folded, diacritics removed."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_terms(query: str) -> list[Term]:
    """Split user text into words and "quoted phrases"; a trailing * makes a prefix."""
    terms: list[Term] = []
    for m in _TOKEN_RE.finditer(query):
        if m.group(1) is not None:
            text = m.group(1).strip()
            if _WORD_RE.search(text):
                terms.append(Term(text, phrase=True))
            continue
        word = m.group(2)
        prefix = word.endswith("*")
        word = word.rstrip("*")
        if _WORD_RE.search(word):
            terms.append(Term(word, prefix=prefix))
    return terms


def search(
    conn: sqlite3.Connection,
    query: str,
    *,
    raw: bool = False,
    exact: bool = False,
    first: str | None = None,
    last: str | None = None,
    context: str | None = None,
    limit: int = 20,
) -> SearchResult:
    """Ranked full-text search; words that match nothing are corrected against the index's words."""
    corrections: list[tuple[str, str]] = []
    if raw:
        match = query
        if not query.strip():
            raise BadQuery("empty query")
    else:
        terms = parse_terms(query)
        if not terms:
            raise BadQuery(f"nothing to search for in {query!r}: give a word")
        if not exact:
            terms, corrections = _correct(conn, terms)
        match = " ".join(t.fts() for t in terms)
    try:
        hits = [
            Hit(r.event, score, snip, title)
            for r, score, snip, title in store.search(conn, match, first=first, last=last, context=context, limit=limit)
        ]
    except sqlite3.OperationalError as exc:
        if raw:
            raise BadQuery(f"bad FTS5 query: {exc}") from None
        raise
    return SearchResult(hits, corrections)


def _correct(conn: sqlite3.Connection, terms: list[Term]) -> tuple[list[Term], list[tuple[str, str]]]:
    out: list[Term] = []
    fixed: list[tuple[str, str]] = []
    for term in terms:
        words = _WORD_RE.findall(fold(term.text))
        if term.phrase or term.prefix or len(words) != 1 or store.term_exists(conn, words[0]):
            out.append(term)
            continue
        better = closest_term(conn, words[0])
        if better is None:
            out.append(term)
        else:
            out.append(Term(better))
            fixed.append((term.text, better))
    return out, fixed


def _max_edits(word: str) -> int:
    return 1 if len(word) <= 4 else 2 if len(word) <= 8 else 3


def closest_term(conn: sqlite3.Connection, word: str) -> str | None:
    """The index word nearest to `word` (edit distance with transpositions), commonest first.

    Looks at words of a similar length that share the first letter, then, if none is close
    enough, at words of a similar length that share the second: fast on a large vocabulary."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    edits = _max_edits(word)
    lo, hi = max(1, len(word) - edits), len(word) + edits
    for start in dict.fromkeys((word[:1], "")):
        candidates = store.terms_between(conn, start, start + "\U0010ffff", lo, hi)
        if not start:
            candidates = [c for c in candidates if c[0][1:2] == word[1:2]]
        if not candidates:
            continue
        docs = dict(candidates)
        found = process.extract(word, list(docs), scorer=OSA.distance, score_cutoff=edits, limit=20)
        if found:
            best = min(found, key=lambda f: (f[1], -docs[f[0]], f[0]))
            return str(best[0])
    return None


# --- references ----------------------------------------------------------------------------------

_REF_PATH_RE = re.compile(r"(?:^|/)(?:news/)?(\d{4})/(\d{1,2})/(\d{1,2})/([^/]+?)(?:\.(?:md|html|json|xml))?/?$")


def resolve(conn: sqlite3.Connection, ref: str) -> store.Row:
    """The event a REF names: slug, alias, YYYY/MM/D/slug, a /news/... link, or a unique prefix."""
    text = ref.strip()
    if not text:
        raise UnknownRef("empty event reference")
    day: str | None = None
    slug = text
    if m := _REF_PATH_RE.search(text):
        try:
            day = dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            raise UnknownRef(f"no such date in {text!r}") from None
        slug = m[4]
    elif text.endswith(".md"):
        slug = text[:-3]
    rows = store.events_by_slug(conn, slug, day)
    if not rows:
        rows = store.events_by_slug_prefix(conn, slug, limit=11, day=day)
    if len(rows) == 1:
        return rows[0]
    if rows:
        listing = "; ".join(f"{r.event.day} {r.event.slug}" for r in rows[:10])
        more = " ..." if len(rows) > 10 else ""
        raise UnknownRef(f"{text!r} names {len(rows) if len(rows) <= 10 else 'more than 10'} events: {listing}{more}")
    raise UnknownRef(f"no event {text!r}{_did_you_mean(conn, slug)}")


def _did_you_mean(conn: sqlite3.Connection, slug: str) -> str:
    from rapidfuzz import fuzz, process

    key = slug.lower()
    # Slugs sharing a long start first, widening until there are enough to choose from: on a
    # million events the whole list would take seconds to score.
    pool: list[str] = []
    for size in (8, 4, 2, 0):
        pool = store.slugs_near(conn, key[:size], limit=20_000)
        if len(pool) >= 50:
            break
    found = process.extract(key, pool, scorer=fuzz.WRatio, limit=3, score_cutoff=50)
    if not found:
        return ""
    return "; did you mean: " + ", ".join(str(f[0]) for f in found)


# --- related events ------------------------------------------------------------------------------


# Per context, how many events on each side in time are weighed: bounds the work for very
# common contexts on a large archive, while rare contexts are counted in full.
_NEIGHBOURS_PER_SIDE = 300


def related_to(conn: sqlite3.Connection, row: store.Row, limit: int = 20) -> list[Related]:
    """Links from its Related list, then events linking to it, then events sharing contexts."""
    event = row.event
    out: list[Related] = []
    seen: set[int] = {row.id}
    for link, target in store.links_from(conn, row.id):
        if target is None:
            stub = Event(slug=link.slug, day=link.day or "", title=link.title)
            out.append(Related(stub, "links-to", link.contexts, in_archive=False))
        elif target not in seen:
            seen.add(target)
            out.append(Related(store.event_by_id(conn, target).event, "links-to", link.contexts))
    for source, shared in store.links_to(conn, row.id, (event.slug, *event.aliases), event.day):
        if source not in seen:
            seen.add(source)
            out.append(Related(store.event_by_id(conn, source).event, "linked-from", shared))
    if len(out) < limit and event.contexts:
        counts: dict[int, tuple[list[str], str]] = {}
        for name in event.contexts:
            for id_, day in store.context_neighbours(conn, name, event.day, _NEIGHBOURS_PER_SIDE):
                if id_ not in seen:
                    counts.setdefault(id_, ([], day))[0].append(name)
        target_day = dt.date.fromisoformat(event.day)
        ranked = sorted(
            counts.items(),
            key=lambda kv: (-len(kv[1][0]), abs((dt.date.fromisoformat(kv[1][1]) - target_day).days), kv[0]),
        )
        for id_, (names, _day) in ranked[: limit - len(out)]:
            out.append(Related(store.event_by_id(conn, id_).event, "shared-context", tuple(names)))
    return out[:limit]
