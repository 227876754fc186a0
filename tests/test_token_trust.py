"""Token trust: weak HMAC secrets found offline, password material found in answers, and
neither ever shown in a report (the secret, a hash, a usable token).

The verdicts on the independent servers' planted faults run in ``test_independent.py``
(its mutants); here, the pieces, and one whole run whose every output is searched.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from pathlib import Path

import httpx
import jwt
import pytest
from in_process import authconform
from independent import duktig, fib

from conformance.checks.fib.key_server import MAX_REQUESTS, KeyServer
from conformance.checks.registry import checks_for
from conformance.checks.token_trust import material_in, secret_fingerprint, weak_secret_of
from conformance.checks.weak_secrets import WEAK_SECRETS, kind_of
from conformance.engine.context import Context
from conformance.engine.masking import Masker, fingerprint, mask_transcript
from conformance.engine.runner import run_check, run_system
from conformance.engine.settings import Settings
from conformance.model import Outcome
from conformance.openapi.files import load_spec
from conformance.profiles import get_profile, load_checks
from conformance.secret_shapes import describe_hash
from reference_impl.serving.embedded import running_server

BCRYPT = "$2b$10$" + "N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
ARGON2 = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g"
# A JWT with a signature part: what a usable token looks like in a text.
USABLE_TOKEN = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")


def _hs256(secret: str) -> str:
    with warnings.catch_warnings():  # short keys are the point here
        warnings.simplefilter("ignore")
        return jwt.encode({"sub": "someone", "iat": 1}, secret, algorithm="HS256")


# --- the dictionary -------------------------------------------------------------------------


def test_dictionary_is_bounded_and_holds_the_secrets_seen_in_the_field() -> None:
    assert len(WEAK_SECRETS) == len(set(WEAK_SECRETS)) <= 400
    for seen in ("process.env.JWT_KEY", "${JWT_SECRET}", "JWT_SECRET", "", "secret"):
        assert seen in WEAK_SECRETS
    assert kind_of("") == "the empty string"
    assert kind_of("process.env.JWT_KEY") == "an unexpanded configuration variable name"
    assert kind_of("changeme") == "a common or placeholder secret"


@pytest.mark.parametrize("secret", ["process.env.JWT_KEY", "your-256-bit-secret", "${JWT_SECRET}"])
def test_a_token_signed_with_a_weak_secret_is_found_and_shown_only_by_fingerprint(
    secret: str,
) -> None:
    found = weak_secret_of(_hs256(secret), "HS256")
    assert found is not None and found.value == secret
    digest = hashlib.sha256(secret.encode()).hexdigest()[:12]
    assert (
        found.fingerprint
        == secret_fingerprint(secret)
        == f"{len(secret)} characters, SHA-256 {digest}…"
    )
    assert secret not in repr(found) and secret not in found.fingerprint


def test_a_token_with_a_strong_secret_or_another_algorithm_is_not_a_hit() -> None:
    strong = jwt.encode({"sub": "x"}, "k" * 24 + "a-random-enough-tail-9f3", algorithm="HS256")
    assert weak_secret_of(strong, "HS256") is None
    assert weak_secret_of(_hs256("secret"), "EdDSA") is None  # only HMAC algorithms are tried
    assert weak_secret_of("not.a-token", "HS256") is None


# --- password material ----------------------------------------------------------------------


def test_hash_shapes_are_described_without_their_salt_or_digest() -> None:
    assert describe_hash(BCRYPT) == "a bcrypt hash ($2b$, cost 10, 60 chars)"
    assert describe_hash(ARGON2).startswith("an argon2 hash (cost 3, ")
    assert describe_hash("pbkdf2_sha256$600000$abc$" + "A" * 44).startswith("a PBKDF2 hash")
    assert describe_hash("scrypt$16384$8$1$" + "ab" * 16 + "$" + "cd" * 32).startswith("a scrypt")
    for word in ("hello world", "ab" * 32, "$2b$10$short"):
        assert describe_hash(word) is None


def test_material_is_found_by_value_shape_and_name_and_inside_token_claims() -> None:
    token = jwt.encode({"account": {"id": 1, "hash": BCRYPT}}, "k" * 32, algorithm="HS256")
    body = {
        "user": {"email": "a@b.example", "passwordHash": ARGON2, "salt": "0f1e2d3c"},
        "echo": "Sup3r-Secret-Passw0rd!",
        "token": token,
    }
    found = {where: kind for where, kind, _ in material_in(body, {"Sup3r-Secret-Passw0rd!"})}
    assert found["echo"] == "the password sent, in clear"
    assert found["user.passwordHash"].startswith("an argon2 hash")
    assert found["user.salt"] == "a value of 8 chars"
    assert found["token (token claim account.hash)"] == "a bcrypt hash ($2b$, cost 10, 60 chars)"


def test_error_messages_about_the_password_are_not_material() -> None:
    """Duktig's 422 lists messages under ``password``; prose under that name is no secret."""
    assert material_in({"password": ["Required value"]}, set()) == []
    assert material_in({"password": "must be at least 8 characters"}, set()) == []
    assert material_in({"message": "The field 'password' is required."}, set()) == []


