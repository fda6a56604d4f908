"""A real Ray head started as `ray start --head --block` in its own temp dir, for tests
that kill, restart or misuse a cluster. Stopped by pid, never by `ray stop`.

Always in token mode: `ray start` turns token auth on only when a token already exists
(Ray 2.60), so on a machine where no local `ray.init()` has made one yet the head would
accept anything, drivers told RAY_AUTH_MODE=token would fail ("no authentication token
was found": the first soak on a fresh machine ran no task), and a wrong-token test would
test nothing. So a token is made first when there is none, as a local `ray.init()` does."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import requests

from tui.core.auth import auth_headers, read_auth_token
from tui.core.connection import free_port

RAY = str(Path(sys.executable).parent / "ray")


class RayHead:
    def __init__(self, gcs_port: int | None = None, dashboard_port: int | None = None,
                 num_cpus: int = 1, env: dict[str, str] | None = None) -> None:
        self.gcs_port = gcs_port or free_port()
        self.dashboard_port = dashboard_port or free_port()
        self.num_cpus = num_cpus
        self.env = env or {}  # more environment for the head (e.g. its dashboard's switches)
        # short: Ray's socket paths live under it and must stay under ~100 bytes
        self.temp_dir = tempfile.mkdtemp(prefix="rtf", dir="/tmp")
        self.process: subprocess.Popen[bytes] | None = None
        self.pids: set[int] = set()

    @property
    def gcs_address(self) -> str:
        return f"127.0.0.1:{self.gcs_port}"

    @property
    def dashboard_url(self) -> str:
        return f"http://127.0.0.1:{self.dashboard_port}"

    def start(self, timeout: float = 60.0) -> RayHead:
        ensure_auth_token()
        log = open(Path(self.temp_dir) / "start.log", "ab")  # noqa: SIM115 - closed by the child's exit
        self.process = subprocess.Popen(
            [RAY, "start", "--head", "--block", "--port", str(self.gcs_port),
             "--dashboard-port", str(self.dashboard_port), "--dashboard-host", "127.0.0.1",
             "--dashboard-agent-listen-port", str(free_port()),
             "--num-cpus", str(self.num_cpus), "--temp-dir", self.temp_dir,
             "--disable-usage-stats"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**{k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"},
                 "RAY_AUTH_MODE": "token", **self.env})
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._remember_pids()
            if self._dashboard_answers():
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"ray start exited {self.process.returncode}: "
                                   f"{(Path(self.temp_dir) / 'start.log').read_text()[-500:]}")
            time.sleep(0.5)
        self.stop()
        raise RuntimeError("the Ray head did not start within the timeout")

    def _dashboard_answers(self) -> bool:
        try:
            response = requests.get(self.dashboard_url + "/nodes?view=summary", timeout=2,
                                    headers=auth_headers(read_auth_token()))
        except requests.RequestException:
            return False
        return response.status_code == 200 and bool(response.json().get("data", {})
                                                     .get("summary"))

    def _remember_pids(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(psutil.NoSuchProcess):
            self.pids.update(c.pid for c in psutil.Process(self.process.pid).children(True))

    def kill(self) -> None:
        """The cluster dies at once: every process of it SIGKILLed (GCS included)."""
        self._remember_pids()
        for pid in [*(sorted(self.pids)), *([self.process.pid] if self.process else [])]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait(10)
        _wait_gone(self.pids, 10)

    def stop(self) -> None:
        self._remember_pids()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(15)
        self.kill()
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    def alive_pids(self) -> list[int]:
        return [pid for pid in self.pids if _alive(pid)]

    def __enter__(self) -> RayHead:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def ensure_auth_token() -> None:
    """Make ~/.ray/auth_token (through Ray's own helper) when no token is set up at all."""
    chosen = os.environ.get("RAY_AUTH_TOKEN") or os.environ.get("RAY_AUTH_TOKEN_PATH")
    if read_auth_token() or chosen or (Path.home() / ".ray" / "auth_token").exists():
        return  # never replace a token someone set up: running clusters use it
    from ray._private.authentication.authentication_token_setup import generate_and_save_token

    generate_and_save_token()


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_gone(pids: set[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)


def listening_port() -> tuple[socket.socket, int]:
    """An open TCP port that accepts and says nothing (not a GCS, not HTTP)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock, int(sock.getsockname()[1])
