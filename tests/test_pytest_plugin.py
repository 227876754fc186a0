"""The pytest plugin, run the way a user runs it: ``pytest -p authconform``, a real server.

Each pytest run happens in an empty directory with ``-p authconform`` and writes JUnit
XML, which says per item whether it passed, failed (with what text), was skipped (why),
and which warnings it raised. The runs are pytest sessions of their own inside this
process (pytester's ``runpytest_inprocess``): the plugin is loaded by its entry point's
name, as in a child, and keeps its state on the session's config, so nothing carries
over from one run to the next. A child interpreter cost about 3 CPU seconds of start-up
per run (Schemathesis's own pytest plugin is imported by every pytest) and judged
nothing; whether loading the plugin stays cheap is judged in a fresh interpreter below.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from broken_fib import BROKEN
from subprocesses import serving
from wsgi_rewrite import WSGIApp

# Imported here, before any pytester snapshot of sys.modules: what a run imports later is
# dropped when it ends, and would be imported again by the next run.
import conformance.engine.target  # noqa: F401
from conformance.api import list_checks
from reference_impl.serving.embedded import running_server

pytest_plugins = ("pytester",)

AUTHCONFORM_SERVE = (sys.executable, "-m", "conformance.cli", "serve")


@pytest.fixture(scope="module", autouse=True)
def _checks_imported_before_the_first_run() -> None:
    """Every check module in ``sys.modules`` before a run can drop it.

    A run drops the check modules it imported, but the registry (imported earlier by
    another test file of the same worker) keeps their names: imported again, each check
    would be registered twice. Whether the file passed hung on which files ran before it.
    The spec reader and Schemathesis too: a run that first imported them dropped PyYAML's
    modules while the reader kept its loader, and the next run could not parse a spec.
    """
    list_checks("all")
    import schemathesis  # noqa: F401

    from conformance.openapi.files import load_spec

    load_spec("fib")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`authconform serve --demo-users 2 --credentials-out FILE` on a free port.

    Passwords are hashed at ``--password-cost light``: what the plugin makes of the run's
    results is the claim here, not the server's hashing, which at the OWASP default cost
    about 15 CPU seconds for this module's two runs.
    """
    import socket

    work = tmp_path_factory.mktemp("plugin-serve")
    creds = work / "creds.json"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with serving(
        port,
        work / "ref.db",
        "--demo-users",
        "2",
        "--credentials-out",
        str(creds),
        "--password-cost",
        "light",
        command=AUTHCONFORM_SERVE,
    ) as url:
        yield url, creds


