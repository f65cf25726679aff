"""`newsq export`: the archive's events, Related links and contexts as JSON Lines, CSV or Parquet,
for the tools of data work. Everything streams: rows are read from the cache, converted and
written a batch at a time, so memory stays flat however large the archive."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from newsq import cleanup, render, store
from newsq.errors import NewsqError
from newsq.models import EXPORT_FORMATS, EXPORT_KINDS, Event, RelatedLink, Selection
from newsq.output import dumps, safe

if TYPE_CHECKING:
    import pyarrow as pa

KINDS = EXPORT_KINDS
FORMATS = EXPORT_FORMATS
# Rows converted and written at a time: 10,000 event dicts held 270 MB at once, 2,000 hold 110 MB.
BATCH = 2_000
ROW_GROUP = 10_000  # rows per Parquet row group (held as compact Arrow data until written)

# A list in one CSV cell: values joined by "|"; inside a value, "\" is written "\\" and "|" "\|".
LIST_SEPARATOR = "|"
_LIST_SPLIT_RE = re.compile(r"\\(.)|(\|)", re.DOTALL)

Progress = Callable[[int], None]  # rows written so far


class ExportError(NewsqError):
    """An export that cannot be made as asked."""


# --- lists in CSV cells ---------------------------------------------------------------------------------


def join_list(values: Iterable[str]) -> str:
    """Values in one cell, reversibly (split_list undoes it): an empty list is an empty cell."""
    return LIST_SEPARATOR.join(v.replace("\\", "\\\\").replace("|", "\\|") for v in values)


def split_list(cell: str) -> list[str]:
    """The values of a cell written by join_list."""
    if not cell:
        return []
    out: list[str] = []
    part: list[str] = []
    end = 0
    for m in _LIST_SPLIT_RE.finditer(cell):
        part.append(cell[end : m.start()])
        end = m.end()
        if m[2] is not None:  # a separator
            out.append("".join(part))
            part = []
        else:
            part.append(m[1])
    part.append(cell[end:])
    out.append("".join(part))
    return out


# --- what each kind of export holds ----------------------------------------------------------------------


def _events(conn: sqlite3.Connection, selection: Selection) -> Iterator[tuple[Event, list[RelatedLink]]]:
    """Each event with its Related links: two cursors in the same order, merged as they go."""
    links = store.selected_links(conn, selection)
    pending = next(links, None)
    for row in store.selected_events(conn, selection):
        related: list[RelatedLink] = []
        while pending is not None and pending[0] == row.id:
            related.append(pending[1])
            pending = next(links, None)
        yield row.event, related


def _event_object(item: tuple[Event, list[RelatedLink]]) -> dict[str, Any]:
    obj = render.event_object(item[0])  # the fields of `newsq on --json`, whatever they grow to
    obj["related"] = [
        render.link_object(ln.slug, ln.day, ln.title, ln.in_archive, ln.shared_contexts) for ln in item[1]
    ]
    return obj


def _link_object(link: RelatedLink) -> dict[str, Any]:
    return {
        "source_slug": link.source_slug,
        "source_date": link.source_day,
        "target_slug": link.slug,
        "target_date": link.day,
        "target_title": link.title,
        "in_archive": link.in_archive,
        "shared_contexts": list(link.shared_contexts),
    }


def _rows(conn: sqlite3.Connection, kind: str, selection: Selection) -> Iterator[dict[str, Any]]:
    """The export's rows as JSON objects: every format is made from these."""
    if kind == "events":
        return map(_event_object, _events(conn, selection))
    if kind == "links":
        return (_link_object(link) for _id, link in store.selected_links(conn, selection))
    return map(render.context_object, store.selected_contexts(conn, selection))


def count(conn: sqlite3.Connection, kind: str, selection: Selection) -> int | None:
    """How many rows the export will have, for a progress bar (None: not known cheaply)."""
    return store.count_selected(conn, selection) if kind == "events" else None


