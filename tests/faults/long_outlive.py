"""Long (make soak): attached by GCS address, `watch` and the app live past the 60 s after
which Ray's driver would end the process (issue 15, first row: exit 1 at 69 s of 100;
second row: the app died at ~60 s, the terminal left in alternate-screen and mouse mode)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.test_app_faults import app_outlives_a_killed_cluster
from tests.faults.test_outlive import outlive_the_cluster

pytestmark = pytest.mark.ray


def test_watch_lives_past_a_drivers_60_s() -> None:
    outlive_the_cluster(duration=80)


@pytest.mark.e2e
def test_the_app_lives_past_a_drivers_60_s(tmp_path: Path) -> None:
    app_outlives_a_killed_cluster(tmp_path, dead_s=75)
