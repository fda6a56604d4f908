"""Stopping things: a job, an actor, a worker process. Every action can be refused.

The UI asks for a confirmation naming what will be stopped before it calls here;
under `--read-only` (or `RAYTUI_READ_ONLY=1`) every call raises `Refused` with one line.

- a job: `POST /api/jobs/{id}/stop` (the jobs API; no driver needed);
- an actor: Ray's own kill by actor id when this process holds a driver connection: the
  `KillActorViaGcs` call `ray.kill(handle, no_restart=...)` makes, sent straight to the
  GCS, because Ray 2.60 has no public handle for an unnamed actor by id
  (`CoreWorker.get_actor_handle` aborts the process for an actor another job created);
  else, or when that fails, SIGTERM to its pid when the actor runs on this machine
  (Ray's worker exits on it and Ray records the death); elsewhere a message saying why not;
- a worker process on this machine: SIGTERM, then SIGKILL when asked again.
Ray is imported only for the driver path.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import psutil

from tui.core.sources.http import DashboardHttp, SourceError
from tui.core.sources.jobs_api import JobError, JobsApi
from tui.core.sources.logs import LogTarget
from tui.core.sources.state_api import StateApiSource
from tui.core.text import error_line

READ_ONLY_ENV = "RAYTUI_READ_ONLY"
STATE_TIMEOUT_S = 3.0  # the actor-state check before a kill
TargetKind = Literal["worker", "actor", "task", "job"]


class Refused(Exception):
    """The action was not done; the message (one line) says why."""


def read_only_from_env(environ: Mapping[str, str] | None = None) -> bool:
    value = (os.environ if environ is None else environ).get(READ_ONLY_ENV, "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class Target:
    """The thing a row shows, as an action needs it (log, stack, kill)."""

    kind: TargetKind
    node_id: str | None = None
    pid: int | None = None
    actor_id: str | None = None
    task_id: str | None = None
    job_id: str | None = None  # a job's submission id (or Ray job id for drivers)
    name: str = ""  # what a user calls it: class or function name, actor name
    local: bool = False  # the process runs on this machine (psutil sees it)
    function: str = ""  # the function it runs now, to find in its stack

    def describe(self) -> str:
        if self.kind == "job":
            return f"job {self.job_id}"
        if self.kind == "actor":
            label = self.name or "actor"
            return f"actor {label} ({(self.actor_id or '')[:12]}, pid {self.pid or '-'})"
        if self.kind == "task":
            return f"task {self.name or ''} ({(self.task_id or '')[:12]})".replace("  ", " ")
        where = f" on node {self.node_id[:8]}" if self.node_id else ""
        return f"worker pid {self.pid}{where}" + (f" ({self.name})" if self.name else "")

    def log_target(self, suffix: str = "out") -> LogTarget | None:
        """Where its log is in the state API; None for a job (the jobs API has it)."""
        if self.kind == "actor" and self.actor_id:
            return LogTarget(node_id=self.node_id, actor_id=self.actor_id, suffix=suffix)
        if self.kind == "task" and self.task_id:
            return LogTarget(node_id=self.node_id, task_id=self.task_id, suffix=suffix)
        if self.pid and self.node_id:
            return LogTarget(node_id=self.node_id, pid=self.pid, suffix=suffix)
        return None


@dataclass(frozen=True)
class ClusterLink:
    """How to reach the cluster for actions: its dashboard, and its GCS when known."""

    dashboard_url: str
    gcs_address: str | None = None  # None on a dashboard-only connection


class Control:
    def __init__(self, dashboard_url: str, *, read_only: bool = False,
                 gcs_address: str | None = None) -> None:
        self.dashboard_url = dashboard_url
        self.read_only = read_only
        self.gcs_address = gcs_address  # set when this process holds a driver connection

    @property
    def driver(self) -> bool:
        return self.gcs_address is not None

    def check_allowed(self, what: str) -> None:
        if self.read_only:
            raise Refused(f"read-only mode: not stopping {what} (started with --read-only "
                          f"or {READ_ONLY_ENV}=1)")

    def stop_job(self, job_id: str) -> str:
        self.check_allowed(f"job {job_id}")
        api = JobsApi(self.dashboard_url)
        try:
            stopped = api.stop(job_id)
        except JobError as err:
            raise Refused(f"cannot stop job {job_id}: {err}") from None
        finally:
            api.close()
        return f"asked Ray to stop job {job_id}" if stopped else \
            f"job {job_id} had already ended"

    def kill_actor(self, target: Target, no_restart: bool = True) -> str:
        """Kill by Ray (driver) first, else by signal on this machine; one line either way."""
        self.check_allowed(target.describe())
        if not target.actor_id:
            raise Refused("this row has no actor id")
        # Ray's kill answers OK for an actor that is already dead, and a signal could hit
        # a reused pid: ask Ray first (a row may be seconds old), so "killed" is never a lie.
        if self.actor_state(target.actor_id) == "DEAD":
            raise Refused(f"{target.describe()} is already dead: nothing to stop")
        failure = ""
        if self.driver:
            try:
                return _ray_kill(self.gcs_address or "", target.actor_id, no_restart,
                                 target.describe())
            except Exception as err:  # Ray raises many types; the signal path may still work
                failure = f"ray.kill failed ({error_line(err)}); "
        if target.pid and target.local:
            return failure + self._signal_actor(target, no_restart)
        where = "it runs on another machine" if target.pid else "it has no process (not alive)"
        how = "" if self.driver else "raytui has no driver connection (dashboard-only address), and "
        raise Refused(f"cannot kill {target.describe()}: {failure}{how}{where}")

    def actor_state(self, actor_id: str) -> str | None:
        """The actor's state in Ray's state API now; None when Ray cannot say (the kill
        is then tried anyway: a busy dashboard must not stop a user stopping a runaway)."""
        http = DashboardHttp(self.dashboard_url, timeout_s=STATE_TIMEOUT_S)
        try:
            actor = StateApiSource(http).actor(actor_id)
        except SourceError:
            return None
        finally:
            http.close()
        return actor.state or None if actor else None

    def _signal_actor(self, target: Target, no_restart: bool) -> str:
        # SIGTERM, not SIGKILL: Ray's worker exits on it through its own handler, so Ray
        # records why the actor died ("The process receives a SIGTERM.")
        assert target.pid is not None
        _check_ray_process(target.pid, target.name.split(" ")[0])
        try:
            os.kill(target.pid, signal.SIGTERM)
        except ProcessLookupError:
            raise Refused(f"{target.describe()}: the process has already ended") from None
        except PermissionError:
            raise Refused(f"{target.describe()}: not allowed to signal pid {target.pid}") from None
        restart = (" A signal cannot stop Ray restarting it if it was created with "
                   "max_restarts." if no_restart else " Ray restarts it if it has restarts left.")
        return (f"sent SIGTERM to pid {target.pid} ({target.describe()}).{restart} "
                "K sends SIGKILL if it does not exit.")

    def signal_worker(self, target: Target, force: bool) -> str:
        """SIGTERM (force: SIGKILL) to a worker process on this machine."""
        self.check_allowed(target.describe())
        if not target.pid:
            raise Refused("this row has no process id")
        if not target.local:
            raise Refused(f"cannot signal {target.describe()}: it runs on another machine")
        _check_ray_process(target.pid, "")
        sig = signal.SIGKILL if force else signal.SIGTERM
        try:
            os.kill(target.pid, sig)
        except ProcessLookupError:
            raise Refused(f"pid {target.pid} has already ended") from None
        except PermissionError:
            raise Refused(f"not allowed to signal pid {target.pid}") from None
        return f"sent {sig.name} to pid {target.pid}"


def _check_ray_process(pid: int, class_name: str) -> None:
    """Refuse to signal a pid that is not a Ray process any more (pids are reused)."""
    try:
        process = psutil.Process(pid)
        title = " ".join(process.cmdline())
    except psutil.NoSuchProcess:
        raise Refused(f"pid {pid} has already ended") from None
    except psutil.Error as err:
        raise Refused(f"cannot inspect pid {pid}: {error_line(err)}") from None
    if "ray" not in title.lower():
        raise Refused(f"pid {pid} is not a Ray process any more ({title[:60]!r}); not signalled")
    if class_name and f"ray::{class_name}" not in title and "ray::" in title:
        raise Refused(f"pid {pid} now runs {title[:60]!r}, not {class_name}; not signalled")


def _ray_kill(gcs_address: str, actor_id: str, no_restart: bool, label: str) -> str:
    from ray._private.grpc_utils import init_grpc_channel
    from ray.core.generated import gcs_service_pb2, gcs_service_pb2_grpc

    channel = init_grpc_channel(gcs_address)
    try:
        stub = gcs_service_pb2_grpc.ActorInfoGcsServiceStub(channel)
        request = gcs_service_pb2.KillActorViaGcsRequest(  # type: ignore[attr-defined]
            actor_id=bytes.fromhex(actor_id), force_kill=True, no_restart=no_restart)
        reply = stub.KillActorViaGcs(request, timeout=10)
    finally:
        channel.close()
    if reply.status.code != 0:
        raise RuntimeError(reply.status.message or f"GCS status {reply.status.code}")
    restart = "" if no_restart else ", Ray may restart it"
    return f"killed {label} through Ray (no_restart={no_restart}{restart})"
