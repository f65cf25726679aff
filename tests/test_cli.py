"""Every command, every output mode and every exit code, on an archive built in a temp folder."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from newsq.errors import Exit
from tests.conftest import MakeArchive, Run

MARS = "europe-launches-a-probe-to-mars-from-baikonur"
BEAGLE = "the-beagle-lander-separates-from-the-orbiter"

FILES: dict[str, str | bytes] = {
    "news/2003/06/2/index.md": f"""
## [2003-06-2](/news/2003/06/2/index.md)

### [ Europe launches a probe to Mars from Baikonur.](/news/2003/06/2/{MARS}.md)
_Context: Baikonur, Kazakhstan, Mars, Mars Express_

### [ A summit opens in Evian, France.](/news/2003/06/2/a-summit-opens-in-evian-france.md)
_Context: G8, France_

### [ Only the day page knows this event.](/news/2003/06/2/only-the-day-page-knows-this-event.md)
Its own page was never saved.

## [Previous Day...](/news/2003/06/1/index.md)
""",
    f"news/2003/06/2/{MARS}.md": f"""
Formats: [HTML](/news/2003/06/2/{MARS}.html)  

### [2003-06-2](/news/2003/06/2/index.md)

##### Mars Express
#  Europe launches a probe to Mars from Baikonur. 

A rocket carries the orbiter and its lander toward the red planet.

### Source:

