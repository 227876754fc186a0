"""The reference server's data layer: password hashes, SQLite store, demo seeding."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from reference_impl.auth import passwords, server_keys
from reference_impl.serving.demo import seed_demo_users
from reference_impl.store import DuplicateUser, Store


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "store.db")


def test_password_round_trip_and_mismatch() -> None:
    encoded = passwords.hash_password("correct horse")
    assert encoded.startswith("scrypt$131072$8$1$")  # OWASP: N=2^17, r=8, p=1
    assert passwords.verify_password("correct horse", encoded)
    assert not passwords.verify_password("correct horsf", encoded)
    light = passwords.hash_password("correct horse", passwords.LIGHT)
    assert light.startswith("scrypt$1024$8$1$") and light != encoded  # salted


def test_older_cheaper_hashes_verify_and_ask_to_be_rehashed() -> None:
    old_row = passwords.hash_password("pw", passwords.LIGHT)  # the format rows had before
    assert passwords.verify_password("pw", old_row)
    assert passwords.needs_rehash(old_row, passwords.OWASP)
    assert not passwords.needs_rehash(old_row, passwords.LIGHT)
    assert passwords.needs_rehash("not a hash", passwords.LIGHT)
    assert not passwords.needs_rehash(passwords.hash_password("pw"), passwords.LIGHT)


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "plain",
        "scrypt$16384$8$1$zz$00",
        "scrypt$16383$8$1$00$00",
        "scrypt$1073741824$8$1$00$00",
        "scrypt$524288$8$1$00$00",
        "bcrypt$16384$8$1$00$00",
        "scrypt$16384$8$1$$",
        None,
    ],
)
def test_malformed_hash_is_false_not_an_error(encoded) -> None:
    assert passwords.verify_password("anything", encoded) is False


def test_duplicate_api_user_raises_duplicate_user(store: Store) -> None:
    store.create_api_user("a", "Same@Example.com", passwords.hash_password("password1"))
    with pytest.raises(DuplicateUser):
        store.create_api_user("b", "same@example.com", "x")


def test_concurrent_duplicate_signups_create_exactly_one_row(store: Store) -> None:
    outcomes: list[str] = []
    lock = threading.Lock()

    def signup(i: int) -> None:
        try:
            store.create_api_user(f"n{i}", "race@example.com", f"hash{i}")
            result = "created"
        except DuplicateUser:
            result = "duplicate"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=signup, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == ["created"] + ["duplicate"] * 7
    with sqlite3.connect(store.path) as conn:
        rows = conn.execute("SELECT COUNT(*) FROM api_users").fetchone()[0]
    assert rows == 1


def test_malformed_rows_are_no_match(store: Store) -> None:
    store.put_fib_user("bad@example.com", b"\x01" * 32, "bad@example")
    store.create_duktig_user(
        first_name="a", last_name="b", email="d@example.com", password_hash="x"
    )
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE fib_users SET public_key = 'not hex'")
        conn.execute("UPDATE duktig_users SET role_id = 'admin'")
    assert store.fib_user("bad@example.com") is None
    assert store.duktig_user_by_email("d@example.com") is None


def test_revocation_is_atomic_persistent_and_pruned(store: Store) -> None:
    assert store.revoke("jti-1", expires_at=2000, now=1000) is True
    assert store.revoke("jti-1", expires_at=2000, now=1000) is False
    assert Store(store.path).is_revoked("jti-1")  # another connection, as after a restart
    store.revoke("jti-2", expires_at=5000, now=3000)  # prunes rows expired before 3000
    assert not store.is_revoked("jti-1")
    assert store.is_revoked("jti-2")


def test_server_keys_are_generated_once_and_persist(store: Store) -> None:
    fib_seed = server_keys.fib_jwt_seed(store)
    assert len(fib_seed) == 32
    reopened = Store(store.path)
    assert server_keys.fib_jwt_seed(reopened) == fib_seed
    assert server_keys.duktig_auth_key(reopened) == server_keys.duktig_auth_key(store)
    assert server_keys.user_api_jwt_secret(store) != server_keys.duktig_jwt_secret(store)


def test_demo_seeding_is_idempotent_and_can_grow(store: Store) -> None:
    first = seed_demo_users(store, 1)
    assert first["fib"]["users"][0]["email"] == "user1@example.com"
    assert first["duktig"]["inactiveUsers"][0]["email"] == "inactive@example.com"
    assert first["duktig"]["authKey"] == server_keys.duktig_auth_key(store)
    again = seed_demo_users(store, 2)
    assert again["user-api"]["users"][0] == first["user-api"]["users"][0]
    assert len(again["user-api"]["users"]) == 2
    inactive = store.duktig_user_by_email("inactive@example.com")
    assert inactive is not None and inactive.active is False
    user = store.api_user_by_email("user2@example.com")
    password = again["user-api"]["users"][1]["password"]
    assert user is not None and passwords.verify_password(password, user.password_hash)
    assert store.fib_user("alice@mail.com").account_id == "alice@wonderland"


def test_a_server_key_is_read_once_per_store(store: Store) -> None:
    # Handlers ask for their secrets on every request; the store answers from memory
    # after the first read, so a change made behind its back is not seen by it...
    key = server_keys.duktig_auth_key(store)
    with sqlite3.connect(store.path) as raw:
        raw.execute(
            "UPDATE server_keys SET value = 'changed' WHERE name = ?", ("duktig.x_auth_key",)
        )
    assert server_keys.duktig_auth_key(store) == key
    # ...while the file itself did change, as a fresh store shows.
    assert server_keys.duktig_auth_key(Store(store.path)) == "changed"
