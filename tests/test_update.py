"""`newsq index` after edits spread over many days: the update (which merges only the days that
changed, in worker processes or not) answers exactly as a rebuild of the same archive does."""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.conftest import MakeArchive, Run
from tests.test_hostile import ALPHA, BETA, GAMMA, GOOD, _page

REPO = Path(__file__).resolve().parent.parent


def _generated(root: Path) -> Path:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from generate import generate  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(REPO / "bench"))
    generate(root, 300, 5, workers=1)  # ten days of about thirty events each
    return root


def _edit(root: Path) -> None:
    """Edits of every kind a day can see, in most of the days: titles and summaries rewritten,
    contexts swapped in the day page, a day page's items reordered, pages removed and added."""
    days = sorted(p for p in (root / "news").glob("*/*/*") if p.is_dir())
    for n, day in enumerate(days):
        pages = sorted(p for p in day.glob("*.md") if p.name != "index.md")
        if n % 5 != 4:  # most days: one title and one summary rewritten
            text = pages[n].read_text()
            pages[n].write_text(re.sub(r"(?m)^# .*$", f"# Quillfeather {n} report changes the title.", text, count=1))
            text = pages[n + 1].read_text()
            pages[n + 1].write_text(re.sub(r"(?m)^(# .*\n+)", rf"\1Wobblestone {n} adds a sentence. ", text, count=1))
        index = day / "index.md"
        text = index.read_text()
        if n % 3 == 0:  # a context dropped for a new one, another new one added
            text = re.sub(r"(?m)^_Context: [^,_]+", f"_Context: Zyxcontext {n % 2}", text, count=1)
            text = re.sub(r"(?m)^_Context: (.*)_$", r"_Context: \1, Newfangled Body_", text, count=1)
        if n % 4 == 1:  # the day's first two items swap places
            blocks = text.split("\n### ")
            blocks[1], blocks[2] = blocks[2], blocks[1]
            text = "\n### ".join(blocks)
        index.write_text(text)
        if n % 4 == 2:
            pages[-1].unlink()
            (day / "a-late-page-of-the-day.md").write_text(f"# Late page {n} of the day\n\nIt came later.\n")


def _answers(run: Run, root: Path) -> list[tuple[int, str, str]]:
    out = []
    for args in (
        ("export", "events"),
        ("export", "links"),
        ("export", "contexts"),
        ("search", "quillfeather", "--json", "-n", "100"),
        ("search", "wobblestone", "--json", "-n", "100"),
        ("timeline", "--by", "day", "--json"),
        ("timeline", "--context", "Newfangled Body", "--by", "day", "--json"),
    ):
        out.append(run(*args, "--archive", root))
    return out


def _vocab(cache_dir: Path) -> list[tuple[str, int]]:
    """The words that typos are corrected against, with their counts of events."""
    (path,) = cache_dir.glob("*.sqlite")
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT term, docs FROM vocab ORDER BY term").fetchall()


@pytest.mark.parametrize("parallel", [False, True], ids=["one-process", "workers"])
def test_edits_in_many_days_answer_as_a_rebuild(
    parallel: bool, tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch, cache_dir: Path
) -> None:
    from newsq import workers

    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 1 if parallel else 10**9)
    root = _generated(tmp_path / "archive")
    assert run("index", "--archive", root)[0] == 0
    before = _answers(run, root)
    _edit(root)
    code, out, err = run("index", "--json", "--archive", root)
    assert code == 0, err
    assert not json.loads(out)["full"]
    updated = _answers(run, root)
    assert [a[0] for a in updated] == [0] * len(updated)
    assert updated != before and "quillfeather" in updated[0][1].lower() and "Newfangled Body" in updated[2][1]
    vocab = _vocab(cache_dir)
    code, out, err = run("index", "--rebuild", "--archive", root)
    assert code == 0, err
    rebuilt = _answers(run, root)
    for got, want in zip(updated, rebuilt, strict=True):
        assert got == want
    assert vocab == _vocab(cache_dir)


