"""The next poll's hints: the quiet rule, the re-ask triggers, the nodes that need the
dashboard, and whether tasks may run (the table in tui/core/poll/slots.py)."""

from __future__ import annotations

from tui.core.model import Actor, Task, Worker
from tui.core.poll.hints import Hints, Seen, next_hints, tasks_may_run
from tui.core.sources.dashboard import ProcessStats
from tui.core.sources.state_api import NodeRow

HEAD, OTHER = "h" * 56, "o" * 56


def nodes(*ids: str, dead: str = "") -> list[NodeRow]:
    return [NodeRow(n, "", "", n == HEAD, "DEAD" if n == dead else "ALIVE", 2, 1, 1) for n in ids]


def worker(pid: int, title: str = "ray::IDLE", node: str = HEAD, source: str = "psutil",
           cpu: float = 0.5) -> Worker:
    return Worker(pid=pid, node_id=node, title=title, cpu_source=source,  # type: ignore[arg-type]
                  cpu_percent=cpu)


def seen(workers: list[Worker], running: list[Task] | None = None,
         actors: list[Actor] | None = None, node_rows: list[NodeRow] | None = None,
         failed: int | None = None) -> Seen:
    return Seen(node_rows=nodes(HEAD) if node_rows is None else node_rows,
                local_nodes=frozenset({HEAD}), workers=workers, running=running or [],
                actors=actors or [], by_state={} if failed is None else {"FAILED": failed})


def test_a_local_idle_cluster_is_quiet() -> None:
    hints = next_hints(Hints(), seen([worker(1), worker(2)]))
    assert hints.quiet and hints.local_pids == (1, 2) and hints.remote_nodes == frozenset()


def test_a_running_task_a_busy_title_or_a_remote_node_is_not_quiet() -> None:
    task = Task("t", "f", "RUNNING", node_id=HEAD, worker_pid=1)
    assert not next_hints(Hints(), seen([worker(1)], running=[task])).quiet
    assert not next_hints(Hints(), seen([worker(1, "ray::fib")])).quiet
    remote = seen([worker(1), worker(3, node=OTHER, source="none")],
                  node_rows=nodes(HEAD, OTHER))
    hints = next_hints(Hints(), remote)
    assert not hints.quiet and hints.remote_nodes == {OTHER}


def test_an_actor_between_calls_is_idle() -> None:
    actor = Actor("a", "Counter", "ALIVE", pid=1, node_id=HEAD)
    hints = next_hints(Hints(), seen([worker(1, "ray::Counter")], actors=[actor]))
    assert hints.quiet and hints.local_task_pids == {1: "Counter"}


def test_a_dead_node_needs_no_dashboard_calls() -> None:
    rows = nodes(HEAD, OTHER, dead=OTHER)
    hints = next_hints(Hints(), seen([worker(3, node=OTHER, source="none")], node_rows=rows))
    assert hints.remote_nodes == frozenset() and hints.nodes == {HEAD}


def test_a_changed_worker_set_asks_for_actors_and_nodes_again() -> None:
    first = next_hints(Hints(), seen([worker(1)]))
    assert {"actors", "nodes"} <= first.changed  # nothing known before
    same = next_hints(first, seen([worker(1)]))
    assert same.changed == frozenset() and not same.tasks_moved
    grown = next_hints(same, seen([worker(1), worker(2)]))
    assert {"actors", "nodes"} <= grown.changed and grown.tasks_moved
    assert grown.worker_keys == {(HEAD, 1), (HEAD, 2)}


def test_a_worker_that_looks_like_a_new_actor_asks_for_actors() -> None:
    first = next_hints(Hints(), seen([worker(1)]))
    hints = next_hints(first, seen([worker(1, "ray::Sleeper")]))
    assert "actors" in hints.changed and hints.tasks_moved


def test_new_alive_nodes_ask_for_the_dashboard_figures_again() -> None:
    first = next_hints(Hints(), seen([worker(1)]))
    hints = next_hints(first, seen([worker(1)], node_rows=nodes(HEAD, OTHER)))
    assert {"node_stats", "cluster_status"} <= hints.changed


def test_cpu_or_a_failed_count_change_moves_the_task_triggers() -> None:
    first = next_hints(Hints(), seen([worker(1)], failed=0))
    busy = next_hints(first, seen([worker(1, cpu=30.0)], failed=0))
    assert busy.tasks_moved and not busy.failed_count_changed
    failed = next_hints(busy, seen([worker(1)], failed=1))
    assert failed.failed_count_changed


def test_tasks_may_run_unless_psutil_shows_every_worker_idle() -> None:
    hints = next_hints(Hints(), seen([worker(1), worker(2)]))
    idle = {1: ProcessStats(0.0, 1, "ray::IDLE"), 2: ProcessStats(0.0, 1, "ray::IDLE")}
    assert not tasks_may_run(hints, idle)
    assert tasks_may_run(hints, {**idle, 2: ProcessStats(90.0, 1, "ray::fib")})
    assert tasks_may_run(hints, {1: idle[1]})  # a worker psutil no longer sees


def test_a_nodes_workers_that_are_the_same_tuple_are_not_read_again() -> None:
    far = (worker(3, "ray::IDLE", node=OTHER, source="dashboard"),)
    here = (worker(1),)
    rows = nodes(HEAD, OTHER)

    def seen_by_node(head: tuple[Worker, ...], other: tuple[Worker, ...]) -> Seen:
        return Seen(node_rows=rows, local_nodes=frozenset({HEAD}), workers=[*head, *other],
                    running=[], actors=[], by_state={}, by_node={HEAD: head, OTHER: other})

    first = next_hints(Hints(), seen_by_node(here, far))
    assert first.remote_nodes == {OTHER} and first.seen_nodes is not None
    same = next_hints(first, seen_by_node(here, far))
    assert same.seen_nodes is not None and same.seen_nodes[OTHER] is first.seen_nodes[OTHER]
    assert same.changed == frozenset() and not same.tasks_moved
    # a new tuple for the node: read again; a changed title means tasks moved
    retitled = (worker(3, "ray::fib", node=OTHER, source="dashboard"),)
    moved = next_hints(same, seen_by_node(here, retitled))
    assert moved.tasks_moved and "actors" not in moved.changed
    busy = (worker(3, "ray::IDLE", node=OTHER, source="dashboard", cpu=90.0),)
    assert next_hints(same, seen_by_node(here, busy)).tasks_moved
    grown = (*far, worker(4, node=OTHER, source="dashboard"))
    assert {"actors", "nodes"} <= next_hints(same, seen_by_node(here, grown)).changed
