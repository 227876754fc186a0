"""``load.stats.compare``: two report folders, written here the way a load run writes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from load.capacity.search import next_rate
from load.stats.compare import HDR, LOCUST, compare, format_comparison, has_run
from load.stats.comparepage import MARKER, write_comparison
from load.stats.latency import Tally, record_seconds


def _open_run(folder: Path, latencies_ms: list[float], *, failed: int = 0, rate: float = 100.0,
              achieved: float | None = None) -> Path:  # fmt: skip
    """latency.json/.hdr/.hgrm as the open model writes them, plus a Locust stats.json."""
    tally = Tally(offered_rate=rate, window_s=1.0)
    for ms in latencies_ms:
        record_seconds(tally.corrected, ms / 1000)
    tally.sent = tally.due = len(latencies_ms)
    tally.failed = failed
    tally.ok = tally.ok_in_window = len(latencies_ms) - failed
    if achieved is not None:
        tally.ok_in_window = round(achieved)
    tally.write_files(folder / "latency")
    _stats(folder, latencies_ms, failed)
    return folder


def _stats(folder: Path, latencies_ms: list[float], failed: int = 0) -> Path:
    """Locust's --json-file rows: one login row and Locust's own signing row."""
    folder.mkdir(parents=True, exist_ok=True)
    buckets: dict[str, int] = {}
    for ms in latencies_ms:
        buckets[str(round(ms))] = buckets.get(str(round(ms)), 0) + 1
    row = {"method": "POST", "name": "fib login", "num_requests": len(latencies_ms),
           "num_failures": failed, "response_times": buckets, "start_time": 100.0,
           "last_request_timestamp": 110.0, "max_response_time": max(latencies_ms),
           "total_response_time": sum(latencies_ms)}  # fmt: skip
    sign = row | {"method": "SIGN", "name": "fib sign", "response_times": {"900": 5},
                  "max_response_time": 900.0}  # fmt: skip
    (folder / "stats.json").write_text(json.dumps([row, sign]))
    return folder


def _by_label(result) -> dict:
    return {c.label: c for c in result.changes}


def test_a_slower_run_regresses_on_its_hdr_percentiles(tmp_path):
    old = _open_run(tmp_path / "old", [10.0] * 980 + [20.0] * 20)
    new = _open_run(tmp_path / "new", [10.0] * 980 + [80.0] * 20)
    result = compare(old, new, max_regression_pct=20)
    assert result.source == HDR
    changes = _by_label(result)
    # Read back from the histograms: three significant digits.
    assert changes["p99"].baseline == pytest.approx(20.0, rel=1e-3)
    assert changes["p99"].current == pytest.approx(80.0, rel=1e-3)
    assert changes["p99"].regressed and changes["p99.9"].regressed
    assert not changes["p50"].regressed
    text = format_comparison(result, old)
    assert "REGRESSION past --max-regression-pct 20: p99 20.0 -> 80.1 ms" in text


def test_the_same_figures_are_no_regression(tmp_path):
    old = _open_run(tmp_path / "old", [10.0] * 100)
    new = _open_run(tmp_path / "new", [10.0] * 100)
    result = compare(old, new)
    assert result.regressions == []
    assert "no regression past --max-regression-pct 20" in format_comparison(result, old)


def test_the_threshold_decides(tmp_path):
    old = _open_run(tmp_path / "old", [100.0] * 100)
    new = _open_run(tmp_path / "new", [130.0] * 100)  # 30% slower
    assert _by_label(compare(old, new, max_regression_pct=20))["p50"].regressed
    assert not _by_label(compare(old, new, max_regression_pct=40))["p50"].regressed


def test_a_millisecond_on_a_fast_run_is_not_a_regression(tmp_path):
    old = _open_run(tmp_path / "old", [1.0] * 100)
    new = _open_run(tmp_path / "new", [2.0] * 100)  # 100% slower, one millisecond
    changes = _by_label(compare(old, new))
    assert changes["p50"].worse_pct > 50 and not changes["p50"].regressed


def test_a_lower_achieved_rate_regresses(tmp_path):
    old = _open_run(tmp_path / "old", [10.0] * 100, achieved=100)
    new = _open_run(tmp_path / "new", [10.0] * 100, achieved=60)
    rate = _by_label(compare(old, new))["achieved rate"]
    assert rate.worse_pct == 40.0 and rate.regressed


def test_failures_from_none_regress_past_the_floor_only(tmp_path):
    old = _open_run(tmp_path / "old", [10.0] * 2000)
    one = _open_run(tmp_path / "one", [10.0] * 2000, failed=1)  # 0.05%
    many = _open_run(tmp_path / "many", [10.0] * 2000, failed=100)  # 5%
    assert not _by_label(compare(old, one))["failure ratio"].regressed
    assert _by_label(compare(old, many))["failure ratio"].regressed


def test_the_max_is_shown_but_not_judged(tmp_path):
    old = _open_run(tmp_path / "old", [10.0] * 999 + [20.0])
    new = _open_run(tmp_path / "new", [10.0] * 999 + [500.0])
    result = compare(old, new)
    assert not _by_label(result)["max"].regressed
    assert "shown, not judged" in format_comparison(result, old)


def test_a_closed_model_baseline_compares_locusts_summaries_and_says_so(tmp_path):
    old = _stats(tmp_path / "old", [10.0] * 100)  # closed model: no latency.* files
    new = _open_run(tmp_path / "new", [50.0] * 100)
    result = compare(old, new)
    assert result.source == LOCUST
    # Locust's own signing row (900 ms) is not a request to the server: left out.
    assert result.baseline.max_ms == 10.0 and result.baseline.requests == 100
    assert _by_label(result)["p99"].regressed
    text = format_comparison(result, old)
    assert "Locust's summaries of all requests" in text
    assert "no HDR histogram in baseline (closed model)" in text
    assert "the baseline ran the closed model, this run the open" in text


def test_different_offered_rates_are_noted(tmp_path):
    old = _open_run(tmp_path / "old", [10.0] * 100, rate=100)
    new = _open_run(tmp_path / "new", [10.0] * 100, rate=200)
    assert any("offered rates differ" in n for n in compare(old, new).notes)


def test_the_pages_hold_both_runs_and_the_json_is_strict(tmp_path):
    old = _open_run(tmp_path / "old", [10.0] * 100)
    new = _open_run(tmp_path / "new", [10.0] * 90 + [90.0] * 10, failed=5)
    (new / "report.html").write_text("<html><body><div id=root></div></body></html>")
    result = compare(old, new)
    write_comparison(result, old, new)
    write_comparison(result, old, new)  # twice: the section goes in once
    # Failures from zero have no percentage: null, not Infinity (which JSON lacks).
    saved = json.loads((new / "baseline.json").read_text(), parse_constant=_no_constants)
    assert "p99" in saved["regressed"] and "failure ratio" in saved["regressed"]
    page = (new / "report.html").read_text()
    assert page.count(MARKER) == 1 and page.index(MARKER) < page.index("</body>")
    assert "<svg" in page and "baseline: p99 10.0 ms" in page and "this run: p99 90.0 ms" in page
    assert "<svg" in (new / "baseline.html").read_text()


def _no_constants(name: str) -> None:
    raise AssertionError(f"{name} in JSON")


def test_a_folder_without_a_run_is_not_a_baseline(tmp_path):
    assert not has_run(tmp_path)
    assert has_run(_stats(tmp_path / "closed", [1.0]))


def test_a_wider_precision_ends_the_capacity_search_sooner():
    """--precision-pct: the bisection stops once the failing rate is that close above."""
    passed, failed = [80.0, 100.0], [160.0, 120.0]
    assert next_rate(passed, failed, start=80, max_rate=160) == 110.0  # default 5%
    assert next_rate(passed, failed, start=80, max_rate=160, precision=1.2) is None
