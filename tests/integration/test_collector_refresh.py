"""BackgroundRefresh: the slow task summary never holds up a poll (no Ray needed)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from tui.core.collector import BackgroundRefresh
from tui.core.sources.state_api import TaskCounts


class SlowCall:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.calls = 0
        self.fail = False

    def __call__(self) -> TaskCounts:
        self.calls += 1
        time.sleep(self.seconds)
        if self.fail:
            raise RuntimeError("summary broke\nsecond line")
        return TaskCounts(by_state={"FINISHED": self.calls}, by_function=())


def test_first_poll_waits_then_polls_use_the_latest_answer() -> None:
    call = SlowCall(0.3)
    with ThreadPoolExecutor(2) as pool:
        refresh = BackgroundRefresh(pool, call, timeout_s=5.0, min_period_s=0.0)
        errors: list[str] = []
        value, age = refresh.latest(errors)
        assert value is not None and value.by_state == {"FINISHED": 1} and errors == []
        # the next refresh is spaced by 5x the call's duration: served from the cache, fast
        started = time.monotonic()
        value, age = refresh.latest(errors)
        assert time.monotonic() - started < 0.1
        assert value is not None and value.by_state == {"FINISHED": 1} and age >= 0.3
        time.sleep(1.6)
        refresh.latest(errors)  # starts the second call in the background
        started = time.monotonic()
        value, _ = refresh.latest(errors)
        assert time.monotonic() - started < 0.1  # in flight: not waited for
        assert value is not None and value.by_state == {"FINISHED": 1}
        time.sleep(0.5)
        value, _ = refresh.latest(errors)
        assert value is not None and value.by_state == {"FINISHED": 2} and errors == []


def test_a_failure_is_reported_and_the_last_value_kept() -> None:
    call = SlowCall(0.05)
    with ThreadPoolExecutor(2) as pool:
        refresh = BackgroundRefresh(pool, call, timeout_s=5.0, min_period_s=0.0)
        errors: list[str] = []
        refresh.latest(errors)
        call.fail = True
        deadline = time.monotonic() + 5
        while not errors and time.monotonic() < deadline:  # the next refresh fails
            time.sleep(0.1)
            value, _ = refresh.latest(errors)
        assert errors == ["task summary: summary broke"]
        assert value is not None and value.by_state == {"FINISHED": 1}


def test_an_answer_that_never_comes_is_reported() -> None:
    call = SlowCall(1.5)
    with ThreadPoolExecutor(2) as pool:
        refresh = BackgroundRefresh(pool, call, timeout_s=0.5, min_period_s=0.0)
        errors: list[str] = []
        started = time.monotonic()
        value, _ = refresh.latest(errors)
        assert value is None and time.monotonic() - started < 1.0
        assert errors and errors[0].startswith("task summary: no answer")
