"""Schemathesis against one system: property-based requests from its spec, one verdict per check.

How it runs. The Schemathesis command line (``python -m schemathesis.cli run``) runs in a
child process with a ``schemathesis.toml`` written for the run and an NDJSON event report,
which :mod:`conformance.fuzz.report` folds into one result per check. The command line,
not the Python API, because it is the one entry point that runs all four phases
(examples, coverage, fuzzing, stateful) the way Schemathesis users know them, records
every check applied to every response rather than stopping at the first failure, and
keeps its global state (registered checks and hooks, Hypothesis settings, ``.hypothesis/``)
out of our process. A child can also be killed when it overruns, so a hanging target
cannot hang the suite. Cost: about half a second of start-up.

Results: ``schemathesis.<check>`` (group ``schemathesis``) for every check that ran,
passed or failed with each distinct failure and the request that showed it; checks a
profile switches off are skipped with its reason; ``schemathesis.phase.<phase>`` is
skipped with a reason for a phase that did not run; ``schemathesis.run`` appears only
when the run itself went wrong (failed when the target stopped answering, error
otherwise).

Bounds: ``max_examples`` cases per operation per generating phase, ``stateful_max_steps``
per stateful scenario, a per-request timeout, no retries or shrinking, and a wall-clock
limit on the whole child process. With a ``seed`` the run is repeatable (one worker).

Keys read from ``profile.schemathesis`` (all optional):

``positive_data_acceptance``, ``negative_data_rejection``, ``not_a_server_error``,
``missing_required_header``
    ``{"expected_statuses": [200, "4xx", ...]}``: the statuses the documents allow for that
    check, for every operation.
``operations``
    ``{operationId: {"positive_data_acceptance": {"expected_statuses": [...]}, ...}}``:
    the same, for one operation.
``disabled_checks``
    ``{check_name: reason}``: checks not run; each is reported skipped with its reason.
``disabled_phases``
    ``{"examples"|"coverage"|"fuzzing"|"stateful": reason}``: phases not run, reported likewise.
``stateful_disabled_checks``
    ``{check_name: reason}``: checks not applied in the stateful phase only (they still run
    in the others), e.g. one a link-filled credential misleads.
``user_body_fields``
    ``{operationId: {body_field: user_field}}``: read only by :mod:`conformance.openapi.st_config`:
    in the configuration shipped for plain ``st run`` these body fields come from the first
    user of the system's credentials, through environment variables.
``unexpected_methods``
    Methods the coverage phase sends to each path expecting 405 (Schemathesis's default
    set when absent; ``[]`` sends none).
``headers``
    ``{name: value}`` sent with every request.
``credential_headers``
    ``{header: field}``: a header whose value is ``field`` of the system's credentials
    section (e.g. Duktig ``{"X-Auth-Key": "authKey"}``); masked in evidence.
``request_timeout``
    Seconds per request (default 5).
``stateful_max_steps``
    Longest stateful chain (default 6).
``levels``
    ``{check_name: "contract"|"advisory"}``: a check's verdict level, where it is not the
    default of :mod:`conformance.fuzz.config`.
``token_login``
    ``{"operation": "login", "body": <callable>, "tokens": {operationId: JSON pointer},
    "max_logins": N}``: a login the child repeats so the operations in ``tokens`` get a real
    token in every phase (see :mod:`conformance.fuzz.tokens`).
``auth_refusals``
    ``[400, 401, 422]``: the statuses the documents give for a missing or invalid
    credential; with them, Schemathesis's ``ignored_auth`` (401/403 only) is replaced by
    the run's own (:mod:`conformance.fuzz.hooks`), reported under the same name.
``documents``
    ``["seeds 000-002", "FIB docs", ...]``: the documents a check judged on the spec's
    contract view cites (``conformance.fuzz.config.DEFAULT_SOURCES``).
``sources``
    ``{check_name: source}``: what a check enforces, where it is not the default (written as
    :mod:`conformance.sources` reads it).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import psutil

from conformance.engine.limits import DEFAULT_MAX_RESPONSE_BYTES
from conformance.fuzz import child as fuzz_child
from conformance.fuzz.applicability import not_applicable
from conformance.fuzz.bounds import CHILD_MEMORY_BYTES, out_of_memory_result, too_large_result
from conformance.fuzz.config import build_plan, to_toml
from conformance.fuzz.report import FuzzRun, read_events, run_result
from conformance.fuzz.tokens import AUTH_FILE, HOOKS, count_logins, token_login
from conformance.model import CheckResult, Level, Outcome, Stopped
from conformance.openapi.files import load_spec
from conformance.openapi.view import Addition, additions, contract_view

__all__ = ["past_memory_limit", "phase_note", "run_schemathesis"]

# Whole-run ceiling; a run that needs longer is stuck, not thorough.
DEFAULT_RUN_TIMEOUT = 300.0
POLL_INTERVAL = 0.2
# Answers that mean "no such resource here": an addition answered so is not served.
NOT_SERVED = frozenset({404, 410})
# Enough of the child's output to explain how it ended, however much it wrote.
OUTPUT_TAIL_BYTES = 64 * 1024


def run_schemathesis(
    profile: Any,
    base_url: str,
    *,
    max_examples: int,
    seed: int | None,
    progress: Callable[[str], None] | None = None,
    credentials: Mapping[str, Any] | None = None,
    run_timeout: float = DEFAULT_RUN_TIMEOUT,
    reproduce: str | None = None,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    memory_bytes: int = CHILD_MEMORY_BYTES,
) -> list[CheckResult]:
    """Run Schemathesis on ``profile``'s spec against ``base_url`` and return its verdicts.

    ``credentials`` is the system's section of the credentials file, used only for
    ``credential_headers``. ``run_timeout`` is the child's wall-clock limit (the caller
    passes what is left of the run's budget); ``reproduce``, the ``authconform check``
    command line that repeats the run, is shown with ``--seed`` under failures.
    Every answer the child reads is cut at ``max_response_bytes`` (each cut fails the
    target, see :mod:`conformance.fuzz.child`), and the child's address space is limited to
    ``memory_bytes``. Raises UsageError for bad profile settings.
    """
    say = progress or (lambda _message: None)
    plan = build_plan(
        profile.schemathesis or {},
        max_examples=max_examples,
        seed=seed,
        credentials=credentials,
    )
    spec = load_spec(profile.name)  # a missing or unreadable spec is a UsageError, said plainly
    started = time.monotonic()
    unserved = _unserved_additions(spec, base_url, plan.config)
    contract = contract_view(spec, leave_out=[(a.method, a.path) for a in unserved])
    run = FuzzRun()
    with tempfile.TemporaryDirectory(prefix="authconform-fuzz-") as workdir:
        work = Path(workdir)
        config_file = work / "schemathesis.toml"
        config_file.write_text(to_toml(plan.config), encoding="utf-8")
        # The run judges the documented contract: the spec without the project's advisory
        # choices, and without project additions the target does not serve.
        spec_file = work / f"{profile.name}.contract.json"
        spec_file.write_text(json.dumps(contract), encoding="utf-8")
        events_file = work / "events.ndjson"
        command = [
            sys.executable,
            "-m",
            "conformance.fuzz.child",
            "--config-file",
            str(config_file),
            "--no-color",
            "run",
            str(spec_file),
            "--url",
            base_url.rstrip("/"),
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(events_file),
        ]
        log_file = work / "output.txt"
        breach_file = work / "breaches.ndjson"
        tally_file = work / "logins.txt"
        login = token_login(
            profile.schemathesis or {},
            credentials=credentials,
            spec=spec,
            base_url=base_url,
            headers=plan.config.get("headers") or {},
            timeout=float(plan.config["request-timeout"]),
            refusals=plan.auth_refusals,
            tally_file=tally_file,
        )
        auth_file = None
        if login is not None:
            auth_file = work / "token-login.json"
            login.write(auth_file)
        mask = (*plan.secrets, *(login.secrets if login else ()))
        with open(log_file, "w", encoding="utf-8") as log:
            child = subprocess.Popen(
                command,
                cwd=work,  # stray config files stay in the temp dir (Hypothesis: hypothesis_cache)
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_child_env(max_response_bytes, memory_bytes, breach_file, auth_file),
            )
            say(f"schemathesis: {profile.name}: started (max {max_examples} examples/operation)")
            timed_out, peak = _follow(child, events_file, run, say, profile.name, run_timeout)
        output = _tail(log_file)
        breaches = _read_breaches(breach_file)
        logins, refused = count_logins(tally_file)
    if logins or refused:
        say(f"schemathesis: {profile.name}: {logins} logins for real tokens ({refused} refused)")
    duration = time.monotonic() - started
    results = run.results(
        profile.name,
        disabled_checks=plan.disabled_checks,
        disabled_phases=plan.disabled_phases,
        duration=duration,
        mask=mask,
        levels=plan.levels,
        sources=plan.sources,
        not_applicable=not_applicable(contract, plan.config),
        command=reproduce,
        spec=spec,
    )
    for result in results:
        if result.outcome in (Outcome.FAILED, Outcome.WARNED) and result.name != "schemathesis.run":
            result.details = f"{_judged_against(profile.name, result.level)}\n\n{result.details}"
    results[:0] = [
        _left_out(profile.name, addition, status) for addition, status in unserved.items()
    ]
    if breaches:
        results.append(too_large_result(profile.name, breaches, max_response_bytes))
    what, stopped = None, None
    if past_memory_limit(child.returncode, output, timed_out, peak, memory_bytes):
        # The last guard tripped: what the target sent made the child grow past its limit.
        results = [r for r in results if r.name != "schemathesis.run"]
        results.append(out_of_memory_result(profile.name, memory_bytes, output))
    elif timed_out:
        what, stopped = f"did not finish within {run_timeout:.0f} s", Stopped.TIMED_OUT
    elif not run.checks_seen and not run.fatal and child.returncode not in (0, 1):
        what = f"exited with code {child.returncode}"
    if what:
        # This says more than the event stream's own "stopped early", so it replaces it.
        results = [r for r in results if r.name != "schemathesis.run"]
        results.append(_run_error(profile.name, what, output, stopped))
    say(f"schemathesis: {profile.name}: done in {duration:.1f} s")
    return results


# A killed child that had used this share of its address-space limit was stuck at it.
NEAR_MEMORY_LIMIT = 0.9
# What a child past its address-space limit prints, depending on where the allocation failed
# (the last: Rust's allocator, in a compiled dependency, before it aborts the process).
_OUT_OF_MEMORY = (
    "MemoryError",
    "can't start new thread",
    "Cannot allocate memory",
    "memory allocation of ",
)


def past_memory_limit(
    returncode: int | None, output: str, timed_out: bool, peak: int, memory_bytes: int
) -> bool:
    """Did the child end at its address-space limit? Schemathesis reports its own errors, so
    the exit code alone cannot say; a child killed for time while at the limit says nothing."""
    said_so = returncode != 0 and any(sign in output for sign in _OUT_OF_MEMORY)
    return said_so or (timed_out and peak >= NEAR_MEMORY_LIMIT * memory_bytes)


def _follow(
    child: subprocess.Popen[bytes],
    events_file: Path,
    run: FuzzRun,
    say: Callable[[str], None],
    system: str,
    limit: float,
) -> tuple[bool, int]:
    """Feed events to ``run`` as the child writes them.

    Returns whether it had to be killed, and the largest address space it was seen to use
    (a child stuck at its memory limit may hang instead of raising MemoryError).
    """
    deadline = time.monotonic() + limit
    offset = 0
    pending = ""
    timed_out = False
    peak = 0
    while True:
        finished = child.poll() is not None
        if not finished:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, psutil.Process(child.pid).memory_info().vms)
        if events_file.exists():
            with open(events_file, encoding="utf-8", errors="replace") as stream:
                stream.seek(offset)
                chunk = stream.read()
                offset = stream.tell()
            pending += chunk
            complete, _, pending = pending.rpartition("\n")
            for name, payload in read_events(complete.splitlines()):
                run.add(name, payload)
                if name == "PhaseFinished":
                    phase = payload.get("phase") or {}
                    if phase.get("name") in ("examples", "coverage", "fuzzing", "stateful"):
                        say(phase_note(system, phase["name"], payload.get("status")))
        if finished:
            if pending.strip():
                for name, payload in read_events([pending]):
                    run.add(name, payload)
            return timed_out, peak
        if time.monotonic() > deadline:
            child.kill()
            child.wait(timeout=10)
            timed_out = True
            continue
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=POLL_INTERVAL)


# A phase's own status is no verdict: "failure" means some check did not hold, an advisory
# one included; each check's verdict comes later, at its level.
_PHASE_ENDS = {
    "success": "done",
    "failure": "done",
    "skip": "skipped",
    "error": "stopped on an error",
}


def phase_note(system: str, phase: str, status: str | None) -> str:
    """The progress line for a finished phase, in the suite's words, not Schemathesis's."""
    return f"schemathesis: {system}: {phase} phase {_PHASE_ENDS.get(str(status), str(status))}"


def _unserved_additions(
    spec: dict[str, Any], base_url: str, config: Mapping[str, Any]
) -> dict[Addition, int]:
    """Project additions (e.g. the JWKS) the target answers 404 for, with that status.

    Only parameterless GETs can be probed; anything else, or a probe that gets no answer,
    stays in the run, so the run itself reports what went wrong.
    """
    unserved: dict[Addition, int] = {}
    headers = {str(k): str(v) for k, v in (config.get("headers") or {}).items()}
    timeout = float(config.get("request-timeout", 5.0))
    for addition in additions(spec):
        if addition.method != "get" or "{" in addition.path:
            continue
        try:
            # Only the status is read: a hostile target's body never reaches memory.
            with httpx.stream(
                "GET",
                base_url.rstrip("/") + addition.path,
                headers=headers,
                timeout=timeout,
                follow_redirects=False,
            ) as response:
                status = response.status_code
        except httpx.HTTPError:
            continue
        if status in NOT_SERVED:
            unserved[addition] = status
    return unserved


def _judged_against(system: str, level: Level) -> str:
    """The document a Schemathesis verdict enforces, for its failure message."""
    if level is Level.ADVISORY:
        return "judged against: HTTP practice or this project's choice (advisory, not a document)"
    return (
        f"judged against: the documented contract, spec/{system}.openapi.yaml without its "
        "x-authconform-advisory choices (see docs/sources-disagree.md for each reading)"
    )


def _left_out(system: str, addition: Addition, status: int) -> CheckResult:
    name = addition.operation_id or f"{addition.method.upper()} {addition.path}"
    return CheckResult(
        system=system,
        name=f"schemathesis.operation.{name}",
        group="schemathesis",
        summary=f"{addition.method.upper()} {addition.path} (a project addition) matches the spec.",
        outcome=Outcome.NOT_APPLICABLE,
        message=(
            f"{addition.method.upper()} {addition.path} answered {status}: a project addition "
            "no document asks for, which this target does not serve; left out of the run"
        ),
        duration=None,
    )


def hypothesis_cache() -> Path | None:
    """Where children keep Hypothesis's derived tables between runs, or None to keep none.

    Without it each child's ``.hypothesis/`` is its temporary directory, so every child
    rebuilt the Unicode tables (a loop over every code point per codec, about a CPU second)
    and re-parsed local sources for constants. Both files are named by what they were built
    from (Unicode version, source hash) and written atomically, and the example database is
    off (``database = "none"``), so sharing them changes no generated value.
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "authconform" / "hypothesis"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


