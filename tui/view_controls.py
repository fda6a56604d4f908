"""The app's view controls: pause (p), the row filter (/, esc), the poll interval (+, -),
the key list in help (?) and the command palette, both generated from the BINDINGS.

A mixin of `RaytuiApp`, as `tui/row_actions.py` is for the row keys. The state they
change (`paused`, `filter_text`, `interval_s`) is held once, on the app; the poller reads
the interval from there. What loops over the panes (tab, sort, details) stays in
`tui/app.py` beside `PANES`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, TabbedContent

from tui.app_host import AppHost
from tui.panels.grouping import GroupedTable
from tui.panels.nodes import NodesPanel
from tui.poller import Poller
from tui.screens.help import HelpScreen

INTERVALS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0)


class ViewControls(AppHost):
    """Needs the app's `paused`, `filter_text`, `interval_s`, `poller` and its drawing."""

    paused: bool
    filter_text: str
    interval_s: float
    poller: Poller

    # --- the keys, listed -----------------------------------------------------

    def action_help(self) -> None:
        # the app's keys, then the grouped tables' own (→/← open and close a group)
        table_keys = [b for b in GroupedTable.BINDINGS if isinstance(b, Binding)]
        self.push_modal(HelpScreen([*self.key_bindings(), *table_keys]))

    def key_bindings(self) -> list[Binding]:
        """The keys this app adds (a subclass such as the replay adds its own): those in
        the footer, and the tab jumps (kept out of the footer so it does not fill up)."""
        bindings = []
        for cls in reversed(type(self).__mro__):  # the app and its subclasses, not Textual's App
            if isinstance(cls, type) and issubclass(cls, ViewControls) and "BINDINGS" in vars(cls):
                bindings += [b for b in vars(cls)["BINDINGS"] if isinstance(b, Binding)
                             and (b.show or b.action.startswith("jump("))]
        return bindings

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.key_bindings():
            if binding.action != "quit":
                yield SystemCommand(binding.description, f"key {binding.key}",
                                    lambda action=binding.action: self.run_action(action))

    # --- pause, filter, interval ---------------------------------------------

    def action_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            self._show_header()
        else:
            self.redraw()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-visible")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        if not self.paused:
            self.redraw()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one("#filter", Input).remove_class("-visible")
        self._focus_active_table()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_class("-visible") or self.filter_text:
            box.value = ""
            self.filter_text = ""
            box.remove_class("-visible")
            self._focus_active_table()
            self.redraw()

    def action_interval(self, step: int) -> None:
        index = min(range(len(INTERVALS)), key=lambda i: abs(INTERVALS[i] - self.interval_s))
        index = max(0, min(len(INTERVALS) - 1, index + step))
        self.interval_s = INTERVALS[index]
        self.poller.wake()  # the poller reads the interval from the app
        self._show_header()

    def on_nodes_panel_workers_of_node(self, message: NodesPanel.WorkersOfNode) -> None:
        """enter on a node: the Workers tab, filtered to that node."""
        box = self.query_one("#filter", Input)
        box.value = message.node_id  # the filter's Changed handler redraws
        self.filter_text = message.node_id
        self.query_one("#tabs", TabbedContent).active = "workers"
        self.notify(f"workers of node {message.node_id[:8]} (esc clears the filter)", timeout=3)
