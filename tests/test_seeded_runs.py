"""One seed, one outcome: User API servers with password policies, checked again and again.

The servers are a stranger's (``tests/independent/user_api_policy.py``): one demands
strong passwords, one caps them at 72 bytes, one refuses every password the suite can
make. The CLI's ``main`` runs in this process against them on loopback, as in
test_independent; the signup bodies each server received are read from its journal.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from independent import user_api_policy

from conformance import cli
from conformance.checks.controls import PASSWORD_POLICY
from conformance.checks.user_api.common import LONG_PASSWORD, PERMITTED

TAG = re.compile(r"conformance-[0-9a-f]{6}")


@dataclass
class Run:
    returncode: int
    output: str
    report: dict[str, Any]

    @property
    def outcomes(self) -> dict[str, str]:
        return {r["name"]: r["outcome"] for r in self.report["results"]}

    def named(self, *outcomes: str) -> set[str]:
        return {name for name, outcome in self.outcomes.items() if outcome in outcomes}

    def explain(self) -> str:
        bad = [r for r in self.report["results"] if r["outcome"] in ("failed", "error")]
        return "\n".join(f"{r['name']}: {r['message']}" for r in bad) + self.output[-2000:]


@pytest.fixture
def policy_server() -> Iterator[Callable[[str], tuple[str, list[dict[str, Any]]]]]:
    """``start(policy) -> (url, journal)``; every server is stopped after the test."""
    stops: list[Callable[[], None]] = []

    def start(policy: str) -> tuple[str, list[dict[str, Any]]]:
        journal: list[dict[str, Any]] = []
        url, stop = user_api_policy.serve(flags=(policy,), journal=journal)
        stops.append(stop)
        return url, journal

    yield start
    for stop in stops:
        stop()


def check(workdir: Path, url: str, seed: int, *options: str) -> Run:
    """``authconform check URL --api user-api --seed SEED`` in this process, with a report."""
    workdir.mkdir(parents=True, exist_ok=True)
    creds = workdir / "credentials.json"
    creds.write_text(json.dumps({"user-api": user_api_policy.credentials()}), encoding="utf-8")
    argv = ["check", url, "--api", "user-api", "--credentials", str(creds)]
    argv += ["--report", str(workdir / "report"), "--seed", str(seed), *options]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        returncode = cli.main(argv)
    report = json.loads((workdir / "report" / "report.json").read_text("utf-8"))
    return Run(returncode, out.getvalue(), report)


def _untagged(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The signup bodies with the run tag taken out of every string."""
    return [{k: TAG.sub("conformance-", str(v)) for k, v in body.items()} for body in bodies]


