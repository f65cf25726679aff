"""Shared fixtures: a cache folder per test, and small archives written into tmp_path."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsq.cli import app

MakeArchive = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own cache folder, and never sees a user's NEWSQ_ARCHIVE or config file."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("NEWSQ_CACHE_DIR", str(folder))
    monkeypatch.delenv("NEWSQ_ARCHIVE", raising=False)
    monkeypatch.delenv("NEWSQ_CONFIG", raising=False)  # nor a user's config file
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.setenv("NO_COLOR", "1")
    return folder


@pytest.fixture
def make_archive(tmp_path: Path) -> MakeArchive:
    """Write files (path relative to the archive root -> text or bytes) and return the root."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "archive"
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return make


class Run:
    """Run newsq in-process with CliRunner; stdout and stderr kept apart."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str | os.PathLike[str]) -> tuple[int, str, str]:
        result = self.runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def run() -> Run:
    return Run()


# --- watching child processes: tests wait on what a process shows, never on a guessed sleep ---------


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except FileNotFoundError:
        return []


def reached(stage: str, proc: subprocess.Popen[Any], cache: Path) -> Callable[[], bool]:
    """Whether a `newsq index` child is at a stage of its work: "started" (it holds the lock and
    builds), "parsing" (its workers are busy), "writing" (the new cache file is being written)."""
    if stage == "started":
        return lambda: any(cache.glob("*.building"))
    if stage == "writing":
        return lambda: any(p.stat().st_size > 0 for p in cache.glob("*.building"))

    def parsing() -> bool:
        workers = children(proc.pid)
        return bool(workers) and all(cpu_ticks(pid) >= 10 for pid in workers)

    return parsing


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[Any], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert proc.poll() is None, f"newsq ended before {what}"
        assert time.monotonic() < deadline, f"no {what} within 60 s"
        time.sleep(0.002)


def cpu_ticks(pid: int) -> int:
    """CPU time a process has used, in clock ticks (user + system)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0
    return int(fields[11]) + int(fields[12])


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")
