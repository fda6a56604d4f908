"""memory_pressure, gpu_idle and gpu_memory_full on synthetic histories."""

from __future__ import annotations

from collections.abc import Sequence

from tui.core.detect import DEFAULT_PARAMS, DetectParams, detect
from tui.core.history import History
from tui.core.model import Flag, Gpu, Node, Snapshot, Status

NODE = "node-gpu-0123456789"
GiB = 1024**3


def snap(t: float, *, memory_percent: float = 40.0, gpus_used: float = 0.0,
         utilisation: Sequence[float | None] = (), gpu_memory_percent: float = 10.0,
         state: str = "ALIVE", known: bool = True, connected: bool = True) -> Snapshot:
    gpus = tuple(Gpu(index=i, name="NVIDIA A10G", utilization_percent=u,
                     memory_used_bytes=int(gpu_memory_percent / 100 * 24 * GiB),
                     memory_total_bytes=24 * GiB)
                 for i, u in enumerate(utilisation))
    node = Node(NODE, state=state, cpus_total=8.0, cpu_percent=20.0,
                memory_used_bytes=int(memory_percent / 100 * 64 * GiB),
                memory_total_bytes=64 * GiB, gpus_total=float(len(gpus) or 2),
                gpus_used=gpus_used, gpus=gpus, figures_known=known)
    return Snapshot(time=t, status=Status(connected=connected), nodes=(node,))


def history_of(snapshots: Sequence[Snapshot]) -> History:
    history = History()
    for s in snapshots:
        history.add(s)
    return history


def flags_of(kind: str, snapshots: Sequence[Snapshot],
             params: DetectParams = DEFAULT_PARAMS) -> list[Flag]:
    return [f for f in detect(history_of(snapshots), params) if f.kind == kind]


# --- memory_pressure


def test_memory_above_90_percent_for_the_window_is_pressure() -> None:
    flags = flags_of("memory_pressure", [snap(t, memory_percent=92.0) for t in range(12)])
    assert len(flags) == 1 and flags[0].nodes == (NODE,)
    assert flags[0].severity == "warning" and "92%" in flags[0].message
    assert "95 %" in flags[0].explanation and "kills a worker" in flags[0].explanation


def test_memory_at_the_oom_killers_level_is_critical() -> None:
    flags = flags_of("memory_pressure", [snap(t, memory_percent=96.0) for t in range(12)])
    assert [f.severity for f in flags] == ["critical"]
    assert "Ray kills workers" in flags[0].message


def test_memory_below_the_threshold_is_no_pressure() -> None:
    assert not flags_of("memory_pressure", [snap(t, memory_percent=85.0) for t in range(12)])


def test_a_short_memory_peak_is_no_pressure() -> None:
    # above 90 % for 5 s of a 10 s window: not "stays above"
    snapshots = [snap(t, memory_percent=95.0 if t >= 7 else 50.0) for t in range(12)]
    assert not flags_of("memory_pressure", snapshots)
    assert not flags_of("memory_pressure", [snap(t, memory_percent=95.0) for t in range(5)])


def test_memory_pressure_ignores_dead_and_unreported_nodes() -> None:
    assert not flags_of("memory_pressure",
                        [snap(t, memory_percent=97.0, state="DEAD") for t in range(12)])
    assert not flags_of("memory_pressure",
                        [snap(t, memory_percent=97.0, known=t != 6) for t in range(12)])


def test_memory_threshold_is_a_parameter() -> None:
    snapshots = [snap(t, memory_percent=85.0) for t in range(12)]
    assert flags_of("memory_pressure", snapshots, DetectParams(memory_percent=80.0))


# --- gpu_idle


def test_allocated_gpus_at_3_percent_for_30_s_are_idle() -> None:
    snapshots = [snap(t, gpus_used=2.0, utilisation=(3.0, 2.0)) for t in range(0, 32, 2)]
    flags = flags_of("gpu_idle", snapshots)
    assert len(flags) == 1 and flags[0].nodes == (NODE,)
    assert "2 of 2 allocated GPUs" in flags[0].message
    explanation = flags[0].explanation
    assert "data loading" in explanation and "CPU bottleneck" in explanation
    assert "collective" in explanation


