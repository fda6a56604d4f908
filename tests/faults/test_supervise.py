"""LiveSource's phases, backoff and reconnection, step by step with a fake clock (the
real-cluster runs are in test_outlive.py and test_app_faults.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.core.connection import ClusterAddress, ConnectError, RayConnection
from tui.core.history import History
from tui.core.model import Snapshot, Status
from tui.core.redact import redact_text, redaction_wanted
from tui.core.supervise import BACKOFF_MAX_S, DISCONNECT_AFTER_S, LiveSource, phase_text


@dataclass
class FakeCollector:
    answers: list[bool]
    history: History = field(default_factory=History)
    polls: int = 0
    closed: bool = False

    def poll_once(self) -> Snapshot:
        self.polls += 1
        up = self.answers.pop(0) if self.answers else True
        return Snapshot(time=0.0, status=Status(up, "x", () if up else ("refused",)))

    def close(self) -> None:
        self.closed = True


class FakeConnection(RayConnection):
    def __init__(self) -> None:
        super().__init__(ClusterAddress("gcs", "127.0.0.1:1", "flag"), driver=False)
        self.session_name = "session_a"
        self.refusals = 0
        self.asked = 0

    def refresh(self) -> None:
        self.asked += 1
        if self.refusals:
            self.refusals -= 1
            raise ConnectError("cannot reach Ray at 127.0.0.1:1: Connection refused")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(answers: list[bool]) -> tuple[LiveSource, FakeConnection, Clock, list[FakeCollector]]:
    clock, connection = Clock(), FakeConnection()
    made: list[FakeCollector] = []

    def collector(_: RayConnection) -> FakeCollector:
        made.append(FakeCollector(list(answers) if not made else []))
        return made[-1]

    return LiveSource(connection, collector, clock=clock, wall=clock), connection, clock, made


def test_one_failed_poll_is_stale_then_disconnected_with_a_since_time() -> None:
    source, _, clock, _ = make([True, False, False, False])
    assert source.poll_once().status.phase == "connected"
    clock.now += 1
    stale = source.poll_once().status
    assert stale.phase == "stale" and stale.phase_since == clock.now
    clock.now += DISCONNECT_AFTER_S
    down = source.poll_once().status
    assert down.phase == "disconnected" and down.phase_since == 1001.0
    assert phase_text(down, clock.now).startswith("disconnected since ")
    assert phase_text(down, clock.now).endswith(f"({int(DISCONNECT_AFTER_S)} s)")


def test_disconnected_backs_off_and_reconnects_naming_a_new_cluster() -> None:
    source, connection, clock, made = make([True, False, False])
    source.poll_once()
    clock.now += DISCONNECT_AFTER_S + 1
    source.poll_once()
    assert source.phase == "disconnected"
    connection.refusals = 100
    asked_at = []
    for _ in range(400):  # 200 s of polls every 0.5 s
        clock.now += 0.5
        before = connection.asked
        snapshot = source.poll_once()
        if connection.asked > before:
            asked_at.append(clock.now)
        assert snapshot.status.phase == "disconnected"
    gaps = [b - a for a, b in zip(asked_at, asked_at[1:], strict=False)]
    assert gaps[0] <= 2.5 and max(gaps) <= BACKOFF_MAX_S + 0.5 and gaps[-1] >= BACKOFF_MAX_S
    assert made[0].polls == 2  # the dead cluster's collector is not polled meanwhile
    connection.refusals = 0
    connection.session_name = "session_b"
    clock.now += BACKOFF_MAX_S
    back = source.poll_once().status
    assert back.phase == "connected" and "NEW cluster" in back.phase_message
    assert back.cluster_id == "session_b" and made[0].closed and len(made) == 2


def test_the_same_cluster_back_is_not_called_new() -> None:
    source, _, clock, _ = make([True, False])
    source.poll_once()
    clock.now += DISCONNECT_AFTER_S + 1
    source.poll_once()
    clock.now += 5
    back = source.poll_once().status
    assert back.phase == "connected" and back.phase_message.startswith("reconnected at")
    assert "NEW" not in back.phase_message


def test_redact_masks_secret_argument_values_only() -> None:
    title = ("python train.py --api-key=sk-123 --DB_PASSWORD hunter2 --epochs 3 "
             "--github-token ghp_x --client-secret=s3 --keyfile /k --lr 0.1")
    masked = redact_text(title)
    assert masked == ("python train.py --api-key=*** --DB_PASSWORD *** --epochs 3 "
                      "--github-token *** --client-secret=*** --keyfile *** --lr 0.1")
    assert redact_text("ray::IDLE") == "ray::IDLE"
    assert redact_text("--token --verbose") == "--token --verbose"  # a flag, not a value
    assert redaction_wanted(False, {"RAYTUI_REDACT": "1"})
    assert not redaction_wanted(False, {})


def test_the_live_source_reports_connection_lost_and_back_as_events() -> None:
    # up, then refused past the disconnect bound, then a new collector answers
    source, connection, clock, _made = make([True, False])
    kinds: list[str] = []
    kinds += [e.kind for e in source.poll_once().events]  # connected
    clock.now += DISCONNECT_AFTER_S + 1
    kinds += [e.kind for e in source.poll_once().events]  # refused for too long
    clock.now += BACKOFF_MAX_S + 1
    kinds += [e.kind for e in source.poll_once().events]  # reconnected
    assert kinds == ["connection_lost", "connection_back"]
    assert source.events.record("workload_started", "Fibonacci").kind == "workload_started"
    assert [e.kind for e in source.poll_once().events] == ["workload_started"]
