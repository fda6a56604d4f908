"""The tutorial as a guided path: steps, the checks that complete them, kept progress.

Each step completes from what was actually observed on this machine: the story of a
run (`tui.core.story.RunStory`) or a Lab sweep's result, never from a button. Progress
is a small JSON file under the XDG state directory, so a learner can stop and come back.
The words are in `tui/core/lesson_text.py`, in English and Chinese.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core.lesson_text import LANGS, TEXT, Lang
from tui.core.story import RunStory

IO_SPEEDUP_BELOW = 1.0  # without a fan-out run to compare with, IO "dominates" below this


@dataclass
class Progress:
    """What the learner has done, kept between runs."""

    done: dict[str, float] = field(default_factory=dict)  # step id -> when (epoch s)
    best_fanout_speedup: float | None = None  # for the IO step's comparison

    def to_json(self) -> dict[str, Any]:
        return {"done": self.done, "best_fanout_speedup": self.best_fanout_speedup}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Progress:
        done = data.get("done") if isinstance(data.get("done"), dict) else {}
        best = data.get("best_fanout_speedup")
        return Progress(done={str(k): float(v) for k, v in (done or {}).items()
                              if isinstance(v, int | float)},
                        best_fanout_speedup=float(best) if isinstance(best, int | float)
                        else None)


StoryCheck = Callable[[RunStory, Progress], bool]


@dataclass(frozen=True)
class FibRun:
    """A step's Fibonacci run: what the app's form is filled with (key F) and what the
    headless command says, so both launch the same run."""

    pattern: str = "parallel"
    count: int | None = None  # None: count_per_cpu a CPU, else one per CPU
    count_per_cpu: int | None = None
    size: int | None = None  # None: the workload's default
    return_sequence: bool = False
    with_local: bool = True  # time the local loop first (the speedup needs it)

    def tasks(self, cpus: int) -> int | None:
        if self.count is not None:
            return self.count
        return self.count_per_cpu * max(1, cpus) if self.count_per_cpu else None

    def args(self, cpus: int) -> list[str]:
        """`raytui run fib`'s arguments for this run on `cpus` CPUs."""
        args = ["--pattern", self.pattern]
        tasks = self.tasks(cpus)
        if tasks is not None:
            args += ["--count", str(tasks)]
        if self.size is not None:
            args += ["--size", str(self.size)]
        if self.return_sequence:
            args.append("--return-sequence")
        if not self.with_local:
            args.append("--no-local")
        return args


@dataclass(frozen=True)
class Step:
    id: str
    key: str  # the app key that launches its workload
    cli: str = ""  # the headless command that does the same (a Fibonacci step's: from fib)
    check_story: StoryCheck | None = None  # completes from a run's story
    needs_lab_crossover: bool = False  # completes from a Lab sweep that found a crossover
    fib: FibRun | None = None  # key F's form is filled with this run

    def command(self, cpus: int) -> str:
        """The headless command, for a cluster of `cpus` CPUs."""
        if self.fib is None:
            return self.cli
        return " ".join(["raytui", "run", "fib", *self.fib.args(cpus), "--observe"])


def _fib(story: RunStory) -> bool:
    return "speedup" in story.result and "pattern" in story.result


def _fanout(story: RunStory, _progress: Progress) -> bool:
    workers = [w for w in story.workers if w.tasks > 0]
    return (_fib(story) and story.result.get("pattern") == "parallel"
            and not story.result.get("return_sequence") and len(workers) >= 2
            and "uneven" not in story.flag_kinds())


def _serial(story: RunStory, _progress: Progress) -> bool:
    return _fib(story) and story.result.get("pattern") == "serial" \
        and "uneven" in story.flag_kinds()


def _oversubscribed(story: RunStory, _progress: Progress) -> bool:
    """More tasks than cores submitted at once, seen running side by side, and the cores
    saturated. Not a serial run: its tasks come one at a time, and a saturated flag then
    is someone else's load (a real serial run on a busy machine raised it)."""
    return (_fib(story) and story.result.get("pattern") == "parallel"
            and "saturated" in story.flag_kinds() and story.tasks > story.cores
            and story.peak_busy_workers >= min(2.0, story.cores))


def _io(story: RunStory, progress: Progress) -> bool:
    speedup = story.result.get("speedup")
    if not (_fib(story) and story.result.get("return_sequence")
            and isinstance(speedup, int | float)):
        return False
    baseline = progress.best_fanout_speedup
    return speedup < (baseline if baseline is not None else IO_SPEEDUP_BELOW)


def _gsod(story: RunStory, _progress: Progress) -> bool:
    return "stations_in_common" in story.result and story.peak_busy_workers >= 2


