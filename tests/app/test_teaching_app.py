"""Teaching in the app: a run launched here ends with its story and completes a lesson
only from what was observed; the events of the run; T and w."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Log, ProgressBar

from tests.app.fakes import HEAD, FakeLauncher, FakeSource, make_app, make_snapshot
from tests.app.test_keys import started, wait_for
from tui.app import RaytuiApp
from tui.core.events import EventLog
from tui.core.lessons import Lessons
from tui.core.model import Snapshot
from tui.core.story import RunStory
from tui.launch.jobs import JobState
from tui.panels.events import EventsPanel
from tui.panels.task_stream import TaskStreamPanel
from tui.panels.workload import WorkloadPanel
from tui.screens.lessons import LessonsScreen
from tui.screens.run_report import RunReportScreen
from workloads.gsod.progress_lines import progress_line

SERIAL_RESULT = ('{"size": 10, "count": 16, "pattern": "serial", "return_sequence": false, '
                 '"local_s": 1.0, "remote_s": 1.1, "speedup": 0.91}\n')


class LiveLikeSource(FakeSource):
    """Scripted snapshots stamped with the time they are polled (a run's story counts
    only polls after its launch), with an event log as the live source has."""

    def __init__(self, snapshots: list[Snapshot]) -> None:
        super().__init__(snapshots)
        self.events = EventLog()

    def poll_once(self) -> Snapshot:
        snapshot = super().poll_once()
        # worker 1001 takes the next task every third poll, as a serial loop's worker does
        workers = tuple(replace(w, running_task=replace(w.running_task,
                                                        task_id=f"t-fib-{self.polls // 3}"))
                        if w.pid == 1001 and w.running_task else w for w in snapshot.workers)
        return self.events.with_events(replace(snapshot, time=time.time(), workers=workers))


@dataclass
class HeldLauncher(FakeLauncher):
    """RUNNING until `release()`, then SUCCEEDED with `result`."""

    result: str = SERIAL_RESULT
    released: bool = False
    stops: list[str] = field(default_factory=list)

    def follow(self, job_id: str, poll_s: float = 0.5) -> Iterator[tuple[JobState, str]]:
        yield JobState(job_id, "RUNNING"), "working\n"
        while not self.released:
            time.sleep(0.01)
            yield JobState(job_id, "RUNNING"), ""
        yield JobState(job_id, "SUCCEEDED"), self.result

    def stop(self, job_id: str) -> None:
        self.stops.append(job_id)


def serial_cluster() -> Snapshot:
    """Worker 1001 runs the tasks at full CPU, 1002 idles, 'uneven' is raised."""
    return make_snapshot(busy={1001: 99.0, 1002: 0.5, 1003: 0.5, 1004: 0.5})


@dataclass
class TeachingRun:
    """An app over a scripted cluster whose launched run ends when the test says."""

    app: RaytuiApp
    source: LiveLikeSource
    launcher: HeldLauncher

    @classmethod
    def over(cls, cluster: Snapshot, tmp_path: Path, result: str = SERIAL_RESULT,
             ) -> TeachingRun:
        source, launcher = LiveLikeSource([cluster]), HeldLauncher(result=result)
        app = make_app(source, launcher, interval_s=0.05)
        app.lessons = Lessons(tmp_path / "lessons.json")
        return cls(app, source, launcher)

    async def story(self, pilot: Pilot[int], key: str, polls: int = 10) -> RunStory:
        """Launch with `key`, let `polls` polls watch the run, end it: its story."""
        await started(pilot)
        await pilot.press(key)
        await wait_for(pilot, lambda: self.app._observer is not None)
        start = self.source.polls
        await wait_for(pilot, lambda: self.source.polls >= start + polls)  # the run is watched
        self.launcher.released = True
        await wait_for(pilot, lambda: isinstance(self.app.screen, RunReportScreen))
        assert self.app.last_story is not None
        return self.app.last_story


async def test_a_serial_run_ends_with_its_story_and_completes_the_serial_lesson(
        tmp_path: Path) -> None:
    run = TeachingRun.over(serial_cluster(), tmp_path)
    app = run.app
    async with app.run_test(size=(120, 40)) as pilot:
        story = await run.story(pilot, "f")
        assert story.workers[0].key.pid == 1001
        assert story.workers[0].share > 0.9
        shown = {w.key.pid for w in story.workers}
        assert not shown & {1002, 1003, 999}  # idle workers and the driver are not in it
        assert "uneven" in story.flag_kinds()
        assert story.verdict.startswith("one worker (pid 1001) ran")
        assert set(app.lessons.progress.done) == {"serial"}
        await pilot.press("escape")
        await wait_for(pilot, lambda: {"workload_started", "workload_ended"} <= {
            e.kind for e in app.query_one("#events-panel", EventsPanel).events})


async def test_the_same_flag_without_a_run_completes_no_lesson(tmp_path: Path) -> None:
    source = LiveLikeSource([serial_cluster()])
    app = make_app(source, interval_s=0.05)
    app.lessons = Lessons(tmp_path / "lessons.json")
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await wait_for(pilot, lambda: source.polls >= 10)
        assert app.lessons.progress.done == {}
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, LessonsScreen))
        assert "Not done yet" in str(app.screen.query_one("#lesson-text").render())
        await pilot.press("enter")  # step 1's key, f: launches nothing here (no cluster)
        await wait_for(pilot, lambda: not isinstance(app.screen, LessonsScreen))
        assert app.lessons.progress.done == {}


def idle_cluster() -> Snapshot:
    return make_snapshot(busy={1001: 0.5, 1002: 0.5, 1003: 0.5, 1004: 0.5}, flags=())


def fib_result(pattern: str, count: int, speedup: float) -> str:
    return json.dumps({"size": 10, "count": count, "pattern": pattern,
                       "return_sequence": False, "local_s": 1.0, "remote_s": 1.0 / speedup,
                       "speedup": speedup}) + "\n"


def one_actor_loading() -> Snapshot:
    """Worker 1004's GSODActor busy; no other worker runs anything."""
    snapshot = make_snapshot(busy={1001: 0.5, 1002: 0.5, 1003: 0.5, 1004: 96.0}, flags=())
    return replace(snapshot, workers=tuple(replace(w, running_task=None) if w.pid == 1001
                                           else w for w in snapshot.workers))


