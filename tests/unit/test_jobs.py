"""JobRun over a scripted job client: typed events, one stop, the submit retry, results."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator, Sequence

import pytest

from tui.launch import fibonacci, jobs, lab
from tui.launch.job_run import (
    WAITING_FOR_AGENT,
    Finished,
    JobRun,
    JobSpec,
    Output,
    StateChanged,
    Submitted,
    Waiting,
    last_json_object,
)
from tui.launch.jobs import JobState

REFUSAL = "Request failed with status code 500: No available agent to submit job, please try again later."
FIB_OUTPUT = ('2026-12-01 INFO worker.py -- Connecting to existing Ray cluster\n{"size": 10, '
              '"count": 2, "pattern": "serial", "return_sequence": false, "local_s": 1.0, '
              '"remote_s": 4.0, "speedup": 0.25}\n')


class ScriptedClient:
    """Plays (status, text) steps; refuses the first `refusals` submissions like a
    starting job agent; `hold` keeps the job RUNNING until it is stopped."""

    def __init__(self, steps: Sequence[tuple[str, str]] = (), refusals: int = 0,
                 hold: bool = False, error: Exception | None = None) -> None:
        self.steps, self.refusals, self.hold, self.error = list(steps), refusals, hold, error
        self.submitted: list[tuple[str, tuple[str, ...], str]] = []
        self.stopped: list[str] = []
        self.lock = threading.Lock()

    def submit(self, module: str, args: Sequence[str], name: str = "") -> str:
        if self.error is not None:
            raise self.error
        if self.refusals:
            self.refusals -= 1
            raise RuntimeError(REFUSAL)
        self.submitted.append((module, tuple(args), name))
        return "raysubmit_1"

    def follow(self, job_id: str, poll_s: float = 0.5) -> Iterator[tuple[JobState, str]]:
        for status, text in self.steps:
            yield JobState(job_id, status, "job failed" if status == "FAILED" else ""), text
        while self.hold and not self.stopped:
            time.sleep(0.005)
            yield JobState(job_id, "RUNNING"), ""
        if self.hold:
            yield JobState(job_id, "STOPPED", "Job was intentionally stopped."), ""

    def stop(self, job_id: str) -> None:
        with self.lock:
            self.stopped.append(job_id)


FIB = fibonacci.job(fibonacci.FibParams(size=10, count=2, pattern="serial"))


def test_events_are_typed_and_in_order() -> None:
    client = ScriptedClient([("PENDING", ""), ("RUNNING", "starting\n"), ("RUNNING", "more\n"),
                             ("SUCCEEDED", FIB_OUTPUT)])
    events = list(JobRun(client, FIB).events())
    assert [type(e) for e in events] == [Waiting, Submitted, StateChanged, Output, StateChanged,
                                         Output, Output, Finished]
    assert [e.state.status for e in events if isinstance(e, StateChanged)] == ["PENDING", "RUNNING"]
    end = events[-1]
    assert isinstance(end, Finished) and end.succeeded
    assert end.output == "starting\nmore\n" + FIB_OUTPUT
    assert end.result == fibonacci.FibResult(10, 2, "serial", False, 1.0, 4.0, 0.25)
    assert end.summary[-1] == "Speedup: 0.25x over 2 sequences (serial)"
    assert client.submitted == [("workloads.fibonacci", ("--size", "10", "--count", "2",
                                                         "--pattern", "serial", "--json"), "fib")]


def test_a_failed_job_has_no_result_and_names_its_error() -> None:
    client = ScriptedClient([("FAILED", "Traceback (most recent call last):\n"
                                        "ModuleNotFoundError: No module named 'workloads'\n")])
    end = JobRun(client, FIB).run_to_end()
    assert not end.succeeded and end.result is None and end.summary == ()
    assert end.error_line == "ModuleNotFoundError: No module named 'workloads'"


def test_a_run_that_prints_no_result_succeeds_without_one() -> None:
    end = JobRun(ScriptedClient([("SUCCEEDED", "no json here\n")]), FIB).run_to_end()
    assert end.succeeded and end.result is None


def test_stop_from_many_threads_stops_the_job_once() -> None:
    client = ScriptedClient(hold=True)
    run = JobRun(client, FIB, poll_s=0)
    events = run.events()
    while not isinstance(next(events), Submitted):
        pass
    threads = [threading.Thread(target=run.stop) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rest = list(events)
    assert client.stopped == ["raysubmit_1"]
    assert isinstance(rest[-1], Finished) and rest[-1].state.status == "STOPPED"


def test_stop_before_the_job_exists_stops_it_when_it_does() -> None:
    client = ScriptedClient(hold=True)
    run = JobRun(client, FIB, poll_s=0)
    events = run.events()
    assert isinstance(next(events), Waiting)  # submitting: no job id yet
    run.stop()
    rest = list(events)
    assert client.submitted == [] and client.stopped == []
    assert isinstance(rest[-1], Finished) and rest[-1].state.status == "STOPPED"


def test_stop_while_the_submission_is_in_flight_stops_the_new_job() -> None:
    client = ScriptedClient(hold=True)
    run = JobRun(client, FIB, poll_s=0)
    submit = client.submit

    def submit_then_stop(module: str, args: Sequence[str], name: str = "") -> str:
        job_id = submit(module, args, name)
        run.stop()  # the user asks while Ray answers the submission
        return job_id

    client.submit = submit_then_stop  # type: ignore[method-assign]
    rest = list(run.events())
    assert client.stopped == ["raysubmit_1"]
    assert isinstance(rest[-1], Finished) and rest[-1].state.status == "STOPPED"


def test_leave_running_ends_the_stream_and_never_stops() -> None:
    client = ScriptedClient(hold=True)
    run = JobRun(client, FIB, poll_s=0)
    events = run.events()
    while not isinstance(next(events), Submitted):
        pass
    run.leave_running()
    rest = list(events)
    assert not any(isinstance(e, Finished) for e in rest)
    assert client.stopped == []


def test_a_starting_job_agent_is_retried_and_said() -> None:
    client = ScriptedClient([("SUCCEEDED", FIB_OUTPUT)], refusals=2)
    events = list(JobRun(client, FIB, pause_s=0).events())
    assert [e.why for e in events if isinstance(e, Waiting)][1:] == [WAITING_FOR_AGENT] * 2
    assert len(client.submitted) == 1 and isinstance(events[-1], Finished)


def test_other_submit_errors_are_raised_at_once() -> None:
    client = ScriptedClient(error=ValueError("runtime_env: bad path"))
    with pytest.raises(ValueError, match="bad path"):
        list(JobRun(client, FIB, pause_s=0).events())


def test_gives_up_after_the_deadline_with_a_hint() -> None:
    client = ScriptedClient(refusals=10**6)
    with pytest.raises(RuntimeError, match="another Ray cluster on the same machine"):
        list(JobRun(client, FIB, retry_s=0, pause_s=0).events())


def test_ctrl_c_on_the_command_line_stops_the_job() -> None:
    class Interrupted(ScriptedClient):
        def follow(self, job_id: str, poll_s: float = 0.5) -> Iterator[tuple[JobState, str]]:
            yield JobState(job_id, "RUNNING"), ""
            raise KeyboardInterrupt

    client = Interrupted()
    with pytest.raises(KeyboardInterrupt):
        JobRun(client, FIB).run_to_end()
    assert client.stopped == ["raysubmit_1"]


def test_a_lab_sweep_reads_its_summary_event() -> None:
    from workloads.lab_results import SweepPoint, point_event, summarize

    points = [SweepPoint("io", 100, 2, 3, 0.001, 0.004, 0.25),
              SweepPoint("io", 1000, 2, 3, 0.01, 0.005, 2.0)]
    output = "".join(f"{line}\n" for line in [
        "INFO noise", *(json.dumps(point_event(p)) for p in points),
        json.dumps(summarize("io", 2, 3, points).to_json())])
    params = lab.params_from_flags("io", "100,1k", 2, 3)
    spec = lab.job(params)
    assert spec.args == ("io", "--sizes", "100,1000", "--repeats", "3", "--json", "--count", "2")
    end = JobRun(ScriptedClient([("SUCCEEDED", output)]), spec).run_to_end()
    assert end.result is not None and end.result["crossover_size"] == 1000
    assert end.summary[0].startswith("crossover at size 1000")


def test_a_spec_without_a_parser_has_no_result() -> None:
    spec: JobSpec[object] = JobSpec("plain", "workloads.x", (), "x")
    end = JobRun(ScriptedClient([("SUCCEEDED", '{"a": 1}\n')]), spec).run_to_end()
    assert end.succeeded and end.result is None


def test_entrypoint_uses_this_interpreter_locally_and_quotes_args() -> None:
    local = jobs.workload_entrypoint("workloads.fibonacci", ["--size", "1 0"], local=True)
    assert local.startswith(sys.executable) and local.endswith("-m workloads.fibonacci --size '1 0'")
    assert jobs.workload_entrypoint("m", [], local=False) == "python -m m"
    assert jobs.is_local_url("http://127.0.0.1:8265") and not jobs.is_local_url("http://203.0.113.9:8265")


def test_last_json_object_skips_log_lines() -> None:
    out = 'Running entrypoint\n{"a": 1}\n{not json\nbye\n'
    assert last_json_object(out) == {"a": 1}
    assert last_json_object("no result\n") is None
