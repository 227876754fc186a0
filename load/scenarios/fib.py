"""FIB: sign the email with the user's own key (a ``SIGN`` row), then log in.

``FibLoginUser`` is the default scenario of a plain run (signing-plus-login throughput; tags
``login``, ``fib``). ``FibSessionUser`` walks login -> refresh -> logout and runs only when
named or tagged ``session``. ``FibArrivalUser`` is the open model: the same login at a fixed
arrival rate (``--arrival-rate``), each account in turn.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from locust import tag, task
from nacl.bindings import crypto_sign, crypto_sign_seed_keypair

from conformance.signing import SIGNATURE_BYTES, iroha_hash, signing_key
from load.stats.thresholds import SIGN_REQUEST_TYPE
from load.users.accounts import load_section_users
from load.users.arrival import ArrivalUser
from load.users.base import JSON_HEADERS, ApiUser
from load.users.localstats import local_row
from load.users.validate import (
    CHECK_TOKENS_EVERY,
    fib_logout_problem,
    fib_token_claims_problem,
    fib_token_pair_problem,
)
from load.users.wire import Target, request_head

__all__ = ["FibArrivalUser", "FibLoginUser", "FibSessionUser"]

SESSION_PATH = "/auth/api/v1/authentication-management/session"
LOGOUT_PATH = "/auth/api/v1/authentication-management/logout"

# Stats row names; the thresholds judge every row except the SIGN_REQUEST_TYPE one.
SIGN_ROW = "fib sign email"
LOGIN_ROW = "fib login"
REFRESH_ROW = "fib refresh"
LOGOUT_ROW = "fib logout"
# Stands for the signature while a login body is laid out (JSON keeps it as it is).
_MARK = "<signature>"


class Signer(NamedTuple):
    """One account, its key parsed once, and its login laid out around the signature.

    ``head`` + the signature's hex + ``tail`` is the whole login: the request's bytes
    with the lean client, its JSON body with FastHttpUser's. Same hash-then-sign
    composition as conformance.signing.sign_email.
    """

    email: str
    email_bytes: bytes
    secret: bytes  # libsodium's 64-byte secret key (seed || public key)
    head: bytes
    tail: bytes
    validator: Callable[[int, bytes], str | None]


def signer(account: dict[str, Any], target: Target | None, check_every: int) -> Signer:
    email = account["email"]
    public, secret = crypto_sign_seed_keypair(bytes(signing_key(account["privateKeyHex"])))
    fields = {"email": email, "signature": _MARK, "authPublicKeyHex": public.hex()}
    body = json.dumps(fields).encode()
    if target is not None:
        length = len(body) - len(_MARK) + 2 * SIGNATURE_BYTES
        body = request_head(target, "POST", SESSION_PATH, JSON_HEADERS, length) + body
    # The last mark: the email, before it, may hold the same characters.
    head, _, tail = body.rpartition(_MARK.encode())
    return Signer(email, email.encode(), secret, head, tail, login_check(email, check_every))


def login_check(email: str, every: int) -> Callable[[int, bytes], str | None]:
    """Every answer's envelope and token shapes; the tokens' claims on every ``every``-th
    answer (the first included; never with 0)."""
    answers = itertools.count()

    def problem(status: int, content: bytes) -> str | None:
        found = fib_token_pair_problem(status, content)
        if found or not every or next(answers) % every:
            return found
        return fib_token_claims_problem(content, email, time.time())

    return problem


class FibUser(ApiUser):
    abstract = True
    credentials_section = "fib"

    def on_start(self) -> None:
        super().on_start()
        self._signer = self.make_signer(self.account())
        self.email: str = self._signer.email
        self._sign_row = local_row(self.environment, SIGN_REQUEST_TYPE, SIGN_ROW)

    def make_signer(self, account: dict[str, Any]) -> Signer:
        options = self.environment.parsed_options
        every = getattr(options, "check_tokens_every", CHECK_TOKENS_EVERY)
        return signer(account, self.wire.target if self.wire else None, every)

    def signed_login(self, who: Signer) -> bytes:
        """The login's bytes around a fresh signature, its time in the ``SIGN`` row."""
        started = time.perf_counter()
        signature = crypto_sign(iroha_hash(who.email_bytes), who.secret)[:SIGNATURE_BYTES]
        login = who.head + signature.hex().encode() + who.tail
        self._sign_row.record((time.perf_counter() - started) * 1000)
        return login

    def login(self, who: Signer | None = None) -> Any:
        """The response to a good login, or None after recording the failure."""
        who = who or self._signer
        login = self.signed_login(who)
        if self.wire is not None:
            return self.send_checked("POST", SESSION_PATH, LOGIN_ROW, login, who.validator)
        return self.checked(
            "POST",
            SESSION_PATH,
            name=LOGIN_ROW,
            validator=who.validator,
            body=login,
            headers=JSON_HEADERS,
        )


class FibLoginUser(FibUser):
    """Signing-plus-login, as fast as the server allows (or ``--user-rate`` per user)."""

    @tag("login", "fib")
    @task
    def sign_and_login(self) -> None:
        self.login()


class FibSessionUser(FibUser):
    """The whole documented session: login, refresh (rotation), logout."""

    opt_in = True

    @tag("session")
    @task
    def login_refresh_logout(self) -> None:
        logged_in = self.login()
        if logged_in is None:
            return
        refreshed = self.checked(
            "PATCH",
            SESSION_PATH,
            name=REFRESH_ROW,
            validator=fib_token_pair_problem,
            headers={"Authorization": logged_in.json()["data"]["refreshToken"]},
        )
        if refreshed is None:
            return
        access = refreshed.json()["data"]["accessToken"]
        self.checked(
            "POST",
            LOGOUT_PATH,
            name=LOGOUT_ROW,
            validator=fib_logout_problem,
            headers={"Authorization": access},
        )


class FibArrivalUser(ArrivalUser, FibUser):
    """Open model: signing-plus-login at ``--arrival-rate`` per second, the accounts in turn."""

    def on_start(self) -> None:
        super().on_start()
        users = load_section_users(self.environment.parsed_options.credentials, "fib")
        self._signers = itertools.cycle([self.make_signer(u) for u in users])

    def arrive(self) -> bool:
        return self.login(next(self._signers)) is not None
