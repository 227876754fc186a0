"""The credentials file: valid files load, each kind of mistake names its field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance import signing
from conformance.engine.credentials import load_credentials
from conformance.errors import UsageError


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def _fib_user() -> dict[str, str]:
    pair = signing.generate_keypair()
    return {
        "email": "u@example.com",
        "privateKeyHex": pair.private_key_hex,
        "publicKeyHex": pair.public_key_hex,
    }


def test_full_file_loads(tmp_path: Path) -> None:
    data = {
        "fib": {"users": [_fib_user()]},
        "user-api": {"users": [{"name": "U", "email": "u@example.com", "password": "pw123456"}]},
        "duktig": {
            "authKey": "k",
            "users": [{"email": "d@example.com", "password": "pw"}],
            "inactiveUsers": [{"email": "i@example.com", "password": "pw"}],
        },
    }
    assert load_credentials(_write(tmp_path, data)) == data


def test_empty_object_and_sixty_four_byte_key_load(tmp_path: Path) -> None:
    assert load_credentials(_write(tmp_path, {})) == {}
    user = _fib_user()
    user["privateKeyHex"] += user["publicKeyHex"]
    assert load_credentials(_write(tmp_path, {"fib": {"users": [user]}}))["fib"]["users"][0] == user


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ("{not json", "not valid JSON"),
        ([], "top level"),
        ({"fib": []}, "fib"),
        ({"fib": {"users": {}}}, "fib.users"),
        ({"fib": {"users": [{"privateKeyHex": "00" * 32}]}}, "fib.users[0].email"),
        (
            {"fib": {"users": [{"email": "a@b.c", "privateKeyHex": "zz"}]}},
            "fib.users[0].privateKeyHex",
        ),
        ({"user-api": {"users": [{"name": "n", "email": "e"}]}}, "user-api.users[0].password"),
        ({"duktig": {"authKey": 5}}, "duktig.authKey"),
        ({"duktig": {"inactiveUsers": [{"email": "e"}]}}, "duktig.inactiveUsers[0].password"),
    ],
)
def test_bad_files_name_the_field(tmp_path: Path, data: object, named: str) -> None:
    with pytest.raises(UsageError) as caught:
        load_credentials(_write(tmp_path, data))
    assert named in str(caught.value)


def test_public_key_must_match_private_key(tmp_path: Path) -> None:
    user = _fib_user()
    user["publicKeyHex"] = signing.generate_keypair().public_key_hex
    with pytest.raises(UsageError, match=r"fib.users\[0\].publicKeyHex"):
        load_credentials(_write(tmp_path, {"fib": {"users": [user]}}))


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="credentials file"):
        load_credentials(tmp_path / "absent.json")


def test_unknown_section_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        load_credentials(_write(tmp_path, {"fibb": {"users": []}}))
    assert "unknown section 'fibb'" in str(caught.value)
    assert "did you mean 'fib'?" in str(caught.value)
