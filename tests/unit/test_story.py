"""The story of a run from synthetic polls: the serial and fan-out verdicts, flag spans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from tui.core.model import (
    ClusterSummary,
    Flag,
    Node,
    Snapshot,
    Status,
    Task,
    TaskRef,
    Worker,
    WorkerKey,
)
from tui.core.story import RunObserver, story_json, story_lines

NODE = "node-a"
UNEVEN = Flag("uneven", "warning", "95% of the work ran on 1 worker", "ray.get in the loop",
              nodes=(NODE,), workers=(WorkerKey(NODE, 101),))


def poll(t: float, busy: dict[int, tuple[float, str | None]], cores: float = 2.0,
         flags: Sequence[Flag] = ()) -> Snapshot:
    """`busy`: pid -> (cpu percent, running task id or None); pids 101 and 102 exist."""
    workers = []
    for pid in (101, 102):
        cpu, task = busy.get(pid, (0.5, None))
        workers.append(Worker(pid=pid, node_id=NODE, cpu_percent=cpu, cpu_source="psutil",
                              running_task=TaskRef(task, "fibonacci_distributed") if task else None))
    workers.append(Worker(pid=99, node_id=NODE, worker_type="DRIVER", cpu_percent=90.0,
                          cpu_source="psutil"))
    return Snapshot(time=t, status=Status(connected=True),
                    cluster=ClusterSummary(1, 1, cpus_total=cores),
                    nodes=(Node(NODE, cpus_total=cores),), workers=tuple(workers),
                    flags=tuple(flags))


def serial_run() -> RunObserver:
    observer = RunObserver("Fibonacci serial", started_at=0.0)
    for i in range(16):
        observer.add(poll(float(i), {101: (98.0, f"t{i}")}, flags=[UNEVEN] if 4 <= i < 6 else []))
    return observer


def test_serial_story_names_one_worker_running_all_tasks_and_the_flag_span() -> None:
    story = serial_run().finish(16.0, {"pattern": "serial", "speedup": 0.9})
    assert story.workers[0].key == WorkerKey(NODE, 101)
    assert story.workers[0].tasks == 16 and story.tasks == 16
    assert story.workers[0].share > 0.95
    assert [w.key.pid for w in story.workers] == [101]  # the idle worker and the driver are not in it
    assert "one worker (pid 101) ran 16 of the 16 tasks seen" in story.verdict
    assert "ray.get" in story.verdict
    (span,) = story.flags
    assert span.kind == "uneven" and span.cleared and span.seconds == 2.0
    text = "\n".join(story_lines(story))
    assert "Flag uneven (2 s)" in text and "Verdict: one worker" in text


def test_fan_out_story_names_every_worker_and_no_uneven() -> None:
    observer = RunObserver("Fibonacci parallel", started_at=0.0)
    for i in range(8):
        observer.add(poll(float(i), {101: (97.0, f"a{i // 2}"), 102: (96.0, f"b{i // 2}")}))
    story = observer.finish(8.0, {"pattern": "parallel", "speedup": 1.85})
    assert {w.key.pid for w in story.workers} == {101, 102}
    assert story.tasks == 8
    assert "uneven" not in story.flag_kinds()
    assert story.verdict.startswith("every core busy: 2 workers shared 8 tasks, speedup 1.85x")
    assert 1.8 < story.mean_busy_cores <= 2.0


def test_task_rows_make_counts_exact_and_a_flag_still_up_lasts_to_the_end() -> None:
    observer = RunObserver("run", started_at=0.0)
    for i in range(3):
        observer.add(poll(float(i), {101: (99.0, "x")}, flags=[UNEVEN] if i >= 1 else []))
    rows = [Task(f"t{i}", "fibonacci_distributed", "FINISHED", NODE, 101) for i in range(16)]
    story = observer.finish(10.0, {"pattern": "serial"}, task_rows=rows)
    assert story.tasks_exact and story.workers[0].tasks == 16
    (span,) = story.flags
    assert not span.cleared and span.seconds == 9.0
    data = story_json(story)
    assert data["workers"][0] == {"node_id": NODE, "pid": 101, "doing": "fibonacci_distributed",
                                  "busy_s": 1.98, "share": 0.995, "tasks": 16}
    assert data["flags"][0]["kind"] == "uneven"


def test_polls_before_the_run_and_disconnected_polls_do_not_count() -> None:
    observer = RunObserver("run", started_at=10.0)
    observer.add(poll(5.0, {101: (99.0, "old")}))
    observer.add(Snapshot(time=11.0, status=Status(connected=False)))
    story = observer.finish(12.0)
    assert story.workers == () and story.tasks == 0
    assert "too short" in story.verdict


def test_tasks_side_by_side_count_as_busy_workers_even_with_little_cpu() -> None:
    """A machine loaded by others: two tasks running at once get 30 % of a core each."""
    starved = RunObserver("Fibonacci parallel", started_at=0.0)
    for i in range(4):
        starved.add(poll(float(i), {101: (30.0, f"a{i}"), 102: (28.0, f"b{i}")}))
    assert starved.finish(4.0).peak_busy_workers == 2
    alone = RunObserver("Fibonacci serial", started_at=0.0)
    for i in range(4):
        alone.add(poll(float(i), {101: (30.0, f"a{i}"), 102: (20.0, None)}))
    assert alone.finish(4.0).peak_busy_workers == 1


def test_the_mean_counts_the_polls_while_the_workers_were_busy() -> None:
    """fib's default run: a local loop first (only the driver busy), then the fan-out."""
    observer = RunObserver("Fibonacci parallel", started_at=0.0)
    for i in range(12):
        fanning_out = 4 <= i < 8
        observer.add(poll(float(i), {101: (97.0, f"a{i}"), 102: (95.0, f"b{i}")}
                          if fanning_out else {}))
    story = observer.finish(12.0, {"pattern": "parallel", "speedup": 1.8})
    assert story.mean_busy_cores == pytest.approx(0.97 + 0.95)  # not the idle polls around
    assert story.peak_busy_cores == pytest.approx(0.97 + 0.95)
    assert story.verdict == "every core busy: 2 workers shared 8 tasks, speedup 1.80x"


