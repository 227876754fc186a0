"""FIB session lifecycle: refresh gives a new pair, logout ends the session, and a used,
logged-out or wrong-kind token is refused.
"""

from __future__ import annotations

from conformance.checks.fib.session_common import (
    claims_of,
    expect_ok,
    expect_refused,
    lifecycle,
    login_pair,
    logout,
    pair_from,
    refresh,
)
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context


@check(
    "fib",
    group="lifecycle",
    source=(
        "FIB docs: PATCH the session with the refresh token; the answer is the login's 200 body "
        "with a new pair"
    ),
)
@lifecycle("refresh")
@requires_credentials
def refresh_returns_new_token_pair(ctx: Context) -> None:
    """PATCH with a refresh token returns a new pair whose refresh token works in turn.

    Source: the public FIB docs (refresh: PATCH the session with Authorization:
    <refreshToken>, the answer is the login's 200 body with a new pair).
    """
    access, refresh_token = login_pair(ctx)
    body = expect_ok(ctx, refresh(ctx, refresh_token), "refresh with a fresh refresh token")
    new_access, new_refresh = pair_from(ctx, body, "refresh response")
    data = body["data"]
    if data["accessToken"] == access or data["refreshToken"] == refresh_token:
        ctx.fail(
            "refresh returned the same token(s) again",
            received="accessToken unchanged"
            if data["accessToken"] == access
            else "refreshToken unchanged",
            documented="a new token pair",
        )
    expiration = data.get("expirationTime")
    if not isinstance(expiration, int) or isinstance(expiration, bool):
        ctx.fail(
            "refresh response lacks expirationTime",
            received=repr(expiration),
            documented="expirationTime: integer (same 200 body as the login)",
        )
    old_sub = claims_of(ctx, access, "login accessToken").get("sub")
    if new_access.claims.get("sub") != old_sub:
        ctx.fail(
            "refreshed access token names another subject",
            received=repr(new_access.claims.get("sub")),
            documented=f"sub {old_sub!r}",
        )
    if new_access.claims.get("jti") is not None and (
        new_refresh.claims.get("acjti") not in (None, new_access.claims.get("jti"))
    ):
        ctx.fail(
            "new refresh token belongs to another access token",
            received=f"acjti {new_refresh.claims.get('acjti')!r}",
            documented=f"acjti = the new access token's jti {new_access.claims['jti']!r}",
        )
    expect_ok(ctx, refresh(ctx, data["refreshToken"]), "refresh with the new refresh token")


@check(
    "fib",
    group="lifecycle",
    level="advisory",
    source=(
        "RFC 9700 §4.14.2: refresh token rotation, one of the replay defenses a server MUST use "
        "for public clients; project decision: the reference rotates"
    ),
)
@lifecycle("refresh")
@requires_credentials
def used_refresh_token_is_rejected(ctx: Context) -> None:
    """A refresh token that has been used once is refused the second time (rotation).

    Advisory: rotation is security practice (OAuth 2.0 Security BCP) and the reference's
    choice; the FIB docs do not say whether a refresh token may be used twice.
    """
    _, refresh_token = login_pair(ctx)
    expect_ok(ctx, refresh(ctx, refresh_token), "first use of a refresh token")
    expect_refused(
        ctx,
        refresh(ctx, refresh_token),
        "a used refresh token",
        hint="rotate: revoke the refresh token when it is exchanged for a new pair",
    )


@check("fib", group="lifecycle", source="FIB docs: refresh takes the refresh token")
@lifecycle("refresh")
@requires_credentials
def access_token_is_not_a_refresh_token(ctx: Context) -> None:
    """PATCH with an access token in place of the refresh token is refused.

    Source: the public FIB docs name the refresh token as what refresh takes.
    """
    access, _ = login_pair(ctx)
    expect_refused(
        ctx,
        refresh(ctx, access),
        "an access token offered for refresh",
        hint="tell the kinds apart (refresh tokens carry acjti) before honouring one",
    )


@check("fib", group="lifecycle", source="FIB docs: logout takes the access token")
@lifecycle("logout")
@requires_credentials
def refresh_token_is_not_an_access_token(ctx: Context) -> None:
    """Logout with a refresh token in place of the access token is refused.

    Source: the public FIB docs name the access token as what logout takes.
    """
    _, refresh_token = login_pair(ctx)
    expect_refused(
        ctx,
        logout(ctx, refresh_token),
        "a refresh token offered for logout",
        hint="tell the kinds apart (access tokens carry acc/role) before honouring one",
    )


@check(
    "fib",
    group="lifecycle",
    source='FIB docs: logout answers 200 {"status": {...}, "data": {}}',
)
@lifecycle("logout")
@requires_credentials
def logout_succeeds(ctx: Context) -> None:
    """Logout with a fresh access token answers 200 with the envelope and a data object.

    Source: the public FIB docs (logout answers {"status": {...}, "data": {}}).
    """
    access, _ = login_pair(ctx)
    body = expect_ok(ctx, logout(ctx, access), "logout with a fresh access token")
    if not isinstance(body.get("data"), dict):
        ctx.fail(
            "logout body's data is not an object",
            received=repr(body.get("data"))[:200],
            documented='{"status": {...}, "data": {}}',
        )


