"""Where a command's results go: one Output, in one mode, that commands hand rows and records to."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from newsq.errors import Exit, NewsqError

# Env, dumps and safe lived here first: importing them from here still works.
from newsq.streams import Env as Env
from newsq.streams import dumps as dumps
from newsq.streams import safe as safe

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

T = TypeVar("T")


class Mode(Enum):
    TABLE = "table"
    LINES = "lines"
    JSON = "json"
    JSONL = "jsonl"

    @classmethod
    def choose(cls, *, json_: bool = False, jsonl: bool = False, table: bool = False, isatty: bool = False) -> Mode:
        """The user's choice; else a table for a terminal, lines for a pipe."""
        if json_ and jsonl:
            raise NewsqError("--json and --jsonl cannot be used together")
        if json_ or jsonl:
            return cls.JSONL if jsonl else cls.JSON
        return cls.TABLE if table or isatty else cls.LINES


# --- what a command says about its results, once for every mode ------------------------------------

Span = tuple[str, str]  # (text, Rich style)
Cell = str | Sequence[Span] | float  # a float: the share of a bar column to fill (0 to 1)
# How a table names an event (slug, day) in `room` cells so that the name works as a REF.
Refs = Callable[[str, str, int], str]


class Column(NamedTuple):
    header: str
    width: int = 0  # fixed, in cells; 0: a share (ratio) of what the fixed columns leave
    ratio: int = 1
    style: str = ""
    bar: bool = False  # cells are shares (0 to 1) drawn as a bar across the column


class RowSpec(NamedTuple, Generic[T]):
    """How one kind of result shows as a table row, a tab-separated line and a JSON object."""

    columns: tuple[Column, ...]
    cells: Callable[[T], Sequence[Cell]]
    fields: Callable[[T], Sequence[str | None]]
    obj: Callable[[T], dict[str, Any]]
    # The (slug, day) of the event whose REF goes on a line of its own under column `ref_under`.
    ref: Callable[[T], tuple[str, str] | None] | None = None
    ref_under: int = 1


class Pair(NamedTuple):
    """One labelled value of a record; a whole one (slug, path, URL) is never wrapped or cut."""

    label: str  # "" continues the previous label
    value: str
    whole: bool = False


class RecordSpec(NamedTuple, Generic[T]):
    """How one result shows on its own: a JSON object, and labelled values for people (or nothing)."""

    obj: Callable[[T], dict[str, Any]]
    pairs: Callable[[T], Iterable[Pair]] | None = None


# --- the Output object ------------------------------------------------------------------------------


class Output:
    """A command's results, in the mode chosen once: the command hands over rows and never asks which."""

    def __init__(self, mode: Mode, env: Env | None = None) -> None:
        self.mode = mode
        self.env = env or Env()
        self.started = False  # anything on stdout yet? (until then a failed command may be run again)
        self._console: Console | None = None

    def rows(
        self,
        spec: RowSpec[T],
        items: Iterable[T],
        refs: Refs | None = None,
        *,
        group: Callable[[T], str] | None = None,
        envelope: tuple[str, dict[str, Any]] | None = None,
    ) -> int:
        """Write items as they come (a long table starts at once); return how many.

        group: a table puts a heading over each run of rows with the same key (e.g. their year).
        envelope: (key, object): a JSON array goes into the object under key."""
        writer = _WRITERS[self.mode](self)
        writer.envelope = envelope
        count = 0
        heading = None
        for item in items:
            if group is not None and (key := group(item)) != heading:
                heading = key
                writer.heading(spec, key, count)
            writer.row(spec, item, refs, count)
            count += 1
        writer.end(count)
        return count

    def record(self, spec: RecordSpec[T], item: T) -> None:
        _WRITERS[self.mode](self).record(spec, item)

    def finish(self, count: int, nothing: str) -> Exit:
        """The exit code; with nothing found, say so on stderr (a JSON array says it with [])."""
        if count:
            return Exit.FOUND
        if self.mode is not Mode.JSON:
            self.message(nothing)
        return Exit.NOTHING

    def message(self, text: str) -> None:
        """One line on stderr, never on stdout (which carries data only)."""
        try:
            self.env.stderr.write(f"newsq: {safe(text)}\n")
            self.env.stderr.flush()
        except (OSError, ValueError):  # stderr closed or full: there is nowhere left to say it
            pass

    def flush(self) -> None:
        """Everything written so far on its way: a full disk is found here, not at exit."""
        self.env.stdout.flush()

    def write(self, text: str, flush: bool = False) -> None:
        self.started = True
        self.env.stdout.write(text)
        if flush:
            self.env.stdout.flush()

    @property
    def console(self) -> Console:
        if self._console is None:
            self._console = self.env.console()
        return self._console