def test_a_worker_that_only_started_up_is_not_in_the_story() -> None:
    # Ray can start a third worker beside two busy ones; importing Ray burns a real share
    # of CPU, but it never runs a task of the run, so it gets no bar
    observer = RunObserver("Fibonacci parallel", started_at=0.0)
    for i in range(4):
        observer.add(poll(float(i), {101: (97.0, f"a{i}"), 102: (60.0 if i < 2 else 0.5, None)}))
    rows = [Task(f"a{i}", "fibonacci_distributed", "FINISHED", NODE, 101) for i in range(4)]
    story = observer.finish(4.0, {"pattern": "parallel"}, task_rows=rows)
    assert [w.key.pid for w in story.workers] == [101]
    assert story.tasks == 4


def test_a_worker_the_polls_never_saw_running_is_named_from_its_rows() -> None:
    # on a loaded machine the polls can miss every running task of a worker: its task
    # rows still count it, and say what it ran
    observer = RunObserver("Fibonacci parallel", started_at=0.0)
    for i in range(4):
        observer.add(poll(float(i), {101: (97.0, f"a{i}"), 102: (95.0, None)}))
    rows = [Task(f"a{i}", "fibonacci_distributed", "FINISHED", NODE, 101) for i in range(2)]
    rows += [Task(f"b{i}", "fibonacci_distributed", "FINISHED", NODE, 102) for i in range(2)]
    story = observer.finish(4.0, {"pattern": "parallel"}, task_rows=rows)
    assert {w.key.pid: (w.tasks, w.doing) for w in story.workers} == {
        101: (2, "fibonacci_distributed"), 102: (2, "fibonacci_distributed")}
    assert all(line.endswith("fibonacci_distributed") for line in story_lines(story)
               if line.startswith("  pid "))


