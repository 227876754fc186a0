"""The target's published Ed25519 keys (its JWKS), fetched once per run for the FIB checks
that need the server's key. Registers no check.
"""

from __future__ import annotations

import base64

import httpx

from conformance.engine.context import Context
from conformance.model import CheckNotApplicable, CheckSkipped, Exchange

__all__ = ["JWKS_WELL_KNOWN_PATH", "server_keys"]


JWKS_WELL_KNOWN_PATH = "/.well-known/jwks.json"

_KEYS_KEY = "fib_session_server_keys"


def server_keys(ctx: Context) -> list[bytes]:
    """The server's published Ed25519 public keys (raw), or skip saying why there are none."""
    if _KEYS_KEY not in ctx.cache:
        try:
            ctx.cache[_KEYS_KEY] = _fetch_server_keys(ctx)
        except CheckSkipped as skipped:
            ctx.cache[_KEYS_KEY] = skipped
    found = ctx.cache[_KEYS_KEY]
    if isinstance(found, CheckSkipped):
        raise type(found)(found.reason)
    return found


def _fetch_server_keys(ctx: Context) -> list[bytes]:
    given = ctx.settings.jwks_url
    url = given or ctx.base_url.rstrip("/") + JWKS_WELL_KNOWN_PATH
    where = f"--jwks-url {url}" if given else f"{url} (no --jwks-url given, so the default)"
    try:
        response = ctx.client.get(url)
    except httpx.HTTPError as exc:
        raise CheckSkipped(f"server key unknown: {where} unreachable ({exc})") from exc
    ctx.last = Exchange.from_response(response)
    if response.status_code == 404 and not given:
        # The JWKS is this project's addition: a server that does not offer it is not wrong.
        raise CheckNotApplicable(
            f"server key unknown: {where} answered 404; publishing the key is a project "
            "addition no FIB document asks for (give --jwks-url if it lives elsewhere)"
        )
    if response.status_code != 200:
        raise CheckSkipped(f"server key unknown: {where} answered {response.status_code}")
    try:
        keys = response.json().get("keys", [])
    except (ValueError, AttributeError) as exc:
        raise CheckSkipped(f"server key unknown: {where} is not a JWK set") from exc
    found = []
    for key in keys if isinstance(keys, list) else []:
        if not isinstance(key, dict) or key.get("kty") != "OKP" or key.get("crv") != "Ed25519":
            continue
        x = key.get("x")
        try:
            raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
        except (TypeError, ValueError):
            continue
        if len(raw) == 32:
            found.append(raw)
    if not found:
        raise CheckSkipped(f"server key unknown: {where} holds no Ed25519 (OKP) key")
    return found
