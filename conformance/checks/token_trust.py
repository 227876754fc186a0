"""What the token-trust checks of every system share: the offline dictionary check of the
HMAC tokens a server issued, and the search of its answers for password material.
Registers no check.

Both find secrets, so both report them only by what they are: a weak signing secret by
its kind and fingerprint (length and a SHA-256 prefix), password material by the field
that carried it and its shape ("password: a bcrypt hash ($2b$, cost 10, 60 chars)").
The values found are told to the masking layer, which hides them wherever they appear.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from conformance.checks.common import decode_jwt
from conformance.checks.weak_secrets import WEAK_SECRETS, kind_of
from conformance.engine.bounded import safe_json
from conformance.engine.context import Context
from conformance.model import CheckNotApplicable, Exchange
from conformance.secret_shapes import describe_hash, names_password_material

__all__ = [
    "MATERIAL_OBSERVED",
    "WEAK_SECRET_OBSERVED",
    "WeakSecret",
    "judge_answers",
    "judge_token_secrets",
    "material_in",
    "secret_fingerprint",
    "weak_secret_of",
]

WEAK_SECRET_OBSERVED = "token: signed with a known weak secret"
MATERIAL_OBSERVED = "answer: carries password material"
_DIGESTS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
# A hostile answer cannot make the walk long: nodes visited per answer, at most.
_MAX_NODES = 2000
_MAX_FINDINGS = 5


@dataclass(frozen=True)
class WeakSecret:
    """A dictionary hit as a report may show it: what kind of secret, and its fingerprint."""

    kind: str
    fingerprint: str
    value: str  # for the masking layer only; never put in a result

    def __repr__(self) -> str:  # a stray repr in a traceback must not show it either
        return f"WeakSecret(kind={self.kind!r}, fingerprint={self.fingerprint!r})"


def _signature(token: str) -> bytes | None:
    part = token.rsplit(".", 1)[-1]
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None


def secret_fingerprint(secret: str) -> str:
    """``"19 characters, SHA-256 6f61e84bb630…"``: tells secrets apart, reveals none."""
    digest = hashlib.sha256(secret.encode("utf-8")).hexdigest()[:12]
    return f"{len(secret)} characters, SHA-256 {digest}…"


def weak_secret_of(token: str, algorithm: str) -> WeakSecret | None:
    """The dictionary secret that signs ``token`` (an HMAC JWT), tried offline, else None."""
    digest = _DIGESTS.get(algorithm)
    signature = _signature(token)
    if digest is None or signature is None or token.count(".") != 2:
        return None
    signing_input = token.rsplit(".", 1)[0].encode("ascii", "replace")
    for secret in WEAK_SECRETS:
        mac = hmac.new(secret.encode("utf-8"), signing_input, digest).digest()
        if hmac.compare_digest(mac, signature):
            return WeakSecret(kind_of(secret), secret_fingerprint(secret), secret)
    return None


def judge_token_secrets(ctx: Context, tokens: dict[str, tuple[str, Exchange | None]]) -> None:
    """Fail when a token the server issued (``what -> (token, the answer it came in)``) is
    signed with a secret of the dictionary; not applicable when none is an HMAC token."""
    judged = 0
    for what, (token, exchange) in tokens.items():
        try:
            algorithm = str(decode_jwt(token).header.get("alg", ""))
        except ValueError:
            continue  # not a JWT: the checks of its shape report that
        if algorithm not in _DIGESTS:
            continue
        judged += 1
        found = weak_secret_of(token, algorithm)
        if found is None:
            continue
        if ctx.learn is not None:
            ctx.learn([found.value])
        ctx.last = exchange or ctx.last
        ctx.fail(
            f"{what} is signed with a known weak secret: anyone can mint tokens for any user",
            received=(
                f"{algorithm} key: {found.kind} ({found.fingerprint}; the secret and any "
                "token made with it are not shown)"
            ),
            documented=(
                "a signing secret only the server knows, with enough entropy that it cannot "
                f"be guessed (RFC 8725 §3.5); the suite tried {len(WEAK_SECRETS)} common, "
                "placeholder and unexpanded-variable secrets offline"
            ),
            hint="generate a random secret of 32+ bytes, read it from the configuration and "
            "refuse to start when it is missing or still a placeholder",
            observed=WEAK_SECRET_OBSERVED,
        )
    if not judged:
        raise CheckNotApplicable("no token signed with an HMAC algorithm to try secrets on")


# --- password material in answers ---------------------------------------------------------


def _sent_passwords(exchange: Exchange) -> set[str]:
    """The passwords the request carried (any field named as password material)."""
    try:
        body = safe_json(exchange.request_body) if exchange.request_body else None
    except ValueError:
        return set()
    found: set[str] = set()
    for path, value in _leaves(body):
        if isinstance(value, str) and value and names_password_material(path[-1]):
            found.add(value)
    return found


def _leaves(value: Any) -> Iterable[tuple[tuple[str, ...], Any]]:
    """(path of keys, value) of every string, number or empty container, bounded."""
    stack: list[tuple[tuple[str, ...], Any]] = [((), value)]
    visited = 0
    while stack and visited < _MAX_NODES:
        path, item = stack.pop()
        visited += 1
        if isinstance(item, dict) and item:
            stack.extend(((*path, str(k)), v) for k, v in reversed(list(item.items())))
        elif isinstance(item, list) and item:
            stack.extend(((*path, f"[{i}]"), v) for i, v in reversed(list(enumerate(item))))
        else:
            yield path or ("(body)",), item


def _claims_of(value: str) -> dict[str, Any] | None:
    if not value.startswith("eyJ") or value.count(".") != 2:
        return None
    try:
        return decode_jwt(value).claims
    except ValueError:
        return None


def material_in(body: Any, sent: set[str]) -> list[tuple[str, str, str]]:
    """``(where, what it is, value)`` for each piece of password material in an answer body:
    a password sent echoed anywhere, a password hash anywhere, and any word-like value of a
    field named as password material (``password``, ``passwordHash``, ``salt``...). The
    claims of JWTs in the body are searched too: anyone can read them."""
    found: list[tuple[str, str, str]] = []
    for path, value in _leaves(body):
        if not isinstance(value, str) or not value:
            continue
        where = ".".join(path).replace(".[", "[")
        claims = _claims_of(value)
        if claims is not None:
            inner = material_in(claims, sent)
            found += [(f"{where} (token claim {w})", kind, v) for w, kind, v in inner]
            continue
        if value in sent:
            found.append((where, "the password sent, in clear", value))
        elif (shape := describe_hash(value)) is not None:
            found.append((where, shape, value))
        elif names_password_material(path[-1]) and not any(c.isspace() for c in value):
            found.append((where, f"a value of {len(value)} chars", value))
    return found


def judge_answers(ctx: Context, exchanges: Iterable[Exchange]) -> None:
    """Fail on the first answer that carries password material, naming each field and what
    it holds (never the value, which the masking layer is told to hide)."""
    seen: set[int] = set()
    for exchange in exchanges:
        if id(exchange) in seen or not exchange.response_body:
            continue
        seen.add(id(exchange))
        try:
            body = safe_json(exchange.response_body)
        except ValueError:
            continue
        found = material_in(body, _sent_passwords(exchange))
        if not found:
            continue
        if ctx.learn is not None:
            ctx.learn(value for _, _, value in found)
        ctx.last = exchange
        listed = "; ".join(f"{where}: {kind}" for where, kind, _ in found[:_MAX_FINDINGS])
        ctx.fail(
            f"the answer to {exchange.key()} carries password material",
            received=listed + (f" (and {more} more)" if (more := len(found) - 5) > 0 else ""),
            documented=(
                "answers that hold no password, password hash or salt: the documented "
                "bodies name none, and a stored hash in an answer lets its reader guess the "
                "password offline (OWASP ASVS 5.0 V15.3.1: return only the fields needed)"
            ),
            hint="build answers from an allowlist of fields; never serialise the stored "
            "account row (or put it in a token's claims)",
            observed=MATERIAL_OBSERVED,
        )
