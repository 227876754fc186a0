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


def test_every_html_template_ships_in_the_wheel(installed: Path, tmp_path: Path) -> None:
    """report.html renders from the installed templates; the load pages' templates load too."""
    reports = tmp_path / "reports"
    check = subprocess.run(
        [installed, "-m", "conformance", "check", "--api", "user-api", "--no-fuzz",
         "--report", str(reports)],
        capture_output=True, text=True, cwd=tmp_path, timeout=180,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
    page = (reports / "report.html").read_text(encoding="utf-8")
    assert "<h1>authconform conformance report</h1>" in page and "td.num {" in page
    loads = (
        "from conformance.fixloop.html import reproduce_html\n"
        "from load.capacity.chart import _page_template\n"
        "from load.stats.comparepage import _templates\n"
        "assert 'Reproduce:' in reproduce_html('curl x')\n"
        "_page_template()\n"
        "for name in ('comparison.html.j2', 'baseline.html.j2'):\n"
        "    _templates().get_template(name)\n"
        "print('templates found')\n"
    )
    found = subprocess.run(
        [installed, "-c", loads], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert "templates found" in found.stdout, found.stdout + found.stderr