def test_gpu_idle_is_raised_once_its_window_is_covered() -> None:
    snapshots = [snap(t, gpus_used=1.0, utilisation=(3.0,)) for t in range(0, 40)]
    first = next(t for t in range(1, 41) if flags_of("gpu_idle", snapshots[:t]))
    assert 27 <= first - 1 <= 30  # the poll at ~27-30 s after the first idle one


def test_busy_gpus_are_not_idle() -> None:
    assert not flags_of("gpu_idle", [snap(t, gpus_used=2.0, utilisation=(80.0, 85.0))
                                     for t in range(0, 40, 2)])


def test_unallocated_idle_gpus_are_not_flagged() -> None:
    # nobody asked for them: idle hardware, not an allocated GPU waiting
    assert not flags_of("gpu_idle", [snap(t, gpus_used=0.0, utilisation=(0.0, 0.0))
                                     for t in range(0, 40, 2)])


def test_one_of_two_allocated_gpus_idle() -> None:
    flags = flags_of("gpu_idle", [snap(t, gpus_used=2.0, utilisation=(90.0, 1.0))
                                  for t in range(0, 40, 2)])
    assert len(flags) == 1 and "1 of 2 allocated GPUs" in flags[0].message
    # one GPU allocated and that one busy: the idle one is not the allocated one
    assert not flags_of("gpu_idle", [snap(t, gpus_used=1.0, utilisation=(90.0, 1.0))
                                     for t in range(0, 40, 2)])


def test_gpu_busy_once_in_the_window_is_not_idle() -> None:
    snapshots = [snap(t, gpus_used=1.0, utilisation=(60.0 if t == 20 else 3.0,))
                 for t in range(0, 40, 2)]
    assert not flags_of("gpu_idle", snapshots)


def test_gpu_idle_needs_measured_devices() -> None:
    # logical GPUs only (Ray told num_gpus, no device reported), or utilisation unknown
    assert not flags_of("gpu_idle", [snap(t, gpus_used=2.0) for t in range(0, 40, 2)])
    assert not flags_of("gpu_idle", [snap(t, gpus_used=1.0, utilisation=(None,))
                                     for t in range(0, 40, 2)])


def test_gpu_idle_ignores_a_dead_node() -> None:
    assert not flags_of("gpu_idle", [snap(t, gpus_used=2.0, utilisation=(0.0, 0.0),
                                          state="DEAD") for t in range(0, 40, 2)])


# --- gpu_memory_full


def test_gpu_memory_above_95_percent_is_full() -> None:
    flags = flags_of("gpu_memory_full", [snap(t, utilisation=(50.0, 50.0),
                                              gpu_memory_percent=97.0) for t in range(3)])
    assert len(flags) == 1 and flags[0].nodes == (NODE,)
    assert "GPU 0 97%" in flags[0].message and "GPU 1" in flags[0].message
    assert "out-of-memory" in flags[0].explanation


def test_gpu_memory_below_95_percent_or_briefly_is_not_full() -> None:
    assert not flags_of("gpu_memory_full", [snap(t, utilisation=(50.0,),
                                                 gpu_memory_percent=90.0) for t in range(5)])
    assert not flags_of("gpu_memory_full", [snap(t, utilisation=(50.0,),
                                                 gpu_memory_percent=97.0) for t in range(2)])


def test_gpu_memory_full_ignores_a_dead_node() -> None:
    assert not flags_of("gpu_memory_full", [snap(t, utilisation=(50.0,), state="DEAD",
                                                 gpu_memory_percent=99.0) for t in range(5)])


def test_disconnected_polls_raise_no_resource_flag() -> None:
    snapshots = [snap(t, memory_percent=97.0, gpus_used=1.0, utilisation=(0.0,),
                      gpu_memory_percent=99.0, connected=t % 2 == 0) for t in range(40)]
    kinds = {f.kind for f in detect(history_of(snapshots[-3:]))}
    assert "gpu_memory_full" not in kinds
