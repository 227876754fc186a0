"""Input that must never log anyone in: operator objects and lists in the login's email and
password, with the credentials of every account the suite knows (file's first)."""

from __future__ import annotations

from conformance.checks.controls import Control
from conformance.checks.injection import INJECTION_SOURCE, MAX_ACCOUNTS, Account, never_log_in
from conformance.checks.registry import check, missing_credentials_reason
from conformance.checks.user_api.account import (
    LOGIN_PATH,
    ROUND_TRIP_CHECK,
    fresh_session,
    new_password,
)
from conformance.engine.context import Context
from conformance.model import CheckBlocked, CheckSkipped

SOURCE = "seed 003: login's email and password are strings"


def _accounts(ctx: Context) -> list[Account]:
    """The credentials file's users, then the run's own account when signup serves."""
    accounts = [
        Account(f"credentials user {n}", {"email": u["email"], "password": u["password"]})
        for n, u in enumerate((ctx.credentials or {}).get("users") or [], start=1)
    ][:MAX_ACCOUNTS]
    known = {a.body["email"] for a in accounts}
    try:
        user = fresh_session(ctx)["user"]
    except CheckBlocked:
        if not accounts:
            raise
        return accounts
    if user["email"] not in known and len(accounts) < MAX_ACCOUNTS:
        accounts.append(
            Account("the suite's own user", {"email": user["email"], "password": user["password"]})
        )
    return accounts


def _control(account: Account) -> Control:
    return Control(
        LOGIN_PATH,
        dict(account.body),
        owner=ROUND_TRIP_CHECK,
        what=f"the login of {account.label}",
        accepted=lambda status: status == 200,
    )


@check("user-api", group="login", source=f"{SOURCE}; {INJECTION_SOURCE}")
def operator_objects_log_nobody_in(ctx: Context) -> None:
    """Operator objects ({"$ne": null}, {"$gt": ""}, {"$regex": ".*"}) or lists as the email
    or password log nobody in (a 4xx, never a 2xx).

    Source: seed 003 (login takes an email and a password, both strings): a login names the
    account it logs into. ASVS 5.0 V1.2.4 (queries protected from database injection).
    """
    accounts = _accounts(ctx)
    if not accounts:
        raise CheckSkipped(missing_credentials_reason(ctx))
    stranger = {"email": ctx.invent.email(ctx.rng("stranger")), "password": new_password(ctx)}
    never_log_in(
        ctx,
        LOGIN_PATH,
        accounts,
        identifier="email",
        stranger=stranger,
        control=_control,
        source=SOURCE,
    )
