"""Names defined once: the flag kinds, the event kinds, and how Ray's task states group.

Ray 2.60's task states (`ray.util.state.common.TaskStatus`): the pending ones wait for
arguments, a node, object-store memory or a worker; RUNNING; and the two ends.
"""

from __future__ import annotations

FLAG_KINDS = (
    "saturated", "uneven", "idle_while_pending", "logical_physical_gap",
    "memory_pressure", "gpu_idle", "gpu_memory_full",
)

EVENT_KINDS = (
    "flag_raised", "flag_cleared", "workload_started", "workload_ended",
    "node_joined", "node_died", "actor_died", "task_failed",
    "connection_lost", "connection_back",
)

# waiting for a node with free resources: the scheduler's own queue
WAITING_FOR_NODE_STATES = ("PENDING_NODE_ASSIGNMENT",)
PENDING_STATES = (
    "NIL", "PENDING_ARGS_AVAIL", "PENDING_NODE_ASSIGNMENT", "PENDING_OBJ_STORE_MEM_AVAIL",
    "PENDING_ARGS_FETCH", "SUBMITTED_TO_WORKER", "PENDING_ACTOR_TASK_ARGS_FETCH",
    "PENDING_ACTOR_TASK_ORDERING_OR_CONCURRENCY",
)
STATE_GROUPS = ("PENDING", "RUNNING", "FINISHED", "FAILED")  # others are "other"


def state_group(state: str) -> str:
    """The group a Ray task state counts in: PENDING, RUNNING, FINISHED, FAILED or other."""
    if state in STATE_GROUPS:
        return state
    if state.startswith("PENDING") or state in PENDING_STATES:
        return "PENDING"
    return "other"
