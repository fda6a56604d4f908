"""The app's row actions: log (l), stack (t), kill or stop (k), signal a process (K).

A mixin of `RaytuiApp`: it asks the active panel for the selected row's `Target`
(`selected_target()`, an optional panel method), opens the log view or the stack modal,
and runs every stopping action behind a confirmation naming what will be stopped,
refused in one line under `--read-only`. Blocking calls (HTTP, GCS, py-spy) run in
thread workers; the result comes back as a notification.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tui.app_host import AppHost
from tui.core.control import ClusterLink, Control, Refused, Target
from tui.core.model import Snapshot
from tui.core.sources.logs import LogFeed
from tui.core.sources.stacks import StackResult
from tui.core.text import error_line
from tui.screens.confirm import YES, Choice, ConfirmScreen

NO_ROW = "select a worker, actor, task or job row first"


def target_from_panel(panel: object, pane_id: str, snapshot: Snapshot | None) -> Target | None:
    """The panel's own `selected_target()`, else the selected row of a core tab, by its key."""
    selected = getattr(panel, "selected_target", None)
    if callable(selected):
        result = selected()
        return result if isinstance(result, Target) else None
    if snapshot is None:
        return None
    from textual.widget import Widget

    from tui.panels.keyed_table import KeyedTable

    if not isinstance(panel, Widget):
        return None
    # the Tasks tab has two tables: the focused one is the row the user means
    tables = [t for t in panel.query(KeyedTable) if t.has_focus] or list(panel.query(KeyedTable))
    key = tables[0].selected_key if tables else None
    return target_for_row(pane_id, key, snapshot) if key else None


def target_for_row(pane_id: str, key: str, snapshot: Snapshot) -> Target | None:
    """Rows are keyed as the core panels key them: worker "node:pid", actor id, task id."""
    if pane_id == "workers":
        worker = next((w for w in snapshot.workers if f"{w.node_id}:{w.pid}" == key), None)
        if worker is None:
            return None
        kind = "actor" if worker.actor_id else "worker"
        return Target(kind, worker.node_id, worker.pid, worker.actor_id,  # type: ignore[arg-type]
                      worker.running_task.task_id if worker.running_task else None,
                      name=worker.title.removeprefix("ray::"),
                      local=worker.cpu_source == "psutil",
                      function=worker.running_task.name if worker.running_task else "")
    if pane_id == "actors":
        actor = next((a for a in snapshot.actors if a.actor_id == key), None)
        if actor is None:
            return None
        label = f"{actor.class_name} {actor.name}".strip()
        return Target("actor", actor.node_id, actor.pid, actor.actor_id, name=label)
    if pane_id == "tasks":
        task = next((t for t in (*snapshot.tasks.running, *snapshot.tasks.failed)
                     if t.task_id == key), None)
        if task is None:
            return None
        return Target("task", task.node_id, task.worker_pid, task.actor_id, task.task_id,
                      name=task.name, function=task.name)
    return None


def with_locality(target: Target, snapshot: Snapshot | None) -> Target:
    """Whether the process runs on this machine: the collector samples those with psutil."""
    if target.local or target.pid is None or snapshot is None:
        return target
    from dataclasses import replace

    worker = next((w for w in snapshot.workers
                   if w.pid == target.pid and w.node_id == target.node_id), None)
    if worker is None:
        return target
    function = target.function or (worker.running_task.name if worker.running_task else "")
    return replace(target, local=worker.cpu_source == "psutil", function=function)