class _Writer:
    """One mode's way of writing rows and records; a new format is one more subclass in _WRITERS."""

    def __init__(self, out: Output) -> None:
        self.out = out
        self.envelope: tuple[str, dict[str, Any]] | None = None

    def row(self, spec: RowSpec[T], item: T, refs: Refs | None, index: int) -> None:
        raise NotImplementedError

    def heading(self, spec: RowSpec[T], text: str, index: int) -> None:
        pass  # only people need headings; data carries its own dates

    def end(self, count: int) -> None:
        pass

    def record(self, spec: RecordSpec[T], item: T) -> None:
        raise NotImplementedError


class _Json(_Writer):
    """One JSON array, streamed object by object ("[" only once there is a first object)."""

    def row(self, spec: RowSpec[T], item: T, refs: Refs | None, index: int) -> None:
        if index == 0:
            self.out.write(self._opening())
        self.out.write(("[\n  " if index == 0 else ",\n  ") + dumps(spec.obj(item)))

    def end(self, count: int) -> None:
        if not count:
            self.out.write(self._opening())
        self.out.write(("\n]" if count else "[]") + ("}\n" if self.envelope else "\n"))

    def _opening(self) -> str:
        """Before the array: the envelope's fields and its key (`{"total": 3, "periods": `)."""
        if self.envelope is None:
            return ""
        key, fields = self.envelope
        return dumps(fields)[:-1] + (", " if fields else "") + dumps(key) + ": "

    def record(self, spec: RecordSpec[T], item: T) -> None:
        self.out.write(dumps(spec.obj(item), indent=2) + "\n")


class _JsonLines(_Writer):
    """One object per line, flushed: a reader sees each as soon as it is found."""

    def row(self, spec: RowSpec[T], item: T, refs: Refs | None, index: int) -> None:
        self.out.write(dumps(spec.obj(item)) + "\n", flush=True)

    def record(self, spec: RecordSpec[T], item: T) -> None:
        self.out.write(dumps(spec.obj(item)) + "\n", flush=True)


def _field(text: str | None) -> str:
    if not text or text.isprintable():  # no tab, newline or character safe() shows escaped
        return text or ""
    return safe(text).replace("\t", " ").replace("\n", " ")


class _Lines(_Writer):
    """Tab-separated fields for cut, awk and sort; a record as `label: value` lines, easy to grep."""

    def row(self, spec: RowSpec[T], item: T, refs: Refs | None, index: int) -> None:
        self.out.write("\t".join(_field(f) for f in spec.fields(item)) + "\n", flush=True)

    def record(self, spec: RecordSpec[T], item: T) -> None:
        if spec.pairs is None:
            return
        for pair in spec.pairs(item):
            label = pair.label.lower() + ":" if pair.label else ""
            head = label.ljust(10) if len(label) < 10 else label + " "
            self.out.write(head + safe(pair.value).replace("\n", "\n" + " " * 10) + "\n")


class _Table(_Writer):
    """A table for people, printed row by row: column widths come from the terminal's width (not
    from the rows, which would mean reading them all first). A REF gets a line of its own that is
    never wrapped or cut, so that it can be copied whole at any width."""

    GAP = 2
    HANG = 1  # cells kept free at the right edge for a hanging mark (see _hanging)

    def __init__(self, out: Output) -> None:
        super().__init__(out)
        self.widths: list[int] = []

    def row(self, spec: RowSpec[T], item: T, refs: Refs | None, index: int) -> None:
        from rich.text import Text

        if index == 0 and not self.widths:
            self._header(spec.columns)
        lines = self._grid(spec.columns, spec.cells(item))
        place = spec.ref(item) if spec.ref is not None else None
        if place is not None:
            offset = sum(self.widths[: spec.ref_under]) + self.GAP * spec.ref_under
            slug, day = place
            name = refs(slug, day, self.out.console.width - offset) if refs is not None else slug
            lines.append(Text(" " * offset) + Text(safe(name), style="dim"))
        self._print(lines)

    def heading(self, spec: RowSpec[T], text: str, index: int) -> None:
        from rich.text import Text

        if index == 0:
            self._header(spec.columns)
        self._print([Text(safe(text), style="bold underline")])

    def record(self, spec: RecordSpec[T], item: T) -> None:
        if spec.pairs is None:
            return
        pairs = list(spec.pairs(item))
        label_width = max(len(p.label) for p in pairs)
        columns = (Column("", width=label_width, style="bold cyan"), Column(""))
        self.widths = _widths(self.out.console.width, columns, self.GAP, self.HANG)
        lines: list[Text] = []
        for pair in pairs:
            if pair.whole:  # on one line, past the edge if need be: the terminal wraps it, softly
                lines.extend(self._grid(columns, (pair.label, pair.value), whole=True))
            else:
                lines.extend(self._grid(columns, (pair.label, pair.value)))
        self._print(lines)

    def _header(self, columns: tuple[Column, ...]) -> None:
        from rich.text import Text

        self.widths = _widths(self.out.console.width, columns, self.GAP, self.HANG)
        head = Text(style="bold")
        for i, (column, width) in enumerate(zip(columns, self.widths, strict=True)):
            head.append(column.header.ljust(width) if i < len(columns) - 1 else column.header)
            if i < len(columns) - 1:
                head.append(" " * self.GAP)
        rule = Text("─" * (sum(self.widths) + self.GAP * (len(columns) - 1) + self.HANG), style="dim")
        self._print([head, rule])

    def _grid(self, columns: tuple[Column, ...], cells: Sequence[Cell], whole: bool = False) -> list[Text]:
        """The physical lines of one row: each cell wrapped to its column, side by side."""
        from rich.text import Text

        console = self.out.console
        wrapped = []
        for i, (column, cell, width) in enumerate(zip(columns, cells, self.widths, strict=True)):
            text = (
                _bar(cell, width, column.style) if column.bar and isinstance(cell, float) else _text(cell, column.style)
            )
            if whole and i == len(columns) - 1:
                wrapped.append([text])
            else:
                wrapped.append(_hanging(text.wrap(console, width, overflow="fold"), text.plain, width) or [Text()])
        lines = []
        for n in range(max(len(w) for w in wrapped)):
            line = Text()
            for i, (cell_lines, width) in enumerate(zip(wrapped, self.widths, strict=True)):
                piece = cell_lines[n].copy() if n < len(cell_lines) else Text()
                if i < len(wrapped) - 1:
                    hang = min(self.HANG, max(0, piece.cell_len - width))  # a hanging mark takes a cell of the gap
                    piece.truncate(width + hang, pad=True)
                    piece.append(" " * (self.GAP - hang))
                line.append_text(piece)
            line.rstrip()
            lines.append(line)
        return lines

    def _print(self, lines: list[Text]) -> None:
        from rich.text import Text

        self.out.started = True
        # soft_wrap: the lines are laid out already; Rich must neither wrap nor crop them again.
        self.out.console.print(Text("\n").join(lines), soft_wrap=True)


