"""Hostile archives: bad input is skipped with a warning, output stays inert, no argument crashes newsq."""

from __future__ import annotations

import ctypes
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import MakeArchive, Run

REPO = Path(__file__).resolve().parent.parent

ALPHA = "the-alpha-probe-lands-on-mars"
BETA = "beta-talks-open-in-geneva"
GAMMA = "gamma-storm-hits-the-coast"


def _page(day: str, title: str, body: str = "") -> str:
    y, m, d = day.split("-")
    return (
        f"Formats: [HTML](/news/{y}/{m}/{int(d)}/x.html)\n\n### [{y}-{m}-{int(d)}](/news/{y}/{m}/{int(d)}/index.md)\n\n"
        f"#  {title} \n\n{body}"
    )


GOOD: dict[str, str | bytes] = {
    "news/2020/01/5/index.md": (
        "## [2020-01-5](/news/2020/01/5/index.md)\n\n"
        f"### [The alpha probe lands on Mars. ](/news/2020/01/5/{ALPHA}.md)\n_Context: Mars, NASA_\n\n"
        f"### [Beta talks open in Geneva. ](/news/2020/01/5/{BETA}.md)\n_Context: Geneva_\n\n"
        "## [Previous Day...](/news/2020/01/4/index.md)\n"
    ),
    f"news/2020/01/5/{ALPHA}.md": _page(
        "2020-01-05",
        "The alpha probe lands on Mars.",
        "A summary of the landing.\n\n### Source:\n\n1. [Wire](https://example.com/alpha)\n",
    ),
    f"news/2020/01/5/{BETA}.md": _page("2020-01-05", "Beta talks open in Geneva."),
    "news/2020/01/6/index.md": (
        "## [2020-01-6](/news/2020/01/6/index.md)\n\n"
        f"### [Gamma storm hits the coast. ](/news/2020/01/6/{GAMMA}.md)\n_Context: Weather_\n"
    ),
    f"news/2020/01/6/{GAMMA}.md": _page("2020-01-06", "Gamma storm hits the coast."),
}

GOOD_TITLES = {
    ALPHA: "The alpha probe lands on Mars.",
    BETA: "Beta talks open in Geneva.",
    GAMMA: "Gamma storm hits the coast.",
}


def _check_good(run: Run, root: Path) -> list[dict[str, object]]:
    """Every good page is indexed as it should be; returns all events of the two days."""
    code, out, err = run("on", "2020-01-05", "--to", "2020-01-06", "--json", "--archive", root)
    assert code == 0, err
    events = json.loads(out)
    titles = {e["slug"]: e["title"] for e in events}
    for slug, title in GOOD_TITLES.items():
        assert titles.get(slug) == title, (slug, titles)
    code, out, err = run("show", ALPHA, "--json", "--archive", root)
    assert code == 0, err
    alpha = json.loads(out)
    assert alpha["contexts"] == ["Mars", "NASA"]
    assert alpha["summary"] == "A summary of the landing."
    assert alpha["sources"] == [{"name": "Wire", "url": "https://example.com/alpha"}]
    assert alpha["path"] == f"news/2020/01/5/{ALPHA}.md"
    return events


def _index(run: Run, root: Path) -> tuple[str, list[tuple[str, str]], int]:
    """`newsq index --verbose`: (stderr, [(path, reason)] warnings, warning count of the summary)."""
    code, out, err = run("index", "--verbose", "--archive", root)
    assert code == 0, err
    assert all(line.startswith("newsq: ") for line in err.splitlines()), err
    assert out == ""
    warnings = [(m[1], m[2]) for line in err.splitlines() if (m := re.match(r"newsq: warning: (.*?): (.*)$", line))]
    summary = re.search(r"(\d[\d,]*) warnings?$", err.splitlines()[0])
    assert summary is not None, err
    count = int(summary[1].replace(",", ""))
    assert count == len(warnings), err
    return err, warnings, count


