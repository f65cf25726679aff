"""The config file and the choice of archive: --archive > NEWSQ_ARCHIVE > config > bundled sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsq import config
from newsq.archive import bundled_sample, choose_archive
from newsq.config import ConfigError
from newsq.errors import ArchiveError

DAY = """
## [2003-06-2](/news/2003/06/2/index.md)

### [ A probe leaves for Mars.](/news/2003/06/2/a-probe-leaves-for-mars.md)
_Context: Mars_
"""


def archive_at(root: Path) -> Path:
    (root / "news/2003/06/2").mkdir(parents=True)
    (root / "news/2003/06/2/index.md").write_text(DAY, encoding="utf-8")
    return root


@pytest.fixture
def conf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config file named by NEWSQ_CONFIG (not written yet)."""
    path = tmp_path / "conf" / "config.toml"
    path.parent.mkdir()
    monkeypatch.setenv("NEWSQ_CONFIG", str(path))
    return path


def test_precedence_flag_env_config_sample(tmp_path: Path, conf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one, two, three = (archive_at(tmp_path / n) for n in ("one", "two", "three"))
    conf.write_text(f'archive = "{three}"\n', encoding="utf-8")
    monkeypatch.setenv("NEWSQ_ARCHIVE", str(two))
    chosen = choose_archive(one)
    assert (chosen.archive.root, chosen.how) == (one, "flag")
    chosen = choose_archive(None)
    assert (chosen.archive.root, chosen.how) == (two, "env")
    monkeypatch.setenv("NEWSQ_ARCHIVE", "")  # empty is unset, as shells leave it
    chosen = choose_archive(None)
    assert (chosen.archive.root, chosen.how, chosen.given) == (three, "config", str(three))
    assert chosen.config is not None and chosen.config.archive_line == 1
    conf.write_text("# no archive here\n", encoding="utf-8")
    chosen = choose_archive(None)
    assert (chosen.archive.root, chosen.how) == (bundled_sample().resolve(), "sample")


def test_config_path_tilde_and_relative(tmp_path: Path, conf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive_at(tmp_path / "home" / "thecontext")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    conf.write_text('archive = "~/thecontext"\n', encoding="utf-8")
    assert choose_archive(None).archive.root == tmp_path / "home" / "thecontext"
    # A relative path is taken from the config file's folder, wherever the command runs.
    archive_at(conf.parent / "near")
    conf.write_text('archive = "near"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert choose_archive(None).archive.root == conf.parent / "near"


def test_usual_place_is_the_user_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv("NEWSQ_CONFIG", raising=False)
    for xdg in ("", "  "):  # unset or blank: ~/.config, as platformdirs has it
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
        assert config.config_path() == Path(platformdirs.user_config_dir("newsq")) / "config.toml"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config.config_path() == Path(platformdirs.user_config_dir("newsq")) / "config.toml"
    assert config.config_path() == tmp_path / "xdg" / "newsq" / "config.toml"
    assert config.load().exists is False  # no file there: no config, no error
    archive_at(tmp_path / "arch")
    (tmp_path / "xdg" / "newsq").mkdir(parents=True)
    config.config_path().write_text(f"archive = '{tmp_path / 'arch'}'\n", encoding="utf-8")
    assert choose_archive(None).how == "config"


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("# comment\narchive = \n", 2, "Invalid value"),
        ('archive "x"\n', 1, "Expected '='"),
        ('\n\narchve = "~/x"\n', 3, "unknown setting 'archve'"),
        ("archive = 5\n", 1, "archive must be a folder in quotes"),
        ('archive = ""\n', 1, "archive must be a folder in quotes"),
        ('[archive]\npath = "x"\n', 1, "archive must be a folder in quotes"),
        (b'# caf\xe9\narchive = "x"\n', 1, "not UTF-8"),
    ],
)
def test_bad_file_is_one_line_naming_file_line_and_problem(
    conf: Path, text: str | bytes, line: int, problem: str
) -> None:
    if isinstance(text, bytes):
        conf.write_bytes(text)
    else:
        conf.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        choose_archive(None)
    message = str(caught.value)
    assert f"config file {conf}, line {line}: " in message
    assert problem in message
    assert "\n" not in message


def test_named_config_that_is_missing_is_an_error(conf: Path) -> None:
    with pytest.raises(ConfigError, match=r"not found \(named by NEWSQ_CONFIG\)"):
        choose_archive(None)


def test_flag_and_env_never_read_the_config(tmp_path: Path, conf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken config must not stop a command that was told its archive."""
    conf.write_text("this is not toml\n", encoding="utf-8")
    one = archive_at(tmp_path / "one")
    assert choose_archive(one).how == "flag"
    monkeypatch.setenv("NEWSQ_ARCHIVE", str(one))
    assert choose_archive(None).how == "env"


@pytest.mark.parametrize("how", ["flag", "env", "config"])
def test_archive_errors_say_where_the_path_came_from(
    tmp_path: Path, conf: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    gone = tmp_path / "gone"
    flag = gone if how == "flag" else None
    if how == "env":
        monkeypatch.setenv("NEWSQ_ARCHIVE", str(gone))
    conf.write_text(f'\narchive = "{gone}"\n', encoding="utf-8")
    with pytest.raises(ArchiveError) as caught:
        choose_archive(flag)
    where = {"flag": "given with --archive", "env": "set by NEWSQ_ARCHIVE", "config": f"set in {conf}, line 2"}[how]
    assert str(caught.value) == f"archive not found: {gone} ({where})"
