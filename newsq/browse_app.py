"""The Textual app of `newsq browse`: a search box, a list, the selected event in full, and a
history of views (search, related, day, same day in every year, context) to go back through."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static

from newsq import browse_reader as reader
from newsq import browse_view as view
from newsq.browse_pages import (
    Page,
    context_view,
    day_view,
    job_for,
    key,
    latest_view,
    related_view,
    search_view,
    years_view,
)
from newsq.browse_widgets import ContextPicker, HelpScreen, ResultsTable, SearchBox

# Exit codes of the ways out that are not "q": as a shell reports a signal (128 + its number).
EXIT_INTERRUPTED = 130
SIGNAL_EXITS = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}


class Delivered(Message):
    """A lane's answer (a step of a job; None when the job is done), posted from its thread."""

    def __init__(self, lane: str, token: int, result: object) -> None:
        super().__init__()
        self.lane = lane
        self.token = token
        self.result = result


class BrowseApp(App[None]):
    """Browse an archive's cache. `connect` opens a connection to it for each reading thread."""

    TITLE = "newsq browse"
    ENABLE_COMMAND_PALETTE = False
    DEBOUNCE = 0.1  # seconds of no typing before a search runs
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012 - as Textual declares it
    CSS = """
    #header { height: 1; padding: 0 1; background: $panel; }
    #search { height: 1; margin: 0 0; }
    #main { height: 1fr; }
    #results { height: 2fr; }
    #detail { height: 3fr; padding: 0 1; border-top: solid $primary-darken-2; }
    #detail:focus { border-top: solid $accent; }
    Screen.-wide #main { layout: horizontal; }
    Screen.-wide #results { height: 1fr; width: 45%; }
    Screen.-wide #detail { height: 1fr; width: 1fr; border-top: none; border-left: solid $primary-darken-2; }
    Screen.-wide #detail:focus { border-left: solid $accent; }
    #main.-opened #results { display: none; }
    #main.-opened #detail { border-top: none; border-left: none; height: 1fr; }
    #status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search"),
        Binding("enter", "open", "Open"),
        Binding("r", "related", "Related"),
        Binding("d", "day", "Day"),
        Binding("y", "years", "Years"),
        Binding("c", "context", "Context"),
        Binding("escape", "previous", "Back"),
        Binding("backspace", "previous", "Back", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("f1", "help", "Help", show=False),
        Binding("q", "leave", "Quit"),
        Binding("ctrl+c", "interrupt", "Quit", show=False, priority=True),
        Binding("ctrl+z", "suspend_process", "Suspend", show=False, priority=True),  # as in a shell: fg resumes
    ]
    # Keys that type into the search box there, and act elsewhere.
    _TYPED = frozenset({"open", "related", "day", "years", "context", "help", "leave"})

    def __init__(self, connect: Callable[[], sqlite3.Connection], *, query: str | None = None, notes: str = "") -> None:
        super().__init__()
        self._connect = connect
        self._first_query = (query or "").strip()
        self._notes = notes
        self.pages: list[Page] = []
        self._lanes: dict[str, reader.Lane] = {}
        self._tokens: dict[str, int] = {}
        self._loading: dict[int, Page] = {}
        self._busy: set[str] = set()
        self._counter = 0
        self._debounce: Timer | None = None
        self._typed = ""
        self._details: dict[tuple[str, str], reader.Detail] = {}
        self._shown_item: reader.Item | None = None
        self._table_of: tuple[int, int] | None = None  # (id of the page, width) the table was filled for
        self._settled = asyncio.Event()
        self._said = ""  # what the status line says
        self.paints = 0  # lists painted, and when the last one was: for tests and the benchmark
        self.painted_at = 0.0
        self.searched_at = 0.0  # when the last typed search ran (the pause in typing was over)
        self.painted = asyncio.Event()

    def compose(self) -> ComposeResult:
        yield Static(id="header", markup=False)
        yield SearchBox(placeholder="Search the archive   (/ search · ? help · Ctrl+Q quit)", id="search", compact=True)
        with Container(id="main"):
            yield ResultsTable(id="results", cursor_type="row", cell_padding=1)
            with VerticalScroll(id="detail"):
                yield Static(id="detail-body", markup=False)
        yield Static(id="status", markup=False)
        yield Footer(compact=True)

    # --- start and end ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        loop = asyncio.get_running_loop()
        for signum, code in SIGNAL_EXITS.items():
            loop.add_signal_handler(signum, self.exit, None, code)
        for name in ("list", "detail"):
            self._lanes[name] = reader.Lane(name, self._connect, self._deliver)
        self._status(self._notes)
        if self._first_query:
            self.query_one(SearchBox).value = self._first_query
            self._go(Page(search_view(self._first_query)))
            self.query_one(ResultsTable).focus()
        else:
            self._go(Page(latest_view()))
            self.query_one(SearchBox).focus()

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in SIGNAL_EXITS:
            loop.remove_signal_handler(signum)
        for lane in self._lanes.values():
            lane.close()

    async def settled(self) -> None:
        """Wait until no search waits for typing to pause and every read asked for is shown."""
        await self._settled.wait()

    def _deliver(self, lane: str, token: int, result: object) -> None:
        self.post_message(Delivered(lane, token, result))

    def _submit(self, lane: str, job: reader.Job) -> int:
        self._counter += 1
        self._tokens[lane] = self._counter
        self._busy.add(lane)
        self._settled.clear()
        self._lanes[lane].submit(self._counter, job)
        return self._counter

    def _check_settled(self) -> None:
        if not self._busy and self._debounce is None:
            self._settled.set()

    # --- answers from the lanes ------------------------------------------------------------------

    @on(Delivered)
    def _delivered(self, message: Delivered) -> None:
        if message.token != self._tokens.get(message.lane):
            return  # for a request that a newer one replaced
        result = message.result
        if isinstance(result, BaseException):
            raise result  # a bug: the app ends and says so
        if result is None:
            self._busy.discard(message.lane)
            self._loading.pop(message.token, None)
            self._check_settled()
        elif isinstance(result, reader.Detail):
            self._details[key(result.item)] = result
            if len(self._details) > 500:
                self._details.pop(next(iter(self._details)))
            if self._shown_item is not None and key(self._shown_item) == key(result.item):
                self._show_detail(self._shown_item)
        elif message.lane == "list" and (page := self._loading.get(message.token)) is not None:
            self._take(page, result)

    def _take(self, page: Page, result: object) -> None:
        if isinstance(result, reader.Failed):
            page.error = result.message
            page.items = page.items or []
        elif isinstance(result, reader.Listing):
            page.items, page.corrections = result.items, result.corrections
            if page.near is not None:
                page.cursor = next((i for i, it in enumerate(page.items) if key(it) == key(page.near)), 0)
        elif isinstance(result, reader.Counted):
            page.counted = result
            self._read_more(page)
        if self.pages and page is self.pages[-1]:
            self._show(page, fill=not isinstance(result, reader.Counted))

    def _read_more(self, page: Page) -> None:
        """Read more of a long list when the cursor comes near its end (a screenful before it)."""
        more = page.more_to_list() if page.items and page.cursor >= len(page.items) - 20 else None
        if more is not None and not self._loading and page is self.pages[-1]:
            self._loading = {self._submit("list", job_for(page.view, more)): page}

    # --- showing a page ----------------------------------------------------------------------------

    def _go(self, page: Page, *, replace: bool = False) -> None:
        if replace and self.pages:
            self.pages[-1] = page
        else:
            self.pages.append(page)
            del self.pages[:-100]  # a long walk keeps its last hundred views
        self._show(page)
        if not page.opened and not isinstance(self.focused, Input):  # the keys move in the new list
            self.query_one(ResultsTable).focus()

    def _show(self, page: Page, *, fill: bool = True) -> None:
        if page.items is None and page not in self._loading.values():
            self._loading = {self._submit("list", job_for(page.view)): page}
        self.query_one("#main").set_class(page.opened, "-opened")
        self._show_header(page)
        if fill:
            self._fill_table(page)
            self._status(page.status(self._notes))
        if page.opened:
            self.query_one("#detail").focus()

    def _show_header(self, page: Page) -> None:
        total, periods = page.counts()
        width = self.size.width - 2
        shown = len(page.items or [])
        self.query_one("#header", Static).update(view.header(page.view.label, total, shown, periods, width))

    def _fill_table(self, page: Page) -> None:
        table = self.query_one(ResultsTable)
        width = table.size.width or self.size.width
        if self._table_of == (id(page.items), width) and table.row_count == len(page.items or []):
            table.move_cursor(row=page.cursor, animate=False)
            self._select(page)
            return
        self._table_of = (id(page.items), width)
        table.clear(columns=True)
        third = "Why" if page.view.kind == "related" else "Topic"
        why_width = max(10, min(30 if third == "Why" else 22, width // 4))
        title_width = max(10, width - 10 - why_width - 6 - 2)  # 3 columns of padding 1, a scrollbar
        table.add_column("Date", width=10)
        table.add_column("Title", width=title_width)
        table.add_column(third, width=why_width)
        if page.items:
            table.add_rows([view.cells(item) for item in page.items])
            table.move_cursor(row=min(page.cursor, len(page.items) - 1), animate=False)
        self._select(page)
        if page.items is not None:
            self.call_after_refresh(self._mark_painted)

    def _mark_painted(self) -> None:
        self.paints += 1
        self.painted_at = time.perf_counter()
        self.painted.set()

    def _select(self, page: Page) -> None:
        item = page.selected
        self._shown_item = item
        if item is None:
            self.query_one("#detail-body", Static).update(Text(page.empty_hint()))
            return
        self._show_detail(item)
        if key(item) not in self._details:
            self._submit("detail", reader.detail_job(item))

    def _show_detail(self, item: reader.Item) -> None:
        found = self._details.get(key(item))
        width = self.query_one("#detail").size.width - 2  # room for a scrollbar
        self.query_one("#detail-body", Static).update(view.detail(found.item if found else item, found, width))

    def _status(self, text: str | None = None) -> None:
        """Say something in the status line (None: say again what was said), with where the cursor
        is in the list at its right."""
        if text is not None:
            self._said = text
        page = self.pages[-1] if self.pages else None
        where = f"{page.cursor + 1:,}/{len(page.items):,}" if page is not None and page.items else ""
        width = max(1, self.size.width - 2)
        line = Text(view.plain(self._said), no_wrap=True, overflow="ellipsis")
        line.truncate(max(1, width - len(where) - 2), overflow="ellipsis")
        line.append(" " * max(1, width - len(line) - len(where)))
        line.append(where, style="bold")
        self.query_one("#status", Static).update(line)

    def on_resize(self) -> None:
        if self.pages:
            self.call_after_refresh(self._show, self.pages[-1])

    # --- the list and the search box -------------------------------------------------------------

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        page = self.pages[-1] if self.pages else None
        if page is None or not page.items or event.cursor_row >= len(page.items):
            return
        page.cursor = event.cursor_row
        self._status()
        self._read_more(page)
        if self._shown_item is None or key(page.items[page.cursor]) != key(self._shown_item):
            self.query_one("#detail").scroll_home(animate=False)
        self._select(page)

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    @on(Input.Changed, "#search")
    def _typing(self, event: Input.Changed) -> None:
        top = self.pages[-1] if self.pages else None
        if top is not None and top.view.kind in ("search", "latest") and event.value.strip() == top.view.arg:
            return  # set by going back, or no change that matters
        self._typed = event.value
        if self._debounce is not None:
            self._debounce.stop()
        self._settled.clear()
        self._debounce = self.set_timer(self.DEBOUNCE, self._search_typed)

    @on(Input.Submitted, "#search")
    def _submitted(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._search_typed()
        self.action_focus_list()

    def _search_typed(self) -> None:
        self._debounce = None
        self.searched_at = time.perf_counter()
        text = self._typed.strip()
        top = self.pages[-1] if self.pages else None
        shown = search_view(text) if text else latest_view()
        if top is not None and top.view == shown and top.items is not None and not top.opened:
            self._check_settled()
            return
        replace = top is not None and top.view.kind in ("search", "latest") and not top.opened
        self._go(Page(shown), replace=replace)
        self._check_settled()

    # --- actions ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self._TYPED and isinstance(self.focused, Input):
            return False  # the key types into the search box: not shown in the footer
        if action in ("open", "related", "day", "years", "context"):
            page = self.pages[-1] if self.pages else None
            return True if page is not None and page.selected is not None else None
        return True

    def action_search(self) -> None:
        self.query_one(SearchBox).focus()

    def action_focus_list(self) -> None:
        page = self.pages[-1] if self.pages else None
        self.query_one("#detail" if page is not None and page.opened else "#results").focus()

    def action_open(self) -> None:
        page = self.pages[-1] if self.pages else None
        if page is None or page.selected is None:
            return
        if page.opened:
            self.query_one("#detail").focus()
            return
        self._go(page.opened_copy())

    def action_previous(self) -> None:
        if isinstance(self.focused, Input):
            self.action_focus_list()
            return
        if len(self.pages) < 2:
            self._status("this is the first view: nothing to go back to")
            return
        self.pages.pop()
        page = self.pages[-1]
        if page.view.kind in ("search", "latest"):
            self.query_one(SearchBox).value = page.view.arg
        self._show(page)
        self.action_focus_list()

    def _about(self) -> reader.Item | None:
        page = self.pages[-1] if self.pages else None
        return page.selected if page is not None else None

    def action_related(self) -> None:
        item = self._about()
        if item is not None and item.id == -1:
            self._status("this event is not in the archive: newsq knows only the link to it")
        elif item is not None:
            self._go(Page(related_view(item)))

    def action_day(self) -> None:
        if (item := self._about()) is not None and item.event.day:
            self._go(Page(day_view(item.event.day), near=item))

    def action_years(self) -> None:
        if (item := self._about()) is not None and item.event.day:
            self._go(Page(years_view(item.event.day), near=item))

    def action_context(self) -> None:
        item = self._about()
        if item is None:
            return
        if not item.event.contexts:
            self._status("this event has no contexts")
            return
        if len(item.event.contexts) == 1:
            self._pick_context(item.event.contexts[0])
            return
        found = self._details.get(key(item))
        counts = found.context_counts if found is not None else {}
        self.push_screen(ContextPicker(item.event.title, item.event.contexts, counts), self._pick_context)

    def _pick_context(self, name: str | None) -> None:
        if name:
            self._go(Page(context_view(name)))

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_leave(self) -> None:
        self.exit(return_code=0)

    def action_interrupt(self) -> None:
        self.exit(return_code=EXIT_INTERRUPTED)
