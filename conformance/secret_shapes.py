"""What stored password material looks like, so it can be named without being shown.

A password hash says what it is: bcrypt starts ``$2b$``, argon2 ``$argon2id$``, Django's
PBKDF2 ``pbkdf2_sha256$``. :func:`describe_hash` turns such a value into a description a
report may carry ("a bcrypt hash ($2b$, cost 10, 60 chars)"): its scheme, its cost where
the format shows one, and its length, never a character of its salt or digest.
Standard library only, like :mod:`conformance.model`, so the masking layer and the
checks share it.
"""

from __future__ import annotations

import re

__all__ = ["HASH_SHAPE", "describe_hash", "names_password_material"]

# (what it is, pattern): the modular-crypt and framework formats password stores use.
_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a bcrypt hash", re.compile(r"\$2[abxy]?\$(\d{2})\$[./A-Za-z0-9]{53}")),
    (
        "an argon2 hash",
        re.compile(r"\$argon2(?:id|i|d)\$(?:v=\d+\$)?m=\d+,t=(\d+),p=\d+\$[^\s\"']+"),
    ),
    ("a scrypt hash", re.compile(r"(?:\$scrypt\$|scrypt[:$])(?:ln=)?(\d+)[^\s\"']*\$[^\s\"']+")),
    ("a yescrypt or scrypt crypt hash", re.compile(r"\$[7y]\$[./A-Za-z0-9$]{20,}")),
    (
        "a PBKDF2 hash",
        re.compile(r"(?:\$pbkdf2(?:-sha\d+)?\$|pbkdf2[_:](?:sha\d+)[:$])(\d+)[:$][^\s\"']+"),
    ),
    (
        "a SHA-crypt hash",
        re.compile(r"\$[56]\$(?:rounds=(\d+)\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43,86}"),
    ),
    ("an MD5-crypt hash", re.compile(r"\$1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}")),
)
# Any of them, anywhere in a text (the masking layer hides them by shape).
HASH_SHAPE = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in _SHAPES))

# Field names (compared without case, "_" and "-") whose values are password material.
_MATERIAL_NAMES = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "passwordhash",
        "hashedpassword",
        "passhash",
        "encryptedpassword",
        "passworddigest",
        "hash",
        "salt",
        "passwordsalt",
    }
)


def names_password_material(name: str) -> bool:
    """Whether a field called ``name`` holds a password, its hash or its salt."""
    return name.replace("_", "").replace("-", "").lower() in _MATERIAL_NAMES


def describe_hash(value: str) -> str | None:
    """``"a bcrypt hash ($2b$, cost 10, 60 chars)"`` for a password hash, else None."""
    for what, pattern in _SHAPES:
        match = pattern.fullmatch(value.strip())
        if match is None:
            continue
        text = value.strip()
        prefix = text[: text.find("$", 1) + 1] if what == "a bcrypt hash" else ""
        cost = next((g for g in match.groups() if g), None)
        details = [part for part in (prefix, f"cost {cost}" if cost else "") if part]
        details.append(f"{len(value)} chars")
        return f"{what} ({', '.join(details)})"
    return None
