"""The Lab screen: run a trade-offs sweep as a Ray job and watch the curves cross.

The sweep (`workloads.lab`) runs as its own job driver; a thread worker follows its
output and hands each measured size to the screen as it arrives, so the plot and
the table grow live. Leaving the screen (esc) does not stop the sweep, so the
monitor's Workers panel can be watched meanwhile; `x` stops it. Quitting the app
asks whether to stop it or leave it running (the app's quit question); any other exit
stops it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui.launch import lab as lab_launch
from tui.launch.job_run import Finished, JobRun, Output, Submitted
from tui.launch.jobs import JobClient
from tui.panels.lab_plot import LabPlot, sweep_series
from workloads import lab_results as lab

INTRO = {
    "compute": "Compute: one Fibonacci sequence per CPU, computed in a local loop and as a "
               "Ray fan-out, size by size. Below the crossover Ray's per-task overhead "
               "(milliseconds) dominates; above it the work pays for distributing it.",
    "io": "IO: the fan-out returns the whole sequence instead of its size. Compare the two "
          "fan-outs: the gap is the cost of moving the data through the object store.",
}
EMPTY = "press c to run the compute sweep, i for the io sweep"


class LabScreen(Screen[None]):
    BINDINGS = [
        Binding("c", "run('compute')", "Compute sweep"),
        Binding("i", "run('io')", "IO sweep"),
        Binding("x", "stop", "Stop sweep"),
        Binding("escape", "close", "Back"),
        # the monitor's enter opens a worker's details: meaningless over the Lab
        Binding("enter", "ignore", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    LabScreen #lab-intro { height: auto; padding: 0 1; color: $text-muted; }
    LabScreen #lab-status { height: auto; max-height: 4; padding: 0 1; }
    LabScreen #lab-body { height: 1fr; }
    LabScreen #lab-plot { width: 1fr; height: 1fr; }
    LabScreen #lab-table { width: auto; max-width: 50%; height: 1fr; border-left: solid $primary; }
    LabScreen #lab-verdict { height: auto; padding: 0 1; }
    """

    def __init__(self, dashboard_url: str | None = None, *,
                 make_launcher: Callable[[], JobClient] | None = None,
                 sizes: dict[str, Sequence[int]] | None = None,
                 repeats: int = lab.DEFAULT_REPEATS, count: int | None = None,
                 poll_s: float = 0.5) -> None:
        super().__init__()
        self.dashboard_url = dashboard_url
        self._make_launcher = make_launcher
        self.sizes: dict[str, Sequence[int]] = {**(sizes or {})}
        for kind, default in lab.DEFAULT_SIZES.items():
            self.sizes.setdefault(kind, default)
        self.repeats, self.count, self.poll_s = repeats, count, poll_s
        self.kind = "compute"
        self.points: list[lab.SweepPoint] = []
        self.summary: dict[str, Any] | None = None
        self.running = False
        self.job_id: str | None = None
        self.sweep: JobRun[dict[str, Any]] | None = None
        self._left_running = False  # the quit question's "leave it running"

    def compose(self) -> ComposeResult:
        yield Static("[b]Trade-offs lab[/b]: when does distributing pay off, and what does "
                     "IO cost?  " + INTRO["compute"], id="lab-intro")
        yield Static(EMPTY, id="lab-status")
        with Horizontal(id="lab-body"):
            yield LabPlot(id="lab-plot", empty=EMPTY)
            yield DataTable(id="lab-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="lab-verdict")
        yield Footer()

    def on_mount(self) -> None:
        self._reset_table()

    # --- actions ------------------------------------------------------------

    def action_run(self, kind: lab.Kind) -> None:
        if self.running:
            self.notify("a sweep is running: x stops it", severity="warning")
            return
        try:
            client = self._client()
        except Exception as err:  # not connected yet, or no dashboard: say so, stay open
            self._status(f"cannot run the sweep: {err}", "bold red")
            return
        params = lab_launch.default_params(kind, self.sizes[kind], self.count, self.repeats)
        sweep = JobRun(client, lab_launch.job(params), poll_s=self.poll_s)
        self.kind, self.points, self.summary, self.job_id = kind, [], None, None
        self.sweep, self.running, self._left_running = sweep, True, False
        self.query_one("#lab-intro", Static).update(
            "[b]Trade-offs lab[/b]: when does distributing pay off, and what does IO cost?  "
            + INTRO[kind])
        self.query_one("#lab-verdict", Static).update("")
        self._reset_table()
        self._redraw_plot()
        self._status(f"{kind} sweep: submitting the job...", "cyan")
        self.run_worker(lambda: self._follow(sweep), thread=True, group="lab-sweep",
                        exit_on_error=False)

    def action_stop(self) -> None:
        if self.running and self.sweep is not None:
            self.sweep.stop()
            self._status(f"{self.kind} sweep: stopping...", "bold yellow")

    def action_ignore(self) -> None:
        pass

    def action_close(self) -> None:
        self.app.pop_screen()

    # --- the app's quit question (see tui/launch/background.py RunningLaunch) ---

    def describe(self) -> str:
        job = f" (job {self.job_id})" if self.job_id else ""
        return f"the lab's {self.kind} sweep{job}"

    def stop_job(self) -> None:
        if self.sweep is not None:
            self.sweep.stop()

    def leave_running(self) -> None:
        self._left_running = True
        if self.sweep is not None:
            self.sweep.leave_running()

    def on_unmount(self) -> None:
        # The app is closing: do not leave a sweep burning the cluster's CPUs unless the
        # user said so. Stopped here, not only by the worker: the process may exit
        # before it polls again (JobRun asks Ray once, whoever asks first).
        if self.running and self.sweep is not None and not self._left_running:
            with contextlib.suppress(Exception):
                self.sweep.stop()

    def _client(self) -> JobClient:
        if self._make_launcher is not None:
            return self._make_launcher()
        if not self.dashboard_url:
            raise RuntimeError("no Ray dashboard to submit the job to")
        from tui.launch.ray_jobs import JobLauncher

        return JobLauncher(self.dashboard_url)

    # --- the thread worker: follows the job, hands events to the screen ------

    def _follow(self, sweep: JobRun[dict[str, Any]]) -> None:
        reader = lab.SweepEventReader()
        try:
            for event in sweep.events():
                if isinstance(event, Submitted):
                    self._from_thread(self._job_started, event.job_id)
                elif isinstance(event, Output):
                    for sweep_event in reader.feed(event.text):
                        self._from_thread(self._on_event, sweep_event)
                elif isinstance(event, Finished):
                    for sweep_event in reader.close():
                        self._from_thread(self._on_event, sweep_event)
                    tail = event.output.strip().splitlines()[-1:] or [""]
                    self._from_thread(self._finished, event.state.status,
                                      event.state.message or tail[0])
        except Exception as err:  # shown on screen; never takes the app down
            self._from_thread(self._finished, "FAILED", f"{type(err).__name__}: {err}")

    def _from_thread(self, callback: Callable[..., None], *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the app has exited meanwhile
            self.app.call_from_thread(callback, *args)

    # --- on the main thread -------------------------------------------------

    def _job_started(self, job_id: str) -> None:
        self.job_id = job_id
        self._status(f"{self.kind} sweep running as job {job_id}: warming up the workers... "
                     "(esc: back to the monitor, the sweep keeps running)", "cyan")

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("kind") != self.kind:
            return
        if event["event"] == "point":
            point = lab.SweepPoint.from_json(event)
            self.points.append(point)
            self._add_row(point)
            total = len(self.sizes[self.kind])
            self._status(f"{self.kind} sweep running as job {self.job_id}: "
                         f"{len(self.points)}/{total} sizes measured", "cyan")
        else:
            self.summary = event
        self._redraw_plot()

    def _finished(self, status: str, message: str) -> None:
        self.running = False
        verdict = self.query_one("#lab-verdict", Static)
        if status == "SUCCEEDED" and self.summary is not None:
            self._status(f"{self.kind} sweep done: {len(self.points)} sizes, median of "
                         f"{self.summary.get('repeats')} runs of {self.summary.get('count')} "
                         "sequences each", "bold green")
            verdict.update(Text(str(self.summary.get("message", "")), style="bold"))
            ended = getattr(self.app, "lab_sweep_ended", None)  # the lessons (T) learn of it
            if ended is not None and self.kind == "compute":
                ended(self.summary)
        else:
            self._status(f"{self.kind} sweep {status.lower()}: {message}".strip(),
                         "bold yellow" if status == "STOPPED" else "bold red")
        self._redraw_plot()

    def _redraw_plot(self) -> None:
        crossover = self.summary.get("crossover_size") if self.summary else None
        if crossover is None and not self.summary:
            # live: the crossover so far, over the sizes measured until now
            crossover = lab.crossover_size(self.points) if len(self.points) > 1 else None
        self.query_one("#lab-plot", LabPlot).show(sweep_series(self.points), crossover)

    def _status(self, text: str, style: str = "") -> None:
        self.query_one("#lab-status", Static).update(Text(text, style=style))

    def _reset_table(self) -> None:
        table = self.query_one("#lab-table", DataTable)
        table.clear(columns=True)
        # speedup = local/remote, coloured by the winner; io adds the bytes returned
        columns = ["size", "local", "remote", "speedup"] + (["bytes"] if self.kind == "io" else [])
        for column in columns:
            table.add_column(column, key=column)

    def _add_row(self, point: lab.SweepPoint) -> None:
        winner = "bold magenta" if point.remote_faster else "bold cyan"
        cells = [Text(str(point.size), justify="right"),
                 Text(short_seconds(point.local_s), justify="right"),
                 Text(short_seconds(point.remote_s), justify="right"),
                 Text(f"{point.speedup:.2f}x", justify="right", style=winner)]
        if self.kind == "io":
            cells.append(Text(lab.format_bytes(point.bytes), justify="right"))
        self.query_one("#lab-table", DataTable).add_row(*cells, key=str(point.size))


def short_seconds(seconds: float) -> str:
    """Three significant digits: '0.41 ms', '46.6 ms', '728 ms', '2.08 s'."""
    return f"{seconds:.3g} s" if seconds >= 1 else f"{seconds * 1000:.3g} ms"
