"""Write a deterministic synthetic news archive in the Context layout for benchmarks and tests."""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import json
import multiprocessing
import os
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

MARKER = ".newsq-bench.json"
SLUG_MAX = 139
FIRST_DAY = dt.date(1990, 1, 1)
CONTEXT_COUNT = 20_000
PSEUDO_WORDS = 6_000

# A hand-written list of everyday and news-flavoured English words; the pseudo-words below
# give the index a long tail, these give it the frequent terms real headlines are full of.
ENGLISH = (
    "the of and to in a is that for on with as by at from it an be are was were has have had"
    " will after over into about than more most says said new first last two three four five"
    " people government president minister police army forces troops officials leaders court"
    " state city country region capital border island coast river north south east west"
    " killed dies injured wounded arrested released charged accused sentenced elected wins"
    " loses announces launches opens closes signs rejects approves passes bans lifts claims"
    " attack bombing explosion fire flood earthquake storm hurricane drought crash collision"
    " election vote party opposition parliament congress senate reform law bill budget tax"
    " economy market stock bank trade oil gas price inflation growth debt crisis deal talks"
    " peace war ceasefire treaty agreement summit meeting visit protest strike rally march"
    " health hospital virus outbreak vaccine disease doctors patients research scientists"
    " space probe mission satellite rocket orbit planet telescope discovery study report"
    " school university students teachers children women men workers families residents"
    " company chief executive founder merger shares profit loss record year month week day"
    " today tomorrow yesterday night morning early late national international local federal"
    " foreign domestic military civil nuclear security intelligence investigation inquiry"
    " prison trial judge jury verdict appeal ruling supreme high lower central western eastern"
    " northern southern united republic kingdom union council committee commission agency"
    " ministry department office service network media press radio television newspaper"
    " film music festival award prize champion team match game cup league season final"
    " despite amid against between during before while near under without within across"
    " least many several dozens hundreds thousands millions some all other another each"
    " major minor large small big long short old young former current future public private"
    " free open fair safe dangerous deadly violent peaceful historic official unofficial"
    " plan plans proposal policy program project system process support opposition demand"
    " calls call urges warns threatens promises denies confirms reports reveals shows finds"
    " begins ends continues resumes suspends delays cancels returns leaves enters joins"
)

ONSETS = (
    "b",
    "br",
    "c",
    "ch",
    "d",
    "dr",
    "f",
    "fl",
    "g",
    "gr",
    "h",
    "j",
    "k",
    "kr",
    "l",
    "m",
    "n",
    "p",
    "pl",
    "qu",
    "r",
    "s",
    "sh",
    "sk",
    "st",
    "t",
    "tr",
    "v",
    "w",
    "y",
    "z",
    "th",
    "",
)
VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "ou", "ia", "y")
CODAS = ("", "", "", "n", "r", "l", "s", "t", "m", "nd", "rk", "sh", "x", "th", "ng")
OUTLET_KINDS = (
    "Times",
    "Post",
    "Herald",
    "Tribune",
    "Gazette",
    "Daily",
    "Wire",
    "News",
    "Journal",
)
CONTEXT_SHAPES = (
    "{a}",
    "{a} {b}",
    "{a}",
    "{a} {b}",
    "{a} of {b}",
    "War in {a} ({y}-present)",
    "{a} {b} {c}",
)


@dataclass(frozen=True)
class Language:
    """Word lists shared by every worker, derived only from the probe word."""

    words: list[str]
    word_weights: list[float]
    contexts: list[str]
    context_weights: list[float]
    topics: list[str]
    outlets: list[str]


@dataclass(frozen=True)
class Plan:
    """The archive-wide facts a day's writer needs about every other day."""

    out: Path
    seed: int
    probe: str
    days: list[dt.date]
    starts: list[int]  # global index of each day's first event; len(days) + 1 entries
    titles: list[str]
    slugs: list[str]
    contexts: list[tuple[int, ...]]
    postings: dict[int, list[int]]
    probe_events: frozenset[int]


_LANG: Language | None = None
_PLAN: Plan | None = None


