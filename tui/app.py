"""The Textual monitor: panels over the snapshots a poll thread delivers.

Data flow: `Poller` (a daemon thread) calls the source's `poll_once()` and posts a
`SnapshotArrived` message; the app records history and, unless paused or a modal is
open, applies the snapshot to every panel inside `batch_update()`. Startup draws at
once ("starting Ray...") because Ray is started by `BackgroundConnection`, off the UI.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static, TabbedContent, TabPane

from tui.core.control import ClusterLink
from tui.core.history import History
from tui.core.model import Snapshot
from tui.panels.actors import ActorsPanel
from tui.panels.cells import show
from tui.panels.errors import ErrorsPanel
from tui.panels.flags import FlagsPanel, flag_line
from tui.panels.header import HeaderPanel
from tui.panels.jobs import JobsPanel
from tui.panels.tasks import TasksPanel
from tui.panels.view import ViewState
from tui.panels.workers import WorkersPanel
from tui.panels.workload import WorkloadPanel
from tui.poller import Poller, SnapshotSource
from tui.row_actions import RowActions
from tui.screens.detail import (
    DetailScreen,
    actor_detail,
    flag_detail,
    task_detail,
    worker_detail,
)
from tui.screens.help import HelpScreen
from tui.screens.workload_form import WorkloadForm
from tui.workload_runs import (
    Launcher,
    WorkloadRun,
    WorkloadSpec,
    WorkloadUpdate,
    fibonacci_spec,
    gsod_spec,
)

PANES = ("workers", "tasks", "actors", "flags", "errors", "jobs", "workload")
TABLE_PANES = {"workers": WorkersPanel, "tasks": TasksPanel, "actors": ActorsPanel,
               "flags": FlagsPanel, "errors": ErrorsPanel, "jobs": JobsPanel}
INTERVALS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
FIB_SIZE = 100_000
FIB_TASKS_PER_CPU = 8  # enough queued work to watch the workers fill up for a while
GSOD_YEARS = (1980, 2020)
GSOD_SCALE = 0.02  # the workload's own default: seconds, not minutes

TablePanel = WorkersPanel | TasksPanel | ActorsPanel | FlagsPanel | ErrorsPanel | JobsPanel
SourceOpener = Callable[[threading.Event], SnapshotSource | None]


class SnapshotArrived(Message):
    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class PollFailed(Message):
    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


class WorkloadChanged(Message):
    def __init__(self, update: WorkloadUpdate) -> None:
        super().__init__()
        self.update = update


class RaytuiApp(RowActions):
    CSS_PATH = "app.tcss"
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
        Binding("tab", "next_panel", "Next panel", priority=True),
        Binding("enter", "details", "Details"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("e", "jump('errors')", "Errors tab"),
        Binding("J", "jump('jobs')", "Jobs tab"),
        Binding("l", "row_log", "Log of the row"),
        Binding("t", "row_stack", "Stack of the row"),
        Binding("k", "row_kill", "Kill actor / stop job"),
        Binding("K", "row_terminate", "SIGTERM, then SIGKILL, a process"),
    ]

    def __init__(self, *, open_source: SourceOpener, address_label: str,
                 interval_s: float = 1.0,
                 make_launcher: Callable[[], Launcher] | None = None,
                 cluster_cpus: Callable[[], int] = lambda: os.cpu_count() or 1,
                 cluster_link: Callable[[], ClusterLink] | None = None,
                 read_only: bool = False) -> None:
        super().__init__()
        self.cluster_link = cluster_link  # for logs, stacks, errors, jobs and control
        self.read_only = read_only
        self._sigtermed: set[tuple[str | None, int]] = set()
        self.address_label = address_label
        self.connection_state = "starting Ray..."
        self.connected_label = "connected"
        self.interval_s = interval_s
        self.paused = False
        self.filter_text = ""
        self.latest: Snapshot | None = None  # the newest snapshot polled
        self.shown: Snapshot | None = None  # the snapshot on screen (older when paused)
        self._stale: set[str] = set()  # tabs not redrawn since `shown` changed
        self.snapshots_received = 0
        self.snapshots_applied = 0
        self.history = History()  # for sparklines; the collector keeps its own for flags
        self.workload: WorkloadRun | None = None
        self._make_launcher = make_launcher
        self._cluster_cpus = cluster_cpus
        self.poller = Poller(open_source, self._deliver_from_thread, self._fail_from_thread,
                             interval_s)

    # --- layout -------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield HeaderPanel(id="header")
        with Horizontal(id="body"):
            with TabbedContent(id="tabs", initial="workers"):
                with TabPane("Workers", id="workers"):
                    yield WorkersPanel(id="workers-panel")
                with TabPane("Tasks", id="tasks"):
                    yield TasksPanel(id="tasks-panel")
                with TabPane("Actors", id="actors"):
                    yield ActorsPanel(id="actors-panel")
                with TabPane("Flags", id="flags"):
                    yield FlagsPanel(id="flags-panel")
                with TabPane("Errors", id="errors"):
                    yield ErrorsPanel(id="errors-panel")
                with TabPane("Jobs", id="jobs"):
                    yield JobsPanel(id="jobs-panel")
                with TabPane("Workload", id="workload"):
                    yield WorkloadPanel(id="workload-panel")
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
        self.query_one("#workers-panel", WorkersPanel).table.focus()
        self.poller.start()

    def on_unmount(self) -> None:
        self.stop_background(timeout=5.0)

    def stop_background(self, timeout: float = 10.0) -> None:
        """Stop polling and following; idempotent. Closing the source happens on its thread."""
        self.poller.stop(timeout)
        if self.workload is not None:
            self.workload.stop()

    # --- data in ------------------------------------------------------------

    def _deliver_from_thread(self, snapshot: Snapshot) -> None:
        self.post_message(SnapshotArrived(snapshot))

    def _fail_from_thread(self, error: BaseException) -> None:
        self.post_message(PollFailed(error))

    def _panels_gone(self) -> bool:
        """Messages posted by the threads can arrive while the app is shutting down."""
        return self.query_one_optional("#header") is None

    def on_snapshot_arrived(self, message: SnapshotArrived) -> None:
        if self._panels_gone():
            return
        self.latest = message.snapshot
        self.snapshots_received += 1
        self.connection_state = self.connected_label
        self.record_history(message.snapshot)  # history keeps going while paused
        if self.paused or len(self.screen_stack) > 1:
            self._show_header()
            return
        self.apply_snapshot(message.snapshot)

    def on_poll_failed(self, message: PollFailed) -> None:
        if self._panels_gone():
            return
        text = str(message.error).strip().splitlines()
        self.connection_state = f"cannot connect: {text[0] if text else type(message.error).__name__}"
        self._show_header()

    def record_history(self, snapshot: Snapshot) -> None:
        self.history.add(snapshot)

    def view_state(self, snapshot: Snapshot) -> ViewState:
        return ViewState(self.filter_text, snapshot.flags, self.history.worker_cpu,
                         self.interval_s)

    def _panel(self, pane: str) -> TablePanel | None:
        if pane not in TABLE_PANES:
            return None
        panel = self.query_one(f"#{pane}-panel")
        assert isinstance(panel, TablePanel)
        return panel

    def active_panel_widget(self) -> object:
        return self._panel(self.active_pane())

    def action_jump(self, pane: str) -> None:
        self.query_one("#tabs", TabbedContent).active = pane
        self._focus_active_table()

    def apply_snapshot(self, snapshot: Snapshot) -> None:
        """Draw one snapshot: the header, the visible panel (keyed diffs), the summaries.

        Hidden tabs are only marked stale and drawn when shown: a big cluster's actor
        table costs nothing while the user looks at the workers.
        """
        self.shown = snapshot
        active = self.active_pane()
        with self.batch_update():
            self._show_header()
            self._stale = set(TABLE_PANES) - {active}
            panel = self._panel(active)
            if panel is not None:
                panel.show(snapshot, self.view_state(snapshot))
            self._show_tab_counts(snapshot)
            side = Text("\n").join([flag_line(f) for f in snapshot.flags]) \
                if snapshot.flags else "none"
            show(self.query_one("#side-flags", Static), side)
        self.snapshots_applied += 1

    def _show_tab_counts(self, snapshot: Snapshot) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        labels = {
            "workers": f"Workers {len(snapshot.workers)}",
            "tasks": f"Tasks {len(snapshot.tasks.running)}",
            "actors": f"Actors {len(snapshot.actors)}",
            "flags": f"Flags {len(snapshot.flags)}" + ("!" if snapshot.flags else ""),
        }
        for pane, label in labels.items():
            tab = tabs.get_tab(pane)
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

    # --- keys ---------------------------------------------------------------

    def action_help(self) -> None:
        self.push_modal(HelpScreen(self.key_bindings()))

    def key_bindings(self) -> list[Binding]:
        """The keys this app adds (a subclass such as the replay adds its own)."""
        bindings = []
        for cls in reversed(type(self).__mro__):
            if isinstance(cls, type) and issubclass(cls, RaytuiApp) and "BINDINGS" in vars(cls):
                bindings += [b for b in vars(cls)["BINDINGS"] if isinstance(b, Binding) and b.show]
        return bindings

    def action_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            self._show_header()
        else:
            self.redraw()

    def active_pane(self) -> str:
        return str(self.query_one("#tabs", TabbedContent).active)

    def action_sort(self) -> None:
        panel = {"workers": "#workers-panel", "actors": "#actors-panel"}.get(self.active_pane())
        if panel is None:
            self.notify("s sorts the Workers and Actors tabs", timeout=3)
            return
        order = self.query_one(panel).cycle_sort()  # type: ignore[attr-defined]
        self.notify(f"sorted by {order}", timeout=2)

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
        self.poller.interval_s = self.interval_s
        self.poller.wake()
        self._show_header()

    def action_next_panel(self) -> None:
        focused = self.focused
        if len(self.screen_stack) > 1:
            self.screen.focus_next()
            return
        if isinstance(focused, Input):
            self._filter_submitted()
            return
        tabs = self.query_one("#tabs", TabbedContent)
        tabs.active = PANES[(PANES.index(self.active_pane()) + 1) % len(PANES)]
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
        pane = self.active_pane()
        panel = self._panel(pane)
        if pane in self._stale and panel is not None and self.shown is not None:
            self._stale.discard(pane)  # the view that was frozen or last drawn
            panel.show(self.shown, self.view_state(self.shown))
        self.call_after_refresh(self._focus_active_table)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_details()

    def action_details(self) -> None:
        pane = self.active_pane()
        detail: tuple[str, Text] | None = None
        if pane == "workers":
            worker = self.query_one("#workers-panel", WorkersPanel).selected_worker()
            if worker is not None:
                flags = self.latest.flags if self.latest else ()
                detail = worker_detail(
                    worker, self.history.worker_cpu(worker.pid, worker.node_id), flags)
        elif pane == "actors":
            actor = self.query_one("#actors-panel", ActorsPanel).selected_actor()
            detail = actor_detail(actor) if actor is not None else None
        elif pane == "tasks":
            task = self.query_one("#tasks-panel", TasksPanel).selected_task()
            detail = task_detail(task) if task is not None else None
        elif pane == "flags":
            flag = self.query_one("#flags-panel", FlagsPanel).selected_flag()
            detail = flag_detail(flag) if flag is not None else None
        elif pane in ("errors", "jobs"):
            panel = self._panel(pane)
            detail = panel.selected_detail() if isinstance(panel, ErrorsPanel | JobsPanel) else None
        if detail is not None:
            self.open_detail(*detail)

    def open_detail(self, title: str, body: Text | str) -> None:
        self.push_modal(DetailScreen(title, body))

    def push_modal(self, screen: Screen[Any]) -> None:
        """Snapshots are not drawn while a modal is open: catch up when it closes."""
        self.push_screen(screen, callback=lambda _: self.redraw())

    # --- workloads ----------------------------------------------------------

    def action_open_lab(self) -> None:
        """The trade-offs lab; installed once, so a sweep outlives esc (watch its workers)."""
        from tui.screens.lab import LabScreen

        if isinstance(self.screen, LabScreen):
            return
        if not self.is_screen_installed("lab"):
            self.install_screen(LabScreen(make_launcher=self._make_launcher), name="lab")
        self.push_screen("lab")

    def action_launch_fibonacci(self) -> None:
        self.launch(fibonacci_spec(FIB_SIZE, FIB_TASKS_PER_CPU * self._cpus()))

    def action_launch_gsod(self) -> None:
        self.launch(gsod_spec(*GSOD_YEARS, GSOD_SCALE))

    def _cpus(self) -> int:
        cpus = int(self.latest.cluster.cpus_total) if self.latest else 0
        return cpus or self._cluster_cpus()

    def action_workload_form(self, kind: str) -> None:
        def launch_if_chosen(spec: WorkloadSpec | None) -> None:
            if spec is not None:
                self.launch(spec)
            self.redraw()

        self.push_screen(WorkloadForm(kind, self._cpus()), callback=launch_if_chosen)

    def launch(self, spec: WorkloadSpec) -> None:
        if self._make_launcher is None:
            self.notify("no cluster to launch on here", severity="warning")
            return
        if self.workload is not None and self.workload.running:
            self.notify(f"{self.workload.spec.title} is still running", severity="warning")
            return
        def post(update: WorkloadUpdate) -> None:
            self.post_message(WorkloadChanged(update))

        self.workload = WorkloadRun(spec, self._make_launcher, post)
        self.workload.start()
        self.notify(f"launched {spec.title}: see the Workload tab", timeout=3)

    def on_workload_changed(self, message: WorkloadChanged) -> None:
        update = message.update
        if self._panels_gone():
            return
        self.query_one("#workload-panel", WorkloadPanel).show(update)
        side = Text(f"{update.title}\n{update.status}", style="bold")
        if update.message:
            side.append(f"\n{update.message}", style="")
        if update.result:
            side.append("\n" + "\n".join(update.result), style="")
        self.query_one("#side-workload", Static).update(side)
        if update.finished:
            severity: SeverityLevel = "information" if update.status == "SUCCEEDED" else "error"
            self.notify(f"{update.title}: {update.status.lower()} {update.message}".strip(),
                        severity=severity, timeout=5)

    # --- command palette -----------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.key_bindings():
            if binding.action != "quit":
                yield SystemCommand(binding.description, f"key {binding.key}",
                                    lambda action=binding.action: self.run_action(action))
