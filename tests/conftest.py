"""Shared fixtures: one real local Ray cluster for the whole session."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.core.connection import ClusterAddress, RayConnection

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def private_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Lesson progress (XDG state) goes to a temp dir, not the user's home."""
    before = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("xdg-state"))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("XDG_STATE_HOME", None)
        else:
            os.environ["XDG_STATE_HOME"] = before
RAYTUI = str(Path(sys.executable).parent / "raytui")


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[RayConnection]:
    """A real 2-CPU local cluster, started once (about 5 s) and shut down at the end."""
    connection = RayConnection(ClusterAddress("local"), num_cpus=2).connect()
    try:
        yield connection
    finally:
        connection.close()


def run_raytui(*args: str, timeout: float = 120, env: dict[str, str] | None = None,
               ) -> subprocess.CompletedProcess[str]:
    """The installed `raytui` console script in a subprocess, as a user runs it."""
    full_env = dict(os.environ)
    full_env.pop("RAY_ADDRESS", None)
    if env:
        full_env.update(env)
    return subprocess.run([RAYTUI, *args], capture_output=True, text=True, timeout=timeout,
                          env=full_env, cwd=REPO)