# --- CSV ---------------------------------------------------------------------------------------------------

# Per kind: (header, how a JSON object becomes its cells). Lists are joined cells; sources are two
# lists (names, URLs) in step; an event's Related links are the slugs they point to (`links` has all).
_CSV: dict[str, tuple[list[str], Callable[[dict[str, Any]], list[str]]]] = {
    "events": (
        [
            "slug",
            "date",
            "title",
            "topic",
            "contexts",
            "summary",
            "source_names",
            "source_urls",
            "aliases",
            "path",
            "related",
        ],
        lambda o: [
            o["slug"],
            o["date"],
            o["title"],
            o["topic"] or "",
            join_list(o["contexts"]),
            o["summary"] or "",
            join_list(s["name"] for s in o["sources"]),
            join_list(s["url"] for s in o["sources"]),
            join_list(o["aliases"]),
            o["path"] or "",
            join_list(r["slug"] for r in o["related"]),
        ],
    ),
    "links": (
        ["source_slug", "source_date", "target_slug", "target_date", "target_title", "in_archive", "shared_contexts"],
        lambda o: [
            o["source_slug"],
            o["source_date"],
            o["target_slug"],
            o["target_date"] or "",
            o["target_title"],
            "true" if o["in_archive"] else "false",
            join_list(o["shared_contexts"]),
        ],
    ),
    "contexts": (["name", "events", "first", "last"], lambda o: [o["name"], str(o["events"]), o["first"], o["last"]]),
}


def _write_csv(kind: str, rows: Iterator[dict[str, Any]], out: IO[bytes], progress: Progress | None) -> int:
    header, cells = _CSV[kind]
    buffer = io.StringIO()
    # RFC 4180: CRLF after every record, fields quoted only when they hold a comma, quote or line break.
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    # Byte for byte, but not to a terminal: there a person reads it, and archive text must not drive it.
    shown = safe if out.isatty() else None
    done = 0
    for batch in _batches(rows):
        lines = (cells(o) for o in batch)
        writer.writerows(lines if shown is None else ([shown(c) for c in line] for line in lines))
        out.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
        done = _advance(out, done, len(batch), progress)
    if not done:
        out.write(buffer.getvalue().encode("utf-8"))  # the header alone
    return done


# --- JSON Lines --------------------------------------------------------------------------------------------


def _write_jsonl(rows: Iterator[dict[str, Any]], out: IO[bytes], progress: Progress | None) -> int:
    done = 0
    for batch in _batches(rows):
        out.write("".join(dumps(o) + "\n" for o in batch).encode("utf-8"))  # escaped as `newsq on --json` is
        done = _advance(out, done, len(batch), progress)
    return done


# --- Parquet -----------------------------------------------------------------------------------------------


def _arrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet
    except ImportError:
        raise ExportError("Parquet needs pyarrow: pip install 'newsq[parquet]' (or pip install pyarrow)") from None
    return pa


