"""Time `newsq browse` on a generated archive and write the figures to bench/BROWSE.md (run.py
rewrites RESULTS.md whole).

start to first results: `newsq browse PROBE` started as a process in a pseudo-terminal (100x30),
    until the first result's title is written to the terminal (interpreter and Textual start-up,
    the cache's quick refresh, the search and the first paint); and the same with no query (the
    newest events).
keystroke to results: in one app driven by Textual's pilot (headless, 100x30), words typed one
    key at a time, each key waited on until the list for the new text is painted; the figure
    includes the app's 100 ms debounce, the part after it is given too. Meanwhile a timer on the
    UI's event loop records how late it runs: the longest stall while searches run.

Usage (from the repository root, with newsq's interpreter):
    python bench/browse.py                       # 100k events in /tmp/newsq-bench (made if missing)
    python bench/browse.py --sizes 100000,1000000
    python bench/browse.py --archive A --cache C # an archive (and cache folder) of your own
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import pty
import random
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
SECTION = "## newsq browse"
SIZE = (100, 30)


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def index(archive: Path, cache: Path) -> None:
    """Build the cache before timing: browse's start-up is measured, not a first index."""
    env = dict(os.environ, NEWSQ_CACHE_DIR=str(cache))
    subprocess.run([sys.executable, "-m", "newsq", "index", "--archive", str(archive)], env=env, check=True, cwd=REPO)


def first_title_piece(archive: Path, query: str | None) -> bytes:
    """Text the first row of the list shows: the longest run of its title outside a match (a
    match is drawn in another style, so it is not written to the terminal in one piece)."""
    from newsq import browse_reader, store
    from newsq.browse import open_cache

    opened, _path = open_cache(archive, say=lambda _note: None)
    try:
        if query is None:
            title = store.latest_events(opened.conn, 1)[0].event.title
        else:
            job = browse_reader.search_job(query)
            listing = next(iter(job(opened.conn)))
            assert isinstance(listing, browse_reader.Listing) and listing.items, f"nothing found for {query}"
            title = listing.items[0].marked or listing.items[0].event.title
    finally:
        opened.conn.close()
    piece = max(re.split("[\x02\x03]", title), key=len)[:14]
    return piece.encode("utf-8")


def start_to_first_results(archive: Path, cache: Path, query: str | None, runs: int) -> list[float]:
    wanted = first_title_piece(archive, query)
    times = []
    for _ in range(runs):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
        env = dict(os.environ, NEWSQ_CACHE_DIR=str(cache), TERM="xterm-256color")
        command = [sys.executable, "-m", "newsq", "browse", *([query] if query else []), "--archive", str(archive)]
        began = time.perf_counter()
        proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=REPO)
        seen = bytearray()
        try:
            deadline = began + 120
            while wanted not in seen:
                if proc.poll() is not None or time.perf_counter() > deadline:
                    raise SystemExit(f"browse never showed {wanted!r}: {bytes(seen[-300:])!r}")
                if select.select([master], [], [], 0.5)[0]:
                    seen += os.read(master, 1 << 16)
            times.append(time.perf_counter() - began)
            os.write(master, b"\x11")  # Ctrl+Q: quits wherever the focus is
            deadline = time.perf_counter() + 30
            while proc.poll() is None and time.perf_counter() < deadline:
                if select.select([master], [], [], 0.1)[0]:  # read on, or its writes would block
                    os.read(master, 1 << 16)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
            os.close(master)
            os.close(slave)
    return times


def words_to_type(archive: Path, count: int, seed: int) -> list[str]:
    """Words of the archive's titles, as a user would look them up: five letters or more."""
    from newsq import store
    from newsq.browse import open_cache

    opened, _path = open_cache(archive, say=lambda _note: None)
    try:
        titles = [row.event.title for row in store.latest_events(opened.conn, 500)]
    finally:
        opened.conn.close()
    words = sorted({w for t in titles for w in re.findall(r"[A-Za-z]{5,}", t)})
    return random.Random(seed).sample(words, min(count, len(words)))


async def keystrokes(archive: Path, words: list[str]) -> dict[str, Any]:
    from newsq.browse import prepare

    app, connections = prepare(archive, None, say=lambda _note: None)
    total: list[float] = []
    after_debounce: list[float] = []
    stalls: list[float] = []
    try:
        async with app.run_test(size=SIZE) as pilot:
            await app.settled()

            async def watch_loop() -> None:  # how late a 10 ms timer fires: the UI's stalls
                while True:
                    due = time.perf_counter() + 0.01
                    await asyncio.sleep(0.01)
                    stalls.append(max(0.0, time.perf_counter() - due))

            watcher = asyncio.ensure_future(watch_loop())
            for word in words:
                for i in range(1, len(word) + 1):
                    text = word[:i]
                    app.painted.clear()
                    before = app.paints
                    began = time.perf_counter()
                    await pilot.press(word[i - 1])
                    while not (app.paints > before and app.pages[-1].view.arg == text):
                        app.painted.clear()
                        await asyncio.wait_for(app.painted.wait(), timeout=120)
                    total.append(app.painted_at - began)
                    after_debounce.append(app.painted_at - app.searched_at)
                await pilot.press("ctrl+u")  # clear the box: back to the newest events
                await app.settled()
            watcher.cancel()
    finally:
        connections.close()
    return {
        "keys": len(total),
        "median": statistics.median(total),
        "p90": statistics.quantiles(total, n=10)[-1] if len(total) >= 10 else max(total),
        "after_debounce": statistics.median(after_debounce),
        "max_stall": max(stalls) if stalls else 0.0,
        "median_stall": statistics.median(stalls) if stalls else 0.0,
    }


