"""The suite judged by servers written apart from the reference (``tests/independent/``).

Each other-readings server takes the other choice wherever the documents are silent or
disagree, so ``authconform check`` must pass it (advisories allowed) and fail it under
``--strict``; each mutant breaks one thing the documents do say, so the named check
must fail. The CLI's ``main`` runs in this process (its Schemathesis stage in a child, as
always) against real loopback servers; the entry point as a process is tested elsewhere
(test_cli_check, test_deployed_check).
"""

from __future__ import annotations

import ast
import base64
import contextlib
import http.server
import io
import json
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from independent import duktig, fib, user_api

from conformance import cli

SERVERS: dict[str, ModuleType] = {"fib": fib, "user-api": user_api, "duktig": duktig}
PACKAGE = Path(__file__).parent / "independent"
# What a stranger's server may import besides the standard library.
ALLOWED_IMPORTS = {"jwt", "nacl", "cryptography", "independent"}

# Small but real: every phase runs, a whole check of one system stays within seconds.
MAX_EXAMPLES = "10"
SEED = "7"


@dataclass
class Verdict:
    returncode: int
    output: str
    results: list[dict[str, Any]]

    def named(self, *outcomes: str) -> set[str]:
        return {r["name"] for r in self.results if r["outcome"] in outcomes}

    @property
    def failed(self) -> set[str]:
        return self.named("failed", "error")

    def advisories(self) -> set[str]:
        """Broken advisory claims: what ``--strict`` turns into a failed run."""
        return self.named("warned")

    @property
    def strict_returncode(self) -> int:
        """The exit code of the same run under ``--strict``: any warned, failed or error fails."""
        return 1 if self.named("warned", "failed", "error") else self.returncode

    def result(self, name: str) -> dict[str, Any]:
        (found,) = [r for r in self.results if r["name"] == name]
        return found

    def explain(self) -> str:
        bad = [r for r in self.results if r["outcome"] in ("failed", "error", "blocked")]
        lines = [f"exit {self.returncode}; failed: {sorted(self.failed)}"]
        lines += [f"  {r['name']} [{r.get('level', '?')}]: {r['message']}" for r in bad]
        return "\n".join(lines) + "\n" + self.output[-3000:]


def _arguments(workdir: Path, system: str, url: str, options: tuple[str, ...]) -> list[str]:
    workdir.mkdir(parents=True, exist_ok=True)
    credentials = workdir / "credentials.json"
    credentials.write_text(json.dumps({system: SERVERS[system].credentials()}), encoding="utf-8")
    return [
        "check",
        url,
        "--api",
        system,
        "--credentials",
        str(credentials),
        "--report",
        str(workdir / "report"),
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        *options,
    ]


def _verdict(workdir: Path, returncode: int, output: str) -> Verdict:
    data = workdir / "report" / "report.json"
    results = json.loads(data.read_text("utf-8"))["results"] if data.exists() else []
    return Verdict(returncode, output, results)


def check_in_process(
    workdir: Path, system: str, flags: tuple[str, ...] = (), *options: str
) -> Verdict:
    """``authconform check`` through the CLI's ``main`` in this process, against a fresh
    ``system`` server started with ``flags``.

    The verdict, not the process, is under test here: a child interpreter would only add
    a second of imports per run. The Schemathesis stage still runs in its own child.
    """
    url, stop = SERVERS[system].serve(flags=flags)
    out, err = io.StringIO(), io.StringIO()
    try:
        argv = _arguments(workdir, system, url, options)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            returncode = cli.main(argv)
    finally:
        stop()
    return _verdict(workdir, returncode, out.getvalue() + err.getvalue())


# --- the servers are strangers' ---------------------------------------------------------


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def test_independent_servers_import_only_stdlib_and_crypto_libraries() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert {f.name for f in files} >= {"__init__.py", "fib.py", "user_api.py", "duktig.py"}
    for path in files:
        outside = set(_imports(path)) - set(sys.stdlib_module_names) - ALLOWED_IMPORTS
        assert not outside, f"{path.name} imports {sorted(outside)}"
        text = path.read_text("utf-8")
        for package in ("reference_impl", "conformance", "load"):
            assert f"import {package}" not in text and f"from {package}" not in text


