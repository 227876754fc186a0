"""The server's own reading of FIB login signatures: Ed25519 over the Iroha 2 hash of the email.

Written independently of the client's signing code on purpose: the two sides
agree only through the documents (and the seed example), so a shared mistake
could not pass both.
"""

from __future__ import annotations

import hashlib

import nacl.exceptions
from nacl.bindings import crypto_sign_open

__all__ = ["PUBLIC_KEY_BYTES", "SIGNATURE_BYTES", "iroha_hash", "parse_public_key", "verify"]

PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
# Iroha's multihash form of an Ed25519 public key: code "ed", then length 0x20.
MULTIHASH_PREFIX = "ed0120"
_KEY_DIGITS = 2 * PUBLIC_KEY_BYTES
_PREFIXED_KEY_DIGITS = len(MULTIHASH_PREFIX) + _KEY_DIGITS
# The hash's last byte with its lowest bit set, for each value of that byte.
_LAST_BYTE_ODD = tuple(bytes((b | 0x01,)) for b in range(256))


def iroha_hash(data: bytes) -> bytes:
    """Blake2b with a 32-byte digest, lowest bit of the last byte set (Iroha 2's Hash)."""
    digest = hashlib.blake2b(data, digest_size=32).digest()
    return digest[:31] + _LAST_BYTE_ODD[digest[31]]


def parse_public_key(text: str) -> bytes | None:
    """32 raw key bytes from 64 hex digits or ``ed0120`` + 64 hex digits; None otherwise."""
    # PERF: only the prefix is lowered; ``bytes.fromhex`` reads hex digits of either case.
    if len(text) == _PREFIXED_KEY_DIGITS and text[: len(MULTIHASH_PREFIX)].lower() == (
        MULTIHASH_PREFIX
    ):
        text = text[len(MULTIHASH_PREFIX) :]
    if len(text) != _KEY_DIGITS:
        return None
    return parse_hex(text)  # 64 digits, none of them whitespace: 32 bytes


def parse_hex(text: str) -> bytes | None:
    """Strict hex (no spaces, even length) to bytes; None when it is not that."""
    # PERF: ``bytes.fromhex`` refuses every non-hex character but skips whitespace, so
    # whitespace shows as fewer bytes than half the digits; cheaper than a regex first.
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        return None
    return raw if 2 * len(raw) == len(text) else None


def verify(email: str, public_key: bytes, signature: bytes) -> bool:
    """True when ``signature`` is Ed25519(sk, iroha_hash(utf8(email))) for ``public_key``."""
    if len(public_key) != PUBLIC_KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        # PERF: libsodium's own call, as ``nacl.signing.VerifyKey.verify`` makes it, without
        # building a key object per login; the floor in bench/inprocess.py calls the same.
        crypto_sign_open(signature + iroha_hash(email.encode("utf-8")), public_key)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, UnicodeEncodeError):
        return False
    return True