def parquet_schema(kind: str) -> pa.Schema:
    """The typed columns of each export: dates as DATE, lists as LIST<VARCHAR>, sources as
    LIST<STRUCT<name, url>>, an event's Related links as a list of structs."""
    pa = _arrow()
    text, texts, day = pa.string(), pa.list_(pa.string()), pa.date32()

    def f(name: str, type_: Any, nullable: bool = False) -> Any:
        return pa.field(name, type_, nullable=nullable)

    if kind == "events":
        source = pa.struct([f("name", text), f("url", text)])
        link = pa.struct(
            [
                f("slug", text),
                f("date", day, True),
                f("title", text),
                f("in_archive", pa.bool_()),
                f("shared_contexts", texts),
            ]
        )
        return pa.schema(
            [
                f("slug", text),
                f("date", day),
                f("title", text),
                f("topic", text, True),
                f("contexts", texts),
                f("summary", text, True),
                f("sources", pa.list_(source)),
                f("aliases", texts),
                f("path", text, True),
                f("related", pa.list_(link)),
            ]
        )
    if kind == "links":
        return pa.schema(
            [
                f("source_slug", text),
                f("source_date", day),
                f("target_slug", text),
                f("target_date", day, True),
                f("target_title", text),
                f("in_archive", pa.bool_()),
                f("shared_contexts", texts),
            ]
        )
    return pa.schema([f("name", text), f("events", pa.int64()), f("first", day), f("last", day)])


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _typed(kind: str, o: dict[str, Any]) -> dict[str, Any]:
    """A JSON object with its dates as dates, for Arrow."""
    if kind == "events":
        o["date"] = _day(o["date"])
        for link in o["related"]:
            link["date"] = _day(link["date"])
    elif kind == "links":
        o["source_date"] = _day(o["source_date"])
        o["target_date"] = _day(o["target_date"])
    else:
        o["first"], o["last"] = _day(o["first"]), _day(o["last"])
    return o


def _write_parquet(kind: str, rows: Iterator[dict[str, Any]], out: IO[bytes], progress: Progress | None) -> int:
    pa = _arrow()
    schema = parquet_schema(kind)
    done = 0
    group: list[Any] = []
    with pa.parquet.ParquetWriter(out, schema, compression="zstd") as writer:
        for batch in _batches(rows):
            group.append(pa.RecordBatch.from_pylist([_typed(kind, o) for o in batch], schema=schema))
            done += len(batch)
            if sum(b.num_rows for b in group) >= ROW_GROUP:
                writer.write_table(pa.Table.from_batches(group), row_group_size=ROW_GROUP)
                group = []
            if progress is not None:
                progress(done)
        if group:
            writer.write_table(pa.Table.from_batches(group), row_group_size=ROW_GROUP)
    return done


# --- writing -----------------------------------------------------------------------------------------------


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _advance(out: IO[bytes], done: int, more: int, progress: Progress | None) -> int:
    out.flush()  # a reader at the end of a pipe sees each batch as it is made
    if progress is not None:
        progress(done + more)
    return done + more


def write(
    conn: sqlite3.Connection,
    kind: str,
    fmt: str,
    selection: Selection,
    out: IO[bytes],
    progress: Progress | None = None,
) -> int:
    """Write one kind of rows in one format to a binary stream; returns how many rows."""
    if kind not in KINDS:
        raise ExportError(f"cannot export {kind!r}: choose one of {', '.join(KINDS)}")
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        _arrow()  # before any reading: a missing pyarrow is said at once
    rows = _rows(conn, kind, selection)
    if fmt == "jsonl":
        return _write_jsonl(rows, out, progress)
    if fmt == "csv":
        return _write_csv(kind, rows, out, progress)
    return _write_parquet(kind, rows, out, progress)


@contextlib.contextmanager
def target(path: Path | None, fmt: str) -> Iterator[IO[bytes]]:
    """Where an export goes: stdout (None or "-"), or a file that appears whole or not at all (it is
    written beside its place under a temporary name, and moved there once complete)."""
    if path is None or str(path) == "-":
        if fmt == "parquet":
            raise ExportError("Parquet is a file format: give --output FILE.parquet")
        sys.stdout.flush()
        yield sys.stdout.buffer
        return
    if fmt == "parquet":
        _arrow()  # before the file is made
    if path.is_dir():
        raise ExportError(f"--output {path} is a folder: name a file")
    if not path.parent.is_dir():
        raise ExportError(f"--output {path}: no folder {path.parent}")
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    cleanup.remove_on_interrupt(str(partial))  # Ctrl-C ends newsq at once: no half file left behind
    try:
        with open(partial, "wb") as fh:
            yield fh
        os.replace(partial, path)
        cleanup.keep(str(partial))
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise ExportError(f"cannot write {path} ({exc.strerror or exc})") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
