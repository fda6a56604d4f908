"""Lessons: each step completes only from a matching observation; progress is kept;
both languages have every string."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.core.lesson_text import LANGS, STEP_PARTS, TEXT
from tui.core.lessons import STEPS, Lessons, default_lang, state_path
from tui.core.model import WorkerKey
from tui.core.story import FlagSpan, RunStory, WorkerShare


def story(result: dict[str, object], flags: tuple[str, ...] = (), workers: int = 2,
          tasks_each: int = 4, cores: float = 2.0, peak_busy_workers: int = 2) -> RunStory:
    shares = tuple(WorkerShare(WorkerKey("n", 100 + i), "f", 5.0, 1 / workers, tasks_each)
                   for i in range(workers))
    spans = tuple(FlagSpan(kind, "m", "e", 0.0, 3.0, True) for kind in flags)
    return RunStory("run", 10.0, cores, 2.0, 1.9, shares, workers * tasks_each, True,
                    peak_busy_workers, spans, "verdict", dict(result))


PARALLEL = {"pattern": "parallel", "speedup": 1.8, "return_sequence": False}
SERIAL = {"pattern": "serial", "speedup": 0.95, "return_sequence": False}


@pytest.fixture
def lessons(tmp_path: Path) -> Lessons:
    return Lessons(tmp_path / "state" / "lessons.json")


def done_ids(lessons: Lessons) -> set[str]:
    return set(lessons.progress.done)


def test_fanout_completes_from_a_parallel_run_and_not_from_a_serial_one(lessons: Lessons) -> None:
    assert lessons.observe_story(story(SERIAL, workers=1, tasks_each=16)) == []
    assert [s.id for s in lessons.observe_story(story(PARALLEL))] == ["fanout"]


def test_serial_needs_the_uneven_flag(lessons: Lessons) -> None:
    assert lessons.observe_story(story(SERIAL, workers=1, tasks_each=16)) == []
    completed = lessons.observe_story(story(SERIAL, ("uneven",), workers=1, tasks_each=16))
    assert [s.id for s in completed] == ["serial"]


def test_oversubscribe_needs_saturated_with_more_tasks_than_cores(lessons: Lessons) -> None:
    assert "oversubscribe" not in done_ids(lessons)
    lessons.observe_story(story(PARALLEL, ("saturated",), tasks_each=1))  # 2 tasks, 2 cores
    assert "oversubscribe" not in done_ids(lessons)
    # a serial run's tasks come one at a time: the machine saturated by other work
    lessons.observe_story(story(SERIAL, ("saturated", "uneven"), workers=1, tasks_each=12,
                                peak_busy_workers=1))
    assert "oversubscribe" not in done_ids(lessons)
    # side by side never seen: not what the step is about
    lessons.observe_story(story(PARALLEL, ("saturated",), tasks_each=8, peak_busy_workers=1))
    assert "oversubscribe" not in done_ids(lessons)
    lessons.observe_story(story(PARALLEL, ("saturated",), tasks_each=8))
    assert "oversubscribe" in done_ids(lessons)


def test_io_compares_with_the_fan_out_speedup_seen_before(lessons: Lessons) -> None:
    lessons.observe_story(story(PARALLEL))  # fan-out at 1.8x
    lessons.observe_story(story({**PARALLEL, "return_sequence": True, "speedup": 1.9}))
    assert "io" not in done_ids(lessons)
    lessons.observe_story(story({**PARALLEL, "return_sequence": True, "speedup": 1.2}))
    assert "io" in done_ids(lessons)


def test_crossover_needs_a_found_crossover(lessons: Lessons) -> None:
    assert lessons.observe_lab({"crossover_size": None}) == []
    assert [s.id for s in lessons.observe_lab({"crossover_size": 20000})] == ["crossover"]


def test_gsod_needs_two_actors_busy_at_once(lessons: Lessons) -> None:
    result = {"years": [1980, 2020], "stations_in_common": 500, "load_s": 12.0}
    lessons.observe_story(story(result, peak_busy_workers=1))
    assert "gsod" not in done_ids(lessons)
    lessons.observe_story(story(result, peak_busy_workers=2))
    assert "gsod" in done_ids(lessons)


def test_the_gsod_step_runs_at_the_apps_watchable_scale() -> None:
    from workloads.gsod import WATCHABLE_SCALE

    gsod = next(step for step in STEPS if step.id == "gsod")
    assert f"--scale {WATCHABLE_SCALE:g} " in gsod.command(2)


def test_progress_is_kept_between_runs_and_reset(tmp_path: Path) -> None:
    path = tmp_path / "lessons.json"
    first = Lessons(path)
    first.observe_story(story(PARALLEL))
    again = Lessons(path)
    assert done_ids(again) == {"fanout"} and again.progress.best_fanout_speedup == 1.8
    current = again.current()
    assert current is not None and current.id == "serial"
    again.reset()
    assert done_ids(Lessons(path)) == set()


def test_an_unreadable_progress_file_starts_again(tmp_path: Path) -> None:
    path = tmp_path / "lessons.json"
    path.write_bytes(b"\x00\xffnot json")
    assert done_ids(Lessons(path)) == set()


@pytest.mark.parametrize("lang", LANGS)
def test_every_string_exists_in_both_languages(lang: str) -> None:
    assert set(TEXT[lang]["ui"]) == set(TEXT["en"]["ui"])
    for step in STEPS:
        parts = TEXT[lang]["steps"][step.id]
        assert set(parts) == set(STEP_PARTS)
        assert all(parts[p].strip() for p in STEP_PARTS)
    lines = Lessons(Path("/nonexistent/x.json"), lang=lang).overview_lines(2)  # type: ignore[arg-type]
    assert len(lines) == len(STEPS) + 2


def test_language_and_state_path_from_the_environment() -> None:
    assert default_lang({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert default_lang({"LANG": "en_US.UTF-8"}) == "en"
    assert default_lang({}) == "en"
    assert state_path({"XDG_STATE_HOME": "/s"}) == Path("/s/raytui/lessons.json")
    with pytest.raises(ValueError):
        Lessons(Path("/x"), lang="fr")  # type: ignore[arg-type]


def test_raytui_learn_lists_resets_and_speaks_the_learners_language(tmp_path: Path) -> None:
    from tests.conftest import run_raytui

    lessons = Lessons(state_path({"XDG_STATE_HOME": str(tmp_path)}))
    lessons.observe_story(story(PARALLEL))
    env = {"XDG_STATE_HOME": str(tmp_path), "LANG": "en_GB.UTF-8", "LC_ALL": "",
           "LC_MESSAGES": ""}
    listed = run_raytui("learn", "--list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[1].startswith(" ✓ 1. Local loop vs remote tasks")
    assert "1 of 6 steps done" in listed.stdout
    chinese = run_raytui("learn", "--list", env={**env, "LANG": "zh_CN.UTF-8"})
    assert "已完成 1 / 6 步" in chinese.stdout
    assert run_raytui("learn", "--list", "--lang", "zh", env=env).stdout == chinese.stdout
    reset = run_raytui("learn", "--list", "--reset", env=env)
    assert "0 of 6 steps done" in reset.stdout and "✓" not in reset.stdout
    assert Lessons(lessons.path).progress.done == {}
