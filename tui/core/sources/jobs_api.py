"""The cluster's jobs through the dashboard's jobs API (plain JSON, not the state envelope).

- `GET /api/jobs/`: every job, submitted ones (`type` SUBMISSION, with a
  `submission_id`) and drivers started by hand (`type` DRIVER, `job_id` only);
- `GET /api/jobs/{id}/logs` → `{"logs": text}`: a submitted job's driver output;
- `POST /api/jobs/{id}/stop` → `{"stopped": bool}`.

Ray answers 404 "Job X does not exist" for an unknown id, 400 for a DRIVER job's logs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests

from tui.core.auth import auth_headers, read_auth_token
from tui.core.sources.http import SourceError
from tui.core.text import first_line

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "STOPPED"})


class JobError(SourceError):
    """Unknown job, a job that cannot do this, or a dashboard that refused: one line."""


@dataclass(frozen=True)
class JobRow:
    id: str  # the submission id when there is one, else Ray's job id
    kind: str  # SUBMISSION or DRIVER
    status: str
    entrypoint: str = ""
    message: str = ""
    start_ms: int | None = None
    end_ms: int | None = None
    job_id: str | None = None  # Ray's job id (hex), once its driver started
    submission_id: str | None = None
    driver_pid: int | None = None
    driver_node_id: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL

    def duration_s(self, now_s: float) -> float | None:
        if not self.start_ms:
            return None
        end = self.end_ms / 1000 if self.end_ms else now_s
        return max(0.0, end - self.start_ms / 1000)


class JobsApi:
    def __init__(self, base_url: str, timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._session = requests.Session()
        self._session.headers.update(auth_headers(read_auth_token()))

    def _call(self, method: str, path: str) -> Any:
        try:
            response = self._session.request(method, self.base_url + path,
                                             timeout=self.timeout_s)
        except requests.Timeout:
            raise JobError(f"{path}: no answer within {self.timeout_s:g} s") from None
        except requests.RequestException as err:
            raise JobError(f"{path}: dashboard unreachable ({type(err).__name__})") from None
        if response.status_code in (401, 403):
            raise JobError(f"{path}: HTTP {response.status_code}, the cluster token is "
                           "missing or wrong (RAY_AUTH_TOKEN / ~/.ray/auth_token)")
        if response.status_code == 404:
            raise JobError(first_line(response.text, 200) or f"{path}: no such job")
        if response.status_code != 200:
            raise JobError(f"{path}: HTTP {response.status_code}: "
                           f"{first_line(response.text, 200) or 'no reason given'}")
        try:
            return response.json()
        except ValueError:
            raise JobError(f"{path}: the answer is not JSON") from None

    def jobs(self) -> list[JobRow]:
        data = self._call("GET", "/api/jobs/")
        if not isinstance(data, list):
            raise JobError("/api/jobs/: unexpected answer")
        rows = [job_row(entry) for entry in data if isinstance(entry, dict)]
        return sorted(rows, key=lambda j: (j.finished, -(j.start_ms or 0), j.id))

    def logs(self, job_id: str) -> str:
        data = self._call("GET", f"/api/jobs/{job_id}/logs")
        if not isinstance(data, dict):
            raise JobError(f"/api/jobs/{job_id}/logs: unexpected answer")
        return str(data.get("logs") or "")

    def status(self, job_id: str) -> str:
        data = self._call("GET", f"/api/jobs/{job_id}")
        return str(data.get("status") or "") if isinstance(data, dict) else ""

    def stop(self, job_id: str) -> bool:
        """Ask Ray to stop the job; False when it had already ended."""
        data = self._call("POST", f"/api/jobs/{job_id}/stop")
        return bool(data.get("stopped")) if isinstance(data, dict) else False

    def follow_logs(self, job_id: str, stop: threading.Event, tail: int = -1,
                    poll_s: float = 1.0) -> Iterator[str]:
        """The log (its last `tail` lines), then what was added, until the job ends or `stop`.

        The jobs API's own tail is a websocket; asking the whole log each second and
        sending on what is new keeps this one plain HTTP client.
        """
        text = self.logs(job_id)
        yield tail_lines(text, tail)
        sent = len(text)
        while not stop.wait(poll_s):
            text = self.logs(job_id)
            if len(text) > sent:
                yield text[sent:]
                sent = len(text)
            elif self.status(job_id) in TERMINAL:
                return

    def close(self) -> None:
        self._session.close()


def tail_lines(text: str, tail: int) -> str:
    if tail < 0:
        return text
    lines = text.splitlines(keepends=True)
    return "".join(lines[-tail:]) if tail else ""


def job_row(entry: dict[str, Any]) -> JobRow:
    driver = entry.get("driver_info") or {}
    submission = entry.get("submission_id")
    job_id = entry.get("job_id")
    pid = driver.get("pid") if isinstance(driver, dict) else None
    return JobRow(
        id=str(submission or job_id or "?"),
        kind=str(entry.get("type") or ("SUBMISSION" if submission else "DRIVER")),
        status=str(entry.get("status") or "?"),
        entrypoint=str(entry.get("entrypoint") or ""),
        message=first_line(entry.get("message") or "", 300),
        start_ms=int(entry["start_time"]) if entry.get("start_time") else None,
        end_ms=int(entry["end_time"]) if entry.get("end_time") else None,
        job_id=str(job_id) if job_id else None,
        submission_id=str(submission) if submission else None,
        driver_pid=int(pid) if pid and str(pid).isdigit() else None,
        driver_node_id=str(entry["driver_node_id"]) if entry.get("driver_node_id") else None,
    )


def wait_finished(api: JobsApi, job_id: str, timeout_s: float) -> str:
    """The job's status once terminal, or its last status after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    status = api.status(job_id)
    while status not in TERMINAL and time.monotonic() < deadline:
        time.sleep(0.5)
        status = api.status(job_id)
    return status


class JobLogStream:
    """A job's log as chunks, polled from the jobs API until `close()` or the job ends."""

    def __init__(self, api: JobsApi, job_id: str, tail: int) -> None:
        self._stop = threading.Event()
        self._chunks = api.follow_logs(job_id, self._stop, tail)

    def __iter__(self) -> Iterator[str]:
        return iter(self._chunks)

    def close(self) -> None:
        self._stop.set()


class JobLogFeed:
    """A submitted job's driver output (one stream: the jobs API merges stdout and stderr)."""

    streams: tuple[str, ...] = ("out",)

    def __init__(self, api: JobsApi, job_id: str) -> None:
        self.api = api
        self.job_id = job_id
        self.title = f"job {job_id}"

    def open(self, suffix: str, tail: int) -> JobLogStream:
        return JobLogStream(self.api, self.job_id, tail)