def reading_times(archive: Path, texts: list[str]) -> list[tuple[str, float, float, int]]:
    """For each text, as the list lane reads it: (text, rows read, all matches counted, matches)."""
    from newsq import browse_reader
    from newsq.browse import open_cache

    opened, _path = open_cache(archive, say=lambda _note: None)
    out = []
    try:
        for text in texts:
            began = time.perf_counter()
            steps = []
            for step in browse_reader.search_job(text)(opened.conn):
                steps.append((time.perf_counter() - began, step))
            counted = steps[-1][1]
            assert isinstance(counted, browse_reader.Counted)
            out.append((text, steps[0][0], steps[-1][0], counted.total))
    finally:
        opened.conn.close()
    return out


def ensure_archive(workdir: Path, size: int, seed: int) -> tuple[Path, dict[str, object]]:
    sys.path.insert(0, str(BENCH_DIR))
    from run import ensure_archive as ensure  # the same archives as bench/run.py

    return ensure(workdir, size, seed)  # type: ignore[no-any-return]


def measure(archive: Path, cache: Path, probe: str, runs: int, words: int) -> dict[str, Any]:
    os.environ["NEWSQ_CACHE_DIR"] = str(cache)
    index(archive, cache)
    found = start_to_first_results(archive, cache, probe, runs)
    newest = start_to_first_results(archive, cache, None, runs)
    typed = asyncio.run(keystrokes(archive, words_to_type(archive, words, seed=1)))
    reads = reading_times(archive, [probe, "of"])
    return {"start_query": statistics.median(found), "start_newest": statistics.median(newest), "reads": reads, **typed}


def section(rows: list[tuple[str, dict[str, Any]]], command: str, runs: int, load: tuple[float, float]) -> str:
    lines = [
        SECTION,
        "",
        f"- Command: `{command}`; start-up: median of {runs} runs; keystrokes: median over every key typed.",
        f"- Load average (1 min) at the start and the end of the run: {load[0]:.1f}, {load[1]:.1f} on "
        f"{os.cpu_count()} cores (other work shares the machine: a stall can be a wait for a core).",
        "- Start: a `newsq browse` process in a pseudo-terminal of 100x30, until the first result's title",
        "  is written to it. Keystroke: one key typed (then nothing until the list is painted) to the list",
        "  of the new text painted, with the 100 ms debounce; 'after debounce' leaves it out. Stall: how",
        "  late a 10 ms timer on the UI's event loop fired while the searches ran.",
        "",
        "| size | start to first results (`browse PROBE`) | start, newest events | keystroke to results "
        "(median, p90) | after debounce | UI stall (median, max) | keys |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in rows:
        lines.append(
            f"| {label} | {fmt(r['start_query'])} | {fmt(r['start_newest'])} | {fmt(r['median'])}, "
            f"{fmt(r['p90'])} | {fmt(r['after_debounce'])} | {fmt(r['median_stall'])}, {fmt(r['max_stall'])} | "
            f"{r['keys']} |"
        )
    lines += [
        "",
        "What the list's thread spends on one search (no UI): until its rows are read, and until all its",
        "matches are counted for the header (which says 'counting…' meanwhile; typing interrupts both).",
        "",
        "| size | query | matches | rows read | all counted |",
        "|---:|---|---:|---:|---:|",
    ]
    for label, r in rows:
        for text, rows_read, counted, total in r["reads"]:
            lines.append(f"| {label} | `{text}` | {total:,} | {fmt(rows_read)} | {fmt(counted)} |")
    return "\n".join(lines) + "\n"


def write_section(out: Path, text: str) -> None:
    """Put the section at the end of the file, replacing the one an earlier run wrote."""
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    if SECTION in old:
        old = old[: old.index(SECTION)].rstrip("\n") + "\n"
    out.write_text((old + "\n" if old else "") + text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000", help="comma-separated event counts (generated archives)")
    parser.add_argument("--archive", type=Path, help="time this archive instead")
    parser.add_argument("--cache", type=Path, help="with --archive: its cache folder")
    parser.add_argument("--probe", default=None, help="with --archive: the query for start-up")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--words", type=int, default=6, help="words typed, one key at a time")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/newsq-bench"))
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "BROWSE.md")
    args = parser.parse_args(args_list)
    rows: list[tuple[str, dict[str, Any]]] = []
    load_before = os.getloadavg()[0]
    if args.archive is not None:
        cache = args.cache or args.workdir / "cache-browse"
        rows.append((args.archive.name, measure(args.archive, cache, args.probe or "Mars", args.runs, args.words)))
    else:
        for size in (int(s) for s in args.sizes.split(",") if s.strip()):
            archive, stats = ensure_archive(args.workdir.resolve(), size, 1)
            cache = args.workdir.resolve() / f"cache-{size}-seed1"
            rows.append((f"{size:,}", measure(archive, cache, str(stats["probe"]), args.runs, args.words)))
    load = (load_before, os.getloadavg()[0])
    text = section(rows, " ".join(["python bench/browse.py", *args_list]), args.runs, load)
    print(text)
    print(json.dumps(rows), file=sys.stderr)
    write_section(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
