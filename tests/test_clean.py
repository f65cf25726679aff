"""Clean text for readers: entities, wiki markup, image leftovers and mojibake gone; the page on disk as written."""

from __future__ import annotations

import json

import pytest

from newsq.clean import clean_text, is_site_blurb
from newsq.parse import parse_file
from tests.conftest import MakeArchive, Run


@pytest.mark.parametrize(
    ("damaged", "clean"),
    [
        # HTML entities: named, decimal, hex, and escaped twice on their way
        (
            "Talks resume &ndash; again &mdash; in &quot;good faith&quot; &amp; calm",
            'Talks resume – again — in "good faith" & calm',
        ),
        ("A&nbsp;ceasefire holds", "A ceasefire holds"),
        (
            "The mayor&#8217;s plan, the city&#039;s budget, the party&#x27;s vote",
            "The mayor’s plan, the city's budget, the party's vote",
        ),
        ("The &amp;quot;yes&amp;quot; side wins", 'The "yes" side wins'),
        ("AT&T and R&D stay", "AT&T and R&D stay"),
        # wiki bold and italics
        ("The film ''Night Train'' opens and '''wins''' a prize", "The film Night Train opens and wins a prize"),
        ("The crew of the ''Sea Star'''s tender", "The crew of the Sea Star's tender"),
        ("The ship ''Blue Gul''l sinks", "The ship Blue Gull sinks"),
        ("''Harbour strike''Dock workers walk out", "Harbour strike Dock workers walk out"),
        # wiki links, external links, templates
        ("Troops enter [[Northland (region)|Northland]] and [[Southport]]", "Troops enter Northland and Southport"),
        ("Markets fall [http://news.example/markets (Wire)] sharply", "Markets fall (Wire) sharply"),
        ("Markets fall. [http://news.example/markets?a=1&b=2]", "Markets fall."),
        ("Markets fall [http:--news.example-markets Wire]", "Markets fall Wire"),
        (
            "A spill of {{convert|2000000|oilbbl|m3}} of crude{{cn|date=May 2010}}.",
            "A spill of 2000000 oilbbl of crude.",
        ),
        ("A talk in Spanish {{es icon}} ends", "A talk in Spanish ends"),
        ("A wall of {{convert|{{nts|12}}|m|ft}} falls", "A wall of 12 m falls"),
        ("The text was cut here {{cn|date=Ma", "The text was cut here"),
        # image leftovers
        ("thumb|220px|left|A map of the bay]] Fishermen protest", "Fishermen protest"),
        ("thumb Harbour map]] Fishermen protest", "Fishermen protest"),
        ("[[File:Bay.jpg|thumb|A map of the [[bay]]]] Fishermen protest", "Fishermen protest"),
        ("A rule of thumb for fishermen", "A rule of thumb for fishermen"),
        # HTML left in the text
        ("Topic:<p>Title of it", "Topic: Title of it"),
        ("A claim<ref>a cited page</ref> is made", "A claim is made"),
        # mojibake repaired; letters a bad encoding dropped cannot come back
        ("New Yearâ€™s Day in SÃ£o Paulo", "New Year’s Day in São Paulo"),
        ("Cte d'Ivoire votes", "Cte d'Ivoire votes"),
    ],
)
def test_damaged_text_is_shown_clean(damaged: str, clean: str) -> None:
    assert clean_text(damaged) == clean


def test_text_without_a_marker_is_not_touched() -> None:
    text = "A plain title, with  two spaces and an accent: Côte d’Ivoire."
    assert clean_text(text) is text


def test_every_field_of_an_event_page_is_clean() -> None:
    text = """
### [2010-04-20](/news/2010/04/20/index.md)

##### ''Deep Rig'' explosion
# An explosion on the ''Deep Rig'' platform spills {{convert|5000|oilbbl|m3}} a day &ndash; officials 

The company&#039;s shares fall.

### Source:

1. [The &quot;Gulf&quot; Times](http://times.example/a?x=1&amp;y=2)

### Related:

1. [A cleanup begins [http://x.example/c (Wire)] ](/news/2010/05/1/a-cleanup-begins.md) _Context: Gulf &amp; Coast, $, gulf &amp; coast , Oil_
"""
    page = parse_file("news/2010/04/20/an-explosion.md", text.encode()).page
    assert page is not None
    assert page.topic == "Deep Rig explosion"
    assert page.title == "An explosion on the Deep Rig platform spills 5000 oilbbl a day – officials"
    assert page.summary == "The company's shares fall."
    assert page.sources[0].name == 'The "Gulf" Times'
    assert page.sources[0].url == "http://times.example/a?x=1&amp;y=2"  # a URL is not text: kept as written
    assert page.related[0].title == "A cleanup begins (Wire)"
    assert page.related[0].shared_contexts == ("Gulf & Coast", "Oil")


