"""A login server faster than any one load generator: canned FIB answers, no checks.

Only for the benchmarks: against it, ``authconform load --find-capacity`` must say that the
generator is the limit instead of printing a capacity (``bench/capacity.py``), and a
generator's own cost per login shows alone (``bench/generator.py``). asyncio on one core,
keep-alive. Each answer's tokens name the email of the login (``tests/stall_server.py``'s
answer: a FIB server's claims, a signature of the right length but not a real one), so
that the load users' token checks pass; one answer is made per distinct body and kept.

    python bench/fast_server.py --port 8000
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

# The canned answer is the test stall server's, so both make the same tokens.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from stall_server import answer as canned_answer

# Distinct login bodies answered from memory at most (a benchmark has a few dozen accounts).
KEPT_ANSWERS = 10_000


def _answer(body: bytes) -> bytes:
    """A 200 for a login body, its tokens naming the body's email (the stall server's)."""
    answer = canned_answer(body)
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(answer)}\r\n\r\n".encode()
        + answer
    )


_answers: dict[bytes, bytes] = {}


def answer_for(body: bytes) -> bytes:
    found = _answers.get(body)
    if found is None:
        found = _answer(body)
        if len(_answers) < KEPT_ANSWERS:
            _answers[body] = found
    return found


PROBE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length) if length else b""
            writer.write(answer_for(body) if head.startswith(b"POST") else PROBE)
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def _main(port: int) -> None:
    server = await asyncio.start_server(_serve, "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(_main(parser.parse_args().port))
