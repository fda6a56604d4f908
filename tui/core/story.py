"""The story of a workload run: who did the work, what was flagged, and a verdict.

A `RunObserver` is fed every snapshot while a run lasts (the app's and `raytui run
--observe`'s poll loop), keeps running totals only (so a long run costs no more memory
than a short one), and `finish()` turns them and the workload's result into a
`RunStory`. Busy time is measured CPU (cpu_percent / 100 x seconds between polls) of
the workers doing the cluster's work; tasks per worker come from the run's own task
rows when the caller has them (exact), else from the running task each poll saw.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from tui.core.model import Flag, Snapshot, Task, Worker, WorkerKey

MAX_POLL_GAP_S = 5.0  # a longer gap (a paused poll) counts as this long, not more
BUSY_SHARE_MIN = 0.02  # a worker below this share of the busy time is listed as idle
ONE_WORKER_SHARE = 0.8  # "one worker ran it all" at or above this share of the tasks
ALL_CORES_BUSY = 0.75  # mean busy cores at or above this share of the cores
FREE_CPU = 0.75  # "a CPU stayed free": at least this many cores idle on average
# a worker is busy at a poll when it runs a task or actor method, or burns at least this
# share of a core: on a machine loaded by others, two tasks side by side can get less
# than half a core each, and they are still side by side
BUSY_WORKER_PERCENT = 50.0


@dataclass(frozen=True)
class WorkerShare:
    key: WorkerKey
    doing: str  # the function it ran most
    busy_s: float  # CPU seconds
    share: float  # of all workers' busy time, 0..1
    tasks: int  # tasks it ran


@dataclass(frozen=True)
class FlagSpan:
    kind: str
    message: str
    explanation: str
    raised_at: float
    seconds: float  # how long it lasted (until the run ended, if it never cleared)
    cleared: bool


@dataclass(frozen=True)
class RunStory:
    title: str
    wall_s: float
    cores: float  # logical CPUs of the cluster
    peak_busy_cores: float
    mean_busy_cores: float  # from the first to the last poll where a worker was busy
    workers: tuple[WorkerShare, ...]  # busiest first
    tasks: int
    tasks_exact: bool  # from the run's task rows, not from polls
    peak_busy_workers: int  # most workers busy at the same poll (tasks side by side,
    # actors loading in parallel): running something, or at BUSY_WORKER_PERCENT+ CPU
    flags: tuple[FlagSpan, ...]
    verdict: str
    result: dict[str, Any] = field(default_factory=dict)
    # most of the run's tasks running at the same moment, from the rows' start and end
    # times (None without rows that carry both): 1 is the serial submit loop, exactly
    tasks_at_once_peak: int | None = None

    def flag_kinds(self) -> set[str]:
        return {span.kind for span in self.flags}


@dataclass
class _WorkerTally:
    busy_s: float = 0.0
    tasks: set[str] = field(default_factory=set)
    doing: dict[str, int] = field(default_factory=dict)
    ran: bool = False  # seen running a task or actor method, or hosting an actor


@dataclass
class _FlagTally:
    flag: Flag
    raised_at: float
    last_seen: float
    cleared: bool = False


class RunObserver:
    """Running totals of one run, fed one snapshot at a time (see the module docstring)."""

    def __init__(self, title: str, started_at: float) -> None:
        self.title = title
        self.started_at = started_at
        self._last_time: float | None = None
        self._workers: dict[WorkerKey, _WorkerTally] = {}
        self._flags: dict[str, _FlagTally] = {}
        # the mean counts the polls from the first to the last one where a worker was
        # busy: a run's local loop before its tasks (fib's default) is not idle cores
        self._busy_samples = 0
        self._busy_sum = 0.0
        self._busy_pending: tuple[int, float] = (0, 0.0)  # polls since the last busy one
        self._busy_peak = 0.0
        self._busy_workers_peak = 0
        self._cores = 0.0
        self.ended_at: float | None = None

    def add(self, snapshot: Snapshot) -> None:
        if snapshot.time < self.started_at or not snapshot.status.connected:
            return
        gap = 0.0 if self._last_time is None else min(MAX_POLL_GAP_S,
                                                      snapshot.time - self._last_time)
        self._last_time = snapshot.time
        self._cores = max(self._cores, snapshot.cluster.cpus_total)
        busy_cores = 0.0
        busy_workers = 0
        for worker in _doing_work(snapshot.workers):
            tally = self._workers.setdefault(worker.key, _WorkerTally())
            tally.busy_s += worker.cpu_percent / 100.0 * gap
            busy_cores += worker.cpu_percent / 100.0
            busy_workers += (worker.running_task is not None
                             or worker.cpu_percent >= BUSY_WORKER_PERCENT)
            task = worker.running_task
            tally.ran = tally.ran or task is not None or worker.actor_id is not None
            if task is not None and task.actor_id is None:  # tasks, not actor methods
                tally.tasks.add(task.task_id)
                tally.doing[task.name] = tally.doing.get(task.name, 0) + 1
        self._add_busy(busy_cores, busy_workers > 0)
        self._busy_workers_peak = max(self._busy_workers_peak, busy_workers)
        seen = set()
        for flag in snapshot.flags:
            seen.add(flag.key)
            tally_flag = self._flags.get(flag.key)
            if tally_flag is None or tally_flag.cleared:
                self._flags[flag.key] = _FlagTally(flag, snapshot.time, snapshot.time)
            else:
                tally_flag.last_seen = snapshot.time
                tally_flag.flag = flag
        for key, tally_flag in self._flags.items():
            if key not in seen and not tally_flag.cleared:
                tally_flag.cleared = True
                tally_flag.last_seen = snapshot.time

    def _add_busy(self, busy_cores: float, active: bool) -> None:
        self._busy_peak = max(self._busy_peak, busy_cores)
        if not active and not self._busy_samples:
            return  # the run's workers have not started yet
        samples, total = self._busy_pending
        samples, total = samples + 1, total + busy_cores
        if active:  # the polls up to this one are part of the busy span
            self._busy_samples += samples
            self._busy_sum += total
            samples, total = 0, 0.0
        self._busy_pending = (samples, total)

    def finish(self, ended_at: float, result: Mapping[str, Any] | None = None,
               task_rows: Iterable[Task] | None = None) -> RunStory:
        """The story; `task_rows` (the run's own tasks from the state API) make the
        per-worker task counts exact."""
        self.ended_at = ended_at
        # from the run's rows: the functions each worker ran, by count (None: no rows)
        rows_ran: dict[WorkerKey, Counter[str]] | None = None
        if task_rows is not None:
            task_rows = list(task_rows)  # read twice: the counts, and the overlap
            rows_ran = defaultdict(Counter)
            for task in task_rows:
                if task.worker_pid and task.node_id and not task.actor_id:
                    rows_ran[WorkerKey(task.node_id, task.worker_pid)][task.name] += 1
        total_busy = sum(t.busy_s for t in self._workers.values())
        keys = set(self._workers) | set(rows_ran or {})
        shares = []
        for key in keys:
            tally = self._workers.get(key, _WorkerTally())
            by_rows = rows_ran.get(key, Counter()) if rows_ran is not None else None
            tasks = by_rows.total() if by_rows is not None else len(tally.tasks)
            share = tally.busy_s / total_busy if total_busy > 0 else 0.0
            if tasks == 0 and (share < BUSY_SHARE_MIN or not tally.ran):
                # an idle worker of the pool, or one that only started up (a worker Ray
                # starts beside the busy ones burns CPU importing, and then hosts nothing
                # and runs nothing): not this run's story
                continue
            # what the polls saw it run most; else what its rows say (a loaded machine's
            # polls can miss a worker's running task while its rows still count it)
            ran = tally.doing or by_rows or {}
            doing = max(ran, key=ran.__getitem__) if ran else ""
            shares.append(WorkerShare(key, doing, tally.busy_s, share, tasks))
        shares.sort(key=lambda w: (-w.busy_s, -w.tasks, w.key))
        spans = tuple(
            FlagSpan(t.flag.kind, t.flag.message, t.flag.explanation, t.raised_at,
                     max(0.0, (t.last_seen if t.cleared else ended_at) - t.raised_at), t.cleared)
            for t in sorted(self._flags.values(), key=lambda t: t.raised_at))
        mean = self._busy_sum / self._busy_samples if self._busy_samples else 0.0
        story = RunStory(
            title=self.title,
            wall_s=max(0.0, ended_at - self.started_at),
            cores=self._cores,
            peak_busy_cores=self._busy_peak,
            mean_busy_cores=mean,
            workers=tuple(shares),
            tasks=sum(w.tasks for w in shares),
            tasks_exact=rows_ran is not None,
            peak_busy_workers=self._busy_workers_peak,
            tasks_at_once_peak=tasks_at_once_peak(task_rows) if task_rows is not None else None,
            flags=spans,
            verdict="",
            result=dict(result or {}),
        )
        return _with_verdict(story)


def tasks_at_once_peak(task_rows: Iterable[Task]) -> int | None:
    """Most tasks (not actor methods) running at the same moment, swept over the rows'
    start and end times; None when no row carries both."""
    edges: list[tuple[int, int]] = []
    for task in task_rows:
        if task.actor_id or task.start_time_ms is None or task.end_time_ms is None:
            continue
        # an end sorts before a start at the same millisecond: a task that ends as the
        # next one starts (the serial loop's hand-over) did not run beside it
        edges += [(task.start_time_ms, 1), (task.end_time_ms, -1)]
    if not edges:
        return None
    running = peak = 0
    for _, step in sorted(edges):
        running += step
        peak = max(peak, running)
    return peak


def _with_verdict(story: RunStory) -> RunStory:
    return replace(story, verdict=verdict(story))


def verdict(story: RunStory) -> str:
    """One line a learner can act on."""
    result = story.result
    kinds = story.flag_kinds()
    workers = [w for w in story.workers if w.tasks > 0] or list(story.workers)
    tasks = story.tasks
    free = story.cores - story.mean_busy_cores
    speedup = result.get("speedup")
    if not workers:
        return "no worker did measurable work during the run: it was too short to see"
    if "years" in result and "stations_in_common" in result:
        actors = [w for w in story.workers if w.share >= 0.2]
        together = "in parallel" if story.peak_busy_workers >= 2 else "one after the other"
        loaded = ("only 1 actor was seen loading" if len(actors) == 1
                  else f"{len(actors)} actors loaded their years {together}")
        return (f"{loaded} "
                f"({result.get('load_s', 0):.1f} s); {result['stations_in_common']} stations "
                f"are in both years")
    if result.get("return_sequence") and isinstance(speedup, int | float):
        return (f"returning whole sequences made the remote run {speedup:.2f}x the local loop: "
                "moving the data costs more than the parallel work saves")
    one_at_a_time = story.tasks_at_once_peak == 1
    most = max(workers, key=lambda w: w.tasks)  # the first of the busiest, on a tie
    if tasks > 1 and (one_at_a_time or most.tasks >= ONE_WORKER_SHARE * tasks) \
            and free >= FREE_CPU and (result.get("pattern") == "serial" or "uneven" in kinds):
        # Ray may hand the next task to another idle worker of the pool, so the rows'
        # overlap, not one worker's count, is what says the loop ran them one at a time
        seen = "" if story.tasks_exact else " seen"
        who = (f"the {tasks} tasks ran one at a time (pid {most.key.pid} ran {most.tasks} of "
               "them)" if one_at_a_time
               else f"one worker (pid {most.key.pid}) ran {most.tasks} of the {tasks} tasks{seen}")
        return (f"{who} while {free:.1f} CPU stayed free: ray.get inside the submit loop "
                "waits for each task before submitting the next; submit them all, then "
                "ray.get the list")
    if "saturated" in kinds and tasks > story.cores > 0:
        text = (f"{tasks} tasks on {story.cores:g} cores: every core was busy and the rest "
                "queued; more parallel tasks than cores do not finish sooner")
        return text + (f" (speedup {speedup:.2f}x)" if isinstance(speedup, int | float) else "")
    if story.cores and story.mean_busy_cores >= ALL_CORES_BUSY * story.cores:
        text = f"every core busy: {len(workers)} workers shared {tasks} tasks"
        return text + (f", speedup {speedup:.2f}x" if isinstance(speedup, int | float) else "")
    text = (f"{len(workers)} worker{'s' if len(workers) != 1 else ''} ran {tasks} tasks, "
            f"{story.mean_busy_cores:.1f} of {story.cores:g} cores busy on average")
    return text + (f", speedup {speedup:.2f}x" if isinstance(speedup, int | float) else "")


def _doing_work(workers: Iterable[Worker]) -> list[Worker]:
    return [w for w in workers if w.worker_type != "DRIVER" and w.cpu_source != "none"]


def story_lines(story: RunStory, bar_width: int = 20) -> list[str]:
    """The story as plain text lines (headless `--observe`, and the base of the screen)."""
    lines = [f"Run: {story.title}, {story.wall_s:.1f} s",
             f"CPU: peak {story.peak_busy_cores:.1f}, mean {story.mean_busy_cores:.1f} "
             f"of {story.cores:g} cores"]
    counted = "tasks" if story.tasks_exact else "tasks seen"
    for share in story.workers:
        filled = round(share.share * bar_width)
        bar = "█" * filled + "·" * (bar_width - filled)
        lines.append(f"  pid {share.key.pid:>7} {bar} {share.share:4.0%}  "
                     f"{share.tasks} {counted}  {share.doing}".rstrip())
    for span in story.flags:
        lasted = f"{span.seconds:.0f} s" + ("" if span.cleared else ", until the end")
        lines.append(f"Flag {span.kind} ({lasted}): {span.message}")
        if span.explanation:
            lines.append(f"  {span.explanation}")
    lines.append(f"Verdict: {story.verdict}")
    return lines


def story_json(story: RunStory) -> dict[str, Any]:
    """The `observed` object of `raytui run ... --observe --json`."""
    return {
        "title": story.title,
        "wall_s": round(story.wall_s, 3),
        "cores": story.cores,
        "peak_busy_cores": round(story.peak_busy_cores, 2),
        "mean_busy_cores": round(story.mean_busy_cores, 2),
        "tasks": story.tasks,
        "tasks_exact": story.tasks_exact,
        "peak_busy_workers": story.peak_busy_workers,
        "tasks_at_once_peak": story.tasks_at_once_peak,
        "workers": [{"node_id": w.key.node_id, "pid": w.key.pid, "doing": w.doing,
                     "busy_s": round(w.busy_s, 2), "share": round(w.share, 3),
                     "tasks": w.tasks} for w in story.workers],
        "flags": [{"kind": s.kind, "message": s.message, "seconds": round(s.seconds, 1),
                   "cleared": s.cleared, "explanation": s.explanation} for s in story.flags],
        "verdict": story.verdict,
    }
