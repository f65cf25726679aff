"""`newsq browse`, driven as a user would with Textual's pilot: search, open, follow r/d/y/c, go
back, quit; on a small archive written here. One test runs it in a real pseudo-terminal."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from newsq import browse
from newsq.browse_app import BrowseApp
from newsq.browse_view import sparkline
from newsq.browse_widgets import ContextPicker, HelpScreen, ResultsTable
from tests.conftest import MakeArchive, Run

LAUNCH = "europe-sends-a-probe-to-mars-from-baikonur"
LANDER = "the-lander-parts-from-the-mars-orbiter"
SUMMIT = "leaders-meet-at-a-lakeside-summit"
WEATHER = "a-weather-satellite-lifts-off-from-baikonur"
MARKUP_TITLE = "[bold]x[/bold] [@click=app.quit]y[/] \\[z]"


def _day(day: str, items: list[tuple[str, str, str]]) -> str:
    y, m, d = day.split("-")
    out = f"## [{day}](/news/{y}/{m}/{d}/index.md)\n\n"
    for slug, title, contexts in items:
        out += f"### [ {title}](/news/{y}/{m}/{d}/{slug}.md)\n_Context: {contexts}_\n\n"
    return out


def _page(day: str, title: str, body: str = "") -> str:
    y, m, d = day.split("-")
    return f"### [{day}](/news/{y}/{m}/{d}/index.md)\n\n#  {title} \n\n{body}"


FILES: dict[str, str | bytes] = {
    "news/2003/06/2/index.md": _day(
        "2003-06-2",
        [
            (LAUNCH, "Europe sends a probe to Mars from Baikonur.", "Baikonur, Mars, Red Planet Probe"),
            (SUMMIT, "Leaders meet at a lakeside summit.", "Summits"),
        ],
    ),
    f"news/2003/06/2/{SUMMIT}.md": _page("2003-06-2", "Leaders meet at a lakeside summit."),
    "news/2003/12/19/index.md": _day(
        "2003-12-19", [(LANDER, "The lander parts from the Mars orbiter.", "Mars, Red Planet Probe")]
    ),
    f"news/2003/12/19/{LANDER}.md": _page(
        "2003-12-19",
        "The lander parts from the Mars orbiter.",
        "### Related:\n\n"
        f"1. [ Europe sends a probe to Mars from Baikonur. ](/news/2003/06/2/{LAUNCH}.md) _Context: Mars_\n",
    ),
    "news/2009/06/2/index.md": _day(
        "2009-06-2", [(WEATHER, "A weather satellite lifts off from Baikonur.", "Baikonur, Weather")]
    ),
    f"news/2009/06/2/{WEATHER}.md": _page("2009-06-2", "A weather satellite lifts off from Baikonur."),
    "news/2010/01/5/index.md": _day("2010-01-5", [("markup", MARKUP_TITLE, "Markup")]),
    "news/2010/01/5/markup.md": _page("2010-01-5", MARKUP_TITLE),
}
# The launch page in full: topic, summary, a source, and Related links (one to an event not here).
FILES[f"news/2003/06/2/{LAUNCH}.md"] = f"""### [2003-06-2](/news/2003/06/2/index.md)

##### Red Planet Probe
#  Europe sends a probe to Mars from Baikonur. 

A rocket carries an orbiter and its small lander toward the red planet.

### Source:

