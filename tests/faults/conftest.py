"""Fixtures for the fault tests: a real Ray head of our own (ray start --head in a temp
dir), stopped by pid; and helpers that run the installed `raytui` and time it."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import RAYTUI, REPO
from tests.faults.cluster import RayHead


@pytest.fixture(scope="package")
def head() -> Iterator[RayHead]:
    """One head for the package's tests that only read or misuse it (bad input, secrets):
    each start costs ~10 s. Tests that kill or restart a head start their own."""
    with RayHead() as running:
        yield running


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    """TMPDIR for one raytui run: its log file lands here, and nowhere shared."""
    path = tmp_path / "tmp"
    path.mkdir()
    return path


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def raytui(*args: str, timeout: float = 60, env: dict[str, str] | None = None,
           tmpdir: Path | None = None) -> Ran:
    full_env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    if tmpdir is not None:
        full_env["TMPDIR"] = str(tmpdir)
    full_env.update(env or {})
    started = time.monotonic()
    done = subprocess.run([RAYTUI, *args], capture_output=True, text=True, timeout=timeout,
                          env=full_env, cwd=REPO, stdin=subprocess.DEVNULL)
    return Ran(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def one_line_error(ran: Ran) -> str:
    """A user error: exit 2, nothing on stdout, exactly one line on stderr, no traceback."""
    assert ran.returncode == 2, (ran.returncode, ran.stdout[-300:], ran.stderr[-600:])
    lines = [line for line in ran.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, ran.stderr[-1500:]
    assert "Traceback" not in ran.stderr and "RAYTUI_DEBUG" not in ran.stderr
    return lines[0]
