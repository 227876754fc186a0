"""The published site: it builds strictly with no network, and a real browser can read it.

The site is built once per test run, shared by every pytest-xdist worker (the build runs a
real conformance check of a served reference for the conformance page). The browser tests
serve the build over a loopback HTTP server and drive Debian's Chromium through Playwright,
refusing and recording every request that would leave 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from loopback import serving_files
from once import built_once
from site_build import REPO, build
from subprocesses import serving

ARTIFACTS = REPO / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
APT_TIMEOUT_SECONDS = 900
# Bounds every wait in the browser; Swagger UI renders in well under a second here.
BROWSER_WAIT_MS = 30_000
FIB_LOGIN_PATH = "/auth/api/v1/authentication-management/session"
# The heading id the reference renderer gives the login operation.
FIB_LOGIN_ID = "post-authapiv1authentication-managementsession"
# Every code the FIB documents list for login, plus 400 (seed 002).
FIB_LOGIN_CODES = ("200", "400", "401", "404", "422", "500")


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built from this working tree, as `make docs` does (a fresh conformance run)."""
    return built_once(tmp_path_factory, "site", _build_site)


def _build_site(out: Path) -> None:
    """`make docs`, except that the served reference hashes passwords at the light cost.

    The conformance page must show a real run of the served reference; how slowly that
    server hashes passwords is not what the site is about (test_deployed_check checks
    `serve` at the default cost), and at the default cost the run's logins take most of
    the build's minute and a half. The page says which cost it was served with.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHCONFORM_SITE_")}
    built = build(out, {**env, "AUTHCONFORM_SITE_PASSWORD_COST": "light"})
    assert built.returncode == 0, f"mkdocs build --strict failed:\n{built.stderr[-4000:]}"


@pytest.mark.slow
def test_strict_build_publishes_every_section(site: Path) -> None:
    for page in (
        "index.html",
        "conformance/index.html",
        "sources-disagree/index.html",
        "benchmarks/index.html",
        "guides/running-conformance/index.html",
        "guides/credentials/index.html",
        "guides/signing/index.html",
        "guides/load-testing/index.html",
        "guides/reference-server/index.html",
    ):
        assert (site / page).is_file(), page
    for system in ("fib", "user-api", "duktig"):
        assert (site / "spec" / f"{system}.openapi.yaml").is_file()
        assert (site / "reference" / system / "index.html").is_file()
        assert (site / "reference" / f"{system}-explorer" / "index.html").is_file()
        assert any((site / "apis" / system).glob("*/index.html")), f"no docs pages for {system}"
    # The hooks are build code, not pages.
    assert not (site / "hooks").exists()


@pytest.mark.slow
def test_published_specs_are_the_repository_files(site: Path) -> None:
    for spec in (REPO / "spec").glob("*.openapi.yaml"):
        assert (site / "spec" / spec.name).read_bytes() == spec.read_bytes()


@pytest.mark.slow
def test_pages_load_nothing_from_other_hosts(site: Path) -> None:
    """No fonts, scripts or styles from a CDN: the site must work with no network."""
    for html in site.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        for marker in ('src="http', "src='http", '<link href="http', "fonts.googleapis"):
            assert marker not in text, f"{html.relative_to(site)} loads {marker!r}"


@pytest.mark.slow
def test_every_swagger_ui_tag_became_an_explorer(site: Path) -> None:
    """mkdocs.yml lists the pages the Swagger UI plugin reads; a tag on any other stays raw."""
    raw = [
        str(html.relative_to(site))
        for html in site.rglob("*.html")
        if "<swagger-ui" in html.read_text(encoding="utf-8")
    ]
    assert raw == []
    for system in ("fib", "user-api", "duktig"):
        page = site / "reference" / f"{system}-explorer" / "index.html"
        assert 'class="swagger-ui-iframe"' in page.read_text(encoding="utf-8"), system


@pytest.mark.slow
def test_reference_page_renders_fib_login_without_javascript(site: Path) -> None:
    """The login operation and its documented codes are in the HTML itself, not built by JS."""
    html = (site / "reference" / "fib" / "index.html").read_text(encoding="utf-8")
    start = html.index(f'<h3 id="{FIB_LOGIN_ID}">')
    section = html[start : html.index("<h3", start + 1)]
    assert f'<span class="http-post">POST</span> {FIB_LOGIN_PATH}' in section
    for code in FIB_LOGIN_CODES:
        assert f">{code} " in section, code


@pytest.mark.slow
def test_check_catalogue_is_generated_and_in_the_nav(site: Path) -> None:
    html = (site / "checks" / "index.html").read_text(encoding="utf-8")
    for heading in ("Seeds 000-002", "FIB docs", "RFC 9110", "ASVS 5.0", "Project decisions"):
        assert f">{heading}<" in html, heading
    assert "<code>signup_answers_200</code>" in html
    assert 'href="https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2"' in html
    # The seed sections link the site's own page of that system.
    assert 'href="../apis/fib/login/"' in html
    assert 'href="checks/"' in (site / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_conformance_page_shows_a_real_run(site: Path) -> None:
    html = (site / "conformance" / "index.html").read_text(encoding="utf-8")
    assert "<!-- conformance-results -->" not in html
    assert "did not produce a result" not in html
    assert "authconform version" in html
    # The deployed way (python -m reference_impl in its own process), not the embedded one.
    assert "Server checked" in html and "the served reference" in html
    assert "--password-cost light" in html  # the one setting the test build changes
    assert "authconform check http://127.0.0.1:" in html
    for system in ("fib", "user-api", "duktig"):
        assert f'id="{system}"' in html, f"no results table for {system}"
    assert "<table>" in html and "Outcome" in html


# --- in a real browser -------------------------------------------------------------------


def _chromium() -> Path:
    """Debian's Chromium; installed with apt when missing and we are root, else skip."""
    if not CHROMIUM.exists() and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            "apt-get update && apt-get install -y chromium",
            shell=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            capture_output=True,
            timeout=APT_TIMEOUT_SECONDS,
            check=False,
        )
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing and cannot be installed here (not root, or no apt)")
    return CHROMIUM


