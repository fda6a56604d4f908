import sys
import threading

import pytest

from tui.core import jobs

REFUSAL = "Request failed with status code 500: No available agent to submit job, please try again later."


def refusing(times: int, then: str = "raysubmit_ok"):
    calls = []

    def submit_once() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise RuntimeError(REFUSAL)
        return then

    return submit_once, calls


def test_retries_while_the_agent_starts_and_says_why() -> None:
    submit_once, calls = refusing(2)
    heard: list[str] = []
    assert jobs.submit_when_agent_ready(submit_once, pause_s=0, on_wait=heard.append) == "raysubmit_ok"
    assert len(calls) == 3 and heard == ["waiting for Ray's job agent to start"] * 2


def test_other_errors_are_raised_at_once() -> None:
    def submit_once() -> str:
        raise ValueError("runtime_env: bad path")

    with pytest.raises(ValueError, match="bad path"):
        jobs.submit_when_agent_ready(submit_once, pause_s=0)


def test_gives_up_after_the_deadline_with_a_hint() -> None:
    submit_once, _ = refusing(10**6)
    with pytest.raises(RuntimeError, match="another Ray cluster on the same machine"):
        jobs.submit_when_agent_ready(submit_once, retry_s=0, pause_s=0)


def test_a_stop_event_abandons_the_wait() -> None:
    submit_once, calls = refusing(10**6)
    stop = threading.Event()
    stop.set()
    with pytest.raises(jobs.SubmitCancelled):
        jobs.submit_when_agent_ready(submit_once, pause_s=5, stop=stop)
    assert len(calls) == 1


def test_entrypoint_uses_this_interpreter_locally_and_quotes_args() -> None:
    local = jobs.workload_entrypoint("workloads.fibonacci", ["--size", "1 0"], local=True)
    assert local.startswith(sys.executable) and local.endswith("-m workloads.fibonacci --size '1 0'")
    assert jobs.workload_entrypoint("m", [], local=False) == "python -m m"
    assert jobs.is_local_url("http://127.0.0.1:8265") and not jobs.is_local_url("http://203.0.113.9:8265")


def test_last_json_object_skips_log_lines() -> None:
    out = 'Running entrypoint\n{"a": 1}\n{not json\nbye\n'
    assert jobs.last_json_object(out) == {"a": 1}
    assert jobs.last_json_object("no result\n") is None
