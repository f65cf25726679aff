"""The domain logic of queries: search terms, typo correction, references, related events."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import unicodedata
from typing import NamedTuple

from newsq import store
from newsq.errors import BadQuery, UnknownRef, quoted
from newsq.models import Details, Event, Filters, Hit, Related, Row, SearchResult
from newsq.slugs import CUT_MIN, resolve_cut_slug

# --- search --------------------------------------------------------------------------------------

MAX_QUERY_CHARS = 1000
MAX_QUERY_TERMS = 64

# A phrase (maybe excluded), closed or running to the end of the text; or a run of other text.
_TOKEN_RE = re.compile(r'(-*)"([^"]*)"?|([^\s"]+)')
_WORD_RE = re.compile(r"[^\W_]+")

# Never corrected, being too common to be a typo of anything: these, and every word of up to
# three letters ("not" must not become "no", nor "x" become "a").
_STOP_WORDS = frozenset(
    """about above after again against also because been before being below between both could does
    doing down during each from further have having here hers into itself just more most near once
    only other ours over same should some such than that their theirs them then there these they
    this those through under until upon very were what when where which while whom will with within
    without would your yours""".split()  # noqa: SIM905
)


class Term(NamedTuple):
    """One part of a query: a word (maybe a prefix `mar*`) or a quoted phrase."""

    text: str
    phrase: bool = False
    prefix: bool = False

    def fts(self) -> str:
        return store.fts_string(self.text) + ("*" if self.prefix else "")


class Query(NamedTuple):
    """A parsed search: every group must match (a group is one term or terms joined by OR), and
    no excluded term may."""

    groups: list[list[Term]]
    excluded: list[Term]

    def fts(self) -> str:
        """The FTS5 expression, fully parenthesized: FTS5 binds NOT tighter than AND and OR, but
        a juxtaposition (`a b NOT c`) tighter than NOT, and inserts no implicit AND next to a
        parenthesis; explicit operators and parentheses leave nothing to precedence."""
        wanted = " AND ".join("(" + " OR ".join(t.fts() for t in group) + ")" for group in self.groups)
        if not self.excluded:
            return wanted
        return f"({wanted}) NOT ({' OR '.join(t.fts() for t in self.excluded)})"


def fold(word: str) -> str:
    """A word as FTS5's unicode61 tokenizer stores it: lower case, diacritics removed."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_query(text: str) -> Query:
    """Read the search language of `newsq search`:

    Mars Express         events with every word, in any order and any field
    "Mars Express"       the words side by side, in this order
    mar*                 a word starting with mar
    -Beagle -"Beagle 2"  leave out events with this word or phrase
    Mars OR Venus        either word (OR in capitals, between two words or phrases)

    Everything else is plain text. Case and accents do not matter (café finds cafe); punctuation
    splits words, so al-Qaeda finds "al qaeda" and U.S. finds "u s"; a hyphen excludes only at
    the start of a word; AND, NOT, NEAR and a lowercase or are ordinary words. A query needs one
    word that is not excluded, and may hold at most 1,000 characters and 64 words or phrases. A
    word that is in no event is replaced by the archive's closest word if one is close enough,
    which is said on stderr (--exact turns this off). --raw passes the query to SQLite FTS5
    unchanged. On the command line, a query that starts with - follows a -- (search -- -x y)."""
    _check_length(text)
    items: list[tuple[Term, bool] | None] = []  # (term, excluded), or None for an OR
    for m in _TOKEN_RE.finditer(text):
        if m[3] == "OR":
            items.append(None)
            continue
        if m[3] is None:
            term, excluded = Term(m[2].strip(), phrase=True), bool(m[1])
        else:
            word = m[3]
            excluded = word.startswith("-")
            word = word.lstrip("-") if excluded else word
            term = Term(word.rstrip("*"), prefix=word.endswith("*"))
        if _WORD_RE.search(term.text):
            items.append((term, excluded))
    # An OR counts only between two wanted terms; anywhere else it is the word "or".
    real_or = {i for i, item in enumerate(items) if item is None and _wanted(items, i - 1) and _wanted(items, i + 1)}
    groups: list[list[Term]] = []
    excluded_terms: list[Term] = []
    for i, item in enumerate(items):
        if i in real_or:
            continue
        term, excluded = item if item is not None else (Term("OR"), False)
        if excluded:
            excluded_terms.append(term)
        elif i - 1 in real_or:
            groups[-1].append(term)
        else:
            groups.append([term])
    count = sum(map(len, groups)) + len(excluded_terms)
    if count > MAX_QUERY_TERMS:
        raise BadQuery(f"the query has {count} words: at most {MAX_QUERY_TERMS}")
    if not groups:
        if excluded_terms:
            raise BadQuery(f"{quoted(text)} only excludes: give a word to search for as well")
        raise BadQuery(f"nothing to search for in {quoted(text)}: give a word")
    return Query(groups, excluded_terms)


