"""What a query checks before it answers: a page added or removed since the last index is seen by
the commands that read its folder, without `newsq index` (the README's "What each command checks")."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from array import array
from pathlib import Path

import pytest

from newsq.cache import TURN_MIN, TURN_SHARE
from tests.conftest import MakeArchive, Run

DAY = "news/2003/06/2"


def _event(title: str) -> str:
    return f"### [2003-06-02](/news/2003/06/2/index.md)\n\n# {title}\n"


def _moved(folder: Path) -> None:
    """As a coarse clock would show a change: the folder's mtime a second on."""
    before = folder.stat().st_mtime_ns
    os.utime(folder, ns=(before + 10**9, before + 10**9))


def _slugs(run: Run, *args: str | os.PathLike[str]) -> list[str]:
    code, out, err = run(*args, "--json")
    assert code in (0, 1), err
    return [e["slug"] for e in json.loads(out)] if out.strip() else []


def _archive(make_archive: MakeArchive, empty_folders: int = 0) -> Path:
    root = make_archive(
        {
            f"{DAY}/a-probe-reaches-the-moon.md": _event("A probe reaches the Moon."),
            "news/2004/01/4/a-rover-lands-on-mars.md": "# A rover lands on Mars.\n",
        }
    )
    first = dt.date(1980, 1, 1)
    for i in range(empty_folders):  # days with no pages yet: folders the checks must go through
        day = first + dt.timedelta(days=i)
        (root / f"news/{day.year}/{day.month:02d}/{day.day}").mkdir(parents=True)
    return root


def test_on_sees_pages_added_to_its_day_and_to_a_new_day(make_archive: MakeArchive, run: Run) -> None:
    root = _archive(make_archive)
    assert run("index", "--archive", root)[0] == 0
    (root / DAY / "a-second-probe.md").write_text(_event("A second probe."), encoding="utf-8")
    _moved(root / DAY)
    assert "a-second-probe" in _slugs(run, "on", "2003-06-02", "--archive", root)
    new_day = root / "news/2003/06/3"
    new_day.mkdir()
    (new_day / "a-lander-wakes.md").write_text(_event("A lander wakes.").replace("06/2", "06/3"), encoding="utf-8")
    _moved(root / "news/2003/06")  # a new day folder moves its month's folder
    assert _slugs(run, "on", "2003-06-03", "--archive", root) == ["a-lander-wakes"]


def test_show_finds_a_page_added_anywhere_and_forgets_one_removed(make_archive: MakeArchive, run: Run) -> None:
    root = _archive(make_archive, empty_folders=TURN_MIN + 100)
    assert run("index", "--archive", root)[0] == 0
    elsewhere = root / "news/1981/03/5"
    (elsewhere / "an-old-treaty-is-signed.md").write_text("# An old treaty is signed.\n", encoding="utf-8")
    _moved(elsewhere)
    code, out, err = run("show", "an-old-treaty-is-signed", "--archive", root)
    assert code == 0, err
    assert "An old treaty is signed." in out
    (elsewhere / "an-old-treaty-is-signed.md").unlink()
    _moved(elsewhere)
    code, _out, err = run("show", "an-old-treaty-is-signed", "--archive", root)
    assert code == 2 and "no event" in err


def test_search_never_shows_a_removed_page(make_archive: MakeArchive, run: Run) -> None:
    """A search checks the folders of the events it shows, on an archive too big to check every time."""
    root = _archive(make_archive, empty_folders=TURN_MIN + 100)
    assert _slugs(run, "search", "moon", "--archive", root) == ["a-probe-reaches-the-moon"]
    (root / DAY / "a-probe-reaches-the-moon.md").unlink()
    _moved(root / DAY)
    code, out, err = run("search", "moon", "--archive", root, "--json")
    assert code == 1 and out.strip() in ("", "[]")


def _timeline_total(run: Run, *args: str | os.PathLike[str]) -> int:
    code, out, err = run("timeline", *args, "--json")
    assert code in (0, 1), err
    return int(json.loads(out)["total"])


@pytest.mark.parametrize("command", ["search", "timeline"])
def test_a_page_added_anywhere_is_found_within_a_few_queries(command: str, make_archive: MakeArchive, run: Run) -> None:
    root = _archive(make_archive, empty_folders=3 * TURN_MIN)
    assert run("index", "--archive", root)[0] == 0
    late = dt.date(1980, 1, 1) + dt.timedelta(days=3 * TURN_MIN - 10)  # one of the last empty folders
    folder = root / f"news/{late.year}/{late.month:02d}/{late.day}"
    (folder / "a-comet-is-named.md").write_text("# A comet is named.\n", encoding="utf-8")
    _moved(folder)
    if command == "search":
        found = [bool(_slugs(run, "search", "comet", "--archive", root)) for _ in range(TURN_SHARE)]
    else:
        found = [_timeline_total(run, "comet", "--archive", root) == 1 for _ in range(TURN_SHARE)]
    assert any(found)
    assert all(found[found.index(True) :])  # and once seen, it stays