def _child_env(
    max_bytes: int, memory_bytes: int, breach_file: Path, auth_file: Path | None = None
) -> dict[str, str]:
    """The environment minus anything that would load user hooks or config into the run,
    plus the child's bounds and, when the run logs in for tokens, our own hooks."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS_")}
    if auth_file is not None:
        env["SCHEMATHESIS_HOOKS"] = HOOKS
        env[AUTH_FILE] = str(auth_file)
    env["NO_COLOR"] = "1"
    if "HYPOTHESIS_STORAGE_DIRECTORY" not in env and (cache := hypothesis_cache()) is not None:
        env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(cache)
    env[fuzz_child.MAX_BYTES] = str(max_bytes)
    env[fuzz_child.MEMORY_BYTES] = str(memory_bytes)
    env[fuzz_child.BREACH_FILE] = str(breach_file)
    return env


def _tail(log_file: Path) -> str:
    """The end of the child's output (it may be long when the target is hostile)."""
    with open(log_file, "rb") as log:
        log.seek(max(0, log_file.stat().st_size - OUTPUT_TAIL_BYTES))
        return log.read().decode("utf-8", "replace")


def _read_breaches(breach_file: Path) -> list[dict[str, Any]]:
    if not breach_file.exists():
        return []
    lines = breach_file.read_text(encoding="utf-8", errors="replace").splitlines()
    return [json.loads(line) for line in lines[: fuzz_child.MAX_BREACHES] if line.strip()]


def _run_error(system: str, what: str, output: str, stopped: Stopped | None) -> CheckResult:
    tail = "\n".join(output.strip().splitlines()[-30:])
    return run_result(
        system, Outcome.ERROR, message=f"Schemathesis {what}", details=tail, stopped=stopped
    )
