"""`raytui run fib --observe` on a real cluster, as text: the story prints after the
tutorial's own lines. The JSON stories of the serial pattern (its tasks one at a time,
`uneven`, the verdict naming it) and of the fan-out (every worker, no `uneven`) are
tests/integration/test_lessons_real.py's steps 1 and 2: the same commands, whose runs
also complete the lessons."""

from __future__ import annotations

import re

from tests.conftest import run_raytui
from tui.core.connection import RayConnection


def test_headless_story_prints_after_the_tutorials_own_lines(ray_cluster: RayConnection) -> None:
    result = run_raytui("run", "fib", "--size", "100000", "--count", "4", "--observe",
                        "--address", ray_cluster.gcs_address or "", timeout=240)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # the tutorial's lines first, as the tutorial prints them; then the story, verdict last
    assert lines[0].startswith("Sequence size: 100000, Local execution time: ")
    assert lines[1].startswith("Sequence size: 100000, Remote execution time: ")
    assert lines[2].startswith("Speedup: ") and lines[2].endswith(" over 4 sequences (parallel)")
    assert lines[3] == "" and lines[4].startswith("Run: Fibonacci size=100000 count=4 parallel")
    assert lines[5].startswith("CPU: peak ") and lines[5].endswith(" of 2 cores")
    # a bar per worker that ran the run's tasks (Ray may start a third worker beside the
    # two; one that only started up has no bar). The counts are exact from the job's own
    # task rows ("tasks"), else those the polls saw ("tasks seen", when the state API did
    # not answer in time on a loaded machine): then they cannot add up to more than 4
    bars = [re.match(r"  pid +\d+ \S+ +\d+%  (\d+) (tasks|tasks seen)  ", line)
            for line in lines if line.startswith("  pid ")]
    assert len(bars) >= 2 and all(bars), lines
    counts = [int(bar.group(1)) for bar in bars if bar]
    exact = all(bar.group(2) == "tasks" for bar in bars if bar)
    assert min(counts) >= 1 and (sum(counts) == 4 if exact else sum(counts) <= 4), lines
    assert lines[-1].startswith("Verdict: ")
