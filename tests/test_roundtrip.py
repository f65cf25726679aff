"""Property tests: events written in the Context layout parse back to the same events; no bytes crash the parser."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from newsq.clean import needs_cleaning
from newsq.models import EventPage, Link, Source
from newsq.parse import merge_day, parse_file, slugify

# Text the layout can carry: no line breaks, no sentence breaks (".:;!?", " - ") that would make a
# title look like "Topic. Title", no `z` (kept for the unique word that tells events apart).
_LETTERS = st.characters(
    categories=("L", "N", "Zs", "Pd", "Ps", "Pe", "Sm", "So"),
    exclude_characters="zZ.:;!?\u2013\u2014-_,#\x85\u2028\u2029",
)
_TEXT = st.text(_LETTERS, min_size=1, max_size=30).map(str.strip).filter(bool)
# Clean text comes back as written (text with markup or mojibake comes back clean: test_clean.py).
_NAME = _TEXT.filter(
    lambda s: not s.endswith("_") and not s.startswith("#") and not needs_cleaning(s) and any(c.isalnum() for c in s)
)


@dataclass
class Spec:
    day: dt.date
    title: str
    topic: str | None
    contexts: list[str]
    summary: str | None
    sources: list[tuple[str, str]]
    related: list[tuple[str, dt.date, list[str]]]  # title, date, shared contexts

    @property
    def slug(self) -> str:
        return slugify(self.title)


def _casefold_unique(names: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for n in names:
        seen.setdefault(n.casefold(), n)
    return list(seen.values())


@st.composite
def specs(draw: st.DrawFn) -> list[Spec]:
    days = draw(st.lists(st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)), min_size=1, max_size=3, unique=True))
    out: list[Spec] = []
    for n in range(draw(st.integers(1, 6))):
        words = draw(_NAME.filter(lambda s: "(" not in s and ")" not in s))
        title = f"{words} zq{n}zq"
        contexts = _casefold_unique(draw(st.lists(_NAME, max_size=3)))
        related = [
            (f"{draw(_NAME.filter(lambda s: '(' not in s and ')' not in s))} zr{k}zr", draw(st.dates()), [])
            for k in range(draw(st.integers(0, 2)))
        ]
        related = [(t, d, _casefold_unique(draw(st.lists(_NAME, max_size=2)))) for t, d, _ in related]
        out.append(
            Spec(
                day=draw(st.sampled_from(days)),
                title=title,
                topic=draw(st.none() | _NAME),
                contexts=contexts,
                summary=draw(
                    st.none()
                    | st.text(st.characters(categories=("L", "Zs")), min_size=1)
                    .map(str.strip)
                    .filter(lambda s: s and not needs_cleaning(s))
                ),
                sources=[
                    (draw(_NAME), f"https://example.com/{i}/{draw(st.from_regex(r'[a-z0-9]{1,8}', fullmatch=True))}")
                    for i in range(draw(st.integers(0, 2)))
                ],
                related=related,
            )
        )
    return out


def _dir(day: dt.date) -> str:
    return f"news/{day.year:04d}/{day.month:02d}/{day.day}"


def _link(day: dt.date, slug: str) -> str:
    return f"/{_dir(day)}/{slug}.md"


def write(events: list[Spec]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    by_day: dict[dt.date, list[Spec]] = defaultdict(list)
    for ev in events:
        by_day[ev.day].append(ev)
    for day, evs in by_day.items():
        label = f"{day.year:04d}-{day.month:02d}-{day.day}"
        lines = [f"Formats: [HTML]({_dir(day)[5:]}/index.html)", "", f"## [{label}](/{_dir(day)}/index.md)", ""]
        for ev in evs:
            if ev.topic:
                lines.append(f"##### {ev.topic}")
            lines.append(f"### [{ev.title} ]({_link(day, ev.slug)})")
            if ev.contexts:
                lines.append(f"_Context: {', '.join(ev.contexts)}_")
            lines.append("")
        lines.append(f"## [Previous Day...](/{_dir(day - dt.timedelta(days=1))}/index.md)")
        files[f"{_dir(day)}/index.md"] = "\n".join(lines).encode()
        for ev in evs:
            page = [f"### [{label}](/{_dir(day)}/index.md)", ""]
            if ev.topic:
                page.append(f"##### {ev.topic}")
            page += [f"#  {ev.title} ", ""]
            if ev.summary:
                page += [ev.summary, ""]
            if ev.sources:
                page += ["### Source:", ""] + [f"{i}. [{n}]({u})" for i, (n, u) in enumerate(ev.sources, 1)] + [""]
            if ev.related:
                page += ["### Related:", ""]
                for i, (t, d, shared) in enumerate(ev.related, 1):
                    tail = f" _Context: {', '.join(shared)}_" if shared else ""
                    page.append(f"{i}. [{t} ]({_link(d, slugify(t))}){tail}")
            files[f"{_dir(day)}/{ev.slug}.md"] = "\n".join(page).encode()
    return files


@settings(max_examples=150, deadline=None)
@given(specs())
def test_events_roundtrip(events: list[Spec]) -> None:
    files = write(events)
    pages: dict[str, list[EventPage]] = defaultdict(list)
    items = defaultdict(list)
    for path, data in files.items():
        parsed = parse_file(path, data)
        assert parsed.warnings == (), (path, parsed.warnings)
        if parsed.page is not None:
            pages[parsed.page.day].append(parsed.page)
        for item in parsed.items:
            items[item.day].append(item)
    for day in {e.day for e in events}:
        iso = day.isoformat()
        merged = merge_day(iso, pages[iso], items[iso])
        expected = [e for e in events if e.day == day]
        assert [m.slug for m in merged] == [e.slug for e in expected]
        for got, want in zip(merged, expected, strict=True):
            assert got.day == iso
            assert got.title == want.title
            assert got.topic == want.topic
            assert got.summary == want.summary
            assert got.sources == tuple(Source(n, u) for n, u in want.sources)
            assert got.path == f"{_dir(day)}/{want.slug}.md"
            assert got.aliases == ()
            assert got.related == tuple(
                Link(slugify(t), d.isoformat(), t, tuple(shared)) for t, d, shared in want.related
            )
            shared = [c for _t, _d, cs in want.related for c in cs]
            assert list(got.contexts) == _casefold_unique(want.contexts + shared)


_PATHS = st.sampled_from(
    [
        "news/2003/06/2/some-event.md",
        "news/2003/06/2/index.md",
        "news/2003/06/2/README.md",
        "index.md",
        "README.md",
        "news/2001/13/40/bad-date.md",
        "opinion/x.md",
        "news/2003/06/2/../../../../x.md",
    ]
)


@settings(max_examples=300, deadline=None)
@given(path=_PATHS, data=st.binary(max_size=2000))
def test_parse_file_never_raises_on_bytes(path: str, data: bytes) -> None:
    parse_file(path, data)


_MARKUP = st.sampled_from(
    [
        "---\n",
        "# ",
        "##### ",
        "### [",
        "](",
        ")",
        "/news/2003/06/2/x.md",
        "\n",
        "\r\n",
        "_Context: ",
        "_",
        "### Related:\n",
        "### Source:\n",
        "### Changes:\n",
        "1. [",
        "title: ",
        "date: ",
        "- ",
        "[",
        "]",
        "\x00",
        "\ufeff",
    ]
)


@settings(max_examples=300, deadline=None)
@given(path=_PATHS, parts=st.lists(_MARKUP | st.text(max_size=20), max_size=40))
def test_parse_file_never_raises_on_text(path: str, parts: list[str]) -> None:
    text = "".join(parts)
    parse_file(path, text.encode("utf-8", "surrogatepass"))
    parse_file(path, text.encode("utf-8", "replace"))
