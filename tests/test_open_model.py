"""The open model's parts that need no Locust: schedule, HDR tally, verdicts, search, chart."""

from __future__ import annotations

import argparse
import itertools
import json
import random

import pytest
from hdrh.histogram import HdrHistogram

from load.capacity.chart import capacity_svg, write_chart
from load.capacity.driver import DRAIN_S, START_SLACK_S, _step_args, answer
from load.capacity.search import Limits, Step, judge, knee, next_rate, processes_needed
from load.command import configure
from load.process.locust import clear_outputs, locust_command
from load.stats.latency import FOLD_AT, Tally, record_seconds
from load.stats.openreport import lag_warning
from load.users.schedule import arrival_times, process_share


def test_constant_arrivals_are_evenly_spaced_from_the_start():
    times = list(itertools.islice(arrival_times(200, "constant", start=10.0), 5))
    assert times == pytest.approx([10.0, 10.005, 10.01, 10.015, 10.02])


def test_poisson_arrivals_keep_the_mean_rate_with_irregular_gaps():
    times = list(
        itertools.islice(arrival_times(100, "poisson", start=0.0, rng=random.Random(1)), 20_000)
    )
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) / times[-1] == pytest.approx(100, rel=0.03)
    assert min(gaps) < 0.001 < 0.03 < max(gaps)  # exponential, not even


def test_an_unknown_arrival_kind_or_no_rate_is_refused():
    with pytest.raises(ValueError):
        arrival_times(10, "bursty", start=0)
    with pytest.raises(ValueError):
        arrival_times(0, "constant", start=0)


def test_each_process_takes_an_equal_share_at_its_own_phase():
    assert process_share(300, 0, 1) == (300, 0)
    shares = [process_share(300, i, 3) for i in range(3)]
    assert [rate for rate, _ in shares] == [100, 100, 100]
    assert [phase for _, phase in shares] == pytest.approx([0, 1 / 3, 2 / 3])


def _tally(seconds: list[float], **counts) -> Tally:
    tally = Tally(**counts)
    for s in seconds:
        record_seconds(tally.corrected, s)
        record_seconds(tally.send_lag, 0.0001)
    return tally


def test_merged_worker_tallies_give_the_run_percentiles(tmp_path):
    fast = _tally(
        [0.001] * 990,
        due=990,
        sent=990,
        ok=990,
        ok_in_window=990,
        window_s=10,
        offered_rate=99,
        cpu=[0.2],
    )
    slow = _tally(
        [0.5] * 10, due=10, sent=10, ok=10, ok_in_window=10, window_s=9, offered_rate=1, cpu=[0.3]
    )
    run = Tally()
    for one in (fast, slow):
        run.merge(json.loads(json.dumps(one.to_wire())))  # through the wire format
    summary = run.write_files(tmp_path / "latency")
    assert summary["sent"] == 1000 and summary["processes"] == 2
    assert summary["offered_rate"] == 100 and summary["window_s"] == 10
    assert summary["corrected_ms"]["p99"] == pytest.approx(1.0, rel=0.01)
    assert summary["corrected_ms"]["p99.9"] == pytest.approx(500, rel=0.01)
    assert json.loads((tmp_path / "latency.json").read_text())["corrected_ms"]["max"] > 499
    # The encoded histogram decodes to the same counts; the text has the percentile table.
    decoded = HdrHistogram.decode((tmp_path / "latency.hdr").read_bytes().strip())
    assert decoded.get_total_count() == 1000
    assert "Percentile" in (tmp_path / "latency.hgrm").read_text()


