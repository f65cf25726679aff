"""newsq export: every format read back (csv module, json, DuckDB for Parquet) and compared with
`newsq on --json` and `newsq show --json`: same events, same fields, text byte-identical."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsq import export
from tests.conftest import MakeArchive, Run

NASTY = "nasty-first-event"
PLAIN = "plain-second-event"
LATE = "a-later-event-on-another-day"

# Front matter can carry any text (YAML escapes): quotes, commas, tabs, CR LF, control characters,
# NUL, DEL, U+2028, characters outside the BMP, and the list separator and its escape.
FILES: dict[str, str | bytes] = {
    "news/2003/06/2/index.md": f"""
## [2003-06-2](/news/2003/06/2/index.md)

### [ A nasty first event.](/news/2003/06/2/{NASTY}.md)
_Context: Mars, Pipe|Name, Back\\slash, Ünïcödé 😀_

### [ Plain second event.](/news/2003/06/2/{PLAIN}.md)
_Context: mars_
""",
    f"news/2003/06/2/{NASTY}.md": f"""---
title: "A \\"quoted\\", comma,\\ttab title\\u0001 with 𝔘 and \\r\\n newline | pipe \\\\ slash"
summary: "Line one\\nLine two, \\"quoted\\"\\r\\nthird\\x7f\\u2028end\\u0000nul\\u001b[31m"
topic: "Topic, with comma"
tags: ["Mars", "Pipe|Name", "Back\\\\slash", "ctl\\u001bx", "Ünïcödé 😀"]
---
### [2003-06-2](/news/2003/06/2/index.md)

#  A nasty first event.

### Sources:

