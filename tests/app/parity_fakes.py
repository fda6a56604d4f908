"""Deterministic stand-ins for the parity views (errors, jobs, logs, stacks): UI tests only.

The real sources are tested against real Ray in tests/integration/test_parity_*.py.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator

from textual.app import App, ComposeResult
from textual.widget import Widget

from tui.core.sources.errors import ErrorReport, dead_actor, failed_task, group_failures
from tui.core.sources.jobs_api import JobRow, job_row

T0_MS = 1_700_000_000_000
NODE = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
TRACEBACK = ("User exception:\nray::broken_task() (pid=1002, ip=127.0.0.1)\n"
             '  File "/work/fib.py", line 12, in broken_task\n'
             "    raise ValueError(f\"size must be positive, got {size}\")\n"
             "ValueError: size must be positive, got -3")


def failed_row(task_id: str, function: str, last_line: str, end_ms: int) -> dict[str, object]:
    return {"task_id": task_id, "func_or_class_name": function, "end_time_ms": end_ms,
            "error_type": "TASK_EXECUTION_EXCEPTION", "node_id": NODE, "worker_pid": 1002,
            "error_message": TRACEBACK.rsplit("\n", 1)[0] + "\n" + last_line}


def error_report() -> ErrorReport:
    tasks = [failed_task(failed_row("t1", "broken_task", "ValueError: size must be positive, "
                                    "got -1", T0_MS)),
             failed_task(failed_row("t2", "broken_task", "ValueError: size must be positive, "
                                    "got -3", T0_MS + 65_000)),
             failed_task(failed_row("t3", "GSODActor.compare", "KeyError: 'TEMP'",
                                    T0_MS + 5_000))]
    dead = dead_actor({"actor_id": "c451f07134b78673dfe4a8e101000000", "class_name": "GSODActor",
                       "name": "gsod-2020", "node_id": NODE, "pid": 1005,
                       "death_cause": {"actor_died_error_context": {
                           "error_message": "The actor is dead because its owner has died.",
                           "owner_id": "01000000" + "ff" * 24, "reason": "OWNER_DIED"}}})
    return ErrorReport(groups=group_failures(tasks), dead_actors=(dead,))


def jobs() -> list[JobRow]:
    return [job_row({"type": "SUBMISSION", "submission_id": "raysubmit_fib01", "job_id": "02000000",
                     "status": "RUNNING", "entrypoint": "python -m workloads.fibonacci 100000",
                     "start_time": T0_MS, "end_time": 0, "driver_info": {"pid": "4242"}}),
            job_row({"type": "SUBMISSION", "submission_id": "raysubmit_gsod1", "status": "FAILED",
                     "entrypoint": "python -m workloads.gsod.compare 1980 2020",
                     "start_time": T0_MS - 600_000, "end_time": T0_MS - 540_000,
                     "message": "Job entrypoint command failed with exit code 1"})]


class QueueStream:
    """Chunks put by the test, until closed."""

    def __init__(self) -> None:
        self.chunks: queue.Queue[str | None] = queue.Queue()
        self.closed = False

    def __iter__(self) -> Iterator[str]:
        while True:
            chunk = self.chunks.get()
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        self.closed = True
        self.chunks.put(None)


class FakeFeed:
    streams: tuple[str, ...] = ("out", "err")
    title: str = "worker pid 1001 on node a1b2c3d4"

    def __init__(self, first: dict[str, str] | None = None, fail: str = "") -> None:
        self.first = first or {"out": "", "err": ""}
        self.fail = fail
        self.opened: list[tuple[str, int]] = []
        self.streams_opened: list[QueueStream] = []

    def open(self, suffix: str, tail: int) -> QueueStream:
        self.opened.append((suffix, tail))
        if self.fail:
            raise RuntimeError(self.fail)
        stream = QueueStream()
        if self.first.get(suffix):
            stream.chunks.put(self.first[suffix])
        self.streams_opened.append(stream)
        return stream

    @property
    def current(self) -> QueueStream:
        return self.streams_opened[-1]


class Host(App[None]):
    """A tiny app that mounts one widget (a parity panel) and nothing else."""

    def __init__(self, widget: Widget | None = None) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        if self.widget is not None:
            yield self.widget
