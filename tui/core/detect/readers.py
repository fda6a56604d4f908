"""What a rule may trust, read from the snapshots in one place, and one shape for a flag
that names nodes. Every rule reads its nodes and workers through here, so "unknown is
never 0" (see the package's docstring) is said once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from tui.core.detect.params import DetectParams
from tui.core.history import History
from tui.core.kinds import WAITING_FOR_NODE_STATES
from tui.core.model import Flag, Node, Severity, Snapshot, Worker

NodeMap = dict[str, Node]
T = TypeVar("T")


def nodes_flag(kind: str, nodes: Sequence[str], message: str, explanation: str,
               severity: Severity = "warning") -> Flag:
    """A flag about these nodes (the rules but `uneven`, which names workers too)."""
    return Flag(kind=kind, severity=severity, nodes=tuple(nodes), message=message,
                explanation=explanation)


class _Kept:
    """One reader's values for the snapshots read this round and the round before: a
    snapshot the rules stop reading (it left every window) is let go a round later."""

    def __init__(self) -> None:
        self.now: dict[int, tuple[Snapshot, Any]] = {}
        self.before: dict[int, tuple[Snapshot, Any]] = {}

    def new_round(self) -> None:
        self.before, self.now = self.now, {}


_KEPT: list[_Kept] = []


def new_round() -> None:
    """A detect() pass begins: what the last pass did not read again is let go."""
    for kept in _KEPT:
        kept.new_round()


def per_snapshot(read: Callable[[Snapshot], T]) -> Callable[[Snapshot], T]:
    """`read`, kept for the snapshots read lately: each poll reads its rules' windows again,
    all but one snapshot read before (at 16,000 workers a reading costs ~10 ms). Only the
    snapshots of the last two detect() passes are held, so the readings never keep a
    snapshot alive longer than the windows do (a short `watch` history holds a dozen)."""
    kept = _Kept()
    _KEPT.append(kept)

    def kept_read(snapshot: Snapshot) -> T:
        key = id(snapshot)
        hit = kept.now.get(key) or kept.before.pop(key, None)
        if hit is None or hit[0] is not snapshot:
            hit = (snapshot, read(snapshot))
        kept.now[key] = hit
        value: T = hit[1]
        return value
    return kept_read


@per_snapshot
def nodes_by_id(snapshot: Snapshot) -> NodeMap:
    return {n.node_id: n for n in snapshot.nodes}


def trusted(node: Node | None) -> bool:
    """Its figures can be read: listed, ALIVE, and reported."""
    return node is not None and node.state == "ALIVE" and node.figures_known


def held(maps: list[NodeMap], node_id: str, condition: Callable[[Node], bool]) -> bool:
    """The node is trusted in every one of these polls, and the condition holds in each."""
    for nodes in maps:
        node = nodes.get(node_id)
        if node is None or not trusted(node) or not condition(node):
            return False
    return True


def connected_last(history: History, polls: int) -> list[Snapshot]:
    """The last `polls` polls, if there are that many and each reached the cluster."""
    recent = history.last(polls)
    if len(recent) < polls or not all(s.status.connected for s in recent):
        return []
    return recent


def covered(history: History, seconds: float, min_polls: int,
            params: DetectParams) -> list[NodeMap]:
    """The polls of the last `seconds`, if they are enough and cover the window."""
    window = history.window(seconds)
    if (len(window) < min_polls
            or window[-1].time - window[0].time < params.window_coverage * seconds):
        return []
    return [nodes_by_id(s) for s in window]


def span(history: History, seconds: float) -> float:
    window = history.window(seconds)
    return window[-1].time - window[0].time if window else 0.0


@per_snapshot
def doing_work(snapshot: Snapshot) -> list[Worker]:
    """Workers (not drivers) of the nodes not known dead: a DEAD node's workers linger
    in Ray's list with their last figures."""
    dead = {n.node_id for n in snapshot.nodes if n.state != "ALIVE"}
    return [w for w in snapshot.workers if w.worker_type != "DRIVER" and w.node_id not in dead]


@per_snapshot
def worker_cpu_by_node(snapshot: Snapshot) -> dict[str, float | None]:
    """Cores the workers of each node burn; None where some worker's figure is unknown."""
    burned: dict[str, float | None] = {}
    for worker in doing_work(snapshot):
        so_far = burned.get(worker.node_id, 0.0)
        burned[worker.node_id] = None if so_far is None or worker.cpu_source == "none" \
            else so_far + worker.cpu_percent / 100.0
    return burned


def finished(snapshot: Snapshot) -> int:
    return snapshot.tasks.by_state.get("FINISHED", 0) + snapshot.tasks.by_state.get("FAILED", 0)


def pending(snapshot: Snapshot) -> int:
    return sum(snapshot.tasks.by_state.get(state, 0) for state in WAITING_FOR_NODE_STATES)


def nodes_text(node_ids: list[str]) -> str:
    shown = ", ".join(n[:8] for n in node_ids[:3])
    more = f" and {len(node_ids) - 3} more" if len(node_ids) > 3 else ""
    return f"node{'s' if len(node_ids) > 1 else ''} {shown}{more}"
