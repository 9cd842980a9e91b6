"""Time the README's main job, ``reelab run``: cold (empty numba cache) and warm, plus its stages.

    python benchmarks/run.py [--repeats 3]

"Cold" points NUMBA_CACHE_DIR at an empty folder, so every vectorbt kernel is compiled again,
as on a fresh machine; "warm" reuses that cache. The difference is numba's compile time.
The stage breakdown runs in this process after a warm-up.
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
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def _stages() -> dict[str, float]:
    import backtests.ops._run as run_module
    from backtests import Costs, build_context, load_prices
    from backtests.report import write_report
    from signals import load_events, load_universe
    from strategies import get

    timings: dict[str, float] = {}

    def clock(name, function, *args, **kwargs):
        started = time.perf_counter()
        value = function(*args, **kwargs)
        timings[name] = time.perf_counter() - started
        return value

    calendar = clock("load events", load_events)
    universe = clock("load universe", load_universe)
    template = get("event_drift")
    params = template.params()
    tickers = run_module.default_tickers(universe, params)
    close = clock("load prices", load_prices, tickers, field="adj_close")
    context = clock("align events (context)", build_context, calendar, universe, close)
    clock("event_drift signals", template.build, context, params)
    clock("import vectorbt", __import__, "vectorbt")
    result = clock("backtest + stats + attribution (run_backtest)", run_module.run_backtest, costs=Costs())
    folder = Path(tempfile.mkdtemp())
    clock("save results folder (writes only)", result.save, folder)
    clock("render report (HTML, PNG, summary)", write_report, folder)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="warm runs to time (default 3)")
    args = parser.parse_args()
    reelab = shutil.which("reelab") or str(Path(sys.executable).with_name("reelab"))
    with tempfile.TemporaryDirectory() as scratch:
        env = os.environ | {"NUMBA_CACHE_DIR": str(Path(scratch) / "numba")}
        command = [reelab, "run", "--out", str(Path(scratch) / "out")]
        cold = _wall(command, env)
        warm = [_wall(command, env) for _ in range(args.repeats)]
        os.environ["NUMBA_CACHE_DIR"] = env["NUMBA_CACHE_DIR"]
        stages = _stages()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"reelab run cold (empty numba cache): {cold:6.1f} s")
    print(f"reelab run warm (median of {args.repeats}):      {statistics.median(warm):6.1f} s  (min {min(warm):.1f} s)")
    print(f"numba compile time (cold - warm):    {cold - statistics.median(warm):6.1f} s")
    print("stages, warm, in one process:")
    for name, seconds in stages.items():
        print(f"  {name:34s} {seconds:6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
