"""The suite judged by servers written apart from the reference (``tests/independent/``).

Each other-readings server takes the other choice wherever the documents are silent or
disagree, so ``authconform check`` must pass it (advisories allowed) and fail it under
``--strict``; each mutant breaks one thing the documents do say, so the named check
must fail. The CLI runs for real, in a child process, against real loopback servers.
"""

from __future__ import annotations

import ast
import base64
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from independent import duktig, fib, user_api
from subprocesses import authconform

SERVERS: dict[str, ModuleType] = {"fib": fib, "user-api": user_api, "duktig": duktig}
PACKAGE = Path(__file__).parent / "independent"
# What a stranger's server may import besides the standard library.
ALLOWED_IMPORTS = {"jwt", "nacl", "cryptography", "independent"}

# Small but real: every phase runs, a whole check of one system stays within seconds.
MAX_EXAMPLES = "10"
SEED = "7"
RUN_TIMEOUT = 240

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

    def result(self, name: str) -> dict[str, Any]:
        (found,) = [r for r in self.results if r["name"] == name]
        return found

    def explain(self) -> str:
        bad = [r for r in self.results if r["outcome"] in ("failed", "error")]
        lines = [f"exit {self.returncode}; failed: {sorted(self.failed)}"]
        lines += [f"  {r['name']} [{r.get('level', '?')}]: {r['message']}" for r in bad]
        return "\n".join(lines) + "\n" + self.output[-3000:]


def run_check(workdir: Path, system: str, flags: tuple[str, ...] = (), *options: str) -> Verdict:
    """Start a fresh ``system`` server with ``flags``, run the real CLI on it, read report.json."""
    module = SERVERS[system]
    workdir.mkdir(parents=True, exist_ok=True)
    credentials = workdir / "credentials.json"
    credentials.write_text(json.dumps({system: module.credentials()}), encoding="utf-8")
    report = workdir / "report"
    url, stop = module.serve(flags=flags)
    try:
        result = authconform(
            "check",
            url,
            "--api",
            system,
            "--credentials",
            str(credentials),
            "--report",
            str(report),
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            SEED,
            *options,
            timeout=RUN_TIMEOUT,
        )
    finally:
        stop()
    data = report / "report.json"
    results = json.loads(data.read_text("utf-8"))["results"] if data.exists() else []
    return Verdict(result.returncode, result.stdout + result.stderr, results)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory):
    """``baseline(system) -> Verdict``: the correct server's protocol checks, run once."""
    found: dict[str, Verdict] = {}

    def get(system: str) -> Verdict:
        if system not in found:
            workdir = tmp_path_factory.mktemp(f"baseline-{system}")
            found[system] = run_check(workdir, system, (), "--no-fuzz")
        return found[system]

    return get


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


@pytest.fixture
def served():
    """``served(module, flags=()) -> url``, stopped when the test ends."""
    stops = []

    def start(module: ModuleType, flags: tuple[str, ...] = ()) -> str:
        url, stop = module.serve(flags=flags)
        stops.append(stop)
        return url

    yield start
    for stop in stops:
        stop()


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


@pytest.mark.slow
@pytest.mark.parametrize("system", sorted(SERVERS))
def test_other_readings_server_is_conformant(tmp_path: Path, system: str) -> None:
    verdict = run_check(tmp_path, system)
    assert verdict.returncode == 0, verdict.explain()
    assert not verdict.failed, verdict.explain()
    # Every server here takes choices the project advises against: they must show.
    print(f"{system}: advisories seen: {sorted(verdict.advisories())}")
    assert verdict.advisories(), verdict.explain()


@pytest.mark.slow
@pytest.mark.parametrize("system", sorted(SERVERS))
def test_strict_fails_the_other_readings_server_on_its_advisories(
    tmp_path: Path, system: str
) -> None:
    """Same server, same seed: only --strict differs, and only advisories make it fail."""
    verdict = run_check(tmp_path, system, (), "--strict")
    assert verdict.returncode == 1, verdict.explain()
    assert not verdict.failed, verdict.explain()
    warned = [r for r in verdict.results if r["outcome"] == "warned"]
    assert warned, verdict.explain()
    assert all(r["level"] == "advisory" for r in warned), verdict.explain()
    assert "NOT conformant under --strict" in verdict.output


def _mutants() -> Iterator[Any]:
    for system, module in SERVERS.items():
        for flag, must_fail in module.MUTANTS.items():
            yield pytest.param(system, flag, must_fail, id=f"{system}-{flag}")


@pytest.mark.slow
@pytest.mark.parametrize(("system", "flag", "must_fail"), list(_mutants()))
def test_mutant_fails_its_named_check(
    tmp_path: Path, baseline, system: str, flag: str, must_fail: str
) -> None:
    """The named check breaks on the mutant and not on the correct server: the fault did it.

    At the check's own level: a contract claim fails the run; an advisory one (say, refresh
    token rotation, which no FIB page asks for) only warns. Protocol checks only
    (``--no-fuzz``): each fault is a protocol check's to find.
    """
    verdict = run_check(tmp_path, system, (flag,), "--no-fuzz")
    broken = verdict.result(must_fail)
    if broken["level"] == "contract":
        assert verdict.returncode == 1, verdict.explain()
        assert broken["outcome"] == "failed", verdict.explain()
    else:
        assert verdict.returncode == 0, verdict.explain()
        assert broken["outcome"] == "warned", verdict.explain()
    assert baseline(system).result(must_fail)["outcome"] == "passed", baseline(system).explain()
