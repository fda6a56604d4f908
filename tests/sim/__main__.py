"""Serve a simulated cluster by hand: `python -m tests.sim --nodes 1000 --workers 16`.

Prints the URL; the token goes to a file (mode 600) whose path is printed, never the
token itself. Run raytui against it with `RAY_AUTH_TOKEN_PATH=<that file>`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import threading

from tests.sim.server import SimCluster


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.sim", description=__doc__)
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--workers", type=int, default=16, help="workers per node")
    parser.add_argument("--tasks", type=int, default=1_000)
    parser.add_argument("--running", type=int, default=None, help="running tasks")
    parser.add_argument("--actors", type=int, default=100)
    parser.add_argument("--gpus", type=int, default=0, help="GPUs per node")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-token", action="store_true", help="serve without token auth")
    args = parser.parse_args(argv)
    try:
        sim = SimCluster(args.nodes, args.workers, args.tasks, args.actors, args.gpus,
                         args.latency, args.seed, running_tasks=args.running,
                         token=None if args.no_token else "", port=args.port)
    except ValueError as err:
        print(f"python -m tests.sim: {err}", file=sys.stderr)
        return 2
    with sim:
        if sim.token:
            fd, token_path = tempfile.mkstemp(prefix="raytui-sim-token-")
            with os.fdopen(fd, "w") as handle:
                handle.write(sim.token)
            print(f"token file: {token_path}  (RAY_AUTH_TOKEN_PATH={token_path})", flush=True)
        print(f"{sim.url}  {sim.counts()}", flush=True)
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        with contextlib.suppress(KeyboardInterrupt):
            done.wait()
        if sim.token:
            os.unlink(token_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
