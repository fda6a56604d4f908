"""`raytui snapshot` and `raytui watch`: the monitor without a screen, for scripts and logs.

Both use the same Collector and detectors as the app, and never import Textual.
"""

from __future__ import annotations

import argparse
import dataclasses
import heapq
import json
import queue
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from operator import attrgetter
from typing import TYPE_CHECKING

from tui.commands import (
    CommandGroups,
    UsageError,
    add_cluster_arguments,
    check_num_cpus,
    positive_float,
)
from tui.core.kinds import FLAG_KINDS
from tui.core.logfile import leave
from tui.core.redact import REDACT_ENV

if TYPE_CHECKING:
    from tui.core.model import Snapshot
    from tui.core.supervise import LiveSource

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
    parser.add_argument("--redact", action="store_true",
                        help="mask the values of --*key*/--*token*/--*secret*/--*password* "
                        f"arguments in worker titles (also: {REDACT_ENV}=1)")


def _flag_kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    unknown = [k for k in kinds if k not in FLAG_KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(
            f"unknown flag kind {', '.join(unknown) or repr(text)}; "
            f"expected one or more of {', '.join(FLAG_KINDS)}")
    return kinds


@contextmanager
def live_source(args: argparse.Namespace, interval_s: float | None = None,
                ) -> Iterator[LiveSource]:
    """Connect as the monitor does (no Ray driver when attached by address), with Ray's
    own output (fd 2) sent to the log file: stderr carries only our one-line errors.
    `interval_s`: polls that far apart keep only the history the detectors read."""
    from tui.core.address import resolve_address
    from tui.core.collector import Collector
    from tui.core.connection import RayConnection
    from tui.core.history import History
    from tui.core.logfile import divert_stderr
    from tui.core.poll.collector import detector_history_len
    from tui.core.supervise import LiveSource

    check_num_cpus(args.num_cpus)
    address = resolve_address(args.address)
    divert_stderr()
    connection = RayConnection(address, args.num_cpus, driver=False)
    polls = None if interval_s is None else detector_history_len(interval_s)
    try:
        connection.connect()
        source = LiveSource(connection, None if polls is None else (
            lambda c: Collector(c, history=History(polls))))
        try:
            yield source
        finally:
            source.close()
    finally:
        connection.close()  # bounded (2 s): an exit never waits for a dead cluster


def snapshot_command(args: argparse.Namespace) -> int:
    from tui.core.address import ConnectError

    with live_source(args) as source:
        source.poll_once()  # primes the CPU counters: a single reading would say 0 %
        time.sleep(PRIMING_S)
        snapshot = source.poll_once()
        if not source.ever_connected:
            raise ConnectError(f"{snapshot.status.address}: the cluster did not answer "
                               f"({source.message or 'no answer'})")
    snapshot = _maybe_redacted(snapshot, args.redact)
    if args.json:
        print(snapshot_json(snapshot))
    else:
        print("\n".join(snapshot_text(snapshot)))
    leave(0)  # calls still in flight are not waited for


def watch_command(args: argparse.Namespace) -> int:
    from tui.core.record import RecordingError, SnapshotWriter

    writer = None
    if args.record:
        try:
            writer = SnapshotWriter(args.record)
        except RecordingError as err:
            raise UsageError(f"raytui watch: {err}") from None
    raised: set[str] = set()
    _stop_on_signals()
    # --duration is wall-clock time from the start of the command, whatever the
    # cluster does: a poll still running at the deadline is abandoned, not awaited
    deadline = None if args.duration is None else time.monotonic() + args.duration
    never_connected, reason = False, ""
    try:
        with live_source(args, args.interval) as source:
            next_poll = time.monotonic()
            while True:
                snapshot = _poll_until(source, deadline)
                if snapshot is None:
                    break
                snapshot = _maybe_redacted(snapshot, args.redact)
                raised.update(f.kind for f in snapshot.flags if f.kind in args.fail_on)
                if writer is not None:
                    writer.write(snapshot)
                if args.jsonl:
                    print("\n".join(jsonl_records(snapshot)), flush=True)
                else:
                    print("\n".join(watch_lines(snapshot)), flush=True)
                next_poll = max(next_poll + args.interval, time.monotonic())
                if deadline is not None and next_poll >= deadline:
                    break
                time.sleep(max(0.0, next_poll - time.monotonic()))
            never_connected = not source.ever_connected
            reason = source.message
    except KeyboardInterrupt:
        pass  # Ctrl-C is the normal way to end an open-ended watch: report as usual
    except RecordingError as err:
        raise UsageError(f"raytui watch: {err}") from None
    finally:
        if writer is not None:
            writer.close()
    if never_connected:
        print(f"raytui watch: never connected to the cluster ({reason or 'no answer'})",
              file=sys.stderr)
        leave(2)
    if raised:
        print(f"raytui watch: flag raised: {', '.join(sorted(raised))}", file=sys.stderr)
        leave(1)
    leave(0)  # --duration is wall-clock: calls still in flight are not waited for


def _stop_on_signals() -> None:
    """Ctrl-C (SIGINT) and `kill` (SIGTERM) end a watch the normal way: the recording
    closed, the exit code saying whether a --fail-on flag was raised (SIGTERM used to
    end it at once, exit 143). SIGINT even when the watch inherited it ignored, as a
    shell without job control starts its `&` commands (a CI script, and the test
    harness: the watch then ran on to its --duration, deaf to Ctrl-C); Python leaves an
    inherited SIG_IGN in place. The monitor (`commands/monitor.py`) does the same."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupted)


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _poll_until(source: LiveSource, deadline: float | None) -> Snapshot | None:
    """One poll, or None when the deadline passes first (the poll thread is left to end
    on its own: it is a daemon, and every call it makes has its own timeout)."""
    if deadline is None:
        return source.poll_once()
    answer: queue.Queue[Snapshot | BaseException] = queue.Queue(maxsize=1)

    def poll() -> None:
        try:
            answer.put(source.poll_once())
        except BaseException as err:  # handed to the caller
            answer.put(err)

    threading.Thread(target=poll, name="raytui-watch-poll", daemon=True).start()
    try:
        result = answer.get(timeout=max(0.0, deadline - time.monotonic()))
    except queue.Empty:
        return None
    if isinstance(result, BaseException):
        raise result
    return result


def _maybe_redacted(snapshot: Snapshot, flag: bool) -> Snapshot:
    from tui.core.redact import redact_snapshot, redaction_wanted

    return redact_snapshot(snapshot) if redaction_wanted(flag) else snapshot


# --- output ------------------------------------------------------------------


def snapshot_json(snapshot: Snapshot) -> str:
    from tui.core.model import to_json

    return json.dumps(to_json(snapshot), separators=(",", ":"))


def jsonl_records(snapshot: Snapshot) -> list[str]:
    """A poll's `watch --jsonl` lines: the snapshot (`"type": "snapshot"`, without its
    events), then each event of this poll as its own line (`"type": "event"`): every
    event comes out once, in the poll that saw it happen."""
    from tui.core.model import to_json

    state = to_json(dataclasses.replace(snapshot, events=()))
    del state["events"]
    lines = [json.dumps({"type": "snapshot", **state}, separators=(",", ":"))]
    lines += [json.dumps({"type": "event", **to_json(event)}, separators=(",", ":"))
              for event in snapshot.events]
    return lines


_CPU = attrgetter("cpu_percent")


def watch_lines(s: Snapshot) -> list[str]:
    from tui.core.supervise import phase_text

    stamp = time.strftime("%H:%M:%S", time.localtime(s.time))
    if not s.status.connected:
        why = s.status.phase_message or "; ".join(s.status.errors) or "no answer"
        return [f"{stamp} {phase_text(s.status, s.time)}: {why}"]
    # the top four in one pass, not a sort of every worker (16,000 at 1,000 nodes)
    busy = heapq.nlargest(4, (w for w in s.workers if w.worker_type != "DRIVER"), key=_CPU)
    top = " ".join(f"{w.pid}:{w.cpu_percent:.0f}%" for w in busy)
    running = s.tasks.by_state.get("RUNNING", 0)
    pending = s.tasks.by_state.get("PENDING_NODE_ASSIGNMENT", 0)
    lines = [f"{stamp} cpu {s.cluster.cpu_percent:3.0f}%  logical {s.cluster.cpus_used:g}/"
             f"{s.cluster.cpus_total:g}  tasks running {running} pending {pending}  "
             f"workers {len(s.workers)} [{top}]"
             + (f" (counts {s.tasks.counts_age_s:.0f} s old)" if s.tasks.counts_age_s >= 2 else "")]
    if s.status.phase_message:
        lines.append(f"  note: {s.status.phase_message}")
    lines += [f"  ! {f.kind}: {f.message}" for f in s.flags]
    lines += [f"  event: {e.message}" for e in s.events]
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