class RowActions(AppHost):
    """Needs `cluster_link`, `read_only`, `latest`, `push_modal` and `active_panel_widget`."""

    cluster_link: Callable[[], ClusterLink] | None
    read_only: bool
    latest: Snapshot | None
    _sigtermed: set[tuple[str | None, int]]

    # --- helpers ------------------------------------------------------------

    def selected_target(self) -> Target | None:
        snapshot = getattr(self, "shown", None) or self.latest
        target = target_from_panel(self.active_panel_widget(), self.active_pane(), snapshot)
        return with_locality(target, self.latest) if target is not None else None

    def _link(self) -> ClusterLink | None:
        if self.cluster_link is None:
            self.notify("no cluster to act on here", severity="warning", timeout=3)
            return None
        try:
            return self.cluster_link()
        except Exception as err:  # e.g. still connecting
            self.notify(f"not connected yet: {error_line(err)}", severity="warning", timeout=4)
            return None

    def make_control(self, link: ClusterLink) -> Control:
        return Control(link.dashboard_url, read_only=self.read_only,
                       gcs_address=link.gcs_address)

    def _refuse_if_read_only(self, target: Target) -> bool:
        try:
            Control("", read_only=self.read_only).check_allowed(target.describe())
        except Refused as err:
            self.notify(str(err), severity="warning", timeout=5)
            return True
        return False

    def _run_control(self, action: Callable[[], str]) -> None:
        def run() -> None:
            try:
                message, severity = action(), "information"
            except Refused as err:
                message, severity = str(err), "warning"
            except Exception as err:  # one line, the app keeps running
                message, severity = f"failed: {error_line(err)}", "error"
            self.call_from_thread(self.notify, message, severity=severity, timeout=6)

        self.run_worker(run, thread=True, group="control", exit_on_error=False)

    # --- what the Errors and Jobs tabs ask (in their thread workers) ----------

    def fetch_errors(self) -> Any:
        from tui.core.sources.errors import ErrorsSource
        from tui.core.sources.http import DashboardHttp

        http = DashboardHttp(self._link_or_raise().dashboard_url, timeout_s=10.0)
        try:
            return ErrorsSource(http).report()
        finally:
            http.close()

    def fetch_jobs(self) -> Any:
        from tui.core.sources.jobs_api import JobsApi

        api = JobsApi(self._link_or_raise().dashboard_url)
        try:
            return api.jobs()
        finally:
            api.close()

    def _link_or_raise(self) -> ClusterLink:
        if self.cluster_link is None:
            raise Refused("no cluster here")
        return self.cluster_link()

    # --- l: log ---------------------------------------------------------------

    def action_row_log(self) -> None:
        target = self.selected_target()
        if target is None:
            self.notify(f"l shows a log: {NO_ROW}", timeout=3)
            return
        link = self._link()
        if link is None:
            return
        feed = self.log_feed(target, link)
        if feed is None:
            self.notify(f"{target.describe()} has no log to show (no process)", timeout=4)
            return
        from tui.screens.log_view import LogViewScreen

        self.push_modal(LogViewScreen(feed))

    def log_feed(self, target: Target, link: ClusterLink) -> LogFeed | None:
        """A job's log from the jobs API; any other row's from the state API."""
        if target.kind == "job":
            from tui.core.sources.jobs_api import JobLogFeed, JobsApi

            return JobLogFeed(JobsApi(link.dashboard_url), target.job_id or "")
        log_target = target.log_target()
        if log_target is None:
            return None
        from tui.core.sources.logs import LogSource, ProcessLogFeed

        return ProcessLogFeed(LogSource(link.dashboard_url), log_target)

    # --- t: stack -------------------------------------------------------------

    def action_row_stack(self) -> None:
        target = self.selected_target()
        if target is None or target.kind not in ("worker", "actor") or not target.pid:
            self.notify("t shows a stack: select a worker or a live actor row", timeout=3)
            return
        link = self._link()
        if link is None:
            return
        from tui.screens.stack import StackScreen

        self.push_modal(StackScreen(f"stack of {target.describe()}",
                                    self.stack_fetch(target, link), target.function))

    def stack_fetch(self, target: Target, link: ClusterLink) -> Callable[[], StackResult]:
        from tui.core.sources.http import DashboardHttp
        from tui.core.sources.stacks import stack_of

        pid, node = target.pid or 0, target.node_id or ""

        def fetch() -> StackResult:
            http = DashboardHttp(link.dashboard_url)
            try:
                return stack_of(http, pid, node, target.local)
            finally:
                http.close()

        return fetch

    # --- k: kill an actor, stop a job -------------------------------------------

    def action_row_kill(self) -> None:
        target = self.selected_target()
        if target is None or target.kind not in ("actor", "job"):
            self.notify("k kills an actor or stops a job (K signals a worker process)",
                        timeout=4)
            return
        if self._refuse_if_read_only(target):
            return
        link = self._link()
        if link is None:
            return
        control = self.make_control(link)
        if target.kind == "job":
            job_id = target.job_id or ""

            def stop(answer: str | None) -> None:
                if answer:
                    self._run_control(lambda: control.stop_job(job_id))

            self.push_screen(ConfirmScreen(f"Stop job {job_id}?",
                                           f"{target.name}\nRay stops its driver and the "
                                           "tasks and actors the job started."), stop)
            return
        choices = (Choice("y", "kill, no restart", "no_restart"),
                   Choice("r", "kill, let Ray restart it", "restart"))

        by_signal = not link.gcs_address and target.local and bool(target.pid)

        def kill(answer: str | None) -> None:
            if not answer:
                return
            if by_signal:  # K on this row then goes on to SIGKILL
                self._sigtermed.add((target.node_id, target.pid or 0))
            self._run_control(lambda: control.kill_actor(target, answer == "no_restart"))

        how = ("through Ray (by actor id)" if link.gcs_address else
               "by SIGTERM to its process (dashboard-only connection)")
        self.push_screen(ConfirmScreen(
            f"Kill {target.describe()}?",
            f"Its running and queued calls fail. raytui kills it {how}.", choices), kill)

    # --- K: signal a worker process on this machine -----------------------------

    def action_row_terminate(self) -> None:
        target = self.selected_target()
        if target is None or target.kind not in ("worker", "actor") or not target.pid:
            self.notify("K signals a process: select a worker or a live actor row", timeout=3)
            return
        if self._refuse_if_read_only(target):
            return
        if not target.local:
            self.notify(f"cannot signal {target.describe()}: it runs on another machine "
                        "(k kills actors through Ray)", severity="warning", timeout=5)
            return
        control = self.make_control(ClusterLink(""))
        key = (target.node_id, target.pid)
        force = key in self._sigtermed
        signal_name = "SIGKILL" if force else "SIGTERM"
        body = ("It did not exit after SIGTERM: SIGKILL ends it at once." if force else
                "Ray marks its tasks failed (and restarts actors that allow it). "
                "Press K again for SIGKILL if it does not exit.")

        def send(answer: str | None) -> None:
            if not answer:
                return
            if not force:
                self._sigtermed.add(key)
            self._run_control(lambda: control.signal_worker(target, force))

        self.push_screen(ConfirmScreen(f"Send {signal_name} to {target.describe()}?", body, YES),
                         send)
