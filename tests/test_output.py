"""What reaches the screen: one Output object for every mode, REFs that can be copied from any
table, inert invisible characters, and tables that start printing before the last row is read."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from newsq.output import Column, Mode, Output, RowSpec
from newsq.streams import Env
from tests.conftest import MakeArchive, Run

# Two events whose slugs share a start longer than a 60-column line (only their last word differs),
# an event whose alias shares a start with another event's slug, and short slugs that fit whole.
TOLL = "the-death-toll-from-the-flooding-in-the-northern-river-valley-of-the-province-rises-to-at-least"
SHIPS = "ships-collide-near-the-port"
HARBOUR = "harbour-authority-opens-an-inquiry-into-the-collision-of-two-ships"
DAY1, DAY2 = "news/2021/03/4", "news/2021/03/5"


def _item(day: str, slug: str, title: str, contexts: str) -> str:
    y, m, d = day.split("/")[1:]
    return f"### [{title} ](/news/{y}/{m}/{d}/{slug}.md)\n_Context: {contexts}_\n\n"


def _page(title: str, related: str = "") -> str:
    return f"#  {title} \n\nA Summary Sentence Of Our Own.\n\n{related}"


REF_FILES: dict[str, str | bytes] = {
    f"{DAY1}/index.md": "## [2021-03-4](/news/2021/03/4/index.md)\n\n"
    + _item(DAY1, f"{TOLL}-35", "The Death Toll From The Flooding In The Northern Valley Rises To 35.", "Floods")
    + _item(DAY1, SHIPS, "Ships Collide Near The Port.", "Shipping, Floods")
    + _item(DAY1, HARBOUR, "The Harbour Authority Opens An Inquiry Into The Collision Of Two Ships.", "Shipping"),
    f"{DAY1}/{TOLL}-35.md": _page(
        "The Death Toll From The Flooding In The Northern Valley Rises To 35.",
        f"### Related:\n\n1. [Ships Collide Near The Port. ](/news/2021/03/4/{SHIPS}.md) _Context: Floods_\n",
    ),
    f"{DAY1}/{SHIPS}.md": _page("Ships Collide Near The Port."),
    # The same event under a topic-prefixed slug: an alias that starts like HARBOUR.
    f"{DAY1}/harbour-{SHIPS}.md": _page("Harbour. Ships Collide Near The Port."),
    f"{DAY1}/{HARBOUR}.md": _page("The Harbour Authority Opens An Inquiry Into The Collision Of Two Ships."),
    f"{DAY2}/index.md": "## [2021-03-5](/news/2021/03/5/index.md)\n\n"
    + _item(DAY2, f"{TOLL}-38", "The Death Toll From The Flooding In The Northern Valley Rises To 38.", "Floods"),
    f"{DAY2}/{TOLL}-38.md": _page(
        "The Death Toll From The Flooding In The Northern Valley Rises To 38.",
        f"### Related:\n\n1. [Earlier Toll. ](/news/2021/03/4/{TOLL}-35.md) _Context: Floods_\n",
    ),
}

_REF_LINE = re.compile(r"\s+([a-z0-9][a-z0-9-]*)")  # titles and contexts in REF_FILES are capitalised


def _refs(table: str) -> list[str]:
    """The REF lines of a table, in order."""
    return [m[1] for line in table.splitlines() if (m := _REF_LINE.fullmatch(line))]


def _json(run: Run, *args: str | Path) -> Any:
    code, out, err = run(*args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("columns", [60, 200])
@pytest.mark.parametrize(
    "args",
    [("on", "2021-03"), ("search", "Toll"), ("search", "Harbour OR Ships", "--raw"), ("related", f"{TOLL}-38")],
)
def test_every_slug_in_a_table_is_a_ref_to_its_event(
    args: tuple[str, ...], columns: int, run: Run, make_archive: MakeArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_archive(REF_FILES)
    monkeypatch.setenv("COLUMNS", str(columns))
    code, table, err = run(*args, "--table", "--archive", root)
    assert code == 0, err
    assert "…" not in table
    events = [e for e in _json(run, *args, "--archive", root) if e.get("in_archive", True)]
    refs = _refs(table)
    assert len(refs) == len(events) >= 2, table
    for ref, event in zip(refs, events, strict=True):
        assert event["slug"].startswith(ref)
        assert ref == event["slug"] or len(event["slug"]) > columns - 30  # whole where it fits
        assert _json(run, "show", ref, "--archive", root)["slug"] == event["slug"], ref


def test_a_table_ref_is_the_shortest_unique_start_to_the_end_of_a_word(
    run: Run, make_archive: MakeArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_archive(REF_FILES)
    monkeypatch.setenv("COLUMNS", "60")
    _, table, _ = run("on", "2021-03", "--table", "--archive", root)
    # "harbour" alone would also name the ships event by its alias harbour-ships-...
    assert _refs(table) == [f"{TOLL}-35", SHIPS, "harbour-authority", f"{TOLL}-38"]
    assert max(len(line) for line in table.splitlines()) > 60  # a REF runs past the edge, unbroken


@pytest.mark.parametrize("columns", [60, 200])
def test_show_prints_slug_and_file_whole_on_one_line(
    columns: int, run: Run, make_archive: MakeArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_archive(REF_FILES)
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = run("show", "ships", "--table", "--archive", root)
    assert code == 0
    lines = [line.split() for line in out.splitlines()]
    assert ["Slug", SHIPS] in lines and ["Aliases", f"harbour-{SHIPS}"] in lines
    code, out, _ = run("show", f"{TOLL}-38", "--table", "--archive", root)
    lines = [line.split() for line in out.splitlines()]
    assert ["Slug", f"{TOLL}-38"] in lines and ["File", f"{DAY2}/{TOLL}-38.md"] in lines


# --- invisible characters ---------------------------------------------------------------------------

INVISIBLE = "\u202e\u200b\u200e\u200f\u202a\u2066\u2069\u2060\ufeff"


@pytest.fixture
def invisible(make_archive: MakeArchive) -> Path:
    title = f"Talks {INVISIBLE}resume in Oslo."
    return make_archive(
        {
            "news/2022/05/9/index.md": "## [2022-05-9](/news/2022/05/9/index.md)\n\n"
            f"### [{title} ](/news/2022/05/9/talks-resume.md)\n_Context: Oslo\u2067, Talks_\n",
            "news/2022/05/9/talks-resume.md": f"#  {title} \n\nThe \u202esummary.\n",
        }
    )


@pytest.mark.parametrize("args", [("on", "2022-05-09"), ("search", "Oslo"), ("show", "talks-resume")])
@pytest.mark.parametrize("mode", ["--table", None])
def test_bidi_and_zero_width_characters_are_shown_escaped(
    args: tuple[str, ...], mode: str | None, invisible: Path, run: Run
) -> None:
    code, out, _ = run(*args, "--archive", invisible, *([mode] if mode else []))
    assert code == 0
    assert not set(INVISIBLE + "\u2067") & set(out)
    assert "\\u202e" in out and "\\u200b" in out and "\\ufeff" in out


@pytest.mark.parametrize("args", [("on", "2022-05-09"), ("search", "Oslo"), ("show", "talks-resume")])
@pytest.mark.parametrize("mode", ["--json", "--jsonl"])
def test_json_escapes_bidi_and_zero_width_characters(
    args: tuple[str, ...], mode: str, invisible: Path, run: Run
) -> None:
    code, out, _ = run(*args, mode, "--archive", invisible)
    assert code == 0
    assert not set(INVISIBLE + "\u2067") & set(out)
    assert "\\u202e" in out and "\\u2066" in out
    first = json.loads(out.splitlines()[0] if mode == "--jsonl" else out)
    event = first[0] if isinstance(first, list) else first
    assert event["title"] == f"Talks {INVISIBLE}resume in Oslo."  # escaped, not changed


@pytest.mark.parametrize("mode", ["--json", "--jsonl"])
def test_json_escapes_a_delete_in_otherwise_plain_text(mode: str, make_archive: MakeArchive, run: Run) -> None:
    """DEL is ASCII, and JSON leaves it raw: it is escaped all the same (ASCII text takes a quicker way)."""
    root = make_archive(
        {"news/2022/05/9/talks-resume.md": "### [2022-05-09](/news/2022/05/9/index.md)\n\n# Talks\x7f resume.\n"}
    )
    code, out, _ = run("on", "2022-05-09", mode, "--archive", root)
    assert code == 0
    assert "\x7f" not in out and "Talks\\u007f resume." in out


# --- streaming ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["--table", "--jsonl", None])
def test_rows_are_printed_before_the_last_one_is_read(
    mode: str | None, run: Run, make_archive: MakeArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long answer (`on 1000 --to 9999`) starts at once: rows go out as the store yields them."""
    from newsq import store

    root = make_archive(REF_FILES)
    run("index", "--archive", root)
    events_filtered = store.events_filtered

    def two_then_fail(*args: Any) -> Any:
        rows = events_filtered(*args)
        yield next(rows)
        yield next(rows)
        raise KeyboardInterrupt  # as a user would, with the rest of a long answer still to come

    monkeypatch.setattr(store, "events_filtered", two_then_fail)
    code, out, _ = run("on", "2021-03", "--archive", root, *([mode] if mode else []))
    assert code == 130
    assert out.count("Rises To 35") == 1 and "Ships Collide" in out


