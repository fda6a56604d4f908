"""The join over canned rows: where each worker's figures come from and how old they are,
dead nodes, the monitor itself, partial task counts, and a cut worker list."""

from __future__ import annotations

import dataclasses

from tui.core.model import Actor, Gpu, ListInfo, Status, Task
from tui.core.poll.join import Answers, NodeProcesses, join, join_and_keep, local_node_ids
from tui.core.sources.dashboard import NodeStats, ProcessStats, RayletWorker
from tui.core.sources.state_api import ROW_LIMIT, NodeRow, TaskCounts, WorkerRow

HEAD, OTHER, GONE = "h" * 56, "o" * 56, "d" * 56


def node(node_id: str, state: str = "ALIVE", head: bool = False) -> NodeRow:
    return NodeRow(node_id, "10.0.0.1" if head else "10.0.0.2", "", head, state, 8.0, 1 << 34,
                   1 << 30)


def row(node_id: str, pid: int, kind: str = "WORKER") -> WorkerRow:
    return WorkerRow(f"w{pid}", pid, node_id, kind, "")


def answers(**kwargs: object) -> Answers:
    base: dict[str, object] = dict(
        time=1.0, status=Status(True),
        node_rows=[node(HEAD, head=True), node(OTHER), node(GONE, "DEAD")],
        worker_rows=[row(HEAD, 1), row(HEAD, 2), row(HEAD, 99, "DRIVER"), row(OTHER, 3),
                     row(OTHER, 4), row(GONE, 5)],
        local_nodes=frozenset({HEAD}),
        sampled={1: ProcessStats(80.0, 100, "ray::busy"), 99: ProcessStats(1.0, 10, "python")},
        node_processes={OTHER: NodeProcesses({3: ProcessStats(40.0, 300, "ray::far",
                                                              uss_bytes=200,
                                                              gpu_memory_bytes=2 << 30,
                                                              gpu_percent=70.0)},
                                                asked_at=1.0 - 7.26),
                        GONE: NodeProcesses({5: ProcessStats(99.0, 500, "ray::frozen")}, -29.0)},
        own_pid=99,
    )
    base.update(kwargs)
    return Answers(**base)  # type: ignore[arg-type]


def test_each_worker_says_where_its_figures_come_from_and_their_age() -> None:
    snapshot = join(answers())
    workers = {w.pid: w for w in snapshot.workers}
    assert workers[1].cpu_source == "psutil" and workers[1].cpu_percent == 80.0
    assert workers[1].figures_at is None and workers[1].figures_age_at(snapshot.time) == 0.0
    # asked 7.26 s before the snapshot, said in Ray's own 5 s steps: at most 10 s old
    assert workers[3].cpu_source == "dashboard" and workers[3].figures_at == 1.0 - 7.26
    assert workers[3].figures_age_at(snapshot.time) == 10.0
    assert workers[3].figures_age_at(snapshot.time + 3.0) == 15.0  # later, older
    assert (workers[3].uss_bytes, workers[3].gpu_memory_bytes, workers[3].gpu_percent) == (
        200, 2 << 30, 70.0)
    # reported by nobody yet: unknown, not 0 % measured
    assert workers[2].cpu_source == "none" and workers[4].cpu_source == "none"
    assert workers[2].gpu_memory_bytes is None


def test_the_monitor_itself_is_left_out_but_other_drivers_stay() -> None:
    pids = {w.pid for w in join(answers()).workers}
    assert 99 not in pids
    other_driver = join(answers(own_pid=12345)).workers
    assert any(w.pid == 99 and w.worker_type == "DRIVER" for w in other_driver)


def test_a_dead_nodes_workers_leave_and_its_actors_carry_no_figures() -> None:
    actors = [Actor("a1", "Far", "ALIVE", pid=5, node_id=GONE),
              Actor("a2", "Near", "ALIVE", pid=1, node_id=HEAD)]
    snapshot = join(answers(actors=actors))
    assert 5 not in {w.pid for w in snapshot.workers}
    by_id = {a.actor_id: a for a in snapshot.actors}
    assert by_id["a1"].cpu_percent is None and by_id["a1"].rss_bytes is None
    assert by_id["a2"].cpu_percent == 80.0
    assert [n.state for n in snapshot.nodes] == ["ALIVE", "ALIVE", "DEAD"]
    assert snapshot.cluster.nodes_alive == 2 and snapshot.cluster.cpus_total == 16.0


def test_running_tasks_are_joined_to_their_workers() -> None:
    task = Task("t1", "fib", "RUNNING", node_id=OTHER, worker_pid=3)
    snapshot = join(answers(running=[task], running_list=ListInfo(1, 1)))
    worker = next(w for w in snapshot.workers if w.pid == 3)
    assert worker.running_task is not None and worker.running_task.name == "fib"
    assert all(w.running_task is None for w in snapshot.workers if w.pid != 3)


