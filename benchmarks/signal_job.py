"""Time the signal library and the scheduled signal job.

    python benchmarks/signal_job.py [--repeats 10]

Prints: building every signal for the shipped calendar x the bundled universe x all sessions
2010-2026, first call and warm (median); and the wall time of `reelab --help` and of
`reelab signals build` as fresh processes (a new interpreter each run, as a scheduler starts
it), the latter with an empty exchange-session cache (the first run on a machine) and with the
cache filled by that first run (every later run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _wall(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()

    os.environ["REELAB_CACHE_DIR"] = tempfile.mkdtemp(prefix="reelab-bench-")  # the first call builds calendars
    started = time.perf_counter()
    from signals import build_signals, load_events, load_universe

    imported = time.perf_counter() - started
    calendar, universe = load_events(), load_universe()
    timings = []
    for _ in range(args.repeats + 1):
        started = time.perf_counter()
        panel = build_signals(calendar, universe, start="2010-01-01")
        timings.append(time.perf_counter() - started)
    first, warm = timings[0], timings[1:]

    reelab = shutil.which("reelab") or str(Path(sys.executable).with_name("reelab"))
    helps = [_wall([reelab, "--help"], os.environ) for _ in range(5)]
    firsts, cached = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(3):
            env = os.environ | {"REELAB_CACHE_DIR": f"{scratch}/cache-{run}"}  # empty: built from the rules
            build = [reelab, "signals", "build", "--asof", "2026-06-30", "--quiet"]
            firsts.append(_wall([*build, "--out", f"{scratch}/first-{run}"], env))
            cached.extend(_wall([*build, "--out", f"{scratch}/again-{run}-{n}"], env) for n in range(3))

    cells = panel.shape[0] * panel.shape[1]
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"panel: {panel.shape[0]} sessions x {panel.shape[1]} columns ({cells / 1e6:.1f} M values), "
          f"{len(calendar)} events, {len(universe)} assets")  # fmt: skip
    print(f"import signals:                     {imported:6.3f} s")
    print(f"build_signals first call:           {first:6.3f} s (builds the exchange calendars)")
    print(f"build_signals warm (median of {len(warm)}):  {statistics.median(warm):6.3f} s  (min {min(warm):.3f} s)")
    print(f"reelab --help, fresh process:       {statistics.median(helps):6.3f} s  "
          f"(median of 5; max {max(helps):.3f} s)")  # fmt: skip
    print(f"reelab signals build, fresh process, empty session cache:  {statistics.median(firsts):6.3f} s  "
          f"(median of 3; max {max(firsts):.3f} s)")  # fmt: skip
    print(f"reelab signals build, fresh process, sessions cached:      {statistics.median(cached):6.3f} s  "
          f"(median of 9; max {max(cached):.3f} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
