"""The app's workload keys: launch (f, g, F, G), the Lab (L), the lessons (T), the end of
a run (its event, its story, the lessons it completes) and q's question while one runs.

A mixin of `RaytuiApp`, as `tui/row_actions.py` is for the row keys: the app holds the
state (`workload`, `latest`, `poller`, `lessons`) and draws; this module starts and
follows the runs launched from here and answers for them when the user quits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.widgets import Static

from tui.app_host import AppHost
from tui.core.lessons import STEPS, Lessons
from tui.core.model import Snapshot
from tui.core.story import RunObserver, RunStory
from tui.launch import fibonacci, gsod
from tui.launch.background import RunningLaunch, WorkloadRun, WorkloadUpdate
from tui.launch.job_run import JobSpec
from tui.launch.jobs import JobClient
from tui.panels.workload import WorkloadPanel
from tui.poller import Poller
from tui.screens.lessons import LessonsScreen
from tui.screens.quit_running import QuitAnswer, QuitRunningScreen
from tui.screens.run_report import RunReportScreen
from tui.screens.workload_form import WorkloadForm


class WorkloadChanged(Message):
    def __init__(self, update: WorkloadUpdate) -> None:
        super().__init__()
        self.update = update


class WorkloadActions(AppHost):
    """Needs the app's `workload`, `latest`, `poller`, `lessons`, `redraw` and `push_modal`."""

    workload: WorkloadRun | None
    latest: Snapshot | None
    poller: Poller
    lessons: Lessons
    last_story: RunStory | None
    _observer: RunObserver | None
    _make_launcher: Callable[[], JobClient] | None
    _cluster_cpus: Callable[[], int]

    # --- launching ------------------------------------------------------------

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

    def action_workload_form(self, kind: str, step_id: str = "") -> None:
        """F and G; from the lessons, with a step's id: the form filled with its run."""
        preset = next((s.fib for s in STEPS if s.id == step_id), None)

        def launch_if_chosen(spec: JobSpec[Any] | None) -> None:
            if spec is not None:
                self.launch(spec)
            self.redraw()

        self.push_screen(WorkloadForm(kind, self._cpus(), self._memory_bytes(), preset),
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

        self.push_screen(LessonsScreen(self.lessons, self._cpus()), callback=launch_chosen)

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
