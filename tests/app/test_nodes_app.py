"""The Nodes (n) and Events (v) tabs in the monitor, over fake sources: keys, enter on a
node, events kept across polls and tabs, and SVG snapshots at 80x24 and 160x48."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TabbedContent

from tests.app.fakes import FakeSource, make_app, make_snapshot
from tests.app.test_keys import started, wait_for
from tests.app.test_nodes_panel import GPU_NODE, HEAD, cluster
from tui.app import RaytuiApp
from tui.core.events import EventLog
from tui.core.model import Flag, Snapshot
from tui.panels.events import EventsPanel
from tui.panels.nodes import NodesPanel
from tui.panels.workers import WorkersPanel
from tui.poller import Poller
from tui.screens.detail import DetailScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
SATURATED = Flag("saturated", "warning", "node a1b2c3d4 at 96%+ CPU for 3 polls",
                 "Every core of this node is busy.", (HEAD,))


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times on screen (a node's death, events) in UTC: the snapshots do not depend on
    the machine's time zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def test_n_shows_the_nodes_and_enter_filters_the_workers_to_one() -> None:
    app = make_app(FakeSource([cluster()]))
    async with app.run_test(size=(160, 40)) as pilot:
        await started(pilot)
        await pilot.press("n")
        await pilot.pause()
        tabs = app.query_one("#tabs", TabbedContent)
        assert tabs.active == "nodes" and str(tabs.get_tab("nodes").label) == "Nodes 2/3"
        panel = app.query_one("#nodes-panel", NodesPanel)
        assert panel.table.row_count == 3 and app.focused is panel.table
        await pilot.press("down", "enter")  # the GPU node
        await pilot.pause()
        assert tabs.active == "workers"
        assert app.filter_text == GPU_NODE
        assert app.query_one("#filter", Input).value == GPU_NODE
        await pilot.pause()
        rows = app.query_one("#workers-panel", WorkersPanel).table.group_of
        assert sorted(rows) == [f"{GPU_NODE}:201", f"{GPU_NODE}:202"]  # its workers only


def flag_for_two_seconds() -> list[Snapshot]:
    log = EventLog()
    base = make_snapshot(flags=())
    return [log.with_events(Snapshot(**{**base.__dict__, "time": base.time + t,
                                        "flags": (SATURATED,) if 2 <= t < 4 else ()}))
            for t in range(8)]


async def test_events_are_kept_while_another_tab_is_shown() -> None:
    source = FakeSource(flag_for_two_seconds())
    app = make_app(source, interval_s=0.05)
    async with app.run_test(size=(120, 30)) as pilot:
        await started(pilot)
        await wait_for(pilot, lambda: source.polls >= 9)
        await pilot.pause(0.2)
        await pilot.press("v")
        await pilot.pause()
        panel = app.query_one("#events-panel", EventsPanel)
        assert [e.kind for e in panel.events] == ["flag_raised", "flag_cleared"]
        assert panel.table.row_count == 2
        assert str(app.query_one("#tabs", TabbedContent).get_tab("events").label) == "Events 2"
        await pilot.press("enter")  # the newest: the flag cleared after 2 s
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert "lasted    2.0 s" in str(app.screen.query_one("#detail-body").render())


def test_a_replaced_snapshot_hands_its_events_to_the_newer_one() -> None:
    poller = Poller(lambda stop: None, lambda: None, lambda err: None, lambda: 1.0)
    first, second, third = flag_for_two_seconds()[2:5]  # raised, nothing, cleared
    assert first.events and not second.events and third.events
    for snapshot in (first, second, third):
        poller.offer(snapshot)  # the UI was busy: it takes only the newest
    taken = poller.take()
    assert taken is not None and taken.time == third.time
    assert [e.kind for e in taken.events] == ["flag_raised", "flag_cleared"]


async def first_draw(pilot: Pilot[int]) -> None:
    app = pilot.app
    assert isinstance(app, RaytuiApp)
    await wait_for(pilot, lambda: app.snapshots_applied >= 1)
    await pilot.press("n")
    await pilot.pause()
    await pilot.pause(0.1)


@pytest.mark.parametrize("size", SIZES)
def test_nodes_tab_with_gpus(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(FakeSource([cluster()])), terminal_size=size,
                        run_before=first_draw)


def test_nodes_tab_without_gpus(snap_compare) -> None:
    assert snap_compare(make_app(FakeSource([cluster(gpus=False)])), terminal_size=(80, 24),
                        run_before=first_draw)


def test_events_tab(snap_compare) -> None:
    source = FakeSource(flag_for_two_seconds())
    done = threading.Event()

    async def events_drawn(pilot: Pilot[int]) -> None:
        await wait_for(pilot, lambda: source.polls >= 9)
        await pilot.pause(0.2)
        await pilot.press("v")
        await pilot.pause()
        done.set()

    assert snap_compare(make_app(source, interval_s=0.05), terminal_size=(80, 24),
                        run_before=events_drawn)
    assert done.is_set()
