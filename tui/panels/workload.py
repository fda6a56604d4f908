"""Workload panel: what was launched from the app, its status, output and result."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Log, ProgressBar, Static

from tui.launch.background import WorkloadUpdate
from workloads.gsod.progress_lines import GsodProgress, parse_progress_line

STATUS_STYLE = {"SUCCEEDED": "bold green", "FAILED": "bold red", "STOPPED": "bold yellow",
                "RUNNING": "bold cyan", "PENDING": "cyan", "SUBMITTING": "cyan"}


class WorkloadPanel(Vertical):
    """The run's status, output and result; GSOD's load progress as one bar per actor."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.progress: dict[str, GsodProgress] = {}  # by actor id: each actor's latest line

    DEFAULT_CSS = """
    WorkloadPanel #workload-status { height: auto; max-height: 3; }
    WorkloadPanel #workload-result { height: auto; max-height: 8; color: $success; }
    WorkloadPanel Log { height: 1fr; }
    WorkloadPanel .load-progress { height: 1; }
    WorkloadPanel .load-progress Static { width: 44; }
    """

    def compose(self) -> ComposeResult:
        yield Static("nothing launched yet: press f for Fibonacci, g for GSOD",
                     id="workload-status")
        yield Static("", id="workload-result")
        yield Vertical(id="workload-progress")  # a bar per GSOD actor while it loads
        yield Log(id="workload-output", max_lines=2000)

    def show(self, update: WorkloadUpdate) -> None:
        log = self.query_one("#workload-output", Log)
        if update.started:
            log.clear()
            self.query_one("#workload-result", Static).update("")
            self.query_one("#workload-progress", Vertical).remove_children()
            self.progress = {}
        status = Text()
        status.append(f"{update.title}  ", style="bold")
        status.append(update.status, style=STATUS_STYLE.get(update.status, ""))
        if update.job_id:
            status.append(f"  job {update.job_id}")
        if update.message:
            status.append(f"  {update.message}")
        self.query_one("#workload-status", Static).update(status)
        if update.output:
            text = self._take_progress(update.output)
            if text:
                log.write(text)
        if update.result:
            self.query_one("#workload-result", Static).update("\n".join(update.result))

    def _take_progress(self, output: str) -> str:
        """Progress lines become bars (not log lines); the rest is returned for the log."""
        kept = []
        for line in output.splitlines(keepends=True):
            progress = parse_progress_line(line)
            if progress is None:
                kept.append(line)
            else:
                self._show_progress(progress)
        return "".join(kept)

    def _show_progress(self, progress: GsodProgress) -> None:
        bars = self.query_one("#workload-progress", Vertical)
        row_id = f"load-{progress.actor_id[:16]}"
        if progress.actor_id not in self.progress:
            bars.mount(Horizontal(Static(id=f"{row_id}-label"),
                                  ProgressBar(total=1.0, show_eta=False, id=f"{row_id}-bar"),
                                  id=row_id, classes="load-progress"))
        self.progress[progress.actor_id] = progress
        self.call_after_refresh(self._draw_progress, progress, row_id)

    def _draw_progress(self, progress: GsodProgress, row_id: str) -> None:
        label = self.query_one_optional(f"#{row_id}-label", Static)
        bar = self.query_one_optional(f"#{row_id}-bar", ProgressBar)
        if label is None or bar is None:
            return
        state = "loaded" if progress.done else "loading"
        label.update(f"GSODActor {progress.year} {state}: {progress.stations:,} stations, "
                     f"{progress.rows:,} rows")
        bar.update(total=1.0, progress=progress.fraction)
