"""Secrets never appear in clear in evidence: terminal, report.md, report.json, junit.xml."""

from __future__ import annotations

import json
import re
from hashlib import sha256
from pathlib import Path

from subprocesses import authconform
from wsgi_rewrite import rewriting

from conformance.masking import (
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
from reference_impl.embedded import running_server

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
    assert f"x-auth-key: {MASK}" in terminal
    assert f'"password":"{MASK}"' in terminal
    assert "authorization: [masked JWT: " in terminal
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
