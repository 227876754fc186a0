"""The package as a user installs it: a wheel in a fresh venv, outside the repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from packaged import Installed

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def installed(installed_wheel: Installed) -> Path:
    """The wheel's venv (built once per run, see tests/packaged.py); deps from this one."""
    assert installed_wheel.returncode == 0, installed_wheel.output[-4000:]
    return installed_wheel.python


def test_spec_check_works_from_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [installed, "-c", "import conformance; print(conformance.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert "site-packages" in where.stdout and str(REPO) not in where.stdout, where.stdout
    # The pages it compares are the copies the wheel installed, not the checkout's.
    assert (installed.parent.parent / "share/authconform/docs/apis/fib/login.md").is_file()
    result = subprocess.run(
        [installed, "-m", "conformance", "spec", "check"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "docs and spec agree (fib, user-api, duktig)" in result.stdout