def _check_length(text: str) -> None:
    # Checked before anything is done with the text: a pasted page took seconds to refuse.
    if len(text) > MAX_QUERY_CHARS:
        raise BadQuery(f"the query is {len(text):,} characters long: at most {MAX_QUERY_CHARS:,}")


def _wanted(items: list[tuple[Term, bool] | None], i: int) -> bool:
    """Is items[i] a term that is not excluded?"""
    if not 0 <= i < len(items):
        return False
    item = items[i]
    return item is not None and not item[1]


def search(
    conn: sqlite3.Connection,
    query: str,
    *,
    raw: bool = False,
    exact: bool = False,
    filters: Filters | None = None,
    limit: int = 20,
) -> SearchResult:
    """Ranked full-text search (the language of `parse_query`, or FTS5's own under raw); words
    that are in no event are corrected against the index's words unless `exact`."""
    match, corrections = fts_match(conn, query, raw=raw, exact=exact)
    rows = store.search(conn, match, filters or Filters(), limit=limit)
    return SearchResult([Hit(r.event, score, snip, title) for r, score, snip, title in rows], corrections)


def fts_match(
    conn: sqlite3.Connection, query: str, *, raw: bool = False, exact: bool = False
) -> tuple[str, list[tuple[str, str]]]:
    """The FTS5 expression a user's query means, and the corrections made to its words: what
    `search`, `timeline` and `export --query` all match with."""
    if raw:
        _check_length(query)
        if not query.strip():
            raise BadQuery("empty query")
        return query, []
    parsed = parse_query(query)
    corrections: list[tuple[str, str]] = []
    if not exact:
        parsed, corrections = _correct(conn, parsed)
    return parsed.fts(), corrections


def _correct(conn: sqlite3.Connection, query: Query) -> tuple[Query, list[tuple[str, str]]]:
    fixed: list[tuple[str, str]] = []

    def fix(term: Term) -> Term:
        words = _WORD_RE.findall(fold(term.text))  # "Mras," is the word mras
        if term.phrase or term.prefix or len(words) != 1 or not _correctable(words[0]):
            return term
        if store.term_exists(conn, words[0]):
            return term
        better = closest_term(conn, words[0])
        if better is None:
            return term
        fixed.append((term.text, better))
        return Term(better)

    groups = [[fix(t) for t in group] for group in query.groups]
    return Query(groups, [fix(t) for t in query.excluded]), fixed


def _correctable(word: str) -> bool:
    """Only words of letters, four or more, that are not stop words: a short word is one letter
    away from many others, and a number or a code (G8, 9/11) is not a misspelling."""
    return len(word) >= 4 and word.isalpha() and word not in _STOP_WORDS


def _max_edits(word: str) -> int:
    return 1 if len(word) <= 7 else 2


def close_enough(word: str, candidate: str) -> bool:
    """Is `candidate` near enough to `word` to be what was meant? Both bounds must hold: few
    edits for the length (a transposition counts as one) and a Jaro-Winkler similarity of 0.9,
    which rejects candidates sharing few letters in place (Venus/sends)."""
    from rapidfuzz.distance import OSA, JaroWinkler

    edits = OSA.distance(word, candidate)
    if edits > _max_edits(word) or JaroWinkler.similarity(word, candidate) < 0.9:
        return False
    return len(word) > 5 or _slip(word, candidate)


_VOWELS = frozenset("aeiou")


