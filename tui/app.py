"""The Textual monitor: panels over the snapshots a poll thread delivers.

Data flow: `Poller` (a daemon thread) calls the source's `poll_once()` (the source
records its History and runs the detectors there) and offers the snapshot latest-wins:
`SnapshotArrived` is posted only when no snapshot is already waiting, and the app takes
the newest one. Unless paused or a modal is open, it is applied to the visible panel
inside `batch_update()`. Startup draws at once ("starting Ray...") because Ray is
started by `BackgroundConnection`, off the UI.

Tabs come from one table, `PANES`: compose, the jump keys, details, sort and the tab
counts loop over it (each panel satisfies `tui.panels.protocol.Panel`).

Over 400 lines (about 630): besides the pane loop it still holds the workload section
(launching, the quit question), the teaching hooks (a run's story, lessons) and the
keys. The next split is a mixin per concern, as `tui/row_actions.py` already is for l,
t, k and K.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
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
from tui.core.lesson_text import Lang
from tui.core.lessons import Lessons, default_lang
from tui.core.model import Snapshot
from tui.core.story import RunObserver, RunStory
from tui.launch import fibonacci, gsod
from tui.launch.background import RunningLaunch, WorkloadRun, WorkloadUpdate
from tui.launch.job_run import JobSpec
from tui.launch.jobs import JobClient
from tui.panels.actors import ActorsPanel
from tui.panels.cells import show
from tui.panels.errors import ErrorsPanel
from tui.panels.events import EventsPanel
from tui.panels.flags import FlagsPanel, flag_line
from tui.panels.grouping import GroupedTable
from tui.panels.header import HeaderPanel
from tui.panels.jobs import JobsPanel
from tui.panels.nodes import NodesPanel
from tui.panels.protocol import LabelledPanel, NodesOnScreen, Pane, Panel, SortablePanel
from tui.panels.task_stream import TaskStreamPanel
from tui.panels.tasks import TasksPanel
from tui.panels.view import ViewState
from tui.panels.workers import WorkersPanel
from tui.panels.workload import WorkloadPanel
from tui.panels.workload_tab import WorkloadTab
from tui.poller import Poller, SnapshotSource
from tui.row_actions import RowActions
from tui.screens.detail import DetailScreen
from tui.screens.help import HelpScreen
from tui.screens.lessons import LessonsScreen
from tui.screens.quit_running import QuitAnswer, QuitRunningScreen
from tui.screens.run_report import RunReportScreen
from tui.screens.workload_form import WorkloadForm

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
INTERVALS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0)

SourceOpener = Callable[[threading.Event], SnapshotSource | None]


class SnapshotArrived(Message):
    """A snapshot waits in the poller's slot (take it with `Poller.take`)."""


class PollFailed(Message):
    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


class WorkloadChanged(Message):
    def __init__(self, update: WorkloadUpdate) -> None:
        super().__init__()
        self.update = update


def jump_bindings() -> list[Binding]:
    """One key per pane that has one; out of the footer (it would fill it), in help."""
    return [Binding(pane.key, f"jump('{pane.id}')", pane.title, show=False)
            for pane in PANES if pane.key]


