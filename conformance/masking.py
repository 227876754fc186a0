"""Keep secrets out of evidence: reports get passed around, the keys in them must not.

Two layers. By name: secret headers (``Authorization``, ``X-Auth-Key``, cookies) and
JSON fields (``password``, ``privateKeyHex``, ``authKey``...) are masked wherever a
transcript is rendered. By value: every secret of the run's credentials file is masked
in every result text, whatever printed it (a failure message, a Schemathesis case).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MASK", "Masker", "mask_body", "mask_header", "mask_transcript", "secret_values"]

MASK = "***"
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-auth-key", "cookie", "set-cookie"}
)
# JSON fields whose values are secrets (compared without case, "_" and "-").
SECRET_FIELDS = frozenset(
    {"password", "newpassword", "oldpassword", "privatekeyhex", "privatekey", "authkey", "secret"}
)
# Values shorter than this are masked by name only: masking "1" everywhere would wreck the text.
MIN_VALUE_LENGTH = 6
_SCHEMES = ("bearer ", "basic ", "token ")
_FIELD = re.compile(r'("([A-Za-z_-]+)"\s*:\s*)"(?:[^"\\]|\\.)*"')
# A request header line of a transcript: "> Authorization: Bearer ...".
_HEADER_LINE = re.compile(r"(?im)^(\s*>\s*)([A-Za-z-]+)(\s*:\s*)(.*)$")


def mask_header(name: str, value: str) -> str:
    """A secret header's value masked (its scheme word kept: it says how it was sent)."""
    if name.lower() not in SECRET_HEADERS:
        return value
    for scheme in _SCHEMES:
        if value.lower().startswith(scheme):
            return value[: len(scheme)] + MASK
    return MASK


def _is_secret_field(name: str) -> bool:
    return name.replace("_", "").replace("-", "").lower() in SECRET_FIELDS


def mask_body(text: str) -> str:
    """JSON text with the values of secret fields replaced, the rest left as it was."""

    def replace(match: re.Match[str]) -> str:
        if _is_secret_field(match.group(2)):
            return f'{match.group(1)}"{MASK}"'
        return match.group(0)

    return _FIELD.sub(replace, text)


def mask_transcript(text: str) -> str:
    """A transcript written elsewhere (Schemathesis's) with secret headers and fields masked."""

    def header(match: re.Match[str]) -> str:
        lead, name, colon, value = match.groups()
        return f"{lead}{name}{colon}{mask_header(name, value)}"

    return mask_body(_HEADER_LINE.sub(header, text))


def secret_values(credentials: Mapping[str, Any] | None) -> list[str]:
    """Every secret string in a credentials document (values of secret fields, any depth)."""
    found: list[str] = []
    stack: list[Any] = [credentials or {}]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            for key, value in item.items():
                if isinstance(value, str) and _is_secret_field(str(key)):
                    found.append(value)
                    if str(key).lower() == "privatekeyhex" and len(value) == 128:
                        found.append(value[:64])  # the seed half is the key too
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return found


class Masker:
    """Masks known secret values (and their JSON-escaped forms) in any text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if len(secret) < MIN_VALUE_LENGTH:
                continue
            forms.add(secret)
            forms.add(json.dumps(secret)[1:-1])
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(re.escape(s) for s in ordered), re.IGNORECASE) if ordered else None
        )

    def __call__(self, text: str) -> str:
        if not text or self._pattern is None:
            return text
        return self._pattern.sub(MASK, text)
