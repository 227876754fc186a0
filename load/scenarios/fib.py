"""FIB: sign the email with the user's own key (a ``SIGN`` row), then log in.

``FibLoginUser`` is the default scenario of a plain run (signing-plus-login throughput; tags
``login``, ``fib``). ``FibSessionUser`` walks login -> refresh -> logout and runs only when
named or tagged ``session``. ``FibArrivalUser`` is the open model: the same login at a fixed
arrival rate (``--arrival-rate``), each account in turn.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, NamedTuple

from locust import tag, task

from conformance.signing import iroha_hash, signing_key
from load.stats.thresholds import SIGN_REQUEST_TYPE
from load.users.accounts import load_section_users
from load.users.arrival import ArrivalUser
from load.users.base import JSON_HEADERS, ApiUser
from load.users.validate import fib_logout_problem, fib_token_pair_problem

__all__ = ["FibArrivalUser", "FibLoginUser", "FibSessionUser"]

SESSION_PATH = "/auth/api/v1/authentication-management/session"
LOGOUT_PATH = "/auth/api/v1/authentication-management/logout"

# Stats row names; the thresholds judge every row except the SIGN_REQUEST_TYPE one.
SIGN_ROW = "fib sign email"
LOGIN_ROW = "fib login"
REFRESH_ROW = "fib refresh"
LOGOUT_ROW = "fib logout"


class Signer(NamedTuple):
    """One account, its key parsed once: conformance.signing.sign_email would redo that on
    every login, doubling the client's signing cost. Same hash-then-sign composition."""

    email: str
    email_bytes: bytes
    key: Any
    public_hex: str


def signer(account: dict[str, Any]) -> Signer:
    key = signing_key(account["privateKeyHex"])
    email = account["email"]
    return Signer(email, email.encode("utf-8"), key, bytes(key.verify_key).hex())


class FibUser(ApiUser):
    abstract = True
    credentials_section = "fib"

    def on_start(self) -> None:
        super().on_start()
        self._signer = signer(self.account())
        self.email: str = self._signer.email

    def signed_login_body(self, who: Signer | None = None) -> bytes:
        who = who or self._signer
        with self.environment.events.request.measure(SIGN_REQUEST_TYPE, SIGN_ROW):
            signature = who.key.sign(iroha_hash(who.email_bytes)).signature.hex()
        body = {"email": who.email, "signature": signature, "authPublicKeyHex": who.public_hex}
        return json.dumps(body).encode()

    def login(self, who: Signer | None = None) -> Any:
        """The response to a good login, or None after recording the failure."""
        return self.checked(
            "POST",
            SESSION_PATH,
            name=LOGIN_ROW,
            validator=fib_token_pair_problem,
            body=self.signed_login_body(who),
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
        self._signers = itertools.cycle([signer(u) for u in users])

    def arrive(self) -> bool:
        return self.login(next(self._signers)) is not None
