"""Each lesson step completes from a real run on the session cluster, run the way a
learner runs it from the command line (`raytui run ... --observe`), in the path's order,
with one progress file (XDG state) for the module. Each run must complete its own step
and no other. The crossover step's real run is tests/integration/test_lab.py's compute
sweep (the same command); the GSOD step's (33 s with its archives) is in `make soak`.

That a step does not complete without a run is tests/app/test_teaching_app.py's (Pilot
over scripted sources); the checks themselves are tests/unit/test_lessons.py's.

Why the runs last as long as they do: in a full-suite run, step 2 once ended without
`uneven` (mean 0.96 busy cores: one task at a time). Its 12 serial tasks
take 3 s on this machine when it is quiet (0.25 s a task), and `uneven` averages the
busiest worker over its 6 s window, so a run shorter than the window never gets the
average past 50 % (a `watch` of such a run never raised it; the run's own observer, whose
window starts with the process, did only by luck). The counts below are derived from
the detectors' windows and the fastest task time measured here, not guessed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests import helpers
from tests.conftest import run_raytui
from tui.core.connection import RayConnection
from tui.core.detect.params import DetectParams
from tui.core.lessons import STEPS, Lessons
from tui.core.poll.slots import DASHBOARD_PERIOD_S

pytestmark = pytest.mark.ray

FIB_SIZE = str(helpers.FIB_SIZE)
CORES = 2  # the session cluster's
PARAMS = DetectParams()
# one worker busy for 1.5 uneven windows, at the fastest: 9 s quiet, ~25 s loaded
SERIAL_COUNT = helpers.fib_count_lasting(1.5 * PARAMS.uneven_window_s)
# every core busy for two of Ray's node-CPU reporting periods (5 s, also the collector's
# spacing for that answer) at the fastest: so one whole 5 s sample is all busy, whatever
# the phase; saturated's polls then read that answer. 10 s quiet, ~28 s loaded.
SATURATED_S = 2 * DASHBOARD_PERIOD_S
OVERSUBSCRIBE_COUNT = helpers.fib_count_lasting(SATURATED_S, CORES)


def step_args(step_id: str) -> list[str]:
    """The learner's own command of a step (the lessons show it; key F's form launches
    the same run), without its leading `raytui`."""
    command = next(s for s in STEPS if s.id == step_id).command(CORES)
    return command.split()[1:]


@pytest.fixture(scope="module")
def state_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("learner-state")


def done(state_home: Path) -> set[str]:
    return set(Lessons(state_home / "raytui" / "lessons.json").progress.done)


def learner_runs(ray_cluster: RayConnection, state_home: Path, *args: str) -> dict[str, Any]:
    """One command as the learner runs it; its JSON (a run's story is `observed`)."""
    helpers.wait_until_quiet()  # the flags a step needs are timed against its windows
    started = time.monotonic()
    result = run_raytui(*args, "--json", "--address", ray_cluster.gcs_address or "",
                        env={"XDG_STATE_HOME": str(state_home)}, timeout=240)
    assert result.returncode == 0, result.stderr[-800:]
    data: dict[str, Any] = json.loads(result.stdout)  # stdout is the JSON alone
    print(f"{' '.join(args[:3])}: {time.monotonic() - started:.1f} s; "
          f"{data.get('observed', {}).get('verdict', data.get('message', ''))}")
    return data


def completes(ray_cluster: RayConnection, state_home: Path, step: str,
              *args: str) -> dict[str, Any]:
    before = done(state_home)
    assert step not in before
    data = learner_runs(ray_cluster, state_home, *args)
    assert done(state_home) - before == {step}, (data.get("observed"), done(state_home))
    return data


def kinds(story: dict[str, Any]) -> set[str]:
    return {flag["kind"] for flag in story["flags"]}


def test_1_local_vs_remote_fills_the_workers(ray_cluster: RayConnection,
                                            state_home: Path) -> None:
    """The fan-out's story names every worker (one task per CPU) and no `uneven`."""
    data = completes(ray_cluster, state_home, "fanout", *step_args("fanout"))
    assert data["size"] == int(FIB_SIZE)
    story = data["observed"]
    assert len([w for w in story["workers"] if w["tasks"] > 0]) == CORES
    assert story["tasks_at_once_peak"] is not None  # the rows carry start and end times
    assert story["tasks_exact"] is True and story["tasks"] == data["count"] == CORES
    assert "uneven" not in kinds(story)


def test_2_the_serial_anti_pattern_raises_uneven(ray_cluster: RayConnection,
                                                 state_home: Path) -> None:
    """The serial story: `uneven` raised, the job's own rows show its tasks ran one at a
    time, and the verdict says so, names the worker that ran most, and the cause
    (`ray.get` in the submit loop).

    Not "one worker ran every task": Ray may hand the loop's next task to another idle
    worker of the pool (a CI run's rows: 29 of 36 on one pid, 7 on another). What the
    submit loop guarantees, and what the lesson teaches, is one task at a time."""
    data = completes(ray_cluster, state_home, "serial", *step_args("serial"))
    assert data["count"] >= SERIAL_COUNT and data["size"] == int(FIB_SIZE)  # long enough
    story = data["observed"]
    assert "uneven" in kinds(story)
    assert story["tasks_exact"] is True and story["tasks"] == data["count"]
    assert story["tasks_at_once_peak"] == 1  # from the rows' start and end times
    ran = [w for w in story["workers"] if w["tasks"] > 0]
    assert sum(w["tasks"] for w in ran) == data["count"]
    most = max(ran, key=lambda w: w["tasks"])
    assert str(story["verdict"]).startswith(
        f"the {data['count']} tasks ran one at a time (pid {most['pid']} ran "
        f"{most['tasks']} of them)")
    assert "ray.get" in str(story["verdict"])


def test_3_oversubscription_raises_saturated(ray_cluster: RayConnection,
                                             state_home: Path) -> None:
    data = completes(ray_cluster, state_home, "oversubscribe", *step_args("oversubscribe"))
    assert data["count"] >= OVERSUBSCRIBE_COUNT and data["size"] == int(FIB_SIZE)
    assert "saturated" in kinds(data["observed"])
    assert data["observed"]["tasks"] == data["count"]


def test_5_returning_the_whole_sequence_is_slower(ray_cluster: RayConnection,
                                                  state_home: Path) -> None:
    # after step 1, whose speedup is the comparison (step 4 is test_lab.py's)
    assert "fanout" in done(state_home)
    data = completes(ray_cluster, state_home, "io", *step_args("io"))
    assert data["return_sequence"] is True


@pytest.mark.soak  # 33 s with its archives: make soak
def test_6_two_gsod_actors_load_in_parallel(ray_cluster: RayConnection, state_home: Path,
                                            tmp_path: Path) -> None:
    made = run_raytui("gsod", "synth", "--year", "1980", "--year", "2020", "--scale", "0.3",
                      "--out", str(tmp_path), timeout=240)
    assert made.returncode == 0, made.stderr[-800:]
    data = completes(ray_cluster, state_home, "gsod",
                     "run", "gsod", "--years", "1980", "2020", "--data-dir", str(tmp_path),
                     "--observe")
    assert data["observed"]["peak_busy_workers"] >= 2 and data["stations_in_common"] > 0
