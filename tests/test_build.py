"""A full index in worker processes (each writing a shard of its own, copied in at the end) answers
exactly as one made in one process, also for the days a full index merges twice or late."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import MakeArchive, Run
from tests.test_hostile import _page

_FILES: dict[str, str | bytes] = {
    # A front page at the root: items of a day with a folder, and of one without (2020-01-09).
    "README.md": (
        "### [Comet seen over Lisbon](/news/2020/01/5/comet-seen-over-lisbon.md)\n_Context: Sky_\n\n"
        "### [Dam opens in Yunnan](/news/2020/01/9/dam-opens-in-yunnan.md)\nA summary from the front page.\n"
    ),
    "news/2020/01/5/index.md": (
        "### [Comet seen over Lisbon](/news/2020/01/5/comet-seen-over-lisbon.md)\n_Context: Sky, Portugal_\n\n"
        "### [Quarry closes in Leeds](/news/2020/01/5/quarry-closes-in-leeds.md)\n_Context: Industry_\n"
    ),
    "news/2020/01/5/comet-seen-over-lisbon.md": _page(
        "2020-01-05",
        "Comet seen over Lisbon",
        "Astronomers watch.\n\n### Related:\n\n1. [Quarry closes in Leeds](/news/2020/01/5/quarry-closes-in-leeds.md)"
        " _Context: Sky_\n",
    ),
    "news/2020/01/5/quarry-closes-in-leeds.md": _page("2020-01-05", "Quarry closes in Leeds"),
    # A page filed in the 6th's folder but dated the 5th: the 5th is merged from two folders.
    "news/2020/01/6/ferry-strike-ends.md": "---\ndate: 2020-01-05\n---\n" + _page("2020-01-05", "Ferry strike ends"),
    "news/2020/01/6/index.md": "### [Glacier melt measured](/news/2020/01/6/glacier-melt-measured.md)\n_Context: Sky_\n",
    "news/2020/01/6/glacier-melt-measured.md": _page("2020-01-06", "Glacier melt measured"),
    # A front page deep in the tree, read after the days it speaks of.
    "news/2020/README.md": "### [Quarry closes in Leeds](/news/2020/01/5/quarry-closes-in-leeds.md)\nLate words.\n",
}


def _answers(run: Run, root: Path) -> list[str]:
    out = []
    for args in (
        ("export", "events"),
        ("export", "links"),
        ("export", "contexts"),
        ("search", "Lisbon OR Leeds OR ferry OR Yunnan", "--json"),
        # Corrected against the vocabulary: of a day copied in from a shard, of one merged late.
        ("search", "Glaciar"),
        ("search", "Yunan"),
        ("contexts", "--json"),
        ("timeline", "--context", "Sky", "--by", "day", "--json"),
        ("related", "quarry-closes-in-leeds", "--json"),
    ):
        code, text, err = run(*args, "--archive", root)
        assert code == 0, (args, err)
        out.append(text + err)
    return out


# A task a folder: a day whose pages are in two folders is merged by two tasks (then again, whole);
# one task for all: it is merged once.
@pytest.mark.parametrize("task_pages", [1, 10**9])
def test_a_full_index_in_workers_answers_as_one_in_one_process(
    make_archive: MakeArchive, run: Run, monkeypatch: pytest.MonkeyPatch, cache_dir: Path, task_pages: int
) -> None:
    from newsq import workers

    root = make_archive(_FILES)
    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 10**9)
    monkeypatch.setattr(workers, "TASK_PAGES", 1)
    assert run("index", "--rebuild", "--archive", root)[0] == 0
    alone = _answers(run, root)
    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(workers, "TASK_PAGES", task_pages)
    assert run("index", "--rebuild", "--archive", root)[0] == 0
    assert _answers(run, root) == alone
    assert "Ferry strike ends" in alone[0] and "Dam opens in Yunnan" in alone[0] and "Late words" in alone[0]
    assert "searched 'glacier' instead" in alone[4] and "searched 'yunnan' instead" in alone[5]
    assert not [p for p in os.listdir(cache_dir) if "shard" in p]  # the shards are gone
    # The full-text index a worker built beside the copy, adopted by the cache, is whole.
    (db,) = cache_dir.glob("*.sqlite")
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO events_fts(events_fts) VALUES ('integrity-check')")
    conn.close()


@pytest.mark.parametrize(
    "title",
    [
        "Plain words here",
        "  Tabs\tand\nlines ",
        "Punct: a--b (c) [d]!",
        "UPPER 42 lower",
        "-dash-",
        "x" * 150 + " tail",
        "a" * 138 + " b",
        "Ünïcode títle",
        "",
        "__under_scores__",
        "\x1c\x1dfile\x1eseparators\x1f",
    ],
)
def test_a_links_stored_slug_is_the_archives_slug_of_its_title(title: str) -> None:
    """A link that names its target by its title's slug stores no slug (most links): the quick
    ASCII path must cut, join and fold exactly as the archive's rule does."""
    from newsq.parse import slugify
    from newsq.store.events import link_slug

    assert link_slug("", title) == slugify(title)


def test_the_text_is_indexed_from_the_shards_while_they_are_copied_in(tmp_path: Path) -> None:
    """The process that indexes the text and the indexer's copy read the same shards at the same
    time (they overlap at a million events): neither locks them for writing."""
    from newsq import store
    from newsq.store import stage

    event = (("a-slug", "A title", "A summary", None, "Sky", "[]", "[]", "a.md", None), ("a-slug",), ("Sky",), ())
    shards = []
    for k, day in enumerate(("2020-01-05", "2020-01-06")):
        path = str(tmp_path / f"shard-{k}.db")
        store.write_shard(path, [], [(day, [event])])
        shards.append(path)
    store.close_shards()
    conn = store.connect(tmp_path / "cache.db", bulk=True)
    store.create(conn, "archive")
    with stage._attached(conn, shards) as names, stage._copying(conn):  # as copy_shards reads them
        conn.execute(f"SELECT count(*) FROM {names[0]}.events").fetchone()
        stage.index_text(shards, str(tmp_path / "text.db"))
    store.copy_shards(conn, shards)
    store.adopt_text(conn, str(tmp_path / "text.db"))
    found = conn.execute("SELECT rowid FROM events_fts WHERE events_fts MATCH 'title'").fetchall()
    assert len(found) == 2
