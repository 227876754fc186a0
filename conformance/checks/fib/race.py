"""FIB rotation under concurrency: refreshes sent together with one refresh token let at most
one through, and a logout sent together with a refresh still ends the session.

Advisories, like rotation itself (``used_refresh_token_is_rejected``): the FIB documents
do not say a refresh token is single-use; RFC 9700 §4.14.2 (the OAuth 2.0 security BCP)
asks rotation to be atomic, so a refresh token stolen and raced cannot buy a second pair.

The requests go out together from clients of their own (one connection each, threads
released by one barrier), at most ``RACERS`` at once; their answers are then recorded in
the check's context one by one, like any other answer (evidence, 5xx, masking).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

import httpx

from conformance.checks.fib.login_common import FIB_LOGOUT_PATH, FIB_SESSION_PATH
from conformance.checks.fib.session_common import (
    expect_ok,
    expect_refused,
    lifecycle,
    login_pair,
    logout,
    pair_from,
    refresh,
)
from conformance.checks.registry import check, requires_credentials
from conformance.engine.bounded import BoundedClient
from conformance.engine.context import Context
from conformance.engine.masking import token_values
from conformance.errors import RunStopped
from conformance.model import CheckBlocked, CheckNotApplicable

RACERS = 5  # concurrent refreshes with one refresh token
RACE_SOURCE = (
    "RFC 9700 §4.14.2: with refresh token rotation a refresh token is used once; a second "
    "use is a replay"
)
FAMILY_CHECK = "logout_ends_refreshed_session"
ROTATION_CHECK = "used_refresh_token_is_rejected"
# How long the racers wait for each other at the barrier before going anyway.
BARRIER_SECONDS = 5.0
# The logout leaves this long after the refresh, so it lands while the refresh is under
# way rather than before it (a logout first leaves the refresh nothing to spend).
LOGOUT_LAG_SECONDS = 0.020

Request = tuple[str, str, dict[str, str]]  # method, path, headers


def send_together(
    ctx: Context, requests: list[Request], *, stagger: float = 0.0
) -> list[httpx.Response]:
    """Send ``requests`` at once, each from a client and thread of its own (the i-th
    ``i * stagger`` seconds after the first); their answers in order, each recorded in
    ``ctx``. A racer that got no answer fails the check."""
    if ctx.learn is not None:
        for _, _, headers in requests:
            ctx.learn(token_values(headers, None))
    settings, budget = ctx.settings, getattr(ctx.client, "budget", None)
    clients = [
        BoundedClient(
            timeout=settings.timeout, max_bytes=settings.max_response_bytes, budget=budget
        )
        for _ in requests
    ]
    barrier = threading.Barrier(len(requests))
    answers: list[httpx.Response | Exception | None] = [None] * len(requests)

    def racer(index: int) -> Callable[[], None]:
        method, path, headers = requests[index]

        def run() -> None:
            # Past the wait, go anyway: the race is weaker, the check still judges it.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(BARRIER_SECONDS)
            if stagger:
                time.sleep(index * stagger)
            try:
                answers[index] = clients[index].request(
                    method, ctx.base_url + path, headers=headers
                )
            except Exception as exc:  # reported below, in the check's thread
                answers[index] = exc

        return run

    threads = [threading.Thread(target=racer(i), daemon=True) for i in range(len(requests))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for client in clients:
            client.close()
    responses = []
    for (method, path, _), answer in zip(requests, answers, strict=True):
        if isinstance(answer, RunStopped):
            raise answer
        if not isinstance(answer, httpx.Response):
            ctx.fail(
                f"no HTTP answer to one of {len(requests)} concurrent requests ({method} {path})",
                received=repr(answer)[:200],
                documented="an HTTP response to each",
            )
        responses.append(ctx.record(method, path, answer))
    return responses


@check("fib", group="lifecycle", level="advisory", source=RACE_SOURCE)
@lifecycle("refresh")
@requires_credentials
def concurrent_refreshes_let_one_through(ctx: Context) -> None:
    """Five refreshes sent at once with one refresh token: at most one gets a new pair.

    Advisory: RFC 9700 §4.14.2 (refresh token rotation); the FIB documents do not say a
    refresh token is single-use. Each refresh must check and spend the token in one
    atomic step, or a raced token buys several live pairs.
    """
    _, refresh_token = login_pair(ctx)
    headers = {"Authorization": refresh_token}
    answers = send_together(ctx, [("PATCH", FIB_SESSION_PATH, headers)] * RACERS)
    winners = [a for a in answers if a.status_code == 200]
    if len(winners) > 1:
        statuses = ", ".join(str(a.status_code) for a in answers)
        if refresh(ctx, refresh_token).status_code == 200:  # spent? or reusable, race or not
            raise CheckBlocked(
                ROTATION_CHECK,
                f"the refresh token works again after the race ({statuses}): it is reusable "
                "without any race",
            )
        ctx.last = ctx.history[-2] if len(ctx.history) > 1 else ctx.last
        statuses = ", ".join(str(a.status_code) for a in answers)
        ctx.fail(
            f"{len(winners)} of {RACERS} concurrent refreshes with one refresh token won",
            received=f"answers: {statuses}",
            documented="at most one 200: a refresh token is spent atomically when it is "
            "exchanged (RFC 9700 §4.14.2)",
            hint="check and revoke the refresh token in one step (a compare-and-delete, "
            "a row lock or a unique constraint), not a read followed by a write",
            observed=f"PATCH {FIB_SESSION_PATH}: a refresh token spent twice in a race",
        )
    for answer in answers:
        if answer.status_code != 200:
            expect_refused(ctx, answer, "a refresh that lost the race", hint="refuse it: 401")


def _family_ends_at_logout(ctx: Context) -> bool:
    """Whether logout with a login's access token ends the pairs refreshed since (the
    reading logout_ends_refreshed_session holds), from its verdict or, when it did not
    run (a replay of this check alone), from the same three requests."""
    verdict = ctx.verdicts.get(FAMILY_CHECK)
    if verdict is not None:
        return verdict == "passed"
    first_access, first_refresh = login_pair(ctx)
    body = expect_ok(ctx, refresh(ctx, first_refresh), "refresh with a fresh refresh token")
    pair_from(ctx, body, "refresh response")
    logout(ctx, first_access)
    return refresh(ctx, body["data"]["refreshToken"]).status_code != 200


@check("fib", group="lifecycle", level="advisory", source=RACE_SOURCE)
@lifecycle("refresh", "logout")
@requires_credentials
def logout_racing_refresh_ends_the_session(ctx: Context) -> None:
    """A logout sent together with a refresh of its session leaves no pair alive.

    Advisory: RFC 9700 §4.14.2 and the project's reading that logout ends the session
    (logout_ends_refreshed_session). Judged only where that reading holds without a
    race: then a pair the racing refresh bought must be dead once the logout answered.
    """
    if not _family_ends_at_logout(ctx):
        raise CheckNotApplicable(
            f"logout here does not end the pairs refreshed since ({FAMILY_CHECK} does not "
            "pass), so a pair alive after a racing logout shows no race"
        )
    access, refresh_token = login_pair(ctx)
    refreshed, logged_out = send_together(
        ctx,
        [
            ("PATCH", FIB_SESSION_PATH, {"Authorization": refresh_token}),
            ("POST", FIB_LOGOUT_PATH, {"Authorization": access}),
        ],
        stagger=LOGOUT_LAG_SECONDS,
    )
    if refreshed.status_code != 200 or logged_out.status_code != 200:
        return  # one of the two was refused: no session outlived a logout
    body = ctx.json_of(refreshed)
    pair_from(ctx, body, "refresh response")
    answer = refresh(ctx, body["data"]["refreshToken"])
    if 200 <= answer.status_code < 300:
        ctx.fail(
            "a pair bought by a refresh racing a logout outlived the logout",
            received=f"refresh and logout both 200; the new refresh token then HTTP "
            f"{answer.status_code}",
            documented="logout ends the session, whichever request of it came first "
            "(logout_ends_refreshed_session holds when they do not race)",
            hint="end the session and issue its pairs under one lock or transaction, so a "
            "refresh cannot mint a pair for a session a logout is ending",
            observed=f"PATCH {FIB_SESSION_PATH}: a refresh outlived a racing logout",
        )
