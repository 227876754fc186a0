"""Input that must never log anyone in: operator objects and lists in the email and password
of /auth/token, with the password of every account in the credentials file, in its order.

Duktig has no signup (seed 004 documents only the token request), so every account the
suite knows comes from the credentials file, and the User API's email round trip
(register an email of one's choosing, then log in with it) has no Duktig counterpart.
"""

from __future__ import annotations

from conformance.checks.controls import Control
from conformance.checks.duktig.common import (
    AUTH_HEADER,
    SIGN_IN_CHECK,
    TOKEN_PATH,
    auth_key,
    unknown_email,
)
from conformance.checks.injection import INJECTION_SOURCE, MAX_ACCOUNTS, Account, never_log_in
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context
from conformance.engine.invent import strong_password
from conformance.model import CheckSkipped

SOURCE = "seed 004: the body is exactly {email, password}, both strings"


@check("duktig", group="login", source=f"{SOURCE}; {INJECTION_SOURCE}")
@requires_credentials
def operator_objects_log_nobody_in(ctx: Context) -> None:
    """Operator objects ({"$ne": null}, {"$gt": ""}, {"$regex": ".*"}) or lists as the email
    or password log nobody in (a 4xx, never a 2xx).

    Source: seed 004 (the body is {email, password}; 422 "Required valid email address"):
    a sign-in names its account. ASVS 5.0 V1.2.4 (queries protected from database injection).
    """
    key = auth_key(ctx)
    users = (ctx.credentials or {}).get("users") or []
    if not users:
        raise CheckSkipped("no users in the 'duktig' credentials section")
    accounts = [
        Account(f"credentials user {n}", {"email": u["email"], "password": u["password"]})
        for n, u in enumerate(users[:MAX_ACCOUNTS], start=1)
    ]

    def control(account: Account) -> Control:
        return Control(
            TOKEN_PATH,
            dict(account.body),
            owner=SIGN_IN_CHECK,
            what=f"the sign-in of {account.label}",
            headers={AUTH_HEADER: key},
            accepted=lambda status: status == 200,
        )

    never_log_in(
        ctx,
        TOKEN_PATH,
        accounts,
        identifier="email",
        stranger={"email": unknown_email(ctx), "password": strong_password(ctx.rng("stranger"))},
        control=control,
        source=SOURCE,
        headers={AUTH_HEADER: key},
    )
