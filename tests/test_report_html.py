"""report.html: written by `check --report`, self-contained, readable in a real browser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from broken_fib import BROKEN
from in_process import authconform

from conformance.model import CheckResult, Level, Outcome, RunResult
from conformance.output.html import render_html
from reference_impl.serving.embedded import running_server


def _run() -> RunResult:
    return RunResult(
        target="http://127.0.0.1:9",
        systems=["fib"],
        results=[
            CheckResult("fib", "login_works", "login", "A login works.", Outcome.PASSED),
            CheckResult(
                "fib", "rejects_bad_signature", "login", "A bad signature is refused.",
                Outcome.FAILED, message="got 200",
                details="received:   200 <script>alert(1)</script>\ndocumented: 401 or 422",
            ),
            CheckResult(
                "fib", "sends_allow", "schemathesis", "405 names the methods.", Outcome.WARNED,
                message="no Allow header", details="< 405", level=Level.ADVISORY,
            ),
            CheckResult("fib", "expiry", "lifecycle", "Expired tokens fail.", Outcome.SKIPPED,
                        message="no expiry wait set"),
        ],
    )


def test_page_holds_verdict_evidence_and_levels_and_fetches_nothing() -> None:
    page = render_html(_run(), version="1.2.3")
    assert '<p class="verdict bad" id="verdict">NOT conformant</p>' in page
    # The evidence in full, escaped: a hostile server cannot script the report.
    assert "received:   200 &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.replace("&lt;script", "")
    assert "documented: 401 or 422" in page
    assert "no Allow header" in page and "(advisory)" in page and "(contract)" in page
    assert "no expiry wait set" in page and "authconform 1.2.3" in page
    # Self-contained: nothing to fetch, no scripts.
    for marker in ("src=", "href=", "<link", "@import", "url(", "http-equiv"):
        assert marker not in page, marker
    # Failures first, then advisories; each open without a click.
    assert page.index("rejects_bad_signature") < page.index("sends_allow")
    assert len(re.findall(r"<details open", page)) == 2


def test_verdict_names_advisories_when_conformant() -> None:
    run = _run()
    run.results = [r for r in run.results if r.outcome is not Outcome.FAILED]
    page = render_html(run)
    assert 'class="verdict warn"' in page
    assert "conformant, with 1 advisories" in page


@pytest.fixture(scope="module")
def broken_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`check --report` on a FIB server that accepts any signature: (report.html, the check)."""
    options, must_fail = BROKEN["accepts_any_signature"]
    out = tmp_path_factory.mktemp("html-report")
    with running_server(demo_users=1, **options) as server:
        creds = out / "creds.json"
        creds.write_text(json.dumps(server.credentials))
        done = authconform(
            "check", server.url, "--api", "fib", "--credentials", str(creds),
            "--no-fuzz", "--no-lifecycle", "--report", str(out / "reports"),
        )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "report.html" in done.stdout
    return out / "reports" / "report.html", must_fail


def test_check_report_writes_the_html_page(broken_report: tuple[Path, str]) -> None:
    page, must_fail = broken_report
    text = page.read_text(encoding="utf-8")
    assert "NOT conformant" in text
    assert f'id="fib--{must_fail}"' in text


@pytest.mark.browser
def test_browser_shows_verdict_and_evidence_with_no_outside_request(
    broken_report: tuple[Path, str],
) -> None:
    from test_site import ARTIFACTS, BROWSER_WAIT_MS, CHROMIUM_FLAGS, _chromium

    sync_api = pytest.importorskip("playwright.sync_api")
    page_file, must_fail = broken_report
    executable = _chromium()
    requested: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(executable), args=CHROMIUM_FLAGS)
        # No JavaScript: the page must read without it.
        context = browser.new_context(java_script_enabled=False)
        context.set_default_timeout(BROWSER_WAIT_MS)
        own = page_file.as_uri()

        def route(route) -> None:
            requested.append(route.request.url)
            if route.request.url == own:
                route.continue_()
            else:
                route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.goto(own)
        verdict = page.locator("#verdict")
        shown = verdict.is_visible() and verdict.inner_text()
        evidence = page.locator(f"[id='fib--{must_fail}'] pre")
        evidence_text = evidence.inner_text() if evidence.is_visible() else ""
        page.screenshot(path=str(ARTIFACTS / "report-html.png"), full_page=False)
        context.close()
        browser.close()
    assert shown == "NOT conformant"
    assert "received:" in evidence_text and "documented:" in evidence_text
    assert [url for url in requested if url != own] == []
