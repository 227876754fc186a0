"""FIB login robustness: bad JSON, missing or mistyped fields, huge or form bodies get a 4xx.

Error answers carry the status envelope, like the 200 body.
"""

from __future__ import annotations

from typing import Any

import httpx

from conformance.checks.common import check_envelope
from conformance.checks.fib.login_common import (
    FIB_SESSION_PATH,
    fib_login_body,
    invented_key,
    malformed_login,
    some_user,
    unknown_email,
)
from conformance.checks.registry import check
from conformance.engine.context import Context
from conformance.model import CheckFailure

# A 1 MiB body is far past any login; DESIGN.md asks for a size limit (413).
OVERSIZED_BYTES = 1024 * 1024 + 1

FOUR_XX = "a 4xx answer (400 in seed 002); DESIGN.md: every bad input gets a clear 4xx, never a 500"


def _expect_4xx(ctx: Context, response: httpx.Response, title: str, documented: str) -> None:
    status = response.status_code
    if not 400 <= status < 500:
        hint = (
            "the server crashed on client input; validate it and answer 400"
            if status >= 500
            else "the server accepted input it should refuse"
        )
        ctx.fail(title, received=f"HTTP {status}", documented=documented, hint=hint)


@check("fib", group="robustness", source="seeds 000-002: Encoding: JSON; seed 002: 400 Bad request")
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


@check(
    "fib",
    group="robustness",
    source=(
        "seeds 000-002: the request holds email, signature and authPublicKeyHex; seed 002: 400 Bad "
        "request"
    ),
)
def missing_fields_get_4xx(ctx: Context) -> None:
    """A login missing any one of its three fields gets a 4xx.

    Source: the seeds' request structure (all three fields) and seed 002's 400.
    """
    user, email = some_user(ctx)
    key = user["privateKeyHex"] if user else invented_key(ctx)
    full = fib_login_body(email, key, user.get("publicKeyHex") if user else None)
    for field in full:
        body = {k: v for k, v in full.items() if k != field}
        response = ctx.post(FIB_SESSION_PATH, body)
        _expect_4xx(ctx, response, f"login without {field} did not get a 4xx", FOUR_XX)
    response = ctx.post(FIB_SESSION_PATH, {})
    _expect_4xx(ctx, response, "empty JSON object did not get a 4xx", FOUR_XX)


@check(
    "fib",
    group="robustness",
    source="seeds 000-002: the request's three fields are strings; seed 002: 400 Bad request",
)
def wrong_types_get_4xx(ctx: Context) -> None:
    """Fields of the wrong JSON type, or a body that is not an object, get a 4xx.

    Source: the seeds' request structure (three strings) and seed 002's 400.
    """
    user, email = some_user(ctx)
    key = user["privateKeyHex"] if user else invented_key(ctx)
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


@check(
    "fib",
    group="robustness",
    level="advisory",
    source=(
        "project decision: a login body over 1 MiB is refused; RFC 9110 §15.5.14: 413 refuses "
        "content larger than the server will process"
    ),
)
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


@check(
    "fib",
    group="robustness",
    level="advisory",
    source=(
        "project decision: a login not sent as JSON is refused (the seeds say only Encoding: "
        "JSON); RFC 9110 §15.5.16: 415 refuses content in a format the server does not support"
    ),
)
def non_json_content_type_gets_4xx(ctx: Context) -> None:
    """A login sent as a form instead of JSON gets a 4xx (415 or 400), never a session.

    Advisory: the seeds say the encoding is JSON, but not that other encodings are refused.
    """
    user, email = some_user(ctx)
    key = user["privateKeyHex"] if user else invented_key(ctx)
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


@check(
    "fib",
    group="robustness",
    source="seeds 000-002: the status envelope {code, name, message?} of every answer they show",
)
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
                fib_login_body(unknown_email(ctx), invented_key(ctx)),
            ),
        ),
        ("non-hex signature", lambda: malformed_login(ctx, signature="zz" * 64)),
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
