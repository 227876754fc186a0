"""Every output of a run can be published: no usable credential, no control byte, bounded.

Each case is a target of the project's own that puts something dangerous in front of the
checker: its login signature and tokens in failure evidence, raw terminal escapes in a
failing answer, a header byte outside ASCII, 200 MB answers to Schemathesis's requests.
The checker runs as a user runs it; stdout, stderr and the four reports are read back as
bytes (tests/publishable.py says what each must and must not hold).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import hostile_servers
import pytest
from publishable import assert_publishable, checked
from wsgi_rewrite import rewriting

from conformance.engine.masking import secret_values
from conformance.fuzz.bounds import SIZE_CHECK
from conformance.signing import sign_email
from reference_impl.serving.embedded import running_server

pytestmark = pytest.mark.slow

FIB_SESSION = "/auth/api/v1/authentication-management/session"
FAST = ("--timeout", "2", "--max-time", "60")


def _login_answer_broken(environ: dict, request_body: bytes, status: int, parsed: Any):
    """FIB logins keep their tokens but give a wrong expirationTime: every login check fails
    with the signed request and the token pair in its evidence."""
    login = (environ["REQUEST_METHOD"], environ["PATH_INFO"]) == ("POST", FIB_SESSION)
    if login and status == 200 and isinstance(parsed, dict):
        parsed["data"]["expirationTime"] = "soon"
        return 200, parsed
    return None


def test_signature_and_tokens_never_reach_an_output(tmp_path: Path) -> None:
    with running_server(demo_users=1, wrap=rewriting(_login_answer_broken)) as server:
        credentials = tmp_path / "credentials.json"
        credentials.write_text(json.dumps(server.credentials), encoding="utf-8")
        run = checked(
            server.url,
            "--api",
            "fib",
            "--credentials",
            str(credentials),
            "--max-examples",
            "2",
            "--seed",
            "1",
            cwd=tmp_path,
        )
    users = server.credentials["fib"]["users"]
    signatures = [sign_email(u["email"], u["privateKeyHex"]) for u in users]
    assert_publishable(
        run, codes=(1,), secrets=[*secret_values(server.credentials), *signatures]
    )
    # The evidence is still there, fingerprinted: the signed login and the pair it got.
    stdout = run.stdout.decode()
    assert '"signature": "[masked: 128 chars, sha256 ' in stdout
    assert '"refreshToken": "[masked JWT: ' in stdout
    assert "claims sub=" in stdout


def test_control_bytes_in_a_failing_answer_are_shown_as_escapes(tmp_path: Path) -> None:
    with hostile_servers.serving("control_bytes") as url:
        run = checked(url, "--no-fuzz", *FAST, cwd=tmp_path)
    assert_publishable(run, codes=(1,), secrets=[])
    assert b"\\x1b]0;owned\\x07\\x1b[2K\\x00" in run.stdout
    assert b"\\x1b]0;owned\\x07" in run.reports["report.md"]


def test_a_header_byte_outside_ascii_is_read_at_every_step(tmp_path: Path) -> None:
    # Reachability, fingerprint, the checks and the Schemathesis stage all read its answers.
    with hostile_servers.serving("odd_header") as url:
        run = checked(url, "--api", "fib", "--max-examples", "2", *FAST, cwd=tmp_path)
    assert_publishable(run, codes=(1,), secrets=[])
    assert b"the target looks like this API" in run.stdout
    results = json.loads(run.reports["report.json"])["results"]
    assert not [r for r in results if r["outcome"] == "error"], [
        (r["name"], r["message"]) for r in results if r["outcome"] == "error"
    ]


def test_huge_answers_to_generated_requests_fail_the_target_in_bounded_memory(
    tmp_path: Path,
) -> None:
    with hostile_servers.serving("huge_to_fuzzing") as url:
        run = checked(url, "--api", "fib", "--max-examples", "2", *FAST, cwd=tmp_path)
    assert_publishable(run, codes=(1, 2), secrets=[])
    results = json.loads(run.reports["report.json"])["results"]
    cut = [r for r in results if r["name"] == SIZE_CHECK]
    assert cut and cut[0]["outcome"] == "failed", [(r["name"], r["outcome"]) for r in results]
    assert "larger than 1048576 bytes" in cut[0]["message"]


@pytest.mark.serial  # how the child fails past its limit varies with the machine's load
def test_a_schemathesis_child_past_its_memory_limit_fails_the_target() -> None:
    # The last guard, tripped on purpose: a limit far below what the child needs.
    from conformance.fuzz.run import run_schemathesis
    from conformance.profiles import discover_profiles

    with hostile_servers.serving("huge_to_fuzzing") as url:
        # A child whose thread could not start may hang until killed: a short wall clock.
        # It reaches its limit in about 1 s here (spec loaded, first answers read; about
        # 2 s at half speed); killed at 5 s, its peak address space still says why. A hung
        # child spins at its limit until then, so each second here is a CPU-second.
        # The limit: the run needs 170 to 200 MiB of address space (more when Hypothesis
        # builds its Unicode tables instead of reading them from hypothesis_cache()); at
        # 100 to 170 MiB it fails past its limit, at 80 it cannot start.
        results = run_schemathesis(
            discover_profiles()["fib"],
            url,
            max_examples=1,
            seed=1,
            memory_bytes=140 * 1024**2,
            run_timeout=5,
        )
    run = [r for r in results if r.name == "schemathesis.run"]
    assert [r.outcome.value for r in run] == ["failed"], [(r.name, r.message) for r in results]
    assert "past its memory limit of 140 MiB" in run[0].message
