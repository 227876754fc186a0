"""Keep secrets out of evidence: reports get passed around, the keys in them must not.

A FIB signature is Ed25519 over the email alone, so it never changes: printed once, it
logs its holder in forever. Refresh and access tokens are as good as a login while they
live. Three layers, applied to every result text whatever printed it:

- By name: secret headers (``Authorization``, ``X-Auth-Key``, cookies), wherever a
  ``Name: value`` line appears, and JSON fields (``password``, ``privateKeyHex``,
  ``authKey``, ``signature``, ``accessToken``, ``refreshToken``, ``token``...).
- By shape: any JWT-shaped string, and any password hash (bcrypt, argon2, scrypt, PBKDF2,
  crypt formats), shown as what it is ("a bcrypt hash ($2b$, cost 10, 60 chars)").
- By value: every secret of the run's credentials file, and every token or signature the
  suite sent or received during the run (:attr:`Masker.learned`, fed by the HTTP context).

Credentials become ``***``. Tokens and signatures become a fingerprint that tells two of
them apart without being usable: length, the first hex digits of their SHA-256 and, for
a JWT, its decoded header and claims.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from conformance.secret_shapes import HASH_SHAPE, describe_hash, names_password_material

__all__ = [
    "MASK",
    "Masker",
    "fingerprint",
    "mask_body",
    "mask_header",
    "mask_text",
    "mask_transcript",
    "secret_values",
    "token_values",
]

MASK = "***"
# Fingerprints start so; text already masked is left alone (masking twice changes nothing).
MASKED_PREFIX = "[masked"
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-auth-key", "cookie", "set-cookie"}
)
# Headers whose value is a token of the run, shown by fingerprint (the others: by MASK).
TOKEN_HEADERS = frozenset({"authorization", "proxy-authorization"})
# JSON fields whose values are credentials (compared without case, "_" and "-").
SECRET_FIELDS = frozenset(
    {"password", "newpassword", "oldpassword", "privatekeyhex", "privatekey", "authkey", "secret"}
)
# JSON fields whose values are tokens or login signatures: fingerprinted, never shown.
TOKEN_FIELDS = frozenset(
    {"signature", "token", "accesstoken", "refreshtoken", "idtoken", "authtoken"}
)
# Values shorter than this are masked by name only: masking "1" everywhere would wreck the text.
MIN_VALUE_LENGTH = 6
# A run learns a few tokens per check; past this many, new ones are masked by name only.
MAX_LEARNED = 5000
_SCHEMES = ("bearer ", "basic ", "token ")
# A JSON string holds no raw line break: a value is never read across one, so a line cut
# short (no closing quote) cannot swallow the next line's key. Such a cut value runs to
# the end of its line (_CUT_FIELD) and is masked there, closed with a quote.
_FIELD = re.compile(r'("([A-Za-z_-]+)"\s*:\s*)"((?:[^"\\\r\n]|\\.)*)"')
_CUT_FIELD = re.compile(r'("([A-Za-z_-]+)"\s*:\s*)"((?:[^"\\\r\n]|\\.)*)$', re.MULTILINE)
# "Name: value" anywhere: transcripts ("> Authorization: ..."), curl lines ("-H 'X-Auth-Key:
# ..."), Python reprs ("'authorization': '...'"). The value stops at a quote or line end.
_HEADER = re.compile(
    r"(?i)\b(proxy-authorization|authorization|x-auth-key|set-cookie|cookie)"
    r"""(["']?\s*:\s*["']?)([^\r\n'"]*)"""
)
# Three base64url parts, the first a JSON object ("eyJ" is base64 of '{"').
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_CLAIMS_SHOWN = 240
# A documented shape's stand-in for a value ("<HS256 JWT>", str): never a secret, kept, so
# a "documented:" line still says what was documented.
_PLACEHOLDER = re.compile(r"<[\w .,:;()/-]{1,40}>|str|string|int|integer|number|bool|boolean")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _b64_json(part: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except ValueError:
        return None


def _without_material(value: Any, depth: int = 0) -> Any:
    """Claims with password material masked: a token's claims are shown, its secrets never."""
    if depth > 8:
        return MASK
    if isinstance(value, dict):
        return {
            k: MASK if names_password_material(str(k)) else _without_material(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_without_material(v, depth + 1) for v in value]
    if isinstance(value, str) and HASH_SHAPE.search(value):
        return MASK
    return value


def _pairs(value: Any) -> str:
    """A decoded JWT part as ``k=v`` pairs, free of quotes, backslashes and control
    characters, so it sits inside any JSON string and the string stays JSON."""
    if not isinstance(value, dict):
        return "(not a JSON object)"
    value = _without_material(value)
    text = " ".join(f"{k}={v}" for k, v in value.items())
    text = _CONTROL.sub(" ", text.replace('"', "'").replace("\\", "/"))
    return text if len(text) <= _CLAIMS_SHOWN else text[:_CLAIMS_SHOWN] + "…"


def fingerprint(value: str) -> str:
    """What a reader may know of a token: length, SHA-256 prefix, a JWT's header and claims."""
    digest = hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:12]
    head = f"{len(value)} chars, sha256 {digest}"
    if _JWT.fullmatch(value):
        header, claims = value.split(".")[:2]
        return (
            f"{MASKED_PREFIX} JWT: {head}; header {_pairs(_b64_json(header))}; "
            f"claims {_pairs(_b64_json(claims))}]"
        )
    return f"{MASKED_PREFIX}: {head}]"


def _already(value: str) -> bool:
    return value == MASK or value.startswith(MASKED_PREFIX)


def mask_header(name: str, value: str) -> str:
    """A secret header's value masked (its scheme word kept: it says how it was sent)."""
    lowered = name.lower()
    if lowered not in SECRET_HEADERS or _already(value.strip()):
        return value
    scheme = next((s for s in _SCHEMES if value.lower().startswith(s)), "")
    rest = value[len(scheme) :]
    if _already(rest.strip()):
        return value
    if lowered in TOKEN_HEADERS and rest.strip():
        return value[: len(scheme)] + fingerprint(rest.strip())
    return value[: len(scheme)] + MASK


def _field_kind(name: str) -> str | None:
    key = name.replace("_", "").replace("-", "").lower()
    if key in SECRET_FIELDS:
        return "secret"
    if key in TOKEN_FIELDS:
        return "token"
    return None


def mask_body(text: str) -> str:
    """JSON text with the values of secret and token fields replaced, the rest left as it was."""

    def replace(match: re.Match[str]) -> str:
        kind, value = _field_kind(match.group(2)), match.group(3)
        if kind is None or _already(value) or (kind == "token" and not value):
            return match.group(0)
        if _PLACEHOLDER.fullmatch(value):
            return match.group(0)
        if kind == "secret":
            return f'{match.group(1)}"{MASK}"'
        return f'{match.group(1)}"{fingerprint(value)}"'

    return _CUT_FIELD.sub(replace, _FIELD.sub(replace, text))


def mask_transcript(text: str) -> str:
    """Any text with secret headers, secret fields and JWT-shaped strings masked."""

    def header(match: re.Match[str]) -> str:
        name, colon, value = match.groups()
        return f"{name}{colon}{mask_header(name, value)}"

    text = mask_body(_HEADER.sub(header, text))
    text = _JWT.sub(lambda m: fingerprint(m.group(0)), text)
    return HASH_SHAPE.sub(_hash_mask, text)


def _hash_mask(match: re.Match[str]) -> str:
    """A password hash shown as what it is, never its salt or digest."""
    return f"{MASKED_PREFIX}: {describe_hash(match.group(0)) or 'a password hash'}]"


mask_text = mask_transcript


def secret_values(credentials: Mapping[str, Any] | None) -> list[str]:
    """Every secret string in a credentials document (values of secret fields, any depth)."""
    found: list[str] = []
    stack: list[Any] = [credentials or {}]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            for key, value in item.items():
                if isinstance(value, str) and _field_kind(str(key)) == "secret":
                    found.append(value)
                    if str(key).lower() == "privatekeyhex" and len(value) == 128:
                        found.append(value[:64])  # the seed half is the key too
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def token_values(headers: Mapping[str, str], body: Any) -> list[str]:
    """Tokens and signatures in one message: secret headers' values, token fields' values."""
    found = []
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS and value:
            scheme = next((s for s in _SCHEMES if value.lower().startswith(s)), "")
            found.append(value[len(scheme) :].strip())
    stack: list[Any] = [body]
    while stack and len(found) < 100:  # a hostile body cannot make this loop long
        item = stack.pop()
        if isinstance(item, Mapping):
            for key, value in item.items():
                if isinstance(value, str) and _field_kind(str(key)):
                    found.append(value)
                elif isinstance(value, Mapping | list):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item[:100])
    return [value for value in found if len(value) >= MIN_VALUE_LENGTH]


def _fold(text: str) -> str:
    """``text`` without case, each character still at its place (a few lower to two)."""
    folded = text.lower()
    if len(folded) == len(text):
        return folded
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


class Masker:
    """Masks known secret values (and their JSON-escaped forms) in any text, then by name.

    ``learned`` is filled during the run with every token and signature seen on the wire;
    they are masked by value (as fingerprints) wherever they turn up later. ``invented``
    holds what the suite made up for its own throwaway accounts (their passwords): nobody's
    secret, never learned, so the reproducer that signs such an account up still runs.
    """

    def __init__(self, secrets: Iterable[str] = (), *, show: bool = False) -> None:
        self.show = show  # --show-secrets: leave every text as it is (local debugging)
        self._secrets = [s for s in secrets if len(s) >= MIN_VALUE_LENGTH]
        self.learned: set[str] = set()
        self.invented: set[str] = set()
        self._known = -1
        self._replacement: dict[str, str] = {}
        self._by_prefix: dict[str, list[str]] = {}

    def learn(self, values: Iterable[str]) -> None:
        for value in values:
            if len(self.learned) >= MAX_LEARNED:
                return
            if (
                len(value) >= MIN_VALUE_LENGTH
                and not _already(value)
                and value not in self.invented
            ):
                self.learned.add(value)

    def invent(self, value: str) -> None:
        """``value`` was made up by the suite for a throwaway account: not to be learned."""
        if len(self.invented) < MAX_LEARNED:
            self.invented.add(value)

    def _index(self) -> None:
        if self._known == len(self.learned):
            return
        self._known = len(self.learned)
        replacement: dict[str, str] = {}
        for value in self.learned:
            for form in (value, json.dumps(value)[1:-1]):
                replacement.setdefault(form.lower(), fingerprint(value))
        for secret in self._secrets:  # credentials win: they must not even be fingerprinted
            for form in (secret, json.dumps(secret)[1:-1]):
                replacement[form.lower()] = MASK
        self._replacement = replacement
        # Found by their first characters, longest first where several share them: what one
        # alternation of every value would match, without compiling it (that took a tenth of
        # a check run's CPU, again each time a check learned a token).
        by_prefix: dict[str, list[str]] = {}
        for form in sorted(replacement, key=len, reverse=True):
            by_prefix.setdefault(form[:MIN_VALUE_LENGTH], []).append(form)
        self._by_prefix = by_prefix

    def __call__(self, text: str) -> str:
        if not text or self.show:
            return text
        return mask_transcript(self.by_value(text))

    def by_value(self, text: str) -> str:
        """Only the known values masked: for texts that name no secret by design, such as a
        reproducer whose secrets are already ``$VARIABLES`` (masking by header name there
        would break its quoting)."""
        if not text or self.show:
            return text
        self._index()
        if not self._by_prefix or len(text) < MIN_VALUE_LENGTH:
            return text
        folded = _fold(text)
        pieces: list[str] = []
        done = start = 0
        last = len(text) - MIN_VALUE_LENGTH
        while start <= last:
            for form in self._by_prefix.get(folded[start : start + MIN_VALUE_LENGTH], ()):
                if folded.startswith(form, start):
                    pieces += (text[done:start], self._replacement[form])
                    start = done = start + len(form)
                    break
            else:
                start += 1
        return "".join(pieces) + text[done:] if pieces else text