GSOD_RESULT = json.dumps({"years": [1980, 2020], "stations_in_common": 500, "load_s": 9.0,
                          "total_s": 10.0}) + "\n"


@pytest.mark.parametrize(("key", "result", "cluster", "step"), [
    # a parallel run's result, but one worker was seen doing the work (uneven raised)
    ("f", fib_result("parallel", 4, 1.8), serial_cluster, "fanout"),
    # a serial run's result, but the workers stayed idle: no uneven was observed
    ("f", fib_result("serial", 16, 0.9), idle_cluster, "serial"),
    # more tasks than cores, but the cores were never seen saturated
    ("f", fib_result("parallel", 16, 1.9), serial_cluster, "oversubscribe"),
    # GSOD compared its years, but only one worker was seen busy at a time
    ("g", GSOD_RESULT, one_actor_loading, "gsod"),
], ids=["fanout", "serial", "oversubscribe", "gsod"])
async def test_a_run_that_did_not_show_the_step_does_not_complete_it(
        tmp_path: Path, key: str, result: str, cluster: Callable[[], Snapshot],
        step: str) -> None:
    run = TeachingRun.over(cluster(), tmp_path, result)
    async with run.app.run_test(size=(120, 40)) as pilot:
        story = await run.story(pilot, key)
        assert story.result  # the run ended with its result, and was watched
        assert step not in run.app.lessons.progress.done, (story.verdict, story.flag_kinds())


async def test_a_gsod_run_with_two_actors_busy_at_once_completes_its_step(
        tmp_path: Path) -> None:
    # the second GSODActor on worker 1002 (a worker busy with no task and no actor is
    # not part of a run's story: tests/unit/test_story.py)
    busy = make_snapshot(busy={1001: 0.5, 1002: 97.0, 1003: 0.5, 1004: 96.0}, flags=())
    two_loading = replace(busy, workers=tuple(replace(w, actor_id="actor-2") if w.pid == 1002
                                              else w for w in busy.workers))
    run = TeachingRun.over(two_loading, tmp_path, GSOD_RESULT)
    async with run.app.run_test(size=(120, 40)) as pilot:
        story = await run.story(pilot, "g", polls=5)
        assert story.result["stations_in_common"] == 500
        assert story.verdict.startswith("2 actors loaded their years in parallel")
        assert set(run.app.lessons.progress.done) == {"gsod"}


async def test_w_toggles_the_task_stream_and_back() -> None:
    source = LiveLikeSource([serial_cluster()])
    app = make_app(source, interval_s=0.05)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await wait_for(pilot, lambda: source.polls >= 5)
        await pilot.press("w")
        await wait_for(pilot, lambda: app.active_pane() == "stream")
        panel = app.query_one("#stream-panel", TaskStreamPanel)
        await wait_for(pilot, lambda: bool(panel.lanes))
        assert panel.lanes[0].key.node_id == HEAD and panel.lanes[0].key.pid == 1001
        assert "fibonacci_distributed" in str(panel.render())
        await pilot.press("w")
        await wait_for(pilot, lambda: app.active_pane() == "workers")


def progress(year: int, actor: str, done_bytes: int, done: bool = False) -> str:
    return progress_line(year, actor, {"stations": done_bytes // 10, "members": done_bytes // 10,
                                       "rows": done_bytes * 3, "bytes_read": done_bytes,
                                       "bytes_total": 1000, "done": done}) + "\n"


async def test_gsod_progress_lines_become_one_bar_per_actor_not_log_lines() -> None:
    steps = [("RUNNING", "loading\n" + progress(1980, "a" * 32, 100) + progress(2020, "b" * 32, 50)),
             ("RUNNING", progress(1980, "a" * 32, 600) + progress(2020, "b" * 32, 400)),
             ("RUNNING", "compared\n")]
    launcher = FakeLauncher(steps=steps)
    app = make_app(LiveLikeSource([serial_cluster()]), launcher)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("g")
        panel = app.query_one(WorkloadPanel)
        await wait_for(pilot, lambda: len(panel.progress) == 2
                       and panel.progress["a" * 32].bytes == 600)
        await pilot.pause(0.1)
        bars = list(panel.query(ProgressBar))
        assert len(bars) == 2
        assert sorted(round(bar.progress, 2) for bar in bars) == [0.4, 0.6]
        log = "\n".join(str(line) for line in panel.query_one(Log).lines)
        assert "gsod_progress" not in log and "loading" in log and "compared" in log
        assert "--progress-json" in launcher.submitted[0][1]
