"""Duktig token identity: the access token's account is the user who signed in, and the
refresh token names the same userId.
"""

from __future__ import annotations

from conformance.checks.common import require_jwt
from conformance.checks.duktig.common import active_user, sign_in
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context


@check(
    "duktig",
    group="tokens",
    source=(
        "seed 004: the example tokens' account is the signed-in user; the refresh token's, their "
        "userId"
    ),
)
@requires_credentials
def token_account_names_the_signed_in_user(ctx: Context) -> None:
    """The access token's account is the user who signed in; the refresh token's the same id.

    Source: seed 004's example access token, whose account {userId, firstName, lastName,
    email, roleId} describes the signed-in user, and its refresh token's account {userId}.
    """
    user = active_user(ctx)
    body = sign_in(ctx)
    access = require_jwt(ctx, body.get("access_token"), "access_token")
    refresh = require_jwt(ctx, body.get("refresh_token"), "refresh_token")
    account = access.claims.get("account")
    email = account.get("email") if isinstance(account, dict) else None
    documented = (
        "access account.email = the email that signed in; refresh account.userId = access "
        "account.userId (seed 004's example tokens)"
    )
    if not isinstance(email, str) or email.lower() != user["email"].lower():
        ctx.fail(
            "access token names another user",
            received=f"account.email={email!r}, signed in as {user['email']!r}",
            documented=documented,
        )
    refresh_account = refresh.claims.get("account")
    refresh_id = refresh_account.get("userId") if isinstance(refresh_account, dict) else None
    if refresh_id != account.get("userId"):
        ctx.fail(
            "refresh token names another user than the access token",
            received=f"refresh account.userId={refresh_id!r}, access {account.get('userId')!r}",
            documented=documented,
        )
