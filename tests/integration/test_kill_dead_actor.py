"""`k` on an actor that has already died: refused with why, never "killed" (real Ray).

Ray's `KillActorViaGcs` answers OK for a dead actor, so without the state check raytui
said "killed ... through Ray" for an actor that had died on its own."""

from __future__ import annotations

import pytest

from tests.integration.test_parity_errors import actor_row, eventually, report, start_holder
from tui.core.connection import RayConnection
from tui.core.control import Control, Refused, Target


def test_kill_of_an_actor_that_died_with_its_driver_is_refused_as_already_dead(
        ray_cluster: RayConnection) -> None:
    driver = start_holder(ray_cluster, wait=True)
    pid = int(driver.stdout.readline())  # type: ignore[union-attr]
    row = eventually(lambda: actor_row(ray_cluster, pid))
    target = Target("actor", str(row["node_id"]), pid, str(row["actor_id"]),
                    name="Holder", local=True)
    driver.stdin.close()  # type: ignore[union-attr]
    driver.wait(60)  # its driver exits, so Ray ends the actor
    eventually(lambda: next((a for a in report(ray_cluster).dead_actors
                             if a.actor_id == row["actor_id"]), None))
    control = Control(ray_cluster.dashboard_url, gcs_address=ray_cluster.gcs_address)
    assert control.actor_state(str(row["actor_id"])) == "DEAD"
    with pytest.raises(Refused, match="already dead: nothing to stop"):
        control.kill_actor(target)
    with pytest.raises(Refused, match="already dead"):  # a dashboard-only link too
        Control(ray_cluster.dashboard_url).kill_actor(target)
