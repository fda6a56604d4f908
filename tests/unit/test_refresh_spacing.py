"""The task summary's spacing keeps its counts under 25 s old when the server can afford
it (issue 15: counts never older than 30 s under churn; a 7 s summary was asked every
35 s and its counts reached 42 s). A fake clock and a hand-driven pool: no sleeps."""

from __future__ import annotations

import pytest

from tests.unit.test_refresh import make
from tui.core.refresh import ANSWER_AGE_TARGET_S


def spacing_after_one_answer(seconds: float) -> float:
    """How long after the first call started the next one does (no change signalled)."""
    refresh, _, pool, clock = make(seconds, timeout_s=30.0, max_age_s=0.0)
    started = clock.now
    refresh.start_if_due()
    pool.run_next()  # the call moves the clock by its cost
    assert refresh.latest([])[0] is not None
    while not pool.queue:
        clock.now += 0.25
        refresh.start_if_due(changed=True)
    return clock.now - started


@pytest.mark.parametrize(("seconds", "spacing"), [
    (0.3, 1.5),  # cheap: five times its cost, as before
    (4.0, 20.0),  # five times its cost is within the target already
    (7.0, 18.0),  # shortened: the answer is at most 18 + 7 = 25 s old
    (12.0, 24.0),  # the target would need more than twice its cost: twice, not more
])
def test_spacing_is_five_times_the_cost_shortened_to_keep_the_answer_young(
        seconds: float, spacing: float) -> None:
    assert spacing_after_one_answer(seconds) == pytest.approx(spacing, abs=0.25)


def test_a_7_s_summary_under_churn_is_never_older_than_the_target() -> None:
    refresh, _, pool, clock = make(7.0, timeout_s=30.0)
    refresh.start_if_due()
    pool.run_next()
    oldest = 0.0
    for _ in range(400):  # 100 s of polls every 0.25 s, tasks moving all along
        clock.now += 0.25
        refresh.start_if_due(changed=True)
        value, age = refresh.latest([])
        assert value is not None
        if pool.queue:  # a call started: the answer shown ages on through its 7 s
            oldest = max(oldest, age + 7.0)
            pool.run_next()
    assert 7.0 < oldest <= ANSWER_AGE_TARGET_S + 0.5
