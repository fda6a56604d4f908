"""When the collector asks a source again, and what it shows in between.

Every poll asks the cheap sources that show what moves: the worker list, this
machine's processes, the running tasks. The others change rarely or are refreshed
by Ray itself only every few seconds, and some cost Ray's state server a scan of
every task it holds. Asking them on every poll costs Ray and the monitor (it is
most of an idle monitor's CPU) for answers that are the same as last time, so:

- `Reused`: a fast answer served again until a cheap signal says it may have
  changed (`mark_changed`) or it is `max_age_s` old; never asked more often than
  every `min_period_s`.
- `BackgroundRefresh`: a slow answer (the task summary: seconds for 10,000 tasks)
  computed off the poll's path; each poll takes the latest one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures import wait as wait_for
from typing import Generic, TypeVar

T = TypeVar("T")

TIMEOUT_CAP_S = 30.0  # the longest a background refresh may take before it is an error
ANSWER_AGE_TARGET_S = 25.0  # issue 15: task counts never older than 30 s


class Reused(Generic[T]):
    def __init__(self, max_age_s: float, min_period_s: float = 0.0) -> None:
        self.max_age_s = max_age_s
        self.min_period_s = min_period_s
        self.value: T | None = None
        self.asked_at = -math.inf  # monotonic time the answer in `value` was asked for
        self._changed = True  # a signal said the answer may be out of date

    def due(self, now: float | None = None) -> bool:
        age = (time.monotonic() if now is None else now) - self.asked_at
        return (self.value is None or age >= self.max_age_s
                or (self._changed and age >= self.min_period_s))

    def mark_changed(self) -> None:
        self._changed = True

    def store(self, value: T, asked_at: float) -> None:
        self.value, self.asked_at, self._changed = value, asked_at, False

    def age_s(self, now: float | None = None) -> float:
        if self.value is None:
            return 0.0
        return max(0.0, (time.monotonic() if now is None else now) - self.asked_at)


class BackgroundRefresh(Generic[T]):
    """A slow call kept off the poll's critical path: each poll takes the latest answer.

    Ray's task summary reads every task the GCS holds: about 3-8 s for 10,000 tasks on
    this 2-core machine, a few ms for a classroom workload, and Ray's state server is
    slow to answer anything else meanwhile. A refresh starts when the poll says tasks
    may have moved (`changed`) and the spacing has passed, or when the answer is
    `max_age_s` old. The spacing is five times the last call's duration (at least
    `min_period_s`), so a slow summary keeps that server busy at most a fifth of the
    time; but shorter when that would let the answer grow older than
    `ANSWER_AGE_TARGET_S`, down to twice the duration (busy at most half the time): a
    7 s summary under churn is asked every 18 s, not 35 s (its counts were 42 s old). The first poll waits for the first answer (up to what the poll has left) so
    it never starts without counts.

    The call is given its timeout (`call(timeout_s)`), which adapts to its cost: three
    times the last successful call's duration, never below `timeout_s` nor above
    `timeout_cap_s`; a call that ran out of time doubles it (so a summary that needs
    7 s stops failing at 5 s). `clock` is the monotonic clock (tests pass a fake one).
    """

    def __init__(self, pool: Executor, call: Callable[[float], T],
                 timeout_s: float, min_period_s: float = 0.5, name: str = "task summary",
                 max_age_s: float = 0.0, timeout_cap_s: float = TIMEOUT_CAP_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._pool = pool
        self._call = call
        self._base_timeout_s = timeout_s
        self._cap_s = max(timeout_cap_s, timeout_s)
        self.timeout_s = timeout_s  # the next call's timeout (see the class docstring)
        self._min_period_s = min_period_s
        self._max_age_s = max_age_s
        self.name = name
        self._clock = clock
        self._future: Future[tuple[T, float]] | None = None
        self._started = -math.inf
        self._period_s = min_period_s
        self._changed = True
        self._value: T | None = None
        self._value_time = 0.0  # monotonic time the value was asked for

    def _timed_call(self, timeout_s: float) -> tuple[T, float]:
        started = self._clock()
        try:
            value = self._call(timeout_s)
        except Exception as err:
            raise _Failed(err, self._clock() - started) from err
        return value, self._clock() - started

    @property
    def in_flight(self) -> bool:
        return self._future is not None

    def start_if_due(self, changed: bool = True) -> None:
        """Start a refresh if none is running and one is due (see the class docstring)."""
        self._changed = self._changed or changed
        now = self._clock()
        elapsed = now - self._started
        due = self._value is None or elapsed >= max(self._max_age_s, self._period_s) or (
            self._changed and elapsed >= self._period_s)
        if self._future is None and due:
            self._started, self._changed = now, False
            self._future = self._pool.submit(self._timed_call, self.timeout_s)

    def latest(self, errors: list[str], wait_s: float | None = None) -> tuple[T | None, float]:
        """The newest value and its age in seconds; failures are added to `errors`.

        With no value yet, waits up to `wait_s` (default: the call's timeout) for the
        first one."""
        if self._value is None:
            self.start_if_due(changed=False)  # due anyway: nothing to show yet
        future = self._future
        if future is not None and self._value is None and not future.done():
            wait_for([future], timeout=self.timeout_s if wait_s is None else max(0.0, wait_s))
        if future is not None and future.done():
            self._future = None
            self._take(future, errors)
        elif future is not None and self._clock() - self._started >= self.timeout_s:
            waited = self._clock() - self._started
            errors.append(f"{self.name}: no answer within {waited:.0f} s (still waiting)")
        if self._value is None:
            return None, 0.0
        return self._value, max(0.0, self._clock() - self._value_time)

    def _take(self, future: Future[tuple[T, float]], errors: list[str]) -> None:
        try:
            self._value, duration = future.result()
        except _Failed as failed:
            self._changed = True  # try again at the next spacing
            if failed.duration_s >= 0.9 * self.timeout_s:  # it ran out of time
                self.timeout_s = min(self._cap_s, 2 * self.timeout_s)
            errors.append(f"{self.name}: {one_line(failed.error)}")
            return
        self._value_time = self._started
        # five times the cost, shortened to keep the answer under ANSWER_AGE_TARGET_S
        # (an answer is up to spacing + cost old) where the server is then busy at most half
        spacing = min(5 * duration, max(2 * duration, ANSWER_AGE_TARGET_S - duration))
        self._period_s = max(self._min_period_s, spacing)
        self.timeout_s = min(self._cap_s, max(self._base_timeout_s, 3 * duration))


class _Failed(Exception):
    """A refresh's failure, with how long the call ran (a timeout or a quick error?)."""

    def __init__(self, error: Exception, duration_s: float) -> None:
        super().__init__(str(error))
        self.error = error
        self.duration_s = duration_s


def one_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return lines[0][:300] if lines else type(err).__name__