# --- the Output object itself -------------------------------------------------------------------------

WORDS: RowSpec[tuple[str, str]] = RowSpec(
    columns=(Column("Word", width=6), Column("Meaning")),
    cells=lambda item: item,
    fields=lambda item: item,
    obj=lambda item: {"word": item[0], "meaning": item[1]},
)


def _written(mode: Mode, items: list[tuple[str, str]], width: int = 40) -> tuple[str, str, int]:
    env = Env(io.StringIO(), io.StringIO(), stdout_isatty=False, colour=False, width=width)
    out = Output(mode, env)
    count = out.rows(WORDS, items)
    code = out.finish(count, "nothing found")
    assert isinstance(env.stdout, io.StringIO) and isinstance(env.stderr, io.StringIO)
    return env.stdout.getvalue(), env.stderr.getvalue(), code


def test_one_row_spec_gives_every_mode() -> None:
    items = [("tide", "the sea rising and falling twice a day"), ("spit", "a narrow\tpoint of land")]
    table, _, _ = _written(Mode.TABLE, items)
    assert table.splitlines() == [
        "Word    Meaning",
        "─" * 40,
        "tide    the sea rising and falling",  # the 40th cell is kept for a hanging comma
        "        twice a day",
        "spit    a narrow point of land",
    ]
    lines, _, _ = _written(Mode.LINES, items)
    assert lines == "tide\tthe sea rising and falling twice a day\nspit\ta narrow point of land\n"
    array, _, _ = _written(Mode.JSON, items)
    assert json.loads(array) == [{"word": w, "meaning": m} for w, m in items]
    jsonl, _, _ = _written(Mode.JSONL, items)
    assert [json.loads(line) for line in jsonl.splitlines()] == json.loads(array)


