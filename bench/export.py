"""Benchmark `newsq export` (events per second and peak RSS, per format) and shell completion's
answers on synthetic archives, and write a Markdown table (bench/EXPORT.md)."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (  # the runner's measuring kit, shared
    BENCH_DIR,
    INDEX_TIMEOUT,
    QUERY_TIMEOUT,
    CommandFailed,
    Sample,
    ensure_archive,
    fmt_mb,
    fmt_time,
    machine,
    newsq,
    run_once,
)

FORMATS = ("jsonl", "csv", "parquet")


def measure(size: int, archive: Path, cache: Path, runs: int, stats: dict[str, object]) -> list[str]:
    """Table rows (Markdown) for one archive."""
    env = dict(os.environ, NEWSQ_CACHE_DIR=str(cache))
    rows: list[str] = []
    if not any(cache.glob("*.sqlite")):
        print(f"[bench] {size}: indexing", file=sys.stderr)
        run_once(newsq("index", "--archive", str(archive)), env, (0,), INDEX_TIMEOUT)
    out_dir = Path(tempfile.mkdtemp(prefix="newsq-export-"))
    try:
        for fmt in FORMATS:
            target = out_dir / f"events.{fmt}"
            cmd = newsq("export", "--format", fmt, "--output", str(target), "--archive", str(archive))
            print(f"[bench] {size}: export {fmt}", file=sys.stderr)
            try:
                samples = [run_once(cmd, env, (0,), INDEX_TIMEOUT) for _ in range(runs)]
            except CommandFailed as exc:
                rows.append(f"| {size:,} | export events {fmt} | FAILED | | | {str(exc).splitlines()[0]} |")
                continue
            seconds = statistics.median(s.seconds for s in samples)
            peak = max(s.rss_kb for s in samples)
            rows.append(
                f"| {size:,} | export events, {fmt} | {fmt_time(seconds)} | {size / seconds:,.0f} events/s "
                f"| {fmt_mb(peak)} | {fmt_mb(target.stat().st_size / 1024)} |"
            )
        for kind in ("links", "contexts"):
            cmd = newsq("export", kind, "--output", str(out_dir / f"{kind}.jsonl"), "--archive", str(archive))
            samples = [run_once(cmd, env, (0,), INDEX_TIMEOUT) for _ in range(runs)]
            seconds = statistics.median(s.seconds for s in samples)
            rows.append(
                f"| {size:,} | export {kind}, jsonl | {fmt_time(seconds)} | | {fmt_mb(max(s.rss_kb for s in samples))} "
                f"| {fmt_mb((out_dir / f'{kind}.jsonl').stat().st_size / 1024)} |"
            )
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    rows += completion(size, archive, env, runs, stats)
    return rows


def completion(size: int, archive: Path, env: dict[str, str], runs: int, stats: dict[str, object]) -> list[str]:
    """Whole-process time of a completion answer, beside `newsq --version` and an ordinary query."""
    slug = str(stats["sample_slug"])
    cases = {
        "complete `--context` (2 letters)": ("newsq search x --context ab", "4"),
        "complete a slug for `show` (4 letters)": (f"newsq show {slug[:4]}", "2"),
    }
    rows = []
    floor = [run_once(newsq("--version"), env, (0,), QUERY_TIMEOUT) for _ in range(runs)]
    query = [
        run_once(newsq("on", str(stats["sample_day"]), "--archive", str(archive)), env, (0,), QUERY_TIMEOUT)
        for _ in range(runs)
    ]
    for measure_, (words, cword) in cases.items():
        cenv = dict(env, _NEWSQ_COMPLETE="complete_bash", COMP_WORDS=f"{words} --archive {archive}", COMP_CWORD=cword)
        # The console script: completion answers to the program name the shell calls (`python -m`
        # would be asked through another variable).
        script = [str(Path(sys.executable).with_name("newsq"))]
        samples: list[Sample] = [run_once(script, cenv, (0,), QUERY_TIMEOUT) for _ in range(runs)]
        rows.append(f"| {size:,} | {measure_}, whole process | {med(samples)} | | | |")
    rows.append(f"| {size:,} | `newsq --version`, whole process | {med(floor)} | | | |")
    rows.append(f"| {size:,} | `newsq on <day>`, whole process | {med(query)} | | | |")
    rows.append(f"| {size:,} | lookups alone, in process | {lookups(archive, env)} | | | |")
    return rows


def med(samples: list[Sample]) -> str:
    return fmt_time(statistics.median(s.seconds for s in samples))


LOOKUP_SRC = """
import sys, time
from newsq import completion
archive = sys.argv[1]
completion.contexts(archive, "a")  # imports and the first open: the shell's process pays them, above
took = []
for prefix in ("a", "ab", "mar", "z"):
    began = time.perf_counter()
    completion.contexts(archive, prefix)
    completion.slugs(archive, prefix)
    took.append(time.perf_counter() - began)
print(f"{max(took) * 1000:.1f} ms (slowest of 4 prefixes, contexts + slugs)")
"""


def lookups(archive: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", LOOKUP_SRC, str(archive)], env=env, capture_output=True, text=True, check=False
    )
    return proc.stdout.strip() or f"failed: {proc.stderr.strip()[-200:]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes", default="100000", help="comma-separated event counts (1000000 takes ~45 min to generate)"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/newsq-bench"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "EXPORT.md")
    args = parser.parse_args(argv)
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    rows: list[str] = []
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        archive, stats = ensure_archive(workdir, size, args.seed)
        rows += measure(size, archive, workdir / f"cache-{size}-seed{args.seed}", args.runs, stats)
    report = "\n".join(
        [
            "# newsq export and completion benchmark",
            "",
            *machine(),
            f"- Command: `{shlex.join(['python', 'bench/export.py', *(argv if argv is not None else sys.argv[1:])])}`",
            f"- Medians of {args.runs} run(s); peak RSS is the largest of them.",
            "",
            "| size | measure | time | throughput | peak RSS | output size |",
            "|---:|---|---:|---:|---:|---:|",
            *rows,
        ]
    )
    print(report)
    args.out.write_text(report + "\n", encoding="utf-8")
    return 1 if "FAILED" in report else 0


if __name__ == "__main__":
    sys.exit(main())
