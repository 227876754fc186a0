"""Slow, salted, self-describing password hashes: ``scrypt$n$r$p$salt_hex$hash_hex``.

The parameters travel with each hash, so raising the cost later leaves old
hashes verifiable. Verification never raises: a malformed hash is a mismatch.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["hash_password", "verify_password"]

ALGORITHM = "scrypt"
# Cost: n=2**14, r=8 needs 16 MiB and about 35 ms per hash on the 2-core test
# machine: slow enough to make offline guessing expensive, fast enough that a
# login under load is not dominated by it (2**15 would double both).
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
# Refuse to verify hashes that claim absurd costs (a tampered row must not stall a worker).
MAX_N = 2**17
MAX_R = 16
MAX_P = 4
_MAXMEM = 256 * 1024 * 1024


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return f"{ALGORITHM}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, encoded: str) -> bool:
    """True only for a well-formed hash of exactly this password (constant-time compare)."""
    try:
        algorithm, n_s, r_s, p_s, salt_hex, hash_hex = encoded.split("$")
        n, r, p = int(n_s), int(r_s), int(p_s)
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(hash_hex)
    except (AttributeError, ValueError):
        return False
    if algorithm != ALGORITHM or not salt or not expected:
        return False
    if not (1 < n <= MAX_N and n & (n - 1) == 0 and 0 < r <= MAX_R and 0 < p <= MAX_P):
        return False
    try:
        actual = _scrypt(password, salt, n, r, p, len(expected))
    except (ValueError, UnicodeEncodeError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, size: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=size, maxmem=_MAXMEM
    )
