"""Secrets never appear in clear in evidence: terminal, report.md, report.json, junit.xml."""

from __future__ import annotations

import base64
import json
import re
from hashlib import sha256
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from subprocesses import authconform
from wsgi_rewrite import rewriting

from conformance.engine.masking import (
    MASK,
    MASKED_PREFIX,
    Masker,
    fingerprint,
    mask_body,
    mask_header,
    mask_transcript,
    secret_values,
)
from conformance.signing import sign_email
from conformance.textsafe import one_line, visible
from reference_impl.serving.embedded import running_server

FIB_SESSION = "/auth/api/v1/authentication-management/session"
JWT_SHAPED = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.")
BROKEN = {"status": {"code": 500, "name": "BROKEN"}, "data": {}}
REFUSED = {"status": {"code": 401, "name": "UNAUTHORIZED"}, "data": {}}


def _refuse_logins_and_refreshes(environ: dict, request_body: bytes, status: int, parsed):
    """User API and Duktig logins refused, FIB refresh broken: failures whose evidence holds
    passwords, the X-Auth-Key and an Authorization header."""
    path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
    if method == "PATCH" and path == FIB_SESSION:
        return 500, BROKEN
    if path in ("/api/user/login", "/auth/token") and status == 200:
        return 401, REFUSED
    return None


def test_failing_run_with_credentials_masks_every_secret_in_every_output(tmp_path: Path) -> None:
    report = tmp_path / "report"
    with running_server(demo_users=1, wrap=rewriting(_refuse_logins_and_refreshes)) as server:
        credentials = tmp_path / "credentials.json"
        credentials.write_text(json.dumps(server.credentials), encoding="utf-8")
        result = authconform(
            "check",
            server.url,
            "--credentials",
            str(credentials),
            "--no-fuzz",
            "--report",
            str(report),
            timeout=300,
        )
        secrets = secret_values(server.credentials)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    terminal = result.stdout + result.stderr
    outputs = {
        "terminal": terminal,
        **{
            name: (report / name).read_text(encoding="utf-8")
            for name in ("report.md", "report.json", "junit.xml", "report.html")
        },
    }
    signatures = [
        sign_email(user["email"], user["privateKeyHex"])
        for user in server.credentials["fib"]["users"]
    ]
    assert len(secrets) >= 4  # fib key, user-api password, duktig key and passwords
    for where, text in outputs.items():
        for secret in [*secrets, *signatures]:
            assert secret.lower() not in text.lower(), f"{secret[:4]}… in clear in {where}"
        assert not JWT_SHAPED.search(text), f"a token in clear in {where}"
    # The failures did show the requests that carried the secrets, masked: credentials as
    # ***, tokens and signatures as a fingerprint with a JWT's decoded claims.
    assert f"X-Auth-Key: {MASK}" in terminal  # the name as sent
    assert f'"password":"{MASK}"' in terminal
    assert "Authorization: [masked JWT: " in terminal
    assert "claims " in terminal and "sha256 " in terminal


def test_masking_by_name_and_by_value() -> None:
    assert mask_header("Authorization", "Bearer abc.def") == (
        f"Bearer {MASKED_PREFIX}: 7 chars, sha256 {sha256(b'abc.def').hexdigest()[:12]}]"
    )
    assert mask_header("X-Auth-Key", "k3y") == MASK
    assert mask_header("Content-Type", "application/json") == "application/json"
    body = '{"email": "a@b.c", "password": "p\\"w", "privateKeyHex": "00ff"}'
    assert (
        mask_body(body) == f'{{"email": "a@b.c", "password": "{MASK}", "privateKeyHex": "{MASK}"}}'
    )
    mask = Masker(['pa"ssword1', "AABBCCDDEEFF"])
    assert mask('sent "pa\\"ssword1" and aabbccddeeff') == f'sent "{MASK}" and {MASK}'
    assert secret_values({"fib": {"users": [{"privateKeyHex": "ab" * 64}]}}) == [
        "ab" * 64,
        "ab" * 32,
    ]


def test_schemathesis_transcripts_are_masked_by_name() -> None:
    text = (
        "> POST /auth/token\n> X-Auth-Key: abc\n> Authorization: Bearer t.o.k\n"
        '> {"email": "a@b.c", "password": "correct horse battery"}\n< 401'
    )
    assert mask_transcript(text) == (
        f"> POST /auth/token\n> X-Auth-Key: {MASK}\n"
        f"> Authorization: Bearer {fingerprint('t.o.k')}\n"
        f'> {{"email": "a@b.c", "password": "{MASK}"}}\n< 401'
    )


