"""FIB login checks: POST /auth/api/v1/authentication-management/session (seeds 000-002).

Where the three renderings of the page disagree, every reading is accepted and named:
a well-formed but wrong signature may get 401 (seed 000) or 422 (seeds 000/002);
malformed input may get 400 (seed 002), 401 ("failed to be decoded", seed 000) or 422
(seeds 000/002); ``status.message`` is optional (absent in seed 002); ``expirationTime``
may be a lifetime in seconds (every example) or a Unix time (seed 001's table).

Levels: what the three renderings say (the body, the tokens, the refusal codes) is the
contract; a size limit (413), JSON-only content types (415) and Cache-Control on token
answers are this project's conventions and HTTP practice: advisories.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from conformance import signing
from conformance.checks.common import (
    CLOCK_TOLERANCE_SECONDS,
    FIB_SESSION_PATH,
    check_envelope,
    fib_login,
    fib_login_body,
    first_user,
    require_jwt,
)
from conformance.checks.registry import CheckFailure, CheckSkipped, check, requires_credentials
from conformance.engine.context import Context
from conformance.openapi.schema import response_errors
from conformance.openapi.view import contract_view

SEED_EMAIL = "alice@mail.com"
SEED_PUBLIC_KEY = "8a53d297bc406c63396967388ecc2ebc8abd701d195a43bbb4751ac5a86eac1b"
SEED_SIGNATURE = (
    "0b458f758eeca3d7a2a64de0648c9b7dccaee146202257cd8ebaeb4690aa48b4"
    "64108111d8cf0e7f3b0ace1b51dcda89e76d372233514f324e00d64c6b899c0e"
)

WRONG_SIGNATURE = {401, 422}
WRONG_SIGNATURE_DOC = (
    "401 (seed 000: signature incorrect) or 422 (seeds 000/002: signature could not be verified)"
)
MALFORMED = {400, 401, 422}
MALFORMED_DOC = (
    "400 (seed 002: bad request), 401 (seed 000: signature failed to be decoded) or "
    "422 (seeds 000/002: could not be decoded, or the public key is not valid)"
)
# A 1 MiB body is far past any login; DESIGN.md asks for a size limit (413).
OVERSIZED_BYTES = 1024 * 1024 + 1


def _expect(
    ctx: Context,
    response: httpx.Response,
    allowed: set[int],
    *,
    title: str,
    documented: str,
    hint: str | None = None,
) -> None:
    if response.status_code not in allowed:
        ctx.fail(title, received=f"HTTP {response.status_code}", documented=documented, hint=hint)


def _expect_4xx(ctx: Context, response: httpx.Response, title: str, documented: str) -> None:
    status = response.status_code
    if not 400 <= status < 500:
        hint = (
            "the server crashed on client input; validate it and answer 400"
            if status >= 500
            else "the server accepted input it should refuse"
        )
        ctx.fail(title, received=f"HTTP {status}", documented=documented, hint=hint)


def _some_user(ctx: Context) -> tuple[dict[str, str] | None, str]:
    """The first registered user if there are credentials, else an unknown email."""
    try:
        user = first_user(ctx)
    except CheckSkipped:
        return None, f"authconform-{uuid.uuid4().hex[:12]}@example.invalid"
    return user, user["email"]


def _malformed_login(ctx: Context, **override: str) -> httpx.Response:
    """A login whose fields are fine except ``override``; 404 is allowed without users."""
    user, email = _some_user(ctx)
    if user:
        body = fib_login_body(email, user["privateKeyHex"], user.get("publicKeyHex"))
    else:
        body = fib_login_body(email, signing.generate_keypair().private_key_hex)
    body.update(override)
    return ctx.post(FIB_SESSION_PATH, body)


def _malformed_allowed(ctx: Context) -> tuple[set[int], str]:
    if ctx.credentials and (ctx.credentials.get("users") or []):
        return MALFORMED, MALFORMED_DOC
    return MALFORMED | {404}, MALFORMED_DOC + "; 404 also, as no registered email is known"


def _tokens(ctx: Context) -> tuple[dict[str, Any], Any, Any]:
    login = fib_login(ctx)
    data = login["body"]["data"]
    access = require_jwt(ctx, data["accessToken"], "accessToken")
    refresh = require_jwt(ctx, data["refreshToken"], "refreshToken")
    return login, access, refresh


# --- login -----------------------------------------------------------------------------


@check("fib", group="login")
@requires_credentials
def correctly_signed_login_succeeds(ctx: Context) -> None:
    """A registered email signed with its key logs in: 200 and the documented body.

    Source: seeds 000 and 002 (200 with status {code, name, message?} and data
    {accessToken, refreshToken, expirationTime}).
    """
    login = fib_login(ctx)
    body = login["body"]
    check_envelope(ctx, body, 200)
    data = body["data"]
    expiration = data.get("expirationTime")
    if not isinstance(expiration, int) or isinstance(expiration, bool):
        ctx.fail(
            "expirationTime is not an integer",
            received=repr(expiration),
            documented="integer($int64)",
        )
    errors = response_errors(contract_view(ctx.spec), FIB_SESSION_PATH, "post", 200, body)
    if errors:
        ctx.fail(
            "200 body does not match the spec's schema",
            received="; ".join(errors[:5]),
            documented="the 200 response schema of spec/fib.openapi.yaml",
        )


@check("fib", group="login")
@requires_credentials
def tokens_are_eddsa_jwts(ctx: Context) -> None:
    """Both tokens are JWTs signed with EdDSA, as the example tokens' headers say.

    Source: seeds 000-002, whose example tokens carry {"typ": "JWT", "alg": "EdDSA"}.
    """
    _, access, refresh = _tokens(ctx)
    for what, token in (("accessToken", access), ("refreshToken", refresh)):
        alg = token.header.get("alg")
        if alg != "EdDSA":
            ctx.fail(
                f"{what} is not signed with EdDSA",
                received=f"header {token.header}",
                documented='header {"typ": "JWT", "alg": "EdDSA"} (the seed examples)',
                hint="an 'alg: none' token can be forged by anyone"
                if str(alg).lower() == "none"
                else None,
            )
        if not token["signature"]:
            ctx.fail(
                f"{what} has an empty signature",
                received=f"header {token.header}",
                documented="an Ed25519 signature (86 base64url characters)",
            )
        if token.header.get("typ", "JWT") != "JWT":
            ctx.fail(
                f"{what} has an unexpected typ",
                received=f"header {token.header}",
                documented='"typ": "JWT" (or absent)',
            )


@check("fib", group="login")
@requires_credentials
def access_token_claims_match_request(ctx: Context) -> None:
    """The access token names the user who logged in (sub) and expires in the future.

    Source: seeds 000-002's example access token (sub is the email that logged in).
    """
    login, access, _ = _tokens(ctx)
    email = first_user(ctx)["email"]
    claims = access.claims
    documented = "access claims as in the example: acc, sub (the email), role, exp, jti"
    if claims.get("sub") != email:
        ctx.fail(
            "access token sub is not the email that logged in",
            received=f"sub={claims.get('sub')!r}, email={email!r}",
            documented=documented,
        )
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        ctx.fail("access token has no numeric exp", received=repr(claims), documented=documented)
    if exp <= login["sent_at"] - CLOCK_TOLERANCE_SECONDS:
        ctx.fail(
            "access token is already expired",
            received=f"exp={exp}, now≈{int(login['sent_at'])}",
            documented=documented,
            hint="exp is a Unix time in seconds, after the time of issue",
        )
    if not isinstance(claims.get("jti"), str) or not claims["jti"]:
        ctx.fail("access token has no jti", received=repr(claims), documented=documented)


@check("fib", group="login")
@requires_credentials
def refresh_token_references_access_jti(ctx: Context) -> None:
    """The refresh token's acjti is the jti of the access token issued with it.

    Source: seeds 000-002's example pair (the refresh token's acjti is the access jti).
    """
    _, access, refresh = _tokens(ctx)
    documented = "refresh claims as in the example: sub, acjti (= the access token's jti), exp, jti"
    if not access.claims.get("jti") or refresh.claims.get("acjti") != access.claims.get("jti"):
        ctx.fail(
            "refresh token's acjti does not name the access token",
            received=f"acjti={refresh.claims.get('acjti')!r}, "
            f"access jti={access.claims.get('jti')!r}",
            documented=documented,
        )
    exp = refresh.claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        ctx.fail(
            "refresh token has no numeric exp", received=repr(refresh.claims), documented=documented
        )


@check("fib", group="login")
@requires_credentials
def expiration_time_matches_exp(ctx: Context) -> None:
    """expirationTime agrees with the access token's exp, read as a lifetime or a Unix time.

    Source: seed 001's table (Unix epoch seconds) and every example (300): both accepted.
    """
    login, access, _ = _tokens(ctx)
    expiration = login["body"]["data"].get("expirationTime")
    exp = access.claims.get("exp")
    documented = (
        "either a lifetime in seconds (every example: 300), so that time of issue + "
        "expirationTime ≈ exp, or a Unix time (seed 001's table), so that expirationTime ≈ exp; "
        f"within {CLOCK_TOLERANCE_SECONDS} s"
    )
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (expiration, exp)):
        ctx.fail(
            "expirationTime or exp is not a number",
            received=f"expirationTime={expiration!r}, exp={exp!r}",
            documented=documented,
        )
    tol = CLOCK_TOLERANCE_SECONDS
    as_lifetime = (
        login["sent_at"] + expiration - tol <= exp <= login["received_at"] + expiration + tol
    )
    as_epoch = abs(expiration - exp) <= tol
    if not (as_lifetime or as_epoch):
        ctx.fail(
            "expirationTime does not match the access token's exp under either reading",
            received=f"expirationTime={expiration}, exp={exp}, issued≈{int(login['sent_at'])}",
            documented=documented,
        )


@check("fib", group="login")
@requires_credentials
def logins_issue_distinct_jti(ctx: Context) -> None:
    """Two logins give tokens with different jti, so each can be revoked on its own.

    Source: the example tokens' jti claim, a unique token id by RFC 7519 §4.1.7.
    """
    tokens = []
    for _ in range(2):
        data = fib_login(ctx, fresh=True)["body"]["data"]
        tokens.append(
            (
                require_jwt(ctx, data["accessToken"], "accessToken"),
                require_jwt(ctx, data["refreshToken"], "refreshToken"),
            )
        )
    (access1, refresh1), (access2, refresh2) = tokens
    documented = "jti is a unique id per token (the example shows UUIDs)"
    if access1.claims.get("jti") == access2.claims.get("jti"):
        ctx.fail(
            "two logins issued access tokens with the same jti",
            received=f"jti={access1.claims.get('jti')!r} twice",
            documented=documented,
            hint="generate a fresh UUID for every token",
        )
    if refresh1.claims.get("jti") == refresh2.claims.get("jti"):
        ctx.fail(
            "two logins issued refresh tokens with the same jti",
            received=f"jti={refresh1.claims.get('jti')!r} twice",
            documented=documented,
            hint="generate a fresh UUID for every token",
        )


@check("fib", group="login")
@requires_credentials
def rejects_other_keypair_for_registered_email(ctx: Context) -> None:
    """A valid signature by a key that is not the email's Authorization key is refused.

    Source: seed 000 (401: signature incorrect) and seeds 000/002 (422: key not valid).
    """
    email = first_user(ctx)["email"]
    stranger = signing.generate_keypair()
    response = ctx.post(FIB_SESSION_PATH, fib_login_body(email, stranger.private_key_hex))
    _expect(
        ctx,
        response,
        WRONG_SIGNATURE,
        title="login with another key pair for a registered email was not refused",
        documented=WRONG_SIGNATURE_DOC,
        hint="compare authPublicKeyHex with the key registered for the email "
        "before verifying the signature",
    )


@check("fib", group="login")
@requires_credentials
def rejects_random_signature_for_registered_key(ctx: Context) -> None:
    """Well-formed random bytes as the signature, with the email's own key, do not log in.

    Source: seed 000 (401) and seeds 000/002 (422: signature could not be verified).
    """
    user = first_user(ctx)
    body = fib_login_body(user["email"], user["privateKeyHex"], user.get("publicKeyHex"))
    body["signature"] = uuid.uuid4().hex * 4  # 64 bytes of hex that sign nothing
    response = ctx.post(FIB_SESSION_PATH, body)
    _expect(
        ctx,
        response,
        WRONG_SIGNATURE,
        title="a random signature was accepted for a registered email and key",
        documented=WRONG_SIGNATURE_DOC,
        hint="the server must verify the signature, not only the key",
    )


@check("fib", group="login")
@requires_credentials
def rejects_signature_over_raw_email(ctx: Context) -> None:
    """A signature over the raw email bytes (no Iroha hash) does not log in.

    Source: the seed example's signature, which verifies only over the Iroha hash.
    """
    user = first_user(ctx)
    body = fib_login_body(user["email"], user["privateKeyHex"], user.get("publicKeyHex"))
    body["signature"] = signing.sign_raw(user["email"].encode("utf-8"), user["privateKeyHex"])
    response = ctx.post(FIB_SESSION_PATH, body)
    _expect(
        ctx,
        response,
        WRONG_SIGNATURE,
        title="signature over the raw email was accepted",
        documented=WRONG_SIGNATURE_DOC + "; the signed message is the Iroha hash of the "
        "email (the seed example verifies only that way)",
        hint="verify Ed25519 over Blake2b-256(email) with the last bit set, not the email",
    )


@check("fib", group="login")
def unknown_email_gets_404(ctx: Context) -> None:
    """A well-signed login for an email nobody registered gets 404.

    Source: seeds 000 and 002 (404: user has not been found).
    """
    email = f"authconform-{uuid.uuid4().hex[:12]}@example.invalid"
    body = fib_login_body(email, signing.generate_keypair().private_key_hex)
    response = ctx.post(FIB_SESSION_PATH, body)
    _expect(
        ctx,
        response,
        {404},
        title="unknown email did not get 404",
        documented="404: user has not been found (seeds 000/002)",
    )


@check("fib", group="login")
def seed_example_request_gets_a_documented_answer(ctx: Context) -> None:
    """The seeds' own example request gets 200 (alice registered) or 404 (she is not).

    Source: seeds 000-002's example request and their 200 and 404 answers.
    """
    body = {"email": SEED_EMAIL, "signature": SEED_SIGNATURE, "authPublicKeyHex": SEED_PUBLIC_KEY}
    response = ctx.post(FIB_SESSION_PATH, body)
    status = response.status_code
    if status in WRONG_SIGNATURE:
        # A real deployment may have its own alice with another key: not a verdict.
        raise CheckSkipped(
            f"HTTP {status}: alice@mail.com exists here with another key, or the target "
            "verifies another scheme (correctly_signed_login_succeeds decides)"
        )
    _expect(
        ctx,
        response,
        {200, 404},
        title="the seed example request got an undocumented answer",
        documented="200 when alice@mail.com is registered with the example key, 404 when "
        "she is not (401/422 are reported as skipped)",
    )
    if status == 200:
        check_envelope(ctx, ctx.json_of(response), 200)


@check("fib", group="login")
def rejects_non_hex_signature(ctx: Context) -> None:
    """A signature that is not hex gets a documented refusal, not a crash.

    Source: seeds 000/002 (422: could not be decoded), seed 000 (401), seed 002 (400).
    """
    allowed, documented = _malformed_allowed(ctx)
    response = _malformed_login(ctx, signature="zz" * 64)
    _expect(
        ctx,
        response,
        allowed,
        title="non-hex signature was not refused as documented",
        documented=documented,
    )


@check("fib", group="login")
def rejects_wrong_length_signature(ctx: Context) -> None:
    """A hex signature of the wrong length (32 bytes, not 64) gets a documented refusal.

    Source: as for a non-hex signature.
    """
    allowed, documented = _malformed_allowed(ctx)
    response = _malformed_login(ctx, signature="ab" * 32)
    _expect(
        ctx,
        response,
        allowed,
        title="short signature was not refused as documented",
        documented=documented,
    )


@check("fib", group="login")
def rejects_non_hex_public_key(ctx: Context) -> None:
    """An authPublicKeyHex that is not hex gets a documented refusal, not a crash.

    Source: seeds 000/002 (422: the public key is not valid), seed 002 (400).
    """
    allowed, documented = _malformed_allowed(ctx)
    response = _malformed_login(ctx, authPublicKeyHex="zz" * 32)
    _expect(
        ctx,
        response,
        allowed,
        title="non-hex public key was not refused as documented",
        documented=documented,
    )


# --- robustness ------------------------------------------------------------------------

FOUR_XX = "a 4xx answer (400 in seed 002); DESIGN.md: every bad input gets a clear 4xx, never a 500"


@check("fib", group="robustness")
def malformed_json_gets_4xx(ctx: Context) -> None:
    """A body that is not valid JSON gets a 4xx.

    Source: the seeds' Encoding: JSON and seed 002's 400 (bad request).
    """
    response = ctx.request(
        "POST",
        FIB_SESSION_PATH,
        content=b'{"email": "a@b.c", ',
        headers={"content-type": "application/json"},
    )
    _expect_4xx(ctx, response, "malformed JSON did not get a 4xx", FOUR_XX)


@check("fib", group="robustness")
def missing_fields_get_4xx(ctx: Context) -> None:
    """A login missing any one of its three fields gets a 4xx.

    Source: the seeds' request structure (all three fields) and seed 002's 400.
    """
    user, email = _some_user(ctx)
    key = user["privateKeyHex"] if user else signing.generate_keypair().private_key_hex
    full = fib_login_body(email, key, user.get("publicKeyHex") if user else None)
    for field in full:
        body = {k: v for k, v in full.items() if k != field}
        response = ctx.post(FIB_SESSION_PATH, body)
        _expect_4xx(ctx, response, f"login without {field} did not get a 4xx", FOUR_XX)
    response = ctx.post(FIB_SESSION_PATH, {})
    _expect_4xx(ctx, response, "empty JSON object did not get a 4xx", FOUR_XX)


@check("fib", group="robustness")
def wrong_types_get_4xx(ctx: Context) -> None:
    """Fields of the wrong JSON type, or a body that is not an object, get a 4xx.

    Source: the seeds' request structure (three strings) and seed 002's 400.
    """
    user, email = _some_user(ctx)
    key = user["privateKeyHex"] if user else signing.generate_keypair().private_key_hex
    full = fib_login_body(email, key, user.get("publicKeyHex") if user else None)
    variants: list[tuple[str, Any]] = [
        ("email as a number", {**full, "email": 12345}),
        ("signature as null", {**full, "signature": None}),
        ("signature as a list", {**full, "signature": [full["signature"]]}),
        ("authPublicKeyHex as an object", {**full, "authPublicKeyHex": {"hex": "00"}}),
        ("a JSON array body", [full]),
        ("a JSON string body", "login"),
    ]
    for what, body in variants:
        response = ctx.request("POST", FIB_SESSION_PATH, json_body=body)
        _expect_4xx(ctx, response, f"{what} did not get a 4xx", FOUR_XX)


@check("fib", group="robustness", level="advisory")
def oversized_body_gets_4xx(ctx: Context) -> None:
    """A body over 1 MiB is refused with a 4xx (413 expected), not processed or crashed on.

    Advisory: no FIB page states a size limit; a limit is this project's convention.
    """
    padding = "a" * OVERSIZED_BYTES
    content = (
        '{"email": "big@example.invalid", "signature": "00", '
        f'"authPublicKeyHex": "00", "padding": "{padding}"}}'
    ).encode()
    try:
        # Connection: close, because a server may hang up after refusing a body it did not
        # read; the next check must not inherit that connection and be blamed for it.
        response = ctx.request(
            "POST",
            FIB_SESSION_PATH,
            content=content,
            headers={"content-type": "application/json", "connection": "close"},
        )
    except CheckFailure as failure:
        # Closing the connection while the body is still arriving is also a refusal
        # (front proxies do it after sending 413); only a write-side error counts as one.
        if failure.received and failure.received.startswith("WriteError"):
            return
        raise
    _expect_4xx(
        ctx,
        response,
        "1 MiB body did not get a 4xx",
        "a 4xx (413 Payload Too Large); DESIGN.md: request bodies have a size limit",
    )


@check("fib", group="robustness", level="advisory")
def non_json_content_type_gets_4xx(ctx: Context) -> None:
    """A login sent as a form instead of JSON gets a 4xx (415 or 400), never a session.

    Advisory: the seeds say the encoding is JSON, but not that other encodings are refused.
    """
    user, email = _some_user(ctx)
    key = user["privateKeyHex"] if user else signing.generate_keypair().private_key_hex
    body = fib_login_body(email, key, user.get("publicKeyHex") if user else None)
    response = ctx.request(
        "POST",
        FIB_SESSION_PATH,
        content=httpx.QueryParams(body).__str__(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    _expect_4xx(
        ctx,
        response,
        "form-encoded login did not get a 4xx",
        "415 or 400 (DESIGN.md: JSON only; the seeds give the encoding as JSON)",
    )


@check("fib", group="robustness")
def error_bodies_use_the_envelope(ctx: Context) -> None:
    """Error answers carry the same status envelope as the 200 body (code, name).

    Source: the envelope of seeds 000-002 ({"status": {"code", "name", "message"?}}),
    which the pages give for every answer they list.
    """
    probes = [
        (
            "malformed JSON",
            lambda: ctx.request(
                "POST", FIB_SESSION_PATH, content=b"{", headers={"content-type": "application/json"}
            ),
        ),
        (
            "unknown email",
            lambda: ctx.post(
                FIB_SESSION_PATH,
                fib_login_body(
                    f"authconform-{uuid.uuid4().hex[:12]}@example.invalid",
                    signing.generate_keypair().private_key_hex,
                ),
            ),
        ),
        ("non-hex signature", lambda: _malformed_login(ctx, signature="zz" * 64)),
    ]
    for what, send in probes:
        response = send()
        if response.status_code < 400:
            continue  # other checks judge the status; this one judges error bodies
        body = ctx.json_of(response)
        try:
            check_envelope(ctx, body, response.status_code)
        except AssertionError as failure:
            failure.title = f"{what}: {failure.title}"
            failure.args = (failure.title,)
            raise


@check("fib", group="login", level="advisory")
@requires_credentials
def token_answers_are_not_cached(ctx: Context) -> None:
    """A login answer carrying tokens says Cache-Control: no-store.

    Advisory: RFC 6749 §5.1 practice for answers with tokens; no FIB page mentions caching.
    """
    login = fib_login(ctx)
    exchange = login["exchange"]
    headers = {k.lower(): v for k, v in (exchange.response_headers if exchange else {}).items()}
    cache_control = headers.get("cache-control", "")
    if "no-store" not in cache_control.lower():
        ctx.fail(
            "token answer may be cached",
            received=f"Cache-Control: {cache_control or '(absent)'}",
            documented="Cache-Control: no-store (RFC 6749 §5.1, for answers carrying tokens)",
        )
