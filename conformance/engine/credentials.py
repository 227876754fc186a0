"""The credentials file (DESIGN.md): what the suite and the load scenarios log in with.

Every section is optional; what is present is validated up front so a typo fails
with the field's name instead of as a confusing check failure later.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from conformance import signing
from conformance.errors import UsageError

__all__ = ["load_credentials", "validate_credentials"]

# section -> required string fields of each user
_USER_FIELDS: dict[str, tuple[str, ...]] = {
    "fib": ("email", "privateKeyHex"),
    "user-api": ("name", "email", "password"),
    "duktig": ("email", "password"),
}


def load_credentials(path: str | Path) -> dict[str, Any]:
    """Read and validate a credentials file; UsageError names the file and the bad field."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"credentials file {where}", exc.strerror or str(exc)) from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"credentials file {where}", f"not valid JSON ({exc})") from exc
    return validate_credentials(data, where=where)


def validate_credentials(data: Any, *, where: str = "credentials") -> dict[str, Any]:
    """Check the shape of an already-parsed credentials document and return it."""
    if not isinstance(data, dict):
        raise UsageError(f"credentials file {where}", "the top level must be a JSON object")
    for section in data:
        if section not in _USER_FIELDS:
            close = difflib.get_close_matches(str(section), list(_USER_FIELDS), n=1)
            guess = f"did you mean {close[0]!r}? " if close else ""
            raise UsageError(
                f"credentials file {where}",
                f"unknown section {section!r} ({guess}known: {', '.join(sorted(_USER_FIELDS))})",
            )
    for section, fields in _USER_FIELDS.items():
        if section not in data:
            continue
        body = data[section]
        if not isinstance(body, dict):
            raise UsageError(f"{where}: {section}", "must be an object")
        _check_users(body, "users", section, fields, where)
        if section == "duktig":
            if "authKey" in body and not isinstance(body["authKey"], str):
                raise UsageError(f"{where}: duktig.authKey", "must be a string")
            _check_users(body, "inactiveUsers", section, fields, where)
        if section == "fib":
            for i, user in enumerate(body.get("users", [])):
                _check_fib_keys(user, f"{where}: fib.users[{i}]")
    return data


def _check_users(
    body: dict[str, Any], key: str, section: str, fields: tuple[str, ...], where: str
) -> None:
    users = body.get(key, [])
    if not isinstance(users, list):
        raise UsageError(f"{where}: {section}.{key}", "must be a list")
    for i, user in enumerate(users):
        name = f"{where}: {section}.{key}[{i}]"
        if not isinstance(user, dict):
            raise UsageError(name, "must be an object")
        for field in fields:
            if not isinstance(user.get(field), str) or not user[field]:
                raise UsageError(f"{name}.{field}", "missing or not a non-empty string")


def _check_fib_keys(user: dict[str, Any], name: str) -> None:
    try:
        derived = signing.public_key_for(user["privateKeyHex"])
    except signing.SigningError as exc:
        raise UsageError(f"{name}.privateKeyHex", str(exc)) from exc
    if "publicKeyHex" not in user:
        return
    try:
        given = signing.normalize_public_key(str(user["publicKeyHex"])).hex()
    except signing.SigningError as exc:
        raise UsageError(f"{name}.publicKeyHex", str(exc)) from exc
    if given != derived:
        raise UsageError(f"{name}.publicKeyHex", "is not the public key of privateKeyHex")
