"""Where a Snapshot's numbers come from, one module per source.

- `state_api`: the Ray state API (nodes, workers, actors, task summaries and lists);
- `dashboard`: the dashboard's node endpoints (per-worker CPU/memory on every node,
  node CPU/memory, logical CPU usage per node);
- `local_psutil`: psutil on this machine's worker processes, fresh at every poll.

Sources raise on failure; the collector turns failures into `Status.errors`.
"""
