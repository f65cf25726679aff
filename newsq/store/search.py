"""Full-text search: ranked FTS5 matches, snippets, and the index's words for typo correction."""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterator

from newsq.errors import BadQuery
from newsq.models import Filters, Row
from newsq.store.events import EVENT_COLUMNS, matched_where, row_of

# BM25 weights of title, summary, topic, contexts: a word in the title counts most.
_BM25 = "bm25(events_fts, 10.0, 1.0, 3.0, 3.0)"


def search(
    conn: sqlite3.Connection, match: str, filters: Filters, *, limit: int
) -> Iterator[tuple[Row, float, str, str]]:
    """Ranked FTS5 hits: (row, score, snippet, marked title); matches are marked \\x02 ... \\x03.

    Raises BadQuery if FTS5 cannot read `match`; any other SQLite error is the cache's."""
    check_match(match)
    cond, args = matched_where(filters)
    # Two steps: rank every match by score alone, then build rows and snippets for the few shown.
    # (In one statement SQLite would make a snippet and read the event of every match before
    # sorting: 0.5 s instead of 15 ms for a word in 10,000 events.)
    ranked = conn.execute(
        f"SELECT events_fts.rowid, {_BM25} AS score FROM events_fts "
        f"WHERE events_fts MATCH ? AND {cond} ORDER BY score LIMIT ?",
        [match, *args, limit],
    ).fetchall()
    if not ranked:
        return
    # The few shown, in one statement: their events, snippets and marked titles.
    shown = {
        r[0]: r
        for r in conn.execute(
            f"SELECT {EVENT_COLUMNS}, snippet(events_fts, -1, char(2), char(3), '…', 16), "
            "highlight(events_fts, 0, char(2), char(3)) FROM events_fts JOIN events e ON e.id = events_fts.rowid "
            "WHERE events_fts MATCH ? AND events_fts.rowid IN (SELECT value FROM json_each(?))",
            (match, json.dumps([id_ for id_, _score in ranked])),
        )
    }
    for id_, score in ranked:
        if id_ not in shown:  # gone between the two statements (another newsq refreshed the cache)
            continue
        *columns, snippet, title = shown[id_]
        yield row_of(tuple(columns)), -float(score), str(snippet).replace("\n", ", "), str(title)


# events_fts's columns and tokenizer, as in _SCHEMA (a test checks they agree).
_FTS_ARGS = "title, summary, topic, contexts, tokenize='unicode61 remove_diacritics 2'"


@functools.cache
def _match_checker() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5({_FTS_ARGS})")
    return conn


def check_match(match: str) -> None:
    """Raise BadQuery if FTS5 cannot read the expression `match`.

    It is tried on an empty in-memory table with the cache's columns and tokenizer: an error
    there is the query's fault whatever state the cache is in, and a query error can no longer
    pass for damage (nor damage for a query error) by its SQLite exception class."""
    try:
        _match_checker().execute("SELECT rowid FROM t WHERE t MATCH ?", (match,)).fetchall()
    except sqlite3.Error as exc:
        message = str(exc)
        message = message if len(message) <= 80 else message[:79] + "…"
        raise BadQuery(f"bad FTS5 query: {message}") from None


def fts_string(text: str) -> str:
    """Text as one FTS5 string: every character literal (a " doubled), split into words by the
    tokenizer as the archive's text was. A NUL would end the string early: it becomes a space."""
    return '"' + text.replace("\x00", " ").replace('"', '""') + '"'


def term_exists(conn: sqlite3.Connection, term: str) -> bool:
    """Is the word in some event? FTS5 itself answers, so the word is folded exactly as the
    archive's text was, and words added by a query's refresh are seen too."""
    found = conn.execute("SELECT 1 FROM events_fts WHERE events_fts MATCH ? LIMIT 1", (fts_string(term),))
    return found.fetchone() is not None


def terms_between(conn: sqlite3.Connection, low: str, high: str, min_len: int, max_len: int) -> list[tuple[str, int]]:
    """Index words in [low, high) whose length is in [min_len, max_len], with document counts."""
    return conn.execute(
        "SELECT term, docs FROM vocab WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?",
        (low, high, min_len, max_len),
    ).fetchall()
