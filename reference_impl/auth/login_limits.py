"""Failed password logins slow the next try on that account and address; they never lock it.

A project decision (the documents name no limit), in the spirit of OWASP ASVS V2.2:
each system (``user_api``, ``duktig``) counts failures per account and per client
address separately. Up to ``per_account`` (``per_address``) failures within
``window`` seconds are free. Past that, one try is let through per delay, and each
further failure doubles the delay, from ``first_delay`` up to ``max_delay``; a try
that comes early is answered 429 with ``Retry-After`` before any password is hashed.
The owner of an account an attacker is guessing at waits at most ``max_delay`` and is
then judged like anyone else; a success clears the account's count.

A try is *reserved* atomically before its password is hashed and counts as in flight
until it ends, so a burst of concurrent logins cannot pass the check together: below
the limit at most ``limit - failures`` tries run at once, past it exactly one.

Counts live in the server's SQLite database, so every worker of ``serve --workers N``
sees the same ones and the limits hold for the server as a whole (the embedded server
keeps them in its own database, through the same code). A reservation is one short
``BEGIN IMMEDIATE`` transaction and the end of a try another; neither is held while a
password is hashed. Tables (see ``store.SCHEMA``): ``login_counts``, one row per key
with failures (a key with none has no row), and ``login_tries``, one row per key of
each try in flight.

A try's row is a lease: it counts until its try ends or for ``TRY_LEASE`` seconds,
far longer than any login takes, so a worker killed while hashing holds an account
back for that long at most. Times are Unix seconds from ``clock``, the one clock all
workers share; if it steps back, a wait is still never longer than ``max_delay``, and
a lease more than ``TRY_LEASE`` in the future no longer counts.

At most ``MAX_TRACKED`` keys are kept. When more fail, the key touched longest ago that
holds nothing back (no try in flight, no delay running, not past its limit) is
forgotten, so failures on other keys cannot flush a delayed account; only past
``HARD_CAP`` keys (an attacker who delayed that many) does the oldest go regardless.
"""

from __future__ import annotations

import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reference_impl.http.errors import TooManyRequests
from reference_impl.store import Store

if TYPE_CHECKING:
    from reference_impl.systems.services import Services

__all__ = [
    "DEFAULT_LIMITS",
    "HARD_CAP",
    "MAX_TRACKED",
    "TRY_LEASE",
    "Attempt",
    "FailedLogins",
    "LoginLimits",
    "client_address",
    "limiter_of",
]

# Keys (accounts plus addresses) with failures remembered per database: about 100 bytes each.
MAX_TRACKED = 10_000
# Past this many keys holding a delay, the oldest is forgotten anyway (space wins).
HARD_CAP = 10 * MAX_TRACKED
# Seconds a try counts as in flight if it never ends (its worker was killed). A login takes
# well under a second, a few more queued behind other hashes; two minutes is far above that.
TRY_LEASE = 120.0

Key = tuple[str, str, str]  # (system, "account" | "address", value)


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Free failures per window (0 turns that key off) and the delay that follows them."""

    per_account: int = 100
    per_address: int = 10_000
    window: int = 600
    first_delay: float = 1.0
    max_delay: float = 60.0

    def delay(self, over: int) -> float:
        """Seconds before the next try once ``over`` (>= 1) failures passed the limit."""
        return min(self.first_delay * 2 ** min(over - 1, 30), self.max_delay)


# High enough that conformance runs (a few dozen failures per account) and load runs
# (no failures by design) never meet them; ``authconform serve`` options change them.
DEFAULT_LIMITS = LoginLimits()


@dataclass(frozen=True, slots=True)
class _Count:
    """One key's state at ``now``: a window with no failure forgets it."""

    failures: int = 0
    last_failure: float = 0.0
    not_before: float = 0.0
    in_flight: int = 0

    def wait(self, limit: int, limits: LoginLimits, now: float) -> float:
        """Seconds until this key may try again; 0 when it may now."""
        if now >= self.not_before:
            if self.failures + self.in_flight < limit:
                return 0.0
            if self.failures >= limit and not self.in_flight:
                return 0.0  # past the limit: one try per delay
        if self.in_flight:
            return limits.first_delay  # a try is running: ask again shortly
        return min(self.not_before - now, limits.max_delay)


@dataclass(slots=True)
class Attempt:
    """One reserved try; the handler says how it ended (an exception ends it unjudged)."""

    keys: list[tuple[Key, int]]
    tries: tuple[int, ...] = ()  # its login_tries rows, one per key
    outcome: bool | None = field(default=None)

    def failed(self) -> None:
        self.outcome = False

    def succeeded(self) -> None:
        self.outcome = True


