"""Shared fixtures: a cache folder per test, and small archives written into tmp_path."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsq.cli import app

MakeArchive = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own cache folder, and never sees a user's NEWSQ_ARCHIVE."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("NEWSQ_CACHE_DIR", str(folder))
    monkeypatch.delenv("NEWSQ_ARCHIVE", raising=False)
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
