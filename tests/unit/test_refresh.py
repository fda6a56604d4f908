"""When the collector asks again: BackgroundRefresh (the slow task summary never holds up
a poll, and its timeout adapts to its cost) and Reused (answers served again until a
change or their age says otherwise). A fake clock and a hand-driven pool: no sleeps."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import pytest

from tui.core.refresh import BackgroundRefresh, Reused
from tui.core.sources.state_api import TaskCounts


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class HandPool(Executor):
    """Runs a submitted call only when the test says so (`run_next`)."""

    def __init__(self) -> None:
        self.queue: list[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self.queue.append((future, fn, args))
        return future

    def run_next(self) -> None:
        future, fn, args = self.queue.pop(0)
        try:
            future.set_result(fn(*args))
        except Exception as err:
            future.set_exception(err)


class Summary:
    """A call that takes `seconds` of the fake clock, and records the timeout it got."""

    def __init__(self, clock: FakeClock, seconds: float) -> None:
        self.clock = clock
        self.seconds = seconds
        self.calls = 0
        self.fail = False
        self.timeouts: list[float] = []

    def __call__(self, timeout_s: float) -> TaskCounts:
        self.calls += 1
        self.timeouts.append(timeout_s)
        self.clock.now += min(self.seconds, timeout_s)
        if self.fail or self.seconds > timeout_s:
            raise RuntimeError("summary broke\nsecond line")
        return TaskCounts(by_state={"FINISHED": self.calls}, by_function=())


def make(seconds: float = 0.3, **kwargs: Any) -> tuple[BackgroundRefresh[TaskCounts], Summary,
                                                        HandPool, FakeClock]:
    clock, pool = FakeClock(), HandPool()
    call = Summary(clock, seconds)
    kwargs.setdefault("min_period_s", 0.0)
    kwargs.setdefault("timeout_s", 5.0)
    return BackgroundRefresh(pool, call, clock=clock, **kwargs), call, pool, clock


def test_the_latest_answer_is_served_while_the_next_one_runs() -> None:
    refresh, call, pool, clock = make(0.3)
    refresh.start_if_due()
    pool.run_next()
    errors: list[str] = []
    value, age = refresh.latest(errors)
    assert value == TaskCounts({"FINISHED": 1}, ()) and errors == [] and age == pytest.approx(0.3)
    clock.now += 1.0  # less than 5 x 0.3 s: not due yet
    refresh.start_if_due()
    assert pool.queue == []
    clock.now += 0.6  # past the spacing: starts the second call in the background
    refresh.start_if_due()
    assert len(pool.queue) == 1
    value, _ = refresh.latest(errors)  # in flight: the poll is served the first answer
    assert value == TaskCounts({"FINISHED": 1}, ())
    pool.run_next()
    value, age = refresh.latest(errors)
    assert value == TaskCounts({"FINISHED": 2}, ()) and errors == [] and age == pytest.approx(0.3)


def test_a_failure_is_reported_and_the_last_value_kept() -> None:
    refresh, call, pool, clock = make(0.05)
    refresh.start_if_due()
    pool.run_next()
    refresh.latest([])
    call.fail = True
    clock.now += 1.0
    refresh.start_if_due()
    pool.run_next()
    errors: list[str] = []
    value, _ = refresh.latest(errors)
    assert errors == ["task summary: summary broke"]
    assert value == TaskCounts({"FINISHED": 1}, ())


def test_an_answer_that_never_comes_is_reported() -> None:
    refresh, call, pool, clock = make(1.5, timeout_s=0.5)
    errors: list[str] = []
    value, _ = refresh.latest(errors, wait_s=0.0)  # started, nothing to show yet
    assert value is None and errors == []
    clock.now += 0.6
    value, _ = refresh.latest(errors, wait_s=0.0)
    assert value is None and errors == ["task summary: no answer within 1 s (still waiting)"]


def test_without_a_change_a_refresh_waits_for_max_age() -> None:
    refresh, call, pool, clock = make(0.0, min_period_s=0.1, max_age_s=0.6)
    refresh.start_if_due()
    pool.run_next()
    refresh.latest([])
    clock.now += 0.2  # past the spacing, but nothing moved and the answer is young
    refresh.start_if_due(changed=False)
    assert pool.queue == []
    refresh.start_if_due(changed=True)  # tasks moved: ask again
    pool.run_next()
    assert refresh.latest([])[0] == TaskCounts({"FINISHED": 2}, ())
    clock.now += 0.7  # old enough: asked even though nothing moved
    refresh.start_if_due(changed=False)
    pool.run_next()
    assert refresh.latest([])[0] == TaskCounts({"FINISHED": 3}, ())


def test_a_change_seen_during_the_spacing_is_not_forgotten() -> None:
    refresh, call, pool, clock = make(0.0, min_period_s=0.3, max_age_s=60)
    refresh.start_if_due()
    pool.run_next()
    refresh.latest([])
    refresh.start_if_due(changed=True)  # too soon after the last call
    assert pool.queue == []
    clock.now += 0.35
    refresh.start_if_due(changed=False)  # the earlier change still counts
    assert len(pool.queue) == 1


def test_the_timeout_grows_after_a_timeout_and_follows_the_cost() -> None:
    """A summary that needs 7 s: the first call times out at 5 s, the next gets 10 s and
    answers; then the timeout is 3 x its cost (21 s), within the cap (30 s)."""
    refresh, call, pool, clock = make(7.0, timeout_s=5.0, timeout_cap_s=30.0)
    errors: list[str] = []
    refresh.start_if_due()
    pool.run_next()
    assert refresh.latest(errors)[0] is None and errors == ["task summary: summary broke"]
    assert refresh.timeout_s == 10.0
    clock.now += 1.0
    refresh.start_if_due()
    pool.run_next()
    assert refresh.latest(errors)[0] == TaskCounts({"FINISHED": 2}, ())
    assert call.timeouts == [5.0, 10.0] and refresh.timeout_s == 21.0
    call.seconds = 0.2  # cheap again: back to the base timeout
    clock.now += 40.0
    refresh.start_if_due()
    pool.run_next()
    refresh.latest(errors)
    assert refresh.timeout_s == 5.0 and len(errors) == 1


def test_the_timeout_never_passes_its_cap() -> None:
    refresh, call, pool, clock = make(100.0, timeout_s=5.0, timeout_cap_s=12.0)
    for _ in range(4):
        clock.now += 100.0
        refresh.start_if_due()
        pool.run_next()
        refresh.latest([])
    assert call.timeouts == [5.0, 10.0, 12.0, 12.0]


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
