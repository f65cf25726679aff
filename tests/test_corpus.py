"""Conformance over a real archive named by NEWSQ_CORPUS (skipped when unset)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from newsq.parse import split_event_path
from tests.conftest import Run

CORPUS = os.environ.get("NEWSQ_CORPUS")
pytestmark = pytest.mark.skipif(not CORPUS, reason="NEWSQ_CORPUS is not set")
ITEM = re.compile(r"^###\s*\[.*\]\((/news/[^()\s]+\.md)\)\s*$", re.M)


@pytest.fixture(scope="module")
def corpus() -> Path:
    assert CORPUS is not None
    return Path(CORPUS)


def test_index_reads_every_file_without_error(run: Run, corpus: Path) -> None:
    code, out, err = run("index", "--archive", corpus, "--verbose")
    assert code == 0 and out == ""
    assert all(line.startswith("newsq: ") for line in err.splitlines()), err  # only newsq's own lines
    pages = sum(1 for p in corpus.rglob("*.md") if p.parts[len(corpus.parts)] in ("news", "index.md", "README.md"))
    assert f"of {pages} files read" in err


def test_every_day_page_event_is_found_on_its_day(run: Run, corpus: Path) -> None:
    day_pages = [p for p in (corpus / "news").rglob("*.md") if p.name in ("index.md", "README.md")]
    assert day_pages
    for day_page in day_pages:
        listed = {split_event_path(link) for link in ITEM.findall(day_page.read_text(encoding="utf-8"))}
        listed.discard(None)
        for day in {d for d, _ in listed if d}:  # type: ignore[misc]
            code, out, _ = run("on", day, "--archive", corpus, "--json")
            assert code == 0, day
            slugs = set()
            for event in json.loads(out):
                slugs.add(event["slug"])
                slugs.update(event["aliases"])
            missing = {s for d, s in listed if d == day} - slugs  # type: ignore[misc]
            assert not missing, (day_page, missing)


def test_every_event_page_is_found_by_show(run: Run, corpus: Path) -> None:
    pages = [p for p in (corpus / "news").rglob("*.md") if p.name not in ("index.md", "README.md")]
    assert len(pages) > 300
    for page in pages:
        rel = page.relative_to(corpus).as_posix()
        code, out, err = run("show", rel.removeprefix("news/"), "--archive", corpus, "--json")
        assert code == 0, (rel, err)
        event = json.loads(out)
        assert page.stem in (event["slug"], *event["aliases"])


def test_topic_prefixed_duplicates_are_merged(run: Run, corpus: Path) -> None:
    code, out, _ = run("on", "2017-03-08", "--archive", corpus, "--json")
    events = json.loads(out)
    bill = [e for e in events if "u-s-congress-passes-a-bill-that-mandates-nasa" in e["slug"]]
    assert len(bill) == 1
    assert bill[0]["slug"] == "u-s-congress-passes-a-bill-that-mandates-nasa-send-humans-to-mars-by-2033"
    assert bill[0]["aliases"] == [
        "timeline-of-mars-exploration-u-s-congress-passes-a-bill-that-mandates-nasa-send-humans-to-mars-by-2033"
    ]
    titles = [e["title"] for e in events]
    assert len(titles) == len(set(titles)), "one event listed twice"
    code, out, _ = run("on", "2013-07-08", "--archive", corpus, "--json")
    coup = [e for e in json.loads(out) if "at-least-42-people" in " ".join([e["slug"], *e["aliases"]])]
    assert len(coup) == 1 and len(coup[0]["aliases"]) == 2


# Marks of damage no reader should see: HTML entities, wiki markup, mojibake.
DAMAGE = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);|''|\[\[|\{\{|\[(?:https?|ftp):|â€|Ã[\x80-\xbf©³¶¼]", re.I)


def test_readers_see_clean_text_and_no_event_twice(run: Run, corpus: Path) -> None:
    code, out, _ = run("on", "1990", "--to", "2020", "--archive", corpus, "--json")
    assert code == 0
    events = json.loads(out)
    assert len(events) > 250
    for event in events:
        texts = [event["title"], event["summary"] or "", event["topic"] or "", *event["contexts"]]
        texts += [s["name"] for s in event["sources"]]
        damaged = [t for t in texts if DAMAGE.search(t)]
        assert not damaged, (event["slug"], damaged)
        assert (corpus / event["path"]).is_file() if event["path"] else True
    titles = [(e["date"], e["title"]) for e in events]
    assert len(titles) == len(set(titles)), "one event listed twice on a day"


def test_slugs_cut_at_different_lengths_are_one_event(run: Run, corpus: Path) -> None:
    code, out, _ = run("on", "2013-07-08", "--archive", corpus, "--json")
    bolivia = [e for e in json.loads(out) if "bolivia-summons" in " ".join([e["slug"], *e["aliases"]])]
    assert len(bolivia) == 1
    slugs = {bolivia[0]["slug"], *bolivia[0]["aliases"]}
    assert {s.rsplit("-", 1)[-1] for s in slugs if "official-jet" in s} == {"e", "en"}
