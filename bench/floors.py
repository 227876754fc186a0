"""The machine's crypto floors, in-process on the core it is pinned to; prints one JSON object.

``server``: one login's cryptography on the server side (bench/inprocess.py's floor: an
Ed25519 verify of the Iroha-hashed email, two token signatures). ``client``: the load
generator's own, one Ed25519 signature of the Iroha-hashed email as hex: no generator
signing each login can go faster. Both per CPU-second.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from inprocess import crypto_floor, rate
from nacl.bindings import crypto_sign, crypto_sign_seed_keypair

from conformance.signing import iroha_hash


def client_floor(bodies: list[dict], seconds: float) -> dict[str, float]:
    _, secret = crypto_sign_seed_keypair(bytes(32))
    emails = [b["email"].encode() for b in bodies]
    return rate(lambda i: crypto_sign(iroha_hash(emails[i % len(emails)]), secret)[:64].hex(),
                seconds)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bodies", required=True, help="JSON lines of signed login bodies")
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    lines = Path(args.bodies).read_text(encoding="utf-8").splitlines()
    bodies = [json.loads(line) for line in lines]
    print(json.dumps({"server": crypto_floor(bodies, args.seconds)["per_cpu_s"],
                      "client": client_floor(bodies, args.seconds)["per_cpu_s"]}))  # fmt: skip


if __name__ == "__main__":
    main()
