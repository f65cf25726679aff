"""The query side as a wary user meets it: the search language, typo correction that never turns a
miss into an unrelated hit, date bounds, FTS5 errors told from damage, REF forms, and bounded input."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from newsq import dates, query, store
from newsq.archive import find_archive
from newsq.cache import cache_path
from newsq.errors import BadDate, BadQuery, Exit, quoted
from tests.conftest import MakeArchive, Run

PROBE = "a-probe-leaves-for-mars-from-the-steppe"
BEAGLE = "the-beagle-2-lander-rides-along-to-mars-and-waits"
ROVER = "engineers-say-the-mars-rover-sends-pictures-home"
VOTES = "officials-in-iraq-count-the-votes"
QAEDA = "rebels-of-al-qaeda-claim-an-attack-on-a-u-s-post"
ZURICH = "a-bistro-in-zurich-prints-its-last-resume"
CAPE = "cape-crews-prepare-a-rocket-for-a-2-stage-test"
EAST = "the-near-east-and-the-west-sign-a-deal-no-one-expected"


def _day(day: str, *events: tuple[str, str, str]) -> str:
    y, m, d = day.split("-")
    lines = [f"## [{y}-{m}-{int(d)}](/news/{y}/{m}/{int(d)}/index.md)", ""]
    for title, slug, contexts in events:
        lines += [f"### [ {title}](/news/{y}/{m}/{int(d)}/{slug}.md)", f"_Context: {contexts}_", ""]
    return "\n".join(lines)


# Our own sentences. The vocabulary is chosen so the old correction went wrong: "sends" is two
# edits from "venus", "cape" one from "cafe", "iraq" one from "iran", "a" one from "x", "no" one
# from "not"; and "venus", "cafe", "iran", "x" and "not" appear nowhere.
FILES: dict[str, str | bytes] = {
    "news/2003/06/2/index.md": _day(
        "2003-06-02",
        ("A probe leaves for Mars from the steppe.", PROBE, "Mars"),
        ("The Beagle 2 lander rides along to Mars and waits.", BEAGLE, "Mars, Beagle 2"),
    ),
    "news/2004/01/10/index.md": _day(
        "2004-01-10",
        ("Engineers say the Mars rover sends pictures home.", ROVER, "Mars"),
        ("Officials in Iraq count the votes.", VOTES, "Iraq"),
    ),
    "news/2005/05/5/index.md": _day(
        "2005-05-05",
        ("Rebels of al-Qaeda claim an attack on a U.S. post.", QAEDA, "Security"),
        ("A bistro in Zürich prints its last résumé.", ZURICH, "Food"),
        ("Cape crews prepare a rocket for a 2-stage test.", CAPE, "Rockets"),
        ("The Near East and the West sign a deal no one expected.", EAST, "Diplomacy"),
    ),
}


@pytest.fixture
def archive(make_archive: MakeArchive, run: Run) -> Path:
    """The archive, indexed: stderr then holds only what a command says about the query."""
    root = make_archive(FILES)
    assert run("index", "--archive", root)[0] == Exit.FOUND
    return root


def slugs(run: Run, archive: Path, *args: str) -> tuple[int, list[str], str]:
    code, out, err = run("search", "--archive", archive, "--json", "--limit", "50", *args)
    return code, [h["slug"] for h in json.loads(out)] if out.strip() else [], err


# --- 1. typo correction ------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["café", "Venus", "x", "NOT", "Iran", "Cafe"])
def test_a_miss_is_not_corrected_into_an_unrelated_hit(run: Run, archive: Path, typed: str) -> None:
    # Before: café searched 'cape', Venus 'sends', x 'a', NOT 'no', Iran 'iraq', all with exit 0.
    code, out, err = run("search", "--archive", archive, "--", typed)
    assert (code, out) == (Exit.NOTHING, ""), err
    assert "instead" not in err and f"nothing found for {typed!r}" in err


def test_accents_and_case_fold_before_anything_else(run: Run, archive: Path) -> None:
    for typed in ("bistro zurich", "BISTRO Zürich", "resume", "RÉSUMÉ", "Zurïch", "zürich résumé"):
        code, hits, err = slugs(run, archive, typed)
        assert (code, hits) == (Exit.FOUND, [ZURICH]), typed
        assert "instead" not in err, typed


def test_genuine_typos_are_still_corrected(run: Run, archive: Path) -> None:
    code, hits, err = slugs(run, archive, "Mras")
    assert code == Exit.FOUND and set(hits) == {PROBE, BEAGLE, ROVER}
    assert "no match for 'Mras'; searched 'mars' instead (--exact to turn off)" in err
    code, hits, err = slugs(run, archive, "Mras,")
    assert code == Exit.FOUND and "no match for 'Mras,'; searched 'mars' instead" in err
    code, hits, err = slugs(run, archive, "Beagel", "--exact")
    assert (code, hits) == (Exit.NOTHING, [])
    code, hits, err = slugs(run, archive, "Mars -Beagel")
    assert code == Exit.FOUND and set(hits) == {PROBE, ROVER} and "'beagle' instead" in err


@pytest.mark.parametrize(
    ("typed", "word"),
    [
        *[("mras", "mars"), ("kazakstan", "kazakhstan"), ("goverment", "government"), ("obmaa", "obama")],
        *[("putn", "putin"), ("merkle", "merkel"), ("presdient", "president"), ("syira", "syria")],
    ],
)
def test_close_enough_takes_slips_of_the_hand(typed: str, word: str) -> None:
    assert query.close_enough(typed, word)


@pytest.mark.parametrize(
    ("typed", "word"),
    [
        *[("cafe", "cape"), ("venus", "sends"), ("iran", "iraq"), ("mali", "bali"), ("cuba", "cube")],
        *[("india", "indie"), ("sudan", "susan"), ("nerkel", "merkel"), ("lybia", "libya")],
        # A letter added or dropped in a short word spells another word just as often.
        *[("naive", "native"), ("plan", "plain"), ("iraqi", "iraq"), ("hose", "horse")],
    ],
)
def test_close_enough_refuses_other_words(typed: str, word: str) -> None:
    assert not query.close_enough(typed, word)


@pytest.mark.parametrize(("typed", "word"), [("marss", "mars"), ("alah", "allah"), ("chna", "china")])
def test_close_enough_takes_a_doubled_letter_or_a_missing_vowel_in_short_words(typed: str, word: str) -> None:
    assert query.close_enough(typed, word)


def test_naive_is_not_searched_as_native(run: Run, make_archive: MakeArchive) -> None:
    # Before: "no match for 'naïve'; searched 'native' instead", and exit 0 with native's events.
    root = make_archive({"news/2006/03/1/index.md": _day("2006-03-01", ("A native plant returns.", "plant", "Botany"))})
    for typed in ("naïve", "naive"):
        code, out, err = run("search", typed, "--archive", root)
        assert (code, out) == (Exit.NOTHING, ""), err
        assert "instead" not in err


def test_a_swap_is_preferred_to_a_dropped_letter(run: Run, make_archive: MakeArchive) -> None:
    # Before: Francios searched 'francis' (also one edit away, and commoner) over 'françois'.
    francis = [(f"Francis visits town {n}.", f"francis-visits-town-{n}", "Visits") for n in range(3)]
    files: dict[str, str | bytes] = {
        "news/2006/03/1/index.md": _day("2006-03-01", *francis, ("François wins a prize.", "prize", "Prizes"))
    }
    root = make_archive(files)
    for typed in ("Francios", "Françios"):
        code, hits, err = slugs(run, root, typed)
        assert (code, hits) == (Exit.FOUND, ["prize"]), err
        assert f"no match for {typed!r}; searched 'francois' instead" in err


# --- 2. the search language --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Mars -Beagle", {PROBE, ROVER}),
        ('Mars -"Beagle 2"', {PROBE, ROVER}),
        ('Mars -"2 lander"', {PROBE, ROVER}),
        ('"lander rides"', {BEAGLE}),
        ('"rides lander"', set()),
        ("Bea*", {BEAGLE}),
        ("Mars OR Iraq", {PROBE, BEAGLE, ROVER, VOTES}),
        # (iraq OR mars) AND rover: FTS5 alone would read `"iraq" OR "mars" "rover"` as
        # iraq OR (mars rover), and `a b NOT c` as (a b) NOT c but `a NOT b c` as a NOT (b c).
        ("Iraq OR Mars rover", {ROVER}),
        ("rover Iraq OR Mars", {ROVER}),
        ("Mars -Beagle OR steppe", set()),  # OR beside an exclusion is the word "or"
        ("Mars or steppe", set()),  # lowercase or is a word
        ("al-Qaeda", {QAEDA}),
        ("AL-QAEDA attack", {QAEDA}),
        ("Mars -al-Qaeda", {PROBE, BEAGLE, ROVER}),
        ("U.S.", {QAEDA}),
        ("2-stage", {CAPE}),
        ("NEAR East", {EAST}),
        ("near AND east", {EAST}),
        ("NOT no one", set()),  # "not" is in no event: a word like any other
        ("no one", {EAST}),
        ("Mars AND Beagle", {BEAGLE}),  # "and" is a word: the Beagle title has it
        ("Mars NEAR(Beagle)", set()),
        ("Mars (Beagle)", {BEAGLE}),
        ("title:Mars", set()),
        ("Mars^", {PROBE, BEAGLE, ROVER}),
        ('Mars "rover sends', {ROVER}),  # a phrase left open runs to the end
    ],
)
def test_search_language(run: Run, archive: Path, text: str, found: set[str]) -> None:
    code, hits, err = slugs(run, archive, "--exact", "--", text)
    assert set(hits) == found, err
    assert code == (Exit.FOUND if found else Exit.NOTHING)


@pytest.mark.parametrize("text", ["-Mars", '-Mars -"Beagle 2"', "-Mars -rover*"])
def test_only_exclusions_is_an_error(run: Run, archive: Path, text: str) -> None:
    code, out, err = run("search", "--archive", archive, "--", text)
    assert code == Exit.ERROR and out == ""
    assert err.count("\n") == 1 and "only excludes" in err


def test_raw_keeps_fts5_syntax(run: Run, archive: Path) -> None:
    _, hits, _ = slugs(run, archive, "--raw", "Mars NOT Beagle")
    assert set(hits) == {PROBE, ROVER}
    _, hits, _ = slugs(run, archive, "--raw", "title:Beagle")
    assert hits == [BEAGLE]


def test_parse_query_builds_parenthesized_fts5() -> None:
    parsed = query.parse_query('Iraq OR "Mars rover" -Beagle bea* -"x y"')
    assert parsed.fts() == '(("Iraq" OR "Mars rover") AND ("bea"*)) NOT ("Beagle" OR "x y")'
    assert query.parse_query('-"a" OR b c OR').fts() == '(("OR") AND ("b") AND ("c") AND ("OR")) NOT ("a")'
    assert query.Term('say "hi"\x00').fts() == '"say ""hi"" "'


# --- 3. date bounds ----------------------------------------------------------------------------------


def test_backwards_range_is_an_error_for_search_and_on(run: Run, archive: Path) -> None:
    code, out, err = run("search", "Mars", "--from", "2005", "--to", "2003", "--archive", archive)
    assert (code, out) == (Exit.ERROR, "")
    assert err == "newsq: error: --to '2003' is before --from '2005'\n"
    code, _, err = run("on", "2005", "--to", "2003", "--archive", archive)
    assert code == Exit.ERROR and err == "newsq: error: --to '2003' is before '2005'\n"


def test_date_bounds() -> None:
    assert dates.date_bounds(None, None) == (None, None)
    assert dates.date_bounds("2003-06", None) == ("2003-06-01", None)
    assert dates.date_bounds(None, "2004") == (None, "2004-12-31")
    assert dates.date_bounds("2003", "2003") == ("2003-01-01", "2003-12-31")
    with pytest.raises(BadDate, match="--to '2003-06-01' is before --from '2003-06-02'"):
        dates.date_bounds("2003-06-02", "2003-06-01")
    with pytest.raises(BadDate, match="cannot read the date ''"):
        dates.date_bounds("", None)
    assert dates.date_range("2003-06", "2004") == ("2003-06-01", "2004-12-31")


def test_search_from_to_filter(run: Run, archive: Path) -> None:
    _, hits, _ = slugs(run, archive, "Mars", "--from", "2004-01-10", "--to", "June 2004")
    assert hits == [ROVER]


# --- 4. FTS5 errors are the query's, other SQLite errors the cache's --------------------------------


@pytest.mark.parametrize("command", ["search", "timeline"])
@pytest.mark.parametrize(
    "text", ["AND", "Mars AND", '"unclosed', "NEAR(", "col:word", "*", "a:", "(" * 300 + "x" + ")" * 300]
)
def test_raw_syntax_errors_are_bad_queries(run: Run, archive: Path, command: str, text: str) -> None:
    # Before: timeline took them for a damaged cache, rebuilt it, and failed as "the cache failed".
    code, out, err = run(command, "--raw", "--archive", archive, "--", text)
    assert (code, out) == (Exit.ERROR, "")
    assert err.startswith("newsq: error: bad FTS5 query: ") and err.count("\n") == 1, err


def test_a_nul_in_a_query_is_a_separator_not_damage(run: Run, archive: Path) -> None:
    # Before: the NUL ended the FTS5 string early, "unterminated string" was reported as damage.
    code, hits, err = slugs(run, archive, "Mars\x00rover")
    assert (code, hits) == (Exit.FOUND, [ROVER]), err


def test_damage_is_not_reported_as_a_bad_query(run: Run, archive: Path) -> None:
    conn = sqlite3.connect(cache_path(find_archive(archive)))
    conn.execute("DROP TABLE events_fts")  # another program damaged the cache
    conn.commit()
    conn.close()
    code, _, err = run("search", "--raw", "Mars", "--archive", archive)
    assert code == Exit.FOUND and "bad FTS5" not in err  # damage: rebuilt, and answered
    assert err.startswith("newsq: cache unusable (no such table: events_fts); rebuilding")
    code, _, err = run("search", "--raw", "NEAR(", "--archive", archive)
    assert code == Exit.ERROR and "bad FTS5 query" in err  # still the query's fault


def test_the_checker_has_the_cache_s_columns_and_tokenizer() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    store.create(conn, "x")
    columns = [r[1] for r in conn.execute("PRAGMA table_info(events_fts)")]
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'events_fts'").fetchone()
    assert store._FTS_ARGS.startswith(", ".join(columns) + ", tokenize=")
    assert store._FTS_ARGS.split("tokenize=")[1] in sql


# --- 5. REFs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref",
    [
        PROBE,
        PROBE.upper(),
        PROBE + "/",
        f"2003-06-02/{PROBE}",
        f"2003-06-2/{PROBE}",
        f"2003/06/2/{PROBE}",
        f"2003/06/02/{PROBE}/",
        f"{PROBE}.html",
        f"{PROBE}.md",
        f"/news/2003/06/2/{PROBE}.md",
        f"https://thecontext.example/news/2003/06/2/{PROBE}.html?x=1#frag",
        f"{PROBE}?utm=1",
        f"{PROBE}#top",
        "a-probe-leaves",
        "A-PROBE-LEAVES",
        "2003-06-02/a-probe",
    ],
)
def test_ref_forms(run: Run, archive: Path, ref: str) -> None:
    code, out, err = run("show", ref, "--json", "--archive", archive)
    assert code == Exit.FOUND, err
    assert json.loads(out)["slug"] == PROBE


TWICE = "probe-lands-on-the-moon"


@pytest.fixture
def twice(make_archive: MakeArchive, run: Run) -> Path:
    """The same slug on two days, and another event on a third; indexed."""
    event = ("Probe lands on the moon.", TWICE, "Moon")
    root = make_archive(
        {
            "news/2003/12/25/index.md": _day("2003-12-25", event),
            "news/2003/12/26/index.md": _day("2003-12-26", event),
            "news/2003/06/2/index.md": _day("2003-06-02", ("Other thing happens.", "other-thing", "Moon")),
        }
    )
    assert run("index", "--archive", root)[0] == Exit.FOUND
    return root


def test_an_ambiguous_ref_says_how_to_name_one(run: Run, twice: Path) -> None:
    code, out, err = run("show", TWICE, "--archive", twice)
    assert (code, out) == (Exit.ERROR, "")
    assert err == (
        f"newsq: error: {TWICE!r} names 2 events: 2003-12-25 {TWICE}; 2003-12-26 {TWICE}; "
        f"name one as 2003-12-25/{TWICE}\n"
    )
    code, out, err = run("show", f"2003-12-26/{TWICE}", "--json", "--archive", twice)
    assert code == Exit.FOUND and json.loads(out)["date"] == "2003-12-26"


def test_a_ref_on_the_wrong_day_says_which_days_have_it(run: Run, twice: Path) -> None:
    # Before: "no event '2003/06/2/...'; did you mean: probe-lands-on-the-moon, probe-lands-on-the-moon".
    code, _, err = run("show", f"2003/06/2/{TWICE}", "--archive", twice)
    assert code == Exit.ERROR
    assert err == f"newsq: error: no event {TWICE!r} on 2003-06-02; it is on 2003-12-25, 2003-12-26\n"
    code, _, err = run("show", "probe-lands-on-the-mon", "--archive", twice)
    assert code == Exit.ERROR and err.count(TWICE) == 1  # suggested once, not once per day


def test_ref_day_must_exist_and_match(run: Run, archive: Path) -> None:
    code, _, err = run("show", f"2003-02-30/{PROBE}", "--archive", archive)
    assert code == Exit.ERROR and "no such date" in err
    code, _, err = run("show", f"2004-01-10/{PROBE}", "--archive", archive)
    assert code == Exit.ERROR and "no event" in err


# --- 6. bounded input, short echoes -------------------------------------------------------------------


def test_a_huge_query_is_refused_at_once_without_echo(run: Run, archive: Path) -> None:
    huge = " ".join(f"w{i}ord" for i in range(20_000))[:100_000]
    for args in ((huge,), ("--raw", huge), ("--exact", huge)):
        code, out, err = run("search", "--archive", archive, *args)
        assert (code, out) == (Exit.ERROR, "")
        assert err.count("\n") == 1 and len(err) < 120, err
        assert "100,000 characters" in err and "1,000" in err


def test_too_many_words(run: Run, archive: Path) -> None:
    code, _, err = run("search", " ".join(["mars"] * 65), "--archive", archive)
    assert code == Exit.ERROR and "65 words: at most 64" in err
    code, _, _ = run("search", " ".join(["mars"] * 64), "--archive", archive)
    assert code == Exit.FOUND


@pytest.mark.parametrize(
    ("command", "text", "options"),
    [
        ("show", "q" * 900, ()),
        ("show", "\n".join(["2003/06/2/x"] * 80), ()),
        ("show", "2003-02-30/" + "x" * 500, ()),
        ("on", "y" * 900, ()),
        ("on", "June" + " " * 900 + "x 2003", ()),
        ("on", "2005", ("--to", "2003" + " " * 900)),
        ("search", "Mars", ("--from", "z" * 900)),
        ("search", "Mars", ("--from", "2005", "--to", "2003" + " " * 900)),
        ("search", "zzzz" * 240, ()),
        ("search", "-" + "z" * 900, ()),
        ("search", "NEAR(" + "z" * 900, ("--raw",)),
    ],
)
def test_messages_echo_one_short_line(
    run: Run, archive: Path, command: str, text: str, options: tuple[str, ...]
) -> None:
    code, _, err = run(command, "--archive", archive, *options, "--", text)
    assert code in (Exit.NOTHING, Exit.ERROR)
    assert err.count("\n") == 1 and len(err) < 200, err


def test_quoted() -> None:
    assert quoted("Mars") == "'Mars'"
    assert quoted("it's") == '"it\'s"'
    for text in ("x" * 1000, "\n" * 1000, "\x1b[2J" * 100, "é" * 100):
        shown = quoted(text)
        assert len(shown) <= 60 and "\n" not in shown and "\x1b" not in shown and shown.endswith("…'")


def test_bad_query_messages_quote_briefly() -> None:
    with pytest.raises(BadQuery) as info:
        query.parse_query("-" + "x" * 500)
    assert len(str(info.value)) < 120
