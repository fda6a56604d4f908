"""USS of processes on this machine (psutil), read at a slower cadence than CPU and RSS.

Real child processes; only the clock is the test's, to step past the USS refresh.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from tui.core.sources.local_psutil import USS_EVERY_S, USS_READS_PER_SAMPLE, LocalProcessSampler

MiB = 1024**2
# holds 64 MiB of its own (written, so resident and unshared) once told to on stdin
HOLDER = """
import sys
print("ready", flush=True)
sys.stdin.readline()
held = bytearray(64 * 1024 * 1024)
for i in range(0, len(held), 4096):
    held[i] = 1
print("holding", flush=True)
sys.stdin.readline()
"""


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def holders() -> Iterator[list[subprocess.Popen[str]]]:
    children = [subprocess.Popen([sys.executable, "-c", HOLDER], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
                for _ in range(USS_READS_PER_SAMPLE + 2)]
    try:
        for child in children:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        yield children
    finally:
        for child in children:
            child.kill()
            child.wait(10)


def hold(child: subprocess.Popen[str]) -> None:
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write("go\n")
    child.stdin.flush()
    assert child.stdout.readline().strip() == "holding"


def test_uss_is_read_for_a_few_processes_a_call_and_kept_until_it_is_due(
        holders: list[subprocess.Popen[str]]) -> None:
    clock = Clock()
    sampler = LocalProcessSampler(clock)
    pids = [child.pid for child in holders]

    first = sampler.sample(pids)
    read = {pid for pid, stat in first.items() if stat.uss_bytes is not None}
    assert len(read) == USS_READS_PER_SAMPLE  # the others wait for the next calls
    assert all(0 < (first[pid].uss_bytes or 0) <= first[pid].rss_bytes for pid in read)
    second = sampler.sample(pids)
    assert all(second[pid].uss_bytes is not None for pid in pids)  # the rest, at once
    assert {pid: second[pid].uss_bytes for pid in read} == {
        pid: first[pid].uss_bytes for pid in read}  # not read again yet

    target = holders[0]
    before = second[target.pid]
    hold(target)
    clock.now += USS_EVERY_S / 2
    kept = sampler.sample(pids)[target.pid]
    assert kept.rss_bytes > before.rss_bytes + 60 * MiB  # RSS is fresh at every call
    assert kept.uss_bytes == before.uss_bytes  # USS is not, until it is due
    clock.now += USS_EVERY_S
    renewed = {}
    for _ in range(2):  # every figure is due now: two calls read them all
        renewed.update({pid: stat for pid, stat in sampler.sample(pids).items()})
    assert (renewed[target.pid].uss_bytes or 0) > (before.uss_bytes or 0) + 60 * MiB


def test_uss_of_a_process_that_ended_is_forgotten(holders: list[subprocess.Popen[str]]) -> None:
    sampler = LocalProcessSampler(Clock())
    gone = holders[0]
    assert sampler.sample([gone.pid])[gone.pid].uss_bytes is not None
    gone.kill()
    gone.wait(10)
    assert gone.pid not in sampler.sample([gone.pid])
    sampler.keep_only([])
    assert sampler._uss == {} and sampler._processes == {}
