"""The bounds of a run, defined once: the CLI, the Python API and the pytest plugin read them.

A target nobody vouches for decides how long answers take and how big they are; these
are what the checker grants it before the answer counts against it.
"""

from __future__ import annotations

__all__ = [
    "CHILD_MEMORY_BYTES",
    "DEFAULT_MAX_EXAMPLES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_RUN_SECONDS",
    "DEFAULT_TIMEOUT_SECONDS",
    "MAX_THROTTLING_TRIES",
]

# Per-request: long enough for a slow target, short enough that a hang is a finding.
DEFAULT_TIMEOUT_SECONDS = 10.0
# A login or error answer is a few hundred bytes; a megabyte is already absurd.
DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024
# Long enough for every system's checks and fuzzing on a slow target; a run past it is stuck.
DEFAULT_RUN_SECONDS = 300.0
# Schemathesis examples per operation and phase.
DEFAULT_MAX_EXAMPLES = 20
# Address space (not resident memory) of the Schemathesis child: Python, Hypothesis and the
# thread stacks reserve far more than they touch, so this sits well above the resident
# bound; it is the last guard, the byte cap is the first.
CHILD_MEMORY_BYTES = 1024**3
# --probe-throttling: the most wrong passwords one account may be sent. Past the usual limits
# (OWASP ASVS 4's 100 failures an hour, the reference server's 100 in ten minutes), and
# still a bounded handful of seconds.
MAX_THROTTLING_TRIES = 200
