"""Slow, salted, self-describing password hashes: ``scrypt$n$r$p$salt_hex$hash_hex``.

The parameters travel with each hash, so a row hashed at an older, lower cost still
verifies; ``needs_rehash`` tells a login to store it again at the current cost.
Verification never raises: a malformed hash is a mismatch.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass
from functools import cache

__all__ = [
    "COSTS",
    "LIGHT",
    "OWASP",
    "ScryptCost",
    "cost_of",
    "decoy_hash",
    "hash_password",
    "needs_rehash",
    "verify_password",
]

ALGORITHM = "scrypt"
SALT_BYTES = 16
HASH_BYTES = 32
# Refuse to verify hashes that claim absurd costs (a tampered row must not stall a worker).
MAX_N = 2**18
MAX_R = 16
MAX_P = 4
# scrypt needs 128 * r * n bytes (plus a little); allow what MAX_N and r=8 need, no more.
_MAXMEM = 300 * 1024 * 1024
# Hashes computed at once per process: one per core keeps the CPU busy, and bounds the
# memory (128 MiB each at OWASP cost) however many threads the server runs.
KDF_CONCURRENCY = os.cpu_count() or 2
_kdf_slots = threading.BoundedSemaphore(KDF_CONCURRENCY)


@dataclass(frozen=True, slots=True)
class ScryptCost:
    n: int
    r: int
    p: int

    def covers(self, other: ScryptCost) -> bool:
        """True when this cost is at least ``other`` in every parameter."""
        return self.n >= other.n and self.r >= other.r and self.p >= other.p


# OWASP's password storage recommendation for scrypt: 128 MiB and ~100-300 ms a hash.
OWASP = ScryptCost(n=2**17, r=8, p=1)
# For tests, demos and the embedded server only (1 MiB, about 100x faster); never for real users.
LIGHT = ScryptCost(n=2**10, r=8, p=1)
# By the names `serve --password-cost`, `load --password-cost` and the site's build take.
COSTS: dict[str, ScryptCost] = {"owasp": OWASP, "light": LIGHT}


def hash_password(password: str, cost: ScryptCost = OWASP) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, cost.n, cost.r, cost.p, HASH_BYTES)
    return f"{ALGORITHM}${cost.n}${cost.r}${cost.p}${salt.hex()}${digest.hex()}"


def verify_password(password: str, encoded: str) -> bool:
    """True only for a well-formed hash of exactly this password (constant-time compare)."""
    parsed = _parse(encoded)
    if parsed is None:
        return False
    cost, salt, expected = parsed
    try:
        actual = _scrypt(password, salt, cost.n, cost.r, cost.p, len(expected))
    except (ValueError, UnicodeEncodeError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


@cache
def decoy_hash(cost: ScryptCost) -> str:
    """Verified against when an email is unknown, at the cost every stored hash is made at,
    so a refusal takes as long whether or not the account exists."""
    return hash_password("decoy password, never valid", cost)


def cost_of(encoded: str) -> ScryptCost | None:
    """The cost a stored hash was made at, or None when it is unreadable."""
    parsed = _parse(encoded)
    return parsed[0] if parsed else None


def needs_rehash(encoded: str, cost: ScryptCost) -> bool:
    """True when ``encoded`` is weaker than ``cost`` (or unreadable): store a new hash."""
    parsed = _parse(encoded)
    return parsed is None or not parsed[0].covers(cost)


def _parse(encoded: str) -> tuple[ScryptCost, bytes, bytes] | None:
    try:
        algorithm, n_s, r_s, p_s, salt_hex, hash_hex = encoded.split("$")
        n, r, p = int(n_s), int(r_s), int(p_s)
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(hash_hex)
    except (AttributeError, ValueError):
        return None
    if algorithm != ALGORITHM or not salt or not expected:
        return None
    if not (1 < n <= MAX_N and n & (n - 1) == 0 and 0 < r <= MAX_R and 0 < p <= MAX_P):
        return None
    return ScryptCost(n, r, p), salt, expected


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, size: int) -> bytes:
    secret = password.encode("utf-8")
    with _kdf_slots:
        return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, dklen=size, maxmem=_MAXMEM)
