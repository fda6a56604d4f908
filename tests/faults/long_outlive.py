"""Long (make soak): attached by GCS address, `watch` lives past the 60 s after which
Ray's driver would end the process (issue 15, first row: exit 1 at 69 s of 100)."""

from __future__ import annotations

import pytest

from tests.faults.test_outlive import outlive_the_cluster

pytestmark = pytest.mark.ray


def test_watch_lives_past_a_drivers_60_s() -> None:
    outlive_the_cluster(duration=80)
