"""One event however its slug and title were written; distinct events stay distinct (small days written here)."""

from __future__ import annotations

import pytest

from newsq.models import Event
from newsq.parse import merge_day, parse_file
from newsq.slugs import resolve_cut_slug
from tests.conftest import MakeArchive, Run

DAY = "2008-11-23"
FOLDER = "news/2008/11/23"


def event_page(title: str, related: str = "") -> str:
    text = f"\n### [2008-11-23](/{FOLDER}/index.md)\n\n# {title} \n\nA summary line.\n"
    return text + (f"\n### Related:\n\n{related}\n" if related else "")


def day_page(*items: tuple[str, str]) -> str:
    lines = [f"## [2008-11-23](/{FOLDER}/index.md)", ""]
    for title, slug in items:
        lines += [f"### [{title} ](/{FOLDER}/{slug}.md)", "_Context: Alpha_", ""]
    return "\n".join(lines)


def events_of(files: dict[str, str]) -> list[Event]:
    """Parse a day's files and merge them as the indexer does (index.md, then README.md, then pages)."""
    parsed = [parse_file(f"{FOLDER}/{name}", text.encode()) for name, text in files.items()]
    parsed.sort(key=lambda p: (p.page is not None, not p.path.endswith("/index.md")))
    pages = [p.page for p in parsed if p.page is not None]
    items = [i for p in parsed for i in p.items if i.day == DAY]
    return merge_day(DAY, pages, items)


def groups(events: list[Event]) -> list[tuple[str, tuple[str, ...]]]:
    return [(e.slug, e.aliases) for e in events]


PLAIN = "Shares of a large bank fall by half as it seeks new capital."
PLAIN_SLUG = "shares-of-a-large-bank-fall-by-half-as-it-seeks-new-capital"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        (f"Financial crisis of 2008: {PLAIN}", f"financial-crisis-of-2008-{PLAIN_SLUG}"),
        (f"Financial crisis of 2008:. {PLAIN}", f"financial-crisis-of-2008-{PLAIN_SLUG}"),
        (f"Financial crisis of 2008:: {PLAIN}", f"financial-crisis-of-2008-{PLAIN_SLUG}"),
        (f"Financial crisis of 2008. {PLAIN}", f"financial-crisis-of-2008-{PLAIN_SLUG}"),
        (f'"Financial crisis of 2008". {PLAIN}', f"financial-crisis-of-2008-{PLAIN_SLUG}"),
        (f"Financial crisis of 2008:{PLAIN}", f"financial-crisis-of-2008-p-{PLAIN_SLUG}"),
        (f"''Financial crisis of 2008''{PLAIN}", f"financial-crisis-of-2008-{PLAIN_SLUG}"),
    ],
)
def test_a_topic_prefix_however_written_is_one_event_with_the_plain_title(title: str, slug: str) -> None:
    events = events_of(
        {
            "index.md": day_page((PLAIN, PLAIN_SLUG)),
            f"{PLAIN_SLUG}.md": event_page(PLAIN),
            f"{slug}.md": event_page(title),
        }
    )
    assert groups(events) == [(PLAIN_SLUG, (slug,))]
    assert events[0].title == PLAIN


def test_three_slugs_of_one_event_and_the_day_pages_slug_is_canonical() -> None:
    glued = f"financial-crisis-of-2008-p-{PLAIN_SLUG}"
    spaced = f"financial-crisis-of-2008-{PLAIN_SLUG}"
    events = events_of(
        {
            "index.md": day_page((f"Financial crisis of 2008:{PLAIN}", glued)),
            f"{glued}.md": event_page(f"Financial crisis of 2008:{PLAIN}"),
            f"{spaced}.md": event_page(f"Financial crisis of 2008. {PLAIN}"),
            f"{PLAIN_SLUG}.md": event_page(PLAIN),
        }
    )
    assert groups(events) == [(glued, tuple(sorted((spaced, PLAIN_SLUG))))]
    assert events[0].path == f"{FOLDER}/{glued}.md"


def test_index_and_readme_linking_different_slugs_of_one_event() -> None:
    topic = f"financial-crisis-of-2008-p-{PLAIN_SLUG}"
    events = events_of(
        {
            "index.md": day_page((PLAIN, PLAIN_SLUG)),
            "README.md": day_page((f"Financial crisis of 2008:{PLAIN}", topic)),
            f"{topic}.md": event_page(f"Financial crisis of 2008:{PLAIN}"),
        }
    )
    assert groups(events) == [(PLAIN_SLUG, (topic,))]
    assert events[0].path == f"{FOLDER}/{topic}.md"


