"""Run `authconform check` as a user would and read back everything it wrote, byte for byte.

``checked`` runs the CLI in a child with its own stdout and stderr, samples the resident
memory of the child's whole process tree (the Schemathesis grandchild included) while it
runs, and returns the outputs and the reports. ``assert_publishable`` is the bar every
output must meet before a CI job may upload it.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import psutil

REPORTS = ("junit.xml", "report.md", "report.json", "report.html")
# The bar of the issue: the checker and everything it starts, together.
TREE_RSS_LIMIT = 400 * 1024**2
SAMPLE_EVERY = 0.05
RUN_LIMIT = 240.0
# Raw C0 (minus \t and \n), DEL and the UTF-8 encodings of C1: terminal control on screen.
RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")
JWT_SHAPED = re.compile(rb"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.")


@dataclass
class Checked:
    code: int
    stdout: bytes
    stderr: bytes
    reports: dict[str, bytes]
    peak_tree_rss: int
    seconds: float
    outputs: dict[str, bytes] = field(default_factory=dict)


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue  # it ended between the listing and the reading
    return total


def checked(url: str, *args: str, cwd: Path) -> Checked:
    """``authconform check URL ARGS --report cwd/report``, sampled until it ends."""
    report = cwd / "report"
    out, err = cwd / "stdout.bin", cwd / "stderr.bin"
    started = time.monotonic()
    peak = 0
    with out.open("wb") as stdout, err.open("wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-m", "conformance", "check", url, *args, "--report", str(report)],
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
        )
        process = psutil.Process(child.pid)
        while child.poll() is None:
            if time.monotonic() - started > RUN_LIMIT:
                child.kill()
                child.wait()
                raise AssertionError(f"the checker was still running after {RUN_LIMIT:g} s")
            with contextlib.suppress(psutil.Error):
                peak = max(peak, _tree_rss(process))
            time.sleep(SAMPLE_EVERY)
    reports = {name: (report / name).read_bytes() for name in REPORTS if (report / name).exists()}
    result = Checked(
        code=child.returncode,
        stdout=out.read_bytes(),
        stderr=err.read_bytes(),
        reports=reports,
        peak_tree_rss=peak,
        seconds=time.monotonic() - started,
    )
    result.outputs = {"stdout": result.stdout, "stderr": result.stderr, **reports}
    return result


def assert_publishable(run: Checked, *, codes: tuple[int, ...], secrets: list[str]) -> None:
    """Exit 1 or 2, four well-formed reports, no secret, no control byte, no traceback."""
    said = (run.stdout + run.stderr).decode("utf-8", "replace")
    assert run.code in codes, said[-3000:]
    if run.code == 2:
        errors = [line for line in run.stderr.decode().splitlines() if line.startswith("error:")]
        assert len(errors) == 1, run.stderr.decode()[-2000:]
    assert sorted(run.reports) == sorted(REPORTS), said[-3000:]
    ET.fromstring(run.reports["junit.xml"])  # raises on anything not well-formed XML
    assert run.reports["report.html"].rstrip().endswith(b"</html>")
    for where, data in run.outputs.items():
        assert b"Traceback" not in data, f"a traceback in {where}"
        found = RAW_CONTROL.findall(data)
        assert not found, f"{len(found)} raw control bytes in {where}: {found[:5]}"
        assert not JWT_SHAPED.search(data), f"a token in clear in {where}"
        lowered = data.lower()
        for secret in secrets:
            assert secret.lower().encode() not in lowered, f"{secret[:6]}… in clear in {where}"
    assert run.peak_tree_rss < TREE_RSS_LIMIT, f"peak tree RSS {run.peak_tree_rss >> 20} MiB"
