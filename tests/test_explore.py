"""Exploring by entity and by time: on this day, contexts, timelines; related and show in full."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from newsq import explore
from newsq.archive import find_archive
from newsq.cache import cache_path
from newsq.errors import Exit
from newsq.models import Filters
from tests.conftest import MakeArchive, Run


def _day(day: str, *items: tuple[str, str]) -> str:
    """A day page listing (slug, contexts) items; titles are the slugs in words."""
    y, m, d = day.split("-")
    lines = [f"## [{y}-{m}-{int(d)}](/news/{y}/{m}/{int(d)}/index.md)\n"]
    for slug, contexts in items:
        lines.append(f"### [{slug.replace('-', ' ').capitalize()}. ](/news/{y}/{m}/{int(d)}/{slug}.md)")
        lines.append(f"_Context: {contexts}_\n")
    return "\n".join(lines)


def _page(day: str, title: str, related: list[tuple[str, str, str]] = ()) -> str:  # type: ignore[assignment]
    y, m, d = day.split("-")
    text = f"### [{y}-{m}-{int(d)}](/news/{y}/{m}/{int(d)}/index.md)\n\n#  {title} \n\n"
    if related:
        text += "### Related:\n\n"
        for n, (rday, rslug, shared) in enumerate(related, 1):
            ry, rm, rd = rday.split("-")
            text += f"{n}. [{rslug}](/news/{ry}/{rm}/{int(rd)}/{rslug}.md) _Context: {shared}_\n"
    return text


def _folder(day: str) -> str:
    y, m, d = day.split("-")
    return f"news/{y}/{m}/{int(d)}"


DAYS = {
    "2004-02-29": [("leap-probe-launches", "Mars, NASA")],
    "2008-02-29": [("leap-summit-ends", "Geneva, united nations")],
    "2005-03-01": [("march-storm-hits", "Weather")],
    "2005-06-02": [("june-rover-lands", "Mars, nasa")],
    "2007-06-02": [("june-talks-open", "Geneva, United Nations"), ("june-orbiter-fails", "Mars, NASA, Kazakhstan")],
    "2007-06-03": [("june-rocket-rises", "Kazakhstan, Baikonur")],
    "2009-11-20": [("late-comet-seen", "NASA")],
}


@pytest.fixture
def archive(make_archive: MakeArchive, run: Run) -> Path:
    files: dict[str, str | bytes] = {}
    for day, items in DAYS.items():
        files[f"{_folder(day)}/index.md"] = _day(day, *items)
        for slug, _contexts in items:
            files[f"{_folder(day)}/{slug}.md"] = _page(day, f"{slug.replace('-', ' ').capitalize()}.")
    # Mutual links: the orbiter page lists the rover; the rover page lists the orbiter and the rocket.
    files[f"{_folder('2007-06-02')}/june-orbiter-fails.md"] = _page(
        "2007-06-02", "June orbiter fails.", [("2005-06-02", "june-rover-lands", "Mars, NASA")]
    )
    files[f"{_folder('2005-06-02')}/june-rover-lands.md"] = _page(
        "2005-06-02",
        "June rover lands.",
        [("2007-06-02", "june-orbiter-fails", "Mars, NASA"), ("2001-01-05", "an-old-mission-not-here", "Mars")],
    )
    root = make_archive(files)
    assert run("index", "--archive", root)[0] == Exit.FOUND
    return root


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _json(run: Run, *args: str | Path) -> tuple[int, object, str]:
    code, out, err = run(*args)
    return code, json.loads(out) if out.strip() else None, err


# --- on this day ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("when", [["06-02"], ["June 2"], ["2 June"], ["6/2"], ["2007-06-02", "--every-year"]])
def test_on_a_day_of_every_year(when: list[str], run: Run, archive: Path) -> None:
    code, events, err = _json(run, "on", *when, "--json", "--archive", archive)
    assert code == Exit.FOUND, err
    assert isinstance(events, list)
    assert [(e["date"], e["slug"]) for e in events] == [
        ("2007-06-02", "june-talks-open"),
        ("2007-06-02", "june-orbiter-fails"),
        ("2005-06-02", "june-rover-lands"),
    ]
    assert set(events[0]) >= {"slug", "date", "title", "contexts", "aliases", "path"}  # the usual event objects


def test_leap_day_finds_the_leap_years(run: Run, archive: Path) -> None:
    code, events, _err = _json(run, "on", "02-29", "--oldest-first", "--json", "--archive", archive)
    assert code == Exit.FOUND
    assert isinstance(events, list) and [e["date"] for e in events] == ["2004-02-29", "2008-02-29"]


@pytest.mark.parametrize("bad", ["02-30", "13-01", "June 31", "00-05"])
def test_an_impossible_day_of_the_year_is_exit_2(bad: str, run: Run, archive: Path) -> None:
    code, out, err = run("on", bad, "--archive", archive)
    assert (code, out) == (Exit.ERROR, "")
    assert err.startswith("newsq: error: no such day of the year") and err.count("\n") == 1


def test_the_table_groups_by_year_newest_first(run: Run, archive: Path) -> None:
    code, out, _err = run("on", "06-02", "--table", "--archive", archive)
    assert code == Exit.FOUND
    lines = out.splitlines()
    assert lines.index("2007") < lines.index("2005")
    code, out, _err = run("on", "06-02", "--table", "--oldest-first", "--archive", archive)
    lines = out.splitlines()
    assert lines.index("2005") < lines.index("2007")


def test_today_and_yesterday_are_dates(run: Run, archive: Path, make_archive: MakeArchive) -> None:
    today = dt.date.today().isoformat()
    code, out, err = run("on", "today", "--archive", archive)
    assert code == Exit.NOTHING and err == "newsq: nothing found for today\n"
    code, _events, err = _json(run, "search", "storm", "--from", "yesterday", "--json", "--archive", archive)
    assert code == Exit.NOTHING, err
    assert today  # the day itself is covered by tests/test_dates.py


# --- contexts -------------------------------------------------------------------------------------------


def test_contexts_count_and_spell_as_the_archive_does(run: Run, archive: Path) -> None:
    code, rows, _err = _json(run, "contexts", "--json", "--archive", archive)
    assert code == Exit.FOUND and isinstance(rows, list)
    by_name = {r["name"]: r for r in rows}
    # `nasa` and `NASA`, `united nations` and `United Nations`: one context, the commonest spelling.
    assert by_name["NASA"] == {"name": "NASA", "events": 4, "first": "2004-02-29", "last": "2009-11-20"}
    assert by_name["United Nations"]["events"] == 2 and "nasa" not in by_name
    assert [r["name"] for r in rows[:2]] == ["NASA", "Mars"]  # most events first
    assert set(rows[0]) == {"name", "events", "first", "last"}


def test_contexts_sorts_filters_and_limits(run: Run, archive: Path) -> None:
    code, rows, _ = _json(run, "contexts", "--sort", "first", "--limit", "2", "--json", "--archive", archive)
    assert isinstance(rows, list) and [r["first"] for r in rows] == ["2004-02-29", "2004-02-29"]
    code, rows, _ = _json(run, "contexts", "--sort", "last", "-n", "1", "--json", "--archive", archive)
    assert isinstance(rows, list) and rows[0]["name"] == "NASA"
    code, rows, err = _json(run, "contexts", "NITED", "--json", "--archive", archive)
    assert isinstance(rows, list) and [r["name"] for r in rows] == ["United Nations"] and err == ""
    code, out, err = run("contexts", "--jsonl", "--archive", archive)
    assert len(out.splitlines()) == 7 and json.loads(out.splitlines()[0])["name"] == "NASA"


def test_contexts_falls_back_to_near_spellings_and_says_so(run: Run, archive: Path) -> None:
    code, out, err = run("contexts", "Kazakstan", "--archive", archive)
    assert code == Exit.FOUND
    assert out.split("\t")[0] == "Kazakhstan"
    assert err == "newsq: no context holds 'Kazakstan'; showing near spellings\n"
    code, out, err = run("contexts", "zzzzqqq", "--archive", archive)
    assert (code, out) == (Exit.NOTHING, "") and "no context holds 'zzzzqqq'" in err


def test_context_filters_all_must_hold(run: Run, archive: Path) -> None:
    code, events, _ = _json(
        run, "on", "2004", "--to", "2009", "-c", "mars", "-c", "KAZAKHSTAN", "--json", "--archive", archive
    )
    assert code == Exit.FOUND and isinstance(events, list)
    assert [e["slug"] for e in events] == ["june-orbiter-fails"]
    code, hits, _ = _json(run, "search", "june", "--context", "nasa", "--json", "--archive", archive)
    assert isinstance(hits, list) and {h["slug"] for h in hits} == {"june-rover-lands", "june-orbiter-fails"}
    code, events, _ = _json(run, "on", "06-02", "--context", "geneva", "--json", "--archive", archive)
    assert isinstance(events, list) and [e["slug"] for e in events] == ["june-talks-open"]


@pytest.mark.parametrize("command", [["on", "2007"], ["search", "june"], ["timeline"]])
def test_an_unknown_context_is_exit_2_with_the_closest(command: list[str], run: Run, archive: Path) -> None:
    code, out, err = run(*command, "--context", "Kazakstn", "--archive", archive)
    assert (code, out) == (Exit.ERROR, "")
    assert err.startswith("newsq: error: no context 'Kazakstn'; did you mean: Kazakhstan") and err.count("\n") == 1


def test_context_counts_follow_edits_that_move_first_and_last(run: Run, archive: Path) -> None:
    """An update keeps each context's count, first and last day event by event: it must end where a
    rebuild does, whatever the case of the names and whichever end of a context's span moves."""

    def contexts() -> str:
        return run("contexts", "--json", "--limit", "100", "--archive", archive)[1]

    def rebuilt() -> str:
        run("index", "--rebuild", "--archive", archive)
        return contexts()

    lower_case = [(f"lower-case-{n}", "nasa") for n in range(4)]

    edits = [
        lambda: (archive / _folder("2007-06-03") / "index.md").write_text(
            _day("2007-06-03", ("june-rocket-rises", "Kazakhstan, Baikonur"), ("twice-named", "mars, MARS, Mars"))
        ),
        lambda: [(archive / _folder("2004-02-29") / name).unlink() for name in ("index.md", "leap-probe-launches.md")],
        lambda: [(archive / _folder("2005-03-01") / name).unlink() for name in ("index.md", "march-storm-hits.md")],
        lambda: (archive / _folder("2007-06-03") / "index.md").write_text(
            _day("2007-06-03", ("june-rocket-rises", "Kazakhstan, Baikonur"))
        ),
        # "nasa" becomes the spelling most events use, then "NASA" again.
        lambda: _write(archive / _folder("2008-01-01") / "index.md", _day("2008-01-01", *lower_case)),
        lambda: (archive / _folder("2008-01-01") / "index.md").unlink(),
    ]
    for edit in edits:
        edit()
        assert run("index", "--archive", archive)[0] == Exit.FOUND
        updated = contexts()
        assert updated == rebuilt()
    assert "Weather" not in updated and '"name": "Mars", "events": 2, "first": "2005-06-02"' in updated


