"""In-process phases of the benchmark: the cryptography floor and the bare WSGI handler.

Run by ``bench/run.py`` under ``taskset`` on the server's core; prints one JSON object.
No HTTP here: these are the ceilings the served figures are compared with.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair

from reference_impl.app import create_app
from reference_impl.auth import iroha, server_keys
from reference_impl.auth.tokens_fib import FibTokens
from reference_impl.http.body import parse_json_bytes
from reference_impl.http.messages import json_response
from reference_impl.store import Store

SESSION_PATH = "/auth/api/v1/authentication-management/session"
# Check the clock once per this many operations, so timing costs nothing measurable.
BATCH = 50


def rate(operation: Callable[[int], object], seconds: float) -> dict[str, float]:
    """Operations of ``operation(i)`` per wall second and per CPU second, over ``seconds``.

    Per CPU second is the one-core capacity even when other processes share the core.
    """
    for i in range(BATCH):  # warm caches and connections first
        operation(i)
    done, start, cpu_start = 0, time.perf_counter(), time.process_time()
    deadline = start + seconds
    while True:
        for i in range(done, done + BATCH):
            operation(i)
        done += BATCH
        now = time.perf_counter()
        if now >= deadline:
            cpu = time.process_time() - cpu_start
            return {"per_wall_s": done / (now - start), "per_cpu_s": done / cpu}


def crypto_floor(bodies: list[dict], seconds: float) -> dict[str, float]:
    """The floor alone: ``floor_login`` per wall and per CPU second over ``seconds``."""
    return rate(floor_login(bodies), seconds)


def floor_login(bodies: list[dict]) -> Callable[[int], None]:
    """One login's cryptography, with the fastest Ed25519 here (libsodium via PyNaCl).

    The Iroha hash of the email and one signature check (as ``iroha.verify``), then two
    Ed25519 signatures over signing inputs as long as a real access and refresh token's
    header.payload; nothing else: no parsing, no store, no JSON, no base64.
    """
    _, secret = crypto_sign_seed_keypair(os.urandom(32))
    access_input, refresh_input = (b"h" * n for n in token_signing_lengths())
    parsed = [
        (b["email"].encode(), bytes.fromhex(b["authPublicKeyHex"]), bytes.fromhex(b["signature"]))
        for b in bodies
    ]

    def one_login(i: int) -> None:
        email, public_key, signature = parsed[i % len(parsed)]
        crypto_sign_open(signature + iroha.iroha_hash(email), public_key)  # raises if bad
        crypto_sign(access_input, secret)
        crypto_sign(refresh_input, secret)

    return one_login


def token_signing_lengths() -> tuple[int, int]:
    """Bytes signed for a real access and refresh token (header.payload), from one issued pair."""
    pair = FibTokens.from_seed(os.urandom(32)).issue(
        email="user0@example.com", account_id="user0@bench"
    )
    return tuple(len(t.rpartition(".")[0]) for t in (pair.access_token, pair.refresh_token))


def handler_loop(db_path: str, bodies: list[dict]) -> Callable[[int], None]:
    """Call the WSGI app directly with the pre-signed bodies; any non-200 stops the run."""
    app = create_app(db_path)
    raw = [json.dumps(b).encode() for b in bodies]
    base = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": SESSION_PATH,
        "CONTENT_TYPE": "application/json",
        "SERVER_NAME": "bench",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
    }

    def start_response(status: str, headers: list, exc_info=None) -> None:
        if not status.startswith("200"):
            raise SystemExit(f"handler: login answered {status}")

    def one_login(i: int) -> None:
        body = raw[i % len(raw)]
        environ = dict(base, CONTENT_LENGTH=str(len(body)))
        environ["wsgi.input"] = io.BytesIO(body)
        b"".join(app(environ, start_response))

    return one_login


def breakdown(db_path: str, bodies: list[dict], seconds: float) -> dict[str, float]:
    """Microseconds per login of each step of the handler, timed one step at a time."""
    store = Store(db_path)
    tokens = FibTokens.from_seed(server_keys.fib_jwt_seed(store))
    body = bodies[0]
    raw = json.dumps(body).encode()
    user = store.fib_user(body["email"])
    public_key, signature = (
        bytes.fromhex(body["authPublicKeyHex"]),
        bytes.fromhex(body["signature"]),
    )
    answer = {"status": {"code": 200, "name": "OK", "message": "m" * 40}, "data": {}}
    steps = {
        "parse the JSON body": lambda i: parse_json_bytes(raw),
        "parse signature and key hex": lambda i: (
            iroha.parse_hex(body["signature"]),
            iroha.parse_public_key(body["authPublicKeyHex"]),
        ),
        "look the user up (SQLite)": lambda i: store.fib_user(body["email"]),
        "verify the signature (Iroha hash + Ed25519)": lambda i: iroha.verify(
            body["email"], public_key, signature
        ),
        "issue the token pair (compact JWS, 2 EdDSA)": lambda i: tokens.issue(
            email=user.email, account_id=user.account_id
        ),
        "render the answer JSON": lambda i: json_response(200, answer),
    }
    share = seconds / len(steps)
    return {name: 1e6 / rate(step, share)["per_cpu_s"] for name, step in steps.items()}


def profile_handler(db_path: str, bodies: list[dict], seconds: float, out: Path) -> None:
    """Where one login's time goes in the handler (pyinstrument, text tree to ``out``)."""
    from pyinstrument import Profiler

    loop = handler_loop(db_path, bodies)
    profiler = Profiler(interval=0.0002)
    profiler.start()
    rate(loop, seconds)
    profiler.stop()
    out.write_text(profiler.output_text(unicode=False, color=False), encoding="utf-8")


