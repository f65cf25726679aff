"""Install newsq as a user does, for the benchmark: a wheel of the checkout in a fresh virtual environment.

Timing the checkout with `python -m newsq` would measure a different program: an editable install's
import hooks, and byte-code compiled on the first run (or never, with PYTHONDONTWRITEBYTECODE). pip
compiles every module when it installs a wheel, so no timed run here pays for compilation.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from email.parser import Parser
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_NAME_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class InstallFailed(Exception):
    """The wheel could not be built or installed; carries the command's output."""


@dataclass(frozen=True)
class Install:
    """How the timed newsq runs: argv prefix, the interpreter beside it (for the baselines), cwd, env."""

    newsq: list[str]
    python: str
    cwd: Path
    description: list[str] = field(default_factory=list)

    def env(self, cache: Path) -> dict[str, str]:
        env = dict(os.environ)
        # Nothing may put the checkout (or another newsq) before the installed one.
        for name in ("PYTHONPATH", "PYTHONHOME", "NEWSQ_ARCHIVE"):
            env.pop(name, None)
        env["NEWSQ_CACHE_DIR"] = str(cache)
        return env


def in_place() -> Install:
    """The checkout run by this interpreter (fast and offline: the smoke test's mode)."""
    # Compile now, as an install would, so the first timed run does not pay for it.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "newsq")], check=False)
    return Install(
        [sys.executable, "-m", "newsq"],
        sys.executable,
        REPO,
        [f"- newsq: the checkout, run in place as `{sys.executable} -m newsq` (`--in-place`)"],
    )


def _run(cmd: list[str], what: str, cwd: Path | None = None) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=cwd)
    if proc.returncode != 0:
        raise InstallFailed(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return proc.stdout


def build_wheel(dest: Path) -> Path:
    """Build the checkout's wheel with its own build backend; offline when hatchling is importable here."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q", "-w", str(dest)]
    if importlib.util.find_spec("hatchling") is not None:
        cmd.append("--no-build-isolation")  # else pip fetches the backend into a build environment
    _run([*cmd, str(REPO)], "building the wheel")
    wheels = sorted(dest.glob("newsq-*.whl"))
    if len(wheels) != 1:
        raise InstallFailed(f"expected one newsq wheel in {dest}, found {[w.name for w in wheels]}")
    return wheels[0]


def wheel_requirements(wheel: Path) -> list[str]:
    """The wheel's run-time Requires-Dist lines (those not behind an extra)."""
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(zf.read(meta_name).decode("utf-8"))
    return [r for r in meta.get_all("Requires-Dist") or [] if "extra ==" not in r]


def local_pins() -> list[str]:
    """`name==version` of every distribution this interpreter has, newsq and installers aside: the
    fresh environment gets the versions the developer's one has (same typer on both sides of a ratio)."""
    pins: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name and name.lower() not in ("newsq", "pip", "setuptools", "wheel"):
            pins[name.lower()] = f"{name}=={dist.version}"
    return sorted(pins.values())


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def make_venv(workdir: Path) -> Install:
    """Build the wheel, make a fresh venv under workdir, pip install the wheel and its dependencies."""
    wheel = build_wheel(workdir / "wheel")
    venv = workdir / "venv"
    shutil.rmtree(venv, ignore_errors=True)
    _run([sys.executable, "-m", "venv", str(venv)], "making the venv")
    py = _bin(venv, "python")
    pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    _run([*pip, "--no-deps", str(wheel)], "installing the wheel")
    constraints = workdir / "constraints.txt"
    constraints.write_text("\n".join(local_pins()) + "\n", encoding="utf-8")
    requirements = wheel_requirements(wheel)
    if requirements:
        _run([*pip, "-c", str(constraints), *requirements], "installing the dependencies (PyPI or PIP_FIND_LINKS)")
    script = _bin(venv, "newsq")
    # From the work folder (not the checkout), the venv's own newsq must be the one imported.
    where = _run([str(py), "-c", "import newsq; print(newsq.__file__)"], "importing newsq", cwd=workdir).strip()
    if not Path(where).resolve().is_relative_to(venv.resolve()):
        raise InstallFailed(f"the venv imports newsq from {where}, not from {venv}")
    package = Path(where).parent
    modules = sorted(package.glob("*.py"))
    compiled = [m for m in modules if any((package / "__pycache__").glob(f"{m.stem}.*.pyc"))]
    if len(compiled) != len(modules):
        raise InstallFailed(f"pip left {len(modules) - len(compiled)} of newsq's modules without byte-code")
    versions = _run(
        [str(py), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"], "listing the venv"
    )
    installers = ("newsq==", "pip==", "setuptools==", "wheel==")
    deps = [line for line in versions.split() if _NAME_RE.match(line) and not line.lower().startswith(installers)]
    return Install(
        [str(script)],
        str(py),
        workdir,
        [
            f"- newsq: wheel `{wheel.name}` built from the checkout, `pip install`ed into a fresh venv"
            f" (`{venv}`, byte-code compiled at install: {len(compiled)} of {len(modules)} modules);"
            f" timed as its console script `{script}`, from cwd `{workdir}`",
            f"- venv packages: {', '.join(deps)}",
        ],
    )


def machine_lines() -> list[str]:
    """CPU model, cores and memory from /proc (where there is one), and the OS."""
    cpu = platform.processor() or platform.machine()
    mem = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return [f"- Machine: {cpu}, {os.cpu_count()} cores, {mem} memory, {platform.platform()}"]
