"""`newsq index` after edits spread over many days: the update (which merges only the days that
changed, in worker processes or not) answers exactly as a rebuild of the same archive does."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tests.conftest import MakeArchive, Run
from tests.test_hostile import ALPHA, BETA, GOOD, _page

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


@pytest.mark.parametrize("parallel", [False, True], ids=["one-process", "workers"])
def test_edits_in_many_days_answer_as_a_rebuild(
    parallel: bool, tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
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
    code, out, err = run("index", "--rebuild", "--archive", root)
    assert code == 0, err
    rebuilt = _answers(run, root)
    for got, want in zip(updated, rebuilt, strict=True):
        assert got == want


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