# --- timeline -------------------------------------------------------------------------------------------


def test_timeline_counts_every_period_in_the_range(run: Run, archive: Path) -> None:
    code, chart, _ = _json(run, "timeline", "--json", "--archive", archive)
    assert code == Exit.FOUND
    assert chart == {
        "query": None,
        "by": "year",
        "total": 8,
        "periods": [{"period": str(y), "count": n} for y, n in zip(range(2004, 2010), [1, 2, 0, 3, 1, 1], strict=True)],
    }
    code, out, _ = run(
        "timeline", "--jsonl", "--by", "month", "--from", "2007-05", "--to", "2007-07", "--archive", archive
    )
    assert [json.loads(line) for line in out.splitlines()] == [
        {"period": "2007-05", "count": 0},
        {"period": "2007-06", "count": 3},
        {"period": "2007-07", "count": 0},
    ]


def test_timeline_fits_its_periods_to_the_span(run: Run, archive: Path) -> None:
    assert _json(run, "timeline", "--from", "2007", "--to", "2007", "--json", "--archive", archive)[1]["by"] == "month"  # type: ignore[index]
    assert (
        _json(run, "timeline", "--from", "2007-06", "--to", "2007-06", "--json", "--archive", archive)[1]["by"] == "day"
    )  # type: ignore[index]