1. [Space Agency](https://agency.example/probe)

### Related:

1. [ The lander parts from the Mars orbiter. ](/news/2003/12/19/{LANDER}.md) _Context: Mars, Red Planet Probe_
2. [ A rover wakes up in a crater. ](/news/2012/08/6/a-rover-wakes-up-in-a-crater.md) _Context: Mars_
"""


@pytest.fixture
def archive(make_archive: MakeArchive) -> Path:
    return make_archive(FILES)


Script = Callable[[Any, BrowseApp], Awaitable[None]]


def drive(archive: Path, script: Script, *, query: str | None = None, size: tuple[int, int] = (100, 30)) -> BrowseApp:
    """Run the app headless on the archive, as `newsq browse` makes it, and play the script."""

    async def main() -> BrowseApp:
        app, connections = browse.prepare(archive, query, say=lambda _note: None)
        try:
            async with app.run_test(size=size) as pilot:
                await settle(pilot)
                await script(pilot, app)
        finally:
            connections.close()
        return app

    return asyncio.run(main())


async def settle(pilot: Any) -> None:
    """Wait for the app's own signal that every search and read asked for is shown (or for its end)."""
    await pilot.pause()
    settled = asyncio.ensure_future(pilot.app.settled())
    deadline = time.monotonic() + 20
    while not settled.done() and pilot.app.is_running:
        assert time.monotonic() < deadline, "the app did not settle within 20 s"
        await asyncio.wait([settled], timeout=0.05)
    settled.cancel()
    await pilot.pause()


async def press(pilot: Any, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def titles(app: BrowseApp) -> list[str]:
    table = app.query_one(ResultsTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


def text_of(app: BrowseApp, selector: str) -> str:
    content = app.query_one(selector).content  # type: ignore[attr-defined]
    if isinstance(content, str):
        return content
    from rich.console import Console

    console = Console(width=200, record=True, file=open(os.devnull, "w"), color_system=None)  # noqa: SIM115
    console.print(content)
    return console.export_text()


# --- refusing without a terminal -------------------------------------------------------------------


@pytest.mark.parametrize("args", [("browse",), ("browse", "Mars"), ("browse", "--json")])
def test_browse_refuses_without_a_terminal_in_one_line(run: Run, args: tuple[str, ...]) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1 and "browse" in err
    assert ("--json" in err) if "--json" in args else ("terminal" in err)


# --- searching and reading -------------------------------------------------------------------------


def test_typing_a_query_lists_its_events_and_the_detail_shows_the_first_in_full(archive: Path) -> None:
    async def script(pilot: Any, app: BrowseApp) -> None:
        assert isinstance(app.focused, app.query_one("#search").__class__)
        await press(pilot, *"probe")
        assert titles(app) == [
            "Europe sends a probe to Mars from Baikonur.",
            "The lander parts from the Mars orbiter.",
        ]
        header = text_of(app, "#header")
        assert "Search: probe" in header and "2 events in 2003" in header
        detail = text_of(app, "#detail-body")
        for expected in (
            "Europe sends a probe to Mars from Baikonur.",
            "2003-06-02",
            "Red Planet Probe",
            "Baikonur (2) · Mars (2) · Red Planet Probe (2)",
            "A rocket carries an orbiter",
            "Space Agency  https://agency.example/probe",
            "2003-12-19  The lander parts from the Mars orbiter.",
            "A rover wakes up in a crater.  (not in the archive)",
            "1 event links to it",
        ):
            assert expected in detail, expected

    drive(archive, script)


def test_a_query_given_is_shown_at_once_and_enter_opens_the_event(archive: Path) -> None:
    async def script(pilot: Any, app: BrowseApp) -> None:
        assert sorted(titles(app)) == [
            "Europe sends a probe to Mars from Baikonur.",
            "The lander parts from the Mars orbiter.",
        ]
        assert isinstance(app.focused, ResultsTable)
        second = titles(app)[1]
        await press(pilot, "down")
        assert text_of(app, "#detail-body").startswith(second)
        await press(pilot, "up", "enter")
        assert app.query_one("#main").has_class("-opened")
        assert not app.query_one(ResultsTable).display or app.query_one(ResultsTable).region.height == 0
        assert app.focused is app.query_one("#detail")
        assert text_of(app, "#detail-body").startswith(titles(app)[0])
        await press(pilot, "escape")
        assert not app.query_one("#main").has_class("-opened")
        assert isinstance(app.focused, ResultsTable)

    drive(archive, script, query="Mars")


def test_typos_are_corrected_as_on_the_command_line_and_said_in_the_status_line(archive: Path) -> None:
    async def script(pilot: Any, app: BrowseApp) -> None:
        await press(pilot, *"Bakionur")
        assert "no match for 'Bakionur': searched 'baikonur' instead" in text_of(app, "#status")
        assert sorted(titles(app)) == [
            "A weather satellite lifts off from Baikonur.",
            "Europe sends a probe to Mars from Baikonur.",
        ]

    drive(archive, script)


def test_a_bad_query_is_told_in_the_status_line_and_the_app_goes_on(archive: Path) -> None:
    async def script(pilot: Any, app: BrowseApp) -> None:
        await press(pilot, *"-Mars")
        assert "only excludes" in text_of(app, "#status")
        assert titles(app) == []
        await press(pilot, *["backspace"] * 5, *"Mars")
        assert "only excludes" not in text_of(app, "#status")
        assert len(titles(app)) == 2

    drive(archive, script)


def test_r_d_y_c_follow_the_event_and_escape_goes_back_through_them(archive: Path) -> None:
    async def script(pilot: Any, app: BrowseApp) -> None:
        await press(pilot, "enter")  # open the launch
        await press(pilot, "r")
        assert titles(app)[:2] == ["The lander parts from the Mars orbiter.", "A rover wakes up in a crater."]
        table = app.query_one(ResultsTable)
        assert str(table.get_row_at(0)[2]).startswith("links-to")
        assert str(table.get_row_at(1)[2]) == "not in the archive"
        assert "Related to: Europe sends a probe" in text_of(app, "#header")
        await press(pilot, "down", "r")  # the rover is only a link: nothing to follow
        assert "not in the archive" in text_of(app, "#status")
        assert "Related to: Europe sends a probe" in text_of(app, "#header")
        await press(pilot, "escape")  # back to the opened launch
        assert app.query_one("#main").has_class("-opened")
        await press(pilot, "d")
        assert titles(app) == ["Europe sends a probe to Mars from Baikonur.", "Leaders meet at a lakeside summit."]
        assert "2003-06-02, Monday" in text_of(app, "#header")
        await press(pilot, "y")
        assert titles(app) == [
            "A weather satellite lifts off from Baikonur.",
            "Europe sends a probe to Mars from Baikonur.",
            "Leaders meet at a lakeside summit.",
        ]
        assert app.query_one(ResultsTable).cursor_row == 1  # still on the launch
        assert "June 2 in every year" in text_of(app, "#header")
        await press(pilot, "c")
        assert isinstance(app.screen, ContextPicker)
        await press(pilot, "1")  # Baikonur
        assert "Context: Baikonur" in text_of(app, "#header")
        assert titles(app) == [  # newest first
            "A weather satellite lifts off from Baikonur.",
            "Europe sends a probe to Mars from Baikonur.",
        ]
        for header in ("June 2 in every year", "2003-06-02, Monday", "Search: Europe"):
            await press(pilot, "escape")
            assert header in text_of(app, "#header")
        assert app.query_one("#main").has_class("-opened")
        await press(pilot, "backspace")
        assert not app.query_one("#main").has_class("-opened")
        await pilot.press("q")
        assert app.return_code == 0

    app = drive(archive, script, query="Europe")
    assert not app.is_running


def test_c_with_the_mouse_and_escape_cancels_the_choice(archive: Path) -> None:
    async def script(pilot: Any, app: BrowseApp) -> None:
        await press(pilot, "c")
        assert isinstance(app.screen, ContextPicker)
        await press(pilot, "escape")
        assert not isinstance(app.screen, ContextPicker)
        assert "Search: Europe" in text_of(app, "#header")
        await press(pilot, "c")
        await pilot.click("OptionList", offset=(4, 1))  # the second context: Mars
        await settle(pilot)
        assert "Context: Mars" in text_of(app, "#header")
        assert titles(app) == ["The lander parts from the Mars orbiter.", "Europe sends a probe to Mars from Baikonur."]

    drive(archive, script, query="Europe")


def test_a_mouse_click_selects_a_row(archive: Path) -> None:
    async def script(pilot: Any, app: BrowseApp) -> None:
        await pilot.click(ResultsTable, offset=(20, 2))  # the header row, then the second row
        await settle(pilot)
        assert app.query_one(ResultsTable).cursor_row == 1
        assert text_of(app, "#detail-body").startswith(titles(app)[1])

    drive(archive, script, query="Mars")


def test_the_search_box_takes_letters_escape_leaves_it_and_q_then_quits(archive: Path) -> None:
    async def script(pilot: Any, app: BrowseApp) -> None:
        await press(pilot, *"quarry")  # q, r, y ... type, they do not act
        assert app.is_running and app.query_one("#search").value == "quarry"  # type: ignore[attr-defined]
        await press(pilot, "escape")
        assert isinstance(app.focused, ResultsTable)
        await press(pilot, "slash")
        assert app.focused is app.query_one("#search")
        await press(pilot, "escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await press(pilot, "escape")
        await pilot.press("q")
        assert app.return_code == 0

    drive(archive, script)


@pytest.mark.parametrize(("key", "code"), [("ctrl+q", 0), ("ctrl+c", 130)])
def test_ctrl_keys_quit_from_the_search_box(archive: Path, key: str, code: int) -> None:
    async def script(pilot: Any, app: BrowseApp) -> None:
        await press(pilot, *"Mars")
        await pilot.press(key)
        assert app.return_code == code

    assert not drive(archive, script).is_running


def test_markup_in_titles_shows_literally_and_clicking_it_does_nothing(archive: Path) -> None:
    async def script(pilot: Any, app: BrowseApp) -> None:
        await press(pilot, *"Markup")
        assert titles(app) == [MARKUP_TITLE]
        assert text_of(app, "#detail-body").startswith(MARKUP_TITLE)
        for x in (1, 2, 3):  # parsed, the title would read "x y [z]" with y at 2 set to quit the app
            await pilot.click("#detail-body", offset=(x, 0))
            await pilot.click(ResultsTable, offset=(12 + x, 1))
        await settle(pilot)
        assert app.is_running and app.return_code is None

    drive(archive, script)


def test_sigterm_ends_the_app_through_its_exit(archive: Path) -> None:
    def outside_the_app(_signum: int, _frame: object) -> None:
        raise AssertionError("SIGTERM reached the process, not the app")

    previous = signal.signal(signal.SIGTERM, outside_the_app)
    try:

        async def script(pilot: Any, app: BrowseApp) -> None:
            os.kill(os.getpid(), signal.SIGTERM)
            await pilot.pause()

        assert drive(archive, script).return_code == 143
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_an_error_inside_the_app_ends_it(archive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsq import browse_reader

    def broken(item: Any) -> Any:
        def job(conn: Any) -> Any:
            raise RuntimeError("a bug in a job")
            yield

        return job

    monkeypatch.setattr(browse_reader, "detail_job", broken)

    async def script(pilot: Any, app: BrowseApp) -> None:
        await pilot.pause()

    with pytest.raises(RuntimeError, match="a bug in a job"):
        drive(archive, script, query="Mars")


def test_a_cache_that_can_only_live_in_memory_is_shared_with_the_reading_threads(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("NEWSQ_CACHE_DIR", str(blocker / "cache"))

    async def script(pilot: Any, app: BrowseApp) -> None:
        assert len(titles(app)) == 2
        assert "1 event links to it" in text_of(app, "#detail-body")

    drive(archive, script, query="Mars")


@pytest.mark.parametrize(("size", "side_by_side"), [((80, 24), False), ((140, 40), True)])
def test_readable_at_80x24_and_side_by_side_when_wide(archive: Path, size: tuple[int, int], side_by_side: bool) -> None:
    async def script(pilot: Any, app: BrowseApp) -> None:
        table, detail = app.query_one(ResultsTable).region, app.query_one("#detail").region
        assert table.height >= 7 and detail.height >= 9 and detail.width >= 60
        assert (detail.x > table.x) is side_by_side
        assert app.query_one("Footer").region.y == size[1] - 1

    drive(archive, script, query="Mars", size=size)


def test_sparkline_draws_counts_and_leaves_empty_years_blank() -> None:
    assert sparkline([("2001", 1), ("2002", 0), ("2003", 8)], 10) == "▁ █"
    assert sparkline([(str(y), 1) for y in range(100)], 10) == "█" * 10  # ten years per bar
    assert sparkline([], 10) == ""


# --- in a real terminal -------------------------------------------------------------------------------


def _read_until(fd: int, wanted: bytes, proc: subprocess.Popen[bytes], seen: bytearray) -> None:
    deadline = time.monotonic() + 30
    while wanted not in seen:
        assert proc.poll() is None, f"newsq browse ended early: {bytes(seen[-500:])!r}"
        assert time.monotonic() < deadline, f"no {wanted!r} on the screen: {bytes(seen[-500:])!r}"
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            seen += os.read(fd, 65536)


# `newsq browse` with a bug planted: following a related list raises inside the app.
PLANTED_BUG = """
import newsq.browse_reader as reader
def broken(item):
    def job(conn):
        raise RuntimeError("a bug planted by the test")
        yield
    return job
reader.related_job = broken
from newsq.entry import run
run()
"""


@pytest.mark.parametrize(("how", "code"), [("q", 0), ("ctrl-c", 130), ("sigterm", 143), ("error", 2)])
def test_the_terminal_is_restored_on_the_way_out(archive: Path, how: str, code: int) -> None:
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="100", LINES="30")
    program = ["-c", PLANTED_BUG] if how == "error" else ["-m", "newsq"]
    proc = subprocess.Popen(
        [sys.executable, *program, "browse", "Mars", "--archive", str(archive)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    seen = bytearray()
    try:
        _read_until(master, b"Europe sends a probe", proc, seen)
        assert termios.tcgetattr(slave)[3] & termios.ECHO == 0  # the app has the terminal in raw mode
        if how == "sigterm":
            proc.send_signal(signal.SIGTERM)
        else:
            os.write(master, {"q": b"q", "ctrl-c": b"\x03", "error": b"r"}[how])
        deadline = time.monotonic() + 30
        while proc.poll() is None:  # read on while it ends: a full terminal would block its writes
            assert time.monotonic() < deadline, "newsq browse did not end"
            if select.select([master], [], [], 0.1)[0]:
                seen += os.read(master, 65536)
        assert proc.returncode == code
        while select.select([master], [], [], 0.2)[0]:
            seen += os.read(master, 65536)
        assert termios.tcgetattr(slave) == before  # echo, line editing and signals back as they were
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(slave)
        os.close(master)
    assert seen.rfind(b"\x1b[?1049l") > seen.rfind(b"\x1b[?1049h") > -1  # left the alternate screen
    assert seen.rfind(b"\x1b[?25h") > seen.rfind(b"\x1b[?25l")  # the cursor shown again
    if how == "error":
        after = bytes(seen[seen.rfind(b"\x1b[?1049l") :])
        assert b"a bug planted by the test" in after  # said on the restored terminal
        assert b"newsq: browse stopped on an error inside it" in after


def test_browse_has_help_with_an_example(run: Run) -> None:
    code, out, _ = run("browse", "--help")
    assert code == 0 and "Example: newsq browse" in out


def test_the_browse_benchmark_runs_and_writes_its_section(archive: Path, tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_browse", Path(__file__).parent.parent / "bench" / "browse.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "RESULTS.md"
    out.write_text("# results\n\n## newsq browse\n\nan older run\n")
    args = ["--archive", str(archive), "--cache", str(tmp_path / "c"), "--runs", "1", "--words", "1", "--out", str(out)]
    assert bench.main(args) == 0
    text = out.read_text()
    assert text.startswith("# results\n") and text.count("## newsq browse") == 1 and "an older run" not in text
    assert "| archive |" in text


def test_a_long_list_grows_as_the_cursor_nears_its_end(
    make_archive: MakeArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsq import browse_reader

    monkeypatch.setattr(browse_reader, "SEARCH_LIMIT", 30)
    items = [(f"comet-sighting-number-{i}", f"Comet sighting number {i}.", "Comets") for i in range(60)]
    archive = make_archive({"news/2011/03/7/index.md": _day("2011-03-7", items)})

    async def script(pilot: Any, app: BrowseApp) -> None:
        assert len(titles(app)) == 30
        assert "60 events, 30 listed" in text_of(app, "#header")
        await press(pilot, "end")
        assert len(titles(app)) == 60
        assert app.query_one(ResultsTable).cursor_row == 29  # where it was
        assert "60 events" in text_of(app, "#header") and "listed" not in text_of(app, "#header")
        await press(pilot, "home")
        assert app.query_one(ResultsTable).cursor_row == 0

    drive(archive, script, query="comet")


@pytest.mark.parametrize("no_color", [True, False])
def test_no_color_draws_in_greys_only(archive: Path, monkeypatch: pytest.MonkeyPatch, no_color: bool) -> None:
    import re

    if not no_color:
        monkeypatch.delenv("NO_COLOR", raising=False)
    colours: set[str] = set()

    async def script(pilot: Any, app: BrowseApp) -> None:
        colours.update(re.findall(r"#([0-9a-fA-F]{6})\b", app.export_screenshot()))

    drive(archive, script, query="Mars")
    window = {"ff5f57", "febc2e", "28c840", "c5c8c6"}  # the screenshot's own window and title
    hues = {c for c in colours if len({c[0:2], c[2:4], c[4:6]}) > 1} - window
    assert colours and (not hues if no_color else hues)