@pytest.mark.parametrize("policy", ["strong", "bcrypt72"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_correct_server_with_a_password_policy_passes_every_run(
    tmp_path: Path, policy_server, policy: str, seed: int
) -> None:
    """Contract checks all pass, none is blocked, and no password is retried."""
    url, journal = policy_server(policy)
    run = check(tmp_path, url, seed, "--no-fuzz")
    assert run.returncode == 0, run.explain()
    assert not run.named("failed", "error", "blocked"), run.explain()
    retried = [b for b in journal if len(str(b.get("password", ""))) == 32]
    assert not retried, "the first, 20-character password should serve every policy"


@pytest.mark.slow
@pytest.mark.parametrize("policy", ["strong", "bcrypt72"])
def test_a_correct_server_with_a_password_policy_passes_with_schemathesis(
    tmp_path: Path, policy_server, policy: str
) -> None:
    url, _ = policy_server(policy)
    run = check(tmp_path, url, 11, "--max-examples", "10")
    assert run.returncode == 0, run.explain()
    assert "0 failures from 0 distinct faults" in run.output, run.explain()


def test_the_same_seed_twice_gives_the_same_values_and_outcomes(
    tmp_path: Path, policy_server
) -> None:
    """Same server, same seed: every check ends the same, and the server was sent the same
    users, passwords included; only the run tag in names and emails differs.

    The timing advisories (``*_in_alike_time``) are the exception: they judge how long the
    server took, which no seed rules. This server hashes only for known accounts (about
    10 ms of PBKDF2), close to the advisory's 20 ms gap on a busy machine, so they may
    warn in one run and pass in the other; either way they never fail."""
    url, journal = policy_server("strong")
    first = check(tmp_path / "first", url, 42, "--no-fuzz")
    sent_first = list(journal)
    journal.clear()
    second = check(tmp_path / "second", url, 42, "--no-fuzz")
    timed = {name for name in first.outcomes if name.endswith("_in_alike_time")}
    assert timed, "the timing advisories ran"

    def seeded(outcomes: dict[str, str]) -> dict[str, str]:
        return {name: outcome for name, outcome in outcomes.items() if name not in timed}

    assert seeded(first.outcomes) == seeded(second.outcomes), (first.explain(), second.explain())
    assert {r.outcomes[name] for r in (first, second) for name in timed} <= {"passed", "warned"}
    assert first.returncode == second.returncode == 0, second.explain()
    assert _untagged(sent_first) == _untagged(journal)
    tags = [r.report["settings"]["run_tag"] for r in (first, second)]
    assert tags[0] != tags[1]  # so the second run met none of the first one's accounts
    assert f"seed 42 (given); run tag {tags[1]}" in second.output
    assert [r.report["settings"]["seed"] for r in (first, second)] == [42, 42]


def test_different_seeds_give_other_values_and_the_same_verdict(
    tmp_path: Path, policy_server
) -> None:
    url, journal = policy_server("strong")
    one = check(tmp_path / "one", url, 1, "--no-fuzz")
    sent_one = _untagged(list(journal))
    journal.clear()
    two = check(tmp_path / "two", url, 2, "--no-fuzz")
    assert one.outcomes == two.outcomes, (one.explain(), two.explain())
    assert one.returncode == two.returncode == 0
    passwords = {b.get("password") for b in sent_one} & {b.get("password") for b in journal}
    assert len(passwords) < 5 and len(journal) > 10  # a few fixed probes; dozens of signups
    assert passwords <= {None, "short", "Pw-1234", "P" * 129}, "only fixed probes may repeat"


def test_a_run_without_seed_picks_one_prints_it_and_records_it(
    tmp_path: Path, policy_server
) -> None:
    url, _ = policy_server("strong")
    creds = tmp_path / "credentials.json"
    creds.write_text(json.dumps({"user-api": user_api_policy.credentials()}), encoding="utf-8")
    argv = ["check", url, "--api", "user-api", "--credentials", str(creds), "--no-fuzz"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main([*argv, "--report", str(tmp_path / "r")]) == 0
    seed = json.loads((tmp_path / "r" / "report.json").read_text("utf-8"))["settings"]["seed"]
    assert f"seed {seed} (picked; --seed {seed} repeats the run)" in out.getvalue()


def test_a_policy_that_refuses_every_password_blocks_and_fails_nothing(
    tmp_path: Path, policy_server
) -> None:
    """No claim fails for the server's policy: the signups are blocked by it, after one
    retry with a longer password, and the checks that need no signup still judge."""
    url, journal = policy_server("refuses_every_password")
    run = check(tmp_path, url, 5, "--no-fuzz")
    assert run.returncode == 0, run.explain()
    assert not run.named("failed", "error"), run.explain()
    blocked = {r["name"]: r for r in run.report["results"] if r["outcome"] == "blocked"}
    for name in (
        "signup_answers_200",
        "duplicate_signup_rejected",
        "signup_without_a_required_field_is_refused",
        "response_bodies_match_the_spec",
    ):
        assert blocked[name]["cause"] == PASSWORD_POLICY, run.explain()
    assert "password policy refused every password" in blocked["signup_answers_200"]["message"]
    # Judged with the credentials file's user: login needs no signup.
    assert run.outcomes["wrong_password_rejected"] == "passed", run.explain()
    lengths = {len(b["password"]) for b in journal if isinstance(b.get("password"), str)}
    probes = {129, PERMITTED, LONG_PASSWORD}  # the length limit's and long passwords' probes
    assert {20, 32} <= lengths and max(lengths - probes) == 32  # one retry, longer
