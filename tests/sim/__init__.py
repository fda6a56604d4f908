"""A simulated Ray 2.60 dashboard for tests and benchmarks (see tests/sim/README.md)."""

from tests.sim.server import SimCluster

__all__ = ["SimCluster"]
