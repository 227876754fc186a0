"""A login the Schemathesis child can repeat: the parent's half of :mod:`conformance.fuzz.hooks`.

A profile's ``token_login`` says how to log in and which token each operation takes:

``{"operation": "login", "body": <callable>, "tokens": {operationId: JSON pointer},
"max_logins": N}``

``body`` turns the system's credentials section into the login request's body (FIB: the
first user's email and its Ed25519 signature, deterministic from the credentials file),
or None when the section has no usable account. The child logs in with that body once
per request to an operation in ``tokens`` (a refresh token is spent once, a logout ends
the session) and sends the token found at the pointer; ``max_logins`` bounds the logins
of one run. Everything secret in the file the child reads is masked in every output by
value (:attr:`TokenLogin.secrets`); the file is readable by its owner only and lives in
the run's temporary directory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.engine.masking import secret_values, token_values
from conformance.errors import UsageError

__all__ = ["AUTH_FILE", "DEFAULT_MAX_LOGINS", "HOOKS", "TokenLogin", "count_logins", "token_login"]

# The child's environment: where its token-login file is, and the hooks module that reads it.
AUTH_FILE = "AUTHCONFORM_FUZZ_AUTH"
HOOKS = "conformance.fuzz.hooks"

# Enough for each token-taking operation to be reached with a real token in every phase at
# the default --max-examples; a login costs the target one signature check or hash.
DEFAULT_MAX_LOGINS = 40
_KEYS = frozenset({"operation", "body", "tokens", "max_logins"})


@dataclass(frozen=True)
class TokenLogin:
    """What the child reads (``settings``) and the values to mask in every output."""

    settings: dict[str, Any]
    secrets: tuple[str, ...]

    def write(self, path: Path) -> None:
        """Write the settings for the child, readable by the owner only."""
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(self.settings, out)


def _operations(spec: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """operationId -> (METHOD, path) for every operation of the spec."""
    found = {}
    for path, item in (spec.get("paths") or {}).items():
        for method, operation in (item or {}).items():
            if isinstance(operation, Mapping) and operation.get("operationId"):
                found[str(operation["operationId"])] = (method.upper(), str(path))
    return found


def token_login(
    settings: Mapping[str, Any],
    *,
    credentials: Mapping[str, Any] | None,
    spec: Mapping[str, Any],
    base_url: str,
    headers: Mapping[str, str],
    timeout: float,
    refusals: tuple[int, ...],
    tally_file: Path,
) -> TokenLogin | None:
    """The child's token-login settings for this run, or None when it needs none.

    Without ``token_login`` or without an account in ``credentials``, the child still gets
    the documented refusals (its ``ignored_auth`` then finds no real token to judge with).
    Raises UsageError for a ``token_login`` naming unknown operations or keys.
    """
    login = settings.get("token_login") or {}
    if not login and not refusals:
        return None
    unknown = set(login) - _KEYS
    if unknown:
        raise UsageError("schemathesis.token_login", f"unknown keys {sorted(unknown)}")
    child: dict[str, Any] = {
        "base_url": base_url.rstrip("/"),
        "header": "Authorization",
        # Judge ignored_auth with the documents' refusals only where the plan says so.
        "judge": bool(refusals),
        "refusals": list(refusals or (401, 403)),
        "timeout": timeout,
        "tally_file": str(tally_file),
    }
    make_body: Callable[[Mapping[str, Any]], Any] | None = login.get("body")
    body = make_body(credentials or {}) if login and make_body else None
    if body is None:
        return TokenLogin(settings=child, secrets=())
    operations = _operations(spec)
    names = [login.get("operation"), *(login.get("tokens") or {})]
    missing = [name for name in names if name not in operations]
    if missing:
        raise UsageError("schemathesis.token_login", f"unknown operations {missing}")
    method, path = operations[login["operation"]]
    child["login"] = {"method": method, "path": path, "body": body, "headers": dict(headers)}
    child["tokens"] = {
        " ".join(operations[name]): str(pointer) for name, pointer in login["tokens"].items()
    }
    child["max_logins"] = int(login.get("max_logins", DEFAULT_MAX_LOGINS))
    secrets = [*token_values({}, body), *secret_values({"body": body})]
    return TokenLogin(settings=child, secrets=tuple(dict.fromkeys(secrets)))


def count_logins(tally_file: Path) -> tuple[int, int]:
    """(logins that gave a token, logins refused) as the child tallied them."""
    if not tally_file.exists():
        return 0, 0
    lines = tally_file.read_text(encoding="utf-8").split()
    return lines.count("ok"), lines.count("refused")
