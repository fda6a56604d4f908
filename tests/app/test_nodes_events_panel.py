"""The Events panel mounted in a small app: kept across snapshots, newest first, detail."""

from __future__ import annotations

from dataclasses import replace

from textual.app import App, ComposeResult

from tui.core.events import EventLog
from tui.core.model import Flag, Snapshot, Status
from tui.panels.events import EventsPanel
from tui.panels.view import ViewState

T0 = 1_700_000_000.0
FLAG = Flag("uneven", "warning", "95% of the work ran on 1 worker", "call ray.get once",
            ("node-a",))


class EventsApp(App[None]):
    def compose(self) -> ComposeResult:
        yield EventsPanel(maxlen=50, id="events-panel")


def polls(count: int, flag_at: range = range(3, 5)) -> list[Snapshot]:
    log = EventLog()
    return [log.with_events(Snapshot(time=T0 + t, status=Status(True),
                                     flags=(FLAG,) if t in flag_at else ()))
            for t in range(count)]


async def test_events_outlive_their_flag_and_show_newest_first() -> None:
    app = EventsApp()
    async with app.run_test(size=(120, 20)) as pilot:
        panel = app.query_one(EventsPanel)
        snapshots = polls(60)
        for snapshot in snapshots[:-1]:
            panel.keep(snapshot)  # fed every poll while another tab is on screen
        panel.show(snapshots[-1], ViewState())
        panel.show(snapshots[-1], ViewState())  # a redraw adds nothing
        await pilot.pause()
        table = panel.table
        assert table.row_count == 2
        newest = table.get_row_at(0)
        assert newest[1].plain == "flag_cleared" and "cleared after 2 s" in newest[3]
        assert table.get_row_at(1)[1].plain == "flag_raised"
        table.focus()
        await pilot.pause()
        title, body = panel.selected_detail() or ("", None)
        assert title == "flag cleared" and body is not None
        assert "lasted    2.0 s" in body.plain and "call ray.get once" in body.plain


async def test_filter_and_bound() -> None:
    app = EventsApp()
    async with app.run_test(size=(120, 20)) as pilot:
        panel = app.query_one(EventsPanel)
        for snapshot in polls(200, flag_at=range(0, 200, 2)):
            panel.keep(snapshot)
        assert len(panel.events) == 50  # bounded, the newest kept
        assert panel.events[-1].time == T0 + 199
        panel.show(replace(Snapshot(time=T0 + 300, status=Status(True))),
                   ViewState(filter_text="raised"))
        await pilot.pause()
        assert panel.table.row_count == 25
        assert "25 of 50 events" in str(app.query_one("#events-caption").render())
