"""One fetch round: the calls in flight, and one deadline per poll.

A poll starts its calls, then waits for all of them together until its deadline:
`timeout_s` (plus a grace for the HTTP client's own timeout to arrive as an error) from
the poll's start. A call whose source answered before is waited for only until the
soft deadline (`SOFT_WAIT_S`): the poll then shows the earlier answer with its age and
leaves the call running; a later poll takes its answer instead of asking again, so a
call is never started twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import Executor, Future
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field
from typing import Any, NamedTuple

# A poll waits this long for a source that answered before, then shows that answer
# (with its age) and takes the late one at a later poll.
SOFT_WAIT_S = 1.0
# The HTTP client times out at `timeout_s` too: its error arrives a moment after.
GRACE_S = 0.3


class Deadline:
    """One poll's deadlines, both counted from its start."""

    def __init__(self, started: float, timeout_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.started = started
        self.hard = started + timeout_s + GRACE_S
        self.soft = started + min(SOFT_WAIT_S, timeout_s)
        self._clock = clock

    def left(self, soft: bool = False) -> float:
        return max(0.0, (self.soft if soft else self.hard) - self._clock())


class Answer(NamedTuple):
    value: Any
    asked_at: float  # monotonic: a late answer is older than the poll that takes it


class _Call(NamedTuple):
    future: Future[Any]
    asked_at: float


@dataclass
class Outcome:
    """What a round got: answers, failures, and the calls still running."""

    answers: dict[str, Answer] = field(default_factory=dict)
    failed: dict[str, BaseException] = field(default_factory=dict)
    late: set[str] = field(default_factory=set)  # had an earlier answer: shown with its age
    overdue: set[str] = field(default_factory=set)  # no answer by the hard deadline


class Calls:
    """Calls in flight across polls, by key (a slot name or a node key)."""

    def __init__(self, pool: Executor, clock: Callable[[], float] = time.monotonic) -> None:
        self._pool = pool
        self._clock = clock
        self._in_flight: dict[str, _Call] = {}

    def start(self, key: str, call: Callable[[], Any]) -> bool:
        """Start `call` unless one is in flight for `key`; True when it started."""
        if key in self._in_flight:
            return False
        self._in_flight[key] = _Call(self._pool.submit(call), self._clock())
        return True

    def in_flight(self, key: str) -> bool:
        return key in self._in_flight

    def pending(self) -> Iterable[str]:
        return tuple(self._in_flight)

    def forget(self, key: str) -> None:
        """Drop a call whose answer is moot now (it still runs; its answer is ignored)."""
        self._in_flight.pop(key, None)

    def collect(self, keys: Collection[str], deadline: Deadline,
                soft: Collection[str] = ()) -> Outcome:
        """Wait for the calls of `keys` until the deadline (the soft one for `soft`)."""
        calls = {key: self._in_flight[key] for key in keys if key in self._in_flight}
        if calls:
            wait_for([c.future for c in calls.values()], timeout=deadline.left(soft=True))
        hard = [c.future for key, c in calls.items() if key not in soft and not c.future.done()]
        if hard:
            wait_for(hard, timeout=deadline.left())
        outcome = Outcome()
        for key, call in calls.items():
            if not call.future.done():
                (outcome.late if key in soft else outcome.overdue).add(key)
                continue  # still running: the next poll waits for this call, not a new one
            del self._in_flight[key]
            try:
                outcome.answers[key] = Answer(call.future.result(), call.asked_at)
            except Exception as err:
                outcome.failed[key] = err
        return outcome
