"""`raytui snapshot` and `raytui watch`: the monitor without a screen, for scripts and logs.

Both use the same Collector and detectors as the app, and never import Textual.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING

from tui.commands import CommandGroups, UsageError, add_cluster_arguments, connected, positive_float
from tui.core.kinds import FLAG_KINDS

if TYPE_CHECKING:
    from tui.core.model import Snapshot

PRIMING_S = 0.5  # psutil's first CPU reading of a process is 0: measure over this much


def register(groups: CommandGroups) -> None:
    snapshot = groups.top.add_parser(
        "snapshot", help="print one snapshot of the cluster (text, or JSON with --json)",
        description="Collect one snapshot: nodes, workers with their CPU, tasks, actors, flags.")
    _common_arguments(snapshot)
    snapshot.add_argument("--json", action="store_true", help="print one JSON object")
    snapshot.set_defaults(handler=snapshot_command)

    watch = groups.top.add_parser(
        "watch", help="print a snapshot every interval (JSON lines with --jsonl)",
        description="Poll the cluster every INTERVAL seconds. Exit code 1 if a flag named "
        "in --fail-on was raised during the run, 0 otherwise, 2 for usage or connection errors.")
    _common_arguments(watch)
    watch.add_argument("--interval", type=positive_float, default=1.0,
                       help="seconds between polls (default %(default)s)")
    watch.add_argument("--duration", type=positive_float, default=None,
                       help="stop after this many seconds (default: until Ctrl-C)")
    watch.add_argument("--jsonl", action="store_true", help="one JSON object per line")
    watch.add_argument("--record", metavar="FILE", default=None,
                       help="also append every snapshot to FILE as JSON lines (for replay)")
    watch.add_argument("--fail-on", metavar="KIND[,KIND]", type=_flag_kinds, default=(),
                       help=f"exit 1 if one of these flags is raised ({', '.join(FLAG_KINDS)})")
    watch.set_defaults(handler=watch_command)


def _common_arguments(parser: argparse.ArgumentParser) -> None:
    add_cluster_arguments(parser)


def _flag_kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    unknown = [k for k in kinds if k not in FLAG_KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(
            f"unknown flag kind {', '.join(unknown) or repr(text)}; "
            f"expected one or more of {', '.join(FLAG_KINDS)}")
    return kinds


def snapshot_command(args: argparse.Namespace) -> int:
    from tui.core.collector import Collector

    with connected(args.address, args.num_cpus) as connection, Collector(connection) as collector:
        collector.poll_once()  # primes the CPU counters: a single reading would say 0 %
        time.sleep(PRIMING_S)
        snapshot = collector.poll_once()
    if args.json:
        print(snapshot_json(snapshot))
    else:
        print("\n".join(snapshot_text(snapshot)))
    return 0


def watch_command(args: argparse.Namespace) -> int:
    from tui.core.collector import Collector
    from tui.core.record import RecordingError, SnapshotWriter

    writer = None
    if args.record:
        try:
            writer = SnapshotWriter(args.record)
        except RecordingError as err:
            raise UsageError(f"raytui watch: {err}") from None
    raised: set[str] = set()
    try:
        with connected(args.address, args.num_cpus) as connection, \
                Collector(connection) as collector:
            start = time.monotonic()
            next_poll = start
            while True:
                snapshot = collector.poll_once()
                raised.update(f.kind for f in snapshot.flags if f.kind in args.fail_on)
                if writer is not None:
                    writer.write(snapshot)
                if args.jsonl:
                    print(snapshot_json(snapshot), flush=True)
                else:
                    print("\n".join(watch_lines(snapshot)), flush=True)
                next_poll += args.interval
                if args.duration is not None and next_poll - start > args.duration:
                    break
                time.sleep(max(0.0, next_poll - time.monotonic()))
    except KeyboardInterrupt:
        pass  # Ctrl-C is the normal way to end an open-ended watch
    finally:
        if writer is not None:
            writer.close()
    if raised:
        print(f"raytui watch: flag raised: {', '.join(sorted(raised))}", file=sys.stderr)
        return 1
    return 0


# --- output ------------------------------------------------------------------


def snapshot_json(snapshot: Snapshot) -> str:
    from tui.core.model import to_json

    return json.dumps(to_json(snapshot), separators=(",", ":"))


def watch_lines(s: Snapshot) -> list[str]:
    stamp = time.strftime("%H:%M:%S", time.localtime(s.time))
    if not s.status.connected:
        return [f"{stamp} not connected: {'; '.join(s.status.errors) or 'no answer'}"]
    busy = sorted((w for w in s.workers if w.worker_type != "DRIVER"),
                  key=lambda w: w.cpu_percent, reverse=True)[:4]
    top = " ".join(f"{w.pid}:{w.cpu_percent:.0f}%" for w in busy)
    running = s.tasks.by_state.get("RUNNING", 0)
    pending = s.tasks.by_state.get("PENDING_NODE_ASSIGNMENT", 0)
    lines = [f"{stamp} cpu {s.cluster.cpu_percent:3.0f}%  logical {s.cluster.cpus_used:g}/"
             f"{s.cluster.cpus_total:g}  tasks running {running} pending {pending}  "
             f"workers {len(s.workers)} [{top}]"]
    lines += [f"  ! {f.kind}: {f.message}" for f in s.flags]
    lines += [f"  error: {e}" for e in s.status.errors]
    return lines


def snapshot_text(s: Snapshot) -> list[str]:
    gib = 1024 ** 3
    lines = [f"Cluster {s.status.address}: "
             + ("connected" if s.status.connected else "NOT connected")
             + f" (poll {s.status.poll_ms:.0f} ms)"]
    lines += [f"  error: {e}" for e in s.status.errors]
    c = s.cluster
    lines.append(f"Nodes {c.nodes_alive}/{c.nodes_total} alive, CPU {c.cpu_percent:.0f}%, "
                 f"logical CPUs {c.cpus_used:g}/{c.cpus_total:g}, memory "
                 f"{c.memory_used_bytes / gib:.1f}/{c.memory_total_bytes / gib:.1f} GiB")
    for n in s.nodes:
        lines.append(f"  {n.node_id[:8]} {n.ip:<15} {'head ' if n.is_head else ''}{n.state} "
                     f"cpu {n.cpu_percent:.0f}% logical {n.cpus_used:g}/{n.cpus_total:g}")
    lines.append(f"Workers ({len(s.workers)}):")
    lines.append(f"  {'PID':>7} {'NODE':8} {'TYPE':6} {'CPU%':>6} {'RSS MB':>7}  TITLE / TASK")
    for w in sorted(s.workers, key=lambda w: w.cpu_percent, reverse=True):
        task = f"  [{w.running_task.name}]" if w.running_task else ""
        lines.append(f"  {w.pid:>7} {w.node_id[:8]:8} {w.worker_type[:6]:6} "
                     f"{w.cpu_percent:6.1f} {w.rss_bytes / 2**20:7.0f}  {w.title}{task}")
    states = ", ".join(f"{k} {v}" for k, v in sorted(s.tasks.by_state.items())) or "none"
    lines.append(f"Tasks: {states}")
    for group in s.tasks.by_function[:10]:
        lines.append(f"  {group.name}: " + ", ".join(f"{k} {v}" for k, v in group.by_state.items()))
    alive = sum(1 for a in s.actors if a.state == "ALIVE")
    lines.append(f"Actors: {len(s.actors)} ({alive} alive)")
    for a in s.actors[:10]:
        lines.append(f"  {a.actor_id[:8]} {a.class_name} {a.state} pid {a.pid or '-'}")
    lines.append("Flags: " + ("none" if not s.flags else ""))
    lines += [f"  {f.severity.upper()} {f.kind}: {f.message}" for f in s.flags]
    return lines
