"""Demo users for all three systems, and the credentials file that lets clients use them.

Keys and passwords are derived from a per-database secret, so seeding the same
database again yields the same credentials: existing users are reused (and
repaired if their key, password or status drifted), missing ones are added.

Demo passwords are hashed at the server's own cost (``cost``), like every real user's:
a wrong password must cost what an unknown email costs (the decoy hash runs at the
server's cost), or the time of a refusal tells demo accounts from the rest. A stored
hash at another cost is replaced; the hashes run ``passwords.KDF_CONCURRENCY`` at a time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import nacl.signing

from reference_impl.auth import passwords, server_keys
from reference_impl.store import DuplicateUser, Store

__all__ = ["ALICE_EMAIL", "ALICE_PUBLIC_KEY_HEX", "seed_demo_users"]

# The FIB seed example's user: her request in the documents logs in as-is.
# Nobody has her private key, so she is never in the credentials file.
ALICE_EMAIL = "alice@mail.com"
ALICE_PUBLIC_KEY_HEX = "8a53d297bc406c63396967388ecc2ebc8abd701d195a43bbb4751ac5a86eac1b"
ALICE_ACCOUNT_ID = "alice@wonderland"

DEMO_DOMAIN = "example.com"
DUKTIG_ROLE_ID = 2
INACTIVE_EMAIL = f"inactive@{DEMO_DOMAIN}"


def seed_demo_users(
    store: Store, count: int, cost: passwords.ScryptCost = passwords.LIGHT
) -> dict[str, Any]:
    """Make sure alice and ``count`` users per system exist, password hashes at ``cost``;
    return the credentials dict."""
    if count < 0:
        raise ValueError("count must be >= 0")
    secret = server_keys.demo_secret(store)
    store.put_fib_user(ALICE_EMAIL, bytes.fromhex(ALICE_PUBLIC_KEY_HEX), ALICE_ACCOUNT_ID)
    emails = list(enumerate((f"user{i}@{DEMO_DOMAIN}" for i in range(1, count + 1)), 1))
    with ThreadPoolExecutor(passwords.KDF_CONCURRENCY) as pool:
        api = pool.map(lambda ie: _api_user(store, secret, ie[0], ie[1], cost), emails)
        duktig = pool.map(lambda ie: _duktig_user(store, secret, ie[1], f"{ie[0]}", cost), emails)
        inactive = pool.submit(
            _duktig_user, store, secret, INACTIVE_EMAIL, "Inactive", cost, active=False
        )
        api_users, duktig_users, inactive_user = list(api), list(duktig), inactive.result()
    return {
        "fib": {"users": [_fib_user(store, secret, email) for _, email in emails]},
        "user-api": {"users": api_users},
        "duktig": {
            "authKey": server_keys.duktig_auth_key(store),
            "users": duktig_users,
            "inactiveUsers": [inactive_user],
        },
    }


def account_id_for(email: str) -> str:
    """An Iroha-style account id ``<name>@<domain>`` for a demo email."""
    local, _, domain = email.partition("@")
    return f"{local}@{domain.split('.')[0] or 'fib'}"


def _derive(secret: bytes, label: str) -> bytes:
    return hmac.new(secret, label.encode("utf-8"), hashlib.sha256).digest()


def _password(secret: bytes, label: str) -> str:
    token = base64.urlsafe_b64encode(_derive(secret, label)).decode("ascii")[:20]
    return f"Demo-{token}"  # 25 characters: fits every system's length rule


def _fib_user(store: Store, secret: bytes, email: str) -> dict[str, str]:
    seed = _derive(secret, f"fib:{email}")
    public = bytes(nacl.signing.SigningKey(seed).verify_key)
    user = store.fib_user(email)
    if user is None or user.public_key != public:
        store.put_fib_user(email, public, account_id_for(email))
    return {"email": email, "privateKeyHex": seed.hex(), "publicKeyHex": public.hex()}


def _stale(password: str, encoded: str, cost: passwords.ScryptCost) -> bool:
    """True when the stored hash is not this password at exactly ``cost``."""
    return passwords.cost_of(encoded) != cost or not passwords.verify_password(password, encoded)


def _api_user(
    store: Store, secret: bytes, index: int, email: str, cost: passwords.ScryptCost
) -> dict[str, str]:
    name, password = f"user{index}", _password(secret, f"user-api:{email}")
    existing = store.api_user_by_email(email)
    if existing is None:
        try:
            store.create_api_user(name, email, passwords.hash_password(password, cost))
        except DuplicateUser:  # created meanwhile by another process: repaired below
            existing = store.api_user_by_email(email)
    if existing is not None and _stale(password, existing.password_hash, cost):
        store.set_api_user_password(email, passwords.hash_password(password, cost))
    return {"name": existing.name if existing else name, "email": email, "password": password}


def _duktig_user(
    store: Store,
    secret: bytes,
    email: str,
    last_name: str,
    cost: passwords.ScryptCost,
    *,
    active: bool = True,
) -> dict[str, str]:
    password = _password(secret, f"duktig:{email}")
    existing = store.duktig_user_by_email(email)
    if existing is None:
        try:
            store.create_duktig_user(
                first_name="Demo",
                last_name=last_name,
                email=email,
                password_hash=passwords.hash_password(password, cost),
                role_id=DUKTIG_ROLE_ID,
                active=active,
            )
            return {"email": email, "password": password}
        except DuplicateUser:
            existing = store.duktig_user_by_email(email)
    if existing is None or _stale(password, existing.password_hash, cost):
        store.update_duktig_user(email, password_hash=passwords.hash_password(password, cost))
    if existing is None or existing.active != active:
        store.update_duktig_user(email, active=active)
    return {"email": email, "password": password}
