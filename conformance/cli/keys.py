"""`authconform sign`, `verify` and `keygen`: FIB login signatures by hand.

They use the same code as the checks (conformance.signing), so a signature printed
here is exactly what the suite would send.
"""

from __future__ import annotations

import argparse
import json

from conformance import signing
from conformance.errors import UsageError

__all__ = [
    "configure_keygen",
    "configure_sign",
    "configure_verify",
    "run_keygen",
    "run_sign",
    "run_verify",
]


def configure_sign(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Print the FIB login signature of an email: hex of Ed25519(private key, "
        "Blake2b-256(email) with the last bit set)."
    )
    parser.add_argument("--email", required=True, help="the email to sign, exactly as sent")
    parser.add_argument(
        "--private-key",
        required=True,
        metavar="HEX",
        help="Ed25519 private key: 32-byte seed or 64-byte seed||public key, as hex",
    )


def run_sign(args: argparse.Namespace) -> int:
    try:
        print(signing.sign_email(args.email, args.private_key))
    except signing.SigningError as exc:
        raise UsageError("--private-key", str(exc)) from exc
    return 0


def configure_verify(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Say whether a FIB login signature is valid for an email and public key. "
        "Prints 'valid' (exit 0) or 'invalid' (exit 1)."
    )
    parser.add_argument("--email", required=True, help="the email that was signed")
    parser.add_argument(
        "--public-key",
        required=True,
        metavar="HEX",
        help="Ed25519 public key as 64 hex digits (Iroha's ed0120 prefix accepted)",
    )
    parser.add_argument(
        "--signature", required=True, metavar="HEX", help="the signature as 128 hex digits"
    )


def run_verify(args: argparse.Namespace) -> int:
    try:
        signing.normalize_public_key(args.public_key)
    except signing.SigningError as exc:
        raise UsageError("--public-key", str(exc)) from exc
    valid = signing.verify_email(args.email, args.public_key, args.signature)
    print("valid" if valid else "invalid")
    return 0 if valid else 1


def configure_keygen(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Print a new Ed25519 key pair as hex (the private key is the 32-byte seed)."
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='print {"privateKeyHex": ..., "publicKeyHex": ...} instead',
    )


def run_keygen(args: argparse.Namespace) -> int:
    pair = signing.generate_keypair()
    if args.json:
        print(
            json.dumps({"privateKeyHex": pair.private_key_hex, "publicKeyHex": pair.public_key_hex})
        )
    else:
        print(f"privateKeyHex: {pair.private_key_hex}")
        print(f"publicKeyHex: {pair.public_key_hex}")
    return 0