# --- the readings they take, seen directly ------------------------------------------------


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_fib_seed_example_logs_in_and_expiration_time_is_the_exp(served) -> None:
    url = served(fib)
    body = {
        "email": "alice@mail.com",
        "signature": "0b458f758eeca3d7a2a64de0648c9b7dccaee146202257cd8ebaeb4690aa48b4"
        "64108111d8cf0e7f3b0ace1b51dcda89e76d372233514f324e00d64c6b899c0e",
        "authPublicKeyHex": "ed0120" + fib.SEED_USER[1],
    }
    response = httpx.post(url + fib.SESSION, json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == {"code": 200, "name": "OK"}
    access = _claims(answer["data"]["accessToken"])
    assert answer["data"]["expirationTime"] == access["exp"]
    assert access["sub"] == "alice@mail.com" and access["role"] == fib.ROLE
    assert httpx.get(url + "/.well-known/jwks.json").status_code == 404
    assert httpx.request("DELETE", url + fib.SESSION).status_code == 404


def test_user_api_takes_uuids_long_names_short_passwords_and_answers_422(served) -> None:
    url = served(user_api)
    user = {"name": "n" * 100, "email": "someone@users.example", "password": "six-ch"}
    response = httpx.post(url + user_api.SIGNUP, json=user)
    assert response.status_code == 200, response.text
    assert len(response.json()["userId"]) == 36
    refused = httpx.post(url + user_api.SIGNUP, json={**user, "password": 5})
    assert refused.status_code == 422
    assert refused.json()["error"] == "Unprocessable Entity"
    assert httpx.post(url + user_api.SIGNUP, json=user).status_code == 400  # taken


def test_duktig_last_login_is_null_first_then_the_previous_time(served) -> None:
    url = served(duktig)
    user = duktig.credentials()["users"][0]
    headers = {"X-Auth-Key": duktig.AUTH_KEY}
    first = httpx.post(url + duktig.TOKEN, json=user, headers=headers).json()
    second = httpx.post(url + duktig.TOKEN, json=user, headers=headers).json()
    assert first["lastLogin"] is None
    assert isinstance(second["lastLogin"], str) and len(second["lastLogin"]) == 19
    bad = httpx.post(url + duktig.TOKEN, content=b"{nope", headers=headers)
    assert (bad.status_code, bad.json()) == (400, ["Required valid json string"])
    assert httpx.get(url + duktig.TOKEN).json() == {
        "status": "error",
        "message": "Resource not found",
    }


# The path to post to, the headers it needs, and its answer to a body that is not JSON.
NOT_JSON = {
    "fib": (fib.SESSION, {}, 400),
    "user-api": (user_api.LOGIN, {}, 400),
    "duktig": (duktig.TOKEN, {"X-Auth-Key": duktig.AUTH_KEY}, 400),
}


@pytest.mark.parametrize("system", sorted(SERVERS))
def test_oversized_body_is_drained_and_the_connection_stays_usable(served, system) -> None:
    """A refused large body is read to its end, so the next request on the socket works."""
    url = served(SERVERS[system])
    path, headers, status = NOT_JSON[system]
    with httpx.Client(base_url=url, headers=headers, limits=httpx.Limits(max_connections=1)) as c:
        big = c.post(path, content=b"x" * (1024 * 1024 + 1))
        assert big.status_code == 413
        assert big.headers.get("connection") != "close"
        follow = c.post(path, content=b"{", headers={"Content-Type": "application/json"})
        assert follow.status_code == status


def test_body_without_content_length_is_refused_and_the_connection_closed(served) -> None:
    """A chunked body is not read here, so the answer says ``Connection: close`` and means it."""
    url = served(fib)
    with httpx.Client(base_url=url) as client:
        response = client.post(fib.SESSION, content=iter([b'{"email": ', b'"a@b.c"}']))
        assert response.request.headers["transfer-encoding"] == "chunked"
        assert response.status_code == 411
        assert response.headers["connection"] == "close"
        assert client.post(fib.SESSION, json={}).status_code == 400  # a new connection


# --- the suite's verdicts -----------------------------------------------------------------


# RFC 9110 §9.3.8: a client MUST NOT send content with TRACE; nor does the suite with these.
NO_CONTENT = ("GET", "HEAD", "DELETE", "TRACE")
# Methods Schemathesis's coverage phase sends to every server's documented POST paths.
PROBED = ("GET", "DELETE", "TRACE")


@pytest.fixture
def arrivals(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, str]]]]:
    """Every request line and header set that reaches any http.server in this process."""
    seen: list[tuple[str, dict[str, str]]] = []
    lock = threading.Lock()
    parse = http.server.BaseHTTPRequestHandler.parse_request

    def recording(handler: http.server.BaseHTTPRequestHandler) -> bool:
        parsed = parse(handler)
        if parsed:
            with lock:
                seen.append((handler.command, {k.lower(): v for k, v in handler.headers.items()}))
        return parsed

    monkeypatch.setattr(http.server.BaseHTTPRequestHandler, "parse_request", recording)
    yield seen