def slugify(title: str) -> str:
    """Turn a title into its Context slug: lowercase, non-alphanumeric runs to '-', cut to 139."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


def swap_typo(word: str) -> str:
    """Return the word with two neighbouring letters in its middle swapped."""
    if len(word) < 3:
        return word[::-1]
    i = len(word) // 2 - 1
    if word[i] == word[i + 1]:
        i = max(0, i - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _zipf(n: int, exponent: float, offset: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank + offset) ** exponent for rank in range(n)))


def build_language(probe: str) -> Language:
    """Build the vocabulary, context names, topics and outlets; none of them holds the probe."""
    rng = random.Random("newsq-bench-language")
    banned = (probe.lower(), swap_typo(probe.lower()))

    def clean(word: str) -> bool:
        return not any(b in word.lower() for b in banned)

    english = [w for w in dict.fromkeys(ENGLISH.split()) if clean(w)]
    pseudo: dict[str, None] = {}
    while len(pseudo) < PSEUDO_WORDS:
        parts = [rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(rng.randint(2, 4))]
        word = "".join(parts)
        if 4 <= len(word) <= 14 and clean(word) and word not in english:
            pseudo[word] = None
    pseudo_words = [w.capitalize() if i % 3 == 0 else w for i, w in enumerate(pseudo)]
    # Interleave so the Zipf head mixes common English with a few frequent "names".
    words = english + pseudo_words
    names = [w.capitalize() for w in pseudo]

    contexts: dict[str, None] = {}
    while len(contexts) < CONTEXT_COUNT:
        shape = rng.choice(CONTEXT_SHAPES)
        name = shape.format(
            a=rng.choice(names),
            b=rng.choice(names),
            c=rng.choice(names),
            y=rng.randint(1950, 2040),
        )
        if clean(name):
            contexts[name] = None
    context_list = list(contexts)
    outlets = [f"{rng.choice(names)} {rng.choice(OUTLET_KINDS)}" for _ in range(60)]
    return Language(
        words=words,
        word_weights=_zipf(len(words), 0.9, 8.0),
        contexts=context_list,
        context_weights=_zipf(len(context_list), 1.1, 1.0),
        topics=context_list[:400],
        outlets=[o for o in dict.fromkeys(outlets) if clean(o)],
    )


def _lang() -> Language:
    assert _LANG is not None
    return _LANG


def _sentence(rng: random.Random, low: int, high: int) -> list[str]:
    lang = _lang()
    words = rng.choices(lang.words, cum_weights=lang.word_weights, k=rng.randint(low, high))
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), str(rng.randint(2, 999)))
    if len(words) > 8 and rng.random() < 0.4:
        cut = rng.randrange(3, len(words) - 2)
        words[cut] += ","
    words[0] = words[0][:1].upper() + words[0][1:]
    return words


def _title(rng: random.Random, probe: str | None) -> str:
    words = _sentence(rng, 6, 20)
    if rng.random() < 0.25:
        words[-1] += "."
        words += _sentence(rng, 4, 14)
    if probe is not None:
        at = rng.randrange(len(words) + 1)
        words.insert(at, probe.capitalize() if at == 0 else probe)
    return " ".join(words) + "."


def _summary(rng: random.Random) -> str:
    return " ".join(" ".join(_sentence(rng, 8, 24)) + "." for _ in range(rng.randint(1, 3)))


def _pick_contexts(rng: random.Random) -> tuple[int, ...]:
    lang = _lang()
    want = rng.randint(2, 6)
    picked: dict[int, None] = {}
    while len(picked) < want:
        for c in rng.choices(range(len(lang.contexts)), cum_weights=lang.context_weights, k=want):
            picked[c] = None
    return tuple(itertools.islice(picked, want))


def _day_titles(
    job: tuple[int, int, int, int, frozenset[int]],
) -> tuple[list[str], list[str], list[tuple[int, ...]]]:
    """Phase 1 for one day: titles, unique slugs and contexts of its events."""
    seed, day_no, start, end, probes = job
    rng = random.Random(f"{seed}/title/{day_no}")
    titles: list[str] = []
    slugs: list[str] = []
    ctxs: list[tuple[int, ...]] = []
    seen: set[str] = set()
    probe = _PROBE_FOR_WORKERS
    for gi in range(start, end):
        title = _title(rng, probe if gi in probes else None)
        slug = slugify(title)
        while slug in seen or not slug:
            title = " ".join(_sentence(rng, 2, 4)) + " " + title
            slug = slugify(title)
        seen.add(slug)
        titles.append(title)
        slugs.append(slug)
        ctxs.append(_pick_contexts(rng))
    return titles, slugs, ctxs


_PROBE_FOR_WORKERS = ""


def _day_dir(day: dt.date) -> str:
    return f"{day.year:04d}/{day.month:02d}/{day.day}"


def _day_label(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}-{day.day}"


def _context_text(ids: list[int] | tuple[int, ...]) -> str:
    names = _lang().contexts
    return ", ".join(sorted((names[i] for i in ids), key=str.lower))


def _related(rng: random.Random, plan: Plan, gi: int) -> tuple[list[str], int]:
    """Numbered Related lines (mostly earlier events sharing a context, some absent) and how many are real."""
    real = 0
    mine = plan.contexts[gi]
    lines: list[str] = []
    used = {gi}
    for n in range(rng.choice((0, 0, 1, 2, 3, 4, 5, 6, 7, 8))):
        shared_ctx = rng.choice(mine)
        posting = plan.postings[shared_ctx]
        hi = bisect.bisect_left(posting, gi)
        target = -1
        if hi > 0 and rng.random() < 0.85:
            pos = hi - 1 - min(hi - 1, int(rng.expovariate(1 / 40))) if rng.random() < 0.6 else rng.randrange(hi)
            target = posting[pos]
        if target >= 0 and target not in used:
            used.add(target)
            tday = plan.days[bisect.bisect_right(plan.starts, target) - 1]
            title, slug = plan.titles[target], plan.slugs[target]
            shared = sorted(set(mine) & set(plan.contexts[target]))
            real += 1
        else:
            # An event the archive does not hold: before 1990, or on a real day under an unknown slug.
            title = " ".join(_sentence(rng, 6, 16)) + "."
            slug = slugify(title)
            if rng.random() < 0.5:
                tday = dt.date(rng.randint(1980, 1989), rng.randint(1, 12), rng.randint(1, 28))
            else:
                tday = plan.days[rng.randrange(len(plan.days))]
            shared = [shared_ctx]
        lines.append(f"{n + 1}. [{title} ](/news/{_day_dir(tday)}/{slug}.md) _Context: {_context_text(shared)}_\n")
    return lines, real


def _write_day(day_no: int) -> tuple[int, int, str]:
    """Phase 2 for one day: write its pages; return (day, files written, slug with most real Related)."""
    plan = _PLAN
    assert plan is not None
    lang = _lang()
    rng = random.Random(f"{plan.seed}/page/{day_no}")
    day = plan.days[day_no]
    ddir = _day_dir(day)
    label = _day_label(day)
    folder = plan.out / "news" / ddir
    folder.mkdir(parents=True, exist_ok=True)
    day_lines: list[str] = []
    if rng.random() < 0.5:
        day_lines.append(
            f"Formats: [HTML]({ddir}/index.html)  [JSON]({ddir}/index.json)  [XML]({ddir}/index.xml)  \n\n"
        )
    day_lines.append(f"## [{label}](/news/{ddir}/index.md)\n\n")
    files = 0
    best = (-1, "")
    for gi in range(plan.starts[day_no], plan.starts[day_no + 1]):
        title, slug = plan.titles[gi], plan.slugs[gi]
        topic = lang.topics[rng.randrange(len(lang.topics))] if rng.random() < 0.2 else None
        summary = _summary(rng) if rng.random() < 0.85 else None
        base = f"/news/{ddir}/{slug}"
        page: list[str] = []
        if rng.random() < 0.9:
            page.append(f"\nFormats: [HTML]({base}.html)  [JSON]({base}.json)  [XML]({base}.xml)  \n")
        page.append(f"\n### [{label}](/news/{ddir}/index.md)\n\n")
        if topic:
            page.append(f"##### {topic}\n")
        page.append(f"#  {title} \n\n")
        if summary:
            page.append(f"{summary}\n\n\n")
        if rng.random() < 0.8:
            page.append("### Source:\n\n" if rng.random() < 0.9 else "### Sources:\n\n")
            for n in range(rng.randint(1, 2)):
                outlet = lang.outlets[rng.randrange(len(lang.outlets))]
                host = re.sub(r"[^a-z]+", "", outlet.lower())
                page.append(
                    f"{n + 1}. [{outlet}](https://www.{host}.com/{day.year}/{slug[:60]}-{rng.randint(1000, 99999)})\n"
                )
            page.append("\n")
        related, real = _related(rng, plan, gi)
        if real > best[0]:
            best = (real, slug)
        if related:
            page.append("### Related:\n\n")
            page.extend(related)
        with open(folder / f"{slug}.md", "w", encoding="utf-8", newline="\n") as fh:
            fh.write("".join(page))
        files += 1
        if topic and rng.random() < 0.7:
            day_lines.append(f"##### {topic}\n")
        day_lines.append(f"### [{title} ]({base}.md)\n")
        if summary and rng.random() < 0.15:
            day_lines.append(summary.split(". ")[0].rstrip(".") + ".\n\n")
        else:
            day_lines.append(f"_Context: {_context_text(plan.contexts[gi])}_\n\n")
    if day_no > 0:
        prev = plan.days[day_no - 1]
        day_lines.append(f"## [Previous Day...](/news/{_day_dir(prev)}/index.md)\n\n")
    with open(folder / "index.md", "w", encoding="utf-8", newline="\n") as fh:
        fh.write("".join(day_lines))
    return day_no, files + 1, best[1]


def _set_worker_state(lang: Language, probe: str) -> None:
    global _LANG, _PROBE_FOR_WORKERS
    _LANG = lang
    _PROBE_FOR_WORKERS = probe


def _layout(events: int, rng: random.Random) -> tuple[list[dt.date], list[int]]:
    """Choose the days (1990 onward, a few skipped) and how many events each one holds."""
    days: list[dt.date] = []
    starts = [0]
    day = FIRST_DAY
    while starts[-1] < events:
        if rng.random() >= 0.04:
            days.append(day)
            starts.append(min(events, starts[-1] + rng.randint(20, 40)))
        day += dt.timedelta(days=1)
    return days, starts


def generate(
    out: Path,
    events: int,
    seed: int = 1,
    probe: str = "zanzibarite",
    probe_share: float = 0.01,
    workers: int | None = None,
) -> dict[str, object]:
    """Write the archive under out/news and return its statistics (also saved in out/.newsq-bench.json)."""
    global _PLAN
    began = time.perf_counter()
    if events < 1:
        raise ValueError("events must be at least 1")
    probe = probe.lower()
    if not re.fullmatch(r"[a-z]+", probe):
        raise ValueError("probe must be one word of letters a-z")
    out = Path(out)
    news = out / "news"
    if news.exists():
        if not (out / MARKER).exists():
            raise FileExistsError(f"{news} exists and was not made by this generator; refusing to overwrite")
        shutil.rmtree(news)
    (out / MARKER).unlink(missing_ok=True)
    news.mkdir(parents=True)

    lang = build_language(probe)
    _set_worker_state(lang, probe)
    rng = random.Random(f"{seed}/layout")
    days, starts = _layout(events, rng)
    probe_events = frozenset(rng.sample(range(events), min(events, round(events * probe_share))))
    workers = workers or os.cpu_count() or 1
    if events < 5_000:
        workers = 1

    ordered = sorted(probe_events)
    jobs = [
        (
            seed,
            d,
            starts[d],
            starts[d + 1],
            frozenset(ordered[bisect.bisect_left(ordered, starts[d]) : bisect.bisect_left(ordered, starts[d + 1])]),
        )
        for d in range(len(days))
    ]

    titles: list[str] = []
    slugs: list[str] = []
    contexts: list[tuple[int, ...]] = []
    ctx = multiprocessing.get_context("fork")
    if workers > 1:
        with ctx.Pool(workers) as pool:
            parts = pool.map(_day_titles, jobs, chunksize=max(1, len(jobs) // (workers * 8)))
    else:
        parts = [_day_titles(job) for job in jobs]
    for t, s, cs in parts:
        titles += t
        slugs += s
        contexts += cs
    del parts

    postings: dict[int, list[int]] = {}
    for gi, ids in enumerate(contexts):
        for c in ids:
            postings.setdefault(c, []).append(gi)
    _PLAN = Plan(out, seed, probe, days, starts, titles, slugs, contexts, postings, probe_events)
    try:
        if workers > 1:
            # Forked workers inherit the plan; each day's output depends only on (seed, day).
            with ctx.Pool(workers) as pool:
                written = list(pool.imap_unordered(_write_day, range(len(days)), chunksize=16))
        else:
            written = [_write_day(d) for d in range(len(days))]
    finally:
        _PLAN = None

    mid = len(days) // 2
    files = sum(w[1] for w in written)
    sample_slug = next(w[2] for w in written if w[0] == mid)
    stats: dict[str, object] = {
        "events": events,
        "days": len(days),
        "files": files,
        "probe": probe,
        "typo": swap_typo(probe.lower()),  # appears nowhere: the typo search's query
        "probe_hits": len(probe_events),
        "sample_day": days[mid].isoformat(),
        "sample_slug": sample_slug,
        "first_day": days[0].isoformat(),
        "last_day": days[-1].isoformat(),
        "seed": seed,
        "probe_share": probe_share,
        "seconds": round(time.perf_counter() - began, 2),
    }
    (out / MARKER).write_text(json.dumps(stats, sort_keys=True) + "\n", encoding="utf-8")
    return stats


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: parse options, generate, print the statistics as one JSON line on stderr."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out_dir", type=Path, help="folder to create; the archive goes to OUT_DIR/news")
    parser.add_argument("--events", type=int, required=True, help="number of events to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--probe", default="zanzibarite", help="word planted in a known share of titles")
    parser.add_argument("--probe-share", type=float, default=0.01)
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    args = parser.parse_args(argv)
    try:
        stats = generate(
            args.out_dir,
            args.events,
            args.seed,
            args.probe,
            args.probe_share,
            args.workers,
        )
    except (ValueError, FileExistsError) as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(stats), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