def test_day_page_contexts_drop_junk_and_case_duplicates() -> None:
    text = """## [2010-04-20](/news/2010/04/20/index.md)

### [A storm hits. ](/news/2010/04/20/a-storm-hits.md)
_Context: Weather, $, , weather ,  WEATHER, ''Storm Ada'', Coast_
"""
    (item,) = parse_file("news/2010/04/20/index.md", text.encode()).items
    assert item.contexts == ("Weather", "Storm Ada", "Coast")


BLURB = "Wirenews.example brings you the latest news from around the world, covering breaking news in markets."


def test_a_site_blurb_is_not_a_summary() -> None:
    day = f"""## [2010-04-20](/news/2010/04/20/index.md)

### [A storm hits. ](/news/2010/04/20/a-storm-hits.md)
{BLURB}

### [A bridge opens. ](/news/2010/04/20/a-bridge-opens.md)
The bridge links the two halves of the town.
"""
    first, second = parse_file("news/2010/04/20/index.md", day.encode()).items
    assert (first.summary, first.contexts) == (None, None)
    assert second.summary == "The bridge links the two halves of the town."
    page = parse_file("news/2010/04/20/a-storm-hits.md", f"# A storm hits.\n\n{BLURB}\n".encode()).page
    assert page is not None and page.summary is None
    assert is_site_blurb("Watch or download the latest videos, mission updates and more.")
    assert not is_site_blurb("The latest news from the front says the breaking of the dam was avoided by hours.")


FILES: dict[str, str | bytes] = {
    "news/2011/01/1/index.md": """## [2011-01-1](/news/2011/01/1/index.md)

### [ Côte d&#039;Ivoire closes its borders. ](/news/2011/01/1/c-te-d-ivoire-closes-its-borders.md)
_Context: Côte d&#039;Ivoire_

### [ New Yearâ€™s fireworks light up the harbour. ](/news/2011/01/1/new-yeara-s-fireworks.md)
_Context: New Year_
""",
    "news/2011/01/1/c-te-d-ivoire-closes-its-borders.md": """### [2011-01-1](/news/2011/01/1/index.md)

# Côte d&#039;Ivoire closes its borders. 

The army says the &quot;closure&quot; is temporary.
""",
    "news/2011/01/1/new-yeara-s-fireworks.md": """### [2011-01-1](/news/2011/01/1/index.md)

# New Yearâ€™s fireworks light up the harbour. 
""",
    "news/2011/01/2/cote-ascii.md": """### [2011-01-2](/news/2011/01/2/index.md)

# Voters in Cote d'Ivoire queue for hours. 
""",
}


def test_search_finds_clean_text_and_folds_accents_both_ways(make_archive: MakeArchive, run: Run) -> None:
    root = make_archive(FILES)
    code, out, _ = run("search", "Cote d'Ivoire", "--archive", root, "--json")
    hits = {h["slug"]: h for h in json.loads(out)}
    assert code == 0 and set(hits) == {"c-te-d-ivoire-closes-its-borders", "cote-ascii"}
    borders = hits["c-te-d-ivoire-closes-its-borders"]
    assert borders["title"] == "Côte d'Ivoire closes its borders."
    assert "&" not in borders["snippet"] and "**" in borders["snippet"]
    code, out, _ = run("search", "Côte", "--archive", root, "--json")
    assert {h["slug"] for h in json.loads(out)} == {"c-te-d-ivoire-closes-its-borders", "cote-ascii"}
    code, out, _ = run("search", "closure", "--archive", root, "--json")
    assert json.loads(out)[0]["snippet"] == 'The army says the "**closure**" is temporary.'


def test_search_finds_the_repaired_page_and_json_carries_clean_text(make_archive: MakeArchive, run: Run) -> None:
    root = make_archive(FILES)
    code, out, _ = run("search", "New Year's fireworks", "--archive", root, "--json")
    (hit,) = json.loads(out)
    assert code == 0 and hit["title"] == "New Year’s fireworks light up the harbour."
    code, out, _ = run("show", "new-yeara-s-fireworks", "--archive", root, "--json")
    event = json.loads(out)
    assert event["title"] == "New Year’s fireworks light up the harbour."
    assert event["path"] == "news/2011/01/1/new-yeara-s-fireworks.md"  # the page as written on disk
    assert (root / event["path"]).read_text(encoding="utf-8").count("â€™") == 1
