"""Reads a Schemathesis NDJSON event stream back into one verdict per check.

Schemathesis records, for every generated request, each check it applied and whether
it held. This module folds those records into one :class:`CheckResult` per check:
passed when it held every time, failed with the distinct failures and the requests
that showed them. Phases that did not run and errors of the run itself get their own
results, so nothing that went untested looks like a pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from conformance.fuzz import evidence as shown
from conformance.fuzz.config import CHECK_ALIASES
from conformance.fuzz.identity import CONTRACT_FINDINGS, answer_hint, finding_observed
from conformance.model import (
    CheckResult,
    Level,
    Outcome,
    Stopped,
    outcome_for,
    unimplemented_method,
)

__all__ = ["CHECK_SUMMARIES", "RUN_SUMMARY", "FuzzRun", "fold_events", "read_events", "run_result"]

GROUP = "schemathesis"

CHECK_SUMMARIES = {
    "not_a_server_error": "No generated request makes the server answer 5xx.",
    "status_code_conformance": "Every status code returned is documented for its operation.",
    "content_type_conformance": "Every response has a documented Content-Type.",
    "response_headers_conformance": "Documented required response headers are present and valid.",
    "response_schema_conformance": "Every response body matches its documented schema.",
    "negative_data_rejection": "Requests that break the schema are refused with a 4xx.",
    "positive_data_acceptance": "Schema-valid requests get a status the documents allow.",
    "missing_required_header": "A request without a required header is refused.",
    "unsupported_method": "An undeclared method on a known path gets 405.",
    "allow_header_conformance": "A 405 answer lists the allowed methods in Allow.",
    "use_after_free": "A deleted resource stays gone.",
    "ensure_resource_availability": "A created resource can be fetched.",
    "ignored_auth": "Declared authentication is enforced.",
    "object_level_authorization": "One user cannot reach another user's objects.",
}
RUN_SUMMARY = "Schemathesis could send every request and read every answer."
PHASE_SUMMARIES = {
    "examples": "Schemathesis sends the examples written in the spec.",
    "coverage": "Schemathesis sends boundary and edge-case requests derived from the spec.",
    "fuzzing": "Schemathesis sends randomly generated valid and invalid requests.",
    "stateful": "Schemathesis follows the spec's links (login -> refresh -> logout).",
}
# Checks a 501 for an undeclared method satisfies: the server says it lacks the method
# (RFC 9110 §15.6.2), which is neither a server failure nor a wrong answer to the probe.
METHOD_PROBE_CHECKS = frozenset({"not_a_server_error", "unsupported_method"})
METHOD_PROBE = "unspecified_http_method"  # the coverage scenario that sends undeclared methods
# Errors of the run that mean the target did not answer, which is its fault, not ours.
TARGET_ERROR_MARKERS = ("timeout", "timed out", "connection", "remotedisconnected", "reset by peer")


def read_events(lines: Iterable[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event name, payload) per complete NDJSON line; a torn last line is left for later."""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(event, dict) and len(event) == 1:
            ((name, payload),) = event.items()
            if isinstance(payload, dict):
                yield name, payload


@dataclass
class _Failure:
    operation: str
    title: str
    message: str
    phase: str
    evidence: str
    count: int = 1
    sent: str | None = None  # "TRACE /path": the request sent, when it is not the operation's
    status: int | None = None  # the answer's status, when there was one

    @property
    def where(self) -> str:
        return f"{self.sent} (operation {self.operation})" if self.sent else self.operation

    def observed(self, check: str, spec: dict[str, Any]) -> str:
        """What this failure observed, in the protocol checks' words (its fault's identity)."""
        return finding_observed(
            check,
            self.operation,
            sent=self.sent,
            title=self.title,
            message=self.message,
            status=self.status,
            spec=spec,
        )


