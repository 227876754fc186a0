"""The parts of one generator login, each timed alone: the older way and this tree's.

Run by bench/generator.py on the generator core, against its canned server; prints one
JSON object {part: [before_us, after_us]} of CPU microseconds per call. Imports Locust
(and so gevent's patching), as a load process does.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from gevent.pool import Pool  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from locust.contrib.fasthttp import FastHttpSession  # noqa: E402
from locust.env import Environment  # noqa: E402
from nacl.bindings import crypto_sign  # noqa: E402

from conformance.signing import iroha_hash, signing_key  # noqa: E402
from load.scenarios.fib import SESSION_PATH, signer  # noqa: E402
from load.stats.localrow import LocalRow  # noqa: E402
from load.users import validate  # noqa: E402
from load.users.arrival import KEPT_GREENLETS  # noqa: E402
from load.users.base import JSON_HEADERS  # noqa: E402
from load.users.launcher import Launcher  # noqa: E402
from load.users.wire import ConnectionPool, lean_target  # noqa: E402

BATCH = 100


def cpu_us(operation: Callable[[], object], seconds: float) -> float:
    """CPU microseconds per call of ``operation``, over about ``seconds`` of wall time."""
    for _ in range(BATCH):
        operation()
    done, cpu, deadline = 0, time.process_time(), time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for _ in range(BATCH):
            operation()
        done += BATCH
    return 1e6 * (time.process_time() - cpu) / done


def old_pair_problem(status: int, content: bytes) -> str | None:
    """The older fib_token_pair_problem: the detailed path for every answer."""
    body, problem = validate._fib_enveloped(status, content)
    if problem:
        return problem
    data = body.get("data")
    return validate._first_problem(
        validate.jwt_shape_problem("accessToken", data.get("accessToken")),
        validate.jwt_shape_problem("refreshToken", data.get("refreshToken")),
        validate._integer_problem("expirationTime", data.get("expirationTime")),
    )


def measure(account: dict, url: str, seconds: float) -> dict[str, list[float]]:
    environment = Environment()
    environment.create_local_runner()  # registers Locust's stats listener, as in a run
    key = signing_key(account["privateKeyHex"])
    email = account["email"].encode()
    target = lean_target(url)
    who = signer(account, target, validate.CHECK_TOKENS_EVERY)
    plain = signer(account, None, 0)
    signature = key.sign(iroha_hash(email)).signature.hex()
    body = {"email": account["email"], "signature": signature,
            "authPublicKeyHex": bytes(key.verify_key).hex()}  # fmt: skip
    row = LocalRow(lambda batch: None)
    login_row = LocalRow(lambda batch: None)
    session = FastHttpSession(url, environment.events.request, user=None)
    pool = ConnectionPool(target, read_timeout=None)
    request = who.head + signature.encode() + who.tail
    answer = pool.exchange(request).content

    def old_exchange() -> None:
        with session.request(
            "POST", SESSION_PATH, name="fib login", data=plain.head + signature.encode()
            + plain.tail, headers=JSON_HEADERS, catch_response=True,
        ) as response:  # fmt: skip
            response.success()

    def new_exchange() -> None:
        started = time.perf_counter()
        got = pool.exchange(request)  # a passing answer: its row is a local one
        login_row.record((time.perf_counter() - started) * 1000, len(got.content))

    def old_sign_row() -> None:
        with environment.events.request.measure("SIGN", "fib sign email"):
            pass

    def new_sign_row() -> None:
        started = time.perf_counter()
        row.record((time.perf_counter() - started) * 1000)

    def spawned(spawn: Callable, join: Callable) -> Callable[[], None]:
        def ten() -> None:
            for _ in range(10):
                spawn(lambda: None)
            join()

        return ten

    gevent_pool = Pool(4000)
    launcher = Launcher(keep=KEPT_GREENLETS)
    pairs = {
        "Ed25519 signature of the Iroha-hashed email, as hex": (
            lambda: key.sign(iroha_hash(email)).signature.hex(),
            lambda: crypto_sign(iroha_hash(email), who.secret)[:64].hex().encode(),
        ),
        "SIGN row (a Locust request event; a local row)": (old_sign_row, new_sign_row),
        "login body (json.dumps; a template filled)": (
            lambda: json.dumps(body).encode(),
            lambda: who.head + signature.encode() + who.tail,
        ),
        "HTTP exchange and its stats row (FastHttpSession, an event; lean client, a local row)": (
            old_exchange, new_exchange,
        ),
        "answer check (every answer in full; envelope + 1 in 100 decoded)": (
            lambda: old_pair_problem(200, answer), lambda: who.validator(200, answer),
        ),
        "open model: start a login's greenlet (Pool.spawn; a kept one), x10": (
            spawned(gevent_pool.spawn, gevent_pool.join),
            spawned(launcher.launch, lambda: gevent.sleep(0)),
        ),
    }  # fmt: skip
    return {name: [cpu_us(b, seconds), cpu_us(a, seconds)] for name, (b, a) in pairs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--credentials", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--seconds", type=float, default=0.5)
    args = parser.parse_args()
    account = json.loads(Path(args.credentials).read_text())["fib"]["users"][0]
    print(json.dumps(measure(account, args.url, args.seconds)))


if __name__ == "__main__":
    main()