def _with_content(arrivals: list[tuple[str, dict[str, str]]]) -> list[tuple[str, dict]]:
    return [
        (method, headers)
        for method, headers in arrivals
        if method in NO_CONTENT
        and (int(headers.get("content-length", "0") or 0) > 0 or "transfer-encoding" in headers)
    ]


@pytest.mark.slow
@pytest.mark.parametrize("system", sorted(SERVERS))
def test_other_readings_server_is_conformant_and_strict_fails_it_on_advisories(
    tmp_path: Path, system: str, arrivals: list[tuple[str, dict[str, str]]]
) -> None:
    """The CLI, every phase: conformant, advisories shown.

    ``--strict`` is judged from the same run's report: it fails exactly when a claim
    warned (and nothing failed), so a second run would only repeat this one. Seen from the
    server, the same run's TRACE, GET and DELETE probes (Schemathesis's coverage phase)
    arrive, none of them with content, while its POSTs carry theirs.
    """
    verdict = check_in_process(tmp_path, system)
    methods = {method for method, _ in arrivals}
    assert set(PROBED) <= methods, sorted(methods)
    assert _with_content(arrivals) == []
    assert any(m == "POST" and int(h.get("content-length", "0")) > 0 for m, h in arrivals)
    assert verdict.returncode == 0, verdict.explain()
    assert not verdict.failed and not verdict.named("blocked"), verdict.explain()
    assert "0 failures from 0 distinct faults" in verdict.output, verdict.explain()
    # Every server here takes choices the project advises against: they must show.
    warned = [r for r in verdict.results if r["outcome"] == "warned"]
    assert warned, verdict.explain()
    assert all(r["level"] == "advisory" for r in warned), verdict.explain()
    assert verdict.strict_returncode == 1
    # Each mutant's check passes here, so its failure on the mutant is the fault's doing.
    for must_pass in SERVERS[system].MUTANTS.values():
        assert verdict.result(must_pass)["outcome"] == "passed", verdict.explain()


def test_strict_verdict_read_from_a_report_matches_the_cli(tmp_path: Path) -> None:
    """The ``--strict`` reading above is the CLI's own: same server, same seed, both ways."""
    plain = check_in_process(tmp_path / "plain", "user-api", (), "--no-fuzz")
    strict = check_in_process(tmp_path / "strict", "user-api", (), "--no-fuzz", "--strict")
    assert plain.returncode == 0 and plain.advisories(), plain.explain()
    assert strict.returncode == plain.strict_returncode == 1, strict.explain()
    assert "NOT conformant under --strict" in strict.output


# Mutants whose protocol fault the Schemathesis stage also finds, in the same words, so the
# two join as one fault (the stage's side: tests/test_fuzz_tokens.py).
SAME_FAULT = {
    ("fib", "logout_skips_auth"): (
        "fib: POST /auth/api/v1/authentication-management/logout: honoured without a token"
    ),
}


def _mutants() -> Iterator[Any]:
    for system, module in SERVERS.items():
        for flag, must_fail in module.MUTANTS.items():
            yield pytest.param(system, flag, must_fail, id=f"{system}-{flag}")