def _warned(warnings: list[tuple[str, str]], path: str, reason: str) -> bool:
    return any(p == path and re.search(reason, r, re.IGNORECASE) for p, r in warnings)


# --- each hostile case: adds its bad file(s) to a good archive, says which warning to expect -----------

D = "news/2020/01/5"
Case = Callable[[Path], tuple[str | None, str]]  # (warned path, reason regex), or (None, "") for no warning


def _write(root: Path, rel: str, data: bytes | str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)


def case_empty(root: Path) -> tuple[str | None, str]:
    _write(root, f"{D}/empty.md", b"")
    return f"{D}/empty.md", "no title"


def case_binary(root: Path) -> tuple[str | None, str]:
    _write(root, f"{D}/binary.md", bytes(range(256)) * 64)
    return f"{D}/binary.md", "binary"


def case_binary_no_nul(root: Path) -> tuple[str | None, str]:
    _write(root, f"{D}/noise.md", bytes(range(0x80, 0x100)) * 64)
    return f"{D}/noise.md", "binary|UTF-8"


def case_invalid_utf8(root: Path) -> tuple[str | None, str]:
    _write(
        root,
        f"{D}/bad-utf8.md",
        _page("2020-01-05", "Caf\xe9 owners protest", "Sum \xff\xfe mary.\n").encode("latin-1"),
    )
    return f"{D}/bad-utf8.md", "invalid UTF-8"


def case_crlf(root: Path) -> tuple[str | None, str]:
    _write(root, f"{D}/crlf.md", _page("2020-01-05", "Crlf page title here", "Crlf summary.\n").replace("\n", "\r\n"))
    return None, ""


def case_bom(root: Path) -> tuple[str | None, str]:
    _write(root, f"{D}/bom.md", b"\xef\xbb\xbf" + _page("2020-01-05", "Bom page title here").encode())
    return None, ""


