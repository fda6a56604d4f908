"""The app over the real collector on the session cluster: k kills an unnamed actor of
another job (confirmed; DEAD, its death cause in the Errors tab), through Ray or, on a
dashboard-only connection, by SIGTERM; t shows a busy worker's stack naming the running
function (py-spy on this machine); a raising task is grouped in the Errors tab."""

from __future__ import annotations

from dataclasses import dataclass

import psutil
import pytest
import ray
from textual.widgets import Static, TabbedContent

from tests.app.test_keys import wait_for
from tests.integration.test_parity_errors import actor_row, start_holder
from tests.integration.test_parity_stack import parity_busy_loop
from tui.app import RaytuiApp
from tui.core.collector import Collector
from tui.core.connection import ClusterAddress, RayConnection
from tui.core.control import ClusterLink
from tui.panels.keyed_table import KeyedTable
from tui.screens.confirm import ConfirmScreen
from tui.screens.stack import StackScreen


def live_app(cluster: RayConnection, driver: bool = True) -> RaytuiApp:
    """The app over the real collector; `driver=False`: as attached by the dashboard's URL
    (`--address http://...`), so its actions have no GCS address to use."""
    if not driver:
        # not connect(): it would adopt this process's Ray, whatever the address says
        cluster = RayConnection(ClusterAddress("dashboard", cluster.dashboard_url))
        cluster.dashboard_url = cluster.address.value or ""
    link = ClusterLink(cluster.dashboard_url, cluster.gcs_address)
    return RaytuiApp(open_source=lambda stop: Collector(cluster), address_label="session",
                     interval_s=0.5, cluster_cpus=lambda: 2, cluster_link=lambda: link)


def select(table: KeyedTable, key: str) -> None:
    table.move_cursor(row=table.get_row_index(key), animate=False)


@dataclass
class Killed:
    pid: int
    asked: str  # what the confirmation said
    message: str  # the Errors tab's message about the actor once Ray has it DEAD
    notes: list[str]  # the app's notifications


async def kill_with_k(cluster: RayConnection, driver: bool) -> Killed:
    """An unnamed actor of another job, then `k` on it in the Actors tab, confirmed."""
    holder = start_holder(cluster, wait=True)
    try:
        pid = int(holder.stdout.readline())  # type: ignore[union-attr]
        return await kill_in_app(cluster, driver, pid)
    finally:
        holder.stdin.close()  # type: ignore[union-attr]
        holder.wait(60)


async def kill_in_app(cluster: RayConnection, driver: bool, pid: int) -> Killed:
    app = live_app(cluster, driver)
    async with app.run_test(size=(120, 40)) as pilot:
        def listed() -> str | None:
            snapshot = app.latest
            return next((a.actor_id for a in (snapshot.actors if snapshot else ())
                         if a.pid == pid and a.state == "ALIVE"), None)

        await wait_for(pilot, lambda: listed() is not None, 60)
        actor_id = listed()
        assert actor_id is not None
        await pilot.press("tab", "tab")
        await pilot.pause()
        assert app.query_one("#tabs", TabbedContent).active == "actors"
        table = app.query_one("#actors-table", KeyedTable)
        try:
            await wait_for(pilot, lambda: actor_id in [str(r.key.value) for r in
                                                       table.ordered_rows], 30)
        except AssertionError:
            shown = app.shown
            raise AssertionError(
                f"rows {[str(r.key.value) for r in table.ordered_rows]}; shown has "
                f"{[a.actor_id for a in shown.actors] if shown else None}; "
                f"applied {app.snapshots_applied}, screens {app.screen_stack}") from None
        select(table, actor_id)
        await pilot.press("k")
        await pilot.pause(0.5)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen), [n.message for n in app._notifications]
        asked = " ".join(str(widget.render()) for widget in confirm.query(Static))
        await pilot.press("y")
        await wait_for(pilot, lambda: (actor_row(cluster, pid) or {}).get("state")
                       == "DEAD", 60)
        await pilot.press("e")
        errors = app.query_one("#errors-table", KeyedTable)
        await wait_for(pilot, lambda: f"actor:{actor_id}" in [
            str(r.key.value) for r in errors.ordered_rows], 60)
        message = str(errors.get_cell(f"actor:{actor_id}", "message"))
        return Killed(pid, asked, message, [n.message for n in app._notifications])


