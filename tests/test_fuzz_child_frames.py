"""The Schemathesis child gives its threads' frames room, so a swinging call depth maps nothing.

CPython frees a thread's 16 KiB frame chunk as soon as the frame at its base returns; each
swing of the call depth across a chunk's edge then maps and unmaps memory, and each fresh
mapping costs page faults. The probe below swings across every depth up to a few chunks and
counts its thread's minor faults, once plainly and once after the child's
``_frames_with_room()``, each in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = r"""
import json, resource, sys, threading
if sys.argv[1] == "room":
    from conformance.fuzz import child
    child._frames_with_room()

def leaf(a=0, b=0, c=0, d=0):
    return a

def dive(depth):
    if depth:
        return dive(depth - 1)
    for _ in range(60):  # the swing: a frame pushed and popped at this depth
        leaf()

out = {}
def work():
    dive(1)  # warm up
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    for depth in range(600):  # well past several 16 KiB chunks of these small frames
        dive(depth)
    out["faults"] = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before

thread = threading.Thread(target=work)
thread.start()
thread.join()
print(json.dumps(out))
"""


def _faults(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, timeout=60, check=True
    )
    return int(json.loads(done.stdout)["faults"])


def test_a_swinging_depth_faults_no_pages_in_the_childs_threads() -> None:
    """No timing: page faults are counted, and the plain run is the calibration, so the
    margin holds on any machine; where this Python does not thrash, there is nothing to fix."""
    plain = _faults("plain")
    if plain < 2000:
        pytest.skip(f"this Python maps no chunk per swing ({plain} faults): nothing to show")
    roomy = _faults("room")
    assert roomy * 20 < plain, (plain, roomy)
