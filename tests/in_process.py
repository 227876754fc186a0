"""The `authconform` command line called in the test's own process, output captured.

A child interpreter costs a second or more of imports per call and adds nothing when a
test judges only what the command prints and returns. ``subprocesses.authconform`` keeps
the real process for tests where the process is what is tested (entry points, imports,
signals, serving).
"""

from __future__ import annotations

import io
import subprocess
from contextlib import redirect_stderr, redirect_stdout

from conformance.cli import main

__all__ = ["authconform"]


def authconform(*args: str) -> subprocess.CompletedProcess[str]:
    """``authconform ARGS`` as ``main(ARGS)``: the exit code and output a child would give."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: --help, --version and usage errors
            code = _exit_status(exc.code, err)
    return subprocess.CompletedProcess(["authconform", *args], code, out.getvalue(), err.getvalue())


def _exit_status(code: object, err: io.StringIO) -> int:
    """What the interpreter would exit with for ``sys.exit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=err)
    return 1