1. [Space Agency](https://agency.example/mars-express)

### Related:

1. [ The Beagle lander separates from the orbiter. ](/news/2003/12/19/{BEAGLE}.md) _Context: Mars, Mars Express_
2. [ A rover lands in a crater. ](/news/2012/08/6/a-rover-lands-in-a-crater.md) _Context: Mars_
""",
    "news/2003/06/2/mars-express-europe-launches-a-probe-to-mars-from-baikonur.md": """
### [2003-06-2](/news/2003/06/2/index.md)

#  Mars Express. Europe launches a probe to Mars from Baikonur. 
""",
    "news/2003/06/2/a-summit-opens-in-evian-france.md": """
### [2003-06-2](/news/2003/06/2/index.md)

#  A summit opens in Evian, France. 

### Sources:

1. [Paper](https://paper.example/1)
2. [Other paper](https://paper.example/2)
""",
    "news/2003/12/19/index.md": f"""
## [2003-12-19](/news/2003/12/19/index.md)

### [ The Beagle lander separates from the orbiter.](/news/2003/12/19/{BEAGLE}.md)
_Context: Mars, Mars Express, Beagle 2_
""",
    f"news/2003/12/19/{BEAGLE}.md": """
### [2003-12-19](/news/2003/12/19/index.md)

#  The Beagle lander separates from the orbiter. 
""",
    "news/2006/09/18/index.md": """
## [2006-09-18](/news/2006/09/18/index.md)

### [A crewed rocket lifts off from Baikonur in Kazakhstan. ](/news/2006/09/18/a-crewed-rocket-lifts-off-from-baikonur-in-kazakhstan.md)
_Context: Baikonur, Kazakhstan_

### [The markets of AT&T and U.S. COVID-19 are mentioned. ](/news/2006/09/18/the-markets-of-at-t-and-u-s-covid-19-are-mentioned.md)
_Context: Economy_
""",
    "news/2006/09/18/a-crewed-rocket-lifts-off-from-baikonur-in-kazakhstan.md": f"""
### [2006-09-18](/news/2006/09/18/index.md)

# A crewed rocket lifts off from Baikonur in Kazakhstan. 

### Related:

1. [Europe launches a probe to Mars from Baikonur. ](/news/2003/06/2/{MARS}.md) _Context: Baikonur, Kazakhstan_
""",
}


@pytest.fixture
def archive(make_archive: MakeArchive) -> Path:
    return make_archive(FILES)


def json_out(run: Run, *args: str | os.PathLike[str]) -> tuple[int, object, str]:
    code, out, err = run(*args)
    return code, json.loads(out) if out.strip() else None, err


def test_on_a_day_lists_its_events_in_day_page_order(run: Run, archive: Path) -> None:
    for spelled in ("2003-06-02", "2003-06-2", "2003/06/02", "June 2, 2003", "2 June 2003", "20030602"):
        code, events, _ = json_out(run, "on", spelled, "--archive", archive, "--json")
        assert code == Exit.FOUND, spelled
        assert isinstance(events, list)
        assert [e["slug"] for e in events] == [
            MARS,
            "a-summit-opens-in-evian-france",
            "only-the-day-page-knows-this-event",
        ], spelled


def test_on_month_year_and_range(run: Run, archive: Path) -> None:
    _, month, _ = json_out(run, "on", "2003-06", "--archive", archive, "--json")
    _, year, _ = json_out(run, "on", "2003", "--archive", archive, "--json")
    _, span, _ = json_out(run, "on", "2003-06", "--to", "2006", "--archive", archive, "--json")
    assert isinstance(month, list) and isinstance(year, list) and isinstance(span, list)
    assert len(month) == 3
    assert len(year) == 4
    assert [e["date"] for e in span] == sorted(e["date"] for e in span)
    assert len(span) == 6


def test_json_event_fields(run: Run, archive: Path) -> None:
    _, events, _ = json_out(run, "on", "2003-06-02", "--archive", archive, "--json")
    assert isinstance(events, list)
    mars, _summit, lost = events
    assert mars == {
        "slug": MARS,
        "date": "2003-06-02",
        "title": "Europe launches a probe to Mars from Baikonur.",
        "topic": "Mars Express",
        "contexts": ["Baikonur", "Kazakhstan", "Mars", "Mars Express"],
        "summary": "A rocket carries the orbiter and its lander toward the red planet.",
        "sources": [{"name": "Space Agency", "url": "https://agency.example/mars-express"}],
        "aliases": ["mars-express-europe-launches-a-probe-to-mars-from-baikonur"],
        "path": f"news/2003/06/2/{MARS}.md",
    }
    assert lost["path"] is None
    assert lost["summary"] == "Its own page was never saved."


def test_jsonl_and_lines_and_table(run: Run, archive: Path) -> None:
    code, out, err = run("on", "2003-06-02", "--archive", archive, "--jsonl")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 3 and all(json.loads(line)["date"] == "2003-06-02" for line in lines)
    code, out, _ = run("on", "2003-06-02", "--archive", archive)
    assert out.splitlines()[0].split("\t") == ["2003-06-02", MARS, "Europe launches a probe to Mars from Baikonur."]
    code, out, _ = run("on", "2003-06-02", "--archive", archive, "--table")
    assert "Europe launches a probe" in out and "Date" in out
    assert "\x1b[" not in out  # NO_COLOR and no terminal: no colour codes


def test_nothing_found_exits_1_and_bad_date_exits_2(run: Run, archive: Path) -> None:
    code, out, err = run("on", "1990-01-01", "--archive", archive)
    assert (code, out) == (Exit.NOTHING, "")
    assert "nothing found" in err
    code, out, _ = run("on", "1990-01-01", "--archive", archive, "--json")
    assert (code, json.loads(out)) == (Exit.NOTHING, [])
    for bad in ("2003-02-30", "someday", "2003-13", "June 40, 2003", "02-30"):
        code, out, err = run("on", bad, "--archive", archive)
        assert code == Exit.ERROR, bad
        assert out == "" and err.startswith("newsq: error:") and err.count("\n") == 1, bad
    code, _, err = run("on", "2004", "--to", "2003", "--archive", archive)
    assert code == Exit.ERROR and "before" in err


def test_missing_or_empty_archive_is_a_clear_error(run: Run, tmp_path: Path) -> None:
    code, out, err = run("on", "2003", "--archive", tmp_path / "nope")
    assert code == Exit.ERROR and "archive not found" in err and out == ""
    (tmp_path / "empty" / "news").mkdir(parents=True)
    code, _, err = run("search", "x", "--archive", tmp_path / "empty")
    assert code == Exit.ERROR and "empty" in err


def test_archive_may_be_news_folder_itself_or_from_env(
    run: Run, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, via_news, _ = json_out(run, "on", "2003-06-02", "--archive", archive / "news", "--json")
    monkeypatch.setenv("NEWSQ_ARCHIVE", str(archive))
    _, via_env, _ = json_out(run, "on", "2003-06-02", "--json")
    assert via_news == via_env
    assert isinstance(via_env, list) and len(via_env) == 3


def test_search_ranks_title_matches_first_and_highlights(run: Run, archive: Path) -> None:
    code, hits, _ = json_out(run, "search", "Baikonur", "--archive", archive, "--json")
    assert code == 0 and isinstance(hits, list)
    assert {h["slug"] for h in hits} == {MARS, "a-crewed-rocket-lifts-off-from-baikonur-in-kazakhstan"}
    assert all("**Baikonur**" in h["snippet"] and h["score"] > 0 for h in hits)
    code, out, _ = run("search", "Baikonur", "--archive", archive, "--table")
    assert code == 0 and "Europe launches" in out


def test_search_all_words_phrases_prefixes(run: Run, archive: Path) -> None:
    _, both, _ = json_out(run, "search", "Mars orbiter", "--archive", archive, "--json")
    assert isinstance(both, list) and {h["slug"] for h in both} == {MARS, BEAGLE}
    _, phrase, _ = json_out(run, "search", '"lander separates"', "--archive", archive, "--json")
    assert isinstance(phrase, list) and [h["slug"] for h in phrase] == [BEAGLE]
    _, prefix, _ = json_out(run, "search", "kazakh*", "--archive", archive, "--json")
    assert isinstance(prefix, list) and len(prefix) == 2


def test_search_escapes_user_text(run: Run, archive: Path) -> None:
    for text in ("U.S.", "COVID-19", "AT&T", '"', "NEAR(", "a AND OR NOT", "*", "col:umn", "^x"):
        code, _, err = run("search", text, "--archive", archive)
        assert code in (Exit.FOUND, Exit.NOTHING, Exit.ERROR), text
        # What a user sees: nothing, a "nothing found" line, or one line about the query (no FTS5 jargon).
        assert all(line.startswith("newsq: ") for line in err.splitlines()) and len(err.splitlines()) <= 1, text
        assert "fts5" not in err.lower(), text
    code, hits, _ = json_out(run, "search", "COVID-19", "--archive", archive, "--json")
    assert code == 0 and isinstance(hits, list) and len(hits) == 1
    code, _, err = run("search", "NEAR(", "--raw", "--archive", archive)
    assert code == Exit.ERROR and "FTS5" in err
    code, hits, _ = json_out(run, "search", "Mars NOT Beagle", "--raw", "--archive", archive, "--json")
    assert isinstance(hits, list) and [h["slug"] for h in hits] == [MARS]


def test_search_corrects_typos_against_the_index(run: Run, archive: Path) -> None:
    code, hits, err = json_out(run, "search", "Mras", "--archive", archive, "--json")
    assert code == 0 and isinstance(hits, list) and MARS in {h["slug"] for h in hits}
    assert "'mars' instead" in err
    code, hits, err = json_out(run, "search", "Kazakstan", "--archive", archive, "--json")
    assert code == 0 and "'kazakhstan' instead" in err
    code, _, err = run("search", "Mras", "--exact", "--archive", archive)
    assert code == Exit.NOTHING and "instead" not in err


def test_search_filters_and_limit(run: Run, archive: Path) -> None:
    _, hits, _ = json_out(run, "search", "Baikonur", "--from", "2004", "--archive", archive, "--json")
    assert isinstance(hits, list) and [h["date"] for h in hits] == ["2006-09-18"]
    _, hits, _ = json_out(run, "search", "Baikonur", "--to", "2003-06", "--archive", archive, "--json")
    assert isinstance(hits, list) and [h["slug"] for h in hits] == [MARS]
    _, hits, _ = json_out(run, "search", "Baikonur", "--context", "mars express", "--archive", archive, "--json")
    assert isinstance(hits, list) and [h["slug"] for h in hits] == [MARS]
    _, hits, _ = json_out(run, "search", "Baikonur", "--limit", "1", "--archive", archive, "--json")
    assert isinstance(hits, list) and len(hits) == 1
    code, _, err = run("search", "!!!", "--archive", archive)
    assert code == Exit.ERROR and "nothing to search" in err


def test_related_reasons(run: Run, archive: Path) -> None:
    code, items, _ = json_out(run, "related", MARS, "--archive", archive, "--json")
    assert code == 0 and isinstance(items, list)
    reasons = [(i["reason"], i["slug"], i["in_archive"]) for i in items]
    assert reasons[:2] == [("links-to", BEAGLE, True), ("links-to", "a-rover-lands-in-a-crater", False)]
    assert ("linked-from", "a-crewed-rocket-lifts-off-from-baikonur-in-kazakhstan", True) in reasons
    missing = items[1]
    assert (missing["date"], missing["title"], missing["path"]) == ("2012-08-06", "A rover lands in a crater.", None)
    assert items[0]["shared_contexts"] == ["Mars", "Mars Express"]
    code, items, _ = json_out(run, "related", BEAGLE, "--archive", archive, "--json")
    assert isinstance(items, list)
    assert (items[0]["reason"], items[0]["slug"]) == ("linked-from", MARS)
    code, out, _ = run("related", MARS, "--archive", archive, "--table")
    assert "not in the archive" in out


def test_shared_context_ranked_by_count_then_time(run: Run, make_archive: MakeArchive) -> None:
    def day(d: str, slug: str, ctx: str) -> dict[str, str | bytes]:
        y, m, dd = d.split("-")
        return {
            f"news/{y}/{m}/{int(dd)}/index.md": f"## [{d}](/news/x/index.md)\n\n"
            f"### [{slug} happens.](/news/{y}/{m}/{int(dd)}/{slug}.md)\n_Context: {ctx}_\n"
        }

    files: dict[str, str | bytes] = {}
    files.update(day("2010-01-01", "anchor", "A, B, C"))
    files.update(day("2010-01-05", "near-one", "A"))
    files.update(day("2012-01-01", "far-two", "A, B"))
    files.update(day("2010-02-01", "other-one", "B"))
    files.update(day("2010-03-01", "unrelated", "Z"))
    root = make_archive(files)
    _, items, _ = json_out(run, "related", "anchor", "--archive", root, "--json")
    assert isinstance(items, list)
    assert [(i["reason"], i["slug"], i["shared_contexts"]) for i in items] == [
        ("shared-context", "far-two", ["A", "B"]),
        ("shared-context", "near-one", ["A"]),
        ("shared-context", "other-one", ["B"]),
    ]
    _, items, _ = json_out(run, "related", "anchor", "--limit", "1", "--archive", root, "--json")
    assert isinstance(items, list) and len(items) == 1


def test_show_by_every_kind_of_ref(run: Run, archive: Path) -> None:
    refs = [
        MARS,
        "mars-express-europe-launches-a-probe-to-mars-from-baikonur",
        f"2003/06/2/{MARS}",
        f"2003/06/02/{MARS}",
        f"/news/2003/06/2/{MARS}.md",
        "europe-launches-a-pro",
        "2003/06/2/europe-launches-a-pro",
    ]
    for ref in refs:
        code, event, _ = json_out(run, "show", ref, "--archive", archive, "--json")
        assert code == 0 and isinstance(event, dict), ref
        assert event["slug"] == MARS, ref
    code, out, _ = run("show", MARS, "--archive", archive)
    assert "aliases:  mars-express-europe" in out and "sources:  Space Agency" in out
    code, out, _ = run("show", MARS, "--archive", archive, "--table")
    assert "Mars Express" in out and "Summary" in out


def test_unknown_and_ambiguous_refs(run: Run, archive: Path) -> None:
    code, out, err = run("show", "europe-lanches-a-probe-to-mars", "--archive", archive)
    assert code == Exit.ERROR and out == ""
    assert "did you mean" in err and MARS in err
    code, _, err = run("show", "2003/12/19/europe-launches-a-pro", "--archive", archive)
    assert code == Exit.ERROR and "no event" in err  # a prefix on another day is not that day's event
    code, _, err = run("related", "a", "--archive", archive)
    assert code == Exit.ERROR and "names" in err and "a-summit-opens" in err


def test_index_summary_and_auto_refresh(run: Run, archive: Path) -> None:
    code, out, err = run("index", "--archive", archive)
    assert code == 0 and out == ""
    assert "8 of 8 files read" in err and "6 events" in err and "0 warnings" in err
    code, _, err = run("index", "--archive", archive)
    assert "0 of 8 files read" in err
    # A file added to the archive is found by the next query, without `newsq index`.
    day = archive / "news/2003/06/2"
    before = day.stat().st_mtime_ns
    (day / "a-late-addition.md").write_text("# A late addition about Mars. \n", encoding="utf-8")
    os.utime(day, ns=(before + 10**9, before + 10**9))  # as a coarse clock would show it, a second on
    _, hits, _ = json_out(run, "search", "late addition", "--archive", archive, "--json")
    assert isinstance(hits, list) and [h["slug"] for h in hits] == ["a-late-addition"]
    # A removed file disappears too.
    (day / "a-late-addition.md").unlink()
    code, _, _ = run("search", "late addition", "--exact", "--archive", archive)
    assert code == Exit.NOTHING


def test_index_catches_edits_in_place(run: Run, archive: Path) -> None:
    run("index", "--archive", archive)
    page = archive / "news/2003/12/19" / f"{BEAGLE}.md"
    text = page.read_text(encoding="utf-8").replace("separates from", "parts from")
    page.write_text(text, encoding="utf-8")
    os.utime(page, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    code, _, err = run("index", "--archive", archive)
    assert "1 of 8 files read" in err
    _, event, _ = json_out(run, "show", BEAGLE, "--archive", archive, "--json")
    assert isinstance(event, dict) and event["title"] == "The Beagle lander parts from the orbiter."


def test_cache_of_another_schema_version_is_rebuilt(run: Run, archive: Path, cache_dir: Path) -> None:
    import sqlite3

    run("index", "--archive", archive)
    (db,) = cache_dir.glob("*.sqlite")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    code, events, err = json_out(run, "on", "2003-06-02", "--archive", archive, "--json")
    assert code == 0 and isinstance(events, list) and len(events) == 3
    assert "rebuilding" in err


def test_archive_is_never_written(run: Run, archive: Path) -> None:
    def snapshot() -> dict[str, tuple[int, bytes]]:
        return {str(p): (p.stat().st_mtime_ns, p.read_bytes()) for p in archive.rglob("*") if p.is_file()}

    before = snapshot()
    for args in (("index",), ("on", "2003"), ("search", "Mars"), ("related", MARS), ("show", MARS)):
        run(*args, "--archive", archive)
    assert snapshot() == before


def test_every_command_has_help_with_an_example(run: Run) -> None:
    for command in ("index", "on", "search", "related", "show"):
        code, out, _ = run(command, "--help")
        assert code == 0 and "Examples:" in out and f"newsq {command} " in out, command


def test_bundled_sample_answers_mars(run: Run) -> None:
    code, hits, err = json_out(run, "search", "Mras", "--json", "--limit", "50")
    assert code == 0 and isinstance(hits, list)
    assert len(hits) >= 10 and all("mars" in json.dumps(h).lower() for h in hits)
    code, events, _ = json_out(run, "on", "2003-06-02", "--json")
    assert isinstance(events, list) and any("Mars Express" in e["title"] for e in events)


def test_queries_see_new_and_removed_day_folders(run: Run, archive: Path) -> None:
    import shutil

    run("index", "--archive", archive)
    new_day = archive / "news/2010/01/5"
    new_day.mkdir(parents=True)
    (new_day / "index.md").write_text(
        "## [2010-01-5](/news/2010/01/5/index.md)\n\n"
        "### [A tower opens in Dubai. ](/news/2010/01/5/a-tower-opens-in-dubai.md)\n_Context: Dubai_\n",
        encoding="utf-8",
    )
    code, events, _ = json_out(run, "on", "2010-01-05", "--archive", archive, "--json")
    assert code == 0 and isinstance(events, list) and [e["slug"] for e in events] == ["a-tower-opens-in-dubai"]
    shutil.rmtree(archive / "news/2003/12")
    code, _, _ = run("show", BEAGLE, "--archive", archive)
    assert code == Exit.ERROR
    _, items, _ = json_out(run, "related", MARS, "--archive", archive, "--json")
    assert isinstance(items, list)
    assert (items[0]["slug"], items[0]["in_archive"]) == (BEAGLE, False)
    # The quick refresh left the cache as a full index would have.
    _, quick, _ = json_out(run, "on", "2003", "--to", "2010", "--archive", archive, "--json")
    code, _, err = run("index", "--archive", archive)
    assert "0 of" in err
    _, full, _ = json_out(run, "on", "2003", "--to", "2010", "--archive", archive, "--json")
    assert quick == full


def test_incremental_index_equals_a_clean_index(
    run: Run, archive: Path, cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("index", "--archive", archive)
    day = archive / "news/2003/06/2"
    mars = day / f"{MARS}.md"
    mars.write_text(mars.read_text(encoding="utf-8").replace("toward the red planet", "to Mars"), encoding="utf-8")
    (day / "mars-express-europe-launches-a-probe-to-mars-from-baikonur.md").unlink()
    index = day / "index.md"
    index.write_text(
        index.read_text(encoding="utf-8").replace("_Context: G8, France_", "_Context: G8_"), encoding="utf-8"
    )
    for page in (mars, index):
        os.utime(page, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    code, _, err = run("index", "--archive", archive)
    assert code == 0 and "2 of 7 files read" in err
    _, updated, _ = json_out(run, "on", "1990", "--to", "2020", "--archive", archive, "--json")
    monkeypatch.setenv("NEWSQ_CACHE_DIR", str(tmp_path / "clean"))
    _, clean, _ = json_out(run, "on", "1990", "--to", "2020", "--archive", archive, "--json")
    assert updated == clean
    assert isinstance(updated, list)
    mars_event = next(e for e in updated if e["slug"] == MARS)
    assert mars_event["summary"].endswith("to Mars.") and mars_event["aliases"] == []
    assert next(e for e in updated if e["slug"] == "a-summit-opens-in-evian-france")["contexts"] == ["G8"]
    for ref in (MARS, BEAGLE):
        monkeypatch.setenv("NEWSQ_CACHE_DIR", str(cache_dir))
        _, rel_updated, _ = json_out(run, "related", ref, "--archive", archive, "--json")
        monkeypatch.setenv("NEWSQ_CACHE_DIR", str(tmp_path / "clean"))
        _, rel_clean, _ = json_out(run, "related", ref, "--archive", archive, "--json")
        assert rel_updated == rel_clean


def test_index_json_reports_counts_and_warnings(run: Run, make_archive: MakeArchive) -> None:
    root = make_archive({**FILES, "news/2003/06/2/broken.md": b"---\ntitle: [unclosed\n---\n# Broken front matter\n"})
    code, out, err = run("index", "--archive", root, "--json")
    assert code == 0 and "warning" in err
    stats = json.loads(out)
    assert (stats["full"], stats["files_read"], stats["events"], stats["days"]) == (True, 9, 7, 3)
    assert stats["warnings"] == [{"path": "news/2003/06/2/broken.md", "reason": stats["warnings"][0]["reason"]}]
    assert "front matter" in stats["warnings"][0]["reason"]


def test_on_limit(run: Run, archive: Path) -> None:
    _, events, _ = json_out(run, "on", "1000", "--to", "9999", "--limit", "2", "--archive", archive, "--json")
    assert isinstance(events, list) and [e["date"] for e in events] == ["2003-06-02", "2003-06-02"]
    code, out, _ = run("on", "1000", "--to", "9999", "-n", "4", "--archive", archive)
    assert code == 0 and len(out.splitlines()) == 4
    _, events, _ = json_out(run, "on", "1000", "--to", "9999", "--archive", archive, "--json")
    assert isinstance(events, list) and len(events) == 6  # no limit by default


def test_archive_may_come_before_the_command(
    run: Run, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, before, _ = json_out(run, "--archive", archive, "on", "2003-06-02", "--json")
    _, short, _ = json_out(run, "-a", archive, "show", MARS, "--json")
    assert isinstance(before, list) and len(before) == 3
    assert isinstance(short, dict) and short["slug"] == MARS
    # The command's own --archive wins over one before it, and one before it over NEWSQ_ARCHIVE.
    _, own, _ = json_out(run, "--archive", tmp_path / "nope", "on", "2003-06-02", "--archive", archive, "--json")
    assert own == before
    monkeypatch.setenv("NEWSQ_ARCHIVE", str(tmp_path / "nope"))
    _, over_env, _ = json_out(run, "--archive", archive, "on", "2003-06-02", "--json")
    assert over_env == before
    code, _, err = run("on", "2003-06-02")
    assert code == Exit.ERROR and "archive not found" in err


def test_json_help_says_what_each_command_prints(run: Run) -> None:
    for command, printed in (("index", "one JSON object"), ("show", "one JSON object"), ("on", "a JSON array")):
        _, out, _ = run(command, "--help")
        assert printed in " ".join(out.split()).replace("│ ", ""), command
    _, out, _ = run("index", "--help")
    assert "array" not in out


def test_readme_names_every_field_of_index_json(run: Run, archive: Path) -> None:
    # Before: README's list left out `saved`.
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    paragraph = readme.split("`newsq index --json` prints one object:")[1].split("\n\n")[0]
    code, out, _ = run("index", "--json", "--archive", archive)
    assert code == 0
    missing = [key for key in json.loads(out) if f"`{key}`" not in paragraph]
    assert not missing, missing


_QUERY_IMPORTS = """
import io, contextlib, sys
sys.argv = ["newsq", *sys.argv[1:]]
from newsq import entry
try:
    with contextlib.redirect_stdout(io.StringIO()):
        entry.run()
except SystemExit:
    pass
print(" ".join(sorted(sys.modules)))
"""
# What only indexing, the browser or Parquet need: a query that imports one pays its start-up (the
# indexer: 1.9 ms; merge and the cleaning it needs: 4.6 ms of every `related` and `show`).
_NOT_FOR_QUERIES = {
    "newsq.indexer",
    "newsq.workers",
    "newsq.parse",
    "newsq.merge",
    "newsq.clean",
    "ftfy",
    "yaml",
    "textual",
    "pyarrow",
    "multiprocessing",
}


@pytest.mark.parametrize(
    "args",
    [
        ("show", MARS),
        ("related", MARS),
        ("search", "Mars"),
        ("on", "2003-06-02"),
        ("on", "06-02"),
        ("timeline", "Mars"),
        ("contexts", "mars"),
    ],
    ids=lambda a: a[0] + ("-" + a[1] if a[0] == "on" else ""),
)
def test_a_query_loads_nothing_only_indexing_or_the_browser_needs(
    args: tuple[str, ...], make_archive: MakeArchive, run: Run, cache_dir: Path
) -> None:
    import subprocess
    import sys

    root = make_archive(FILES)
    assert run("index", "--archive", root)[0] == 0
    env = {**os.environ, "NEWSQ_CACHE_DIR": str(cache_dir)}
    done = subprocess.run(
        [sys.executable, "-c", _QUERY_IMPORTS, *args, "--archive", str(root)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    loaded = set(done.stdout.split())
    assert "newsq.query" in loaded or "newsq.explore" in loaded  # it ran the query
    assert not loaded & _NOT_FOR_QUERIES