@pytest.mark.parametrize("mode", list(Mode))
def test_nothing_found_is_exit_1_with_a_message_except_for_an_empty_array(mode: Mode) -> None:
    out, err, code = _written(mode, [])
    assert code == 1
    assert (out, err) == (("[]\n", "") if mode is Mode.JSON else ("", "newsq: nothing found\n"))


def test_mode_is_chosen_once_from_the_options_and_the_terminal() -> None:
    assert Mode.choose(isatty=True) is Mode.TABLE
    assert Mode.choose(isatty=False) is Mode.LINES
    assert Mode.choose(table=True) is Mode.TABLE
    assert Mode.choose(json_=True, table=True, isatty=True) is Mode.JSON
    assert Mode.choose(jsonl=True) is Mode.JSONL


# --- lists in narrow columns ------------------------------------------------------------------------

LISTED = "Baikonur, Kazakhstan, Mars"


def test_a_list_in_a_narrow_column_keeps_each_comma_with_its_word() -> None:
    # Before: a 10-cell column folded "Kazakhstan," into "Kazakhstan" and a line ", Mars".
    spec: RowSpec[tuple[str, str]] = WORDS._replace(columns=(Column("Shared", width=10), Column("Note")))
    inside = Output(Mode.TABLE, Env(io.StringIO(), io.StringIO(), stdout_isatty=True, colour=False, width=30))
    inside.rows(spec, [(LISTED, "x")])
    edge = Output(Mode.TABLE, Env(io.StringIO(), io.StringIO(), stdout_isatty=True, colour=False, width=17))
    edge.rows(WORDS._replace(columns=(Column("Day", width=4), Column("Shared"))), [("2003", LISTED)])
    for out, width, left in ((inside, 30, 0), (edge, 17, 6)):
        assert isinstance(out.env.stdout, io.StringIO)
        rows = out.env.stdout.getvalue().splitlines()[2:]
        assert [row[left:].split("  ")[0].strip() for row in rows] == ["Baikonur,", "Kazakhstan,", "Mars"], rows
        assert max(len(row) for row in rows) <= width  # the comma hangs into the gap, or the edge's free cell


def test_related_at_60_columns_wraps_shared_contexts_after_the_comma(
    run: Run, make_archive: MakeArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = "## [2003-06-2](/news/2003/06/2/index.md)\n\n"
    root = make_archive(
        {
            "news/2003/06/2/index.md": day
            + _item("news/2003/06/2", "a-probe-leaves", "A Probe Leaves.", LISTED)
            + _item("news/2003/06/2", "a-crew-returns", "A Crew Returns.", LISTED),
        }
    )
    monkeypatch.setenv("COLUMNS", "60")
    code, table, err = run("related", "a-probe-leaves", "--table", "--archive", root)
    assert code == 0, err
    assert "Kazakhstan," in table and not re.search(r"^\s+,", table, re.MULTILINE), table


def test_every_character_shown_escaped_is_escaped_inside_plain_text() -> None:
    """safe() passes text that Python calls printable untouched: each character it must escape
    (controls, bidi and zero-width ones) is escaped within otherwise plain words too."""
    from newsq.streams import _UNSAFE_RE, safe

    escaped = [chr(c) for c in [*range(0x3000), 0xFEFF] if _UNSAFE_RE.match(chr(c))]
    assert len(escaped) > 60
    for char in escaped:
        shown = safe(f"plain {char} words")
        assert char not in shown and shown.startswith("plain \\") and shown.endswith(" words")
