"""SVG snapshots of the Errors tab, the Jobs tab and the log view at 80x24 (fixed data)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.app.parity_fakes import T0_MS, FakeFeed, Host, error_report, jobs
from tests.app.test_keys import wait_for
from tui.core.model import Snapshot, Status
from tui.panels.errors import ErrorsPanel
from tui.panels.jobs import JobsPanel
from tui.panels.on_demand import OnDemandPanel
from tui.panels.view import ViewState
from tui.screens.log_view import LogViewScreen

EMPTY = Snapshot(time=T0_MS / 1000, status=Status(True))


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    """The panels show local clock times: pin the zone so the pictures do not move."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def after_one_fetch(snap_compare: Callable[..., bool], panel: OnDemandPanel[Any]) -> bool:
    """The panel's screenshot once its first answer is drawn."""
    async def loaded(pilot: Pilot[None]) -> None:
        panel.show(EMPTY, ViewState())
        await wait_for(pilot, lambda: panel.fetches == 1)
        await pilot.pause()

    return snap_compare(Host(panel), terminal_size=(80, 24), run_before=loaded)


def test_errors_tab(snap_compare) -> None:
    assert after_one_fetch(snap_compare, ErrorsPanel(error_report))


def test_jobs_tab(snap_compare) -> None:
    assert after_one_fetch(snap_compare, JobsPanel(jobs, now=lambda: T0_MS / 1000 + 75))


def test_log_view(snap_compare) -> None:
    text = "".join(f"[fib] task {i} of 40: fibonacci(100000) took {0.4 + i / 100:.2f} s\n"
                   for i in range(40))
    feed = FakeFeed({"out": text + "Traceback (most recent call last):\nValueError: boom\n"})
    app = Host()

    async def opened(pilot: Pilot[None]) -> None:
        screen = LogViewScreen(feed)
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.is_mounted and screen.received == 42)
        await pilot.press("slash", *"boom", "enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=opened)
