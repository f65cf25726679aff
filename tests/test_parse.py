"""The parser on small pages written here: each block and each variant of the archive format."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsq.models import DayItem, EventPage
from newsq.parse import merge_day, parse_day_page, parse_event_page, parse_file, slugify, split_event_path
from newsq.parse_page import day_items, day_items_by_line, event_blocks, event_blocks_by_line

FULL_PAGE = """
Formats: [HTML](/news/2003/06/2/probe-launches.html)  [JSON](/news/2003/06/2/probe-launches.json)  

### [2003-06-2](/news/2003/06/2/index.md)

##### Mars Express
#  A probe launches toward Mars. 

First paragraph of the summary.
It goes on here.

Second paragraph.


### Source:

1. [Agency](http://example.org/a)
1. [Cover Image](/resources/r/?m=1)

### Related:

1. [ The lander separates from the orbiter. ](/news/2003/12/19/the-lander-separates-from-the-orbiter.md) _Context: Mars, Mars Express_
2. [Launch with a [http://x.example/y (Link)] leftover ](/news/2016/03/14/launch-with-a-leftover.md) _Context: Baikonur_
"""


def page(text: str, path: str = "news/2003/06/2/probe-launches.md") -> EventPage:
    parsed = parse_file(path, text.encode())
    assert parsed.page is not None
    return parsed.page


def test_slugify_matches_the_archive_rule() -> None:
    assert slugify(" The euro currency is introduced. ") == "the-euro-currency-is-introduced"
    assert slugify("U.S. Congress passes a bill") == "u-s-congress-passes-a-bill"
    assert len(slugify("word " * 100)) <= 139
    assert not slugify("word " * 100).endswith("-")


def test_every_block_of_an_event_page() -> None:
    p = page(FULL_PAGE)
    assert (p.day, p.slug) == ("2003-06-02", "probe-launches")
    assert p.topic == "Mars Express"
    assert p.title == "A probe launches toward Mars."
    assert p.summary == "First paragraph of the summary.\nIt goes on here.\n\nSecond paragraph."
    assert [s.name for s in p.sources] == ["Agency", "Cover Image"]
    assert p.sources[1].url == "/resources/r/?m=1"
    assert [r.slug for r in p.related] == ["the-lander-separates-from-the-orbiter", "launch-with-a-leftover"]
    first = p.related[0]
    assert first.day == "2003-12-19"
    assert first.title == "The lander separates from the orbiter."
    assert first.shared_contexts == ("Mars", "Mars Express")
    assert p.related[1].title == "Launch with a (Link) leftover"
    assert p.related[1].shared_contexts == ("Baikonur",)


def test_blocks_may_be_missing() -> None:
    p = page("### [1999-01-31](/news/1999/01/31/index.md)\n\n# Only a title \n")
    assert p.title == "Only a title"
    assert (p.topic, p.summary, p.sources, p.related) == (None, None, (), ())


def test_sources_plural_and_changes_are_not_related() -> None:
    text = """# Title here

### Sources:

1. [BBC](http://bbc.example/1)
2. [BBC](http://bbc.example/2)

### Changes:

1. [ Title here as worded first ](/news/1999/01/8/title-here-as-worded-first.md) _2018-02-06 13:49:15 (First version)_
1. [ Title here ](/news/1999/01/8/title-here.md) _(Current version)_
"""
    p = page(text, "news/1999/01/8/title-here.md")
    assert [s.url for s in p.sources] == ["http://bbc.example/1", "http://bbc.example/2"]
    assert p.related == ()
    assert [c.slug for c in p.changes] == ["title-here-as-worded-first", "title-here"]


def test_day_page_items_with_contexts_summaries_and_topics() -> None:
    text = """
Formats: [HTML](2017/03/8/index.html)  

## [2017-03-8](/news/2017/03/8/index.md)

##### Timeline of Mars exploration
### [U.S. Congress passes a bill. ](/news/2017/03/8/u-s-congress-passes-a-bill.md)
_Context: Mars, NASA_

### [ A storm hits. ](/news/2017/03/8/a-storm-hits.md)
Strong winds close the harbour.

## [Previous Day...](/news/2017/03/7/index.md)
"""
    items, _warnings = parse_day_page(text, "news/2017/03/8/index.md")
    assert [i.slug for i in items] == ["u-s-congress-passes-a-bill", "a-storm-hits"]
    assert items[0] == DayItem(
        "u-s-congress-passes-a-bill",
        "2017-03-08",
        "U.S. Congress passes a bill.",
        "Timeline of Mars exploration",
        ("Mars", "NASA"),
        None,
        "news/2017/03/8/index.md",
    )
    assert items[1].topic is None
    assert items[1].contexts is None
    assert items[1].summary == "Strong winds close the harbour."


def test_front_page_items_are_dated_by_their_links() -> None:
    text = """## [News](/news/2017/06/19/index.md)

### [One thing. ](/news/2017/06/19/one-thing.md)
_Context: A_

## Opinion
### [An essay](/opinion/2017/04/4/an-essay/index.md)
Not an event.

---

## [Yesterday](/news/2017/06/18/index.md)

### [Other thing. ](/news/2017/06/18/other-thing.md)
_Context: B_
"""
    items = parse_file("README.md", text.encode()).items
    assert [(i.day, i.slug) for i in items] == [("2017-06-19", "one-thing"), ("2017-06-18", "other-thing")]


def test_unpadded_and_padded_days_are_the_same_day() -> None:
    assert split_event_path("news/2003/06/2/x.md") == ("2003-06-02", "x")
    assert split_event_path("/news/2003/06/02/x.md") == ("2003-06-02", "x")
    assert split_event_path("news/2001/13/40/x.md") is None
    assert split_event_path("../../news/2003/06/2/x.md") is None


def test_front_matter_wins_over_the_body_and_broken_front_matter_warns() -> None:
    text = "---\ntitle: From front matter\ntopic: FM topic\ntags: [Alpha, Beta]\n---\n# Body title\n"
    p = page(text)
    assert (p.title, p.topic, p.contexts) == ("From front matter", "FM topic", ("Alpha", "Beta"))
    broken = parse_file("news/2003/06/2/x.md", b"---\ntitle: [unclosed\n---\n# Body title\n")
    assert broken.page is not None and broken.page.title == "Body title"
    assert any("front matter" in w for w in broken.warnings)
    listed = parse_file("news/2003/06/2/x.md", b"---\n- a\n- b\n---\n# T\n")
    assert any("not a mapping" in w for w in listed.warnings)


def test_bom_crlf_and_bad_utf8() -> None:
    p = parse_file("news/2003/06/2/x.md", b"\xef\xbb\xbf# Title \r\n\r\nSummary\xff here\r\n")
    assert p.page is not None
    assert p.page.title == "Title"
    assert p.page.summary == "Summary\ufffd here"
    assert any("UTF-8" in w for w in p.warnings)
    assert parse_file("news/2003/06/2/x.md", b"\x00\x01binary").page is None


def test_titles_are_shown_clean() -> None:
    p = page("#  Rescuers ''film'' [http:--x.example-y CNN] recalled \n")
    assert p.title == "Rescuers film CNN recalled"


def _pg(slug: str, title: str, **kw: object) -> EventPage:
    return EventPage(
        slug=slug, day="2017-03-08", path=f"news/2017/03/8/{slug}.md", title=title, topic=None, summary=None, **kw
    )  # type: ignore[arg-type]


def test_duplicate_slugs_of_one_event_merge_into_one_with_aliases() -> None:
    pages = [
        _pg("u-s-congress-passes-a-bill-on-mars", "U.S. Congress passes a bill on Mars."),
        _pg(
            "timeline-of-mars-exploration-u-s-congress-passes-a-bill-on-mars",
            "Timeline of Mars exploration. U.S. Congress passes a bill on Mars.",
        ),
        _pg(
            "radioshack-files-for-bankruptcy-again-http-www-reuters-com",
            "RadioShack files for bankruptcy again. [http://www.reuters.com/x (Reuters)].",
        ),
        _pg("radioshack-files-for-bankruptcy-again", "RadioShack files for bankruptcy again."),
        _pg(
            "aftermath-of-the-coup-pat-least-42-people-are-killed",
            "Aftermath of the coup:At least 42 people are killed.",
        ),
        _pg("a-different-event-entirely", "A different event entirely happens."),
    ]
    items = [
        DayItem(
            "u-s-congress-passes-a-bill-on-mars",
            "2017-03-08",
            "U.S. Congress passes a bill on Mars.",
            None,
            ("Mars", "NASA"),
            None,
        ),
        DayItem(
            "at-least-42-people-are-killed", "2017-03-08", "At least 42 people are killed.", None, ("Egypt",), None
        ),
    ]
    events = merge_day("2017-03-08", pages, items)
    by_slug = {e.slug: e for e in events}
    assert len(events) == 4
    assert by_slug["u-s-congress-passes-a-bill-on-mars"].aliases == (
        "timeline-of-mars-exploration-u-s-congress-passes-a-bill-on-mars",
    )
    assert by_slug["radioshack-files-for-bankruptcy-again"].aliases == (
        "radioshack-files-for-bankruptcy-again-http-www-reuters-com",
    )
    # Known only from the day page plus a topic-prefixed page: the day page's slug is canonical.
    killed = by_slug["at-least-42-people-are-killed"]
    assert killed.aliases == ("aftermath-of-the-coup-pat-least-42-people-are-killed",)
    assert killed.path == "news/2017/03/8/aftermath-of-the-coup-pat-least-42-people-are-killed.md"
    assert "a-different-event-entirely" in by_slug
    assert [e.slug for e in events][:2] == ["u-s-congress-passes-a-bill-on-mars", "at-least-42-people-are-killed"]


def test_changes_block_names_aliases() -> None:
    from newsq.models import Link

    current = _pg(
        "new-wording",
        "New wording of it.",
        changes=(
            Link("old-wording", "2017-03-08", "Old wording"),
            Link("new-wording", "2017-03-08", "New wording of it."),
        ),
    )
    old = _pg("old-wording", "Old wording")
    events = merge_day("2017-03-08", [old, current], [])
    assert len(events) == 1
    assert (events[0].slug, events[0].aliases) == ("new-wording", ("old-wording",))
    assert events[0].title == "New wording of it."


def test_contexts_come_from_day_pages_and_related_items() -> None:
    from newsq.models import Link

    p = _pg("probe", "Probe launches.", related=(Link("other", "2004-01-01", "Other", ("Mars", "ESA")),))
    index = DayItem("probe", "2017-03-08", "Probe launches.", None, ("Baikonur", "Mars"), None)
    readme = DayItem("probe", "2017-03-08", "Probe launches.", None, ("Baikonur's",), None)
    (event,) = merge_day("2017-03-08", [p], [index, readme])
    assert event.contexts == ("Baikonur", "Mars", "Baikonur's", "ESA")


def test_event_known_only_from_its_day_page_exists() -> None:
    item = DayItem("lost-page", "2017-03-08", "A page that is missing.", "Topic", ("A",), None)
    (event,) = merge_day("2017-03-08", [], [item])
    assert (event.slug, event.title, event.topic, event.contexts, event.path) == (
        "lost-page",
        "A page that is missing.",
        "Topic",
        ("A",),
        None,
    )


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parser_never_raises_on_any_text(text: str) -> None:
    for path in ("news/2003/06/2/x.md", "news/2003/06/2/index.md", "README.md"):
        parse_file(path, text.encode("utf-8", errors="surrogatepass"))


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_parser_never_raises_on_any_bytes(data: bytes) -> None:
    parsed = parse_file("news/2003/06/2/x.md", data)
    assert parsed.path == "news/2003/06/2/x.md"


def test_unknown_title_warns() -> None:
    parsed = parse_file("news/2003/06/2/x.md", b"Just some words.\n")
    assert "no title line" in parsed.warnings
    assert parse_event_page("# T", "p", "2003-06-02", "t")[0].title == "T"


def test_links_to_day_pages_are_not_events() -> None:
    assert split_event_path("/news/2003/06/2/index.md") is None
    assert split_event_path("/news/2003/06/2/README.md") is None
    assert split_event_path("/news/2003/06/2/a-b.md") == ("2003-06-02", "a-b")
    assert split_event_path("/news/2003/02/30/a-b.md") is None


def test_a_changes_entry_whose_title_is_another_event_is_ignored_with_a_warning() -> None:
    text = """# Parliamentary elections are held in Norland, the ruling party keeps its majority. 

### Changes:

1. [ Parliamentary elections are held in Norland. ](/news/2009/09/14/parliamentary-elections-are-held-in-norland.md) _(First version)_
1. [ Parliamentary elections are held in Suderia. ](/news/2009/09/14/parliamentary-elections-are-held-in-suderia.md) _(First version)_
1. [ Election in Norland 2009: Parliamentary elections are held in Norland. ](/news/2009/09/14/election-in-norland.md) _(First version)_
1. [ Parliamentary elections are held in Norland, the ruling party keeps its majority. ](/news/2009/09/14/current.md) _(Current version)_
"""
    parsed = parse_file("news/2009/09/14/current.md", text.encode())
    assert parsed.page is not None
    assert [c.slug for c in parsed.page.changes] == [
        "parliamentary-elections-are-held-in-norland",
        "election-in-norland",
        "current",
    ]
    assert parsed.warnings == (
        "Changes entry parliamentary-elections-are-held-in-suderia ignored: its title is not a wording of this page's",
    )
    other = _pg("parliamentary-elections-are-held-in-suderia", "Parliamentary elections are held in Suderia.")
    events = merge_day("2009-09-14", [parsed.page, other], [])
    assert sorted(e.slug for e in events) == ["current", "parliamentary-elections-are-held-in-suderia"]


def test_a_page_with_no_title_is_skipped_with_a_warning_saying_so() -> None:
    nameless = parse_file("news/2010/05/3/.md", b"### [2010-05-3](/news/2010/05/3/index.md)\n\n# \n")
    assert nameless.page is None
    assert nameless.warnings == ("event page with no title (the file is named '.md'); skipped",)
    day = b"## [2010-05-3](/news/2010/05/3/index.md)\n\n### [ ](/news/2010/05/3/.md)\n_Context: A_\n\n### [ A ferry sinks. ](/news/2010/05/3/a-ferry-sinks.md)\n"
    parsed = parse_file("news/2010/05/3/index.md", day)
    assert [i.slug for i in parsed.items] == ["a-ferry-sinks"]
    assert parsed.warnings == ("item with no title (links to /news/2010/05/3/.md); skipped",)


@pytest.mark.parametrize("date", ["2003-02-30", "99999-01-01", "0000-00-00", "soon"])
def test_a_front_matter_date_that_is_no_day_is_named_in_a_warning(date: str) -> None:
    text = f"---\ndate: {date}\ntitle: Kept title\n---\n#  Body title\n"
    parsed = parse_file("news/2003/06/2/x.md", text.encode())
    assert parsed.page is not None
    assert (parsed.page.day, parsed.page.title) == ("2003-06-02", "Kept title")  # the rest of it is kept
    assert parsed.warnings == (f"front matter date {date!r} is not a day; the folder's day is used",)


# --- odd shapes: the fast reader must read them as the line-by-line reader does, or hand them over ---


def test_a_page_with_no_sources_block_keeps_its_summary_and_related_apart() -> None:
    text = "#  A bridge opens. \n\nThe ferry stops.\n\n### Related:\n\n1. [ A ferry sinks. ](/news/2003/06/1/a-ferry-sinks.md) _Context: Norland_\n"
    p = page(text)
    assert (p.summary, p.sources) == ("The ferry stops.", ())
    assert [(r.slug, r.day, r.shared_contexts) for r in p.related] == [("a-ferry-sinks", "2003-06-01", ("Norland",))]


def test_damaged_related_links_are_skipped_or_read_to_their_last_link() -> None:
    text = """# A bridge opens.

### Related:

1. [ No closing bracket ](/news/2003/06/1/no-closing-bracket.md _Context: A_
2. [ Spaces in the link ](/news/2003/06/1/spaces in it.md)
3. [ A title with a [note](x) in it ](/news/2003/06/1/a-title-with-a-note.md) _Context: B_
4. [ Climbs out ](../../../../../etc/passwd.md)
5. [ Kept ](/news/2003/06/1/kept.md) _Context: C, C , $_
6. [ Twice ](/news/2003/06/1/twice.md) _note](/news/2003/06/1/later.md) _Context: D_
"""
    parsed = parse_file("news/2003/06/2/probe-launches.md", text.encode())
    assert parsed.page is not None
    related = [(r.slug, r.title, r.shared_contexts) for r in parsed.page.related][:2]
    assert related == [
        ("a-title-with-a-note", "A title with a [note](x) in it", ("B",)),
        ("kept", "Kept", ("C",)),
    ]
    # A line with two links is read to its last one, whose `_Context:_` follows it.
    assert [(r.slug, r.shared_contexts) for r in parsed.page.related][2:] == [("later", ("D",))]
    assert parsed.warnings == ("Related link leaves the archive (../../../../../etc/passwd.md); ignored",)


def test_headings_with_extra_spaces_are_headings() -> None:
    text = "#####   Mars   \n#     A probe launches.    \n\nWords.  \n\n###   Sources :  \n1.   [ Agency ](http://a.example/1)  \n\n###\tRelated\t\n 2. [ Other ](/news/2003/06/1/other.md)   _Context:   Mars_  \n"
    p = page(text)
    assert (p.topic, p.title, p.summary) == ("Mars", "A probe launches.", "Words.")
    assert [(s.name, s.url) for s in p.sources] == [("Agency", "http://a.example/1")]
    assert [(r.slug, r.shared_contexts) for r in p.related] == [("other", ("Mars",))]


def test_a_summary_heading_below_the_lists_adds_to_the_summary() -> None:
    text = "# A bridge opens.\n\nFirst words.\n\n### Sources:\n1. [Agency](http://a.example)\n\n### Summary:\nMore words.\n"
    p = page(text)
    assert p.summary == "First words.\n\nMore words."
    assert [s.name for s in p.sources] == ["Agency"]


def test_a_page_with_no_title_line_keeps_its_related_links_and_warns() -> None:
    text = "### [2003-06-2](/news/2003/06/2/index.md)\n\n### Related:\n1. [ Other ](/news/2003/06/1/other.md)\n"
    parsed = parse_file("news/2003/06/2/x.md", text.encode())
    assert parsed.page is not None
    assert parsed.page.title is None
    assert [r.slug for r in parsed.page.related] == ["other"]
    assert parsed.warnings == ("no title line",)


def test_crlf_pages_read_as_their_lf_twins() -> None:
    event = FULL_PAGE.replace("\n", "\r\n").encode()
    assert parse_file("news/2003/06/2/probe-launches.md", event).page == page(FULL_PAGE)
    day = "## [2003-06-2](/news/2003/06/2/index.md)\n\n##### Mars\n### [ A probe launches. ](/news/2003/06/2/a.md)\n_Context: Mars_\n"
    lf = parse_file("news/2003/06/2/index.md", day.encode())
    assert parse_file("news/2003/06/2/index.md", day.replace("\n", "\r\n").encode()) == lf
    assert parse_file("news/2003/06/2/index.md", day.replace("\n", "\r").encode()) == lf
    assert [(i.topic, i.contexts) for i in lf.items] == [("Mars", ("Mars",))]


def test_day_page_links_with_unpadded_days_and_months_date_their_items() -> None:
    day = (
        "## [2003-06-2](/news/2003/06/2/index.md)\n\n### [ One. ](/news/2003/06/2/one.md)\n_Context: A_\n"
        "### [ Two. ](/news/2003/6/02/two.md)\n   \nTwo's summary line.\n"  # a blank line of spaces
        "### [ Three. ](/news/2003/06/31/three.md)\n_Context: C_\n"  # no such day
    )
    items = parse_file("news/2003/06/2/index.md", day.encode()).items
    assert [(i.slug, i.day, i.contexts, i.summary) for i in items] == [
        ("one", "2003-06-02", ("A",), None),
        ("two", "2003-06-02", None, "Two's summary line."),
    ]


def test_a_topic_line_between_an_item_and_its_context_line_leaves_the_context_with_the_item() -> None:
    day = """## [2003-06-2](/news/2003/06/2/index.md)

### [ One. ](/news/2003/06/2/one.md)
##### Next topic

_Context: A, B_
### [ Two. ](/news/2003/06/2/two.md)
_Context: C_
Not read: an item has one line.
"""
    items = parse_file("news/2003/06/2/index.md", day.encode()).items
    assert [(i.slug, i.topic, i.contexts) for i in items] == [("one", None, ("A", "B")), ("two", "Next topic", ("C",))]


def test_mojibake_in_a_related_title_or_a_context_line_is_repaired() -> None:
    text = "# A bridge opens.\n\n### Related:\n1. [ Caf\u00c3\u00a9 closes. ](/news/2003/06/1/cafa-c-closes.md) _Context: Norland_\n"
    (related,) = page(text).related
    assert related.title == "Caf\u00e9 closes."
    day = "### [ One. ](/news/2003/06/2/one.md)\n_Context: Caf\u00c3\u00a9, Norland_\n"
    (item,) = parse_file("news/2003/06/2/index.md", day.encode()).items
    assert item.contexts == ("Caf\u00e9", "Norland")


def test_a_nul_byte_after_the_first_8_kib_does_not_stop_the_page_being_read() -> None:
    text = "# A bridge opens.\n\n" + "Words. " * 1300 + "\x00\n\n### Sources:\n1. [Agency](http://a.example)\n"
    p = page(text)
    assert p.title == "A bridge opens."
    assert [s.name for s in p.sources] == ["Agency"]


_LINE_SHAPES = [
    "# A title",
    "#   A spaced title  ",
    "#",
    "##### A topic",
    "#####",
    "###### Six",
    "### [2003-06-2](/news/2003/06/2/index.md)",
    "Formats: [HTML](/news/2003/06/2/a.html)",
    "### Source:",
    "###  Sources :  ",
    "### Related:",
    "###\tChanges",
    "### Summary:",
    "### Head:",
    "### Notes:",
    "1. [Agency](http://a.example/1)",
    " 2. [ B [x](y) ](/news/2003/06/1/b.md) _Context: A, a, $_",
    "3. [C](/news/2003/06/1/c(d).md) _(First version)_ ",
    "4. [D](/news/2003/06/1/d.md",
    "5. [E](/news/2003/06/1/e.md) _x](/news/2003/06/1/f.md) _y_",
    "Some words of a summary.",
    "_Context: A, B_",
    "",
    "   ",
    "\x0b",
    "---",
    "## [Previous Day...](/news/2003/06/1/index.md)",
    "### [ An item. ](/news/2003/06/2/an-item.md)",
    "###[Another](/news/2003/06/2/another.md)  ",
    "### [ ](/news/2003/06/2/.md)",
    "### [An essay](/opinion/2003/06/2/an-essay/index.md)",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_LINE_SHAPES), st.text("#[]()_-: 1.\x0b\u2028ab", max_size=8)), max_size=30))
def test_the_fast_readers_find_what_the_line_readers_find(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert event_blocks(text) == event_blocks_by_line(text)
    assert day_items(text) == day_items_by_line(text)
