"""One workload run as a Ray job: submit, follow, stop once; a stream of typed events.

Every launcher reads the same stream: the app's Workload panel and the Lab screen (on a
thread), and the command line (in the foreground):

    Waiting      why there is no job yet (submitting; Ray's job agent is still starting)
    Submitted    the job's id
    StateChanged the job's state changed (PENDING, RUNNING, ...)
    Output       new text the job printed
    Finished     the terminal state, the whole output and the parsed result

`stop()` may be called from any thread, any number of times, before or after the job
exists: Ray is asked to stop the job once, by whoever asks first, and the stream goes on
to the job's STOPPED state. `leave_running()` ends the stream and leaves the job alone.
Errors of the job API (no dashboard, a refused submission) are raised to the reader.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from tui.launch.jobs import JobClient, JobState

R = TypeVar("R")

# A fresh cluster's job agent can take a minute to come up on a loaded machine.
SUBMIT_RETRY_S = 90.0
SUBMIT_PAUSE_S = 1.0
# How Ray's job API refuses while a fresh cluster's job agent is still starting.
AGENT_NOT_READY = ("No available agent to submit job", "try again later")
NO_AGENT_HINT = (
    "Ray's job agent did not take the job. On a cluster started with `ray start`, its "
    "port (52365 by default) may be held by another Ray cluster on the same machine; "
    "stop the other cluster, or pass the GCS address (host:6379) instead of the "
    "dashboard URL so the workload runs without a job"
)
WAITING_FOR_AGENT = "waiting for Ray's job agent to start"


def _no_result(output: str) -> None:
    return None


def _no_lines(result: Any) -> Sequence[str]:
    return ()


@dataclass(frozen=True)
class JobSpec(Generic[R]):
    """What to run (`python -m module args`) and how to read what it printed."""

    title: str  # "Fibonacci size=100000 count=16 parallel"
    module: str  # "workloads.fibonacci"
    args: tuple[str, ...]
    name: str  # the job's metadata, e.g. "fib" or "lab compute"
    parse: Callable[[str], R | None] = _no_result  # the whole output -> the result
    summary: Callable[[R], Sequence[str]] = _no_lines  # the result as a few lines

    @property
    def command(self) -> str:
        return " ".join(("python", "-m", self.module, *self.args))


@dataclass(frozen=True)
class Waiting:
    why: str


@dataclass(frozen=True)
class Submitted:
    job_id: str


@dataclass(frozen=True)
class StateChanged:
    state: JobState


@dataclass(frozen=True)
class Output:
    text: str


@dataclass(frozen=True)
class Finished(Generic[R]):
    state: JobState
    output: str = ""
    result: R | None = None
    summary: tuple[str, ...] = ()

    @property
    def succeeded(self) -> bool:
        return self.state.status == "SUCCEEDED"

    @property
    def error_line(self) -> str:
        """Why it did not succeed: the output's last error line, else Ray's message."""
        return last_error_line(self.output, self.state.message or self.state.status.lower())


JobEvent = Waiting | Submitted | StateChanged | Output | Finished[Any]


def last_error_line(output: str, fallback: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "error" in line]
    return (errors or lines or [fallback])[-1][:200]


def last_json_object(output: str) -> dict[str, Any] | None:
    """The result a workload printed: its last line that is a JSON object."""
    for line in reversed(output.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None


def agent_not_ready(err: BaseException) -> bool:
    return any(text in str(err) for text in AGENT_NOT_READY)


@dataclass
class JobRun(Generic[R]):
    """Read `events()` once; `stop()` and `leave_running()` from anywhere."""

    client: JobClient
    spec: JobSpec[R]
    retry_s: float = SUBMIT_RETRY_S
    pause_s: float = SUBMIT_PAUSE_S
    poll_s: float = 0.5
    job_id: str = ""
    _stop_asked: threading.Event = field(default_factory=threading.Event)
    _left: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _job_stopped: bool = False

    def stop(self) -> None:
        """Stop the job (once), or never submit it if it is not submitted yet."""
        self._stop_asked.set()
        if self.job_id:
            self._stop_job()

    def leave_running(self) -> None:
        """Stop following: the stream ends and the job runs on."""
        self._left.set()

    @property
    def stop_asked(self) -> bool:
        return self._stop_asked.is_set()

    def _stop_job(self) -> None:
        with self._lock:
            if self._job_stopped:
                return
            self._job_stopped = True
        self.client.stop(self.job_id)

    def _submit(self) -> Iterator[JobEvent]:
        """Submit; a starting cluster's job agent refuses for a while: retry until
        `retry_s`. Sets `job_id`, or leaves it "" when stopped before submitting."""
        deadline = time.monotonic() + self.retry_s
        spec = self.spec
        while not (self._stop_asked.is_set() or self._left.is_set()):
            try:
                self.job_id = self.client.submit(spec.module, spec.args, name=spec.name)
                return
            except Exception as err:
                if not agent_not_ready(err):
                    raise
                if time.monotonic() > deadline:
                    raise RuntimeError(f"cannot submit the job: {NO_AGENT_HINT}") from err
            yield Waiting(WAITING_FOR_AGENT)
            self._stop_asked.wait(self.pause_s)

    def events(self) -> Iterator[JobEvent]:
        spec = self.spec
        yield Waiting(f"submitting {spec.command}")
        yield from self._submit()
        if not self.job_id:
            if not self._left.is_set():
                yield Finished(JobState("", "STOPPED", "stopped before it was submitted"))
            return
        yield Submitted(self.job_id)
        output, status = "", ""
        for state, text in self.client.follow(self.job_id, poll_s=self.poll_s):
            if self._stop_asked.is_set() and not state.finished:
                self._stop_job()  # asked before the job existed, or from another thread
            if text:
                output += text
                yield Output(text)
            if state.finished:
                result = spec.parse(output) if state.status == "SUCCEEDED" else None
                summary = tuple(spec.summary(result)) if result is not None else ()
                yield Finished(state, output, result, summary)
                return
            if state.status != status:
                status = state.status
                yield StateChanged(state)
            if self._left.is_set():
                return
        raise RuntimeError(f"job {self.job_id}: its state stopped being reported")

    def run_to_end(self) -> Finished[R]:
        """Follow in the foreground (the command line); Ctrl-C stops the job first."""
        try:
            for event in self.events():
                if isinstance(event, Finished):
                    return event
        except KeyboardInterrupt:
            self.stop()  # do not leave the workload burning the cluster's CPUs
            raise
        raise RuntimeError(f"job {self.job_id}: ended without a state")