def test_a_day_edited_past_its_ids_is_numbered_afresh(
    make_archive: MakeArchive, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A day's events are numbered within the day's own span of ids: when edits have used them up,
    the day is numbered afresh, and every answer stays as a rebuild gives it."""
    from newsq.store import events, explore

    monkeypatch.setattr(events, "DAY_IDS", 8)  # room for 8 events a day: used up after 6 edits here
    monkeypatch.setattr(explore, "DAY_IDS", 8)
    root = make_archive(GOOD)
    assert run("index", "--archive", root)[0] == 0
    for n in range(12):  # the two events in turn: the one edited has the lower id, its new one the next
        page = root / f"news/2020/01/5/{(ALPHA, BETA)[n % 2]}.md"
        page.write_text(_page("2020-01-05", f"Probe edit {n} lands on Mars.", "A summary.\n"))
        assert run("index", "--archive", root)[0] == 0
        code, out, err = run("search", f"edit {n}", "--json", "--archive", root)
        assert code == 0, err
        assert [e["title"] for e in json.loads(out)] == [f"Probe edit {n} lands on Mars."]
    updated = [run(*args, "--archive", root) for args in _DAY_QUESTIONS]
    assert run("index", "--rebuild", "--archive", root)[0] == 0
    assert [run(*args, "--archive", root) for args in _DAY_QUESTIONS] == updated


_DAY_QUESTIONS = (
    ("on", "2020-01-05", "--json"),
    ("search", "probe", "--json"),
    ("timeline", "probe", "--by", "day", "--json"),
    ("export", "events"),
)


# --- one page edited: its own event built again, or its day merged whole when the grouping may move --

_DAY = "news/2020/03/9"
_LONG = "a-long-report-on-the-harbour-dredging-plan-and-its-costs-to-the-port-authority"
_STORM = "storm-hits-the-coast-of-norland-many-flee"
_OLDER = "storm-hits-the-coast"


def _event(title: str, body: str = "", related: str = "", changes: str = "", meta: str = "") -> str:
    head = f"---\n{meta}---\n" if meta else ""
    parts = [f"{head}#  {title} \n\n{body}\n"]
    if related:
        parts.append(f"### Related:\n\n{related}\n")
    if changes:
        parts.append(f"### Changes:\n\n{changes}\n")
    return "\n".join(parts)


def _storm_changes() -> str:
    return (
        f"1. [ Storm hits the coast. ](/{_DAY}/{_OLDER}.md) _(First version)_\n"
        f"1. [ Storm hits the coast of Norland, many flee. ](/{_DAY}/{_STORM}.md) _(Current version)_\n"
    )


def _day_archive(storm_changes: bool) -> dict[str, str | bytes]:
    """A day of four listed events (one with a long slug that a Related link names cut short, one
    with an older wording of its own page, unlisted) and a next day."""
    return {
        f"{_DAY}/index.md": (
            "## [2020-03-9](/news/2020/03/9/index.md)\n\n"
            f"### [The alpha probe lands on Mars. ](/{_DAY}/{ALPHA}.md)\n_Context: Mars, NASA_\n\n"
            f"### [Beta talks open in Geneva. ](/{_DAY}/{BETA}.md)\n_Context: Geneva_\n\n"
            f"### [A long report on the harbour dredging plan. ](/{_DAY}/{_LONG}.md)\n_Context: Ports_\n\n"
            f"### [Storm hits the coast of Norland, many flee. ](/{_DAY}/{_STORM}.md)\n_Context: Weather_\n"
        ),
        f"{_DAY}/{ALPHA}.md": _event(
            "The alpha probe lands on Mars.",
            "Quietly the probe touched down.",
            f"1. [ Beta talks open in Geneva. ](/{_DAY}/{BETA}.md) _Context: Space_\n"
            f"2. [ Harbour plan ](/{_DAY}/{_LONG[:-6]}.md) _Context: Ports_\n",
        ),
        f"{_DAY}/{BETA}.md": _event("Beta talks open in Geneva.", "Delegates arrive."),
        f"{_DAY}/{_LONG}.md": _event("A long report on the harbour dredging plan.", "It costs a lot."),
        f"{_DAY}/{_STORM}.md": _event(
            "Storm hits the coast of Norland, many flee.",
            "Winds rose.",
            changes=_storm_changes() if storm_changes else "",
        ),
        f"{_DAY}/{_OLDER}.md": _event("Storm hits the coast.", "Early word of the storm."),
        "news/2020/03/10/index.md": (
            "## [2020-03-10](/news/2020/03/10/index.md)\n\n"
            f"### [Gamma storm hits the coast. ](/news/2020/03/10/{GAMMA}.md)\n_Context: Weather_\n"
        ),
        f"news/2020/03/10/{GAMMA}.md": _event("Gamma storm hits the coast.", "Rain."),
    }


# name -> (the archive has the storm's Changes block, the page edited, its new text)
_EDITS: dict[str, tuple[bool, str, str]] = {
    "summary": (False, ALPHA, _event("The alpha probe lands on Mars.", "Wobblestone: it touched down.")),
    "appended": (False, BETA, _event("Beta talks open in Geneva.", "Delegates arrive.") + "\nOne more sentence.\n"),
    "related-cut-slug": (
        False,
        BETA,
        _event("Beta talks open in Geneva.", "Delegates.", f"1. [ Harbour ](/{_DAY}/{_LONG[:-3]}.md) _Context: Sea_\n"),
    ),
    "front-matter-contexts": (
        False,
        _LONG,
        _event("A long report on the harbour dredging plan.", "It costs.", meta="contexts: [Docks, Money]\n"),
    ),
    "context-respelled": (
        False,
        ALPHA,
        _event("The alpha probe lands on Mars.", "Quietly the probe touched down.", meta="contexts: [MARS, nasa]\n"),
    ),
    "related-dropped": (False, ALPHA, _event("The alpha probe lands on Mars.", "Quietly the probe touched down.")),
    "becomes-an-alias": (
        False,
        _STORM,
        _event("Storm hits the coast of Norland, many flee.", "W.", changes=_storm_changes()),
    ),
    "stops-being-an-alias": (True, _STORM, _event("Storm hits the coast of Norland, many flee.", "Winds fell.")),
    "page-of-an-alias-edited": (
        True,
        _OLDER,
        _event("Storm hits the coast.", "Word.", f"1. [ Gamma ](/news/2020/03/10/{GAMMA}.md) _Context: Rain_\n"),
    ),
    "title-joins-another": (False, BETA, _event("The alpha probe lands on Mars.", "Delegates.")),
    "dated-into-the-next-day": (False, BETA, _event("Beta talks open in Geneva.", "D.", meta="date: 2020-03-10\n")),
}


def _day_answers(run: Run, root: Path) -> list[tuple[int, str, str]]:
    out = [run(*args, "--archive", root) for args in (("export", "events"), ("export", "links"))]
    out.append(run("export", "contexts", "--archive", root))
    out += [run("search", word, "--json", "--archive", root) for word in ("wobblestone", "storm", "delegates")]
    out += [run("on", "2020-03-9", "--to", "2020-03-10", "--json", "--archive", root)]
    out += [run("related", slug, "--json", "--archive", root) for slug in (ALPHA, _OLDER, _LONG)]
    return out


@pytest.mark.parametrize("edit", list(_EDITS))
def test_one_page_edited_answers_as_a_rebuild(edit: str, make_archive: MakeArchive, run: Run, cache_dir: Path) -> None:
    """Edits of one page that leave its day's grouping alone (its own event is built again) and
    edits that move it (a page becomes or stops being an older wording of another, a title meets
    another's, a page dated elsewhere: the day is merged whole) answer as a rebuild does."""
    storm_changes, slug, text = _EDITS[edit]
    root = make_archive(_day_archive(storm_changes))
    assert run("index", "--archive", root)[0] == 0
    before = _day_answers(run, root)
    (root / _DAY / f"{slug}.md").write_text(text, encoding="utf-8")
    code, _out, err = run("index", "--archive", root)
    assert code == 0, err
    updated = _day_answers(run, root)
    assert updated != before
    vocab = _vocab(cache_dir)
    assert run("index", "--rebuild", "--archive", root)[0] == 0
    assert _day_answers(run, root) == updated
    assert _vocab(cache_dir) == vocab


def test_an_edited_page_is_read_again_with_its_day_page_only(
    make_archive: MakeArchive, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A summary edit leaves the other pages of its day unread: an update costs the pages edited."""
    from newsq import workers

    root = make_archive(_day_archive(True))
    assert run("index", "--archive", root)[0] == 0
    read: list[str] = []
    real_read = workers._read
    monkeypatch.setattr(workers, "_read", lambda path: read.append(Path(path).name) or real_read(path))
    (root / _DAY / f"{BETA}.md").write_text(_event("Beta talks open in Geneva.", "Wobblestone."), encoding="utf-8")
    assert run("index", "--archive", root)[0] == 0
    assert sorted(read) == sorted([f"{BETA}.md", "index.md"])
    code, out, _err = run("search", "wobblestone", "--json", "--archive", root)
    assert code == 0 and [e["slug"] for e in json.loads(out)] == [BETA]


def test_every_page_of_a_folder_removed_leaves_its_day_empty(make_archive: MakeArchive, run: Run) -> None:
    """`newsq index` looks into a folder emptied of its pages (the folder itself kept): its day is gone."""
    root = make_archive(_day_archive(False))
    code, out, _err = run("index", "--json", "--archive", root)
    before = json.loads(out)
    for page in (root / "news/2020/03/10").iterdir():
        page.unlink()
    code, out, err = run("index", "--json", "--archive", root)
    assert code == 0, err
    after = json.loads(out)
    assert (after["files"], after["events"], after["days"]) == (before["files"] - 2, before["events"] - 1, 1)
    assert run("on", "2020-03-10", "--json", "--archive", root)[0] == 1


@pytest.mark.parametrize("fork", ["forked", "fork-failed"])
def test_a_walk_split_between_two_processes_finds_every_change(
    fork: str, make_archive: MakeArchive, run: Run, monkeypatch: pytest.MonkeyPatch, cache_dir: Path
) -> None:
    """On a big archive a second process stats half of the year folders: edits and removals in
    either half are found (and all of them when that process cannot be made)."""
    from newsq import survey

    monkeypatch.setattr(survey, "SPLIT_MIN_DIRS", 1)
    if fork == "fork-failed":
        monkeypatch.setattr(survey, "_fork", lambda *_args: None)
    files = _day_archive(False)
    for year in (2021, 2022):
        files[f"news/{year}/05/2/index.md"] = f"### [Delta {year} vote. ](/news/{year}/05/2/delta-{year}-vote.md)\n"
        files[f"news/{year}/05/2/delta-{year}-vote.md"] = _event(f"Delta {year} vote.", "Polls open.")
    root = make_archive(files)
    assert run("index", "--archive", root)[0] == 0
    (root / "news/2021/05/2/delta-2021-vote.md").write_text(_event("Delta 2021 vote.", "Wobblestone polls."))
    (root / "news/2022/05/2/delta-2022-vote.md").unlink()
    (root / _DAY / f"{BETA}.md").write_text(_event("Beta talks open in Geneva.", "Wobblestone talks."))
    code, out, err = run("index", "--json", "--archive", root)
    assert code == 0, err
    assert json.loads(out)["files_read"] == 2
    updated = [*_day_answers(run, root), run("search", "delta", "--json", "--archive", root)]
    assert "Wobblestone polls." in updated[-1][1] and "delta-2022-vote.md" not in updated[-1][1]
    assert run("index", "--rebuild", "--archive", root)[0] == 0
    assert [*_day_answers(run, root), run("search", "delta", "--json", "--archive", root)] == updated


def test_an_index_with_nothing_to_do_counts_what_a_query_added(make_archive: MakeArchive, run: Run) -> None:
    """`newsq index` finding nothing changed says its counts again, and counts anew what a query's
    refresh indexed since (a page added, seen by `on`)."""
    root = make_archive(_day_archive(False))
    code, out, _err = run("index", "--json", "--archive", root)
    first = json.loads(out)
    code, out, _err = run("index", "--json", "--archive", root)
    again = json.loads(out)
    assert (again["files"], again["events"], again["files_read"]) == (first["files"], first["events"], 0)
    (root / "news/2020/03/10/an-added-page.md").write_text(_event("An added page.", "It came late."))
    assert run("on", "2020-03-10", "--json", "--archive", root)[0] == 0  # the query's refresh reads it
    code, out, _err = run("index", "--json", "--archive", root)
    after = json.loads(out)
    assert (after["files"], after["events"], after["files_read"]) == (first["files"] + 1, first["events"] + 1, 0)


def _by_day(run: Run, root: Path, *args: str) -> dict[str, int]:
    code, out, err = run(*args, "--archive", root)
    assert code == 0, err
    data = json.loads(out)
    if isinstance(data, dict):  # a timeline: from its first period to its last
        return {p["period"]: p["count"] for p in data["periods"]}
    days: dict[str, int] = {}
    for event in data:
        days[event["date"]] = days.get(event["date"], 0) + 1
    return days


def test_a_big_contexts_timeline_follows_edits_day_by_day(
    make_archive: MakeArchive, run: Run, monkeypatch: pytest.MonkeyPatch, cache_dir: Path
) -> None:
    """A context big enough to be counted day by day (store.explore.BIG_CONTEXT events) counts
    what `on` lists after an update that takes it from a day, gives it to another and to a new
    day; and as it does when every context is counted from its events."""
    from newsq.store import explore

    monkeypatch.setattr(explore, "BIG_CONTEXT", 3)
    files = _day_archive(False)
    root = make_archive(files)
    index = root / _DAY / "index.md"
    index.write_text(index.read_text().replace("_Context: Ports_", "_Context: WEATHER, Ports_"))
    assert run("index", "--archive", root)[0] == 0
    (path,) = cache_dir.glob("*.sqlite")
    with sqlite3.connect(path) as conn:  # the way under test is the one taken: Weather is counted by day
        assert conn.execute("SELECT day, events FROM context_days").fetchall() == [("2020-03-09", 2), ("2020-03-10", 1)]
    timeline = ("timeline", "--context", "weather", "--by", "day", "--json")
    listed = ("on", "2020-03-01", "--to", "2020-03-31", "--context", "Weather", "--json")
    assert _by_day(run, root, *timeline) == _by_day(run, root, *listed) == {"2020-03-09": 2, "2020-03-10": 1}
    # Weather leaves the 9th (its first day) and comes to a new day, with two events.
    text = index.read_text().replace("_Context: Weather_", "_Context: Sea_")
    index.write_text(text.replace("_Context: WEATHER, Ports_", "_Context: Ports_"))
    new_day = "news/2020/03/12"
    (root / new_day).mkdir(parents=True)
    (root / new_day / "index.md").write_text(
        f"### [Hail in the north. ](/{new_day}/hail.md)\n_Context: Weather_\n\n"
        f"### [Fog at the airport. ](/{new_day}/fog.md)\n_Context: weather, Air_\n"
    )
    assert run("index", "--archive", root)[0] == 0
    want = {"2020-03-10": 1, "2020-03-11": 0, "2020-03-12": 2}
    assert _by_day(run, root, *timeline) == want
    assert _by_day(run, root, *listed) == {day: n for day, n in want.items() if n}
    assert _by_day(run, root, "timeline", "--context", "Weather", "--by", "year", "--json") == {"2020": 3}
    assert run("index", "--rebuild", "--archive", root)[0] == 0
    assert _by_day(run, root, *timeline) == want
    monkeypatch.setattr(explore, "BIG_CONTEXT", 10**9)
    assert run("index", "--rebuild", "--archive", root)[0] == 0
    assert _by_day(run, root, *timeline) == want


def _sky_day(order: list[str]) -> dict[str, str | bytes]:
    """An event with the context Sky on the 9th, and events with Sky on the 10th, listed in `order`."""
    day9, day10 = "news/2020/03/9", "news/2020/03/10"
    files: dict[str, str | bytes] = {
        f"{day9}/index.md": f"### [Comet seen over the bay. ](/{day9}/comet-seen-over-the-bay.md)\n_Context: Sky_\n",
        f"{day9}/comet-seen-over-the-bay.md": _event("Comet seen over the bay.", "Bright."),
    }
    items = [
        f"### [{name.capitalize()} lights seen in the north. ](/{day10}/{name}-lights.md)\n_Context: Sky_\n"
        for name in order
    ]
    files[f"{day10}/index.md"] = "\n".join(items)
    for name in order:
        files[f"{day10}/{name}-lights.md"] = _event(f"{name.capitalize()} lights seen in the north.", "Seen.")
    return files


@pytest.mark.parametrize(
    "before, after",
    [(["green", "red"], ["red", "green"]), (["green", "red"], ["blue", "green", "red"])],
    ids=["reordered", "one-put-first"],
)
def test_related_ties_after_an_update_fall_as_after_a_rebuild(
    before: list[str], after: list[str], make_archive: MakeArchive, run: Run
) -> None:
    """Events that share as many contexts with an event, as close in time, come in the order of
    their day page, after an update that reorders the page or puts a new event first as after a
    rebuild (an update kept the old events' numbers, and the tie went to the older one)."""
    root = make_archive(_sky_day(before))
    assert run("index", "--archive", root)[0] == 0
    for rel, text in _sky_day(after).items():
        (root / rel).write_text(str(text), encoding="utf-8")
    assert run("index", "--archive", root)[0] == 0
    updated = run("related", "comet-seen-over-the-bay", "--json", "--archive", root)
    assert [e["slug"] for e in json.loads(updated[1])] == [f"{name}-lights" for name in after]
    assert run("index", "--rebuild", "--archive", root)[0] == 0
    assert run("related", "comet-seen-over-the-bay", "--json", "--archive", root) == updated