def test_times_held_back_by_a_tally_reach_every_figure_it_gives():
    """answered() / started_late() count values and fold them into the histograms later:
    past FOLD_AT distinct values, and before any figure, wire form or file is made."""
    values = [(i % (FOLD_AT + 500)) / 1e6 + 0.0005 for i in range(3 * FOLD_AT)]
    held, direct = Tally(), Tally()
    for s in values:
        held.answered(s)
        held.started_late(s / 2)
        record_seconds(direct.corrected, s)
        record_seconds(direct.send_lag, s / 2)
    assert held.corrected.get_total_count() > 0  # folded once past FOLD_AT on the way
    assert held.summary()["corrected_ms"] == direct.summary()["corrected_ms"]
    assert held.summary()["send_lag_ms"] == direct.summary()["send_lag_ms"]
    again = Tally()
    for s in values[:10]:
        again.answered(s)
    wire = json.loads(json.dumps(again.to_wire()))
    assert HdrHistogram.decode(wire["corrected"].encode()).get_total_count() == 10
    assert not any(key.startswith("_held") for key in wire)


def _summary(due: int, sent: int, lag_ms: float, cpu: float = 0.5) -> dict:
    tally = Tally(due=due, sent=sent, cpu=[cpu])
    for _ in range(sent):
        record_seconds(tally.send_lag, lag_ms / 1000)
    return tally.summary()


def test_a_kept_schedule_gets_no_warning_and_a_lost_one_says_by_how_much():
    assert lag_warning(_summary(1000, 1000, 1)) is None
    late = lag_warning(_summary(1000, 1000, 40))
    assert late and "p99 40.0 ms" in late
    short = lag_warning(_summary(1000, 900, 1, cpu=0.97))
    assert short and "100 of 1000" in short and "97%" in short


def _step(offered, achieved, p99=5.0, **kw) -> Step:
    base = dict(p50_ms=1.0, due=int(offered * 5), sent=int(offered * 5), failed=0, unfinished=0,
                lag_p99_ms=1.0, generator_cpu=0.3, generator_cpu_s_per_login=0.0002)  # fmt: skip
    return Step(offered=offered, achieved=achieved, p99_ms=p99, **(base | kw))


LIMITS = Limits(slo_p99_ms=20)


def test_a_step_passes_within_the_slo_and_misses_beyond_it():
    assert judge(_step(100, 100), LIMITS).passed
    missed = judge(_step(100, 100, p99=25), LIMITS)
    assert not missed.passed and not missed.generator_limited and "p99 25.0 ms" in missed.reason
    failing = judge(_step(100, 100, failed=10), Limits(20, max_fail_ratio=0.001))
    assert not failing.passed and "failure ratio" in failing.reason


def test_a_generator_behind_its_schedule_is_the_limit_unless_the_server_is_saturated():
    behind = dict(sent=4000, due=5000, generator_cpu=0.99, p99=50)
    verdict = judge(_step(1000, 800, **behind), LIMITS)
    assert verdict.generator_limited and "its CPU" in verdict.reason
    # The same lag with the server out of CPU (or leaving logins unanswered) is the server's.
    assert not judge(_step(1000, 800, server_cpu=0.97, **behind), LIMITS).generator_limited
    assert not judge(_step(1000, 800, unfinished=500, **behind), LIMITS).generator_limited


def test_the_search_grows_then_bisects_then_stops():
    assert next_rate([], [], start=100, max_rate=10_000) == 100
    assert next_rate([100, 200], [], start=100, max_rate=10_000) == 400
    assert next_rate([100, 200, 400], [800], start=100, max_rate=10_000) == 600
    assert next_rate([100, 200, 400, 600], [800, 700], start=100, max_rate=10_000) == 650
    assert next_rate([100, 640], [660], start=100, max_rate=10_000) is None  # within 5%
    assert next_rate([], [100], start=100, max_rate=10_000) is None  # even the lowest missed
    assert next_rate([100, 200], [], start=100, max_rate=200) is None


def test_the_knee_is_where_throughput_stops_following_the_offered_rate():
    steps = [_step(100, 100), _step(200, 199), _step(400, 260), _step(300, 258)]
    assert knee(steps) == (200, 258)
    assert knee([_step(100, 100)]) is None


def test_processes_needed_follow_the_generator_cost_per_login():
    step = _step(3000, 2000, generator_cpu_s_per_login=0.0004, processes=1)
    assert processes_needed(step, 5000) == 3  # 5000 * 0.4 ms = 2 cores at 70% each -> 3


