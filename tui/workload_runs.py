"""Running a workload as a Ray job from the app, followed in a background thread.

No Textual here: the app hands in a `deliver` callback (which posts a message) and
gets `WorkloadUpdate`s back. A failure anywhere (no cluster, missing module, a crash
inside the job) becomes a FAILED update, never an exception in the app.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tui.core.jobs import SubmitCancelled, submit_when_agent_ready

SUBMIT_RETRY_S = 90.0  # the dashboard's job agent can take a while on a loaded machine


class Launcher(Protocol):
    """What `tui.core.jobs.JobLauncher` offers; a fake implements it in tests."""

    def submit(self, module: str, args: Sequence[str], name: str = "") -> str: ...

    def follow(self, job_id: str, poll_s: float = 0.5) -> Iterator[Any]: ...

    def stop(self, job_id: str) -> None: ...


@dataclass(frozen=True)
class WorkloadSpec:
    title: str  # "Fibonacci size=100000 count=4 parallel"
    module: str  # "workloads.fibonacci"
    args: tuple[str, ...]


def fibonacci_spec(size: int, count: int, pattern: str = "parallel") -> WorkloadSpec:
    return WorkloadSpec(f"Fibonacci size={size} count={count} {pattern}", "workloads.fibonacci",
                        ("--size", str(size), "--count", str(count), "--pattern", pattern,
                         "--json"))


def gsod_spec(year_a: int, year_b: int, scale: float) -> WorkloadSpec:
    return WorkloadSpec(f"GSOD {year_a} vs {year_b} scale={scale:g}", "workloads.gsod",
                        ("--years", str(year_a), str(year_b), "--scale", f"{scale:g}", "--json"))


@dataclass(frozen=True)
class WorkloadUpdate:
    title: str
    status: str  # SUBMITTING, PENDING, RUNNING, SUCCEEDED, FAILED, STOPPED
    job_id: str = ""
    output: str = ""  # new output since the last update
    message: str = ""
    result: tuple[str, ...] = ()  # lines summarising the result, when it ends
    started: bool = False  # the first update of a run: clear the old one

    @property
    def finished(self) -> bool:
        return self.status in ("SUCCEEDED", "FAILED", "STOPPED")


def result_lines(output: str) -> tuple[str, ...]:
    """The summary of a workload's `--json` line: Fibonacci timings or GSOD counts."""
    for line in reversed(output.splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and "remote_s" in data:
            from workloads.fibonacci import FibResult, tutorial_lines

            try:
                return tuple(tutorial_lines(FibResult(**data)))
            except TypeError:
                pass
        if isinstance(data, dict):
            return tuple(f"{k}: {v}" for k, v in data.items()
                         if isinstance(v, str | int | float | bool) or v is None)
    return ()


def last_error_line(output: str, fallback: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "error" in line]
    return (errors or lines or [fallback])[-1][:200]


@dataclass
class WorkloadRun:
    """One launched workload, followed on its own daemon thread until it ends or `stop()`."""

    spec: WorkloadSpec
    make_launcher: Callable[[], Launcher]
    deliver: Callable[[WorkloadUpdate], None]
    job_id: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> WorkloadRun:
        self._thread = threading.Thread(target=self._run, name="raytui-workload", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _submit(self, launcher: Launcher) -> str:
        """Submit; a freshly started cluster's job agent may not be up yet. "" if stopped."""
        def waiting(why: str) -> None:
            self.deliver(WorkloadUpdate(self.spec.title, "SUBMITTING", message=why))

        try:
            return submit_when_agent_ready(
                lambda: launcher.submit(self.spec.module, list(self.spec.args),
                                        name=self.spec.module.rsplit(".", 1)[-1]),
                retry_s=SUBMIT_RETRY_S, pause_s=2.0, on_wait=waiting, stop=self._stop)
        except SubmitCancelled:
            return ""

    def _run(self) -> None:
        title = self.spec.title
        self.deliver(WorkloadUpdate(title, "SUBMITTING", started=True,
                                    message=f"python -m {self.spec.module} "
                                            + " ".join(self.spec.args)))
        output = ""
        try:
            launcher = self.make_launcher()
            self.job_id = self._submit(launcher)
            if not self.job_id:
                return
            for state, new_text in launcher.follow(self.job_id):
                output += new_text
                if state.finished:
                    ok = state.status == "SUCCEEDED"
                    message = "" if ok else last_error_line(output, state.message)
                    self.deliver(WorkloadUpdate(title, state.status, self.job_id, new_text,
                                                message, result_lines(output) if ok else ()))
                    return
                self.deliver(WorkloadUpdate(title, state.status, self.job_id, new_text))
                if self._stop.is_set():
                    return
        except Exception as err:  # the app must survive anything a launch can raise
            self.deliver(WorkloadUpdate(title, "FAILED", self.job_id,
                                        message=f"{type(err).__name__}: {err}"[:200]))