@pytest.mark.slow
@pytest.mark.parametrize(("system", "flag", "must_fail"), list(_mutants()))
def test_mutant_fails_its_named_check(
    tmp_path: Path, system: str, flag: str, must_fail: str
) -> None:
    """The named check breaks on the mutant, at its own level (the correct server passes it).

    A contract claim fails the run; an advisory one (say, refresh token rotation, which no
    FIB page asks for) only warns. Protocol checks only (``--no-fuzz``), in-process: each
    fault is a protocol check's to find.
    """
    verdict = check_in_process(tmp_path, system, (flag,), "--no-fuzz")
    broken = verdict.result(must_fail)
    if (system, flag) in SAME_FAULT:
        assert broken["fault"] == SAME_FAULT[(system, flag)], verdict.explain()
    if broken["level"] == "contract":
        assert verdict.returncode == 1, verdict.explain()
        assert broken["outcome"] == "failed", verdict.explain()
    else:
        assert verdict.returncode == 0, verdict.explain()
        assert broken["outcome"] == "warned", verdict.explain()


# --- one place off: one failure per difference, everything else judged on its own ---------

SERVER_ERROR = "no_server_error[POST /auth/api/v1/authentication-management/session]"
# system, flags -> (the protocol checks that must fail, the checks that must be blocked, by
# whom, the summary line across both stages). The login answer's own missing userName is
# login_answer_names_the_user's to fail; Schemathesis repeats both faults, counted once.
ONE_PLACE_OFF = {
    ("user-api", ("signup_answers_201", "omits_user_name")): (
        {"signup_answers_200", "signup_then_login_round_trip", "login_answer_names_the_user"},
        {"response_bodies_match_the_spec": "signup_then_login_round_trip"},
        "6 failures from 2 distinct faults; 1 check blocked by them",
    ),
    ("fib", ("server_error_on_large_body",)): (
        {SERVER_ERROR},
        {},
        "1 failure from 1 distinct fault",
    ),
    ("duktig", ("omits_last_login",)): (
        {"success_body_has_documented_fields"},
        {
            "last_login_has_documented_format": "success_body_has_documented_fields",
            "response_bodies_match_the_spec": "success_body_has_documented_fields",
        },
        "1 failure from 1 distinct fault; 2 checks blocked by them",
    ),
}


# What the issue saw fail for no fault of their own, on the User API variant.
JUDGED_ON_THEIR_OWN = {
    "user-api": (
        "wrong_password_rejected",
        "duplicate_signup_rejected",
        "token_lives_one_hour",
        "login_token_lives_one_hour",
        "token_is_hs256_jwt_with_documented_claims",
        "login_token_names_the_user",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("system", "flags"), list(ONE_PLACE_OFF), ids=[s for s, _ in ONE_PLACE_OFF]
)
def test_one_place_off_fails_once_per_difference(
    tmp_path: Path, system: str, flags: tuple[str, ...]
) -> None:
    """Exactly the named protocol checks fail, the named ones are blocked by their cause,
    every Schemathesis finding repeats one of their faults, the faults are counted once
    across both stages, and the rest pass (advisories the correct server also draws aside)."""
    must_fail, must_block, line = ONE_PLACE_OFF[(system, flags)]
    verdict = check_in_process(tmp_path, system, flags)
    assert verdict.returncode == 1, verdict.explain()
    fuzzed = {n for n in verdict.failed if n.startswith("schemathesis.")}
    assert verdict.failed - fuzzed == must_fail, verdict.explain()
    blocked = {r["name"]: r for r in verdict.results if r["outcome"] == "blocked"}
    assert set(blocked) == set(must_block), verdict.explain()
    for name, cause in must_block.items():
        assert blocked[name]["cause"] == cause
        assert blocked[name]["message"].startswith(f"blocked by {cause}: ")
    assert f"\n{line}\n" in verdict.output, verdict.output[-2000:]
    protocol_faults = {verdict.result(name)["fault"] for name in must_fail}
    for result in verdict.results:
        if result["name"] in fuzzed and result["outcome"] == "failed":
            assert result["fault"] in protocol_faults, verdict.explain()
    for name in JUDGED_ON_THEIR_OWN.get(system, ()):
        assert verdict.result(name)["outcome"] == "passed", verdict.explain()
    for name in must_fail:
        if name.startswith("no_server_error["):  # the 5xx, with the request that drew it
            details = verdict.result(name)["details"]
            assert "RFC 9110" in verdict.result(name)["message"]
            assert "  > POST http" in details and "  < 500" in details, details[-500:]
    for result in verdict.results:
        if result["outcome"] == "warned":
            assert result["level"] == "advisory", verdict.explain()
        elif result["name"] not in must_fail | set(must_block) | fuzzed:
            assert result["outcome"] in ("passed", "skipped", "not_applicable"), verdict.explain()
