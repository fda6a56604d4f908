"""`make bench`: run every tests/bench/bench_*.py (or those named) and print their figures.

Benchmarks are not timed tests: each prints figures measured side by side in one run.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import tests.bench as bench_package


def main(names: list[str]) -> int:
    modules = sorted(m.name for m in pkgutil.iter_modules(bench_package.__path__)
                     if m.name.startswith("bench_"))
    chosen = [m for m in modules if not names or any(n in m for n in names)]
    failed = 0
    for name in chosen:
        print(f"=== {name}", flush=True)
        start = time.perf_counter()
        module = importlib.import_module(f"tests.bench.{name}")
        code = module.main()
        failed += bool(code)
        print(f"=== {name}: {'ok' if not code else 'BELOW TARGET'} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
