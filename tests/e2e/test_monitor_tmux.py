"""End to end: the installed `raytui` in tmux against the real local cluster it starts."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from tests.conftest import RAYTUI, REPO
from tests.helpers import RAY_PROCESS_NAMES, ray_daemon_pids

pytestmark = pytest.mark.e2e


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True,
                          timeout=10).stdout


def wait_for_screen(session: str, condition: Callable[[str], bool], timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if condition(screen):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s} s; the screen was:\n{screen}")


def our_daemons(shell_pid: int) -> set[int]:
    """Ray daemons started under this tmux pane (colleagues' clusters may run too)."""
    try:
        children = psutil.Process(shell_pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return set()
    pids = set()
    for child in children:
        try:
            if child.name() in RAY_PROCESS_NAMES:
                pids.add(child.pid)
        except psutil.NoSuchProcess:
            continue
    return pids


def test_raytui_draws_launches_fibonacci_and_quits_cleanly(tmp_path: Path) -> None:
    session = f"raytui-e2e-{os.getpid()}"
    rc_file = tmp_path / "rc"
    command = (f"cd {REPO} && env -u RAY_ADDRESS {RAYTUI} --num-cpus 2; "
               f"echo $? > {rc_file}; sleep 600")
    started = time.monotonic()
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command)
    try:
        shell_pid = int(tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip())
        wait_for_screen(session, lambda s: "raytui" in s and "Workers" in s, 5.0)
        drawn_s = time.monotonic() - started
        wait_for_screen(session, lambda s: "● connected" in s, 90.0)
        daemons = our_daemons(shell_pid)
        assert daemons, "raytui should have started its own raylet and GCS"

        tmux("send-keys", "-t", session, "f")

        def busy_workers(screen: str) -> bool:
            match = re.search(r"(\d+) workers, (\d+) busy", screen)
            return bool(match and int(match.group(2)) >= 1
                        and "fibonacci_distributed" in screen)

        try:
            wait_for_screen(session, busy_workers, 120.0)
        except AssertionError as err:  # show what the Workload tab says about the job
            tmux("send-keys", "-t", session, "Tab", "Tab", "Tab", "Tab")
            time.sleep(1)
            raise AssertionError(f"{err}\nWorkload tab:\n"
                                 f"{tmux('capture-pane', '-p', '-t', session)}") from None
        tmux("send-keys", "-t", session, "q")
        # while the job f launched still runs, q asks first: s stops the job and quits
        deadline = time.monotonic() + 10
        while not rc_file.exists() and time.monotonic() < deadline:
            if "Still running in the cluster" in tmux("capture-pane", "-p", "-t", session):
                tmux("send-keys", "-t", session, "s")
                break
            time.sleep(0.2)
        deadline = time.monotonic() + 60
        while not rc_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert rc_file.read_text().strip() == "0"
        deadline = time.monotonic() + 20
        while daemons & ray_daemon_pids() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not daemons & ray_daemon_pids(), "raytui left its Ray daemons running"
        assert drawn_s < 5.0
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True,
                       timeout=10)