# How long the runs of steps 2 and 3 must be, from the detectors' windows and a size-
# 100,000 task's 0.25 s on an idle 2-core machine (tests/integration/test_lessons_real.py
# runs these very commands): `uneven` averages the busiest worker over its 6 s window, so
# the serial run keeps one worker busy 1.5 windows (36 tasks, 9 s); `saturated` reads the
# node CPU Ray's agent reports every 5 s, so every core stays busy two of its periods (40
# tasks a core). Neither needs the local loop: the point is the pattern, not the speedup.
SERIAL_TASKS = 36
OVERSUBSCRIBE_TASKS_PER_CPU = 40
# Step 5 returns every sequence whole: at size 100,000 that is ~470 MB a task, so a
# smaller size (43 MB a task), where moving the result still outweighs the work
IO_SIZE = 30_000

STEPS: tuple[Step, ...] = (
    Step("fanout", "f", "raytui run fib --pattern parallel --observe", _fanout),
    Step("serial", "F", check_story=_serial,
         fib=FibRun("serial", SERIAL_TASKS, with_local=False)),
    Step("oversubscribe", "F", check_story=_oversubscribed,
         fib=FibRun(count_per_cpu=OVERSUBSCRIBE_TASKS_PER_CPU, with_local=False)),
    Step("crossover", "L", "raytui lab compute", needs_lab_crossover=True),
    Step("io", "F", check_story=_io, fib=FibRun(size=IO_SIZE, return_sequence=True)),
    # --scale 2: workloads.gsod.WATCHABLE_SCALE, the app's (g); the default scale loads in
    # well under a second, too short to see two actors busy at once
    Step("gsod", "g", "raytui run gsod --scale 2 --observe", _gsod),
)


def default_lang(environ: Mapping[str, str] | None = None) -> Lang:
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def state_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "raytui" / "lessons.json"


class Lessons:
    """The path and the learner's progress on it; `observe_*` complete steps."""

    def __init__(self, path: Path | None = None, lang: Lang = "en") -> None:
        if lang not in LANGS:
            raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
        self.path = path if path is not None else state_path()
        self.lang: Lang = lang
        self.progress = self._load()

    def _load(self) -> Progress:
        try:
            return Progress.from_json(json.loads(self.path.read_text()))
        except (OSError, ValueError, AttributeError):
            return Progress()  # none yet, or unreadable: start again rather than fail

    def save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.progress.to_json()))
            tmp.replace(self.path)
        except OSError:
            pass  # progress is a convenience: a read-only home must not break the monitor

    def text(self, step: Step, part: str) -> str:
        return TEXT[self.lang]["steps"][step.id][part]

    def ui(self, name: str) -> str:
        return TEXT[self.lang]["ui"][name]

    def is_done(self, step: Step) -> bool:
        return step.id in self.progress.done

    def current(self) -> Step | None:
        """The first step not done yet."""
        return next((s for s in STEPS if not self.is_done(s)), None)

    def observe_story(self, story: RunStory) -> list[Step]:
        """Steps this run completed (saved at once)."""
        completed = [s for s in STEPS if not self.is_done(s) and s.check_story is not None
                     and s.check_story(story, self.progress)]
        speedup = story.result.get("speedup")
        if _fanout(story, self.progress) and isinstance(speedup, int | float):
            best = self.progress.best_fanout_speedup
            self.progress.best_fanout_speedup = max(speedup, best or speedup)
        return self._complete(completed)

    def observe_lab(self, result: Mapping[str, Any]) -> list[Step]:
        """A Lab sweep's summary (`crossover_size` is null when remote never won)."""
        if result.get("crossover_size") is None:
            return []
        return self._complete([s for s in STEPS if s.needs_lab_crossover and not self.is_done(s)])

    def _complete(self, steps: list[Step]) -> list[Step]:
        now = time.time()
        for step in steps:
            self.progress.done[step.id] = now
        if steps or self.progress.best_fanout_speedup is not None:
            self.save()
        return steps

    def reset(self) -> None:
        self.progress = Progress()
        self.save()

    def overview_lines(self, cpus: int) -> list[str]:
        """The path as text: one line a step, with its state (for `raytui learn --list`)."""
        lines = [self.ui("title")]
        for number, step in enumerate(STEPS, 1):
            mark = "✓" if self.is_done(step) else "·"
            lines.append(f" {mark} {number}. {self.text(step, 'title')}  "
                         f"[{self.ui('key')} {step.key} | {step.command(cpus)}]")
        done = sum(self.is_done(s) for s in STEPS)
        lines.append(self.ui("progress").format(done=done, total=len(STEPS)))
        return lines
