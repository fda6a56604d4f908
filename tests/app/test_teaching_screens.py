"""The lessons and run-report screens on their own: keys, text in both languages, SVGs."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import OptionList, Static

from tui.core.lessons import STEPS, Lessons
from tui.core.model import WorkerKey
from tui.core.story import FlagSpan, RunStory, WorkerShare
from tui.screens.lessons import LessonsScreen
from tui.screens.run_report import RunReportScreen


class ScreenHost(App[None]):
    """Pushes one screen and keeps what it was dismissed with."""

    def __init__(self, screen: LessonsScreen | RunReportScreen) -> None:
        super().__init__()
        self.to_show = screen
        self.dismissed_with: object = "not yet"

    def on_mount(self) -> None:
        self.push_screen(self.to_show, callback=self._done)

    def _done(self, result: object) -> None:
        self.dismissed_with = result


def serial_story() -> RunStory:
    workers = (WorkerShare(WorkerKey("node-a", 4242), "fibonacci_distributed", 14.2, 0.97, 16),
               WorkerShare(WorkerKey("node-a", 4243), "fibonacci_distributed", 0.4, 0.03, 0))
    flags = (FlagSpan("uneven", "97% of the work ran on 1 worker (pid 4242)",
                      "The classic cause is calling ray.get() inside the loop.", 3.0, 9.0, True),)
    return RunStory("Fibonacci size=100000 count=16 serial", 15.3, 2.0, 1.1, 0.95, workers, 16,
                    True, 1, flags,
                    "one worker (pid 4242) ran 16 of the 16 tasks while 1.0 CPU stayed free: "
                    "ray.get inside the submit loop waits for each task before submitting the "
                    "next; submit them all, then ray.get the list",
                    {"pattern": "serial", "speedup": 0.97})


def lessons_with_one_done(tmp_path: Path, lang: str) -> Lessons:
    lessons = Lessons(tmp_path / "lessons.json", lang=lang)  # type: ignore[arg-type]
    lessons.progress.done["fanout"] = 1.0
    return lessons


async def test_lessons_open_at_the_first_step_not_done_and_enter_launches_it(
        tmp_path: Path) -> None:
    app = ScreenHost(LessonsScreen(lessons_with_one_done(tmp_path, "en")))
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.pause()
        steps = app.screen.query_one(OptionList)
        assert steps.highlighted == 1  # step 2, the serial anti-pattern
        text = str(app.screen.query_one("#lesson-text", Static).render())
        assert "ray.get" in text and "Not done yet" in text
        await pilot.press("j")
        assert steps.highlighted == 2
        await pilot.press("k", "enter")
        await pilot.pause()
        # step 2's key F opens the form, filled with the serial run
        assert app.dismissed_with == "workload_form('fibonacci', 'serial')"


async def test_reset_starts_the_path_again(tmp_path: Path) -> None:
    lessons = lessons_with_one_done(tmp_path, "en")
    app = ScreenHost(LessonsScreen(lessons))
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert lessons.progress.done == {}
        assert Lessons(tmp_path / "lessons.json").progress.done == {}
        assert "0 of 6" in str(app.screen.query_one("#lessons-progress", Static).render())


async def test_run_report_shows_bars_flags_and_the_verdict() -> None:
    app = ScreenHost(RunReportScreen(serial_story()))
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.pause()
        body = str(app.screen.query_one("#report-body", Static).render())
        assert "pid    4242" in body and "16 tasks" in body
        assert "uneven (9 s)" in body
        assert "Verdict: one worker (pid 4242) ran 16 of the 16 tasks" in body
        await pilot.press("escape")
        await pilot.pause()
        assert app.dismissed_with is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lessons_screen_80x24(snap_compare, lang: str, tmp_path: Path) -> None:
    assert len(STEPS) == 6
    assert snap_compare(ScreenHost(LessonsScreen(lessons_with_one_done(tmp_path, lang))),
                        terminal_size=(80, 24))


def test_run_report_80x24(snap_compare) -> None:
    assert snap_compare(ScreenHost(RunReportScreen(serial_story())), terminal_size=(80, 24))
