"""A poll, planned over sources: the collector's parts, one job a module.

- `sources.py`: what is asked, behind small protocols (tests pass canned rows);
- `slots.py`: the table of source slots and their refresh rules;
- `plan.py`: what a poll asks, and the request budget for per-node calls;
- `fetch.py`: one fetch round, one deadline, the calls in flight across polls;
- `join.py`: answers -> Snapshot, pure (each node's workers: `join_workers.py`);
- `hints.py`: what the next poll may skip, pure;
- `collector.py`: the loop that ties them together (`Collector`).
"""