def _text(cell: Cell, style: str) -> Text:
    """A cell as Rich Text: archive text made inert and appended piece by piece, never parsed as markup."""
    from rich.text import Text

    if isinstance(cell, str):
        return Text(safe(cell).replace("\t", " "), style=style)
    if isinstance(cell, float):
        return Text(f"{cell:g}", style=style)
    text = Text(style=style)
    for piece, piece_style in cell:
        text.append(safe(piece).replace("\t", " "), style=piece_style)
    return text


# Marks that end a word. Folding a word that is too long for its column can leave one alone at the
# start of the next line (a list of contexts read "Kazakhstan" then ", Mars"): it hangs one cell past
# the column instead, into the gap or the free cell at the right edge, as print hangs punctuation.
_CLOSING = frozenset(",.;:!?)]}'\"’”…")


def _hanging(lines: Iterable[Text], plain: str, width: int) -> list[Text]:
    out: list[Text] = []
    for line in lines:
        mark, after = line.plain[:1], line.plain[1:2]
        # out[-1] + mark in the text: a fold split them, not a space before the mark.
        if (
            out
            and mark in _CLOSING
            and after in ("", " ")
            and out[-1].cell_len == width
            and out[-1].plain + mark in plain
        ):
            out[-1].append_text(line[:1])
            rest = line[1:]
            line = rest[len(rest.plain) - len(rest.plain.lstrip(" ")) :]
            if not line.plain:
                continue
        out.append(line)
    return out


_EIGHTHS = " ▏▎▍▌▋▊▉"


def _bar(share: float, width: int, style: str) -> Text:
    """A share of a column as a bar of full and eighth blocks (a nonzero share shows at least a sliver)."""
    from rich.text import Text

    eighths = round(max(0.0, min(1.0, share)) * width * 8)
    if share > 0 and eighths == 0:
        eighths = 1
    full, part = divmod(eighths, 8)
    return Text("█" * full + (_EIGHTHS[part] if part else ""), style=style)


def _widths(total: int, columns: Sequence[Column], gap: int, spare: int = 0) -> list[int]:
    """Fixed columns get their width; the others share what is left by ratio (at least 8 each).
    Then the widest of these gives up `spare` cells (where one matters least), left free at the edge."""
    fixed = sum(c.width for c in columns) + gap * (len(columns) - 1)
    shares = sum(c.ratio for c in columns if not c.width)
    room = max(0, total - fixed)
    widths = [c.width or max(8, room * c.ratio // shares) for c in columns]
    flexible = [i for i, c in enumerate(columns) if not c.width]
    if flexible:  # what integer division left over goes to the first flexible column
        widths[flexible[0]] += max(0, total - sum(widths) - gap * (len(columns) - 1))
        widest = max(flexible, key=lambda i: widths[i])
        widths[widest] = max(8, widths[widest] - spare)
    return widths


_WRITERS: dict[Mode, type[_Writer]] = {
    Mode.TABLE: _Table,
    Mode.LINES: _Lines,
    Mode.JSON: _Json,
    Mode.JSONL: _JsonLines,
}