1. [Name, "with" | pipe](https://example.org/a?b=c,d|e)
2. [Second \\ source](https://example.org/b)

### Related:

1. [ Plain second event. ](/news/2003/06/2/{PLAIN}.md) _Context: Mars_
2. [ Somewhere else, "gone". ](/news/2001/01/1/gone-event.md) _Context: Mars, Pipe|Name_
3. [ A later event on another day. ](/news/2004/02/9/{LATE}.md) _Context: Mars_
""",
    "news/2004/02/9/index.md": f"""
## [2004-02-9](/news/2004/02/9/index.md)

### [ A later event on another day.](/news/2004/02/9/{LATE}.md)
_Context: Mars, Rover_
""",
    f"news/2004/02/9/{LATE}.md": f"""
### [2004-02-9](/news/2004/02/9/index.md)

##### Rover
#  A later event on another day. 

A summary with a comma, and "quotes".

### Related:

1. [ A nasty first event. ](/news/2003/06/2/{NASTY}.md) _Context: Mars_
""",
}


@pytest.fixture
def nasty(make_archive: MakeArchive) -> Path:
    return make_archive(FILES)


def on_json(run: Run, archive: Path, *extra: str) -> list[dict[str, Any]]:
    code, out, _ = run("on", "2003", "--to", "2004", "--archive", archive, "--json", *extra)
    assert code == 0
    return list(json.loads(out))


def links_to(run: Run, archive: Path, slug: str) -> list[dict[str, Any]]:
    """An event's Related links as `newsq show --json` lists them."""
    code, out, _ = run("show", slug, "--archive", archive, "--json")
    assert code == 0
    return list(json.loads(out)["related"])


def exported(run: Run, archive: Path, tmp_path: Path, kind: str, fmt: str, *extra: str) -> list[dict[str, Any]]:
    """Export, then read the result back with the reader each format is meant for."""
    target = tmp_path / f"out.{fmt}"
    code, out, err = run("export", kind, "--format", fmt, "--output", target, "--archive", archive, *extra)
    assert code in (0, 1), err
    data = target.read_bytes()
    if fmt == "jsonl":
        assert data == b"" or data.endswith(b"\n")
        return [json.loads(line) for line in data.decode("utf-8").split("\n") if line]
    if fmt == "csv":
        return from_csv(kind, data)
    return from_parquet(target)


def from_csv(kind: str, data: bytes) -> list[dict[str, Any]]:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    out = []
    for row in rows:
        if kind == "events":
            obj: dict[str, Any] = {k: row[k] or None for k in ("slug", "date", "title", "topic", "summary", "path")}
            obj["contexts"] = export.split_list(row["contexts"])
            obj["aliases"] = export.split_list(row["aliases"])
            names, urls = export.split_list(row["source_names"]), export.split_list(row["source_urls"])
            obj["sources"] = [{"name": n, "url": u} for n, u in zip(names, urls, strict=True)]
            obj["related"] = export.split_list(row["related"])
        elif kind == "links":
            obj = dict(row, in_archive=row["in_archive"] == "true", target_date=row["target_date"] or None)
            obj["shared_contexts"] = export.split_list(row["shared_contexts"])
        else:
            obj = dict(row, events=int(row["events"]))
        out.append(obj)
    return out


def from_parquet(path: Path) -> list[dict[str, Any]]:
    import duckdb

    rel = duckdb.sql(f"SELECT * FROM '{path}'")
    rows = [dict(zip(rel.columns, values, strict=True)) for values in rel.fetchall()]
    return json.loads(json.dumps(rows, default=str))  # dates as ISO text, as in JSON


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_events_are_on_json_plus_related_links(run: Run, nasty: Path, tmp_path: Path, fmt: str) -> None:
    expected = on_json(run, nasty)
    got = exported(run, nasty, tmp_path, "events", fmt)
    assert [e["slug"] for e in got] == [e["slug"] for e in expected] == [NASTY, PLAIN, LATE]
    for want, have in zip(expected, got, strict=True):
        related = have.pop("related")
        assert have == want  # every field, text byte for byte (after the CSV list cells are split)
        links = links_to(run, nasty, want["slug"])
        assert related == ([link["slug"] for link in links] if fmt == "csv" else links)
    first = got[0]
    assert "\x00" in first["summary"] and "\nnewline" in first["title"] and "𝔘" in first["title"]
    assert "Pipe|Name" in first["contexts"] and "Back\\slash" in first["contexts"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_links_are_one_row_per_related_link(run: Run, nasty: Path, tmp_path: Path, fmt: str) -> None:
    got = exported(run, nasty, tmp_path, "links", fmt)
    want = []
    for event in on_json(run, nasty):
        for link in links_to(run, nasty, event["slug"]):
            want.append(
                {
                    "source_slug": event["slug"],
                    "source_date": event["date"],
                    "target_slug": link["slug"],
                    "target_date": link["date"],
                    "target_title": link["title"],
                    "in_archive": link["in_archive"],
                    "shared_contexts": link["shared_contexts"],
                }
            )
    assert got == want
    assert [g["in_archive"] for g in got] == [True, False, True, True]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_contexts_count_the_events_that_have_them(run: Run, nasty: Path, tmp_path: Path, fmt: str) -> None:
    events = on_json(run, nasty)
    got = exported(run, nasty, tmp_path, "contexts", fmt)
    assert sum(1 for c in got if c["name"].casefold() == "mars") == 1  # "Mars" and "mars" are one context
    for context in got:
        having = [e["date"] for e in events if context["name"].casefold() in {c.casefold() for c in e["contexts"]}]
        assert (context["events"], context["first"], context["last"]) == (len(having), min(having), max(having))
    assert got[0] == {"name": "Mars", "events": 3, "first": "2003-06-02", "last": "2004-02-09"}


def test_filters_are_the_query_commands_filters(run: Run, nasty: Path, tmp_path: Path) -> None:
    def slugs(*extra: str) -> list[str]:
        return [e["slug"] for e in exported(run, nasty, tmp_path, "events", "jsonl", *extra)]

    assert slugs("--from", "2004") == [LATE]
    assert slugs("--to", "2003-06") == [NASTY, PLAIN]
    assert slugs("--context", "ROVER") == [LATE]  # any case, as --context is everywhere
    assert slugs("--context", "mars", "--context", "pipe|name") == [NASTY]  # all of them
    assert slugs("--query", "later OR plain") == [PLAIN, LATE]  # every match, in date order
    code, out, _ = run("search", "later OR plain", "--archive", nasty, "--json", "--exact")
    assert sorted(h["slug"] for h in json.loads(out)) == [LATE, PLAIN]
    links = exported(run, nasty, tmp_path, "links", "jsonl", "--from", "2004")
    assert [link["source_slug"] for link in links] == [LATE]
    contexts = exported(run, nasty, tmp_path, "contexts", "jsonl", "--from", "2004")
    assert {c["name"]: c["events"] for c in contexts} == {"Mars": 1, "Rover": 1}


def test_parquet_columns_are_typed(run: Run, nasty: Path, tmp_path: Path) -> None:
    import duckdb

    types: dict[str, str] = {}
    for kind in ("events", "links", "contexts"):
        target = tmp_path / f"{kind}.parquet"
        assert run("export", kind, "-f", "parquet", "-o", target, "--archive", nasty)[0] == 0
        types |= {
            f"{kind}.{name}": kind_ for name, kind_, *_ in duckdb.sql(f"DESCRIBE SELECT * FROM '{target}'").fetchall()
        }
    assert types["events.date"] == "DATE" and types["links.target_date"] == "DATE" and types["contexts.first"] == "DATE"
    assert types["events.contexts"] == types["events.aliases"] == types["links.shared_contexts"] == "VARCHAR[]"
    assert types["events.sources"] == 'STRUCT("name" VARCHAR, url VARCHAR)[]'
    assert types["events.related"].startswith("STRUCT(slug VARCHAR, date DATE, title VARCHAR, in_archive BOOLEAN")
    assert types["contexts.events"] == "BIGINT"


def test_stdout_is_the_default_and_jsonl_the_default_format(run: Run, nasty: Path) -> None:
    code, out, err = run("export", "--archive", nasty)
    assert code == 0 and "wrote" not in err
    assert [json.loads(line)["slug"] for line in out.splitlines()] == [NASTY, PLAIN, LATE]
    from newsq.cli import app

    result = run.runner.invoke(app, ["export", "contexts", "-f", "csv", "--archive", str(nasty)])
    assert result.stdout_bytes.startswith(b"name,events,first,last\r\nMars,3,")  # CRLF, as RFC 4180 has it


def test_nothing_found_is_exit_1_with_a_file_that_has_the_header(run: Run, nasty: Path, tmp_path: Path) -> None:
    target = tmp_path / "none.csv"
    code, _, err = run("export", "-f", "csv", "-o", target, "--from", "2010", "--archive", nasty)
    assert code == 1 and "nothing to export" in err
    assert (
        target.read_bytes()
        == b"slug,date,title,topic,contexts,summary,source_names,source_urls,aliases,path,related\r\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "parquet"], "give --output FILE.parquet"),
        (["-o", "{tmp}/no/such/folder/x.csv"], "no folder"),
        (["-o", "{tmp}"], "is a folder"),
        (["--context", "Marz"], "no context 'Marz'"),
        (["--query", "-only"], "only excludes"),
        (["--from", "2004", "--to", "2003"], "is before"),
    ],
)
def test_bad_requests_are_one_line_exit_2(run: Run, nasty: Path, tmp_path: Path, args: list[str], message: str) -> None:
    run("index", "--archive", nasty)  # its summary line is not what this test reads
    code, out, err = run("export", *[a.format(tmp=tmp_path) for a in args], "--archive", nasty)
    assert (code, out) == (2, "")
    assert message in err and err.count("\n") == 1


def test_a_failed_export_leaves_the_old_file_and_no_partial_one(run: Run, nasty: Path, tmp_path: Path) -> None:
    target = tmp_path / "kept.jsonl"
    target.write_text("old\n", encoding="utf-8")
    assert run("export", "-o", target, "--context", "nosuch", "--archive", nasty)[0] == 2
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []
    assert run("export", "-o", target, "--archive", nasty)[0] == 0
    assert len(target.read_text(encoding="utf-8").splitlines()) == 3


def test_parquet_without_pyarrow_says_how_to_install_it(
    run: Run, nasty: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now fails
    code, _, err = run("export", "-f", "parquet", "-o", tmp_path / "x.parquet", "--archive", nasty)
    assert code == 2 and err.count("\n") == 1
    assert "pip install 'newsq[parquet]'" in err
    assert not (tmp_path / "x.parquet").exists()


def test_rows_stream_in_batches(nasty: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first batch is written before the last event is read: nothing holds every row."""
    from newsq import store
    from newsq.archive import choose_archive
    from newsq.cache import Cache
    from newsq.models import Selection

    monkeypatch.setattr(export, "BATCH", 1)
    read: list[str] = []
    events = store.selected_events

    def counted(*args: Any) -> Any:
        for row in events(*args):
            read.append(row.event.slug)
            yield row

    monkeypatch.setattr(store, "selected_events", counted)
    seen_at_write: list[int] = []

    class Sink(io.BytesIO):
        def write(self, data: Any) -> int:
            seen_at_write.append(len(read))
            return super().write(data)

    conn = Cache(choose_archive(nasty).archive).open().conn
    for fmt in ("jsonl", "csv"):
        read.clear()
        seen_at_write.clear()
        assert export.write(conn, "events", fmt, Selection(), Sink()) == 3
        assert seen_at_write[:2] == [1, 2]


@given(st.lists(st.text(min_size=1)) | st.lists(st.text(), min_size=2))
def test_list_cells_split_back_to_the_same_values(values: list[str]) -> None:
    assert export.split_list(export.join_list(values)) == values


def test_list_cells_are_documented_and_plain_when_nothing_needs_escaping() -> None:
    assert export.join_list(["Mars", "Mars Express"]) == "Mars|Mars Express"
    assert export.join_list(["a|b", "c\\d"]) == "a\\|b|c\\\\d"
    readme = Path(__file__).parent.parent.joinpath("README.md").read_text(encoding="utf-8")
    assert "joined by `|`" in readme and "`\\|`" in readme and "`\\\\`" in readme


def test_closed_pipe_ends_quietly() -> None:
    """`newsq export | head -1` on the sample (half a megabyte: more than a pipe holds)."""
    env = dict(os.environ)
    proc = subprocess.run(
        f"{sys.executable} -m newsq export | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["date"] == "1999-01-01"
    assert proc.stderr == "" or proc.stderr.startswith("newsq: built the cache")
    assert "Traceback" not in proc.stderr and "Exception" not in proc.stderr


class _Terminal(io.BytesIO):
    def isatty(self) -> bool:
        return True


def test_csv_on_a_terminal_cannot_drive_it_and_stays_byte_for_byte_elsewhere(run: Run, nasty: Path) -> None:
    """`newsq export --format csv` with no --output, in a terminal: the summary's ESC [31m must not
    turn the terminal red; to a pipe or a file the text stays as the archive has it."""
    import sqlite3

    from newsq.archive import find_archive
    from newsq.cache import cache_path
    from newsq.models import Selection

    assert run("index", "--archive", nasty)[0] == 0
    conn = sqlite3.connect(cache_path(find_archive(nasty)))
    shown, piped = _Terminal(), io.BytesIO()
    for out in (shown, piped):
        assert export.write(conn, "events", "csv", Selection(), out) == 3
    conn.close()
    assert b"\x1b" not in shown.getvalue() and b"\\x1b[31m" in shown.getvalue()
    assert b"\x1b[31m" in piped.getvalue()
