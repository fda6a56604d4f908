"""Watching a run while it lasts: the collector polled on its own thread into a
`RunObserver`, for `raytui run ... --observe` (the app feeds its observer from its own
poll loop instead)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from tui.core.model import Snapshot, Task
from tui.core.story import RunObserver, RunStory


class PollSource(Protocol):
    def poll_once(self) -> Snapshot: ...


class ObservedRun:
    """`with ObservedRun(collector, title) as run: ...; story = run.finish(result)`."""

    def __init__(self, source: PollSource, title: str, interval_s: float = 0.5,
                 clock: Callable[[], float] = time.time) -> None:
        self._source = source
        self._interval_s = interval_s
        self._clock = clock
        self.observer = RunObserver(title, started_at=clock())
        self.polls = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="raytui-observe", daemon=True)

    def __enter__(self) -> ObservedRun:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            snapshot = self._source.poll_once()  # never raises (the Collector's contract)
            self.observer.add(snapshot)
            self.polls += 1
            self._stop.wait(self._interval_s)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def finish(self, result: Mapping[str, Any] | None = None,
               task_rows: Iterable[Task] | None = None) -> RunStory:
        ended = self._clock()
        self.stop()
        return self.observer.finish(ended, result, task_rows)