@dataclass
class FuzzRun:
    """What one Schemathesis run showed, accumulated event by event."""

    seed: int | None = None
    checks_seen: dict[str, int] = field(default_factory=dict)  # check -> times applied
    failures: dict[str, dict[tuple[str, str, str], _Failure]] = field(default_factory=dict)
    phases: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # name -> status, why
    skip_reasons: dict[str, set[str]] = field(default_factory=dict)  # phase -> scenario reasons
    errors: list[str] = field(default_factory=list)
    fatal: list[str] = field(default_factory=list)
    finished: bool = False

    def add(self, name: str, payload: dict[str, Any]) -> None:
        if name == "Initialize":
            self.seed = payload.get("seed")
        elif name == "ScenarioFinished":
            self._add_scenario(payload)
        elif name == "PhaseFinished":
            phase = payload.get("phase") or {}
            self.phases[phase.get("name", "?")] = (
                payload.get("status", "?"),
                payload.get("skip_reason") or phase.get("skip_reason"),
            )
        elif name == "NonFatalError":
            self.errors.append(_error_text(payload))
        elif name == "FatalError":
            self.fatal.append(_error_text(payload))
        elif name == "EngineFinished":
            self.finished = True

    def _add_scenario(self, payload: dict[str, Any]) -> None:
        phase = payload.get("phase", "?")
        if payload.get("status") == "skip" and payload.get("skip_reason"):
            self.skip_reasons.setdefault(phase, set()).add(payload["skip_reason"])
        recorder = payload.get("recorder") or {}
        for case_id, checks in (recorder.get("checks") or {}).items():
            for entry in checks:
                check = CHECK_ALIASES.get(entry.get("name", "?"), entry.get("name", "?"))
                self.checks_seen[check] = self.checks_seen.get(check, 0) + 1
                if entry.get("status") != "failure":
                    continue
                if check in METHOD_PROBE_CHECKS and _not_implemented(
                    (recorder.get("cases") or {}).get(case_id),
                    (recorder.get("interactions") or {}).get(case_id),
                ):
                    continue  # held: 501 is the answer RFC 9110 gives for this probe
                info = (entry.get("failure_info") or {}).get("failure") or {}
                self._add_failure(check, case_id, info, phase, recorder)

    def _add_failure(
        self, check: str, case_id: str, info: dict[str, Any], phase: str, recorder: dict[str, Any]
    ) -> None:
        cases = recorder.get("cases") or {}
        interactions = recorder.get("interactions") or {}
        operation = info.get("operation") or recorder.get("label", "?")
        sent = shown.sent(case_id, cases, interactions)
        sent = sent if sent and sent != operation else None  # e.g. TRACE to a POST path
        title = info.get("title") or check
        message = (info.get("message") or "").strip()
        key = (f"{sent} (operation {operation})" if sent else operation, title, message)
        seen = self.failures.setdefault(check, {})
        if key in seen:
            seen[key].count += 1
            return
        response = (interactions.get(case_id) or {}).get("response") or {}
        status = response.get("status_code")
        if check == "positive_data_acceptance":
            body = shown.body_text(response.get("content")) if "content" in response else ""
            message = answer_hint(message, status, body)
        seen[key] = _Failure(
            operation=operation,
            title=title,
            message=message,
            phase=phase,
            evidence=shown.evidence(case_id, cases, interactions),
            sent=sent,
            status=status if isinstance(status, int) else None,
        )

    def _reproduce(self, command: str | None) -> str | None:
        """The full command that repeats this run, when both it and the seed are known."""
        if command is None or self.seed is None:
            return None
        return f"Reproduce the run: {command} --seed {self.seed}"

    def results(
        self,
        system: str,
        *,
        disabled_checks: dict[str, str],
        disabled_phases: dict[str, str],
        duration: float,
        mask: tuple[str, ...] = (),
        levels: dict[str, str] | None = None,
        sources: dict[str, str] | None = None,
        not_applicable: dict[str, str] | None = None,
        command: str | None = None,
        spec: dict[str, Any] | None = None,
    ) -> list[CheckResult]:
        """One result per check that ran or was switched off (a failing one: per fault it
        observed, named by ``spec``'s operations and schemas), then phases and run errors.

        Schemathesis applies its checks together to each response, so a check has no time
        of its own: the run's time is given once, on ``schemathesis.run``.
        """
        levels = levels or {}
        sources = sources or {}
        idle = {k: v for k, v in (not_applicable or {}).items() if k not in disabled_checks}
        results: list[CheckResult] = []
        seed_line = f"seed {self.seed}" if self.seed is not None else "no seed recorded"
        ran = [name for name in CHECK_SUMMARIES if name in self.checks_seen]
        ran += sorted(set(self.checks_seen) - set(CHECK_SUMMARIES))
        if self.checks_seen:  # a run that judged nothing says so through schemathesis.run
            ran += [name for name in CHECK_SUMMARIES if name in idle and name not in ran]
        for name in ran:
            failures = list(self.failures.get(name, {}).values())
            level = Level(levels.get(name, "contract"))
            result = CheckResult(
                system=system,
                name=f"schemathesis.{name}",
                group=GROUP,
                summary=CHECK_SUMMARIES.get(name, f"Schemathesis check {name} holds."),
                outcome=outcome_for(level) if failures else Outcome.PASSED,
                duration=None,
                level=level,
                source=sources.get(name, ""),
            )
            if failures:
                footer = self._reproduce(command) or f"Reproduce the run with the same {seed_line}."
                results.extend(_by_fault(result, failures, footer, mask, spec or {}))
                continue
            if name in idle:
                # Applied to every response, but the spec gives it nothing to look at.
                result.outcome = Outcome.NOT_APPLICABLE
                result.message = idle[name]
                result.details = f"{idle[name]}; {seed_line}"
            else:
                result.details = f"held for {self.checks_seen[name]} response(s); {seed_line}"
            results.append(result)
        for name, reason in disabled_checks.items():
            results.append(
                CheckResult(
                    system=system,
                    name=f"schemathesis.{name}",
                    group=GROUP,
                    summary=CHECK_SUMMARIES.get(name, name),
                    outcome=Outcome.SKIPPED,
                    message=reason,
                    duration=None,
                    level=Level(levels.get(name, "contract")),
                    source=sources.get(name, ""),
                )
            )
        results.extend(self._phase_results(system, disabled_phases))
        results.extend(self._error_results(system, mask, duration))
        return results

    def _phase_results(self, system: str, disabled: dict[str, str]) -> Iterator[CheckResult]:
        for name, summary in PHASE_SUMMARIES.items():
            status, why = self.phases.get(name, ("not reached", None))
            if name in disabled:
                reason = disabled[name]
            elif status in ("success", "failure"):
                continue
            elif status == "skip":
                reasons = sorted(self.skip_reasons.get(name, ()))
                reason = "; ".join(reasons) or _phase_reason(why)
            elif status == "error":
                reason = "the phase stopped on an error (see schemathesis.run)"
            else:
                reason = "the run ended before this phase"
            yield CheckResult(
                system=system,
                name=f"schemathesis.phase.{name}",
                group=GROUP,
                summary=summary,
                outcome=Outcome.SKIPPED,
                message=reason,
                duration=None,
            )

    def _error_results(
        self, system: str, mask: tuple[str, ...], duration: float
    ) -> Iterator[CheckResult]:
        problems = self.fatal + self.errors
        if not problems and self.finished:
            verdicts = sum(self.checks_seen.values())
            yield run_result(
                system,
                Outcome.PASSED,
                details=f"{verdicts} check verdicts over the run",
                duration=duration,
            )
            return
        if not problems:
            problems = ["Schemathesis stopped before the end of the run"]
        target_fault = (
            all(any(marker in text.lower() for marker in TARGET_ERROR_MARKERS) for text in problems)
            and not self.fatal
        )
        yield run_result(
            system,
            Outcome.FAILED if target_fault else Outcome.ERROR,
            message=problems[0].splitlines()[0][:200],
            details=shown.mask("\n\n".join(dict.fromkeys(problems)), mask),
            duration=duration,
        )


