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
