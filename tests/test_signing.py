"""FIB signing: the seed's known answer, the wrong reading of it, keys in every accepted form."""

from __future__ import annotations

import nacl.signing
import pytest

from conformance import signing

SEED_EMAIL = "alice@mail.com"
SEED_PUBLIC_KEY = "8a53d297bc406c63396967388ecc2ebc8abd701d195a43bbb4751ac5a86eac1b"
SEED_SIGNATURE = (
    "0b458f758eeca3d7a2a64de0648c9b7dccaee146202257cd8ebaeb4690aa48b4"
    "64108111d8cf0e7f3b0ace1b51dcda89e76d372233514f324e00d64c6b899c0e"
)


def test_seed_example_verifies_as_hash_then_sign() -> None:
    assert signing.verify_email(SEED_EMAIL, SEED_PUBLIC_KEY, SEED_SIGNATURE)


def test_seed_example_does_not_verify_over_the_raw_email() -> None:
    key = nacl.signing.VerifyKey(bytes.fromhex(SEED_PUBLIC_KEY))
    with pytest.raises(nacl.exceptions.BadSignatureError):
        key.verify(SEED_EMAIL.encode(), bytes.fromhex(SEED_SIGNATURE))


def test_seed_example_fails_for_another_email() -> None:
    assert not signing.verify_email("bob@mail.com", SEED_PUBLIC_KEY, SEED_SIGNATURE)


def test_iroha_hash_sets_the_lowest_bit_of_the_last_byte() -> None:
    digest = signing.iroha_hash(b"anything")
    assert len(digest) == 32
    assert digest[-1] & 1 == 1
    assert signing.iroha_hash(b"") != signing.iroha_hash(b"x")


def test_round_trip_with_a_generated_pair() -> None:
    pair = signing.generate_keypair()
    signature = signing.sign_email("user@example.com", pair.private_key_hex)
    assert len(bytes.fromhex(signature)) == 64
    assert signing.verify_email("user@example.com", pair.public_key_hex, signature)
    assert not signing.verify_email("other@example.com", pair.public_key_hex, signature)
    assert not signing.verify_email(
        "user@example.com", signing.generate_keypair().public_key_hex, signature
    )


def test_sixty_four_byte_private_key_signs_like_its_seed() -> None:
    pair = signing.generate_keypair()
    long_key = pair.private_key_hex + pair.public_key_hex
    assert signing.sign_email("a@b.c", long_key) == signing.sign_email(
        "a@b.c", pair.private_key_hex
    )
    assert signing.public_key_for(long_key) == pair.public_key_hex


def test_sixty_four_byte_key_with_a_foreign_public_half_is_refused() -> None:
    pair, other = signing.generate_keypair(), signing.generate_keypair()
    with pytest.raises(signing.SigningError, match="second half"):
        signing.signing_key(pair.private_key_hex + other.public_key_hex)


def test_iroha_multihash_public_key_is_accepted() -> None:
    assert signing.verify_email(SEED_EMAIL, "ed0120" + SEED_PUBLIC_KEY, SEED_SIGNATURE)
    assert signing.normalize_public_key("ED0120" + SEED_PUBLIC_KEY.upper()).hex() == SEED_PUBLIC_KEY


@pytest.mark.parametrize(
    ("public_key", "signature"),
    [
        ("zz" * 32, SEED_SIGNATURE),  # public key not hex
        (SEED_PUBLIC_KEY[:-2], SEED_SIGNATURE),  # public key 31 bytes
        (SEED_PUBLIC_KEY, "zz" * 64),  # signature not hex
        (SEED_PUBLIC_KEY, SEED_SIGNATURE[:-2]),  # signature 63 bytes
        (SEED_PUBLIC_KEY, ""),  # empty signature
    ],
)
def test_malformed_inputs_are_invalid_not_errors(public_key: str, signature: str) -> None:
    assert signing.verify_email(SEED_EMAIL, public_key, signature) is False


@pytest.mark.parametrize("private_key", ["", "zz" * 32, "00" * 31, "00" * 48])
def test_malformed_private_keys_raise_signing_error(private_key: str) -> None:
    with pytest.raises(signing.SigningError):
        signing.sign_email("a@b.c", private_key)
