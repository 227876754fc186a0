"""FIB login signatures: Ed25519 over the Iroha 2 hash of the user's email.

The FIB tutorial's Iroha SDKs hash before they sign, so the message is not the
email itself but ``H(utf8(email))``: Blake2b with a 32-byte digest whose last
byte has its lowest bit set. The seed example (``alice@mail.com``) verifies
only under this reading; ``tests/test_signing.py`` keeps it as a known answer.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

import nacl.exceptions
import nacl.signing

__all__ = [
    "KeyPair",
    "SigningError",
    "generate_keypair",
    "iroha_hash",
    "normalize_public_key",
    "public_key_for",
    "sign_email",
    "sign_raw",
    "signing_key",
    "verify_email",
]

SEED_BYTES = 32
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
# Iroha's multihash prefix for an Ed25519 public key ("ed" code, length 0x20).
IROHA_ED25519_PREFIX = "ed0120"


class SigningError(ValueError):
    """A key or signature given as hex is malformed (wrong length, not hex)."""


class KeyPair(NamedTuple):
    private_key_hex: str  # 32-byte seed as hex
    public_key_hex: str  # raw 32-byte key as hex


def iroha_hash(data: bytes) -> bytes:
    """Iroha 2's hash: Blake2b-256 with the lowest bit of the last byte forced to 1."""
    digest = bytearray(hashlib.blake2b(data, digest_size=32).digest())
    digest[-1] |= 1
    return bytes(digest)


def _from_hex(value: str, what: str) -> bytes:
    try:
        return bytes.fromhex(value.strip())
    except (ValueError, AttributeError) as exc:
        raise SigningError(f"{what} is not hex: {value!r}") from exc


def signing_key(private_key_hex: str) -> nacl.signing.SigningKey:
    """Accept a 32-byte seed or Iroha's 64-byte seed||public key, both as hex."""
    raw = _from_hex(private_key_hex, "private key")
    if len(raw) == 2 * SEED_BYTES:
        seed, public = raw[:SEED_BYTES], raw[SEED_BYTES:]
        key = nacl.signing.SigningKey(seed)
        if bytes(key.verify_key) != public:
            raise SigningError("64-byte private key: its second half is not the seed's public key")
        return key
    if len(raw) != SEED_BYTES:
        raise SigningError(
            f"private key must be 32 or 64 bytes (64 or 128 hex digits), got {len(raw)} bytes"
        )
    return nacl.signing.SigningKey(raw)


def normalize_public_key(public_key_hex: str) -> bytes:
    """Raw 32-byte key from hex, also accepting Iroha's ``ed0120`` multihash form."""
    text = public_key_hex.strip().lower()
    if text.startswith(IROHA_ED25519_PREFIX) and len(text) == len(IROHA_ED25519_PREFIX) + 64:
        text = text[len(IROHA_ED25519_PREFIX) :]
    raw = _from_hex(text, "public key")
    if len(raw) != PUBLIC_KEY_BYTES:
        raise SigningError(f"public key must be 32 bytes (64 hex digits), got {len(raw)} bytes")
    return raw


def public_key_for(private_key_hex: str) -> str:
    return bytes(signing_key(private_key_hex).verify_key).hex()


def sign_email(email: str, private_key_hex: str) -> str:
    """The FIB ``signature`` field for ``email``: hex of Ed25519(sk, H(email))."""
    return sign_raw(iroha_hash(email.encode("utf-8")), private_key_hex)


def sign_raw(message: bytes, private_key_hex: str) -> str:
    """Sign arbitrary bytes; the checks use it to build deliberately wrong signatures."""
    return signing_key(private_key_hex).sign(message).signature.hex()


def verify_email(email: str, public_key_hex: str, signature_hex: str) -> bool:
    """True when ``signature_hex`` is a FIB signature of ``email`` by that key."""
    try:
        key = nacl.signing.VerifyKey(normalize_public_key(public_key_hex))
        signature = _from_hex(signature_hex, "signature")
    except SigningError:
        return False
    if len(signature) != SIGNATURE_BYTES:
        return False
    try:
        key.verify(iroha_hash(email.encode("utf-8")), signature)
    except nacl.exceptions.BadSignatureError:
        return False
    return True


def generate_keypair() -> KeyPair:
    key = nacl.signing.SigningKey.generate()
    return KeyPair(bytes(key).hex(), bytes(key.verify_key).hex())