@check(
    "fib",
    group="lifecycle",
    source="FIB docs: logout ends the session its access token belongs to",
)
@lifecycle("logout")
@requires_credentials
def access_token_rejected_after_logout(ctx: Context) -> None:
    """An access token is refused once its session has been logged out.

    Source: the public FIB docs' logout, which ends the session the token belongs to.
    """
    access, _ = login_pair(ctx)
    expect_ok(ctx, logout(ctx, access), "logout with a fresh access token")
    expect_refused(
        ctx,
        logout(ctx, access),
        "a logged-out access token",
        hint="logout must revoke the access token, not only answer 200",
    )


@check(
    "fib",
    group="lifecycle",
    level="advisory",
    source=(
        "ASVS 5.0 V7.4.1: after logout the session cannot be used any further; project decision: "
        "logout revokes the refresh token too"
    ),
)
@lifecycle("refresh", "logout")
@requires_credentials
def refresh_token_rejected_after_logout(ctx: Context) -> None:
    """After logout the session's refresh token can no longer mint new tokens.

    Advisory: the FIB docs say logout takes the access token; that it also revokes the
    refresh token issued with it is security practice and the reference's reading.
    """
    access, refresh_token = login_pair(ctx)
    expect_ok(ctx, logout(ctx, access), "logout with a fresh access token")
    expect_refused(
        ctx,
        refresh(ctx, refresh_token),
        "the refresh token of a logged-out session",
        hint="logout must revoke the refresh token(s) issued with the access token",
    )


@check(
    "fib",
    group="lifecycle",
    level="advisory",
    source=(
        "project decision: take both readings; seed 001: the access token is used as a bearer "
        "token; FIB docs: the token is sent bare"
    ),
)
@lifecycle("refresh", "logout")
@requires_credentials
def bearer_prefix_is_optional(ctx: Context) -> None:
    """Both routes take the token with and without a ``Bearer `` prefix.

    Advisory: seed 001 calls the access token "a bearer token" while the lifecycle pages
    send it bare; a server that takes one of the two forms follows one reading.
    """
    _, refresh_token = login_pair(ctx)
    body = expect_ok(
        ctx,
        refresh(ctx, refresh_token, bearer=True),
        "refresh with 'Authorization: Bearer <refreshToken>'",
    )
    pair_from(ctx, body, "refresh response")
    body = expect_ok(
        ctx,
        refresh(ctx, body["data"]["refreshToken"]),
        "refresh with 'Authorization: <refreshToken>'",
    )
    pair_from(ctx, body, "refresh response")
    expect_ok(
        ctx,
        logout(ctx, body["data"]["accessToken"], bearer=True),
        "logout with 'Authorization: Bearer <accessToken>'",
    )


# --- advisory checks: whole sessions --------------------------------------------------
# The FIB documents say nothing of token families; these follow the OAuth 2.0 security
# best current practice (RFC 9700 section 4.14.2) and the project's own decision
# (docs/apis/fib/session.md). A server that misses them gets a warning, not a failure.


def _refreshed(ctx: Context) -> tuple[tuple[str, str], tuple[str, str]]:
    """Log in, refresh once: the first pair and the pair the refresh returned."""
    first = login_pair(ctx)
    body = expect_ok(ctx, refresh(ctx, first[1]), "refresh with a fresh refresh token")
    pair_from(ctx, body, "refresh response")
    return first, (body["data"]["accessToken"], body["data"]["refreshToken"])


@check(
    "fib",
    group="lifecycle",
    level="advisory",
    source=(
        "project decision: sessions end whole; RFC 9700 §4.14.2: a replayed refresh token makes "
        "the server revoke the active one"
    ),
)
@lifecycle("refresh")
@requires_credentials
def reused_refresh_token_revokes_family(ctx: Context) -> None:
    """Presenting a used refresh token again ends its session: the pair it bought dies too."""
    (_, used), (_, bought) = _refreshed(ctx)
    refresh(ctx, used)  # the reuse; whether it is refused is used_refresh_token_is_rejected's
    expect_refused(
        ctx,
        refresh(ctx, bought),
        "the refresh token issued from a refresh token that was later reused",
        hint="on reuse of a refresh token revoke every token issued since its login",
    )


@check(
    "fib",
    group="lifecycle",
    level="advisory",
    source=(
        "project decision: sessions end whole; ASVS 5.0 V7.4.1: after logout the session cannot be "
        "used any further"
    ),
)
@lifecycle("refresh", "logout")
@requires_credentials
def logout_ends_refreshed_session(ctx: Context) -> None:
    """Logout with the login's access token also ends the pairs refreshes issued since."""
    (first_access, _), (_, later_refresh) = _refreshed(ctx)
    logout(ctx, first_access)
    expect_refused(
        ctx,
        refresh(ctx, later_refresh),
        "a refreshed session's refresh token after logout with the login's access token",
        hint="logout ends the session (the token family), whatever generation of token it gets",
    )
