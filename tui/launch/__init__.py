"""Launching workloads as Ray jobs: beside `tui.core`, above it, never inside it.

- `jobs`: what a job client offers (`JobClient`, `JobState`), with no Ray;
- `ray_jobs`: the real one, `JobLauncher` over Ray's job API (the only module on Ray);
- `job_run`: one run, `JobRun`, a stream of typed events that stops its job once;
- `fibonacci`, `gsod`, `lab`: one descriptor per workload (its parameters and defaults,
  checks, flags, the job's command line and the parser of its result), read alike by
  the app's keys, its form, the Lab screen and the command line;
- `background`: a `JobRun` followed on a thread for the app, as `WorkloadUpdate`s.

No Textual here, and no Ray at import (the contracts in pyproject.toml, and
tests/unit/test_imports.py).
"""