def _result(steps: list[Step]) -> dict:
    verdicts = [judge(s, LIMITS) for s in steps]
    result = answer(list(zip(steps, verdicts, strict=True)), LIMITS, max_rate=50_000)
    result["steps"] = [vars(s) | {"verdict": vars(v)} for s, v in zip(steps, verdicts, strict=True)]
    return result


def test_the_answer_names_the_capacity_or_the_generator_or_nothing():
    found = _result([_step(100, 100), _step(200, 200), _step(400, 300, p99=900)])
    assert found["capacity"] == 200 and found["line"].startswith("capacity: 200 logins/s")
    generator = _result(
        [_step(1000, 1000), _step(2000, 1500, sent=7500, due=10_000, generator_cpu=0.99, p99=90)]
    )
    assert generator["generator_limited"] and "the generator is the limit" in generator["line"]
    assert "at least 1,000 logins/s" in generator["line"]
    none = _result([_step(100, 100, p99=50)])
    assert none["capacity"] is None and "even 100 logins/s misses" in none["line"]


def test_below_a_rate_the_generator_could_not_keep_the_server_can_still_saturate():
    """The search bisects under a generator-limited step; a real miss there decides."""
    behind = {"sent": 12_000, "due": 16_000, "generator_cpu": 0.97, "p99": 400}
    steps = [
        _step(1600, 1600),
        _step(3200, 2300, **behind),
        _step(2400, 2300, p99=300),  # the server saturated: a miss, the generator kept up
        _step(2000, 2000),
        _step(2200, 2200),
    ]
    assert next_rate([1600], [3200], start=100, max_rate=50_000) == 2400
    found = _result(steps)
    assert not found["generator_limited"]
    assert found["capacity"] == 2200 and found["line"].startswith("capacity: 2,200 logins/s")


def test_the_chart_marks_the_knee_the_capacity_and_the_slo():
    svg = capacity_svg(_result([_step(100, 100), _step(200, 200), _step(400, 260, p99=900)]))
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert 'id="knee"' in svg and "knee ≈ 260/s" in svg
    assert 'id="capacity"' in svg and "capacity 200/s" in svg and "SLO p99 20 ms" in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")



def test_the_capacity_page_is_the_packaged_template_with_text_escaped(tmp_path):
    """The page comes from load/capacity/templates; an answer's text cannot become markup."""
    result = _result([_step(100, 100), _step(200, 200), _step(400, 260, p99=900)])
    result["line"] = "capacity: <b>200</b> & more"
    write_chart(tmp_path, result)
    page = (tmp_path / "capacity.html").read_text(encoding="utf-8")
    assert "capacity: &lt;b&gt;200&lt;/b&gt; &amp; more" in page
    assert "<figure><svg" in page and page.count("<tr><td>") == 3
    assert "<td>1,000</td>" not in page and "<td>400</td><td>260</td>" in page

def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    configure(parser)
    return parser.parse_args(list(argv))


def test_a_rate_run_asks_locust_for_arrivals_not_users():
    command = locust_command(_args("--rate", "250", "--arrival", "poisson", "-u", "40"),
                             "http://127.0.0.1:9", "c.json")  # fmt: skip
    assert command[command.index("--arrival-rate") + 1] == "250"
    assert command[command.index("--arrival") + 1] == "poisson"
    assert command[command.index("-u") + 1] == "1"  # one scheduling user per process
    assert command[command.index("--latency-file") + 1].endswith("latency")
    with_processes = locust_command(_args("--rate", "250", "--processes", "3"), "http://x", None)
    assert with_processes[with_processes.index("-u") + 1] == "3"


def test_a_user_count_run_is_unchanged_by_the_open_model_options():
    command = locust_command(_args("-u", "7"), "http://127.0.0.1:9", None)
    assert command[command.index("-u") + 1] == "7"
    assert "--arrival-rate" not in command and "--latency-file" not in command


