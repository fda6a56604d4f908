"""`raytui run fib|gsod ... --observe`: the same collector as the monitor watches the run,
and its story prints after the tutorial's lines (`--json`: as `observed`)."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.core.connection import RayConnection
    from tui.core.model import Task
    from tui.core.observe import ObservedRun
    from tui.core.story import RunStory

OBSERVE_INTERVAL_S = 0.5  # as often as `watch --interval 0.5`: short tasks are still seen
TASK_EVENTS_FLUSH_S = 1.2  # Ray's workers send task events every 1 s
TASK_EVENTS_TRIES = 5


def add_observe_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--observe", action="store_true",
                        help="watch the run with raytui's collector and print its story "
                             "(who did the work, flags, a verdict) after the results")


@contextmanager
def observing(enabled: bool, connection: RayConnection, title: str,
              ) -> Iterator[ObservedRun | None]:
    """A collector polling on its own thread while the block runs (None when not asked)."""
    if not enabled:
        yield None
        return
    from tui.core.collector import Collector
    from tui.core.observe import ObservedRun

    collector = Collector(connection)
    try:
        with ObservedRun(collector, title, OBSERVE_INTERVAL_S) as run:
            yield run
    finally:
        collector.close()


def this_drivers_tasks(connection: RayConnection) -> list[Task] | None:
    """The tasks of the Ray job this process drives (exact counts for the story)."""
    try:
        import ray

        from tui.core.sources.http import DashboardHttp
        from tui.core.sources.state_api import StateApiSource

        job_id = ray.get_runtime_context().get_job_id()
        state = StateApiSource(DashboardHttp(connection.dashboard_url, 10.0))
        rows: list[Task] = []
        # Workers report task events about every second: ask until two answers agree
        for _ in range(TASK_EVENTS_TRIES):
            previous = rows
            rows, info = state.tasks_of_job(job_id)
            if info.truncated:
                return None  # a cut list would undercount
            if previous and len(rows) == len(previous):
                return rows
            time.sleep(TASK_EVENTS_FLUSH_S)
        return rows
    except Exception:
        return None  # the story then counts the tasks the polls saw, and says so


def remember(story: RunStory) -> None:
    """The lessons (`raytui learn`) learn of the run: a step may complete from it."""
    from tui.core.lessons import Lessons

    Lessons().observe_story(story)


def remember_lab(summary: dict[str, Any]) -> None:
    from tui.core.lessons import Lessons

    Lessons().observe_lab(summary)


def print_results(out: IO[str], as_json: bool, result_json: dict[str, Any],
                  lines: Sequence[str], story: RunStory | None) -> None:
    from tui.core.story import story_json, story_lines

    if story is not None:
        remember(story)
    if as_json:
        data = dict(result_json)
        if story is not None:
            data["observed"] = story_json(story)
        print(json.dumps(data), file=out, flush=True)
        return
    text = list(lines)
    if story is not None:
        text += ["", *story_lines(story)]
    print("\n".join(text), file=out, flush=True)
