"""`make bench`: every benchmark, each printed beside a bare baseline from the same run.

    python -m tests.bench                 # all of them
    python -m tests.bench live groups     # only bench_live.py and bench_groups.py

Benchmarks are the modules tests/bench/bench_<name>.py with `async def run(report)`.
The table is also written to .run/bench/latest.md (copy it into docs/BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import sys
import time
from pathlib import Path

from services.runtime.logs import configure_logging
from tests import bench
from tests.bench.report import Report

ROOT = Path(__file__).resolve().parents[2]


def available() -> list[str]:
    return sorted(m.name.removeprefix("bench_") for m in pkgutil.iter_modules(bench.__path__)
                  if m.name.startswith("bench_"))


async def main(names: list[str]) -> int:
    configure_logging("bench", level="warning", fmt="console")
    report = Report()
    unknown = set(names) - set(available())
    if unknown:
        print(f"unknown benchmarks {sorted(unknown)}; available: {available()}")
        return 2
    for name in names or available():
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"tests.bench.bench_{name}")
        await module.run(report)
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
    print()
    print(report.markdown())
    report.save(ROOT / ".run" / "bench" / "latest.md")
    return 0


if __name__ == "__main__":
    try:
        import uvloop

        sys.exit(uvloop.run(main(sys.argv[1:])))
    except ImportError:
        sys.exit(asyncio.run(main(sys.argv[1:])))
