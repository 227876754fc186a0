"""Named server secrets, generated on first use and kept in the store so restarts keep them.

Every worker asks the store; the first to ask creates the value and all others
read it, so tokens signed by one worker verify in every other.
"""

from __future__ import annotations

import secrets

from reference_impl.store import Store

__all__ = [
    "demo_secret",
    "duktig_auth_key",
    "duktig_jwt_secret",
    "fib_jwt_seed",
    "user_api_jwt_secret",
]

FIB_JWT_SEED = "fib.jwt.ed25519_seed"
USER_API_JWT_SECRET = "user_api.jwt.hs256_secret"
DUKTIG_JWT_SECRET = "duktig.jwt.hs256_secret"
DUKTIG_AUTH_KEY = "duktig.x_auth_key"
DEMO_SECRET = "demo.derivation_secret"


def fib_jwt_seed(store: Store) -> bytes:
    """32-byte Ed25519 seed of the key that signs FIB access and refresh tokens."""
    return bytes.fromhex(store.server_key(FIB_JWT_SEED, lambda: secrets.token_hex(32)))


def user_api_jwt_secret(store: Store) -> bytes:
    """HS256 secret for User API tokens (32 random bytes)."""
    return bytes.fromhex(store.server_key(USER_API_JWT_SECRET, lambda: secrets.token_hex(32)))


def duktig_jwt_secret(store: Store) -> bytes:
    """HS256 secret for Duktig tokens (32 random bytes)."""
    return bytes.fromhex(store.server_key(DUKTIG_JWT_SECRET, lambda: secrets.token_hex(32)))


def duktig_auth_key(store: Store) -> str:
    """The configured ``X-Auth-Key`` value clients must send to ``POST /auth/token``."""
    return store.server_key(DUKTIG_AUTH_KEY, lambda: secrets.token_urlsafe(24))


def demo_secret(store: Store) -> bytes:
    """Derives demo users' keys and passwords, so re-seeding one database repeats them."""
    return bytes.fromhex(store.server_key(DEMO_SECRET, lambda: secrets.token_hex(32)))
