"""Latest-wins delivery: a slow UI draws the newest snapshot, never a queue of stale ones."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from tests.app.fakes import T0, FakeSource, make_app, make_snapshot
from tests.app.test_keys import started, wait_for
from tui.core.history import History
from tui.core.model import Snapshot
from tui.poller import Poller


def test_the_slot_keeps_the_newest_and_notifies_once() -> None:
    notified: list[int] = []
    poller = Poller(lambda stop: None, lambda: notified.append(1), lambda err: None,
                    lambda: 1.0)
    for index in range(3):
        poller.offer(make_snapshot(time=T0 + index))
    assert len(notified) == 1  # one message for three snapshots
    taken = poller.take()
    assert taken is not None and taken.time == T0 + 2 and poller.dropped == 2
    assert poller.take() is None  # a late message for a taken slot finds nothing
    poller.offer(make_snapshot(time=T0 + 3))
    assert len(notified) == 2


class CountingSource(FakeSource):
    """A new snapshot at every poll: its time is T0 + the poll's number."""

    def __init__(self) -> None:
        super().__init__([make_snapshot()])
        self.history = History()

    def poll_once(self) -> Snapshot:
        with self.lock:
            snapshot = make_snapshot(time=T0 + self.polls)
            self.polls += 1
        self.history.add(snapshot)
        return snapshot


async def test_a_slow_frame_skips_to_the_newest_snapshot() -> None:
    source = CountingSource()
    app = make_app(source, interval_s=0.01)
    applied: list[float] = []
    real_apply = app.apply_snapshot

    def slow_apply(snapshot: Snapshot) -> None:
        applied.append(snapshot.time)
        real_apply(snapshot)
        if len(applied) <= 6:
            time.sleep(0.15)  # a frame far slower than the poll interval

    app.apply_snapshot = slow_apply  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await wait_for(pilot, lambda: len(applied) >= 6)
        polled = source.polls
        app.poller.stop(5.0)
    applied = applied[:6]
    gaps = [b - a for a, b in zip(applied, applied[1:], strict=False)]
    assert all(gap > 0 for gap in gaps), applied  # never back in time
    assert max(gaps) > 1, applied  # snapshots replaced while the frame was slow were skipped
    assert polled > 2 * len(applied), (len(applied), polled)
    assert app.poller.dropped > 0


def test_history_reads_while_the_poll_thread_appends() -> None:
    """The UI reads a History the poll thread fills: copies never see a half update."""
    history = History(maxlen=50)
    base = make_snapshot()
    key = base.workers[0].key
    stop = threading.Event()

    def fill() -> None:
        tick = 0
        while not stop.is_set():
            history.add(replace(base, time=T0 + tick))
            tick += 1

    writer = threading.Thread(target=fill)
    writer.start()
    try:
        deadline = time.monotonic() + 0.5
        reads = 0
        while time.monotonic() < deadline:
            series = history.worker_cpu(key)
            assert len(series) <= 50
            history.window(10.0)
            reads += 1
        assert reads > 100
    finally:
        stop.set()
        writer.join()
