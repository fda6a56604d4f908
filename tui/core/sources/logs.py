"""A process's log on any node, through the state API's log endpoints.

- `GET /api/v0/logs/file`: the last `lines` lines, once;
- `GET /api/v0/logs/stream`: the same, then new text as the process writes it (the
  dashboard's agent on that node reads the file, so this works for a worker anywhere).

Both take `node_id` and one of `actor_id`, `task_id`, `pid`, `submission_id`, with
`suffix` out or err. Ray answers 500 with a line such as "Could not find a log file"
when the process or node is gone: that becomes `LogError` with that one line.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, replace
from typing import Any, Protocol

import requests

from tui.core.auth import auth_headers, read_auth_token
from tui.core.sources.http import SourceError
from tui.core.text import first_line

DEFAULT_TAIL = 1_000  # Ray's own default for `ray logs`
CONNECT_TIMEOUT_S = 5.0
# A task's log is found through where its output starts in the worker's file, which the
# worker reports in a task event after the RUNNING one (events flush every ~1 s, later on
# a loaded head); until then Ray answers "... log_info = None". Wait that long, not more.
TASK_LOG_WAIT_S = 8.0
TASK_LOG_RETRY_S = 0.5
_TASK_LOG_NOT_YET = "log_info = None"


class LogError(SourceError):
    """No such log (process or node gone), or the dashboard refused: one line."""


@dataclass(frozen=True)
class LogTarget:
    """Whose log: a node and one of actor, task, pid or job submission."""

    node_id: str | None = None
    actor_id: str | None = None
    task_id: str | None = None
    pid: int | None = None
    submission_id: str | None = None
    suffix: str = "out"  # "out" (stdout) or "err" (stderr)

    def describe(self) -> str:
        stream = "stdout" if self.suffix == "out" else "stderr"
        if self.actor_id:
            what = f"actor {self.actor_id[:12]}"
        elif self.task_id:
            what = f"task {self.task_id[:12]}"
        elif self.submission_id:
            what = f"job {self.submission_id}"
        else:
            what = f"pid {self.pid}"
        where = f" on node {self.node_id[:8]}" if self.node_id else ""
        return f"{what}{where} ({stream})"

    def other_stream(self) -> LogTarget:
        return replace(self, suffix="err" if self.suffix == "out" else "out")

    def query(self) -> dict[str, Any]:
        if not (self.actor_id or self.task_id or self.pid or self.submission_id):
            raise LogError("a log needs an actor id, a task id, a pid or a job id")
        if self.pid and not self.node_id:
            raise LogError("a log by pid needs the node id too (--node)")
        params: dict[str, Any] = {"suffix": self.suffix}
        for key in ("node_id", "actor_id", "task_id", "pid", "submission_id"):
            value = getattr(self, key)
            if value:
                params[key] = value
        return params


class LogSource:
    """Reads and follows logs from one dashboard; one HTTP session."""

    def __init__(self, base_url: str, timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._session = requests.Session()
        self._session.headers.update(auth_headers(read_auth_token()))

    def read(self, target: LogTarget, tail: int = DEFAULT_TAIL) -> str:
        """The last `tail` lines (-1: all) of the log, once."""
        params = {**target.query(), "lines": tail, "timeout": int(self.timeout_s)}
        response = self._request("file", params, stream=False, read_timeout=self.timeout_s + 5)
        try:
            return response.content.decode("utf-8", errors="replace")
        finally:
            response.close()

    def follow(self, target: LogTarget, tail: int = DEFAULT_TAIL) -> LogFollow:
        """The last `tail` lines, then new text as it is written, until `close()`."""
        params = {**target.query(), "lines": tail, "interval": 0.5,
                  "timeout": int(self.timeout_s)}
        return LogFollow(self._request("stream", params, stream=True, read_timeout=None))

    def _request(self, media: str, params: dict[str, Any], *, stream: bool,
                 read_timeout: float | None) -> requests.Response:
        deadline = time.monotonic() + TASK_LOG_WAIT_S
        while True:
            try:
                return self._request_once(media, params, stream=stream,
                                          read_timeout=read_timeout)
            except LogError as err:
                if not params.get("task_id") or _TASK_LOG_NOT_YET not in str(err):
                    raise
                if time.monotonic() >= deadline:
                    raise LogError(
                        f"no log yet for task {params['task_id'][:12]}: Ray has not recorded "
                        f"where its output starts after {TASK_LOG_WAIT_S:g} s; try again, or "
                        "read its worker's log (--pid with --node)") from None
            time.sleep(TASK_LOG_RETRY_S)

    def _request_once(self, media: str, params: dict[str, Any], *, stream: bool,
                      read_timeout: float | None) -> requests.Response:
        path = f"/api/v0/logs/{media}"
        try:
            response = self._session.get(self.base_url + path, params=params, stream=stream,
                                         timeout=(CONNECT_TIMEOUT_S, read_timeout))
        except requests.Timeout:
            raise LogError(f"{path}: no answer within {self.timeout_s:g} s") from None
        except requests.RequestException as err:
            raise LogError(f"{path}: dashboard unreachable ({type(err).__name__})") from None
        if response.status_code == 200:
            return response
        text = first_line(response.text, 300)
        response.close()
        if response.status_code in (401, 403):
            raise LogError(f"{path}: HTTP {response.status_code}, the cluster token is "
                           "missing or wrong (RAY_AUTH_TOKEN / ~/.ray/auth_token)")
        if "could not find" in text.lower() or "not found" in text.lower():
            raise LogError(f"no such log: {text}")
        raise LogError(f"{path}: HTTP {response.status_code}: {text or 'no reason given'}")

    def close(self) -> None:
        self._session.close()


class LogFollow:
    """One open log stream: iterate for text chunks; `close()` from any thread ends it."""

    def __init__(self, response: requests.Response) -> None:
        self._response = response
        self._closed = threading.Event()

    def __iter__(self) -> Iterator[str]:
        try:
            for chunk in self._response.iter_content(chunk_size=None):
                if self._closed.is_set():
                    return
                if chunk:
                    yield chunk.decode("utf-8", errors="replace")
        except (requests.RequestException, OSError, AttributeError, ValueError):
            if not self._closed.is_set():
                raise LogError("the log stream was cut (the dashboard or node went away)") \
                    from None
        finally:
            self._response.close()

    def close(self) -> None:
        """Unblock a reader waiting for text: shut the socket down, then close."""
        self._closed.set()
        sock = _socket_of(self._response)
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with suppress(Exception):
            self._response.close()


def _socket_of(response: requests.Response) -> socket.socket | None:
    # urllib3 2.x keeps the connection on the response while it streams
    connection = getattr(response.raw, "connection", None) or getattr(response.raw, "_connection",
                                                                      None)
    sock = getattr(connection, "sock", None)
    return sock if isinstance(sock, socket.socket) else None


def split_lines(pending: str, chunk: str) -> tuple[list[str], str]:
    """Whole lines from what was pending plus a new chunk, and the unfinished rest."""
    text = pending + chunk
    lines = text.split("\n")
    return [line.rstrip("\r") for line in lines[:-1]], lines[-1]


class LogStream(Protocol):
    def __iter__(self) -> Iterator[str]: ...

    def close(self) -> None: ...


class LogFeed(Protocol):
    """What a log view reads: a title, the streams it has, and an open stream."""

    title: str
    streams: tuple[str, ...]  # ("out", "err"), or ("out",) when there is one

    def open(self, suffix: str, tail: int) -> LogStream: ...


class ProcessLogFeed:
    """A worker's, actor's or task's log through the state API."""

    streams: tuple[str, ...] = ("out", "err")

    def __init__(self, source: LogSource, target: LogTarget) -> None:
        self.source = source
        self.target = target
        self.title = target.describe().rsplit(" (", 1)[0]

    def open(self, suffix: str, tail: int) -> LogStream:
        return self.source.follow(replace(self.target, suffix=suffix), tail)
