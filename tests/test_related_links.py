"""An event's Related links as the cache keeps them: their text comes back exactly, and an edit of
a Related list alone is seen by an update, from both ends of each link."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MakeArchive, Run

HOME = "home-event-reports"
DAY = "news/2020/01/5"

# A link title with what JSON must escape or may spell two ways: quotes, backslashes (one before a
# `u`, as in a JSON escape), a tab, control characters, U+2028, accents, another script, an emoji.
TRICKY = 'Café “q” "dq" back\\slash \\u0041 tab\there \x01ctl \x7fdel \u2028ls א 😀'
SHARED = ('Plüto "x"', "B\\s")


def _related_page(links: str) -> str:
    return f"### [2020-01-5](/{DAY}/index.md)\n\n#  Home event reports. \n\nIt happened.\n\n### Related:\n\n{links}"


def _tricky_archive(make_archive: MakeArchive) -> Path:
    return make_archive(
        {
            f"{DAY}/index.md": (
                "## [2020-01-5](/news/2020/01/5/index.md)\n\n"
                f"### [Home event reports. ](/{DAY}/{HOME}.md)\n_Context: Sky_\n"
            ),
            f"{DAY}/{HOME}.md": _related_page(
                f"1. [ {TRICKY} ](/news/2019/12/31/a-slug-of-its-own.md) _Context: {', '.join(SHARED)}_\n"
                # its slug is its title's: the cache keeps no slug for it
                "2. [ Café opens ](/news/2019/12/30/caf-opens.md) _Context: Sky_\n"
            ),
        }
    )


def _json(run: Run, *args: str | Path) -> Any:
    code, out, err = run(*args)
    assert code == 0, err
    return json.loads(out)


def test_the_text_of_a_related_link_comes_back_exactly(make_archive: MakeArchive, run: Run) -> None:
    """What `show`, `related` and `export` tell of a link (to events the archive lacks, so the
    link's own title and slug) is the text of the page, character for character."""
    root = _tricky_archive(make_archive)
    expected = [
        {
            "slug": "a-slug-of-its-own",
            "date": "2019-12-31",
            "title": TRICKY,
            "in_archive": False,
            "shared_contexts": list(SHARED),
        },
        {
            "slug": "caf-opens",
            "date": "2019-12-30",
            "title": "Café opens",
            "in_archive": False,
            "shared_contexts": ["Sky"],
        },
    ]
    assert _json(run, "show", HOME, "--json", "--archive", root)["related"] == expected
    items = _json(run, "related", HOME, "--json", "--archive", root)
    assert [{k: i[k] for k in ("slug", "date", "title", "in_archive", "shared_contexts")} for i in items] == expected
    (event,) = [json.loads(line) for line in run("export", "events", "--archive", root)[1].splitlines()]
    assert event["related"] == expected
    links = [json.loads(line) for line in run("export", "links", "--archive", root)[1].splitlines()]
    assert links == [
        {
            "source_slug": HOME,
            "source_date": "2020-01-05",
            "target_slug": e["slug"],
            "target_date": e["date"],
            "target_title": e["title"],
            "in_archive": False,
            "shared_contexts": e["shared_contexts"],
        }
        for e in expected
    ]


# --- an edit of a Related list alone ---------------------------------------------------------------------

EDITED = "2020/03/9"
A, B, C = "alpha-event-links-out", "beta-event-is-named", "gamma-event-is-named-next"


def _linking(target: str) -> str:
    # The link shares a context A has anyway: the edit changes A's Related list and nothing else.
    return (
        f"### [2020-03-9](/news/{EDITED}/index.md)\n\n#  Alpha event links out. \n\nIt links.\n\n"
        f"### Related:\n\n1. [ Named event. ](/news/{EDITED}/{target}.md) _Context: Ankh_\n"
    )


def _reasons(run: Run, root: Path, slug: str) -> list[tuple[str, list[str]]]:
    code, out, err = run("related", slug, "--json", "--archive", root)
    assert code in (0, 1), err
    return [(i["slug"], i["reasons"]) for i in json.loads(out)] if code == 0 else []


@pytest.mark.parametrize("day_page", [False, True], ids=["page-alone", "day-page-too"])
def test_an_edit_of_a_related_list_alone_is_seen_from_both_ends(
    day_page: bool, make_archive: MakeArchive, run: Run
) -> None:
    """A's link moved from B to C: `related` and `show` of each of the three say so after `newsq
    index`, whether A's event alone is built again or (its day page rewritten too) its whole day."""
    index = (
        f"## [2020-03-9](/news/{EDITED}/index.md)\n\n"
        f"### [Alpha event links out. ](/news/{EDITED}/{A}.md)\n_Context: Ankh_\n\n"
        f"### [Beta event is named. ](/news/{EDITED}/{B}.md)\n_Context: Bell_\n\n"
        f"### [Gamma event is named next. ](/news/{EDITED}/{C}.md)\n_Context: Cog_\n"
    )
    root = make_archive({f"news/{EDITED}/index.md": index, f"news/{EDITED}/{A}.md": _linking(B)})
    assert run("index", "--archive", root)[0] == 0
    assert _reasons(run, root, A) == [(B, ["links-to"])]
    assert _reasons(run, root, B) == [(A, ["linked-from"])]
    assert _reasons(run, root, C) == []
    (root / f"news/{EDITED}/{A}.md").write_text(_linking(C), encoding="utf-8")
    if day_page:
        (root / f"news/{EDITED}/index.md").write_text(index + "\n", encoding="utf-8")
    code, _out, err = run("index", "--archive", root)
    assert code == 0 and "updated the cache" in err, err
    assert _reasons(run, root, A) == [(C, ["links-to"])]
    assert _reasons(run, root, B) == []
    assert _reasons(run, root, C) == [(A, ["linked-from"])]
    shown = [_json(run, "show", slug, "--json", "--archive", root) for slug in (A, B, C)]
    assert [s["slug"] for s in shown[0]["related"]] == [C]
    assert [s["linked_from"] for s in shown] == [0, 0, 1]
