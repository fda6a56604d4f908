"""The Textual monitor: panels over the snapshots a poll thread delivers.

Data flow: `Poller` (a daemon thread) calls the source's `poll_once()` (the source
records its History and runs the detectors there) and offers the snapshot latest-wins:
`SnapshotArrived` is posted only when no snapshot is already waiting, and the app takes
the newest one. Unless paused or a modal is open, it is applied to the visible panel
inside `batch_update()`. Startup draws at once ("starting Ray...") because Ray is
started by `BackgroundConnection`, off the UI.

Tabs come from one table, `PANES`: compose, the jump keys, details, sort and the tab
counts loop over it (each panel satisfies `tui.panels.protocol.Panel`).

The rest is in mixins, one concern each: the row keys l, t, k, K (`row_actions.py`),
launching, the Lab, the lessons and q's question (`workload_actions.py`), and the view
controls with the key list (`view_controls.py`), all beside this file.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static, TabbedContent, TabPane

from tui.core.control import ClusterLink
from tui.core.history import History
from tui.core.lesson_text import Lang
from tui.core.lessons import Lessons, default_lang
from tui.core.model import Snapshot
from tui.core.story import RunObserver, RunStory
from tui.core.text import error_line
from tui.launch.background import WorkloadRun
from tui.launch.jobs import JobClient
from tui.panels.actors import ActorsPanel
from tui.panels.cells import show
from tui.panels.errors import ErrorsPanel
from tui.panels.events import EventsPanel
from tui.panels.flags import FlagsPanel, flag_line
from tui.panels.header import HeaderPanel
from tui.panels.jobs import JobsPanel
from tui.panels.nodes import NodesPanel
from tui.panels.protocol import (
    LabelledPanel,
    NodesOnScreen,
    Pane,
    Panel,
    ShowsLoadProgress,
    SortablePanel,
)
from tui.panels.task_stream import TaskStreamPanel
from tui.panels.tasks import TasksPanel
from tui.panels.view import ViewState
from tui.panels.workers import WorkersPanel
from tui.panels.workload import WorkloadPanel
from tui.panels.workload_tab import WorkloadTab
from tui.poller import Poller, SnapshotSource
from tui.row_actions import RowActions
from tui.screens.detail import DetailScreen
from tui.view_controls import ViewControls
from tui.workload_actions import WorkloadActions

# Every tab, in order. Adding a tab is one entry here: a panel built by `make` with the
# id "<id>-panel" that satisfies `Panel` (optionally `SortablePanel`, `LabelledPanel`);
# a non-empty `key` adds the binding `jump('<id>')`.
PANES: tuple[Pane, ...] = (
    Pane("workers", "Workers", "", lambda: WorkersPanel(id="workers-panel")),
    Pane("tasks", "Tasks", "", lambda: TasksPanel(id="tasks-panel")),
    Pane("actors", "Actors", "", lambda: ActorsPanel(id="actors-panel")),
    Pane("flags", "Flags", "", lambda: FlagsPanel(id="flags-panel")),
    Pane("workload", "Workload", "", lambda: WorkloadTab(id="workload-tab-panel")),
    Pane("nodes", "Nodes", "n", lambda: NodesPanel(id="nodes-panel")),
    # asked on demand while shown (tui/core/sources/errors.py, jobs_api.py)
    Pane("errors", "Errors", "e", lambda: ErrorsPanel(id="errors-panel")),
    Pane("jobs", "Jobs", "J", lambda: JobsPanel(id="jobs-panel")),
    Pane("events", "Events", "v", lambda: EventsPanel(id="events-panel")),
    # w toggles between it and Workers (action_toggle_stream), so no jump key of its own
    Pane("stream", "Stream", "", lambda: TaskStreamPanel(id="stream-panel")),
)

SourceOpener = Callable[[threading.Event], SnapshotSource | None]


class SnapshotArrived(Message):
    """A snapshot waits in the poller's slot (take it with `Poller.take`)."""