@pytest.fixture(scope="module")
def site_url(site: Path) -> Iterator[str]:
    """The built site over HTTP on a free loopback port (Swagger UI cannot load from file://)."""
    with serving_files(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser_context(site_url: str):
    """A Chromium context that aborts, and records, any request not to 127.0.0.1."""
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = _chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(executable), args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(BROWSER_WAIT_MS)
        context.outside = []  # type: ignore[attr-defined]

        def route(route) -> None:
            host = urlsplit(route.request.url).hostname
            if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
                route.continue_()
            else:
                context.outside.append(route.request.url)  # type: ignore[attr-defined]
                route.abort()

        context.route("**/*", route)
        try:
            yield context
        finally:
            context.close()
            browser.close()


@pytest.mark.browser
def test_browser_reference_page_shows_fib_login_and_codes(browser_context, site_url) -> None:
    page = browser_context.new_page()
    page.goto(f"{site_url}/reference/fib/")
    heading = page.locator(f"h3#{FIB_LOGIN_ID}")
    heading.wait_for()
    # The response tabs between the login heading and the next operation's heading.
    labels = page.locator(
        f"xpath=//h3[@id='{FIB_LOGIN_ID}']/following-sibling::*"
        f"[preceding-sibling::h3[1][@id='{FIB_LOGIN_ID}']]"
        "//div[contains(@class, 'tabbed-labels')]/label"
    )
    shown = [label.inner_text() for label in labels.all() if label.is_visible()]
    title = heading.inner_text()
    # The operation at the top of the screenshot, its response tabs below it.
    page.evaluate(f"document.getElementById('{FIB_LOGIN_ID}').scrollIntoView()")
    page.evaluate("window.scrollBy(0, -80)")  # clear of the sticky header
    page.screenshot(path=str(ARTIFACTS / "site-fib-reference.png"))
    page.close()
    assert title.startswith(f"POST {FIB_LOGIN_PATH}"), title
    for code in FIB_LOGIN_CODES:
        assert any(text.startswith(f"{code} ") for text in shown), (code, shown)
    assert browser_context.outside == []


@pytest.mark.browser
def test_browser_explorer_renders_fib_login_operation(browser_context, site_url) -> None:
    page = browser_context.new_page()
    page.goto(f"{site_url}/reference/fib-explorer/")
    frame = page.frame_locator("iframe.swagger-ui-iframe")
    operation = frame.locator(".opblock-post", has_text=FIB_LOGIN_PATH).first
    operation.wait_for(state="visible")
    operation.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "site-fib-explorer.png"), full_page=True)
    page.close()
    assert browser_context.outside == []


@pytest.mark.browser
def test_browser_conformance_page_has_results_table(browser_context, site_url) -> None:
    page = browser_context.new_page()
    page.goto(f"{site_url}/conformance/")
    table = page.locator("article table", has_text="Outcome").first
    table.wait_for()
    rows = table.locator("tbody tr").count()
    table.evaluate("el => el.scrollIntoView()")
    page.evaluate("window.scrollBy(0, -160)")  # the system's heading above its table
    page.screenshot(path=str(ARTIFACTS / "site-conformance.png"), full_page=False)
    page.close()
    assert rows >= 1
    assert browser_context.outside == []


@pytest.mark.browser
def test_browser_guard_catches_a_request_to_another_host(browser_context, site_url) -> None:
    """The "nothing left 127.0.0.1" assertions mean something only if the guard sees requests."""
    page = browser_context.new_page()
    page.goto(f"{site_url}/")
    before = len(browser_context.outside)
    # evaluate() waits for the promise, so the aborted fetch has been seen when it returns.
    page.evaluate("fetch('http://198.51.100.7/probe').catch(() => null)")
    caught = browser_context.outside[before:]
    del browser_context.outside[before:]
    page.close()
    assert caught == ["http://198.51.100.7/probe"]


