"""Events in a replay: the Events tab lists the recorded events of the polls played, a
seek forward does not lose those it went over, and a seek back lists none twice.
(A real cluster's recording replays its events in tests/integration/test_watch_events.py.)"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tests.app.fakes import T0, make_snapshot
from tests.app.test_keys import wait_for
from tui.core.events import EventLog
from tui.core.model import Flag
from tui.core.record import Recording, SnapshotWriter
from tui.panels.events import EventsPanel
from tui.replay import ReplayApp, ReplaySource

SATURATED = Flag("saturated", "warning", "node head at 96%+ CPU for 3 polls", "", ("head",))


def recording_with_a_flag(path: Path) -> Path:
    """30 polls a second apart; saturated raised at 3 s, cleared at 5 s, raised again at 20 s."""
    log = EventLog()
    with SnapshotWriter(path) as writer:
        for t in range(30):
            flagged = 3 <= t < 5 or t >= 20
            writer.write(log.with_events(replace(make_snapshot(time=T0 + t, flags=()),
                                                 flags=(SATURATED,) if flagged else ())))
    return path


async def test_seeking_keeps_each_recorded_event_once(tmp_path: Path) -> None:
    with Recording(recording_with_a_flag(tmp_path / "rec.jsonl")) as recording:
        app = ReplayApp(ReplaySource(recording), "rec.jsonl", interval_s=3600.0)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.snapshots_applied >= 1)
            panel = app.query_one("#events-panel", EventsPanel)
            assert panel.events == []
            await pilot.press("right_square_bracket")  # +10: over the flag's two events
            await wait_for(pilot, lambda: app.replay.index == 10 and len(panel.events) == 2)
            assert [(e.kind, e.time - T0) for e in panel.events] == [
                ("flag_raised", 3.0), ("flag_cleared", 5.0)]
            await pilot.press("left_square_bracket")  # back to 0, then step over them again
            await wait_for(pilot, lambda: app.replay.index == 0)
            for _ in range(6):
                await pilot.press("full_stop")
            await wait_for(pilot, lambda: app.replay.index == 6)
            assert len(panel.events) == 2
            await pilot.press("dollar_sign")  # the end: the flag raised again at 20 s
            await wait_for(pilot, lambda: app.replay.at_end and len(panel.events) == 3)
            assert [(e.kind, e.time - T0) for e in panel.events][-1] == ("flag_raised", 20.0)