def test_show_follows_a_page_moved_to_another_day(make_archive: MakeArchive, run: Run) -> None:
    root = _archive(make_archive)
    assert run("index", "--archive", root)[0] == 0
    elsewhere = root / "news/2004/01/4"
    (root / DAY / "a-probe-reaches-the-moon.md").rename(elsewhere / "a-probe-reaches-the-moon.md")
    _moved(root / DAY)
    _moved(elsewhere)
    code, out, err = run("show", "a-probe-reaches-the-moon", "--archive", root, "--json")
    assert code == 0, err
    assert json.loads(out)["date"] == "2004-01-04"


def test_on_forgets_a_page_dated_to_its_day_from_another_folder(make_archive: MakeArchive, run: Run) -> None:
    """A page filed in one day's folder whose front matter dates it to another day: once indexed,
    its removal is seen by `on` of the day it is dated to."""
    root = _archive(make_archive)
    page = root / DAY / "a-dated-page.md"
    page.write_text("---\ndate: 2004-01-04\n---\n# A dated page.\n", encoding="utf-8")
    assert run("index", "--archive", root)[0] == 0
    assert "a-dated-page" in _slugs(run, "on", "2004-01-04", "--archive", root)
    page.unlink()
    _moved(root / DAY)
    assert "a-dated-page" not in _slugs(run, "on", "2004-01-04", "--archive", root)


def test_a_day_folder_replaced_by_a_link_is_not_followed(make_archive: MakeArchive, run: Run, tmp_path: Path) -> None:
    """Linked folders are never followed (no loops, nothing outside the archive): a query's refresh
    and `newsq index` agree, and the index says why the folder's pages are gone."""
    root = _archive(make_archive)
    assert run("index", "--archive", root)[0] == 0
    (root / DAY).rename(tmp_path / "elsewhere")
    (root / DAY).symlink_to(tmp_path / "elsewhere")
    _moved(root / "news/2003/06")
    assert _slugs(run, "on", "2003-06-02", "--archive", root) == []
    code, _out, err = run("index", "--archive", root)
    assert code == 0 and "1 warning" in err
    code, out, _err = run("info", "--archive", root, "--json")
    assert "link to a folder; not followed" in out


def _packed_lists_agree(cache_dir: Path) -> dict[str, int]:
    """The packed folder lists every check reads hold each folder's mtime as the folder table does."""
    [cache] = cache_dir.glob("*.sqlite")
    conn = sqlite3.connect(cache)
    try:
        table = dict(conn.execute("SELECT real, mtime_ns FROM dirs"))
        for id_ in (1, 2):  # every folder, and those above the days
            reals, blob = conn.execute("SELECT reals, mtimes FROM dir_snapshot WHERE id = ?", (id_,)).fetchone()
            packed = dict(zip(reals.split("\0"), array("q", blob), strict=True))
            assert packed == {r: table[r] for r in packed}
        return table
    finally:
        conn.close()


def test_a_refresh_records_each_folder_s_new_mtime_where_the_full_check_reads_it(
    make_archive: MakeArchive, run: Run
) -> None:
    """A query's refresh writes a folder's new mtime into the packed lists every check reads: a later
    change elsewhere is still seen, and the refreshed folder is not taken for changed again."""
    cache_dir = Path(os.environ["NEWSQ_CACHE_DIR"])
    root = _archive(make_archive, empty_folders=40)
    assert run("index", "--archive", root)[0] == 0
    (root / DAY / "a-lander-wakes.md").write_text(_event("A lander wakes."), encoding="utf-8")
    _moved(root / DAY)
    _moved(root / "news/2004/01/4")  # and a folder no query of this day reads
    assert "a-lander-wakes" in _slugs(run, "on", "2003-06-02", "--archive", root)
    table = _packed_lists_agree(cache_dir)
    day_real = next(r for r in table if r.endswith("2003/06/2"))
    assert table[day_real] == (root / DAY).stat().st_mtime_ns  # recorded as it is now
    other = next(r for r in table if r.endswith("2004/01/4"))
    assert table[other] != (root / "news/2004/01/4").stat().st_mtime_ns  # not looked at: still moved
    # A folder made (the lists change), then a page added to a folder listed before it and after it.
    new_day = root / "news/2003/06/3"
    new_day.mkdir()
    (new_day / "a-rover-rests.md").write_text(_event("A rover rests.").replace("06/2", "06/3"), encoding="utf-8")
    _moved(root / "news/2003/06")
    assert _slugs(run, "on", "2003-06-03", "--archive", root) == ["a-rover-rests"]
    for day, folder in (("2003-06-02", root / DAY), ("2004-01-04", root / "news/2004/01/4")):
        (folder / "a-late-page.md").write_text(_event("A late page.").replace("2003-06-02", day), encoding="utf-8")
        _moved(folder)
        run("on", day, "--archive", root)
        table = _packed_lists_agree(cache_dir)
        assert table[next(r for r in table if r == str(folder) or r.endswith(folder.relative_to(root).as_posix()))] == (
            folder.stat().st_mtime_ns
        )
