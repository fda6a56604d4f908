"""Ray 2.60's JSON shapes, taken from the recordings (tests/sim/recordings/).

Every row the simulated cluster serves is a copy of a recorded row with its values
replaced (`fill` refuses a key the recording does not have), so the key sets are Ray's.
GPU entries are the one shape not recorded (the recording machine has none): `gpu_entry`
follows Ray 2.60's `reporter_models.GpuUtilizationInfo` / `ProcessGPUInfo`.

Long `cmdline` lists (a process title then ~860 empty strings, as psutil reports a
process that set its title) are encoded as a marker and expanded in the encoded bytes
(`encode`), so building a 1,000-node answer does not build a million strings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

RECORDINGS = Path(__file__).parent / "recordings"
_MARK = re.compile(r'"@@(pad|raw)([^@]+)@@"')
_RAW: dict[str, str] = {}  # pre-encoded JSON spliced in by encode(), see raw()


@cache
def recording(name: str) -> Any:
    return json.loads((RECORDINGS / f"{name}.json").read_text())


def rows(name: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = recording(name)["data"]["result"]["result"]
    return result


def clone(value: Any) -> Any:
    """A deep copy of JSON data, faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


def fill(template: dict[str, Any], **values: Any) -> dict[str, Any]:
    """A copy of `template` with some values replaced; a key Ray does not have is a bug."""
    for key in values:
        if key not in template:
            raise KeyError(f"{key!r} is not in Ray's recorded shape")
    return {k: values[k] if k in values else clone(v) for k, v in template.items()}


def padded_cmdline(title: str, empties: int) -> list[str]:
    """A cmdline as Ray reports it for a titled process: the title, then empty strings."""
    return [title, f"@@pad{empties}@@"]


@cache
def _empties(count: int) -> str:
    return ", ".join(['""'] * count)


def raw(key: str, build: Any) -> str:
    """A marker for the JSON text of `build()`, encoded once per key and spliced by encode().

    For parts that change only with the cluster's state, not every tick (the raylet's
    per-worker stats): a 1,000-node summary then costs a splice, not 16,000 new dicts.
    """
    if key not in _RAW:
        _RAW[key] = json.dumps(build(), separators=(", ", ": "))
    return f"@@raw{key}@@"


def forget_raw(prefix: str) -> None:
    for key in [k for k in _RAW if k.startswith(prefix)]:
        del _RAW[key]


def _expand(match: re.Match[str]) -> str:
    kind, arg = match.group(1), match.group(2)
    return _empties(int(arg)) if kind == "pad" else _RAW[arg]


def encode(body: Any) -> bytes:
    text = json.dumps(body, separators=(", ", ": "))
    return _MARK.sub(_expand, _MARK.sub(_expand, text)).encode()


@cache
def process_template(kind: str) -> dict[str, Any]:
    """A recorded process entry of `/nodes/{id}` `workers[]`: `worker` is a Ray worker the
    dashboard has merged its core worker stats into; else the title, e.g. ray::DashboardAgent."""
    for name in ("node_gpu", "node_head"):
        for proc in recording(name)["data"]["detail"]["workers"]:
            if kind == "worker" and proc["coreWorkerStats"]:
                return dict(proc)
            if any(part.startswith(kind) for part in proc["cmdline"] if part):
                return dict(proc)
    raise LookupError(f"no recorded process of kind {kind}")


@cache
def recorded_pad(title_prefix: str) -> int:
    """How many empty strings Ray's agent reported after this process's title."""
    return sum(1 for part in process_template(title_prefix)["cmdline"] if part == "")


@cache
def core_worker_stats_template(kind: str) -> dict[str, Any]:
    """A raylet `coreWorkersStats` entry: kind is DRIVER, actor, busy (running a task) or idle."""
    def kind_of(stats: dict[str, Any]) -> str:
        if stats["workerType"] == "DRIVER":
            return "DRIVER"
        if stats["actorId"] != "f" * 32:
            return "actor"
        return "busy" if stats["numRunningTasks"] != "0" else "idle"

    for entry in recording("nodes_summary")["data"]["summary"]:
        for stats in entry["raylet"]["coreWorkersStats"]:
            if kind_of(stats) == kind:
                return dict(stats)
    raise LookupError(f"no recorded {kind} worker in nodes_summary")


@cache
def summary_entry_template(head: bool) -> dict[str, Any]:
    for entry in recording("nodes_summary")["data"]["summary"]:
        if entry["raylet"]["isHeadNode"] == head:
            return dict(entry)
    raise LookupError(head)


@cache
def detail_template(head: bool) -> dict[str, Any]:
    return dict(recording("node_head" if head else "node_gpu")["data"]["detail"])


@cache
def node_actor_template(merged: bool) -> dict[str, Any]:
    """An actor of `/nodes/{id}` `actors`: merged (alive, with its worker's core stats and
    `processStats`, as DataOrganizer._get_actor_info builds it) or not (a dead actor)."""
    for name in ("node_gpu", "node_head"):
        for actor in recording(name)["data"]["detail"]["actors"].values():
            if (actor["processStats"] is not None) == merged:
                return dict(actor)
    raise LookupError(f"no recorded node actor with merged={merged}")


@cache
def row_with(name: str, **match: Any) -> dict[str, Any]:
    for row in rows(name):
        if all(row.get(k) == v for k, v in match.items()):
            return dict(row)
    raise LookupError(f"{name}: no recorded row with {match}")


@cache
def keys_of(name: str) -> list[str]:
    return list(rows(name)[0])


def gpu_entry(index: int, name: str, uuid: str, utilization: int | None, memory_used_mb: int,
              memory_total_mb: int, processes: Sequence[tuple[int, int, int | None]]) -> dict[str, Any]:
    """One GPU of `gpus[]`, as Ray 2.60's reporter agent sends it (MB, percent).

    Keys from `ray/dashboard/modules/reporter/reporter_models.py` (GpuUtilizationInfo and
    ProcessGPUInfo); `processesPids` is a list since `_generate_stats_payload` converts it.
    """
    return {
        "index": index,
        "name": name,
        "uuid": uuid,
        "utilizationGpu": utilization,
        "memoryUsed": memory_used_mb,
        "memoryTotal": memory_total_mb,
        "processesPids": [{"pid": pid, "gpuMemoryUsage": mem_mb, "gpuUtilization": util}
                          for pid, mem_mb, util in processes],
        "powerMw": None,
        "temperatureC": None,
    }


GPU_KEYS = ("index", "name", "uuid", "utilizationGpu", "memoryUsed", "memoryTotal",
            "processesPids", "powerMw", "temperatureC")
GPU_PROCESS_KEYS = ("pid", "gpuMemoryUsage", "gpuUtilization")