def test_timeline_of_a_query_counts_what_search_finds(run: Run, archive: Path) -> None:
    code, chart, _ = _json(run, "timeline", "june", "-c", "NASA", "--json", "--archive", archive)
    assert code == Exit.FOUND and isinstance(chart, dict)
    code, hits, _ = _json(run, "search", "june", "-c", "NASA", "--limit", "100000", "--json", "--archive", archive)
    assert isinstance(hits, list) and chart["total"] == len(hits) == 2
    code, out, err = run("timeline", "jnue", "--archive", archive)  # corrected as search corrects it
    assert code == Exit.FOUND and "searched 'june' instead" in err


@pytest.mark.parametrize("contexts", [["nasa"], ["Mars", "NASA"], ["mars", "Kazakhstan"], ["Weather"]])
@pytest.mark.parametrize("span", [[], ["--from", "2005", "--to", "2007-06-02"]])
def test_timeline_of_contexts_counts_what_on_lists(
    contexts: list[str], span: list[str], run: Run, archive: Path
) -> None:
    flags = [a for name in contexts for a in ("--context", name)]
    code, chart, _ = _json(run, "timeline", *flags, *span, "--by", "year", "--json", "--archive", archive)
    assert code == Exit.FOUND and isinstance(chart, dict)
    first, last = (span[1], span[3]) if span else ("2004", "2009")
    _code, events, _ = _json(run, "on", first, "--to", last, *flags, "--json", "--archive", archive)
    assert isinstance(events, list)
    by_year = {p["period"]: p["count"] for p in chart["periods"] if p["count"]}
    assert by_year == dict(Counter(e["date"][:4] for e in events)) and chart["total"] == len(events) > 0


