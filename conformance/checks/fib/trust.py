"""FIB token trust: only tokens the server issued are honoured, whatever key, key URL, key
id or critical extension a token names, and another system's token is no FIB token; no
answer carries password material.

Each forgery is signed by something the suite holds (its own Ed25519 key, drawn from the
run's seed, or an HMAC secret), so a server that verifies with its own key configured in
advance refuses them all. A client can show an unknown ``crit`` ignored only on a token
the server would otherwise take; the suite sends it in the forms a lax verifier takes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import nacl.signing
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from conformance.checks.fib.forging import (
    OWN_TOKENS_SOURCE,
    Signer,
    b64url,
    forge_token,
    hs256,
    refuse_forgeries,
)
from conformance.checks.fib.key_server import KeyServer
from conformance.checks.fib.login_common import fib_login
from conformance.checks.fib.session_common import (
    claims_of,
    expect_refused,
    lifecycle,
    login_pair,
    logout,
    refresh,
)
from conformance.checks.registry import check, requires_credentials
from conformance.checks.token_trust import judge_answers
from conformance.engine.context import Context

KEY_HINT = (
    "verify with the server's own key, configured in advance: never a key, key URL or key "
    "id the token names (RFC 8725 §3.10)"
)
# An extension no implementation knows, marked critical (RFC 7515 §4.1.11).
UNKNOWN_EXTENSION = "urn:authconform:must-understand"
# The other documented systems' example tokens, word for word from their pages.
FOREIGN_EXAMPLES = {
    "the User API's example token (seed 003)": (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VySWQiOiI1ZWY1YjRkMmI1NmFhZDgyNDBkYjIyOWM"
        "iLCJ1c2VyTmFtZSI6ImFkbWluMSIsImVtYWlsIjoiYWRtaW4xQHVzZXIuY29tIiwiaWF0IjoxNTk0OTY3MDg"
        "xLCJleHAiOjE1OTQ5NzA2ODF9.DoHgM4XbGD94HHV-wFdL1vu__aAjs05oEAVMjB8gpS8"
    ),
    "Duktig's example access token (seed 004)": (
        "eyJ0eXAiOiJKV1QiLCJjdHkiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJEdWt0aWcuaW8uaXNzIiw"
        "iYXVkIjoiRHVrdGlnLmlvLmdlbmVyYWwuYXVkIiwic3ViIjoiRHVrdGlnLmlvLmdlbmVyYWwuc3ViIiwianR"
        "pIjoiRHVrdGlnLmlvLmdlbmVyYWwuanRpIiwibmJmIjoxNTczODA2MDE2LCJpYXQiOjE1NzM4MDYwMTYsImV"
        "4cCI6MTU3Mzg5MjQxNiwiYWNjb3VudCI6eyJ1c2VySWQiOjEsImZpcnN0TmFtZSI6IlN1cGVyIiwibGFzdE5"
        "hbWUiOiJBZG1pbiIsImVtYWlsIjoic3VwZXIuYWRtaW5AZHVrdGlnLmlvIiwicm9sZUlkIjoxfX0.O1o_xTV"
        "gST5i34zdsWaccLKGU7G4NfmZeKnNV00jyZg"
    ),
}
# Secrets an HS256 system next door might share (from the weak-secret list's head).
SHARED_SECRETS = ("secret", "your-256-bit-secret", "process.env.JWT_KEY")


def _own_key(ctx: Context) -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(ctx.rng("own key").randbytes(32))


def _signed_by(key: nacl.signing.SigningKey) -> Signer:
    return lambda data: key.sign(data).signature


def _jwk(key: nacl.signing.SigningKey) -> dict[str, str]:
    raw = bytes(key.verify_key)
    kid = "authconform-" + hashlib.sha256(raw).hexdigest()[:16]
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw), "kid": kid, "alg": "EdDSA"}


def _certificate(key: nacl.signing.SigningKey) -> bytes:
    """A self-signed certificate for the suite's key, PEM (what an x5u URL serves)."""
    private = Ed25519PrivateKey.from_private_bytes(bytes(key))
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "authconform forged key")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(int.from_bytes(bytes(key)[:8], "big") | 1)
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2100, 1, 1, tzinfo=UTC))
        .sign(private, None)
    )
    return certificate.public_bytes(Encoding.PEM)


