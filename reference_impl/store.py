"""SQLite storage shared by every worker: users of the three systems, server keys, revocations,
and the failed-login counts (``auth.login_limits`` owns their two tables).

One connection per thread and process, opened lazily, so a Store built before
the server forks is safe to use in each worker (the child opens its own). WAL mode
lets readers run beside the single writer; ``BUSY_TIMEOUT_MS`` makes writers wait
instead of failing. Rows are turned into records defensively: a row that does not
parse is "no match", never an exception.

The file holds the token-signing keys and other server secrets, so a new database is
created owner-only (0600) before SQLite opens it; SQLite gives its ``-wal`` and ``-shm``
files the database file's mode. An existing file (or ``-wal``/``-shm``) that others may
read is tightened to 0600 when the store opens it, or refused with ``PermissionError``
when that is not possible (a file someone else owns).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "ApiUser",
    "DuktigUser",
    "DuplicateUser",
    "FibUser",
    "Store",
]

# Writers queue behind each other under load; 10 s is far beyond any real wait.
BUSY_TIMEOUT_MS = 10_000
# Owner read/write only: the database holds every server secret.
PRIVATE_MODE = 0o600

SCHEMA = """
CREATE TABLE IF NOT EXISTS server_keys (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fib_users (
    email      TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,          -- raw 32-byte Ed25519 key, hex
    account_id TEXT NOT NULL           -- Iroha-style <name>@<domain>
);
CREATE TABLE IF NOT EXISTS api_users (
    user_id       TEXT PRIMARY KEY,    -- 24 lowercase hex characters
    name          TEXT NOT NULL,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS duktig_users (
    user_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role_id       INTEGER NOT NULL,
    active        INTEGER NOT NULL,
    last_login    TEXT                 -- "YYYY-MM-DD HH:MM:SS" UTC, NULL before the first login
);
CREATE TABLE IF NOT EXISTS revoked_tokens (
    jti        TEXT PRIMARY KEY,       -- a token's jti or a session's sid
    expires_at INTEGER NOT NULL        -- Unix time after which the row may be pruned
);
CREATE INDEX IF NOT EXISTS revoked_tokens_expiry ON revoked_tokens (expires_at);
-- Failed-login limits (auth.login_limits): keys with failures, and tries being judged.
CREATE TABLE IF NOT EXISTS login_counts (
    system       TEXT NOT NULL,
    kind         TEXT NOT NULL,        -- "account" or "address"
    value        TEXT NOT NULL,        -- the email (lower case) or the client address
    failures     INTEGER NOT NULL,
    last_failure REAL NOT NULL,        -- Unix time
    not_before   REAL NOT NULL,        -- Unix time before which no try is judged; 0: none
    touched      INTEGER NOT NULL,     -- larger is more recent: eviction order
    PRIMARY KEY (system, kind, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS login_counts_touched ON login_counts (touched);
CREATE TABLE IF NOT EXISTS login_tries (
    id         INTEGER PRIMARY KEY,
    system     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    expires_at REAL NOT NULL           -- Unix time; a try never released stops counting then
);
CREATE INDEX IF NOT EXISTS login_tries_key ON login_tries (system, kind, value);
"""


# PERF: this process's id, kept current by an at-fork hook rather than a system call on
# every query (each FIB login makes one); ``_connection`` compares it to tell a child.
_PROCESS = [os.getpid()]
os.register_at_fork(after_in_child=lambda: _PROCESS.__setitem__(0, os.getpid()))

_FIB_USER_SQL = "SELECT email, public_key, account_id FROM fib_users WHERE email = ?"
# Changes when another connection (any thread or process) commits; see ``fib_user``.
_DATA_VERSION_SQL = "PRAGMA data_version"
# FIB users remembered per connection (thread); past this the memory starts over.
FIB_CACHE_SIZE = 256


class DuplicateUser(Exception):
    """Raised by ``create_*_user`` when the email is taken (case-insensitively).

    The UNIQUE constraint decides, so of N concurrent signups for one email
    exactly one row is created and the others get this error.
    """


class FibUser(NamedTuple):
    """A FIB user as every login reads it (PERF: a named tuple, immutable and quick to build)."""

    email: str
    public_key: bytes
    account_id: str


@dataclass(frozen=True, slots=True)
class ApiUser:
    user_id: str
    name: str
    email: str
    password_hash: str


@dataclass(frozen=True, slots=True)
class DuktigUser:
    user_id: int
    first_name: str
    last_name: str
    email: str
    password_hash: str
    role_id: int
    active: bool
    last_login: str | None


def _create_private(path: str) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (an empty file is an empty db)."""
    if path == ":memory:" or path.startswith("file:"):
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except FileExistsError:
        return
    os.close(fd)


def _tighten(path: str) -> None:
    """Make the database and its WAL/SHM files owner-only; refuse to go on if they cannot be."""
    if path == ":memory:" or path.startswith("file:"):
        return
    for name in (path, f"{path}-wal", f"{path}-shm"):
        try:
            mode = os.stat(name).st_mode & 0o777
        except FileNotFoundError:
            continue
        if mode & ~PRIVATE_MODE:
            try:
                os.chmod(name, PRIVATE_MODE)
            except OSError as exc:
                raise PermissionError(
                    f"{name} has mode {mode:04o}; it holds server secrets and must be 0600, "
                    f"and it could not be changed: {exc.strerror}"
                ) from exc


class Store:
    """All persistent state; safe to share between threads, and across a fork."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._local = threading.local()
        self._schema_lock = threading.Lock()
        self._schema_ready_pid: int | None = None
        # Server keys are written once and never changed, so each value is read once.
        self._server_keys: dict[str, str] = {}

    # -- connections -------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is not None and local.pid == _PROCESS[0]:
            return conn
        # NOTE: a connection inherited across fork must never be used in the child.
        _create_private(self.path)
        _tighten(self.path)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        _tighten(self.path)  # a -wal/-shm left by an earlier run keeps its old mode
        self._local.conn, self._local.pid = conn, os.getpid()
        # PERF: one cursor per connection for the FIB user lookup, instead of one per query.
        # A one-row lookup steps to the end inside ``fetchone`` and so resets its statement:
        # the kept cursor holds no read snapshot between queries.
        self._local.fib_cursor = conn.cursor()
        self._local.fib_cache, self._local.fib_cache_version = {}, None
        self._ensure_schema(conn)
        return conn

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        with self._schema_lock:
            if self._schema_ready_pid == os.getpid():
                return
            conn.executescript(SCHEMA)
            self._schema_ready_pid = os.getpid()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: take the write lock up front, so no upgrade deadlock.

        For tables no cache here reads (the failed-login counts); keep it short, since
        every writer of every worker waits for it.
        """
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A ``transaction`` that may change users: this thread's FIB user cache starts over."""
        self._connection()
        # ``PRAGMA data_version`` does not move for this connection's own commits.
        self._local.fib_cache.clear()
        try:
            with self.transaction() as conn:
                yield conn
        finally:
            self._local.fib_cache.clear()

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        self._local.conn = None

    # -- server keys -------------------------------------------------------

    def server_key(self, name: str, generate: Callable[[], str]) -> str:
        """The persisted value for ``name``, created with ``generate()`` by whoever asks first.

        INSERT OR IGNORE then SELECT: when workers race, all end up with the winner's value.
        The value is then remembered: handlers ask on every request, and it never changes.
        """
        cached = self._server_keys.get(name)
        if cached is not None:
            return cached
        conn = self._connection()
        row = conn.execute("SELECT value FROM server_keys WHERE name = ?", (name,)).fetchone()
        if row is None:
            with self._write() as w:
                w.execute(
                    "INSERT OR IGNORE INTO server_keys (name, value) VALUES (?, ?)",
                    (name, generate()),
                )
                row = w.execute("SELECT value FROM server_keys WHERE name = ?", (name,)).fetchone()
        value = self._server_keys[name] = str(row[0])
        return value

    # -- FIB users ---------------------------------------------------------

    def put_fib_user(self, email: str, public_key: bytes, account_id: str) -> None:
        """Register or re-key a FIB user (FIB has no sign-up endpoint; this is seeding)."""
        with self._write() as w:
            w.execute(
                "INSERT INTO fib_users (email, public_key, account_id) VALUES (?, ?, ?) "
                "ON CONFLICT (email) DO UPDATE SET public_key = excluded.public_key, "
                "account_id = excluded.account_id",
                (email, public_key.hex(), account_id),
            )

    def fib_user(self, email: str) -> FibUser | None:
        """The FIB user registered under exactly ``email``, as the database holds it now.

        PERF: every FIB login asks. Users found are remembered per connection while
        ``PRAGMA data_version`` stays the same, that is while no other connection, in
        this process or another, has committed anything; this connection's own writes
        forget them (``_write``). Asking the version costs about two thirds of the query.
        The statement texts are constants, so sqlite3 keeps them prepared, and the
        thread's cursor is reused.
        """
        local = self._local
        if getattr(local, "conn", None) is None or local.pid != _PROCESS[0]:
            self._connection()
        cursor, cache = local.fib_cursor, local.fib_cache
        version = cursor.execute(_DATA_VERSION_SQL).fetchone()[0]
        if version != local.fib_cache_version:
            cache.clear()
            local.fib_cache_version = version
        user = cache.get(email)
        if user is None:
            user = _fib_user_of(cursor.execute(_FIB_USER_SQL, (email,)).fetchone())
            if user is not None:
                if len(cache) >= FIB_CACHE_SIZE:
                    cache.clear()
                cache[email] = user
        return user

    # -- User API users ----------------------------------------------------

    def create_api_user(
        self, name: str, email: str, password_hash: str, *, user_id: str | None = None
    ) -> ApiUser:
        """Insert a User API user; raises ``DuplicateUser`` if the email is taken.

        ``password_hash`` comes from ``passwords.hash_password``; ``user_id``
        defaults to 24 random lowercase hex characters.
        """
        user = ApiUser(user_id or secrets.token_hex(12), name, email, password_hash)
        try:
            with self._write() as w:
                w.execute(
                    "INSERT INTO api_users (user_id, name, email, password_hash, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (user.user_id, name, email, password_hash, int(time.time())),
                )
        except sqlite3.IntegrityError as exc:
            raise DuplicateUser(email) from exc
        return user

    def api_user_by_email(self, email: str) -> ApiUser | None:
        row = (
            self._connection()
            .execute(
                "SELECT user_id, name, email, password_hash FROM api_users WHERE email = ?",
                (email,),
            )
            .fetchone()
        )
        if row is None or not all(isinstance(v, str) for v in row):
            return None
        return ApiUser(*row)

    def set_api_user_password(self, email: str, password_hash: str) -> None:
        with self._write() as w:
            w.execute(
                "UPDATE api_users SET password_hash = ? WHERE email = ?", (password_hash, email)
            )

    # -- Duktig users ------------------------------------------------------

    def create_duktig_user(
        self,
        *,
        first_name: str,
        last_name: str,
        email: str,
        password_hash: str,
        role_id: int = 2,
        active: bool = True,
    ) -> DuktigUser:
        """Insert a Duktig user; raises ``DuplicateUser`` if the email is taken."""
        try:
            with self._write() as w:
                cursor = w.execute(
                    "INSERT INTO duktig_users (first_name, last_name, email, password_hash, "
                    "role_id, active) VALUES (?, ?, ?, ?, ?, ?)",
                    (first_name, last_name, email, password_hash, role_id, int(active)),
                )
                user_id = int(cursor.lastrowid or 0)
        except sqlite3.IntegrityError as exc:
            raise DuplicateUser(email) from exc
        return DuktigUser(
            user_id, first_name, last_name, email, password_hash, role_id, active, None
        )

    def duktig_user_by_email(self, email: str) -> DuktigUser | None:
        row = (
            self._connection()
            .execute(
                "SELECT user_id, first_name, last_name, email, password_hash, role_id, active, "
                "last_login FROM duktig_users WHERE email = ?",
                (email,),
            )
            .fetchone()
        )
        if row is None:
            return None
        user_id, first, last, mail, pw_hash, role_id, active, last_login = row
        if not (isinstance(user_id, int) and isinstance(role_id, int)):
            return None
        if not all(isinstance(v, str) for v in (first, last, mail, pw_hash)):
            return None
        if last_login is not None and not isinstance(last_login, str):
            last_login = None
        return DuktigUser(
            user_id, first, last, mail, pw_hash, role_id, active in (1, True), last_login
        )

    def update_duktig_user(
        self, email: str, *, password_hash: str | None = None, active: bool | None = None
    ) -> None:
        """Change a Duktig user's password hash and/or active flag (used by demo seeding)."""
        with self._write() as w:
            if password_hash is not None:
                w.execute(
                    "UPDATE duktig_users SET password_hash = ? WHERE email = ?",
                    (password_hash, email),
                )
            if active is not None:
                w.execute(
                    "UPDATE duktig_users SET active = ? WHERE email = ?", (int(active), email)
                )

    def record_duktig_login(self, user_id: int, when: str) -> None:
        """Store the time of this login (``YYYY-MM-DD HH:MM:SS`` UTC)."""
        with self._write() as w:
            w.execute("UPDATE duktig_users SET last_login = ? WHERE user_id = ?", (when, user_id))

    # -- token revocation --------------------------------------------------

    def revoke(self, jti: str, expires_at: int, *, now: float | None = None) -> bool:
        """Revoke ``jti`` until ``expires_at``; True if this call revoked it, False if already.

        The boolean is atomic across workers, so of two concurrent uses of one
        refresh token exactly one wins. Expired rows are pruned on the way.
        """
        now = time.time() if now is None else now
        with self._write() as w:
            w.execute("DELETE FROM revoked_tokens WHERE expires_at < ?", (int(now),))
            cursor = w.execute(
                "INSERT OR IGNORE INTO revoked_tokens (jti, expires_at) VALUES (?, ?)",
                (jti, int(expires_at)),
            )
            return cursor.rowcount == 1

    def is_revoked(self, jti: str) -> bool:
        return self.any_revoked([jti])

    def any_revoked(self, ids: Iterable[str]) -> bool:
        """True if any of ``ids`` (token or session ids) is revoked; one query for all."""
        wanted = list(dict.fromkeys(ids))
        marks = ", ".join("?" * len(wanted))
        row = (
            self._connection()
            .execute(f"SELECT 1 FROM revoked_tokens WHERE jti IN ({marks}) LIMIT 1", wanted)
            .fetchone()
        )
        return row is not None


def _fib_user_of(row: tuple[object, ...] | None) -> FibUser | None:
    """A ``fib_users`` row as a record; a row that does not parse is no user."""
    if row is None:
        return None
    email, key_hex, account_id = row
    try:
        key = bytes.fromhex(key_hex)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if len(key) != 32 or not isinstance(account_id, str) or not account_id:
        return None
    return FibUser(str(email), key, account_id)