class PollFailed(Message):
    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


def jump_bindings() -> list[Binding]:
    """One key per pane that has one; out of the footer (it would fill it), in help."""
    return [Binding(pane.key, f"jump('{pane.id}')", pane.title, show=False)
            for pane in PANES if pane.key]


class RaytuiApp(RowActions, WorkloadActions, ViewControls):  # the mixins: see the docstring
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live anywhere
    TITLE = "raytui"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]
    # A plain list: other screens (e.g. the Lab, key L) are added with a one-line edit.
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("p", "pause", "Pause"),
        Binding("s", "sort", "Sort"),
        Binding("slash", "filter", "Filter"),
        Binding("plus", "interval(1)", "Interval +"),
        Binding("minus", "interval(-1)", "Interval -"),
        Binding("f", "launch_fibonacci", "Fibonacci"),
        Binding("g", "launch_gsod", "GSOD"),
        Binding("F", "workload_form('fibonacci')", "Fibonacci form"),
        Binding("G", "workload_form('gsod')", "GSOD form"),
        Binding("L", "open_lab", "Lab"),
        Binding("T", "lessons", "Lessons"),
        Binding("w", "toggle_stream", "Task stream / workers"),
        Binding("tab", "next_panel", "Next panel", priority=True),
        Binding("enter", "details", "Details"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("l", "row_log", "Log of the row"),
        Binding("t", "row_stack", "Stack of the row"),
        Binding("k", "row_kill", "Kill actor / stop job"),
        Binding("K", "row_terminate", "SIGTERM, then SIGKILL, a process"),
        *jump_bindings(),
    ]

    def __init__(self, *, open_source: SourceOpener, address_label: str,
                 interval_s: float = 1.0,
                 make_launcher: Callable[[], JobClient] | None = None,
                 cluster_cpus: Callable[[], int] = lambda: os.cpu_count() or 1,
                 cluster_link: Callable[[], ClusterLink] | None = None,
                 read_only: bool = False,
                 lessons: Lessons | None = None, lang: Lang | None = None,
                 open_lessons: bool = False) -> None:
        super().__init__()
        self.cluster_link = cluster_link  # logs, stacks, errors, jobs and control
        self.read_only = read_only  # refuse whatever stops something
        self._sigtermed: set[tuple[str | None, int]] = set()
        self.address_label = address_label
        self.connection_state = "starting Ray..."
        self.connected_label = "connected"
        # the view's controls, held here once (the poller reads the interval from here)
        self.interval_s = interval_s
        self.paused = False
        self.filter_text = ""
        self.latest: Snapshot | None = None  # the newest snapshot polled
        self.shown: Snapshot | None = None  # the snapshot on screen (older when paused)
        self._stale: set[str] = set()  # tabs not redrawn since `shown` changed
        self._wanted_nodes: list[str] = []  # told to the source (want_nodes)
        self.snapshots_received = 0
        self.snapshots_applied = 0
        self._no_history = History()  # until the source is open
        self.workload: WorkloadRun | None = None
        # teaching: the story of the run launched from here, and the lessons it completes
        self.lessons = lessons if lessons is not None else Lessons(lang=lang or default_lang())
        self._open_lessons = open_lessons
        self._observer: RunObserver | None = None
        self.last_story: RunStory | None = None
        self._make_launcher = make_launcher
        self._cluster_cpus = cluster_cpus
        self.poller = Poller(open_source, self._notify_from_thread, self._fail_from_thread,
                             lambda: self.interval_s)

    @property
    def history(self) -> History:
        """The source's History (its one owner fills it on the poll thread)."""
        source = self.poller.source
        return source.history if source is not None else self._no_history

    # --- layout -------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield HeaderPanel(id="header")
        with Horizontal(id="body"):
            with TabbedContent(id="tabs", initial=PANES[0].id):
                for pane in PANES:
                    with TabPane(pane.title, id=pane.id):
                        yield pane.make()
            with Vertical(id="side"):
                yield Static("Flags", classes="side-title")
                yield Static("none", id="side-flags")
                yield Static("Workload", classes="side-title")
                yield Static("nothing launched yet (f: Fibonacci, g: GSOD)",
                             id="side-workload")
        yield Input(placeholder="filter rows (enter keeps, esc clears)", id="filter")
        yield Footer()

    def on_mount(self) -> None:
        self._show_header()
        self._focus_active_table()
        self.poller.start()
        if self._open_lessons:  # raytui learn
            self.call_after_refresh(self.action_lessons)

    def on_unmount(self) -> None:
        self.stop_background(timeout=5.0)

    def stop_background(self, timeout: float = 10.0) -> None:
        """Stop polling and following; idempotent. Closing the source happens on its thread."""
        self.poller.stop(timeout)
        if self.workload is not None:
            self.workload.stop()

    # --- data in ------------------------------------------------------------

    def _notify_from_thread(self) -> None:
        self.post_message(SnapshotArrived())

    def _fail_from_thread(self, error: BaseException) -> None:
        self.post_message(PollFailed(error))

    def _panels_gone(self) -> bool:
        """Messages posted by the threads can arrive while the app is shutting down."""
        return self.query_one_optional("#header") is None

    def on_snapshot_arrived(self, message: SnapshotArrived) -> None:
        snapshot = self.poller.take()  # the newest: older ones were replaced, not queued
        if snapshot is None or self._panels_gone():
            return
        self.latest = snapshot
        self.snapshots_received += 1
        if self._observer is not None:
            self._observer.add(snapshot)  # the run's story counts every poll, paused or not
        self.connection_state = self.connected_label
        # events are news once: kept whichever tab is shown, paused or not
        self.query_one("#events-panel", EventsPanel).keep(snapshot)
        if self.paused or len(self.screen_stack) > 1:
            self._show_header()  # history keeps going while paused (the source records)
            return
        self.apply_snapshot(snapshot)

    def on_poll_failed(self, message: PollFailed) -> None:
        if self._panels_gone():
            return
        self.connection_state = f"cannot connect: {error_line(message.error)}"
        self._show_header()

    def view_state(self, snapshot: Snapshot) -> ViewState:
        history = self.history
        return ViewState(self.filter_text, snapshot.flags, history.worker_cpu,
                         self.interval_s, history.node_cpu, history.window)

    def panel(self, pane_id: str) -> Panel:
        """The panel of a pane (every pane has one; see PANES)."""
        widget = self.query_one(f"#{pane_id}", TabPane).children[0]
        assert isinstance(widget, Panel), f"{pane_id}: {type(widget).__name__} is not a Panel"
        return widget

    def apply_snapshot(self, snapshot: Snapshot) -> None:
        """Draw one snapshot: the header, the visible panel (keyed diffs), the summaries.

        A snapshot that did not reach the cluster leaves the last connected rows on
        screen, dimmed, instead of emptying every table.

        Hidden tabs are only marked stale and drawn when shown: a big cluster's actor
        table costs nothing while the user looks at the workers.
        """
        gone = not snapshot.status.connected
        self.query_one("#tabs", TabbedContent).set_class(gone, "-cluster-gone")
        if gone and self.shown is not None and self.shown.status.connected:
            # the cluster is gone: its last rows stay, dimmed (app.tcss); the header says why
            self._show_header()
            self.snapshots_applied += 1
            return
        self.shown = snapshot
        active = self.active_pane()
        with self.batch_update():
            self._show_header()
            self._stale = {pane.id for pane in PANES} - {active}
            panel = self.panel(active)
            if isinstance(panel, ShowsLoadProgress):  # a launched GSOD run's actors
                panel.load_progress = self.query_one("#workload-panel", WorkloadPanel).progress
            panel.show(snapshot, self.view_state(snapshot))
            self._want_nodes(panel)
            self._show_tab_counts(snapshot)
            side = Text("\n").join([flag_line(f) for f in snapshot.flags]) \
                if snapshot.flags else "none"
            show(self.query_one("#side-flags", Static), side)
        self.snapshots_applied += 1

    def _want_nodes(self, panel: Panel) -> None:
        """Tell a source that refreshes nodes in turns which ones are on screen."""
        want = getattr(self.poller.source, "want_nodes", None)
        if want is None or not isinstance(panel, NodesOnScreen):
            return
        nodes = panel.nodes_on_screen()
        if nodes != self._wanted_nodes:
            self._wanted_nodes = nodes
            want(nodes)

    def _show_tab_counts(self, snapshot: Snapshot) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        for pane in PANES:
            panel = self.panel(pane.id)
            label = panel.tab_label(snapshot) if isinstance(panel, LabelledPanel) else pane.title
            tab = tabs.get_tab(pane.id)
            if str(tab.label) != label:
                tab.label = label

    def header_position(self) -> str:
        return ""

    def _show_header(self) -> None:
        self.query_one("#header", HeaderPanel).show(
            address=self.address_label, state=self.connection_state, snapshot=self.latest,
            interval_s=self.interval_s, paused=self.paused, position=self.header_position())

    def redraw(self) -> None:
        if self.latest is not None:
            self.apply_snapshot(self.latest)
        else:
            self._show_header()

    # --- the keys that go over the panes --------------------------------------

    def active_pane(self) -> str:
        return str(self.query_one("#tabs", TabbedContent).active)

    def active_panel_widget(self) -> object:
        return self.panel(self.active_pane())

    def action_sort(self) -> None:
        panel = self.panel(self.active_pane())
        if not isinstance(panel, SortablePanel):
            sortable = [p.title for p in PANES if isinstance(self.panel(p.id), SortablePanel)]
            self.notify(f"s sorts the {' and '.join(sortable)} tabs", timeout=3)
            return
        order = panel.cycle_sort()
        if self.shown is not None:  # the view on screen (frozen when paused), re-sorted
            panel.show(self.shown, self.view_state(self.shown))
        self.notify(f"sorted by {order}", timeout=2)

    def action_jump(self, pane_id: str) -> None:
        if len(self.screen_stack) > 1:
            return
        self.query_one("#tabs", TabbedContent).active = pane_id

    def action_next_panel(self) -> None:
        focused = self.focused
        if len(self.screen_stack) > 1:
            self.screen.focus_next()
            return
        if isinstance(focused, Input):
            self._filter_submitted()
            return
        tabs = self.query_one("#tabs", TabbedContent)
        ids = [pane.id for pane in PANES]
        tabs.active = ids[(ids.index(self.active_pane()) + 1) % len(ids)]
        self._focus_active_table()

    def _focus_active_table(self) -> None:
        pane = self.query_one(f"#{self.active_pane()}", TabPane)
        tables = pane.query(DataTable)
        if tables:
            tables.first().focus()
        else:
            self.set_focus(None)

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        if self.query_one_optional("#tabs") is None:  # a late message while shutting down
            return
        pane = self.active_pane()
        if pane in self._stale and self.shown is not None:
            self._stale.discard(pane)  # the view that was frozen or last drawn
            self.panel(pane).show(self.shown, self.view_state(self.shown))
        self.call_after_refresh(self._focus_active_table)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_details()

    def action_details(self) -> None:
        detail = self.panel(self.active_pane()).selected_detail()
        if detail is not None:
            self.open_detail(*detail)

    def open_detail(self, title: str, body: Text | str) -> None:
        self.push_modal(DetailScreen(title, body))

    def push_modal(self, screen: Screen[Any]) -> None:
        """Snapshots are not drawn while a modal is open: catch up when it closes."""
        self.push_screen(screen, callback=lambda _: self.redraw())

    def action_toggle_stream(self) -> None:
        """w: the task stream (who ran what, over the last 60 s), and back to the workers."""
        self.action_jump("workers" if self.active_pane() == "stream" else "stream")