def test_the_masking_layer_hides_hashes_by_shape_and_token_claims_that_hold_material() -> None:
    text = json.dumps({"passwordHash": BCRYPT, "note": f"stored {ARGON2}"})
    masked = mask_transcript(text)
    assert BCRYPT not in masked and "c2FsdHNhbHRzYWx0" not in masked
    assert "a bcrypt hash ($2b$, cost 10, 60 chars)" in masked
    token = jwt.encode({"sub": "s", "account": {"password": BCRYPT}}, "k" * 32, algorithm="HS256")
    assert BCRYPT not in fingerprint(token) and "password': '***'" in fingerprint(token)
    assert BCRYPT not in Masker()(f"answer: {token}")


# --- one whole run, every output searched ---------------------------------------------------


def test_no_output_shows_the_weak_secret_the_hash_or_a_usable_token(tmp_path: Path, served) -> None:
    """Duktig with the User API's field faults planted: the weak secret fails (contract, an
    RFC MUST NOT), the leaked hash warns (advisory: ASVS alone, no document promises it);
    both say what they found, and no output holds the secret, the hash or a token."""
    url = served(duktig, ("placeholder_jwt_secret", "answer_has_password_hash"))
    credentials = tmp_path / "credentials.json"
    credentials.write_text(json.dumps({"duktig": duktig.credentials()}), encoding="utf-8")
    report = tmp_path / "report"
    run = authconform(
        "check", url, "--api", "duktig", "--credentials", str(credentials),
        "--report", str(report), "--no-fuzz", "--seed", "7",
    )  # fmt: skip
    assert run.returncode == 1, run.stdout[-3000:]
    results = {r["name"]: r for r in json.loads((report / "report.json").read_text())["results"]}
    weak = results["token_secret_is_not_a_known_weak_one"]
    leak = results["answers_hold_no_password_material"]
    assert (weak["outcome"], weak["level"]) == ("failed", "contract")
    assert weak["source"].startswith("RFC 8725 §3.5: ")
    assert (leak["outcome"], leak["level"]) == ("warned", "advisory")
    assert secret_fingerprint(duktig.PLACEHOLDER_SECRET) in weak["details"]
    assert "an unexpanded configuration variable name" in weak["details"]
    assert "account.password: a PBKDF2 hash (cost 1000, 80 chars)" in leak["details"]
    outputs = {"terminal": run.stdout + run.stderr}
    outputs |= {p.name: p.read_text("utf-8") for p in report.iterdir() if p.is_file()}
    assert {"report.json", "report.md", "junit.xml", "report.sarif"} <= set(outputs)
    for name, text in outputs.items():
        assert duktig.PLACEHOLDER_SECRET not in text, name
        assert "pbkdf2_sha256$" not in text, name
        assert not USABLE_TOKEN.search(text), (name, USABLE_TOKEN.search(text))
    assert "account.password: a PBKDF2 hash" in outputs["terminal"]


# --- FIB: forged tokens, the suite's loopback key server -------------------------------------


def test_key_server_binds_loopback_answers_a_bounded_number_of_requests_then_stops() -> None:
    with KeyServer({"/jwks.json": ("application/json", b'{"keys": []}')}) as keys:
        url = keys.url("/jwks.json")
        assert url.startswith("http://127.0.0.1:")
        statuses = [httpx.get(url).status_code for _ in range(MAX_REQUESTS + 1)]
        assert statuses == [200] * MAX_REQUESTS + [503]
        assert httpx.get(keys.url("/other")).status_code == 503  # still over the limit
    assert keys.fetched[0] == "/jwks.json" and len(keys.fetched) == MAX_REQUESTS + 2
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)


def _fib_context(url: str) -> Context:
    return Context(
        base_url=url,
        system="fib",
        client=httpx.Client(),
        spec=load_spec("fib"),
        credentials=fib.credentials(),
        settings=Settings(lifecycle=True, seed=7),
    )


def test_a_target_that_fetches_the_key_url_fails_and_the_report_says_it_fetched(served) -> None:
    load_checks(get_profile("fib"))
    (key_url,) = [c for c in checks_for("fib") if c.name == "token_with_key_url_is_rejected"]
    result = run_check(key_url, _fib_context(served(fib, ("trusts_key_url",))))
    assert result.outcome is Outcome.FAILED, result.message
    assert "fetched /jwks.json from the suite" in result.details
    correct = run_check(key_url, _fib_context(served(fib)))
    assert correct.outcome is Outcome.PASSED, correct.message


def test_reference_server_passes_every_token_trust_check() -> None:
    with running_server(demo_users=1) as server:
        for system in ("fib", "user-api", "duktig"):
            run = run_system(
                get_profile(system), server.url, server.credentials, Settings(fuzz=False, seed=7)
            )
            trust = {r.name: r.outcome for r in run if r.group == "token-trust"}
            assert trust and set(trust.values()) == {Outcome.PASSED}, (system, trust)
            assert "answers_hold_no_password_material" in trust