def interleaved(
    operations: dict[str, Callable[[int], object]], seconds: float
) -> dict[str, dict[str, float]]:
    """Each operation's rate, measured in turns of ``BATCH`` calls over ``seconds``.

    Turns of a few milliseconds put the floor and the handler under the same load from
    other processes, which on a shared machine moves by more than the gap being measured.
    """
    for i in range(BATCH):  # warm caches and connections first
        for operation in operations.values():
            operation(i)
    totals = {name: [0, 0.0, 0.0] for name in operations}  # calls, wall s, CPU s
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for name, operation in operations.items():
            wall, cpu = time.perf_counter(), time.process_time()
            for i in range(done, done + BATCH):
                operation(i)
            total = totals[name]
            total[0] += BATCH
            total[1] += time.perf_counter() - wall
            total[2] += time.process_time() - cpu
        done += BATCH
    return {
        name: {"per_wall_s": n / max(wall, 1e-9), "per_cpu_s": n / max(cpu, 1e-9)}
        for name, (n, wall, cpu) in totals.items()
    }


def alternating(db: str, bodies: list[dict], seconds: float, rounds: int) -> dict:
    """Floor and handler measured in turns (``interleaved``) in each of ``rounds`` rounds;
    each figure is the median over the rounds, and every round's ratio is reported."""
    operations = {"floor": floor_login(bodies), "handler": handler_loop(db, bodies)}
    # Each of the two gets about ``seconds`` in all, as when they ran one after the other.
    runs = [interleaved(operations, 2 * seconds / rounds) for _ in range(rounds)]
    floor = {k: statistics.median(r["floor"][k] for r in runs) for k in runs[0]["floor"]}
    handler = {k: statistics.median(r["handler"][k] for r in runs) for k in runs[0]["handler"]}
    ratios = sorted(r["handler"]["per_cpu_s"] / r["floor"]["per_cpu_s"] for r in runs)
    return {
        "crypto_floor": floor,
        "handler": handler,
        "handler_over_floor": statistics.median(ratios),
        "round_ratios": [round(r, 3) for r in ratios],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="default: a fresh one under a temporary folder")
    parser.add_argument("--bodies", help="JSON lines of signed login bodies (with --db)")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure this many rounds of seconds/rounds each (floor and handler in turns "
        "of a few milliseconds within each round) and report the medians and every round's "
        "ratio: on a busy machine both then see the same load",
    )
    parser.add_argument("--profile-out", help="also write a handler profile here")
    args = parser.parse_args()
    if not args.db:
        from fixtures import prepare

        args.db, _, args.bodies = map(str, prepare(Path(tempfile.mkdtemp(prefix="bench-"))))
    lines = Path(args.bodies).read_text(encoding="utf-8").splitlines()
    bodies = [json.loads(line) for line in lines]
    result = alternating(args.db, bodies, args.seconds, max(1, args.rounds))
    result["breakdown_us"] = breakdown(args.db, bodies, args.seconds)
    if args.profile_out:
        profile_handler(args.db, bodies, args.seconds, Path(args.profile_out))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
