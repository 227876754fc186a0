"""The Schemathesis child process, bounded: ``python -m conformance.fuzz.child <st args>``.

Schemathesis reads whole answers into memory, so a target answering generated requests
with hundreds of megabytes would take the checker's memory with it. Here, before the
Schemathesis command line starts, every answer it reads is cut at the byte cap (the
connection is dropped past it) and each cut is written to a breach file the parent turns
into a failure of the target; past the cap only the answer's start is kept, and the
bodies kept over the whole run are bounded in total. An operating-system limit on the
child's address space is the last guard, should anything else grow without bound.

Settings come from the environment the parent sets (names below); without them the
child runs Schemathesis unbounded, as ``python -m schemathesis.cli`` would, except that
TRACE, GET, HEAD and DELETE requests always go without content (RFC 9110 §9.3).
"""

from __future__ import annotations

import functools
import json
import os
import resource
import runpy
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

from conformance.model import NO_CONTENT_METHODS

__all__ = ["BREACH_FILE", "MAX_BREACHES", "MAX_BYTES", "MEMORY_BYTES", "main"]

MAX_BYTES = "AUTHCONFORM_MAX_RESPONSE_BYTES"
BREACH_FILE = "AUTHCONFORM_BREACH_FILE"
MEMORY_BYTES = "AUTHCONFORM_MEMORY_BYTES"
# The first few cuts are evidence enough; the file stays small whatever the target does.
MAX_BREACHES = 20
_CHUNK = 64 * 1024
# The start of an answer cut at the cap: enough to see what it was.
EVIDENCE_BYTES = 2000
# Bodies Schemathesis may hold over a whole run; past this, each keeps only its start.
KEPT_BYTES = 32 * 1024**2


def _limit_memory(limit: int) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _cap_bodies(max_bytes: int, breach_file: str | None) -> None:
    import requests

    original = requests.Session.send
    breaches = 0
    kept = 0

    def capped(self: requests.Session, request: Any, **kwargs: Any) -> Any:
        nonlocal breaches, kept
        kwargs["stream"] = True
        response = original(self, request, **kwargs)
        body = bytearray()
        for chunk in response.iter_content(_CHUNK):
            body += chunk
            if len(body) > max_bytes:
                break
        too_large = len(body) > max_bytes
        if too_large:
            # Close the socket itself: handing the connection back to the pool would have
            # urllib3 drain (read) the rest of the answer into memory first.
            response.raw.close()
        # Schemathesis keeps answers for its report: what it keeps is bounded in all, too.
        # An answer past the cap, or past the run's total, keeps only its start.
        room = max_bytes if not too_large and kept + len(body) <= KEPT_BYTES else EVIDENCE_BYTES
        response._content = bytes(body[:room])
        kept += len(response._content)
        response._content_consumed = True
        response.close()
        if too_large and breach_file and breaches < MAX_BREACHES:
            breaches += 1
            record = {"method": request.method, "url": request.url, "status": response.status_code}
            with open(breach_file, "a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")
        return response

    # `send`, not `request`: Schemathesis's start-up probes call it directly.
    requests.Session.send = capped  # type: ignore[method-assign]


def _send_no_content() -> None:
    """No content on TRACE, GET, HEAD or DELETE (RFC 9110 §9.3.8 for TRACE: a client MUST
    NOT send any): the coverage phase sends its undeclared-method probes with the
    operation's body. The request is changed before it leaves, so the record shows it sent.
    """
    import requests

    original = requests.Session.send

    def without_content(self: requests.Session, request: Any, **kwargs: Any) -> Any:
        if str(request.method).upper() in NO_CONTENT_METHODS and request.body is not None:
            request.body = None
            for name in ("Content-Length", "Content-Type", "Transfer-Encoding"):
                request.headers.pop(name, None)
        return original(self, request, **kwargs)

    requests.Session.send = without_content  # type: ignore[method-assign]


# CPython keeps a thread's frames in 16 KiB chunks and frees a chunk as soon as the frame at
# its base returns, so a call depth that swings across a chunk's edge maps and unmaps memory
# on every swing: Hypothesis drawing FIB's schemas did it about 110,000 times a run, a fifth
# of the child's CPU, most of it in the kernel. A first frame this many slots deep gets a
# chunk twice its size (about 2 MiB, touched only as used), and every frame under it fits
# in the spare half, away from any edge.
_ROOM_SLOTS = (1 << 17) + 64


def _call(function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)


def _deep_call() -> Callable[..., Any]:
    """``_call`` with a frame ``_ROOM_SLOTS`` deeper (the same call where a Python refuses
    such a code object; 3.11 to 3.13 take it: tests/test_fuzz_child_frames.py)."""
    try:
        code = _call.__code__.replace(co_stacksize=_call.__code__.co_stacksize + _ROOM_SLOTS)
        return types.FunctionType(code, globals())
    except (TypeError, ValueError):
        return _call


_in_room = _deep_call()


def _frames_with_room() -> None:
    """Every thread of the child (Schemathesis runs its phases in threads) starts its work
    under the deep first frame."""
    run = threading.Thread.run

    def roomy_run(self: threading.Thread) -> None:
        _in_room(run, self)

    threading.Thread.run = roomy_run  # type: ignore[method-assign]


def main() -> None:
    _frames_with_room()
    memory = os.environ.get(MEMORY_BYTES)
    if memory:
        _limit_memory(int(memory))
    _send_no_content()
    max_bytes = os.environ.get(MAX_BYTES)
    if max_bytes:
        _cap_bodies(int(max_bytes), os.environ.get(BREACH_FILE))
    sys.argv = ["schemathesis", *sys.argv[1:]]
    _in_room(
        functools.partial(runpy.run_module, "schemathesis.cli", run_name="__main__", alter_sys=True)
    )


if __name__ == "__main__":
    main()
