"""Workload panel: what was launched from the app, its status, output and result."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Log, Static

from tui.launch.background import WorkloadUpdate

STATUS_STYLE = {"SUCCEEDED": "bold green", "FAILED": "bold red", "STOPPED": "bold yellow",
                "RUNNING": "bold cyan", "PENDING": "cyan", "SUBMITTING": "cyan"}


class WorkloadPanel(Vertical):
    DEFAULT_CSS = """
    WorkloadPanel #workload-status { height: auto; max-height: 3; }
    WorkloadPanel #workload-result { height: auto; max-height: 8; color: $success; }
    WorkloadPanel Log { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static("nothing launched yet: press f for Fibonacci, g for GSOD",
                     id="workload-status")
        yield Static("", id="workload-result")
        yield Log(id="workload-output", max_lines=2000)

    def show(self, update: WorkloadUpdate) -> None:
        log = self.query_one("#workload-output", Log)
        if update.started:
            log.clear()
            self.query_one("#workload-result", Static).update("")
        status = Text()
        status.append(f"{update.title}  ", style="bold")
        status.append(update.status, style=STATUS_STYLE.get(update.status, ""))
        if update.job_id:
            status.append(f"  job {update.job_id}")
        if update.message:
            status.append(f"  {update.message}")
        self.query_one("#workload-status", Static).update(status)
        if update.output:
            log.write(update.output)
        if update.result:
            self.query_one("#workload-result", Static).update("\n".join(update.result))