def _jwt(header: dict, claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part(header)}.{part(claims)}.c2lnbmF0dXJlLWJ5dGVz"


def test_tokens_become_fingerprints_that_keep_claims_but_not_the_token() -> None:
    token = _jwt({"alg": "EdDSA", "typ": "JWT"}, {"sub": "a@b.c", "exp": 1700000000})
    shown = fingerprint(token)
    assert token not in shown
    assert shown.startswith(f"{MASKED_PREFIX} JWT: {len(token)} chars, sha256 ")
    assert "header alg=EdDSA typ=JWT" in shown and "claims sub=a@b.c exp=1700000000" in shown
    assert fingerprint("other-token") != fingerprint("other-tokeN")
    body = json.dumps({"refresh_token": "opaque-123456", "signature": "ab" * 64, "n": 1})
    masked = mask_body(body)
    assert "opaque-123456" not in masked and "ab" * 64 not in masked
    assert '"n": 1' in masked
    text = f"free text {token} and Authorization: Bearer {token}\n-H 'X-Auth-Key: k3y-value'"
    once = mask_transcript(text)
    assert token not in once and "k3y-value" not in once
    assert mask_transcript(once) == once  # masking twice changes nothing


def test_values_seen_on_the_wire_are_masked_everywhere() -> None:
    mask = Masker(["credential-secret"])
    mask.learn(["f00dcafe" * 16, "abc"])  # a signature sent; too short to mask by value
    out = mask(f"received: signature {'F00DCAFE' * 16} rejected; credential-secret; abc")
    assert "f00dcafe" not in out.lower()
    assert f"{MASKED_PREFIX}: 128 chars" in out and MASK in out and out.endswith("abc")


def _one_alternation(secrets: list[str], learned: list[str], text: str) -> str:
    """What masking by value means, written the slow way: every known form, longest first,
    in one case-blind regex; a credential's forms mask, a learned value's fingerprint."""
    replacement: dict[str, str] = {}
    for value in learned:
        for form in (value, json.dumps(value)[1:-1]):
            replacement.setdefault(form.lower(), fingerprint(value))
    for secret in secrets:
        for form in (secret, json.dumps(secret)[1:-1]):
            replacement[form.lower()] = MASK
    if not replacement:
        return text
    forms = sorted(replacement, key=len, reverse=True)
    pattern = re.compile("|".join(map(re.escape, forms)), re.IGNORECASE)
    return pattern.sub(lambda m: replacement[m.group(0).lower()], text)


# Few letters, so that values overlap, share beginnings and nest in each other and the text.
_PIECE = st.text(alphabet='abAB"\\', min_size=6, max_size=12)


@settings(max_examples=300, deadline=None, database=None)
@given(
    secrets=st.lists(_PIECE, max_size=3),
    learned=st.lists(_PIECE, max_size=6),
    noise=st.lists(st.text(alphabet='abAB"\\ x', max_size=8), max_size=6),
    data=st.data(),
)
def test_masking_by_value_matches_one_case_blind_alternation(secrets, learned, noise, data):
    known = secrets + learned
    parts = noise + [data.draw(st.sampled_from(known)) for _ in range(3)] if known else noise
    text = "".join(data.draw(st.permutations(parts)))
    text = data.draw(st.sampled_from([text, text.upper(), text.swapcase()]))
    mask = Masker(secrets)
    mask.learn(learned)
    assert mask.by_value(text) == _one_alternation(
        [s for s in secrets if len(s) >= 6], learned, text
    )


def test_control_characters_become_visible_escapes() -> None:
    raw = "ok\tline\n\x1b]0;owned\x07\x1b[2K\x00\x85\ufffe\r"
    shown = visible(raw)
    assert shown == "ok\tline\n\\x1b]0;owned\\x07\\x1b[2K\\x00\\x85\\ufffe\\x0d"
    assert visible(shown) == shown
    assert one_line("two\nlines\x07") == "two\\nlines\\x07"


def test_show_secrets_keeps_evidence_in_clear_and_warns(tmp_path: Path) -> None:
    with running_server(demo_users=1, wrap=rewriting(_refuse_logins_and_refreshes)) as server:
        credentials = tmp_path / "credentials.json"
        credentials.write_text(json.dumps(server.credentials), encoding="utf-8")
        result = authconform(
            "check",
            server.url,
            "--api",
            "fib",
            "--credentials",
            str(credentials),
            "--no-fuzz",
            "--show-secrets",
            timeout=300,
        )
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stderr.count("warning: --show-secrets:") == 2  # before and after the run
    assert JWT_SHAPED.search(result.stdout)  # the refresh token, as it was sent
