"""Replay verdicts and baseline marks, from report.json results alone."""

from __future__ import annotations

from conformance.cli.replay import CHANGED, FIXED, STILL, judge
from conformance.fixloop.baseline import compare, new_bad

FAILED = {
    "system": "fib",
    "name": "refresh_returns_new_token_pair",
    "level": "contract",
    "outcome": "failed",
    "message": "refused at 10:01",
    "request": {"method": "PATCH", "path": "/s", "status": 401},
}


def test_replay_verdicts() -> None:
    assert judge(FAILED, {**FAILED, "outcome": "passed"}) == FIXED
    assert judge(FAILED, {**FAILED, "outcome": "not_applicable"}) == FIXED
    assert judge(FAILED, {**FAILED, "message": "refused at 10:02"}) == STILL
    other_cause = {**FAILED, "request": {"method": "PATCH", "path": "/s", "status": 500}}
    assert judge(FAILED, other_cause) == CHANGED
    assert judge(FAILED, {**FAILED, "outcome": "skipped"}) == CHANGED
    assert judge(FAILED, None) == CHANGED


def test_baseline_marks_by_fingerprint_and_counts_only_new_contract_failures() -> None:
    advisory = {**FAILED, "name": "bearer_prefix_is_optional", "level": "advisory"}
    advisory["outcome"] = "warned"
    passed = {**FAILED, "name": "logout_succeeds", "outcome": "passed", "request": None}
    old = {"date": "d", "results": [FAILED, passed]}
    new = {"results": [{**FAILED, "message": "reworded"}, {**advisory}, passed]}
    block = compare(new, old, "old/")
    assert block["marks"] == {
        "fib/refresh_returns_new_token_pair": "unchanged",
        "fib/bearer_prefix_is_optional": "new",
        "fib/logout_succeeds": "unchanged",
    }
    assert new_bad(block, strict=False) == []
    assert [e["name"] for e in new_bad(block, strict=True)] == ["bearer_prefix_is_optional"]
    fixed = compare({"results": [{**FAILED, "outcome": "passed"}]}, old, "old/")
    assert [e["name"] for e in fixed["fixed"]] == [FAILED["name"]]
    assert fixed["marks"][f"fib/{FAILED['name']}"] == "fixed"


def test_an_old_report_without_requests_matches_by_check() -> None:
    legacy = {k: v for k, v in FAILED.items() if k != "request"}
    block = compare({"results": [FAILED]}, {"results": [legacy]}, "old/")
    assert block["marks"][f"fib/{FAILED['name']}"] == "unchanged"
    assert block["fixed"] == []