LONG = "A delegation of the federation meets its counterparts in the capital of the united arab emirates"


def test_slugs_cut_at_different_lengths_are_one_event() -> None:
    events = events_of(
        {
            "index.md": day_page((LONG, "a-delegation-meets-counterparts-in-the-united-arab-emirate")),
            "a-delegation-meets-counterparts-in-the-united-arab-emirates.md": event_page(LONG),
            "a-delegation-meets-counterparts-in-the-united-arab-emirate.md": event_page(LONG),
        }
    )
    assert groups(events) == [
        (
            "a-delegation-meets-counterparts-in-the-united-arab-emirate",
            ("a-delegation-meets-counterparts-in-the-united-arab-emirates",),
        )
    ]


CUT = "a-new-study-of-the-ice-cores-drilled-in-the-southern-ocean-over-the-last-decade-suggests-moder"


def test_a_related_link_cut_at_another_length_names_the_only_event_it_fits() -> None:
    link = f"1. [ A new study suggests it. ](/{FOLDER}/{CUT[:-2]}.md) _Context: Ice_"
    events = events_of(
        {
            f"{CUT}.md": event_page("A new study of the ice cores suggests moderate warming."),
            "a-glacier-retreats.md": event_page("A glacier retreats by a kilometre in a year.", link),
        }
    )
    glacier = next(e for e in events if e.slug == "a-glacier-retreats")
    assert [r.slug for r in glacier.related] == [CUT]
    # Other days: the store looks the link up among that day's slugs.
    day_slugs = {CUT: 1, "another-event": 2}
    assert resolve_cut_slug(CUT[:-2], day_slugs) == 1
    assert resolve_cut_slug(CUT + "ate", day_slugs) == 1
    assert resolve_cut_slug(CUT[:-2], {**day_slugs, CUT[:-1]: 3}) is None  # two candidates: none
    assert resolve_cut_slug("a-new-study", day_slugs) is None  # a short prefix is not a cut slug


def test_a_newer_wording_that_extends_the_older_one_is_one_event() -> None:
    old = "Protesters clash with police outside the parliament building."
    new = "Protesters clash with police outside the parliament building, resulting in twelve injuries."
    events = events_of(
        {
            "index.md": day_page((new, "protesters-clash-resulting")),
            "protesters-clash-resulting.md": event_page(new),
            "protesters-clash.md": event_page(old),
            "riots-of-2008-protesters-clash.md": event_page(f"Riots of 2008. {old}"),
        }
    )
    assert groups(events) == [("protesters-clash-resulting", ("protesters-clash", "riots-of-2008-protesters-clash"))]
    assert events[0].title == new


def test_chained_topic_prefixes_are_one_event() -> None:
    plain = "Government forces retake the old city after weeks of fighting."
    events = events_of(
        {
            "plain.md": event_page(plain),
            "chained.md": event_page(f"Civil war in the north (2006-present). 2008 river offensive. {plain}"),
            "single.md": event_page(f"2008 river offensive. {plain}"),
        }
    )
    assert groups(events) == [("plain", ("chained", "single"))]


def test_a_topic_glued_to_the_title_without_punctuation_is_one_event() -> None:
    plain = "A warehouse burns for two days in the port."
    events = events_of(
        {
            "a-warehouse-burns.md": event_page(plain),
            "2008-harbour-firepa-warehouse-burns.md": event_page(f"2008 Harbour fire{plain}"),
        }
    )
    assert groups(events) == [("a-warehouse-burns", ("2008-harbour-firepa-warehouse-burns",))]


def test_damaged_and_clean_wordings_of_one_event_meet() -> None:
    events = events_of(
        {
            "index.md": day_page(("Cte d'Ivoire holds its first election in ten years.", "cte-d-ivoire-holds")),
            "README.md": day_page(("CÃ´te d&#039;Ivoire holds its first election in ten years.", "ca-te-d-ivoire")),
            "c-te-d-ivoire-holds.md": event_page("Côte d’Ivoire holds its first election in ten years."),
        }
    )
    assert groups(events) == [("cte-d-ivoire-holds", ("c-te-d-ivoire-holds", "ca-te-d-ivoire"))]
    assert events[0].title == "Côte d’Ivoire holds its first election in ten years."


