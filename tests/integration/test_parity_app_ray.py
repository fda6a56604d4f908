"""The app over the real collector on the session cluster: k kills an unnamed actor of
another job (confirmed; DEAD, its death cause in the Errors tab), t shows a busy worker's
stack naming the running function (py-spy on this machine)."""

from __future__ import annotations

from pathlib import Path

import ray
from textual.widgets import TabbedContent

import tui.app
from tests.app.test_keys import wait_for
from tests.integration.test_parity_errors import actor_row, start_holder
from tests.integration.test_parity_stack import parity_busy_loop
from tui.app import RaytuiApp
from tui.core.collector import Collector
from tui.core.connection import RayConnection
from tui.core.control import ClusterLink
from tui.panels.keyed_table import KeyedTable
from tui.screens.confirm import ConfirmScreen
from tui.screens.stack import StackScreen


class LiveApp(RaytuiApp):
    CSS_PATH = str(Path(tui.app.__file__).parent / "app.tcss")


def live_app(cluster: RayConnection) -> LiveApp:
    return LiveApp(open_source=lambda stop: Collector(cluster), address_label="session",
                   interval_s=0.5, cluster_cpus=lambda: 2,
                   cluster_link=lambda: ClusterLink(cluster.dashboard_url, cluster.gcs_address))


def select(table: KeyedTable, key: str) -> None:
    table.move_cursor(row=table.get_row_index(key), animate=False)


async def test_k_on_an_unnamed_actor_confirmed_ends_it_and_errors_shows_why(
        ray_cluster: RayConnection) -> None:
    driver = start_holder(ray_cluster, wait=True)
    try:
        pid = int(driver.stdout.readline())  # type: ignore[union-attr]
        app = live_app(ray_cluster)
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
            assert isinstance(app.screen, ConfirmScreen), [n.message for n in app._notifications]
            await pilot.press("y")
            await wait_for(pilot, lambda: (actor_row(ray_cluster, pid) or {}).get("state")
                           == "DEAD", 60)
            await pilot.press("e")
            errors = app.query_one("#errors-table", KeyedTable)
            await wait_for(pilot, lambda: f"actor:{actor_id}" in [
                str(r.key.value) for r in errors.ordered_rows], 60)
            assert "ray.kill" in str(errors.get_cell(f"actor:{actor_id}", "message"))
            messages = [n.message for n in app._notifications]
            assert any("killed" in m and "through Ray" in m for m in messages), messages
    finally:
        driver.stdin.close()  # type: ignore[union-attr]
        driver.wait(60)


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
