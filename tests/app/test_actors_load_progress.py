"""Actors tab: a launched GSOD run's actors show their load progress in their rows (the
same progress the Workload tab draws as bars, issue 13), their class row the sum."""

from __future__ import annotations

from dataclasses import replace

from tests.app.fakes import HEAD, FakeLauncher, FakeSource, make_app, make_snapshot
from tests.app.test_keys import cell_text, started, wait_for
from tests.app.test_teaching_app import progress
from tui.core.model import Actor, ListInfo, Snapshot
from tui.panels.grouping import group_key
from tui.panels.keyed_table import KeyedTable
from tui.panels.workload import WorkloadPanel

LOADING_1980, LOADING_2020, OTHER = "a" * 32, "b" * 32, "c" * 32


def gsod_cluster() -> Snapshot:
    actors = (Actor(LOADING_1980, "GSODActor", "ALIVE", "", 2001, HEAD, 0, None, 90.0, 10),
              Actor(LOADING_2020, "GSODActor", "ALIVE", "", 2002, HEAD, 0, None, 80.0, 10),
              Actor(OTHER, "Counter", "ALIVE", "", 2003, HEAD, 0, None, 1.0, 10))
    return replace(make_snapshot(), actors=actors, actors_list=ListInfo(3, 3))


async def test_each_gsod_actors_row_shows_its_load_progress() -> None:
    steps = [("RUNNING", progress(1980, LOADING_1980, 100) + progress(2020, LOADING_2020, 50)),
             ("RUNNING", progress(1980, LOADING_1980, 600) + progress(2020, LOADING_2020, 400))]
    source = FakeSource([gsod_cluster()])
    app = make_app(source, FakeLauncher(steps=steps))
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot)
        table = app.query_one("#actors-table", KeyedTable)
        await pilot.press("tab", "tab")  # the Actors tab, before any run: no load column
        await pilot.pause()
        assert app.active_pane() == "actors" and "load" not in table.column_keys
        await pilot.press("g")
        workload = app.query_one(WorkloadPanel)
        await wait_for(pilot, lambda: workload.progress.get(LOADING_1980) is not None
                       and workload.progress[LOADING_1980].bytes == 600)
        app.poller.wake()  # the next poll draws the rows with the progress as of now
        await wait_for(pilot, lambda: "load" in table.column_keys)
        first = cell_text(table, LOADING_1980, "load")
        assert first.startswith("███████░░░░░") and " 60%" in first  # 600 of 1,000 bytes
        assert "1980 loading: 60 stations, 1,800 rows" in first
        assert " 40%" in cell_text(table, LOADING_2020, "load")
        assert cell_text(table, OTHER, "load") == ""  # not a GSOD actor: no bar
        assert " 50%" in cell_text(table, group_key("GSODActor"), "load")  # 1,000 of 2,000
        assert table.selected_key == group_key("GSODActor")
        await pilot.press("down", "enter")  # the busiest GSOD actor's details say it too
        await pilot.pause()
        body = str(app.screen.query_one("#detail-body").render())
        assert "1980: 60 stations, 1,800 rows, 600B of 1000B" in body
