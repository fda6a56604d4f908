"""SVG snapshots of the monitor at 80x24 (SSH) and 160x48 (wide), from fixed data."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.app.fakes import make_app
from tests.app.test_keys import wait_for
from tests.app.test_replay import replay_app, write_recording

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


async def first_snapshot(pilot: Pilot[int]) -> None:
    await wait_for(pilot, lambda: pilot.app.snapshots_applied >= 1)  # type: ignore[attr-defined]
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=first_snapshot)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, size: tuple[int, int]) -> None:
    async def open_help(pilot: Pilot[int]) -> None:
        await first_snapshot(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=open_help)


@pytest.mark.parametrize("size", SIZES)
def test_flag_explanation(snap_compare, size: tuple[int, int]) -> None:
    async def explain_flag(pilot: Pilot[int]) -> None:
        await first_snapshot(pilot)
        await pilot.press("tab", "tab", "tab")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=explain_flag)


@pytest.mark.parametrize("size", SIZES)
def test_replay(snap_compare, size: tuple[int, int], tmp_path: Path) -> None:
    app = replay_app(write_recording(tmp_path / "demo.jsonl"), interval_s=1.0)

    async def seek(pilot: Pilot[int]) -> None:
        await first_snapshot(pilot)
        await pilot.press("circumflex_accent", "right_square_bracket")  # pauses at 11/30
        await wait_for(pilot, lambda: app.replay.index == 10 and "11/30" in str(
            app.query_one("#header").render()))
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=size, run_before=seek)