def test_a_gsod_run_with_one_actor_seen_says_so_in_its_verdict() -> None:
    observer = RunObserver("GSOD", started_at=0.0)
    for i in range(4):
        poll_ = poll(float(i), {101: (97.0, None)})
        observer.add(replace(poll_, workers=tuple(replace(w, actor_id="actor-1")
                                                  if w.pid == 101 else w
                                                  for w in poll_.workers)))
    story = observer.finish(4.0, {"years": [1980, 2020], "stations_in_common": 5,
                                  "load_s": 3.0})
    assert story.verdict.startswith("only 1 actor was seen loading (3.0 s); 5 stations")


def serial_rows(pids: Sequence[int], start_ms: int = 1_000, task_ms: int = 250) -> list[Task]:
    """One task after another (each starts the millisecond the last ends), on `pids` in
    turn: Ray may give the serial loop's next task to another idle worker of the pool."""
    return [Task(f"t{i}", "fibonacci_distributed", "FINISHED", NODE, pid,
                 start_time_ms=start_ms + i * task_ms, end_time_ms=start_ms + (i + 1) * task_ms)
            for i, pid in enumerate(pids)]


def test_rows_one_after_another_on_two_workers_are_the_serial_loop() -> None:
    """A real serial run's rows (CI): 29 of 36 on one worker, 7 on another, never two at
    once. The verdict says one at a time, which the rows prove; not 'one worker ran all'."""
    observer = serial_run()
    pids = [102 if i % 5 == 4 else 101 for i in range(36)]
    story = observer.finish(16.0, {"pattern": "serial"}, task_rows=serial_rows(pids))
    assert story.tasks_at_once_peak == 1 and story_json(story)["tasks_at_once_peak"] == 1
    assert [(w.key.pid, w.tasks) for w in story.workers] == [(101, 29), (102, 7)]
    assert story.verdict.startswith("the 36 tasks ran one at a time (pid 101 ran 29 of them) "
                                    "while ")
    assert "ray.get" in story.verdict


def test_an_even_split_one_at_a_time_is_still_the_serial_loop() -> None:
    # below ONE_WORKER_SHARE on any one worker, and still one task at a time
    pids = [101, 102] * 8
    story = serial_run().finish(16.0, {"pattern": "serial"}, task_rows=serial_rows(pids))
    assert story.tasks_at_once_peak == 1
    assert story.verdict.startswith("the 16 tasks ran one at a time (pid ")


def test_overlapping_rows_are_not_one_at_a_time() -> None:
    rows = serial_rows([101] * 4) + [
        Task("u", "fibonacci_distributed", "FINISHED", NODE, 102,
             start_time_ms=1_100, end_time_ms=1_600)]
    story = RunObserver("run", 0.0).finish(2.0, {}, task_rows=rows)
    assert story.tasks_at_once_peak == 2


def test_rows_without_times_or_of_actors_give_no_overlap_figure() -> None:
    rows = [Task("a", "f", "FINISHED", NODE, 101),
            Task("b", "m", "FINISHED", NODE, 101, actor_id="actor", start_time_ms=1,
                 end_time_ms=2)]
    assert RunObserver("run", 0.0).finish(2.0, {}, task_rows=rows).tasks_at_once_peak is None
    assert RunObserver("run", 0.0).finish(2.0, {}).tasks_at_once_peak is None


def test_the_verdict_names_the_worker_that_ran_most_by_the_rows_not_the_busiest_seen() -> None:
    # the polls saw pid 101 busy (a loaded machine's polls can miss a worker's tasks);
    # the rows say pid 102 ran 12 of the 16
    pids = [101 if i % 4 == 0 else 102 for i in range(16)]
    story = serial_run().finish(16.0, {"pattern": "serial"}, task_rows=serial_rows(pids))
    assert story.workers[0].key.pid == 101  # busiest by the polls' CPU
    assert story.verdict.startswith("the 16 tasks ran one at a time (pid 102 ran 12 of them)")
