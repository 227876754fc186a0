"""The WSGI application: route, handle, render errors. No framework.

Build it with ``create_app(db_path, **options)``. Systems join by being listed
in ``SYSTEM_MODULES``; each such module provides

* ``ROUTES``: ``Rule(method, path, "<system>.<function>")`` entries; the function
  named after the dot is the module's handler, ``handler(request, services)``
  returning a ``Response``;
* ``render_error(err: HTTPError) -> Response``: its own error body shape, used for
  every error on its paths, 405 included;
* ``OPTIONS`` (optional): names of the components it lets ``create_app`` replace.

Options (all keyword-only; an unknown name is a ``TypeError``, so typos fail loudly):

``clock``
    ``() -> float`` Unix time, used to issue and to check FIB token expiry
    (e.g. ``clock=lambda: now[0]`` to jump past ``exp`` without sleeping);
    available to every handler that takes ``services`` as ``services.clock``.
``signature_verifier``
    ``(email: str, public_key: bytes, signature: bytes) -> bool`` replacing the
    Iroha-hash Ed25519 check (e.g. ``lambda *a: True`` accepts any signature,
    or a verifier over the raw email bytes).
``fib_tokens``
    a ``tokens_fib.FibTokens`` (or anything with ``issue``/``verify``/``jwks``),
    e.g. ``FibTokens.from_seed(os.urandom(32), access_lifetime=60)`` or a
    subclass that issues malformed claims; keep the server's key with
    ``FibTokens.from_seed(server_keys.fib_jwt_seed(Store(db_path)))``.
``password_cost``
    a ``passwords.ScryptCost`` for new and upgraded password hashes (default
    ``passwords.OWASP``; ``passwords.LIGHT`` for tests and demos only).
``login_limiter``
    a ``login_limits.FailedLogins`` shared by the password logins (default: one with
    ``login_limits.DEFAULT_LIMITS``), e.g. ``FailedLogins(LoginLimits(per_account=3))``;
    unless built with ``store=``, it keeps its counts in this app's database.
plus whatever the other system modules list in their ``OPTIONS``.

For faults outside any component, wrap the app in WSGI middleware:
``embedded.running_server(wrap=lambda app: my_middleware(app))``.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
from collections.abc import Callable, Iterable
from http import HTTPStatus
from types import ModuleType
from typing import Any, NamedTuple

from reference_impl.http.body import BODY_DONE, drain_unread
from reference_impl.http.errors import HTTPError, InternalServerError, render_envelope
from reference_impl.http.messages import Response, WSGIEnviron
from reference_impl.http.request import Request
from reference_impl.http.router import Router, Rule
from reference_impl.store import Store
from reference_impl.systems.services import Services

__all__ = ["SYSTEM_MODULES", "App", "create_app"]

log = logging.getLogger("reference_impl")

# The systems this server speaks. Adding one is adding its module name here.
SYSTEM_MODULES: tuple[str, ...] = (
    "reference_impl.systems.fib",
    "reference_impl.systems.user_api",
    "reference_impl.systems.duktig",
)

# Options read by the app itself rather than by a system module.
APP_OPTIONS = frozenset({"clock", "password_cost", "login_limiter"})

Handler = Callable[[Request, Services], Response]
ErrorRenderer = Callable[[HTTPError], Response]
StartResponse = Callable[..., Any]


class Endpoint(NamedTuple):
    handler: Handler
    render_error: ErrorRenderer


def load_systems(names: Iterable[str] | None = None) -> list[ModuleType]:
    return [importlib.import_module(name) for name in (names or SYSTEM_MODULES)]


def build_routes(systems: Iterable[ModuleType]) -> tuple[Router, dict[str, Endpoint]]:
    """One router over every system's ROUTES; duplicates and bad names fail here, at startup."""
    rules: list[Rule] = []
    endpoints: dict[str, Endpoint] = {}
    for system in systems:
        for rule in system.ROUTES:
            handler = getattr(system, rule.endpoint.rpartition(".")[2], None)
            if not callable(handler):
                raise ValueError(f"{system.__name__}: no handler for endpoint {rule.endpoint!r}")
            if rule.endpoint in endpoints:
                raise ValueError(f"duplicate endpoint name {rule.endpoint!r}")
            endpoints[rule.endpoint] = Endpoint(handler, system.render_error)
            rules.append(rule)
    return Router(rules), endpoints


def quick_routes(systems: Iterable[ModuleType]) -> frozenset[tuple[str, str]]:
    """The (method, path) pairs whose rules say their handler is quick (``Rule.quick``)."""
    return frozenset((r.method, r.path) for s in systems for r in s.ROUTES if r.quick)


class App:
    """A WSGI callable; one per server, shared by all its threads."""

    def __init__(
        self,
        services: Services,
        router: Router,
        endpoints: dict[str, Endpoint],
        quick: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        self.services = services
        self.router = router
        self.endpoints = endpoints
        # Exact (method, path) pairs a server may run on its event loop (Rule.quick).
        self.quick = quick
        # PERF: one dict lookup on the raw environ values for every exact (method, path);
        # anything else (lower-case method, empty path, 404, 405) goes through the router.
        self._exact = {(r.method, r.path): endpoints[r.endpoint] for r in router.rules()}

    @property
    def store(self) -> Store:
        return self.services.store

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        try:
            endpoint = self._exact.get((environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")))
            if endpoint is None:
                endpoint = self.endpoints[self.router.match(request.method, request.path)]
            response = endpoint.handler(request, self.services)
        except HTTPError as err:
            response = self._renderer_for(request.path)(err)
        except Exception:
            # NOTE: the traceback goes to the log; the client gets only the envelope.
            log.exception("unhandled error in %s %s", request.method, request.path)
            response = _last_resort(self._renderer_for(request.path))
        if not environ.get(BODY_DONE):  # PERF: a body read to its end has nothing to drain
            drain_unread(environ)  # keep a kept-alive connection in step, whatever the server
        start_response(_status_line(response.status), response.headers)
        if environ.get("REQUEST_METHOD") == "HEAD":
            # RFC 9110 §9.3.2: no content in an answer to HEAD (its headers may still say the
            # length it would have); sent anyway, it would be read as the next answer.
            return []
        return [response.body]

    def _renderer_for(self, path: str) -> ErrorRenderer:
        """The error shape of the system owning ``path`` (a 405 too); FIB's for unowned paths."""
        endpoint = self.router.endpoint_at(path)
        return self.endpoints[endpoint].render_error if endpoint else render_envelope


def create_app(db_path: str | os.PathLike[str], **options: Any) -> App:
    """The reference server over the SQLite file ``db_path``; options as in the module docstring."""
    systems = load_systems()
    known = APP_OPTIONS.union(*(getattr(s, "OPTIONS", frozenset()) for s in systems))
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"create_app: unknown option(s) {unknown}; known: {sorted(known)}")
    clock = options.pop("clock", None)
    store = Store(db_path)
    services = Services(store, options=options, **({"clock": clock} if clock else {}))
    router, endpoints = build_routes(systems)
    return App(services, router, endpoints, quick_routes(systems))


def _last_resort(render_error: ErrorRenderer) -> Response:
    """The system's 500 body; the FIB envelope if even rendering fails."""
    try:
        return render_error(InternalServerError())
    except Exception:
        log.exception("error renderer failed")
        return render_envelope(InternalServerError())


@functools.lru_cache(maxsize=64)
def _status_line(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Unknown"