@pytest.mark.parametrize("what", [[], ["june"], ["--context", "NASA"], ["june", "--context", "Mars"]])
def test_timeline_by_day_month_and_year_agree(what: list[str], run: Run, archive: Path) -> None:
    """Years and months are counted period by period, the days of six years in one pass: the same events."""
    totals: dict[str, Counter[str]] = {}
    for by in ("day", "month", "year"):
        code, chart, _ = _json(run, "timeline", *what, "--by", by, "--json", "--archive", archive)
        assert code == Exit.FOUND and isinstance(chart, dict)
        totals[by] = Counter()
        for p in chart["periods"]:
            totals[by][p["period"][:4]] += p["count"]
    assert len(chart["periods"]) == 6 or what  # every year from the first event to the last
    assert totals["day"] == totals["month"] == totals["year"] and sum(totals["year"].values()) > 0


@pytest.mark.parametrize(
    ("args", "periods", "counted"),
    [
        (["--by", "year"], 9999, {"0001": 2, "2004": 1, "9999": 1}),  # many periods: summed in one pass
        (["--by", "year", "--to", "0300"], 300, {"0001": 2}),  # counted period by period
        (["--by", "month", "--from", "9999"], 12, {"9999-12": 1}),
        (["--from", "9999-12"], 31, {"9999-12-31": 1}),  # days, up to the last one there is
        (["--by", "day", "--to", "0001-01-02"], 2, {"0001-01-01": 1, "0001-01-02": 1}),
    ],
)
def test_timeline_reaches_the_first_and_last_years_of_the_calendar(
    args: list[str], periods: int, counted: dict[str, int], make_archive: MakeArchive, run: Run
) -> None:
    # Before: years before 1000 were labelled "1" (counts went negative or were lost), months ran on
    # past 9999-12 to "99989-12", and days past 9999-12-31 were a traceback.
    files: dict[str, str | bytes] = {}
    for day in ("0001-01-01", "0001-01-02", "2004-02-29", "9999-12-31"):
        files[f"{_folder(day)}/a-day-of-{day}.md"] = _page(day, f"A day of {day}.")
    root = make_archive(files)
    code, chart, err = _json(run, "timeline", *args, "--json", "--archive", root)
    assert code == Exit.FOUND and isinstance(chart, dict), err
    assert len(chart["periods"]) == periods and chart["total"] == sum(counted.values())
    assert {p["period"]: p["count"] for p in chart["periods"] if p["count"]} == counted