def test_counts_of_a_cluster_bigger_than_rays_summary_are_marked_partial() -> None:
    counts = TaskCounts({"FINISHED": 10_000}, (), total=100_000, counted=10_000)
    running = [Task(f"t{i}", "f", "RUNNING") for i in range(50)]
    tasks = join(answers(counts=counts, running=running,
                         running_list=ListInfo(7_900, 50))).tasks
    assert tasks.counts_partial and tasks.counts_total == 100_000
    assert tasks.by_state == {"FINISHED": 10_000, "RUNNING": 7_900}
    assert tasks.running_list == ListInfo(7_900, 50) and tasks.running_list.truncated


def test_counts_of_a_small_cluster_are_whole() -> None:
    counts = TaskCounts({"FINISHED": 30, "RUNNING": 2}, (), total=32, counted=32)
    tasks = join(answers(counts=counts)).tasks
    assert not tasks.counts_partial and tasks.by_state == {"FINISHED": 30, "RUNNING": 2}


def test_a_cut_worker_list_is_completed_from_the_raylets_and_says_at_most() -> None:
    stats = {OTHER: NodeStats(10.0, 1, 2, workers=(RayletWorker("w3", 3, "WORKER"),
                                                   RayletWorker("w7", 7, "WORKER")))}
    rows = [row(HEAD, 1000 + i) for i in range(ROW_LIMIT - 1)] + [row(OTHER, 3)]
    snapshot = join(answers(node_stats=stats, worker_rows=rows,
                            workers_list=ListInfo(16_001, ROW_LIMIT)))
    assert 7 in {w.pid for w in snapshot.workers}
    assert sum(1 for w in snapshot.workers if w.pid == 3) == 1  # not twice
    assert snapshot.workers_list == ListInfo(16_001, ROW_LIMIT + 1)
    assert snapshot.workers_total_at_most
    uncut = join(answers(node_stats=stats, workers_list=ListInfo(6, 6)))
    assert 7 not in {w.pid for w in uncut.workers}  # only a cut list is completed
    assert not uncut.workers_total_at_most


def test_node_gpus_spill_and_state_time_come_through() -> None:
    gpu = Gpu(0, "A100", "GPU-1", 55.0, 1 << 30, 40 << 30)
    stats = {OTHER: NodeStats(10.0, 1, 2, gpus=(gpu,), spilled_bytes=123)}
    rows = [node(HEAD, head=True),
            NodeRow(OTHER, "10.0.0.2", "", False, "ALIVE", 8, 1, 1, gpus_total=1.0,
                    state_since=1700000000.0)]
    other = next(n for n in join(answers(node_stats=stats, node_rows=rows)).nodes
                 if n.node_id == OTHER)
    assert other.gpus == (gpu,) and other.object_store_spilled_bytes == 123
    assert other.gpus_total == 1.0 and other.state_since == 1700000000.0


def test_which_nodes_psutil_samples() -> None:
    rows = [node(HEAD, head=True), node(OTHER)]
    assert local_node_ids(rows, {"10.0.0.1"}, None) == {HEAD}
    assert local_node_ids(rows, {"10.0.0.2"}, OTHER) == {OTHER}
    assert local_node_ids(rows, {"10.0.0.1", "10.0.0.2"}, None) == {HEAD}  # the head first
    assert local_node_ids(rows, {"10.9.9.9"}, None) == frozenset()
    assert local_node_ids(rows, {"10.0.0.1"}, None, forced=frozenset()) == frozenset()


def test_a_worker_whose_inputs_did_not_change_is_the_same_object() -> None:
    first, memo = join_and_keep(answers())
    again, _ = join_and_keep(answers(previous=memo))
    assert all(a is b for a, b in zip(first.workers, again.workers, strict=True))
    moved = answers(previous=memo, sampled={1: ProcessStats(10.0, 100, "ray::busy")})
    changed = {w.pid: w for w in join_and_keep(moved)[0].workers}
    old = {w.pid: w for w in first.workers}
    assert changed[1] is not old[1] and changed[1].cpu_percent == 10.0
    assert changed[3] is old[3]
    task = Task("t1", "fib", "RUNNING", node_id=OTHER, worker_pid=3)
    busy = {w.pid: w for w in join_and_keep(answers(previous=memo, running=[task]))[0].workers}
    assert busy[3] is not old[3] and busy[3].running_task is not None