def test_a_slug_prefix_alone_does_not_merge() -> None:
    events = events_of(
        {
            "a-storm-hits-the-coast.md": event_page("A storm hits the coast."),
            "a-storm-hits-the-coast-of-the-island.md": event_page(
                "A storm hits the coast of the island and floods roads."
            ),
        }
    )
    assert len(events) == 2


def test_titles_that_share_a_topic_stay_distinct() -> None:
    events = events_of(
        {
            "floods-a-dam-breaks.md": event_page("Floods in the north of 2008. A dam breaks above the town."),
            "floods-rescuers-reach.md": event_page("Floods in the north of 2008: Rescue teams reach the valley."),
        }
    )
    assert len(events) == 2


def test_slugs_that_one_day_page_lists_as_separate_items_stay_distinct() -> None:
    events = events_of(
        {
            "index.md": day_page((PLAIN, PLAIN_SLUG), (f"Financial crisis of 2008. {PLAIN}", "crisis-shares")),
            f"{PLAIN_SLUG}.md": event_page(PLAIN),
            "crisis-shares.md": event_page(f"Financial crisis of 2008. {PLAIN}"),
        }
    )
    assert groups(events) == [(PLAIN_SLUG, ()), ("crisis-shares", ())]


def test_separate_items_stay_distinct_after_an_update_from_the_cache(make_archive: MakeArchive, run: Run) -> None:
    root = make_archive(
        {
            f"{FOLDER}/index.md": day_page(
                (PLAIN, PLAIN_SLUG), (f"Financial crisis of 2008. {PLAIN}", "crisis-shares")
            ),
            f"{FOLDER}/{PLAIN_SLUG}.md": event_page(PLAIN),
            f"{FOLDER}/crisis-shares.md": event_page(f"Financial crisis of 2008. {PLAIN}"),
        }
    )
    assert run("on", DAY, "--archive", root)[1].count("\n") == 2
    (root / FOLDER / "crisis-shares.md").write_text(event_page(f"Financial crisis of 2008. {PLAIN}") + "More.\n")
    assert run("index", "--archive", root)[0] == 0  # the day is merged again, its index.md from the cache
    code, out, _ = run("on", DAY, "--archive", root)
    assert code == 0 and out.count("\n") == 2


def test_titles_are_joined_as_when_every_title_has_all_its_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    """The merge works out a title's topic cuts and older wordings only where a word pair shows
    that another title may meet it so: days of wordings of a few events (topics before them, a
    topic glued on, a clause after, older shorter wordings) among unrelated titles merge exactly
    as when every title gets them."""
    import random

    from newsq import merge
    from newsq.models import DayItem, EventPage

    rng = random.Random(7)
    vocab = [f"{w}{n}" for n in range(30) for w in ("storm", "vote", "Coast", "bank")]

    def words(n: int) -> str:
        return " ".join(rng.choice(vocab) for _ in range(n))

    def wordings(base: str) -> list[str]:
        topic = words(rng.randint(1, 3)).capitalize()
        return [
            f"{base}.",
            f"{topic}. {base}.",  # its plain form is the base, which the newer wording starts with
            f"{topic}: {base}.",
            f"{topic}{base.capitalize()}.",
            f"{base}, resulting in {words(3)}.",
            f"{' '.join(base.split()[:4])}.",
        ]

    days = []
    for _ in range(400):
        titles = [words(rng.randint(3, 9)) + "." for _ in range(4)]
        for _ in range(2):
            titles += rng.sample(wordings(words(rng.randint(4, 8))), 2)
        rng.shuffle(titles)
        # Half the titles are pages', half items of no known day page (pages listing both keep them apart).
        items = [DayItem(f"s{k}", DAY, t, None, None, None) for k, t in enumerate(titles) if k % 2]
        pages = [EventPage(f"p{k}", DAY, f"p{k}.md", t, None, None) for k, t in enumerate(titles) if not k % 2]
        days.append((pages, items))
    lazy = [merge_day(DAY, pages, items) for pages, items in days]
    monkeypatch.setattr(merge, "_may_meet", lambda forms: set(forms))
    full = [merge_day(DAY, pages, items) for pages, items in days]
    assert lazy == full
    assert sum(bool(e.aliases) for events in full for e in events) > 250  # many wordings met