def test_clearing_the_report_removes_a_previous_runs_results_only(tmp_path):
    for name in ("stats.json", "report.html", "stats_stats.csv", "latency.hgrm", "notes.txt"):
        (tmp_path / name).write_text("old")
    (tmp_path / "steps" / "01-100").mkdir(parents=True)
    clear_outputs(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_starved_generator_is_not_told_to_add_processes():
    starved = _result(
        [_step(1000, 1000), _step(2000, 1500, sent=7500, due=10_000, generator_cpu=0.3, p99=90)]
    )
    assert starved["generator_limited"] and starved["generator_processes_needed"] is None
    assert "machine is too busy" in starved["line"] and "--processes" not in starved["line"]


def test_late_starts_blame_the_generator_when_the_server_is_known_to_be_idle():
    late = dict(lag_p99_ms=150, p99=480, generator_cpu=0.5)
    assert judge(_step(300, 300, server_cpu=0.2, **late), LIMITS).generator_limited
    # Without the server's CPU the lag must be most of the latency to be the generator's.
    assert not judge(_step(300, 300, **late), LIMITS).generator_limited


def test_a_master_of_remote_workers_waits_for_them_and_gives_each_a_scheduling_user():
    args = _args("--rate", "200", "--max-logins", "900", "--expect-workers", "2",
                 "--master-bind-host", "10.0.0.1")  # fmt: skip
    command = locust_command(args, "http://target:8000", "/srv/c.json")
    assert "--master" in command and command[command.index("--expect-workers") + 1] == "2"
    assert command[command.index("--master-bind-host") + 1] == "10.0.0.1"
    assert command[command.index("--master-bind-port") + 1] == "5557"
    assert command[command.index("-u") + 1] == "2"
    assert command[command.index("--arrival-limit") + 1] == "900"
    assert "--processes" not in command


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--worker"], "--worker"),
        (["--worker", "--master-host", "h", "--rate", "5"], "--worker"),
        (["--expect-workers", "2", "--processes", "2"], "--processes"),
        (["--expect-workers", "0"], "--expect-workers"),
        (["--max-logins", "10"], "--max-logins"),
    ],
)
def test_distributed_options_that_cannot_work_are_refused(argv, option):
    from conformance.errors import UsageError
    from load.command import run

    with pytest.raises(UsageError) as refused:
        run(_args("http://127.0.0.1:9", *argv) if "--worker" not in argv else _args(*argv))
    assert option in str(refused.value)


def test_a_worker_runs_the_projects_locustfile_against_its_master():
    from load.process.worker import worker_command

    command = worker_command("10.0.0.1", 5557)
    assert command[command.index("-f") + 1].endswith("load/locustfile.py")
    assert command[-5:] == ["--worker", "--master-host", "10.0.0.1", "--master-port", "5557"]


def test_a_run_missing_a_generator_or_part_of_one_is_incomplete():
    from load.stats.openreport import incomplete

    whole = {"processes": 2, "process_windows_s": [3.0, 2.95]}
    assert incomplete(whole, 2) is None
    assert "1 of 2 generator processes reported" in incomplete(whole | {"processes": 1}, 2)
    early = incomplete(whole | {"process_windows_s": [3.0, 1.2]}, 2)
    assert "1 of 2 generator processes stopped early (after 1.2 s of a 3.0 s" in early


def test_a_capacity_step_leaves_room_for_a_late_generator_and_ends_on_its_count():
    """The step's -t exceeds its schedule plus the drain by START_SLACK_S; the limit is the
    schedule's count, so a step whose processes keep their schedule ends before -t."""
    args = argparse.Namespace(step_time=3.0, step_requests=20000)
    step = _step_args(args, 130.0)
    assert step.run_time == f"{3 + START_SLACK_S}s"
    assert step.arrival_limit == 130 * (3 - DRAIN_S)
    short = _step_args(argparse.Namespace(step_time=5.0, step_requests=100), 100.0)
    assert short.run_time == f"{2 + START_SLACK_S}s" and short.arrival_limit == 100
