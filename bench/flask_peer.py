"""The FIB login on Flask: the reference server's own logic behind Flask's routing and JSON.

Only for ``bench/run.py``'s framework comparison: same store, same signature check, same
token issuer, so the difference measured is the web layer. ``BENCH_DB`` names the SQLite
file. Served under gunicorn as ``flask_peer:create_app()``, or run as a script
(``--port P --workers N``) under Granian exactly as ``authconform serve`` runs the
reference: the same socket, threads, backpressure and HTTP settings.
"""

from __future__ import annotations

import argparse
import hmac
import os
import sys

from flask import Flask, jsonify, request

from reference_impl.auth import iroha, server_keys
from reference_impl.auth.tokens_fib import FibTokens
from reference_impl.store import Store

SESSION_PATH = "/auth/api/v1/authentication-management/session"
FIELDS = ("email", "signature", "authPublicKeyHex")


def _error(code: int, name: str, message: str):
    body = {"status": {"code": code, "name": name, "message": message}, "data": None}
    return jsonify(body), code


def create_app(db_path: str | None = None) -> Flask:
    store = Store(db_path or os.environ["BENCH_DB"])
    tokens = FibTokens.from_seed(server_keys.fib_jwt_seed(store))
    app = Flask(__name__)

    @app.post(SESSION_PATH)
    def login():
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not all(isinstance(body.get(f), str) for f in FIELDS):
            return _error(400, "Bad Request", "email, signature and authPublicKeyHex are required.")
        public_key = iroha.parse_public_key(body["authPublicKeyHex"])
        signature = iroha.parse_hex(body["signature"])
        if public_key is None or signature is None or len(signature) != iroha.SIGNATURE_BYTES:
            return _error(422, "Unprocessable Entity", "Malformed key or signature.")
        user = store.fib_user(body["email"])
        if user is None:
            return _error(404, "Not Found", "User has not been found.")
        if not hmac.compare_digest(user.public_key, public_key) or not iroha.verify(
            body["email"], public_key, signature
        ):
            return _error(422, "Unprocessable Entity", "The signature does not verify.")
        pair = tokens.issue(email=user.email, account_id=user.account_id)
        data = {
            "accessToken": pair.access_token,
            "refreshToken": pair.refresh_token,
            "expirationTime": pair.expires_in,
        }
        status = {"code": 200, "name": "OK", "message": "User authorization has been successful."}
        return jsonify({"status": status, "data": data})

    return app


def main() -> int:
    """Serve the peer under Granian with ``authconform serve``'s defaults."""
    from reference_impl.serving import cli
    from reference_impl.serving.granian_server import GranianSettings, bind, serve

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=cli.DEFAULT_WORKERS)
    args = parser.parse_args()
    settings = GranianSettings(
        workers=args.workers, threads=cli.DEFAULT_THREADS, backpressure=cli.DEFAULT_BACKPRESSURE
    )
    with bind("127.0.0.1", args.port) as sock:
        return serve(sock, settings, create_app)


if __name__ == "__main__":
    sys.exit(main())