_KEY = "system = ? AND kind = ? AND value = ?"
_COUNT_SQL = f"SELECT failures, last_failure, not_before FROM login_counts WHERE {_KEY}"
# The count and the tries in flight: leases not yet over, and not further ahead than a
# lease can be (the clock went back). Parameters: the key, now, now + 2 * TRY_LEASE.
_STATE_SQL = """
SELECT c.failures, c.last_failure, c.not_before,
       (SELECT COUNT(*) FROM login_tries WHERE system = ?1 AND kind = ?2 AND value = ?3
        AND expires_at > ?4 AND expires_at <= ?5)
FROM (SELECT 1) LEFT JOIN login_counts AS c ON c.system = ?1 AND c.kind = ?2 AND c.value = ?3
"""
_NEXT_TOUCH = "(SELECT COALESCE(MAX(touched), 0) + 1 FROM login_counts)"
# Keys that hold nothing back, oldest first. Parameters: now, the account and address
# limits, the window, now, now and now + 2 * TRY_LEASE (as in _STATE_SQL), how many.
_IDLE_SQL = """
SELECT system, kind, value FROM login_counts AS c
WHERE c.not_before <= ?
  AND (c.failures < (CASE c.kind WHEN 'account' THEN ? ELSE ? END)
       OR c.last_failure + ? <= ?)
  AND NOT EXISTS (SELECT 1 FROM login_tries AS t WHERE t.system = c.system
                  AND t.kind = c.kind AND t.value = c.value
                  AND t.expires_at > ? AND t.expires_at <= ?)
ORDER BY c.touched LIMIT ?
"""