def _traced_timeline(archive: Path, match: str, contexts: tuple[str, ...], by: str) -> tuple[list[str], list[str]]:
    """The statements a timeline runs on the cache, and SQLite's plan of each that reads the matches."""
    conn = sqlite3.connect(cache_path(find_archive(archive)))
    statements: list[str] = []
    conn.set_trace_callback(statements.append)  # (the values bound are written into the text)
    found = explore.timeline(conn, match=match, filters=Filters(None, None, contexts), by=by, query=None)
    conn.set_trace_callback(None)
    assert found.total > 0
    matching = [sql for sql in statements if "MATCH" in sql]
    plans = [" / ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")) for sql in matching]
    conn.close()
    return matching, plans


def test_a_timeline_of_a_prefix_reads_its_matches_once(archive: Path) -> None:
    # Each statement spells the prefix out over the whole index, whatever the days asked: counted
    # month by month, "a*" took 14 s instead of 0.4 s at 100,000 events (and "s* OR t*" 23 s).
    matching, _ = _traced_timeline(archive, '("june"*)', (), "month")
    assert len(matching) <= 3  # the first, the last and every match: never a statement per month


def test_a_timeline_of_a_word_and_a_context_never_looks_up_each_event_of_the_context(archive: Path) -> None:
    # Left to itself SQLite drives the full-text search by the context's list of events, a lookup
    # for each: 159 s instead of 1.4 s for a word within a context of 44% of 100,000 events by month.
    matching, plans = _traced_timeline(archive, '("june")', ("NASA",), "month")
    assert plans and not any(re.search(r"VIRTUAL TABLE INDEX \d+:=", plan) for plan in plans), plans  # (a rowid lookup)
    # and a month's count lists that month's events of the context, not all of them each time
    monthly = [plan for sql, plan in zip(matching, plans, strict=True) if "rowid >=" in sql]
    assert monthly and all("(context=? AND day>? AND day<?)" in plan for plan in monthly), monthly


def test_timeline_draws_bars_and_exits_1_on_nothing(run: Run, archive: Path) -> None:
    code, out, _ = run("timeline", "--table", "--archive", archive)
    lines = out.splitlines()
    row_2007 = next(line for line in lines if line.startswith("2007"))
    row_2005 = next(line for line in lines if line.startswith("2005"))
    assert row_2007.count("█") > row_2005.count("█") > 0
    assert next(line for line in lines if line.startswith("2006")).split() == ["2006", "0"]
    code, out, err = run("timeline", "zebra", "--exact", "--archive", archive)
    assert (code, out) == (Exit.NOTHING, "") and "nothing found for 'zebra'" in err
    code, chart, _ = _json(run, "timeline", "zebra", "--exact", "--json", "--archive", archive)
    assert code == Exit.NOTHING and chart == {"query": "zebra", "by": "year", "total": 0, "periods": []}


# --- related and show -----------------------------------------------------------------------------------


def test_a_mutual_link_is_one_item_with_both_reasons(run: Run, archive: Path) -> None:
    code, items, _ = _json(run, "related", "june-rover-lands", "--json", "--archive", archive)
    assert isinstance(items, list)
    orbiter = [i for i in items if i["slug"] == "june-orbiter-fails"]
    assert len(orbiter) == 1
    assert orbiter[0]["reasons"] == ["links-to", "linked-from"] and orbiter[0]["reason"] == "links-to"
    code, out, _ = run("related", "june-rover-lands", "--table", "--archive", archive)
    assert any(line.startswith("mutual") and "June orbiter fails" in line for line in out.splitlines())


def test_show_lists_its_related_items_and_who_links_to_it(run: Run, archive: Path) -> None:
    code, event, _ = _json(run, "show", "june-rover-lands", "--json", "--archive", archive)
    assert isinstance(event, dict)
    assert event["related"] == [
        {
            "slug": "june-orbiter-fails",
            "date": "2007-06-02",
            "title": "June orbiter fails.",
            "in_archive": True,
            "shared_contexts": ["Mars", "NASA"],
        },
        {
            "slug": "an-old-mission-not-here",
            "date": "2001-01-05",
            "title": "an-old-mission-not-here",
            "in_archive": False,
            "shared_contexts": ["Mars"],
        },
    ]
    assert event["linked_from"] == 1
    code, out, _ = run("show", "june-rover-lands", "--archive", archive)
    assert "related:  2007-06-02  June orbiter fails. [Mars, NASA]" in out
    assert "(not in the archive)" in out and "linked from: 1 event" in out


