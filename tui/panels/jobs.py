"""Jobs tab: the cluster's jobs from the jobs API (id, status, entrypoint, start, duration).

Asked while the tab is shown (at most every REFRESH_S, in a thread worker: `OnDemandPanel`).
`l` opens a job's log and `k` stops it: the app asks `selected_target()` for the row.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from tui.core.control import Target
from tui.core.model import Snapshot
from tui.core.sources.jobs_api import JobRow
from tui.panels.cells import show
from tui.panels.keyed_table import KeyedTable
from tui.panels.on_demand import OnDemandPanel
from tui.panels.protocol import Detail

REFRESH_S = 3.0
FetchJobs = Callable[[], list[JobRow]]
STATUS_STYLE = {"RUNNING": "green", "PENDING": "yellow", "SUCCEEDED": "", "FAILED": "red",
                "STOPPED": "yellow"}


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds // 60:.0f}m{seconds % 60:02.0f}s"
    return f"{seconds // 3600:.0f}h{seconds % 3600 // 60:02.0f}m"


def start_text(ms: int | None, today: float | None = None) -> str:
    """Clock time, with the date only when it was not today."""
    if not ms:
        return "-"
    when = time.localtime(ms / 1000)
    now = time.localtime(today if today is not None else time.time())
    same_day = (when.tm_year, when.tm_yday) == (now.tm_year, now.tm_yday)
    return time.strftime("%H:%M:%S" if same_day else "%m-%d %H:%M", when)


class JobsPanel(OnDemandPanel[list[JobRow]]):
    APP_FETCH = "fetch_jobs"
    DEFAULT_CSS = """
    JobsPanel #jobs-caption { height: 1; color: $text-muted; }
    """

    def __init__(self, fetch: FetchJobs | None = None, refresh_s: float = REFRESH_S,
                 now: Callable[[], float] = time.time, **kwargs: object) -> None:
        super().__init__(fetch, refresh_s, **kwargs)
        self._now = now

    def compose(self) -> ComposeResult:
        yield Static("asking Ray for its jobs...", id="jobs-caption")
        yield KeyedTable([("id", "job"), ("status", "status"), ("start", "start"),
                          ("duration", "took"), ("entrypoint", "entrypoint"),
                          ("message", "message")],
                         id="jobs-table")

    @property
    def table(self) -> KeyedTable:
        return self.query_one("#jobs-table", KeyedTable)

    @property
    def jobs(self) -> list[JobRow] | None:
        return self.answer

    def _draw(self) -> None:
        now = self._now()
        rows: dict[str, tuple[object, ...]] = {}
        for job in self.jobs or []:
            if not self._view.matches(job.id, job.status, job.entrypoint, job.message):
                continue
            rows[job.id] = (
                self.table.first_cell(job.id, job.id),
                Text(job.status, style=STATUS_STYLE.get(job.status, "")),
                start_text(job.start_ms, now), duration_text(job.duration_s(now)),
                job.entrypoint[:50], job.message[:80])
        self.table.sync(rows, list(rows))
        show(self.query_one("#jobs-caption", Static), self._caption())

    def _caption(self) -> str:
        if self.jobs is None:
            return f"cannot ask Ray: {self.failure}" if self.failure else \
                "asking Ray for its jobs..."
        running = sum(1 for j in self.jobs if j.status == "RUNNING")
        text = f"{len(self.jobs)} jobs, {running} running  l: log  k: stop"
        if self.failure:
            text += f"  ! {self.failure}"
        if self._view.filter_text:
            text += f"  filter: {self._view.filter_text!r}"
        return text

    def selected_job(self) -> JobRow | None:
        key = self.table.selected_key
        return next((j for j in self.jobs or [] if j.id == key), None) if key else None

    def selected_target(self) -> Target | None:
        job = self.selected_job()
        if job is None:
            return None
        return Target("job", job.driver_node_id, job.driver_pid, job_id=job.id,
                      name=job.entrypoint[:40])

    def selected_detail(self) -> Detail | None:
        job = self.selected_job()
        if job is None:
            return None
        body = Text()
        for label, value in (("status", job.status), ("kind", job.kind),
                             ("entrypoint", job.entrypoint), ("Ray job id", job.job_id or "-"),
                             ("submission id", job.submission_id or "-"),
                             ("started", start_text(job.start_ms)),
                             ("took", duration_text(job.duration_s(self._now()))),
                             ("driver pid", str(job.driver_pid or "-")),
                             ("message", job.message or "-")):
            body.append(f"{label:>14}  ", style="bold")
            body.append(f"{value}\n")
        return f"job {job.id}", body

    def tab_label(self, snapshot: Snapshot) -> str:
        if self.jobs is None:
            return "Jobs"
        running = sum(1 for j in self.jobs if j.status == "RUNNING")
        return f"Jobs {running}/{len(self.jobs)}"
