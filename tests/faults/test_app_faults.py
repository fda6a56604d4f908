"""The app in a real terminal (tmux) when things go wrong: a killed cluster, SIGTERM,
SIGINT. The screen stays raytui's (Ray's lines go to the log file), the terminal is
given back as it was, and nothing raytui started is left running."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from tests.conftest import RAYTUI, REPO
from tests.e2e.test_monitor_tmux import tmux, wait_for_screen
from tests.faults.cluster import RayHead

pytestmark = [pytest.mark.e2e, pytest.mark.ray]
RAY_LINE = re.compile(r"rpc_client|gcs_client|core_worker|\[\d{4}-\d\d-\d\d \d\d:|Traceback|"
                      r"Fatal Python|raylet\)")
MODES = "#{alternate_on} #{mouse_any_flag} #{mouse_button_flag} #{mouse_standard_flag} " \
        "#{mouse_all_flag}"


@dataclass
class Pane:
    session: str
    rc_file: Path

    def screen(self) -> str:
        return tmux("capture-pane", "-p", "-t", self.session)

    def wait(self, text: str, timeout: float) -> str:
        return wait_for_screen(self.session, lambda s: text in s, timeout)

    def exit_code(self, timeout: float) -> tuple[int, float]:
        started = time.monotonic()
        while not self.rc_file.exists() or not self.rc_file.read_text().strip():
            if time.monotonic() - started > timeout:
                raise AssertionError(f"raytui still running after {timeout} s:\n{self.screen()}")
            time.sleep(0.1)
        return int(self.rc_file.read_text()), time.monotonic() - started

    def raytui_pid(self) -> int:
        shell = psutil.Process(int(tmux("display-message", "-p", "-t", self.session,
                                        "#{pane_pid}").strip()))
        for child in shell.children(recursive=True):
            if any(part.endswith("/raytui") for part in child.cmdline()[:2]):
                return child.pid
        raise AssertionError("no raytui process under the pane")

    def terminal_modes(self) -> str:
        """'0 0 0 0 0': no alternate screen, no mouse reporting left on."""
        return tmux("display-message", "-p", "-t", self.session, MODES).strip()


@contextmanager
def app_in_tmux(args: str, tmpdir: Path) -> Iterator[Pane]:
    session = f"raytui-faults-{os.getpid()}-{time.monotonic_ns()}"
    rc_file = tmpdir / "rc"
    command = (f"cd {REPO} && env -u RAY_ADDRESS TMPDIR={tmpdir} {RAYTUI} {args}; "
               f"echo $? > {rc_file}; sleep 600")
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "36", command)
    try:
        yield Pane(session, rc_file)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, timeout=10)


def test_the_app_outlives_a_killed_cluster_and_quits_at_once(tmp_path: Path) -> None:
    """Was: "● disconnected" with no time; at ~60 s a Ray log line drawn over the header,
    then the app died (exit 1) leaving alternate-screen and mouse mode on. Past the 60 s:
    tests/faults/long_outlive.py (make soak)."""
    app_outlives_a_killed_cluster(tmp_path, dead_s=15)


def app_outlives_a_killed_cluster(tmp_path: Path, dead_s: float) -> None:
    """The app attached by GCS address; the cluster killed; `dead_s` of a dead cluster with
    nothing of Ray's on the screen and the app still running; then q quits at once."""
    with RayHead() as head, app_in_tmux(f"--address {head.gcs_address} --interval 0.5",
                                        tmp_path) as pane:
        pane.wait("● connected", 30)
        head.kill()
        screen = wait_for_screen(pane.session, lambda s: "disconnected since" in s, 30)
        assert re.search(r"disconnected since \d\d:\d\d:\d\d \(\d+ s\)", screen), screen
        dead_until = time.monotonic() + dead_s
        while time.monotonic() < dead_until:  # nothing of Ray's on the screen, still running
            assert not RAY_LINE.search(pane.screen()), pane.screen()
            assert not pane.rc_file.exists() or not pane.rc_file.read_text().strip(), \
                (pane.rc_file.read_text(), pane.screen())
            time.sleep(0.5)
        assert "disconnected since" in pane.screen(), pane.screen()
        log = tmp_path / f"raytui-{os.getuid()}.log"
        assert log.is_file(), "the README's log file was not created"
        tmux("send-keys", "-t", pane.session, "q")
        code, seconds = pane.exit_code(10)
        assert code == 0 and seconds < 3, (code, seconds)
        assert pane.terminal_modes() == "0 0 0 0 0"


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A TMPDIR short enough for Ray's socket paths (107 bytes at most)."""
    path = Path(tempfile.mkdtemp(prefix="rtf", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


AGENTS = ("ray::DashboardAgent", "ray::RuntimeEnvAgent")


def with_agents(pid: int, timeout: float = 10) -> list[psutil.Process]:
    """The app's process tree once Ray's per-node agents are in it (or after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        tree = psutil.Process(pid).children(recursive=True)
        titles = set()
        for child in tree:
            with contextlib.suppress(psutil.Error):
                titles.add(" ".join(child.cmdline()[:1]))
        if all(any(t.startswith(agent) for t in titles) for agent in AGENTS) \
                or time.monotonic() > deadline:
            return tree
        time.sleep(0.2)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_signal_ends_the_app_cleanly(short_tmp: Path, signum: int) -> None:
    """Was (SIGTERM): Ray's stack dump over the UI, exit 143, the terminal left in the
    alternate screen, two agents orphaned for minutes."""
    with app_in_tmux("--num-cpus 1", short_tmp) as pane:
        pane.wait("● connected", 90)
        pid = pane.raytui_pid()
        started = psutil.Process(pid).children(recursive=True)
        assert any(p.name() == "raylet" for p in started), [p.name() for p in started]
        started = with_agents(pid)  # they start a little after the raylet
        os.kill(pid, signum)
        code, seconds = pane.exit_code(15)
        assert code == 0 and seconds < 8, (code, seconds)
        assert pane.terminal_modes() == "0 0 0 0 0"
        assert not RAY_LINE.search(pane.screen()), pane.screen()
        deadline = time.monotonic() + 15
        left = started
        while left and time.monotonic() < deadline:
            left = [p for p in left if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
            time.sleep(0.5)
        assert not left, [(p.pid, p.name()) for p in left]
