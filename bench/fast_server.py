"""A login server faster than any one load generator: one canned FIB answer, no checks.

Only for ``bench/capacity.py``: against it, ``authconform load --find-capacity`` must say that
the generator is the limit instead of printing a capacity. asyncio on one core, keep-alive.

    python bench/fast_server.py --port 8000
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json


def _segment(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


_JWT = f"{_segment({'alg': 'EdDSA', 'typ': 'JWT'})}.{_segment({'sub': 'bench'})}.c2ln"
_BODY = json.dumps(
    {
        "status": {"code": 200, "name": "OK"},
        "data": {"accessToken": _JWT, "refreshToken": _JWT, "expirationTime": 300},
    }
).encode()
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    + f"Content-Length: {len(_BODY)}\r\n\r\n".encode()
    + _BODY
)
PROBE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            writer.write(ANSWER if head.startswith(b"POST") else PROBE)
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
