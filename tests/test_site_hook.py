"""The conformance page's build hook on reports given to it: failures shown, no result refused.

Each test makes a strict build of its own (``AUTHCONFORM_SITE_REPORT``), so this file runs
beside ``test_site``, whose shared build the page tests read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from in_process import authconform
from site_build import build, load_hook

FIB_LOGIN_PATH = "/auth/api/v1/authentication-management/session"


def _login_answers_500(app):
    """A broken FIB server: every login gets a bare 500, whatever was sent."""

    def broken(environ, start_response):
        if environ.get("PATH_INFO") == FIB_LOGIN_PATH:
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"boom"]
        return app(environ, start_response)

    return broken


def test_failed_checks_are_shown_in_full_and_first() -> None:
    hook = load_hook("conformance_results")
    report = {
        "tool": "authconform",
        "version": "9.9.9",
        "date": "2026-01-02T03:04:05Z",
        "target": "http://127.0.0.1:1",
        "systems": ["fib"],
        "results": [
            {
                "system": "fib",
                "name": "seed_example_logs_in",
                "group": "login",
                "summary": "The seed example logs in",
                "outcome": "passed",
                "message": "",
                "details": "",
                "duration": 0.1,
            },
            {
                "system": "fib",
                "name": "rejects_wrong_signature",
                "group": "login",
                "summary": "A bad | signature is refused",
                "outcome": "failed",
                "message": "got 200",
                "details": "received: 200\ndocumented: 422",
                "duration": 0.1,
            },
        ],
        "totals": {"passed": 1, "failed": 1},
    }
    page = hook.report_markdown(report, "authconform check")
    assert "1 check(s) did not pass" in page
    assert "    documented: 422" in page  # details in full, inside the failure block
    assert "9.9.9" in page and "2026-01-02T03:04:05Z" in page
    table = page[page.index("### fib") :]
    assert table.index("rejects_wrong_signature") < table.index("seed_example_logs_in")
    assert "A bad \\| signature" in page  # a pipe cannot break the table


@pytest.mark.slow
def test_a_failing_run_is_published_with_its_failures(tmp_path: Path) -> None:
    """Decision: non-conformance is shown, not hidden, and does not stop the build."""
    embedded = pytest.importorskip("reference_impl.serving.embedded")
    reports = tmp_path / "reports"
    creds = tmp_path / "creds.json"
    with embedded.running_server(demo_users=1, wrap=_login_answers_500) as server:
        creds.write_text(json.dumps(server.credentials), encoding="utf-8")
        # In-process: only the report it writes is used here, and the build reads that.
        check = authconform(
            "check",
            server.url,
            "--api",
            "fib",
            "--credentials",
            str(creds),
            "--no-fuzz",
            "--report",
            str(reports),
        )
    assert check.returncode == 1, check.stdout + check.stderr
    failed = [
        r["name"]
        for r in json.loads((reports / "report.json").read_text())["results"]
        if r["outcome"] == "failed"
    ]
    assert failed

    built = build(tmp_path / "site", {**os.environ, "AUTHCONFORM_SITE_REPORT": str(reports)})
    assert built.returncode == 0, built.stderr[-4000:]
    html = (tmp_path / "site" / "conformance" / "index.html").read_text(encoding="utf-8")
    assert f"{len(failed)} check(s) did not pass" in html
    for name in failed:
        assert f"fib / {name}" in html, name


def test_no_result_still_writes_the_page_but_fails_the_strictbuild(tmp_path: Path) -> None:
    """Decision: a build without a real result says so and exits non-zero."""
    empty = tmp_path / "no-report"
    empty.mkdir()
    built = build(tmp_path / "site", {**os.environ, "AUTHCONFORM_SITE_REPORT": str(empty)})
    assert built.returncode != 0
    assert "no readable conformance report" in built.stderr
    html = (tmp_path / "site" / "conformance" / "index.html").read_text(encoding="utf-8")
    assert "did not produce a result" in html
