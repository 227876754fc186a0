"""FIB account discovery: not applicable. Its documents tell an unknown user apart by design
(404 "User has not been found", seeds 000 and 002) and it has no password to guess: a
login is an Ed25519 signature over the email. Registered so reports say so.
"""

from __future__ import annotations

from conformance.checks.discovery import ENUMERATION_SOURCE
from conformance.checks.registry import check
from conformance.engine.context import Context
from conformance.model import CheckNotApplicable


@check(
    "fib",
    group="discovery",
    level="advisory",
    source=f"{ENUMERATION_SOURCE}; seeds 000, 002: an unknown user gets 404",
)
def unknown_email_answered_like_wrong_password(ctx: Context) -> None:
    """An unknown email and wrong credentials get alike answers (not applicable to FIB).

    The FIB documents answer an unknown user 404 and a wrong signature 401 or 422, so
    the difference is documented, not a leak the suite could hold against a server.
    """
    raise CheckNotApplicable(
        "the FIB documents answer an unknown user 404 (seeds 000, 002) and a wrong "
        "signature 401 or 422: they tell the two apart by design"
    )
