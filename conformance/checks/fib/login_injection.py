"""Input that must never log anyone in: operator objects and lists in the login's email,
signature and authPublicKeyHex, with the signed login of every credentials-file user.

FIB has no signup (the seeds document only the session), so every account the suite
knows comes from the credentials file, and the User API's email round trip
(register an email of one's choosing, then log in with it) has no FIB counterpart.
"""

from __future__ import annotations

from conformance import signing
from conformance.checks.controls import Control
from conformance.checks.fib.login_common import (
    FIB_LOGIN_CHECK,
    FIB_SESSION_PATH,
    fib_login_body,
    invented_key,
    unknown_email,
)
from conformance.checks.injection import INJECTION_SOURCE, MAX_ACCOUNTS, Account, never_log_in
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context
from conformance.model import CheckSkipped

SOURCE = "seeds 000-002: the login's email, signature and authPublicKeyHex are strings"


def _control(account: Account) -> Control:
    return Control(
        FIB_SESSION_PATH,
        dict(account.body),
        FIB_LOGIN_CHECK,
        f"the correctly signed login of {account.label}",
        accepted=lambda status: status == 200,
    )


@check("fib", group="login", source=f"{SOURCE}; {INJECTION_SOURCE}")
@requires_credentials
def operator_objects_log_nobody_in(ctx: Context) -> None:
    """Operator objects ({"$ne": null}, {"$gt": ""}, {"$regex": ".*"}) or lists in any login
    field log nobody in (a 4xx, never a 2xx).

    Source: seeds 000-002 (the request's three fields are strings): a login names the
    account it logs into. ASVS 5.0 V1.2.4 (queries protected from database injection).
    """
    users = (ctx.credentials or {}).get("users") or []
    if not users:
        raise CheckSkipped("no users in the 'fib' credentials section")
    accounts = [
        Account(
            f"credentials user {n}",
            fib_login_body(u["email"], u["privateKeyHex"], u.get("publicKeyHex")),
        )
        for n, u in enumerate(users[:MAX_ACCOUNTS], start=1)
    ]
    email, key = unknown_email(ctx), invented_key(ctx, "stranger key")
    stranger = {
        "email": email,
        "signature": signing.sign_email(email, key),
        "authPublicKeyHex": signing.public_key_for(key),
    }
    never_log_in(
        ctx,
        FIB_SESSION_PATH,
        accounts,
        identifier="email",
        stranger=stranger,
        control=_control,
        source=SOURCE,
    )