class FailedLogins:
    """Per-key failure counts with reservations and progressive delays, kept in SQLite.

    Safe to use from many threads, and from many processes on one database file.
    ``store`` may be left out when the limiter is given to ``create_app``: it then
    keeps its counts in the app's database.
    """

    def __init__(
        self,
        limits: LoginLimits = DEFAULT_LIMITS,
        *,
        store: Store | str | os.PathLike[str] | None = None,
        clock: Callable[[], float] = time.time,
        max_tracked: int = MAX_TRACKED,
        hard_cap: int = HARD_CAP,
    ) -> None:
        self.limits = limits
        self.store = store if store is None or isinstance(store, Store) else Store(store)
        self._clock = clock
        self._max_tracked = max_tracked
        self._hard_cap = max(hard_cap, max_tracked)

    def __len__(self) -> int:
        """Keys with failures remembered now, by every limiter on this database."""
        with self._store().transaction() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM login_counts").fetchone()[0])

    def bind(self, store: Store) -> None:
        """Keep the counts in ``store`` unless the limiter was given one already."""
        if self.store is None:
            self.store = store

    @contextmanager
    def attempt(self, system: str, account: str, address: str) -> Iterator[Attempt]:
        """Reserve a try (or raise 429 with ``Retry-After``); record its outcome on exit."""
        reserved = self.reserve(system, account, address)
        try:
            yield reserved
        finally:
            self.release(reserved)

    def reserve(self, system: str, account: str, address: str) -> Attempt:
        keys = self._keys(system, account, address)
        if not keys:
            return Attempt(keys)
        tries = []
        with self._store().transaction() as conn:
            now = self._clock()  # once the lock is ours: no decision on an older time
            counts = {key: self._count(conn, key, now) for key, _ in keys}
            wait = max(counts[key].wait(limit, self.limits, now) for key, limit in keys)
            if wait > 0:
                raise TooManyRequests(
                    "Too many failed logins; try again later.",
                    headers=[("Retry-After", str(max(1, math.ceil(wait))))],
                )
            for key, count in counts.items():
                if count.failures:
                    conn.execute(
                        f"UPDATE login_counts SET touched = {_NEXT_TOUCH} WHERE {_KEY}",
                        key,
                    )
                cursor = conn.execute(
                    "INSERT INTO login_tries (system, kind, value, expires_at) VALUES (?, ?, ?, ?)",
                    (*key, now + TRY_LEASE),
                )
                tries.append(int(cursor.lastrowid or 0))
        return Attempt(keys, tuple(tries))

    def release(self, attempt: Attempt) -> None:
        if not attempt.keys:
            return
        grew = False
        with self._store().transaction() as conn:
            now = self._clock()
            marks = ", ".join("?" * len(attempt.tries))
            conn.execute(f"DELETE FROM login_tries WHERE id IN ({marks})", attempt.tries)
            for key, limit in attempt.keys:
                grew |= self._record(conn, key, limit, attempt.outcome, now)
            if grew:
                self._evict(conn, now)

    def _store(self) -> Store:
        if self.store is None:
            raise RuntimeError(
                "FailedLogins has no database: pass store=, or give it to create_app "
                "as login_limiter"
            )
        return self.store

    def _keys(self, system: str, account: str, address: str) -> list[tuple[Key, int]]:
        pairs = [
            ((system, "account", account.lower()), self.limits.per_account),
            ((system, "address", address), self.limits.per_address),
        ]
        return [(key, limit) for key, limit in pairs if limit > 0]

    def _count(self, conn: sqlite3.Connection, key: Key, now: float) -> _Count:
        """The key's state at ``now``, tries in flight included."""
        row = conn.execute(_STATE_SQL, (*key, now, now + 2 * TRY_LEASE)).fetchone()
        return self._state(row, now, in_flight=int(row[3]))

    def _state(self, row: Any, now: float, in_flight: int = 0) -> _Count:
        """A ``login_counts`` row at ``now``; no row, or one that does not parse, is no failure."""
        try:
            failures, last_failure, not_before = int(row[0]), float(row[1]), float(row[2])
        except (TypeError, ValueError):
            return _Count(in_flight=in_flight)
        if now >= last_failure + self.limits.window:
            return _Count(in_flight=in_flight)  # the window since the last failure is over
        return _Count(failures, last_failure, not_before, in_flight)

    def _record(
        self, conn: sqlite3.Connection, key: Key, limit: int, outcome: bool | None, now: float
    ) -> bool:
        """Write how a try on ``key`` ended; True when the key starts counting (maybe a new row)."""
        row = conn.execute(_COUNT_SQL, key).fetchone()
        count = self._state(row, now)
        failures, last_failure = count.failures, count.last_failure
        if outcome is False:
            failures, last_failure = failures + 1, now
        elif outcome is True and key[1] == "account":
            failures = 0
        if failures == 0:
            if row is not None:
                conn.execute(f"DELETE FROM login_counts WHERE {_KEY}", key)
            return False
        over = failures - limit + 1 if failures >= limit else 0
        not_before = now + self.limits.delay(over) if over > 0 else 0.0
        cursor = conn.execute(
            "INSERT INTO login_counts (system, kind, value, failures, last_failure, not_before, "
            f"touched) VALUES (?, ?, ?, ?, ?, ?, {_NEXT_TOUCH}) "
            "ON CONFLICT (system, kind, value) DO UPDATE SET failures = excluded.failures, "
            "last_failure = excluded.last_failure, not_before = excluded.not_before, "
            "touched = excluded.touched",
            (*key, failures, last_failure, not_before),
        )
        return cursor.rowcount == 1 and count.failures == 0

    def _evict(self, conn: sqlite3.Connection, now: float) -> None:
        """Forget keys past ``max_tracked``: idle ones first, the oldest past ``hard_cap``."""
        stale = (now, now + 2 * TRY_LEASE)
        conn.execute("DELETE FROM login_tries WHERE expires_at <= ? OR expires_at > ?", stale)
        excess = conn.execute("SELECT COUNT(*) FROM login_counts").fetchone()[0] - self._max_tracked
        if excess <= 0:
            return
        limits = self.limits
        params = (now, limits.per_account, limits.per_address, limits.window, now, *stale, excess)
        idle = conn.execute(_IDLE_SQL, params).fetchall()
        self._forget(conn, idle)
        excess -= len(idle) + self._hard_cap - self._max_tracked
        if excess > 0:
            oldest = conn.execute(
                "SELECT system, kind, value FROM login_counts ORDER BY touched LIMIT ?", (excess,)
            ).fetchall()
            self._forget(conn, oldest)

    @staticmethod
    def _forget(conn: sqlite3.Connection, keys: list[tuple[str, str, str]]) -> None:
        conn.executemany(f"DELETE FROM login_counts WHERE {_KEY}", keys)
        conn.executemany(f"DELETE FROM login_tries WHERE {_KEY}", keys)


def limiter_of(services: Services) -> FailedLogins:
    """The app's limiter: the ``login_limiter`` option, else one with the defaults; either
    keeps its counts in the app's database unless it was built with another."""
    limiter = services.component("login_limiter", lambda s: FailedLogins(clock=s.clock))
    if limiter.store is None:
        limiter.bind(services.store)
    return limiter


def client_address(environ: dict[str, Any]) -> str:
    """The peer address the WSGI server reports (no proxy headers are trusted)."""
    return str(environ.get("REMOTE_ADDR") or "")