def _own_key_forger(key: nacl.signing.SigningKey, **members: Any):
    def make(header: dict[str, Any], claims: dict[str, Any]) -> str:
        return forge_token({**header, "alg": "EdDSA", **members}, claims, _signed_by(key))

    return make


# The two checks of keys a token names itself (jwk; jku and x5u) rest on the same sources.
KEY_SOURCE = (
    f"{OWN_TOKENS_SOURCE}; ASVS 5.0 V9.1.3: key material comes from trusted pre-configured "
    "sources; jku, x5u and jwk are checked against an allowlist"
)


@check("fib", group="token-trust", source=KEY_SOURCE)
@lifecycle("refresh", "logout")
@requires_credentials
def token_with_embedded_jwk_is_rejected(ctx: Context) -> None:
    """A token signed by a key its own ``jwk`` header carries is refused on both routes.

    Source: RFC 7515 §4.1.3 (``jwk`` names the signer's key; trusting it lets anyone sign),
    RFC 8725 §3.10, ASVS 5.0 V9.1.3 (keys come from trusted, pre-configured sources).
    """
    key = _own_key(ctx)
    jwk = _jwk(key)
    refuse_forgeries(
        ctx,
        login_pair(ctx),
        _own_key_forger(key, jwk=jwk, kid=jwk["kid"]),
        "signed by the key its own jwk header carries",
        hint=KEY_HINT,
    )


@check("fib", group="token-trust", source=KEY_SOURCE)
@lifecycle("refresh", "logout")
@requires_credentials
def token_with_key_url_is_rejected(ctx: Context) -> None:
    """Tokens whose ``jku`` or ``x5u`` names the suite's own key set are refused.

    The suite serves its JWK set and certificate on loopback for the check's duration
    and says whether the target fetched them. Source: RFC 7515 §4.1.2/§4.1.5, RFC 8725
    §3.10 (key URLs in a token are attacker-chosen), ASVS 5.0 V9.1.3.
    """
    key = _own_key(ctx)
    jwk = _jwk(key)
    documents = {
        "/jwks.json": ("application/json", json.dumps({"keys": [jwk]}).encode("utf-8")),
        "/key.pem": ("application/pem-certificate-chain", _certificate(key)),
    }
    access, refresh_token = login_pair(ctx)
    with KeyServer(documents) as keys:
        for member, path in (("jku", "/jwks.json"), ("x5u", "/key.pem")):
            make = _own_key_forger(key, kid=jwk["kid"], **{member: keys.url(path)})
            for token, send, kind in (
                (refresh_token, refresh, "refresh token"),
                (access, logout, "access token"),
            ):
                claims = claims_of(ctx, token, kind)
                forged = make({"typ": "JWT"}, claims)
                response = send(ctx, forged)
                fetched = [p for p in keys.fetched if p == path]
                what = f"{kind} whose {member} names the suite's key set"
                if 200 <= response.status_code < 300:
                    ctx.fail(
                        f"{what} was accepted",
                        received=f"HTTP {response.status_code}; the target "
                        + (f"fetched {path} from the suite" if fetched else "did not fetch it"),
                        documented="a refusal: keys come from the server's own configuration",
                        hint=KEY_HINT,
                    )
                expect_refused(ctx, response, what, hint=KEY_HINT)


