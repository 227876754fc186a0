"""FIB targets for the Schemathesis tests: the embedded reference, and broken variants of it
as WSGI middleware; one Schemathesis run of the FIB profile against each."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from conformance.fuzz.run import run_schemathesis
from conformance.profiles import Profile, get_profile
from reference_impl.serving.embedded import running_server

WSGIApp = Callable[..., Any]

SESSION = "/auth/api/v1/authentication-management/session"
# Small but enough for every phase to reach each operation; the FIB run stays in seconds.
SMALL = 3


@contextmanager
def serving(wrap: Callable[[WSGIApp], WSGIApp] | None = None) -> Iterator[str]:
    with running_server(demo_users=1, wrap=wrap) as server:
        yield server.url


# --- broken variants, as WSGI middleware ---------------------------------------------------------


def _rewrite(app: WSGIApp, change: Callable[[dict, str, list, bytes], tuple[str, list, bytes]]):
    def wrapped(environ: dict, start_response: Callable) -> list[bytes]:
        captured: dict = {}

        def capture(status: str, headers: list, exc_info: object = None) -> None:
            captured["status"], captured["headers"] = status, headers

        body = b"".join(app(environ, capture))
        status, headers, body = change(environ, captured["status"], captured["headers"], body)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return wrapped


def five_hundred_for_422(app: WSGIApp) -> WSGIApp:
    """A server that crashes where it should say 422 (bad signature or key)."""

    def change(environ, status, headers, body):
        if status.startswith("422"):
            error = {"status": {"code": 500, "name": "Internal Server Error"}, "data": None}
            return "500 Internal Server Error", headers, json.dumps(error).encode()
        return status, headers, body

    return _rewrite(app, change)


def drops_refresh_token(app: WSGIApp) -> WSGIApp:
    """A server whose 200 login body lacks data.refreshToken."""

    def change(environ, status, headers, body):
        if status.startswith("200") and environ["REQUEST_METHOD"] == "POST":
            document = json.loads(body)
            if isinstance(document.get("data"), dict):
                document["data"].pop("refreshToken", None)
                body = json.dumps(document).encode()
        return status, headers, body

    return _rewrite(app, change)


def teapot_for_unknown_email(app: WSGIApp) -> WSGIApp:
    """A server that answers an undocumented 418 where the spec says 404."""

    def change(environ, status, headers, body):
        if status.startswith("404") and environ.get("PATH_INFO") == SESSION:
            return "418 I'm a teapot", headers, body
        return status, headers, body

    return _rewrite(app, change)


def fib_profile(**settings: object) -> Profile:
    """The project's FIB profile, with ``settings`` laid over its Schemathesis settings."""
    profile = get_profile("fib")
    return dataclasses.replace(profile, schemathesis={**profile.schemathesis, **settings})


def by_name(results: list) -> dict:
    names = [r.name for r in results]
    assert len(names) == len(set(names)), f"duplicate result names: {names}"
    return {r.name: r for r in results}


def run_on(wrap: Callable[[WSGIApp], WSGIApp] | None, seed: int = 7) -> list:
    """One Schemathesis run of the FIB profile against a fresh server made by ``wrap``."""
    with serving(wrap) as url:
        return run_schemathesis(fib_profile(), url, max_examples=SMALL, seed=seed)


def hide_jwks(app: WSGIApp) -> WSGIApp:
    """A FIB server exactly as the FIB pages describe it: no /.well-known/jwks.json."""

    def wrapped(environ: dict, start_response: Callable) -> list[bytes]:
        if environ.get("PATH_INFO") == "/.well-known/jwks.json":
            body = b'{"status": {"code": 404, "name": "Not Found"}, "data": null}'
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [body]
        return app(environ, start_response)

    return wrapped