# The port the specs' `servers` entry names: Swagger UI's "Try it out" sends requests there.
SPEC_SERVER_PORT = 8000


@pytest.fixture(scope="module")
def spec_server(site_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m reference_impl --cors-origin <site>` on the port the specs name.

    Shared by the try-it-out tests: each logs alice in afresh, so neither leans on the
    other's session. alice logs in with her key, so the password cost is the light one
    (her password-system twins are hashed at start-up, and nothing here uses them).
    """
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", SPEC_SERVER_PORT)) == 0:
            pytest.skip(f"127.0.0.1:{SPEC_SERVER_PORT}, the spec's server, is taken")
    db = tmp_path_factory.mktemp("spec-server") / "reference.db"
    # --demo-users 0 registers alice alone, with the seed example's key.
    cors = ("--cors-origin", site_url, "--password-cost", "light")
    with serving(SPEC_SERVER_PORT, db, "--demo-users", "0", *cors) as url:
        yield url


@pytest.mark.browser
@pytest.mark.slow
def test_browser_try_it_out_logs_alice_in_through_cors(
    browser_context, site_url, spec_server
) -> None:
    """The explorer's seed example reaches `authconform serve --cors-origin <site>` and gets 200."""
    page = browser_context.new_page()
    page.goto(f"{site_url}/reference/fib-explorer/")
    frame = page.frame_locator("iframe.swagger-ui-iframe")
    operation = frame.locator(".opblock-post", has_text=FIB_LOGIN_PATH).first
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    code = status.inner_text().strip()
    page.screenshot(path=str(ARTIFACTS / "site-fib-try-it-out.png"), full_page=False)
    page.close()
    assert code == "200"
    assert browser_context.outside == []


FIB_LOGOUT_PATH = "/auth/api/v1/authentication-management/logout"


def _try_it_out(operation) -> tuple[str, str]:
    """Expand an explorer operation, press Try it out and Execute: (status, response body)."""
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    rows = operation.locator(".live-responses-table tbody")
    status = rows.locator(".response-col_status").first
    status.wait_for()
    body = rows.locator(".response-col_description pre").first
    return status.inner_text().strip(), body.inner_text()


def _authorize_dialog(frame, scheme: str, value: str | None) -> None:
    """In the page's own Authorize dialog: sign ``scheme`` out, then in with ``value``."""
    frame.locator(".auth-wrapper button.authorize").first.click()
    form = frame.locator(".modal-ux .auth-container", has=frame.locator("h4", has_text=scheme))
    signed_in = form.locator("button", has_text="Logout")
    if signed_in.count():
        signed_in.click()
    if value is not None:
        form.locator("input").fill(value)
        form.locator("button.authorize").click()
    frame.locator(".modal-ux button.btn-done").first.click()


@pytest.mark.browser
@pytest.mark.slow
def test_browser_try_it_out_refreshes_and_logs_out_through_authorize(
    browser_context, site_url, spec_server
) -> None:
    """Login's token goes into Authorize (the spec's security schemes), then refresh and logout.

    The refresh token travels bare (the `token` scheme, as the FIB documents show it), the
    access token as `Bearer` (the `bearer` scheme): both readings, from the page itself.
    """
    sent: list[tuple[str, str, str]] = []
    page = browser_context.new_page()
    page.on(
        "request",
        lambda r: sent.append((r.method, r.url, r.headers.get("authorization") or "")),
    )
    page.goto(f"{site_url}/reference/fib-explorer/")
    frame = page.frame_locator("iframe.swagger-ui-iframe")
    login = frame.locator(".opblock-post", has_text=FIB_LOGIN_PATH).first
    login_code, body = _try_it_out(login)
    tokens = json.loads(body)["data"]

    _authorize_dialog(frame, "token", tokens["refreshToken"])
    refresh = frame.locator(".opblock-patch", has_text=FIB_LOGIN_PATH).first
    refresh_code, body = _try_it_out(refresh)
    renewed = json.loads(body)["data"]

    _authorize_dialog(frame, "token", None)
    _authorize_dialog(frame, "bearer", renewed["accessToken"])
    logout = frame.locator(".opblock-post", has_text=FIB_LOGOUT_PATH).first
    logout_code, _ = _try_it_out(logout)
    logout.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "site-fib-authorize-logout.png"), full_page=False)
    page.close()
    assert (login_code, refresh_code, logout_code) == ("200", "200", "200")
    api = spec_server
    calls = [(method, url, auth) for method, url, auth in sent if url.startswith(api)]
    assert ("PATCH", api + FIB_LOGIN_PATH, tokens["refreshToken"]) in calls
    assert ("POST", api + FIB_LOGOUT_PATH, f"Bearer {renewed['accessToken']}") in calls
    assert browser_context.outside == []