def case_huge(root: Path) -> tuple[str | None, str]:
    line = b"lorem ipsum dolor sit amet " * 40 + b"\n"
    body = line * (50 * 1024 * 1024 // len(line) + 1)
    _write(root, f"{D}/huge.md", _page("2020-01-05", "Huge page title here").encode() + body)
    return f"{D}/huge.md", "large"


def case_broken_yaml(root: Path) -> tuple[str | None, str]:
    _write(root, f"{D}/yaml.md", "---\ntitle: [unclosed\ndate: : :\n---\n# Broken yaml page title\n")
    return f"{D}/yaml.md", "front matter"


def case_yaml_not_mapping(root: Path) -> tuple[str | None, str]:
    _write(root, f"{D}/list.md", "---\n- one\n- two\n---\n# List front matter page\n")
    return f"{D}/list.md", "not a mapping"


def case_markup_title(root: Path) -> tuple[str | None, str]:
    _write(root, f"{D}/markup.md", _page("2020-01-05", TRICKY_TITLE))
    return None, ""


def case_dotdot_related(root: Path) -> tuple[str | None, str]:
    _write(
        root,
        f"{D}/dotdot.md",
        _page(
            "2020-01-05",
            "Dotdot page title here",
            "### Related:\n\n"
            "1. [Outside](/news/../../../../outside/news/2020/01/5/secret.md) _Context: Mars_\n"
            "2. [Passwd](../../../../../../etc/passwd.md)\n",
        ),
    )
    return f"{D}/dotdot.md", r"outside the archive|\.\."


def case_impossible_date(root: Path) -> tuple[str | None, str]:
    _write(root, "news/2001/13/40/index.md", "### [Nope](/news/2001/13/40/nope.md)\n")
    _write(root, "news/2001/13/40/nope.md", "# Nope\n")
    return "news/2001/13/40/nope.md", "impossible date"


def case_no_title(root: Path) -> tuple[str | None, str]:
    _write(root, f"{D}/untitled.md", "Just a summary, no title line.\n")
    return f"{D}/untitled.md", "no title"


def case_symlink_loop(root: Path) -> tuple[str | None, str]:
    os.symlink("loop-b.md", root / D / "loop-a.md")
    os.symlink("loop-a.md", root / D / "loop-b.md")
    return f"{D}/loop-a.md", "loop"


def case_symlink_outside(root: Path) -> tuple[str | None, str]:
    outside = root.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.md").write_text(_page("2020-01-05", "Xylosecretword leaked"))
    (outside / "news" / "2020" / "01" / "7").mkdir(parents=True, exist_ok=True)
    (outside / "news" / "2020" / "01" / "7" / "x.md").write_text(_page("2020-01-07", "Xylosecretword folder"))
    os.symlink(outside / "secret.md", root / D / "secret.md")
    os.symlink(outside / "news" / "2020" / "01" / "7", root / "news" / "2020" / "01" / "7")
    os.symlink(outside / "news", root / D / "folder.md")
    return f"{D}/secret.md", "outside the archive"


def case_dangling_symlink(root: Path) -> tuple[str | None, str]:
    os.symlink("gone.txt", root / D / "dangling.md")
    return f"{D}/dangling.md", "not readable"


def case_folder_md(root: Path) -> tuple[str | None, str]:
    (root / D / "x.md").mkdir()
    return f"{D}/x.md", "folder"


def case_non_utf8_name(root: Path) -> tuple[str | None, str]:
    (root / D / "caf\udce9.md").write_text("# Not a UTF-8 name\n")
    (root / "news" / "2020" / "01" / "\udcff8").mkdir()
    (root / "news" / "2020" / "01" / "\udcff8" / "y.md").write_text("# In a folder not UTF-8\n")
    return f"{D}/caf\\xe9.md", "not UTF-8"


def case_ten_thousand(root: Path) -> tuple[str | None, str]:
    day = root / "news" / "2020" / "01" / "7"
    day.mkdir(parents=True)
    items = []
    for i in range(10_000):
        slug = f"crowd-event-{i}-happens"
        items.append(f"### [Crowd event {i} happens](/news/2020/01/7/{slug}.md)\n_Context: Crowd_\n")
        (day / f"{slug}.md").write_text(f"### [2020-01-7](/news/2020/01/7/index.md)\n\n# Crowd event {i} happens\n")
    (day / "index.md").write_text("## [2020-01-7](/news/2020/01/7/index.md)\n\n" + "\n".join(items))
    return None, ""


TRICKY_TITLE = (
    "[bold red]x[/] and [link=file:///etc/passwd]click[/link] then \x1b[31mred\x1b[0m "
    "\x1b]8;;http://evil.example/\x07osc\x1b]8;;\x07 csi\x9b2J bell\x07 del\x7f ls\u2028end"
)

CASES: dict[str, Case] = {
    "empty": case_empty,
    "binary": case_binary,
    "binary-no-nul": case_binary_no_nul,
    "invalid-utf8": case_invalid_utf8,
    "crlf": case_crlf,
    "bom": case_bom,
    "50mb": case_huge,
    "broken-yaml": case_broken_yaml,
    "yaml-not-mapping": case_yaml_not_mapping,
    "markup-title": case_markup_title,
    "dotdot-related": case_dotdot_related,
    "impossible-date": case_impossible_date,
    "no-title": case_no_title,
    "symlink-loop": case_symlink_loop,
    "symlink-outside": case_symlink_outside,
    "dangling-symlink": case_dangling_symlink,
    "folder-x.md": case_folder_md,
    "non-utf8-name": case_non_utf8_name,
    "10000-pages": case_ten_thousand,
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_archive(name: str, make_archive: MakeArchive, run: Run) -> None:
    root = make_archive(GOOD)
    path, reason = CASES[name](root)
    err, warnings, count = _index(run, root)
    if path is not None:
        assert _warned(warnings, path, reason), err
        assert count >= 1
    events = _check_good(run, root)
    slugs = {e["slug"] for e in events}
    # A second run (no change) and a query agree, and nothing outside the archive got in.
    code, _out, err2 = run("search", "xylosecretword", "--json", "--archive", root)
    assert (code, err2) == (1, "")  # --json says "nothing" with [] and nothing on stderr
    code, out, _err = run("search", "passwd", "--json", "--archive", root)
    assert json.loads(out) == [] if code == 1 else all("passwd" not in e["path"] for e in json.loads(out))
    _extra_checks(name, run, root, slugs)


def _extra_checks(name: str, run: Run, root: Path, slugs: set[object]) -> None:
    def show(slug: str) -> dict[str, object]:
        code, out, err = run("show", slug, "--json", "--archive", root)
        assert code == 0, err
        return dict(json.loads(out))

    if name == "invalid-utf8":
        ev = show("bad-utf8")
        assert ev["title"] == "Caf\ufffd owners protest"
        assert ev["summary"] == "Sum \ufffd\ufffd mary."
    elif name == "crlf":
        ev = show("crlf")
        assert ev["title"] == "Crlf page title here" and ev["summary"] == "Crlf summary."
    elif name == "bom":
        assert show("bom")["title"] == "Bom page title here"
    elif name == "50mb":
        # Skipped or partly indexed: either way its title is known and the good pages are fine.
        assert show("huge")["title"] == "Huge page title here"
    elif name in ("broken-yaml", "yaml-not-mapping"):
        ev = show("yaml" if name == "broken-yaml" else "list")
        assert ev["title"] in ("Broken yaml page title", "List front matter page")
    elif name == "markup-title":
        assert show("markup")["title"] == TRICKY_TITLE
    elif name == "dotdot-related":
        code, out, _err = run("related", "dotdot", "--json", "--archive", root)
        assert code in (0, 1)
        for rel in json.loads(out) if code == 0 else []:
            assert "outside" not in (rel["path"] or "") and "passwd" not in rel["slug"]
    elif name == "impossible-date":
        assert not any("nope" in str(s) for s in slugs)
        code, _out, _err = run("show", "nope", "--archive", root)
        assert code == 2
    elif name == "no-title":
        assert "untitled" in slugs  # partly indexed: an event named after its slug
    elif name in ("symlink-outside", "dangling-symlink", "symlink-loop"):
        assert not slugs & {"secret", "dangling", "loop-a", "loop-b", "x"}
    elif name == "10000-pages":
        code, out, err = run("on", "2020-01-07", "--jsonl", "--archive", root)
        assert code == 0, err
        lines = out.splitlines()
        assert len(lines) == 10_000
        assert json.loads(lines[1234])["title"] == "Crowd event 1234 happens"


def _drop_read_caps() -> None:
    """preexec_fn: a root child loses the capabilities that let it ignore file modes."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def test_unreadable_file(make_archive: MakeArchive, run: Run, cache_dir: Path) -> None:
    """A mode-000 page is a warning; root runs newsq without the capabilities that ignore modes."""
    root = make_archive(GOOD)
    bad = root / D / "locked.md"
    bad.write_text(_page("2020-01-05", "Locked page"))
    bad.chmod(0)
    preexec = _drop_read_caps if os.geteuid() == 0 else None
    probe = subprocess.run(
        [sys.executable, "-c", f"open({str(bad)!r}).read()"], preexec_fn=preexec, capture_output=True
    )
    if probe.returncode == 0:
        pytest.skip("cannot make a file unreadable here (root without a way to drop CAP_DAC_OVERRIDE)")
    env = {**os.environ, "NEWSQ_CACHE_DIR": str(cache_dir)}
    proc = subprocess.run(
        [sys.executable, "-m", "newsq", "index", "--verbose", "--archive", str(root)],
        preexec_fn=preexec,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"warning: {D}/locked.md: not readable (Permission denied)" in proc.stderr
    bad.chmod(0o644)
    _check_good(run, root)


# --- output safety ------------------------------------------------------------------------------------


@pytest.fixture
def tricky(make_archive: MakeArchive, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "400")
    files = dict(GOOD)
    files[f"{D}/markup.md"] = _page(
        "2020-01-05",
        TRICKY_TITLE,
        f"Summary with \x1b[2J escape and [red]markup[/red].\n\n### Related:\n\n"
        f"1. [The alpha probe lands on Mars. ](/news/2020/01/5/{ALPHA}.md) _Context: [b]Mars\x1b[0m_\n",
    )
    files[f"{D}/index.md"] = str(files[f"{D}/index.md"]) + (
        f"\n### [{TRICKY_TITLE}](/news/2020/01/5/markup.md)\n_Context: [blink]Ctx\x1b[5m_\n"
    )
    return make_archive(files)


def _assert_inert(text: str, json_: bool = False) -> None:
    for bad in ("\x1b", "\x07", "\x9b", "\x7f", *(("\u2028",) if json_ else ())):
        assert bad not in text, repr(bad)


@pytest.mark.parametrize(
    "args",
    [
        ("on", "2020-01-05"),
        ("search", "osc"),
        ("show", "markup"),
        ("related", ALPHA),
        ("related", "markup"),
    ],
)
def test_table_and_lines_are_inert(tricky: Path, run: Run, args: tuple[str, ...]) -> None:
    for mode in ("--table", None):
        code, out, err = run(*args, "--archive", tricky, *([mode] if mode else []))
        assert code == 0, err
        _assert_inert(out)
        _assert_inert(err)
        if args[0] != "related" or args[1] == ALPHA:
            assert "[bold red]x[/]" in out
            assert "[link=file:///etc/passwd]click[/link]" in out
            assert "\\x1b[31mred" in out


@pytest.mark.parametrize(
    "args",
    [("on", "2020-01-05"), ("search", "osc"), ("show", "markup"), ("related", ALPHA)],
)
@pytest.mark.parametrize("mode", ["--json", "--jsonl"])
def test_json_is_escaped_and_exact(tricky: Path, run: Run, args: tuple[str, ...], mode: str) -> None:
    code, out, err = run(*args, mode, "--archive", tricky)
    assert code == 0, err
    _assert_inert(out, json_=True)
    if mode == "--json":
        data = json.loads(out)
        objs = data if isinstance(data, list) else [data]
    else:
        objs = [json.loads(line) for line in out.splitlines()]
    assert TRICKY_TITLE in [o["title"] for o in objs]


def test_hostile_file_name_in_warnings(make_archive: MakeArchive, run: Run) -> None:
    root = make_archive(GOOD)
    _write(root, f"{D}/\x1b[31mevil\x07.md", "no title here\n")
    err, warnings, _count = _index(run, root)
    _assert_inert(err)
    assert any("evil" in p for p, _ in warnings)
    _check_good(run, root)


# --- any argument: exit 0, 1 or 2, never an exception -------------------------------------------------

SAMPLE = REPO / "data"
# Any text, lone surrogates included: that is how Python hands over argv bytes that are not UTF-8.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)


@pytest.mark.parametrize("command", ["on", "search", "show", "related"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=ANY_TEXT | st.sampled_from(["", "-", "--", "*", '"', "2014-13-40", "0000", "99999-1-1"]))
def test_any_argument(command: str, text: str, run: Run) -> None:
    code, out, err = run(command, "--archive", SAMPLE, "--", text)
    assert code in (0, 1, 2), (code, err)
    assert all(line.startswith("newsq: ") for line in err.splitlines()), err  # one-line messages only
    if code == 2:  # one line says what is wrong (after the one that says the cache was built, the first time)
        assert len([line for line in err.splitlines() if not line.startswith("newsq: built the cache in ")]) == 1, err


@pytest.mark.parametrize("command", ["search"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=ANY_TEXT)
def test_any_raw_query(command: str, text: str, run: Run) -> None:
    code, _out, err = run(command, "--raw", "--archive", SAMPLE, "--", text)
    assert code in (0, 1, 2), (code, err)