@pytest.fixture
def run_pytest(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    """``run_pytest(workdir, *args)`` -> (process-like result, per-item JUnit results)."""

    def run(workdir: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict]:
        junit = workdir / "junit.xml"
        monkeypatch.chdir(workdir)
        result = pytester.runpytest_inprocess(
            "-p", "authconform",
            "-p", "no:cacheprovider",
            "-p", "no:locust",
            "--junitxml", str(junit),
            "-rA",
            *args,
        )  # fmt: skip
        out, err = "\n".join(result.outlines), "\n".join(result.errlines)
        proc = subprocess.CompletedProcess(["pytest", *args], int(result.ret), out, err)
        return proc, _junit_items(junit)

    return run


def _junit_items(junit: Path) -> dict[str, tuple[str, str]]:
    """Per item: its outcome (passed, failure, error, skipped) and that outcome's text."""
    items = {}
    if junit.exists():
        for case in ET.parse(junit).iter("testcase"):
            verdict = next((c for c in case if c.tag in ("failure", "error", "skipped")), None)
            name = f"{case.get('classname')}.{case.get('name')}".strip(".")
            items[name] = (
                "passed" if verdict is None else verdict.tag,
                "" if verdict is None else (verdict.get("message") or "") + (verdict.text or ""),
            )
    return items


def _item(system: str, name: str) -> str:
    """How JUnit names ``authconform::<system>::<name>``."""
    return f"authconform.{system}.{name}"


def test_without_a_url_the_plugin_adds_nothing(
    run_pytest, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    (tmp_path / "test_own.py").write_text("def test_own():\n    assert True\n")
    proc, items = run_pytest(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert list(items) == ["test_own.test_own"]
    helped = pytester.runpytest_inprocess("-p", "authconform", "-p", "no:locust", "--help")
    assert "--authconform-url=URL" in helped.stdout.str()


def test_loading_the_plugin_imports_none_of_the_suite() -> None:
    """The entry point loads it into every pytest run of an installed project: keep it cheap."""
    probe = (
        "import sys, conformance.pytest_plugin;"
        "print(sorted(m for m in sys.modules if m.startswith('conformance.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "['conformance.pytest_plugin']"


@pytest.mark.slow
def test_one_item_per_check_all_pass_against_authconform_serve(
    served: tuple[str, Path], run_pytest, tmp_path: Path
) -> None:
    url, creds = served
    proc, items = run_pytest(
        tmp_path,
        "--authconform-url", url,
        "--authconform-credentials", str(creds),
        "--authconform-no-fuzz",
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    expected = {_item(c.system, c.name) for c in list_checks("all", fuzz=False)}
    assert set(items) == expected
    assert len(expected) >= 50  # every protocol check of the three systems
    assert "authconform::fib::correctly_signed_login_succeeds" in proc.stdout
    not_passed = {name: v for name, v in items.items() if v[0] != "passed"}
    # Skipped, each with its reason: the check that must wait out a token's lifetime, the
    # opt-in throttling probes, and FIB's account discovery (its documents answer 404).
    reasons = {
        _item("fib", "expired_access_token_is_rejected"): "expiry wait",
        _item("user-api", "failed_logins_are_throttled"): "--probe-throttling",
        _item("duktig", "failed_logins_are_throttled"): "--probe-throttling",
        _item("fib", "unknown_email_answered_like_wrong_password"): "404",
    }
    assert set(not_passed) == set(reasons)
    for item, reason in reasons.items():
        assert reason in not_passed[item][1], not_passed[item]


@pytest.mark.slow
def test_without_credentials_login_checks_skip_with_the_reason(
    served: tuple[str, Path], run_pytest, tmp_path: Path
) -> None:
    url, _ = served
    proc, items = run_pytest(
        tmp_path, "--authconform-url", url, "--authconform-api", "duktig", "--authconform-no-fuzz"
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    outcome, reason = items[_item("duktig", "incorrect_credentials_get_401")]
    assert outcome == "skipped" and "credentials" in reason


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["accepts_any_signature", "repeats_jti"])
def test_a_broken_server_fails_the_right_items_with_the_evidence(
    variant: str, run_pytest, tmp_path: Path
) -> None:
    options, must_fail = BROKEN[variant]
    with running_server(demo_users=1, **options) as server:
        creds = tmp_path / "creds.json"
        creds.write_text(json.dumps(server.credentials))
        proc, items = run_pytest(
            tmp_path,
            "--authconform-url", server.url,
            "--authconform-api", "fib",
            "--authconform-credentials", str(creds),
            "--authconform-no-fuzz",
        )
    assert proc.returncode == 1, proc.stdout[-4000:]
    failed = {name for name, (outcome, _) in items.items() if outcome == "failure"}
    assert _item("fib", must_fail) in failed
    # The failure text is the check's evidence, as the CLI prints it.
    text = items[_item("fib", must_fail)][1]
    assert f"FAIL fib {must_fail} [contract]" in text
    assert "received:" in text and "documented:" in text and "evidence:" in text
    # The rest of the login checks still pass: one fault, few failures.
    assert len(failed) < len(items) // 4


def _not_found_for_other_methods(app: WSGIApp) -> WSGIApp:
    """405 answers become 404s: only an advisory breaks (405 is the answer RFC 9110 names for
    a method the resource lacks, but no document promises it; a 405 without Allow would be
    a contract failure, §15.5.6)."""
    body = b'{"status":{"code":404,"name":"Not Found"},"data":null}'

    def served(environ, start_response):
        answered: list[str] = []

        def start(status, headers, exc_info=None):
            answered.append(status)
            if not status.startswith("405"):
                return start_response(status, headers, exc_info)
            kept = [(k, v) for k, v in headers if k.lower() not in ("allow", "content-length")]
            return start_response(
                "404 Not Found", [*kept, ("Content-Length", str(len(body)))], exc_info
            )

        chunks = app(environ, start)
        if answered and answered[0].startswith("405"):
            if hasattr(chunks, "close"):
                chunks.close()
            return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]  # RFC 9110 §9.3.2
        return chunks

    return served


@pytest.mark.slow
def test_with_fuzz_an_advisory_warns_and_fails_only_under_strict(
    run_pytest, tmp_path: Path
) -> None:
    advisory = _item("fib", "schemathesis.unsupported_method")
    with running_server(demo_users=1, wrap=_not_found_for_other_methods) as server:
        creds = tmp_path / "creds.json"
        creds.write_text(json.dumps(server.credentials))
        common = (
            "--authconform-url", server.url,
            "--authconform-api", "fib",
            "--authconform-credentials", str(creds),
            "--authconform-max-examples", "3",
            "--authconform-seed", "1",
        )
        proc, items = run_pytest(tmp_path, *common)
        assert proc.returncode == 0, proc.stdout[-6000:]
        # Schemathesis' checks are items too, each with its verdict.
        assert items[_item("fib", "schemathesis.not_a_server_error")][0] == "passed"
        assert items[_item("fib", "schemathesis.run")][0] == "passed"
        assert items[advisory][0] == "passed"
        assert "AuthconformAdvisory" in proc.stdout
        assert "ADVISORY fib schemathesis.unsupported_method [advisory]" in proc.stdout

        again = tmp_path / "strict"
        again.mkdir()
        strict, items = run_pytest(
            again, *common, "--authconform-strict", "-k", "unsupported_method or not_a_server"
        )
    assert strict.returncode == 1, strict.stdout[-6000:]
    assert items[advisory][0] == "failure"
    assert "undeclared method" in items[advisory][1]
    assert items[_item("fib", "schemathesis.not_a_server_error")][0] == "passed"


def test_an_unreachable_target_fails_each_item_with_one_line(run_pytest, tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        proc, items = run_pytest(
            tmp_path, "--authconform-url", url, "--authconform-api", "duktig",
            "--authconform-no-fuzz", "-k", "auth_key",
        )
    assert proc.returncode == 1
    assert {v[0] for v in items.values()} == {"failure"} and len(items) == 2
    assert all(v[1].startswith(f"error: target {url}: cannot connect") for v in items.values())
    assert "Traceback" not in proc.stdout


def test_the_system_option_is_read_as_the_clis_api(run_pytest, tmp_path: Path) -> None:
    """Named twice, a system's items come once; an empty name is the CLI's usage error."""
    url = "http://127.0.0.1:9"  # collection only: nothing is sent
    twice = tmp_path / "twice"
    twice.mkdir()
    proc, _ = run_pytest(
        twice, "--authconform-url", url, "--authconform-api", "duktig, duktig",
        "--authconform-no-fuzz", "--collect-only", "-q",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    collected = [line for line in proc.stdout.splitlines() if "::" in line]
    assert collected and all("::duktig::" in line for line in collected), collected
    assert len(collected) == len(set(collected)) == len(list_checks("duktig", fuzz=False))
    blank = tmp_path / "blank"
    blank.mkdir()
    proc, _ = run_pytest(blank, "--authconform-url", url, "--authconform-api", "duktig, ")
    assert proc.returncode != 0
    assert "error: --authconform-api: an empty system name" in proc.stdout, proc.stdout
    assert "Traceback" not in proc.stdout
