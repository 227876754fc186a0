"""The abstract Locust user every scenario builds on: pacing, account choice, checked requests."""

from __future__ import annotations

import itertools
import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import gevent
from locust import FastHttpUser, constant, constant_throughput
from locust.runners import WorkerRunner

from conformance.engine.masking import mask_text
from conformance.textsafe import visible
from load.users.accounts import account_index, load_section_users

__all__ = ["JSON_HEADERS", "ApiUser", "PasswordLoginUser"]

# One counter per credentials section in each process: users of a section take accounts in
# spawn order. Plain per-process state, so nothing is shared between workers.
_serials: defaultdict[str, Iterator[int]] = defaultdict(itertools.count)

# (status, body) -> reason or None; see load.users.validate.
Validator = Callable[[int, bytes], "str | None"]

JSON_HEADERS = {"Content-Type": "application/json"}


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
        with self.client.request(
            method, path, name=name, data=body, headers=headers, catch_response=True
        ) as response:
            if response.status_code == 0:
                response.failure(f"no response: {response.error!r}")
                return None
            problem = validator(response.status_code, response.content or b"")
            if problem:
                # Failure texts end up in the load reports: no token, no control byte in them.
                response.failure(visible(mask_text(problem)))
                return None
            response.success()
            return response


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
