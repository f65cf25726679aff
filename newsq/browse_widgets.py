"""The widgets of `newsq browse` beyond Textual's own: the search box, the list, and the screens
it opens over its main one (the help, the choice of a context)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from newsq import browse_view as view


class SearchBox(Input):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("down", "app.focus_list", "List", show=False)]


class ResultsTable(DataTable[Text]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open"),
        Binding("home", "scroll_top", "First", show=False),
        Binding("end", "scroll_bottom", "Last", show=False),
    ]


class HelpScreen(ModalScreen[None]):
    """The keys, and the search language."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; padding: 0 1; background: $surface;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(view.help_text(), markup=False)

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()


class ContextPicker(ModalScreen[str | None]):
    """One of an event's contexts, chosen with the arrows and Enter, a digit, or the mouse."""

    DEFAULT_CSS = """
    ContextPicker { align: center middle; }
    ContextPicker > Vertical {
        width: 70; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; padding: 0 1; background: $surface;
    }
    ContextPicker Static { height: auto; margin-bottom: 1; }
    ContextPicker OptionList, ContextPicker OptionList:focus { height: auto; max-height: 20; border: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        *(Binding(str(n), f"pick({n - 1})", show=False) for n in range(1, 10)),
    ]

    def __init__(self, title: str, contexts: tuple[str, ...], counts: dict[str, int]) -> None:
        super().__init__()
        self._title = title
        self._contexts = contexts
        self._counts = counts

    def compose(self) -> ComposeResult:
        heading = Text("Events of which context?  ", style="bold")
        heading.append(view.plain(self._title), style="dim")
        options = []
        for i, name in enumerate(self._contexts):
            prompt = Text(f"{i + 1} " if i < 9 else "  ", style="dim")
            prompt.append(view.plain(name))
            if name in self._counts:
                count = self._counts[name]
                prompt.append(f"  {count:,} event{'s' if count != 1 else ''}", style="dim")
            options.append(Option(prompt, id=str(i)))
        with Vertical():
            yield Static(heading, markup=False)
            yield OptionList(*options)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_pick(int(event.option.id or 0))

    def action_pick(self, index: int) -> None:
        if 0 <= index < len(self._contexts):
            self.dismiss(self._contexts[index])

    def action_cancel(self) -> None:
        self.dismiss(None)