def test_a_remote_node_whose_inputs_are_unchanged_is_not_joined_again() -> None:
    # the same answers as the last poll (as the collector passes its kept answers): the
    # remote node keeps its workers, and no Worker of it is built again
    base = answers()
    first, memo = join_and_keep(base)
    again, memo_again = join_and_keep(dataclasses.replace(base, previous=memo))
    assert memo_again.nodes[OTHER] is memo.nodes[OTHER]
    assert memo_again.rows_by_node is memo.rows_by_node  # the same rows: grouped once
    assert again.workers == first.workers
    # a new /nodes/{id} answer for it: rebuilt, with the new figures
    fresh = {OTHER: NodeProcesses({3: ProcessStats(5.0, 300, "ray::far")}, asked_at=0.5)}
    moved, memo_moved = join_and_keep(dataclasses.replace(base, previous=memo,
                                                          node_processes=fresh))
    assert memo_moved.nodes[OTHER] is not memo.nodes[OTHER]
    worker = next(w for w in moved.workers if w.pid == 3)
    assert (worker.cpu_percent, worker.figures_age_at(moved.time)) == (5.0, 5.0)
    # the same answer at a later poll: the same workers, which say they are older now
    later, memo_later = join_and_keep(dataclasses.replace(
        base, time=base.time + 12.0, previous=memo_moved, node_processes=fresh))
    assert memo_later.nodes[OTHER] is memo_moved.nodes[OTHER]
    kept = next(w for w in later.workers if w.pid == 3)
    assert kept is worker and kept.figures_age_at(later.time) == 15.0


def test_new_rows_equal_to_the_last_ones_keep_the_nodes_workers() -> None:
    first, memo = join_and_keep(answers())
    # a new list object with equal rows (the worker list asked again)
    again, memo_again = join_and_keep(answers(previous=memo))
    assert memo_again.rows_by_node[OTHER] is memo.rows_by_node[OTHER]
    assert memo_again.nodes[OTHER] is memo.nodes[OTHER]
    grown, memo_grown = join_and_keep(answers(
        previous=memo, worker_rows=[*answers().worker_rows, row(OTHER, 8)]))
    assert memo_grown.nodes[OTHER] is not memo.nodes[OTHER]
    assert 8 in {w.pid for w in grown.workers}


def test_an_actor_whose_actor_and_worker_are_unchanged_is_the_same_object() -> None:
    actors = [Actor("a1", "Far", "ALIVE", pid=3, node_id=OTHER),
              Actor("a2", "Near", "ALIVE", pid=1, node_id=HEAD)]
    base = answers(actors=actors)
    first, memo = join_and_keep(base)
    again, _ = join_and_keep(dataclasses.replace(base, previous=memo))
    by_id = {a.actor_id: a for a in first.actors}
    assert by_id["a1"].cpu_percent == 40.0
    assert again.actors == first.actors
    assert all(a is b for a, b in zip(again.actors, first.actors, strict=True))
    # psutil measured the local one anew: that actor carries the new figures
    sampled = {1: ProcessStats(20.0, 100, "ray::Near")}
    moved, _ = join_and_keep(dataclasses.replace(base, previous=memo, sampled=sampled))
    assert moved.actors[0] is first.actors[0]
    assert moved.actors[1] is not first.actors[1] and moved.actors[1].cpu_percent == 20.0


def test_with_the_same_actor_list_only_actors_on_changed_nodes_are_joined_again() -> None:
    actors = [Actor("a1", "Far", "ALIVE", pid=3, node_id=OTHER),
              Actor("a2", "Near", "ALIVE", pid=1, node_id=HEAD),
              Actor("a3", "Gone", "DEAD", pid=4, node_id=OTHER)]
    base = answers(actors=actors)
    first, memo = join_and_keep(base)
    # a new /nodes/{id} answer for OTHER: its alive actor carries the new figures
    fresh = {**base.node_processes,
             OTHER: NodeProcesses({3: ProcessStats(7.0, 900, "ray::Far")}, asked_at=0.9)}
    moved, memo_moved = join_and_keep(dataclasses.replace(base, previous=memo,
                                                          node_processes=fresh))
    assert (moved.actors[0].cpu_percent, moved.actors[0].rss_bytes) == (7.0, 900)
    assert moved.actors[1] is first.actors[1]  # its worker is the same object
    assert moved.actors[2] is first.actors[2] and moved.actors[2].cpu_percent is None
    # nothing changed since: the very same tuple
    still, _ = join_and_keep(dataclasses.replace(base, previous=memo_moved,
                                                 node_processes=fresh, sampled={}))
    assert still.actors[0] is moved.actors[0]
    # a new list (asked again): joined from it, with the same figures
    relisted, _ = join_and_keep(dataclasses.replace(
        base, previous=memo_moved, node_processes=fresh, actors=list(actors)))
    assert relisted.actors == moved.actors