def _by_fault(
    check: CheckResult, failures: list[_Failure], footer: str, mask: tuple[str, ...], spec: Any
) -> list[CheckResult]:
    """One failed result of ``check`` per fault its failures observed, so each joins its
    protocol twin (or stands alone, as (check, operation, cause))."""
    name = check.name.removeprefix("schemathesis.")
    groups: dict[str, list[_Failure]] = {}
    for failure in failures:
        groups.setdefault(failure.observed(name, spec), []).append(failure)
    results = []
    for observed, group in groups.items():
        total = sum(f.count for f in group)
        operations = ", ".join(dict.fromkeys(f.where for f in group))
        message = f"{group[0].title} on {operations}: {len(group)} distinct failure(s) in "
        details = shown.mask(shown.render_failures(group, footer), mask)
        level = Level.CONTRACT if observed in CONTRACT_FINDINGS else check.level
        results.append(
            replace(
                check,
                message=f"{message}{total} request(s)",
                details=details,
                observed=observed,
                level=level,
                outcome=outcome_for(level),
            )
        )
    return results


def run_result(
    system: str,
    outcome: Outcome,
    *,
    message: str = "",
    details: str = "",
    duration: float | None = None,
    stopped: Stopped | None = None,
) -> CheckResult:
    """The ``schemathesis.run`` result: the run as a whole, the one place its time is given."""
    return CheckResult(
        system=system,
        name="schemathesis.run",
        group=GROUP,
        summary=RUN_SUMMARY,
        outcome=outcome,
        message=message,
        details=details,
        duration=duration,
        stopped=stopped,
    )


def fold_events(lines: Iterable[str]) -> FuzzRun:
    """A :class:`FuzzRun` from a complete NDJSON event stream."""
    run = FuzzRun()
    for name, payload in read_events(lines):
        run.add(name, payload)
    return run


def _phase_reason(why: str | None) -> str:
    return {
        "disabled": "switched off",
        "not_supported": "not supported for this spec",
        "not_applicable": "the spec has no links between operations",
        None: "nothing to run",
    }.get(why, str(why))


def _error_text(payload: dict[str, Any]) -> str:
    value = payload.get("value") or payload.get("exception") or payload.get("info") or payload
    label = payload.get("label")
    if isinstance(value, dict):
        kind = value.get("type") or value.get("class") or ""
        text = value.get("message") or value.get("exception_with_traceback") or json.dumps(value)
        text = f"{kind}: {text}" if kind else str(text)
    else:
        text = str(value)
    return f"{label}: {text}" if label else text


def _not_implemented(case: dict[str, Any] | None, interaction: dict[str, Any] | None) -> bool:
    """A coverage probe with a method the spec does not give the path, answered 501."""
    meta = ((case or {}).get("value") or {}).get("meta") or {}
    scenario = ((meta.get("phase") or {}).get("data") or {}).get("scenario")
    status = ((interaction or {}).get("response") or {}).get("status_code")
    if scenario != METHOD_PROBE or not isinstance(status, int):
        return False
    return unimplemented_method(status, documented=False)