class RaytuiApp(RowActions):  # RowActions: l, t, k, K on the selected row (tui/row_actions.py)
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
        text = str(message.error).strip().splitlines()
        self.connection_state = f"cannot connect: {text[0] if text else type(message.error).__name__}"
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
            # the cluster is gone: keep its last rows on screen, dimmed (see app.tcss);
            # the header says what happened
            self._show_header()
            self.snapshots_applied += 1
            return
        self.shown = snapshot
        active = self.active_pane()
        with self.batch_update():
            self._show_header()
            self._stale = {pane.id for pane in PANES} - {active}
            panel = self.panel(active)
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

    # --- keys ---------------------------------------------------------------

    def action_help(self) -> None:
        # the app's keys, then the grouped tables' own (→/← open and close a group)
        table_keys = [b for b in GroupedTable.BINDINGS if isinstance(b, Binding)]
        self.push_modal(HelpScreen([*self.key_bindings(), *table_keys]))

    def key_bindings(self) -> list[Binding]:
        """The keys this app adds (a subclass such as the replay adds its own): those in
        the footer, and the tab jumps (kept out of the footer so it does not fill up)."""
        bindings = []
        for cls in reversed(type(self).__mro__):
            if isinstance(cls, type) and issubclass(cls, RaytuiApp) and "BINDINGS" in vars(cls):
                bindings += [b for b in vars(cls)["BINDINGS"] if isinstance(b, Binding)
                             and (b.show or b.action.startswith("jump("))]
        return bindings

    def action_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            self._show_header()
        else:
            self.redraw()

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

    def on_nodes_panel_workers_of_node(self, message: NodesPanel.WorkersOfNode) -> None:
        """enter on a node: the Workers tab, filtered to that node."""
        box = self.query_one("#filter", Input)
        box.value = message.node_id  # the filter's Changed handler redraws
        self.filter_text = message.node_id
        self.query_one("#tabs", TabbedContent).active = "workers"
        self.notify(f"workers of node {message.node_id[:8]} (esc clears the filter)", timeout=3)

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
        params = fibonacci.watch_params(self._cpus())
        try:
            fibonacci.check(params, self._cpus(), self._memory_bytes())
        except ValueError as err:
            self.notify(f"Fibonacci not launched: {err}", severity="warning")
            return
        self.launch(fibonacci.job(params))

    def action_launch_gsod(self) -> None:
        self.launch(gsod.job(gsod.watch_params()))

    def _cpus(self) -> int:
        cpus = int(self.latest.cluster.cpus_total) if self.latest else 0
        return cpus or self._cluster_cpus()

    def _memory_bytes(self) -> int | None:
        """The cluster's memory, for the Fibonacci check (None: this machine's)."""
        return (self.latest.cluster.memory_total_bytes or None) if self.latest else None

    def action_workload_form(self, kind: str) -> None:
        def launch_if_chosen(spec: JobSpec[Any] | None) -> None:
            if spec is not None:
                self.launch(spec)
            self.redraw()

        self.push_screen(WorkloadForm(kind, self._cpus(), self._memory_bytes()),
                         callback=launch_if_chosen)

    def launch(self, spec: JobSpec[Any]) -> None:
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
        self._observer = RunObserver(spec.title, time.time())
        self.record_event("workload_started", f"launched {spec.title}")
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
            self._end_of_run(update)
            severity: SeverityLevel = "information" if update.status == "SUCCEEDED" else "error"
            self.notify(f"{update.title}: {update.status.lower()} {update.message}".strip(),
                        severity=severity, timeout=5)

    # --- teaching -------------------------------------------------------------

    def record_event(self, kind: str, message: str, detail: str = "") -> None:
        """An event from here (a workload started or ended) into the source's event log,
        so it is in the Events tab, `watch --jsonl` and recordings like the others."""
        events = getattr(self.poller.source, "events", None)
        if events is not None:
            events.record(kind, message, detail=detail)

    def _end_of_run(self, update: WorkloadUpdate) -> None:
        """The run launched from here ended: its event, its story, the lessons it completes."""
        observer, self._observer = self._observer, None
        outcome = update.result[0] if update.result else update.message
        self.record_event("workload_ended",
                          f"{update.title}: {update.status.lower()}"
                          + (f": {outcome}" if outcome else ""), "\n".join(update.result))
        if observer is None or update.status != "SUCCEEDED":
            return
        story = observer.finish(time.time(), update.result_data)
        self.last_story = story
        for step in self.lessons.observe_story(story):
            self.notify(self.lessons.ui("completed").format(
                title=self.lessons.text(step, "title")), timeout=8)
        self.push_modal(RunReportScreen(story))

    def lab_sweep_ended(self, summary: dict[str, Any]) -> None:
        """The Lab reports a finished sweep: a found crossover completes its lesson."""
        for step in self.lessons.observe_lab(summary):
            self.notify(self.lessons.ui("completed").format(
                title=self.lessons.text(step, "title")), timeout=8)

    def action_lessons(self) -> None:
        if isinstance(self.screen, LessonsScreen):
            return

        def launch_chosen(action: str | None) -> None:
            self.redraw()
            if action:
                self.call_after_refresh(self.run_action, action)

        self.push_screen(LessonsScreen(self.lessons), callback=launch_chosen)

    def action_toggle_stream(self) -> None:
        """w: the task stream (who ran what, over the last 60 s), and back to the workers."""
        self.action_jump("workers" if self.active_pane() == "stream" else "stream")

    # --- quitting while a workload runs --------------------------------------

    async def action_quit(self) -> None:
        """q: when a workload launched from here still runs, ask what to do with its job."""
        running = self.running_launches()
        if not running:
            self.exit()
            return
        if isinstance(self.screen, QuitRunningScreen):
            return

        def answered(answer: QuitAnswer | None) -> None:
            if answer not in ("stop", "leave"):
                self.redraw()
                return
            for launch in running:
                if answer == "stop":
                    launch.stop_job()
                else:
                    launch.leave_running()
            self.exit()

        self.push_screen(QuitRunningScreen([launch.describe() for launch in running]),
                         callback=answered)

    def running_launches(self) -> list[RunningLaunch]:
        """The Workload tab's job and the Lab's sweep, while they run."""
        from tui.screens.lab import LabScreen

        launches: list[RunningLaunch] = []
        if self.workload is not None and self.workload.running:
            launches.append(self.workload)
        lab = self.get_screen("lab") if self.is_screen_installed("lab") else None
        if isinstance(lab, LabScreen) and lab.running:
            launches.append(lab)
        return launches

    # --- command palette -----------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.key_bindings():
            if binding.action != "quit":
                yield SystemCommand(binding.description, f"key {binding.key}",
                                    lambda action=binding.action: self.run_action(action))
