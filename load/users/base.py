"""The abstract Locust user every scenario builds on: pacing, account choice, checked requests."""

from __future__ import annotations

import itertools
import json
import random
import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import gevent
from locust import FastHttpUser, constant, constant_throughput
from locust.exception import CatchResponseError
from locust.runners import WorkerRunner

from conformance.engine.masking import mask_text
from conformance.textsafe import visible
from load.users.accounts import account_index, load_section_users
from load.users.localstats import local_row, only_locust_listens
from load.users.wire import ConnectionPool, WireError, lean_target, request_bytes

__all__ = ["JSON_HEADERS", "ApiUser", "PasswordLoginUser"]

# One counter per credentials section in each process: users of a section take accounts in
# spawn order. Plain per-process state, so nothing is shared between workers.
_serials: defaultdict[str, Iterator[int]] = defaultdict(itertools.count)

# (status, body) -> reason or None; see load.users.validate.
Validator = Callable[[int, bytes], "str | None"]

JSON_HEADERS = {"Content-Type": "application/json"}
# How often this process looks for requests older than the lean client's timeout.
EXPIRY_CHECK_S = 1.0
# Every lean connection pool of this process, for that look.
_pools: weakref.WeakSet[ConnectionPool] = weakref.WeakSet()
_watch: list[gevent.Greenlet] = []


def _expire_forever() -> None:
    """Fail the lean client's requests that outlive its timeout (its sockets have none)."""
    while True:
        gevent.sleep(EXPIRY_CHECK_S)
        now = time.monotonic()
        for pool in list(_pools):
            pool.expire(now)


def _lean_pool(target) -> ConnectionPool:
    pool = ConnectionPool(target, read_timeout=None)
    _pools.add(pool)
    if not _watch:
        _watch.append(gevent.spawn(_expire_forever))
    return pool


def _public(problem: str) -> str:
    """Failure texts end up in the load reports: no token, no control byte in them."""
    return visible(mask_text(problem))


class ApiUser(FastHttpUser):
    """Base for one system's user classes; subclasses set the class attributes below."""

    abstract = True
    # The credentials-file section this user needs accounts from (None: needs none).
    credentials_section: ClassVar[str | None] = None
    # Off unless picked by class name or by one of its tags (see load.users.hooks.select_users).
    opt_in: ClassVar[bool] = False

    def on_start(self) -> None:
        rate = getattr(self.environment.parsed_options, "user_rate", 0.0) or 0.0
        self._pace = constant_throughput(rate) if rate > 0 else constant(0)
        if rate > 0:
            # Users spawned together would fire in lockstep bursts; a random phase spreads
            # them over the period, so a constant rate arrives as a steady stream.
            gevent.sleep(random.uniform(0, 1 / rate))
        choice = getattr(self.environment.parsed_options, "http_client", "lean")
        target = lean_target(self.host) if choice == "lean" else None
        # None: every request goes through FastHttpUser's client (self.client).
        self.wire = _lean_pool(target) if target else None
        # A passing answer's timing goes to a local row unless someone else hears the events.
        self._local_passes = only_locust_listens(self.environment)

    def on_stop(self) -> None:
        if self.wire is not None:
            self.wire.close()

    def wait_time(self) -> float:
        return self._pace(self)

    def account(self) -> dict[str, Any]:
        """This user's own account from the credentials file, cycling when the pool is short."""
        section = self.credentials_section
        options = self.environment.parsed_options
        path = getattr(options, "credentials", "") or ""
        users = load_section_users(path, section) if path and section else ()
        if not users:
            raise RuntimeError(f"no {section!r} users in the credentials file {path!r}")
        runner = self.environment.runner
        if isinstance(runner, WorkerRunner):
            index, count = runner.worker_index, getattr(options, "expect_workers", 1) or 1
        else:
            index, count = 0, 1
        serial = next(_serials[section])
        return users[account_index(serial, index, count, len(users))]

    def checked(
        self,
        method: str,
        path: str,
        *,
        name: str,
        validator: Validator,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Send one request as its own stats row; a bad answer is a failure with its reason.

        Returns the response when it passed ``validator``, else None (the user carries on).
        """
        if self.wire is not None:
            request = request_bytes(self.wire.target, method, path, headers, body)
            return self.send_checked(method, path, name, request, validator)
        with self.client.request(
            method, path, name=name, data=body, headers=headers, catch_response=True
        ) as response:
            if response.status_code == 0:
                response.failure(f"no response: {response.error!r}")
                return None
            problem = validator(response.status_code, response.content or b"")
            if problem:
                response.failure(_public(problem))
                return None
            response.success()
            return response

    def send_checked(
        self, method: str, path: str, name: str, request: bytes, validator: Validator
    ) -> Any:
        """``checked`` over the lean client, with the request's bytes already built.

        Its time covers sending and reading the whole answer, not the check. A failing
        answer is one Locust request event, as FastHttpUser's client fires; a passing one
        too when anything but Locust's stats listens, and otherwise a local row's entry
        (the same figures in the same stats row, about 10 us a login cheaper).
        """
        start_time = time.time()
        started = time.perf_counter()
        try:
            answer = self.wire.exchange(request)
        except WireError as exc:
            answer, problem = None, f"no response: {exc!r}"
        elapsed_ms = (time.perf_counter() - started) * 1000
        if answer is not None:
            problem = validator(answer.status_code, answer.content)
            if problem is None and self._local_passes:
                local_row(self.environment, method, name).record(elapsed_ms, len(answer.content))
                return answer
        self.environment.events.request.fire(
            request_type=method,
            name=name,
            response_time=elapsed_ms,
            response_length=len(answer.content) if answer is not None else 0,
            exception=CatchResponseError(_public(problem)) if problem else None,
            context=self.context(),
            url=self.host + path,
            start_time=start_time,
            response=answer,
        )
        return None if problem else answer


class PasswordLoginUser(ApiUser):
    """Base for systems that log in with the account's email and password in a JSON body."""

    abstract = True
    login_path: ClassVar[str]
    login_row: ClassVar[str]

    def login_problem(self, status: int, content: bytes) -> str | None:
        """The system's check of a login answer (see load.users.validate)."""
        raise NotImplementedError

    def login_headers(self) -> dict[str, str]:
        """Headers for every login; called once per user, at start."""
        return dict(JSON_HEADERS)

    def on_start(self) -> None:
        super().on_start()
        account = self.account()
        # Built once: the body never changes between this user's logins.
        payload = {"email": account["email"], "password": account["password"]}
        self._login_body = json.dumps(payload).encode()
        self._login_headers = self.login_headers()

    def password_login(self) -> Any:
        """The response to a good login, or None after recording the failure."""
        return self.checked(
            "POST",
            self.login_path,
            name=self.login_row,
            validator=self.login_problem,
            body=self._login_body,
            headers=self._login_headers,
        )