async def test_k_on_an_unnamed_actor_confirmed_ends_it_and_errors_shows_why(
        ray_cluster: RayConnection) -> None:
    killed = await kill_with_k(ray_cluster, driver=True)
    assert f"pid {killed.pid}" in killed.asked and "through Ray" in killed.asked
    assert "ray.kill" in killed.message
    assert any("killed" in m and "through Ray" in m for m in killed.notes), killed.notes


async def test_k_on_a_dashboard_only_connection_ends_a_local_actor_by_sigterm(
        ray_cluster: RayConnection) -> None:
    killed = await kill_with_k(ray_cluster, driver=False)
    assert f"pid {killed.pid}" in killed.asked and "by SIGTERM" in killed.asked
    assert any(f"sent SIGTERM to pid {killed.pid}" in m for m in killed.notes), killed.notes
    assert not any("through Ray" in m for m in killed.notes), killed.notes
    assert "killed by a signal" in killed.message  # why it died, as Ray recorded it
    assert not psutil.pid_exists(killed.pid) or \
        psutil.Process(killed.pid).status() == psutil.STATUS_ZOMBIE


async def test_t_on_a_busy_worker_shows_its_stack_naming_the_function_via_py_spy(
        ray_cluster: RayConnection) -> None:
    ref = parity_busy_loop.remote(90)
    try:
        app = live_app(ray_cluster)
        async with app.run_test(size=(120, 40)) as pilot:
            def busy_key() -> str | None:
                snapshot = app.latest
                return next((f"{w.node_id}:{w.pid}" for w in (snapshot.workers if snapshot
                                                               else ())
                             if w.running_task and w.running_task.name == "parity_busy_loop"),
                            None)

            await wait_for(pilot, lambda: busy_key() is not None, 60)
            table = app.query_one("#workers-table", KeyedTable)
            await wait_for(pilot, lambda: busy_key() in [str(r.key.value) for r in
                                                         table.ordered_rows], 30)
            select(table, busy_key() or "")
            await pilot.press("t")
            await wait_for(pilot, lambda: isinstance(app.screen, StackScreen))
            screen = app.screen
            assert isinstance(screen, StackScreen)
            await wait_for(pilot, lambda: screen.result is not None, 30)
            assert screen.result is not None and screen.result.ok, screen.result
            assert screen.result.via == "py-spy" and "parity_busy_loop" in screen.result.text
            assert screen.function == "parity_busy_loop"
    finally:
        ray.cancel(ref, force=True)


@ray.remote(max_retries=0)
def parity_app_raises(n: int) -> None:
    raise KeyError(f"parity app key {n} is missing")


async def test_a_raising_task_shows_in_the_errors_tab_grouped_with_its_message(
        ray_cluster: RayConnection) -> None:
    for n in range(2):
        with pytest.raises(ray.exceptions.RayTaskError):
            ray.get(parity_app_raises.remote(n))
    key = "task:parity_app_raises:KeyError"
    app = live_app(ray_cluster)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        errors = app.query_one("#errors-table", KeyedTable)

        def cell(column: str) -> str:
            value = errors.get_cell(key, column)
            return str(getattr(value, "plain", value))

        await wait_for(pilot, lambda: key in [str(r.key.value) for r in errors.ordered_rows]
                       and cell("count") == "2", 60)
        assert cell("what") == "parity_app_raises" and cell("error") == "KeyError"
        assert "parity app key 1 is missing" in cell("message")  # the latest one's
        # Other tests of this session's cluster leave failures too (a cancelled busy loop
        # may be newer), so put the cursor on this group's row, as a user would.
        errors.move_cursor(row=errors.get_row_index(key))
        await pilot.pause()
        assert errors.selected_key == key
        await pilot.press("enter")  # the full text: the traceback as Ray stores it (its
        # frames, "File ..., line N, in parity_app_raises", without Python's header line)
        await pilot.pause(0.5)
        shown = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert 'File "' in shown and "in parity_app_raises" in shown, shown[:500]
        assert "KeyError: 'parity app key 1 is missing'" in shown