@check(
    "fib",
    group="token-trust",
    source=(
        f"{OWN_TOKENS_SOURCE}; "
        "RFC 8725 §3.10: a kid used to look up the key must not open an injection"
    ),
)
@lifecycle("refresh", "logout")
@requires_credentials
def token_with_tampered_kid_is_rejected(ctx: Context) -> None:
    """Tokens whose ``kid`` is a path or a query, HMAC-keyed with what it would read, are refused.

    ``kid`` naming /dev/null by path traversal (an empty key) and an SQL injection that
    selects a key of the suite's choosing. Source: RFC 8725 §3.10 (a kid used for key
    lookup must not open file, SQL or LDAP injection).
    """
    forms = {
        "whose kid reads /dev/null by path traversal (HS256, empty key)": (
            "../../../../../../../../dev/null",
            b"",
        ),
        "whose kid injects SQL selecting the key (HS256)": (
            "x' UNION SELECT 'authconform-kid' -- ",
            b"authconform-kid",
        ),
    }
    pair = login_pair(ctx)
    for what, (kid, secret) in forms.items():

        def make(header: dict[str, Any], claims: dict[str, Any], kid=kid, secret=secret) -> str:
            return forge_token({**header, "alg": "HS256", "kid": kid}, claims, hs256(secret))

        refuse_forgeries(ctx, pair, make, what, hint=KEY_HINT)


@check(
    "fib",
    group="token-trust",
    source=(
        f"{OWN_TOKENS_SOURCE}; "
        "RFC 7515 §4.1.11: extensions listed in crit MUST be understood and processed, or "
        "the JWS is invalid"
    ),
)
@lifecycle("refresh", "logout")
@requires_credentials
def token_with_unknown_crit_is_rejected(ctx: Context) -> None:
    """A token marking an unknown extension critical (``crit``) is refused on both routes.

    RFC 7515 §4.1.11: a recipient that does not understand a listed extension MUST reject
    the JWS. Sent in the form a lax verifier otherwise takes: signed by the key its own
    ``jwk`` header carries.
    """
    key = _own_key(ctx)
    jwk = _jwk(key)
    members = {"jwk": jwk, "crit": [UNKNOWN_EXTENSION], UNKNOWN_EXTENSION: True}
    refuse_forgeries(
        ctx,
        login_pair(ctx),
        _own_key_forger(key, **members),
        "with an unknown critical extension (crit)",
        hint="reject a token whose crit lists an extension the verifier does not implement",
    )


@check(
    "fib",
    group="token-trust",
    source=(
        f"{OWN_TOKENS_SOURCE}; "
        "RFC 8725 §3.12: each kind of JWT is validated by rules no other kind satisfies"
    ),
)
@lifecycle("refresh", "logout")
@requires_credentials
def token_of_another_system_is_rejected(ctx: Context) -> None:
    """Another system's tokens are refused: the User API's example token, and this session's
    claims HS256-signed with secrets an HMAC system next door might share.

    Source: RFC 8725 §3.12 (validation rules must keep one kind of JWT from passing as
    another); FIB's tokens are EdDSA (seeds 000-002).
    """
    hint = "accept only EdDSA tokens the FIB server signed; never another service's"
    for what, token in FOREIGN_EXAMPLES.items():
        expect_refused(ctx, refresh(ctx, token), f"{what} as a refresh token", hint=hint)
        expect_refused(ctx, logout(ctx, token), f"{what} as an access token", hint=hint)
    pair = login_pair(ctx)
    for secret in SHARED_SECRETS:

        def make(header: dict[str, Any], claims: dict[str, Any], secret=secret) -> str:
            foreign = {"typ": "JWT", "cty": "JWT", "alg": "HS256"}  # not the server's header
            return forge_token(foreign, claims, hs256(secret.encode("utf-8")))

        refuse_forgeries(ctx, pair, make, "HS256-signed as another system's token", hint=hint)


@check(
    "fib",
    group="token-trust",
    level="advisory",
    source=(
        "ASVS 5.0 V15.3.1: an answer returns only the fields it needs, never the whole data object"
    ),
)
@requires_credentials
def answers_hold_no_password_material(ctx: Context) -> None:
    """No answer carries a password, a password hash or a salt (fields or token claims).

    Judged: a fresh login, and every answer of the run kept so far. Source: seeds 000-002
    document the login answer's fields, none of them password material (ASVS 5.0 V15.3.1).
    """
    fib_login(ctx, fresh=True)
    judge_answers(ctx, [ctx.last, *ctx.history] if ctx.last else ctx.history)