def _slip(word: str, candidate: str) -> bool:
    """In a word of five letters or fewer, one letter replaced, added or dropped mostly spells
    another word (Iran/Iraq, cafe/cape, naive/native, plan/plain, Iraqi/Iraq). Only these are
    slips of the hand there: two letters swapped (mras), a letter typed twice (marss) or once
    where it is double, and a vowel left out between consonants, which leaves no word (putn)."""
    if sorted(word) == sorted(candidate):
        return True
    dropped = len(candidate) > len(word)  # the letter is missing from what was typed
    longer, shorter = (candidate, word) if dropped else (word, candidate)
    for i, letter in enumerate(longer):
        if longer[:i] + longer[i + 1 :] != shorter:
            continue
        before, after = longer[i - 1 : i], longer[i + 1 : i + 2]
        if letter in (before, after):
            return True
        between_consonants = bool(before and after) and not {before, after} & _VOWELS
        return dropped and letter in _VOWELS and between_consonants
    return False


def closest_term(conn: sqlite3.Connection, word: str) -> str | None:
    """The index word nearest to `word` that is `close_enough`, commonest first; None if none is.

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
        found = process.extract(word, list(docs), scorer=OSA.distance, score_cutoff=edits, limit=50)
        near = [(str(term), dist) for term, dist, _ in found if close_enough(word, str(term))]
        if near:
            # Fewest edits; then two letters swapped before one added or dropped (francios is
            # françois, not francis, however common); then the commonest.
            return min(near, key=lambda f: (f[1], sorted(f[0]) != sorted(word), -docs[f[0]], f[0]))[0]
    return None


# --- references ----------------------------------------------------------------------------------

# A day and a slug at the end of a path or URL: 2003/06/2/slug (the archive's), 2003-06-02/slug
# (as newsq prints days), after /news/ or a host, with an extension.
_REF_PATH_RE = re.compile(r"(?:^|/)(\d{4})([-/])(\d{1,2})\2(\d{1,2})/([^/]+)$")
_REF_EXTENSION_RE = re.compile(r"\.(?:md|html|json|xml)$", re.IGNORECASE)


def resolve(conn: sqlite3.Connection, ref: str) -> Row:
    """The event a REF names: a slug (any case), an alias, a unique slug prefix; or a day and a
    slug, as YYYY/MM/D/slug, YYYY-MM-DD/slug, a /news/...md link or a page's URL (any ?query or
    #fragment dropped, .md or .html or a trailing / allowed)."""
    text = ref.strip()
    if not text:
        raise UnknownRef("empty event reference")
    # A slug holds only a-z, 0-9 and -: a ? or # starts a URL's query or fragment.
    path = re.split(r"[?#]", text, maxsplit=1)[0].rstrip("/")
    day: str | None = None
    slug = path
    if m := _REF_PATH_RE.search(path):
        try:
            day = dt.date(int(m[1]), int(m[3]), int(m[4])).isoformat()
        except ValueError:
            raise UnknownRef(f"no such date in {quoted(text)}") from None
        slug = m[5]
    slug = _REF_EXTENSION_RE.sub("", slug).lower()
    if not slug:
        raise UnknownRef(f"no slug in {quoted(text)}")
    rows = store.events_by_slug(conn, slug, day)
    if not rows:
        rows = store.events_by_slug_prefix(conn, slug, limit=11, day=day)
    if len(rows) == 1:
        return rows[0]
    if rows:
        listing = "; ".join(f"{r.event.day} {r.event.slug}" for r in rows[:10])
        more = " ..." if len(rows) > 10 else ""
        count = len(rows) if len(rows) <= 10 else "more than 10"
        first = rows[0].event
        raise UnknownRef(f"{quoted(text)} names {count} events: {listing}{more}; name one as {first.day}/{first.slug}")
    if day is not None and (elsewhere := store.events_by_slug(conn, slug)):
        days = ", ".join(dict.fromkeys(r.event.day for r in elsewhere[:5])) + (" ..." if len(elsewhere) > 5 else "")
        raise UnknownRef(f"no event {quoted(slug)} on {day}; it is on {days}")
    raise UnknownRef(f"no event {quoted(text)}{_did_you_mean(conn, slug)}")


