"""Pure parts of the parity sources: grouping failures, death causes, log lines, stacks."""

from __future__ import annotations

import pytest

from tui.core.control import Control, Refused, Target, read_only_from_env
from tui.core.sources.errors import explain_death, failed_task, group_failures
from tui.core.sources.jobs_api import job_row, tail_lines
from tui.core.sources.logs import LogTarget, split_lines
from tui.core.sources.stacks import highlighted_lines


def row(task_id: str, function: str, message: str, end: int) -> dict[str, object]:
    return {"task_id": task_id, "func_or_class_name": function, "end_time_ms": end,
            "error_type": "TASK_EXECUTION_EXCEPTION",
            "error_message": f"User exception:\nray::{function}()\n  File \"x.py\", line 3\n"
                             f"{message}"}


def test_failures_group_by_function_and_python_exception() -> None:
    tasks = [failed_task(row("a", "boom", "ValueError: bad 1", 1000)),
             failed_task(row("b", "boom", "ValueError: bad 2", 3000)),
             failed_task(row("c", "boom", "KeyError: 'x'", 2000)),
             failed_task(row("d", "other", "ValueError: no", 500))]
    groups = group_failures(tasks)
    assert [(g.function, g.error_type, g.count) for g in groups] == [
        ("boom", "ValueError", 2), ("boom", "KeyError", 1), ("other", "ValueError", 1)]
    first = groups[0]
    assert (first.first_ms, first.last_ms) == (1000, 3000)
    assert first.latest.summary == "ValueError: bad 2"
    assert "File \"x.py\"" in first.latest.message  # the full text is kept for enter


def test_a_system_failure_keeps_rays_error_type() -> None:
    task = failed_task({"task_id": "w", "func_or_class_name": "f", "error_type": "WORKER_DIED",
                        "error_message": "The worker died unexpectedly"})
    assert group_failures([task])[0].error_type == "WORKER_DIED"


def test_actor_whose_driver_exited_says_so_in_plain_words() -> None:
    cause = {"actor_died_error_context": {
        "error_message": "The actor is dead because its owner has died. Owner Id: 02000000ff",
        "owner_id": "02000000" + "ff" * 24, "reason": "OWNER_DIED"}}
    reason, words, detail = explain_death(cause)
    assert reason == "OWNER_DIED"
    assert "job's driver (job 02000000) exited" in words
    assert "owner has died" in detail


def test_actor_killed_and_constructor_failures_are_explained() -> None:
    killed = {"actor_died_error_context": {"error_message": "killed by `ray.kill`.",
                                           "owner_id": "01000000" + "ab" * 24,
                                           "reason": "RAY_KILL"}}
    assert "ray.kill" in explain_death(killed)[1]
    failed = {"creation_task_failure_context": {
        "error_type": "TASK_EXECUTION_EXCEPTION",
        "formatted_exception_string": "Traceback...\nRuntimeError: no archive"}}
    assert explain_death(failed)[1] == "its constructor (__init__) raised: RuntimeError: no archive"
    assert explain_death(None)[1] == "Ray did not say why"


def test_log_lines_keep_the_unfinished_rest() -> None:
    lines, rest = split_lines("par", "tial\nsecond\r\nthi")
    assert lines == ["partial", "second"] and rest == "thi"


def test_log_target_needs_an_id_and_a_node_for_a_pid() -> None:
    assert LogTarget(node_id="n1", pid=5).query() == {"suffix": "out", "node_id": "n1", "pid": 5}
    assert LogTarget(actor_id="a", suffix="err").other_stream().suffix == "out"
    with pytest.raises(Exception, match="node id"):
        LogTarget(pid=5).query()
    with pytest.raises(Exception, match="needs an actor id"):
        LogTarget(node_id="n1").query()


def test_job_rows_of_submitted_and_driver_jobs() -> None:
    submitted = job_row({"type": "SUBMISSION", "submission_id": "raysubmit_1", "job_id": "03000000",
                         "status": "RUNNING", "entrypoint": "python x.py", "start_time": 1000,
                         "end_time": 0, "driver_info": {"pid": "77"}})
    assert (submitted.id, submitted.driver_pid, submitted.end_ms) == ("raysubmit_1", 77, None)
    assert submitted.duration_s(11.0) == 10.0
    driver = job_row({"type": "DRIVER", "job_id": "01000000", "submission_id": None,
                      "status": "SUCCEEDED", "start_time": 1000, "end_time": 4000})
    assert driver.id == "01000000" and driver.finished and driver.duration_s(99.0) == 3.0
    assert tail_lines("a\nb\nc\n", 2) == "b\nc\n" and tail_lines("a\nb\n", -1) == "a\nb\n"


def test_stack_lines_of_the_running_function_are_found() -> None:
    dump = ("Process 12: ray::busy\nThread 12 (active): \"MainThread\"\n"
            "    busy (/work/t.py:9)\n    execute_task (ray/_raylet.pyx:1)\n")
    assert highlighted_lines(dump, "busy") == [2]
    assert highlighted_lines(dump, "Cls.busy") == [2]
    assert highlighted_lines(dump, "") == []


def test_read_only_refuses_every_action() -> None:
    control = Control("http://127.0.0.1:1", read_only=True)
    target = Target("actor", "n1", 12, "ab" * 16, name="Holder", local=True)
    for action in (lambda: control.stop_job("raysubmit_1"),
                   lambda: control.kill_actor(target),
                   lambda: control.signal_worker(Target("worker", "n1", 12, local=True), False)):
        with pytest.raises(Refused, match="read-only"):
            action()
    assert read_only_from_env({"RAYTUI_READ_ONLY": "1"})
    assert not read_only_from_env({"RAYTUI_READ_ONLY": "0"}) and not read_only_from_env({})


def test_an_actor_elsewhere_without_a_driver_is_refused_with_the_reason() -> None:
    control = Control("http://127.0.0.1:1")
    target = Target("actor", "n1", 12, "ab" * 16, name="Holder", local=False)
    with pytest.raises(Refused, match="no driver connection.*another machine"):
        control.kill_actor(target)
