"""Schemathesis hooks for the child run: a login it can repeat, and ``ignored_auth`` as documented.

Loaded only inside the Schemathesis child (``SCHEMATHESIS_HOOKS``, Schemathesis's own way
to load extensions into its command line), and only when the parent wrote a token-login
file for the run (named by ``conformance.fuzz.tokens.AUTH_FILE``, written by
:mod:`conformance.fuzz.tokens`, readable by its owner only). Two things are registered:

- An auth provider (Schemathesis's two-method ``get``/``set`` protocol) that logs in
  again for each request to an operation taking a token, and puts the token the
  documents name for it (FIB: the refresh token for refresh, the access token for
  logout) into the credential header. A refresh token is spent once and a logout ends
  the session, so tokens are never reused; logins are bounded per run (past the bound,
  or after a few failed logins, requests keep what Schemathesis generated). It runs in
  every phase, coverage included; a case whose credential the phase removed or broke on
  purpose is left so.
- :func:`ignored_auth_as_documented`, which replaces Schemathesis's ``ignored_auth``
  (switched off in the run's configuration): Schemathesis 4.32 counts only 401, 403 or
  a redirect as "authentication enforced" and has no setting for it, while documents may
  give other refusals (the FIB lifecycle pages: 400 and 422 too). The claim is the same:
  an operation that honoured a real token must refuse the same request without a token
  and with an invalid one; the refusals accepted are the profile's. Its results are
  reported as ``ignored_auth`` (:data:`conformance.fuzz.config.CHECK_ALIASES`).
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import requests
import schemathesis
from schemathesis.openapi.checks import AuthScenario, IgnoredAuth

from conformance.fuzz.config import DOCUMENTED_AUTH_CHECK
from conformance.fuzz.tokens import AUTH_FILE

__all__ = ["AUTH_FILE", "CHECK_NAME", "INVALID_TOKEN", "ignored_auth_as_documented"]

CHECK_NAME = DOCUMENTED_AUTH_CHECK
# Not a token any server issued; readable as what it is in evidence.
INVALID_TOKEN = "authconform-invalid-token"
# Schemathesis's phases (examples, coverage, fuzzing, stateful): each gets its share of logins.
PHASES = 4
# Consecutive failed logins after which the provider stops asking (the target refuses them).
MAX_FAILED_LOGINS = 3


def _settings() -> dict[str, Any]:
    path = os.environ.get(AUTH_FILE)
    if not path:
        return {}
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


SETTINGS = _settings()
HEADER = str(SETTINGS.get("header", "Authorization"))
REFUSALS = frozenset(int(status) for status in SETTINGS.get("refusals", (401, 403)))
# Every token the provider put into a request: only these are known to be real.
ISSUED: set[str] = set()
# Operations already seen refusing both probes; once per operation is enough.
CONFIRMED: set[str] = set()


def _pointer(document: Any, pointer: str) -> Any:
    """The value at a JSON pointer (RFC 6901), or None."""
    for part in pointer.lstrip("/").split("/") if pointer else []:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(document, dict):
            document = document.get(part)
        elif isinstance(document, list) and part.isdigit() and int(part) < len(document):
            document = document[int(part)]
        else:
            return None
    return document


def _phase(case: Any) -> str:
    meta = getattr(case, "meta", None)
    phase = getattr(meta, "phase", None)
    return str(getattr(phase, "name", "?"))


class RepeatedLogin:
    """Logs in once per request that needs a token, up to the run's bound.

    The bound is shared out over (phase, operation), so a phase that sends many requests
    (coverage) cannot spend the logins the later phases need.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.failures = 0
        self.tokens = dict(SETTINGS.get("tokens") or {})  # "METHOD /path" -> JSON pointer
        self.login = dict(SETTINGS.get("login") or {})
        shares = max(1, PHASES * len(self.tokens))
        self.per_share = max(1, int(SETTINGS.get("max_logins", 0)) // shares)
        self.spent: dict[tuple[str, str], int] = {}

    def get(self, case: Any, context: Any) -> str | None:
        operation = f"{case.method.upper()} {case.path}"
        pointer = self.tokens.get(operation)
        if pointer is None:
            return None
        share = (_phase(case), operation)
        with self.lock:
            if self.spent.get(share, 0) >= self.per_share or self.failures >= MAX_FAILED_LOGINS:
                return None
            self.spent[share] = self.spent.get(share, 0) + 1
        token = self._log_in(pointer)
        with self.lock:
            self.failures = 0 if token else self.failures + 1
        _tally(token is not None)
        if token:
            ISSUED.add(token)
        return token

    def _log_in(self, pointer: str) -> str | None:
        try:
            response = requests.request(
                self.login["method"],
                SETTINGS["base_url"] + self.login["path"],
                json=self.login.get("body"),
                headers=self.login.get("headers") or {},
                timeout=float(SETTINGS.get("timeout", 5.0)),
                allow_redirects=False,
            )
            token = _pointer(response.json(), pointer) if response.status_code == 200 else None
        except (requests.RequestException, ValueError):
            return None
        return token if isinstance(token, str) and token else None

    def set(self, case: Any, data: str, context: Any) -> None:
        headers = dict(case.headers or {})
        for name in [name for name in headers if name.lower() == HEADER.lower()]:
            del headers[name]
        headers[HEADER] = data
        case.headers = headers


def _tally(succeeded: bool) -> None:
    """One line per login in the tally file, so the parent can say how many were made."""
    path = SETTINGS.get("tally_file")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write("ok\n" if succeeded else "refused\n")


def ignored_auth_as_documented(ctx: Any, response: Any, case: Any) -> bool | None:
    """An operation that honoured a real token refuses the same request without it and
    with an invalid one, with a refusal the documents give (or a redirect)."""
    if not 200 <= response.status_code < 300:
        return None
    sent = response.request.headers.get(HEADER)
    if sent is None or sent not in ISSUED:
        return None  # only a token the provider obtained is known to be valid
    label = f"{case.method.upper()} {case.path}"
    if label in CONFIRMED:
        return None
    others = {k: v for k, v in (case.headers or {}).items() if k.lower() != HEADER.lower()}
    probes = (
        (AuthScenario.NO_AUTH, "without a token", others),
        (AuthScenario.INVALID_AUTH, "with an invalid token", {**others, HEADER: INVALID_TOKEN}),
    )
    for scenario, what, headers in probes:
        answer = case.derive(headers=headers).call()
        status = answer.status_code
        if status in REFUSALS or 300 <= status < 400:
            continue
        refusals = ", ".join(str(s) for s in sorted(REFUSALS))
        raise IgnoredAuth(
            operation=label,
            title=f"Honoured {what}",
            message=(
                f"The same request {what} in {HEADER} got {status}; with a real token it got "
                f"{response.status_code}. Expected a refusal the documents give: {refusals} "
                "(or a redirect)."
            ),
            scenario=scenario,
        )
    CONFIRMED.add(label)
    return None


if SETTINGS.get("judge"):
    schemathesis.check(ignored_auth_as_documented)
    if SETTINGS.get("tokens"):
        schemathesis.auth(refresh_interval=None, retry_on=[])(RepeatedLogin)
