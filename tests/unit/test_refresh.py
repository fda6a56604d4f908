"""When the collector asks again: BackgroundRefresh (the slow task summary never holds up
a poll) and Reused (answers served again until a change or their age says otherwise)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from tui.core.refresh import BackgroundRefresh, Reused
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
        refresh.start_if_due()  # as a poll does: starts the second call in the background
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
            refresh.start_if_due()
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


def test_without_a_change_a_refresh_waits_for_max_age() -> None:
    call = SlowCall(0.0)
    with ThreadPoolExecutor(2) as pool:
        refresh = BackgroundRefresh(pool, call, timeout_s=5.0, min_period_s=0.1, max_age_s=0.6)
        errors: list[str] = []
        refresh.latest(errors)  # the first answer, waited for
        assert call.calls == 1
        time.sleep(0.2)  # past the spacing, but nothing moved and the answer is young
        refresh.start_if_due(changed=False)
        assert call.calls == 1
        refresh.start_if_due(changed=True)  # tasks moved: ask again
        time.sleep(0.1)
        assert refresh.latest(errors)[0] == TaskCounts({"FINISHED": 2}, ())
        time.sleep(0.7)  # old enough: asked even though nothing moved
        refresh.start_if_due(changed=False)
        time.sleep(0.1)
        assert refresh.latest(errors)[0] == TaskCounts({"FINISHED": 3}, ())
        assert errors == []


def test_a_change_seen_during_the_spacing_is_not_forgotten() -> None:
    call = SlowCall(0.0)
    with ThreadPoolExecutor(2) as pool:
        refresh = BackgroundRefresh(pool, call, timeout_s=5.0, min_period_s=0.3, max_age_s=60)
        refresh.latest([])
        refresh.start_if_due(changed=True)  # too soon after the last call
        assert call.calls == 1
        time.sleep(0.35)
        refresh.start_if_due(changed=False)  # the earlier change still counts
        time.sleep(0.1)
        assert call.calls == 2


def test_reused_answer_is_due_when_missing_changed_or_old() -> None:
    answer: Reused[str] = Reused(max_age_s=5.0, min_period_s=1.0)
    assert answer.due(100.0)  # nothing yet
    answer.store("a", asked_at=100.0)
    assert not answer.due(100.5) and not answer.due(104.9)
    assert answer.due(105.0)  # max age
    answer.mark_changed()
    assert not answer.due(100.5)  # a change, but asked less than min_period ago
    assert answer.due(101.0)
    assert answer.age_s(102.5) == 2.5
    answer.store("b", asked_at=102.0)
    assert not answer.due(103.5)  # storing clears the change
