"""A workload launched from the app: its `JobRun` followed on a daemon thread.

No Textual here: the app hands in a `deliver` callback (which posts a message) and
gets `WorkloadUpdate`s back. A failure anywhere (no cluster, missing module, a crash
inside the job) becomes a FAILED update, never an exception in the app.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from tui.launch.job_run import (
    Finished,
    JobEvent,
    JobRun,
    JobSpec,
    Output,
    StateChanged,
    Submitted,
    Waiting,
)
from tui.launch.jobs import JobClient


class RunningLaunch(Protocol):
    """What the app's quit question needs of a running launch (a workload, a sweep)."""

    def describe(self) -> str: ...

    def stop_job(self) -> None: ...

    def leave_running(self) -> None: ...


@dataclass(frozen=True)
class WorkloadUpdate:
    title: str
    status: str  # SUBMITTING, PENDING, RUNNING, SUCCEEDED, FAILED, STOPPED
    job_id: str = ""
    output: str = ""  # new output since the last update
    message: str = ""
    result: tuple[str, ...] = ()  # lines summarising the result, when it ends
    started: bool = False  # the first update of a run: clear the old one
    result_data: dict[str, Any] | None = None  # the parsed result as JSON, when it ends

    @property
    def finished(self) -> bool:
        return self.status in ("SUCCEEDED", "FAILED", "STOPPED")


@dataclass
class WorkloadRun:
    """One launched workload. When the app exits, `stop()` stops its job too, unless
    `leave_running()` was asked (the quit question's two answers)."""

    spec: JobSpec[Any]
    make_client: Callable[[], JobClient]
    deliver: Callable[[WorkloadUpdate], None]
    _job: JobRun[Any] | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _asked: str = ""  # "stop" or "leave", once asked (before the JobRun exists, too)
    _asking: threading.Thread | None = None  # asking Ray to stop the job

    def start(self) -> WorkloadRun:
        self._thread = threading.Thread(target=self._follow, name="raytui-workload",
                                        daemon=True)
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def job_id(self) -> str:
        return self._job.job_id if self._job is not None else ""

    def describe(self) -> str:
        return f"{self.spec.title} (job {self.job_id})" if self.job_id else self.spec.title

    def stop_job(self) -> None:
        """Stop the job (once); the updates go on to its STOPPED state."""
        self._ask("stop")

    def leave_running(self) -> None:
        """Stop following; the job runs on in the cluster."""
        self._ask("leave")

    def stop(self, timeout: float = 2.0) -> None:
        """The app is exiting: stop the job unless it was left running, stop following.

        Bounded by `timeout`: a dashboard that no longer answers must not hold up the exit.
        """
        if not self._asked:
            self._ask("stop")
        job = self._job
        if job is not None:
            job.leave_running()  # the app will not read the STOPPED state: do not wait
        deadline = time.monotonic() + timeout
        for thread in (self._asking, self._thread):
            if thread is not None and thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))

    def _ask(self, what: str) -> None:
        """Ray is asked on a thread of its own: the app's thread never waits on it."""
        with self._lock:
            self._asked = self._asked or what
            job = self._job
        if job is not None:
            self._asking = threading.Thread(target=self._tell, args=(job, what),
                                            name="raytui-workload-stop", daemon=True)
            self._asking.start()

    @staticmethod
    def _tell(job: JobRun[Any], what: str) -> None:
        if what == "stop":
            job.stop()
        else:
            job.leave_running()

    def _follow(self) -> None:
        title = self.spec.title
        status, first = "SUBMITTING", True
        try:
            job = JobRun(self.make_client(), self.spec)
            with self._lock:
                self._job, asked = job, self._asked
            if asked:
                self._tell(job, asked)
            for event in job.events():
                update = replace(self._update(event, status, job.job_id), started=first)
                first, status = False, update.status
                self.deliver(update)
        except Exception as err:  # the app must survive anything a launch can raise
            self.deliver(WorkloadUpdate(title, "FAILED", self.job_id, started=first,
                                        message=f"{type(err).__name__}: {err}"[:200]))

    def _update(self, event: JobEvent, status: str, job_id: str) -> WorkloadUpdate:
        title = self.spec.title
        if isinstance(event, Waiting):
            return WorkloadUpdate(title, "SUBMITTING", message=event.why)
        if isinstance(event, Submitted):
            return WorkloadUpdate(title, "PENDING", job_id)
        if isinstance(event, StateChanged):
            return WorkloadUpdate(title, event.state.status, job_id)
        if isinstance(event, Output):
            return WorkloadUpdate(title, status, job_id, event.text)
        assert isinstance(event, Finished)
        message = "" if event.succeeded else event.error_line
        to_json = getattr(event.result, "to_json", None)
        data = to_json() if callable(to_json) else event.result  # GSOD's is a dict already
        return WorkloadUpdate(title, event.state.status, job_id, message=message,
                              result=event.summary,
                              result_data=data if isinstance(data, dict) else None)