def _did_you_mean(conn: sqlite3.Connection, slug: str) -> str:
    from rapidfuzz import fuzz, process

    key = slug.lower()
    # Slugs sharing a long start first, widening until there are enough to choose from: on a
    # million events the whole list would take seconds to score.
    pool: list[str] = []
    for size in (8, 4, 2, 0):
        pool = list(dict.fromkeys(store.slugs_near(conn, key[:size], limit=20_000)))  # a slug on two days: once
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


def related_to(conn: sqlite3.Connection, row: Row, limit: int = 20) -> list[Related]:
    """Links from its Related list, then events linking to it (an event both links to and from is
    one item, mutual), then events sharing contexts."""
    event = row.event
    out = _links_from(conn, row)
    at: dict[int, int] = {id_: i for i, (_rel, id_) in enumerate(out) if id_ is not None}
    for source, shared in _linking(conn, row):
        if source in at:
            rel, id_ = out[at[source]]
            out[at[source]] = (rel._replace(reasons=(*rel.reasons, "linked-from")), id_)
        elif source != row.id:
            at[source] = len(out)
            out.append((Related(store.event_by_id(conn, source).event, ("linked-from",), shared), source))
    found = [rel for rel, _id in out]
    if len(found) < limit and event.contexts:
        found += _sharing_contexts(conn, row, exclude={row.id, *at}, limit=limit - len(found))
    return found[:limit]


def _links_from(conn: sqlite3.Connection, row: Row) -> list[tuple[Related, int | None]]:
    """Its Related list, each link with the archive event it names (None: not in the archive)."""
    out: list[tuple[Related, int | None]] = []
    seen: set[int] = {row.id}
    for link, target in store.links_from(conn, row.id):
        if target is None:
            stub = Event(slug=link.slug, day=link.day or "", title=link.title)
            out.append((Related(stub, ("links-to",), link.shared_contexts, in_archive=False), None))
        elif target not in seen:
            seen.add(target)
            out.append((Related(store.event_by_id(conn, target).event, ("links-to",), link.shared_contexts), target))
    return out


def _sharing_contexts(conn: sqlite3.Connection, row: Row, exclude: set[int], limit: int) -> list[Related]:
    """Events sharing most contexts with it, the closest in time first."""
    event = row.event
    counts: dict[int, tuple[list[str], str]] = {}
    for name in event.contexts:
        for id_, day in store.context_neighbours(conn, name, event.day, _NEIGHBOURS_PER_SIDE):
            if id_ not in exclude:
                counts.setdefault(id_, ([], day))[0].append(name)
    target_day = dt.date.fromisoformat(event.day)
    ranked = sorted(
        counts.items(),
        key=lambda kv: (-len(kv[1][0]), abs((dt.date.fromisoformat(kv[1][1]) - target_day).days), kv[0]),
    )
    return [
        Related(store.event_by_id(conn, id_).event, ("shared-context",), tuple(names))
        for id_, (names, _day) in ranked[:limit]
    ]


def details(conn: sqlite3.Connection, row: Row) -> Details:
    """What `show` shows: the event, its own Related items, and how many events link to it."""
    return Details(row.event, [rel for rel, _id in _links_from(conn, row)], len(_linking(conn, row)))


def _linking(conn: sqlite3.Connection, row: Row) -> list[tuple[int, tuple[str, ...]]]:
    """(event id, shared contexts) of the events whose Related list names this one: by one of its
    slugs, or by a slug cut at another length that fits no other event of its day."""
    event = row.event
    own = (event.slug, *event.aliases)
    found = dict(store.links_to(conn, row.id, own, event.day))
    day_slugs: dict[str, int] | None = None
    for prefix in {slug[:CUT_MIN] for slug in own if len(slug) >= CUT_MIN}:
        for source, slug, shared in store.links_by_prefix(conn, prefix, event.day):
            if source == row.id or source in found or slug in own:
                continue
            day_slugs = day_slugs if day_slugs is not None else store.slugs_of_day(conn, event.day)
            if resolve_cut_slug(slug, day_slugs) == row.id:
                found[source] = shared
    return sorted(found.items())
