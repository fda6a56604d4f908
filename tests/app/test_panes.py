"""The app loops over one table of panes: each pane's panel satisfies `Panel`, and a
new tab is one `Pane` entry (its tab, jump key, details, count and sort come from it)."""

from __future__ import annotations

from typing import ClassVar

import pytest
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widgets import TabbedContent

import tui.app
from tests.app.fakes import FakeSource, make_app, make_snapshot, screen_text
from tests.app.test_keys import started, wait_for
from tui.app import PANES, RaytuiApp, jump_bindings
from tui.core.model import Snapshot
from tui.panels.keyed_table import KeyedTable
from tui.panels.protocol import Detail, LabelledPanel, Pane, Panel, SortablePanel
from tui.panels.view import ViewState
from tui.screens.detail import DetailScreen
from tui.screens.help import HelpScreen


async def test_every_pane_is_a_tab_in_order_and_its_panel_is_a_panel() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        tabs = app.query_one("#tabs", TabbedContent)
        assert [pane.id for pane in tabs.query("TabPane")] == [p.id for p in PANES]
        for pane in PANES:
            assert isinstance(app.panel(pane.id), Panel), pane.id
        # the sortable and counted ones, as today
        assert {p.id for p in PANES if isinstance(app.panel(p.id), SortablePanel)} == {
            "workers", "actors"}
        assert str(tabs.get_tab("workers").label) == "Workers 5"
        assert str(tabs.get_tab("flags").label) == "Flags 1!"
        assert isinstance(app.panel("tasks"), LabelledPanel)


class NodesLikePanel(Vertical):
    """What a new tab's panel implements: show and selected_detail (here tab_label too)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.shown: list[Snapshot] = []

    def compose(self) -> ComposeResult:
        yield KeyedTable([("node", "node")], id="nodes-like-table")

    def show(self, snapshot: Snapshot, view: ViewState) -> None:
        self.shown.append(snapshot)
        table = self.query_one(KeyedTable)
        table.sync({n.node_id: (table.first_cell(n.hostname, n.node_id),)
                    for n in snapshot.nodes}, [n.node_id for n in snapshot.nodes])

    def selected_detail(self) -> Detail | None:
        key = self.query_one(KeyedTable).selected_key
        return (f"Node {key}", Text("a node")) if key else None

    def tab_label(self, snapshot: Snapshot) -> str:
        return f"Extra {len(snapshot.nodes)}"


async def test_a_new_pane_is_one_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    panes = (*PANES, Pane("extra", "Extra", "x", lambda: NodesLikePanel(id="extra-panel")))
    monkeypatch.setattr(tui.app, "PANES", panes)

    class AppWithNodes(RaytuiApp):  # BINDINGS are read when the class is made
        BINDINGS: ClassVar[list[BindingType]] = [*jump_bindings()]

    fake = FakeSource([make_snapshot()])
    app = AppWithNodes(open_source=lambda stop: fake, address_label="x", interval_s=3600.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        tabs = app.query_one("#tabs", TabbedContent)
        assert str(tabs.get_tab("extra").label) == "Extra 1"
        await pilot.press("x")
        await pilot.pause()
        assert tabs.active == "extra"
        panel = app.query_one("#extra-panel", NodesLikePanel)
        assert panel.shown  # drawn when shown (it was stale while hidden)
        assert app.focused is panel.query_one(KeyedTable)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert "Node " in screen_text(app, "#detail-title")
        await pilot.press("escape")
        await pilot.press("s")  # not sortable: says which tabs are
        await pilot.pause()
        assert any("s sorts the Workers and Actors tabs" in str(n.message)
                   for n in app._notifications)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = screen_text(app, "#help-keys")
        assert "Extra" in keys
        await pilot.press("escape")
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert "Extra" in titles
        await pilot.press("tab")  # extra is last: tab wraps to the first
        await pilot.pause()
        assert tabs.active == "workers"


async def test_when_the_cluster_is_gone_the_last_rows_stay_dimmed() -> None:
    from tui.core.model import Status

    source = FakeSource([make_snapshot()])
    async with make_app(source).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        table = app.query_one("#workers-table", KeyedTable)
        tabs = app.query_one("#tabs", TabbedContent)
        rows = table.row_count
        source.push(Snapshot(time=make_snapshot().time + 1,
                             status=Status(False, errors=("connection refused",))))
        app.poller.wake()
        await wait_for(pilot, lambda: app.snapshots_applied >= 2)
        await pilot.pause()
        assert table.row_count == rows == 5  # not emptied
        assert tabs.has_class("-cluster-gone")
        assert str(tabs.get_tab("workers").label) == "Workers 5"
        source.push(make_snapshot(time=make_snapshot().time + 2, flags=()))
        app.poller.wake()
        await wait_for(pilot, lambda: app.snapshots_applied >= 3)
        assert not tabs.has_class("-cluster-gone")
