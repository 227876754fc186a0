"""The project as a user installs it: a copy built into a wheel, installed in a fresh venv.

The build runs on a copy of the project's files in a temporary folder, so the working tree
gets no ``build/`` or ``*.egg-info``; pip builds in its usual isolated environment, as
``pip install .`` does. ``conftest.installed_wheel`` builds this tree once per test run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "COPY_IGNORE",
    "Installed",
    "build_and_install",
    "build_this_tree",
    "build_wheel",
    "project_copy",
    "this_tree",
]

REPO = Path(__file__).resolve().parent.parent
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "site", "build", "dist", "artifacts", "*.egg-info", "__pycache__",
    ".pytest_cache", ".ruff_cache", ".hypothesis", ".schemathesis", "reports", "*.db*",
)  # fmt: skip
PIP_TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Installed:
    """A venv holding the wheel; ``output`` is all pip printed building and installing it."""

    returncode: int
    output: str
    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


def project_copy(destination: Path) -> Path:
    """The project's files (no caches, builds or local state) copied to ``destination``."""
    shutil.copytree(REPO, destination, ignore=COPY_IGNORE)
    return destination


def build_and_install(project: Path, work: Path) -> Installed:
    """``pip wheel --no-deps PROJECT``, then that wheel alone into the fresh venv ``work/venv``.

    The dependencies are not ours: ``with_dependencies`` lends this environment's instead.
    """
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    wheels = work / "wheels"
    built = build_wheel(project, wheels)
    if built.returncode != 0:
        return Installed(built.returncode, built.stdout + built.stderr, venv)
    wheel = next(wheels.glob("authconform-*.whl"))
    python = str(venv / "bin" / "python")
    installed = _pip("--python", python, "install", "--no-deps", "--no-cache-dir", str(wheel))
    output = built.stdout + built.stderr + installed.stdout + installed.stderr
    return Installed(installed.returncode, output, venv)


def build_wheel(project: Path, wheels: Path) -> subprocess.CompletedProcess[str]:
    """``pip wheel --no-deps PROJECT`` into ``wheels``, in pip's isolated build environment."""
    return _pip("wheel", "--no-deps", "--no-cache-dir", "-w", str(wheels), str(project))


def with_dependencies(installed: Installed) -> None:
    """Make this environment's packages importable in the venv (its editable finder stays out)."""
    purelib = subprocess.check_output(
        [installed.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        text=True,
        timeout=60,
    ).strip()
    (Path(purelib) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")


def build_this_tree(folder: Path) -> None:
    """This tree's wheel installed in ``folder/venv``, with what pip said kept beside it."""
    installed = build_and_install(project_copy(folder / "project"), folder)
    if installed.returncode == 0:
        with_dependencies(installed)
    (folder / "pip-output.txt").write_text(installed.output, encoding="utf-8")
    (folder / "pip-returncode").write_text(str(installed.returncode), encoding="utf-8")


def this_tree(folder: Path) -> Installed:
    """What ``build_this_tree(folder)`` made."""
    return Installed(
        int((folder / "pip-returncode").read_text(encoding="utf-8")),
        (folder / "pip-output.txt").read_text(encoding="utf-8"),
        folder / "venv",
    )


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", *args],
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT_SECONDS,
        check=False,
    )