def test_counts_follow_an_update(run: Run, archive: Path) -> None:
    """Contexts and period counts kept by the indexer stay right when pages come and go."""
    run("index", "--archive", archive)
    folder = archive / _folder("2007-06-03")
    (folder / "index.md").write_text(
        _day("2007-06-03", ("june-rocket-rises", "Kazakhstan, Baikonur"), ("a-new-mars-event", "mars"))
    )
    (archive / _folder("2009-11-20") / "index.md").unlink()
    (archive / _folder("2009-11-20") / "late-comet-seen.md").unlink()
    assert run("index", "--archive", archive)[0] == Exit.FOUND  # an update: a day page edited in place
    after_update = [run(*args, "--json", "--archive", archive)[1] for args in (("contexts",), ("timeline",))]
    run("index", "--rebuild", "--archive", archive)
    rebuilt = [run(*args, "--json", "--archive", archive)[1] for args in (("contexts",), ("timeline",))]
    assert after_update == rebuilt
    assert '"name": "Mars", "events": 4' in rebuilt[0] and "2009" not in rebuilt[1]


def test_did_you_mean_puts_the_closest_spelling_first(run: Run, archive: Path) -> None:
    code, _out, err = run("on", "2007", "-c", "marz", "--archive", archive)
    assert code == Exit.ERROR and err.startswith("newsq: error: no context 'marz'; did you mean: Mars")


LONG = "scientists-report-that-a-long-study-of-the-atlantic-ocean-currents-over-fifty-years-suggests-moder"


def test_a_related_link_to_a_slug_cut_at_another_length(make_archive: MakeArchive, run: Run) -> None:
    """A link to `...-suggests-mod` on another day names the page `...-suggests-moder` there, the
    only event that slug fits: as a link (links-to) and back (linked-from)."""
    cut = LONG[: -len("er")]
    root = make_archive(
        {
            f"news/2010/05/1/{LONG}.md": _page(
                "2010-05-01", "Scientists report that a long study suggests moderate change."
            ),
            f"news/2010/05/1/{LONG[:70]}-other.md": _page("2010-05-01", "Scientists report another thing entirely."),
            "news/2011/02/3/a-follow-up-study.md": _page(
                "2011-02-03", "A follow-up study.", [("2010-05-01", cut, "Atlantic Ocean")]
            ),
        }
    )
    code, items, _ = _json(run, "related", "a-follow-up-study", "--json", "--archive", root)
    assert isinstance(items, list) and (items[0]["slug"], items[0]["in_archive"]) == (LONG, True)
    code, items, _ = _json(run, "related", LONG, "--json", "--archive", root)
    assert isinstance(items, list) and [(i["slug"], i["reasons"]) for i in items][:1] == [
        ("a-follow-up-study", ["linked-from"])
    ]
    code, event, _ = _json(run, "show", LONG, "--json", "--archive", root)
    assert isinstance(event, dict) and event["linked_from"] == 1
    # export names the event the link names, as `related` does.
    code, out, _ = run("export", "links", "--archive", root)
    link = json.loads(out)
    assert (link["target_slug"], link["target_title"], link["in_archive"]) == (
        LONG,
        "Scientists report that a long study suggests moderate change.",
        True,
    )
    # browse's detail pane: the link is in the archive, and it is counted as linking to the page.
    from newsq.browse_reader import Item, detail_job
    from newsq.models import Event

    conn = sqlite3.connect(cache_path(find_archive(root)))
    (source,) = detail_job(Item(Event("a-follow-up-study", "2011-02-03", ""), None))(conn)
    assert [in_archive for _link, in_archive in source.links] == [True]
    (target,) = detail_job(Item(Event(LONG, "2010-05-01", ""), None))(conn)
    assert target.linked_from == 1
    conn.close()
