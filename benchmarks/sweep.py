"""Sweep speed: reelab's event-window engine against vectorbt, on 1,000 ``event_drift`` combinations.

    python benchmarks/sweep.py            # the 1,000-combination grid (about a minute, 7 GB at its peak)
    python benchmarks/sweep.py --scale    # also time and measure sweeps of 10^3, 10^4 and 10^5 combinations

Everything runs in this process after a warm-up (numba compiled or loaded from its cache), on the
bundled universe (23 assets):

1. ``backtests.sweep`` end to end (signals for every combination, A-share rules, chunked
   simulation, every stat), with the event engine (default), then with ``engine="vectorbt"``;
   the peak memory (max RSS) is read right after the event-engine sweep, before anything larger ran.
2. The same arrays for both engines: every combination's orders stacked side by side (built
   outside the timing), simulated once by vectorbt's ``from_signals`` with reelab's signal
   function and once by the event engine (median of three). Their order records must be equal,
   field by field: ``identical_orders`` says so.
3. One plain ``vectorbt.Portfolio.from_signals`` call on the same arrays (no signal function, no
   time stop): ``overhead_ratio`` is the vectorbt-engine sweep over it and guards the vectorbt path.

4. Walk-forward (4 folds) of an 8-combination grid against one sweep of the same grid.

The last lines are the ratios: ``identical_orders=``, ``overhead_ratio=``, ``speedup_vs_vectorbt=<vectorbt time /
event-engine time on the same arrays>``, ``walk_forward_over_sweep=<walk-forward time / sweep time>``,
``sweep_end_to_end_speedup=<vectorbt-engine sweep / event-engine sweep, end to end>`` and, with ``--scale``,
``peak_mb_1e5=<peak memory of the 10^5-combination sweep>``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

GRID: dict[str, list] = {
    "horizon": list(range(1, 21)),
    "stop_loss": [None, 0.03, 0.05, 0.08, 0.12],
    "take_profit": [None, 0.05, 0.10, 0.15, 0.20, 0.30, 0.50, 0.75, 1.0, 2.0],
}


def _peak_mb() -> float:
    """This process's peak resident memory: VmHWM (reset by exec, unlike ru_maxrss, which a child
    started by a large parent inherits), or ru_maxrss where /proc is missing."""
    try:
        status = Path("/proc/self/status").read_text()
        return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _grid(combinations: int) -> dict[str, list]:
    """A grid of ``combinations`` event_drift combinations: 20 horizons x stop losses x take profits."""
    stops = combinations // 20
    losses = [None, *np.round(np.linspace(0.01, 0.3, max(1, stops // 10) - 1), 4).tolist()] if stops > 10 else [None]
    profits = [None, *np.round(np.linspace(0.02, 3.0, stops // len(losses) - 1), 4).tolist()]
    return {"horizon": list(range(1, 21)), "stop_loss": losses, "take_profit": profits}


def _scale_point(combinations: int) -> dict[str, float]:
    """One sweep of ``combinations`` in this (fresh) process: seconds and peak memory."""
    from backtests import sweep

    sweep("event_drift", {"horizon": [5, 10], "stop_loss": [None, 0.05]}, progress=False)  # warm-up
    grid = _grid(combinations)
    started = time.perf_counter()
    table = sweep("event_drift", grid, progress=False)
    seconds = time.perf_counter() - started
    return {"combinations": int(np.prod([len(v) for v in grid.values()])), "seconds": seconds,
            "peak_mb": _peak_mb(), "rows": len(table)}  # fmt: skip


def _scale() -> float:
    """Print how a sweep grows; return the peak memory (MB) of the largest."""
    print("\nhow a sweep grows (each in a fresh process, event engine):")
    for combinations in (1_000, 10_000, 100_000):
        output = subprocess.run(
            [sys.executable, __file__, "--point", str(combinations)], check=True, capture_output=True, text=True
        ).stdout
        point = json.loads(output.splitlines()[-1])
        each = point["seconds"] / point["combinations"] * 1e3
        print(f"  {point['combinations']:>7,} combinations: {point['seconds']:8.1f} s, {each:6.2f} ms each, "
              f"peak {point['peak_mb']:,.0f} MB")  # fmt: skip
    return float(point["peak_mb"])


def _same_arrays():
    """Every combination of GRID built and stacked, as ``backtests.sweep`` would (one stack, no chunks)."""
    import strategies
    from backtests import MarketData, RunSpec
    from backtests.simulation._stack import _stacked_locks, stack_signals

    spec = strategies.get("event_drift")
    params = [spec.params(horizon=h, stop_loss=s, take_profit=t) for h in GRID["horizon"]
              for s in GRID["stop_loss"] for t in GRID["take_profit"]]  # fmt: skip
    run_spec = RunSpec("event_drift", {})
    context = MarketData.load(run_spec).context(run_spec)
    built = [spec.build(context, parameters) for parameters in params]
    stacked, observed, frames, price_col = stack_signals(built, context.close)
    buy_locked, sell_locked = strategies.market_locks(context.close, context.universe)
    locks = (_stacked_locks(buy_locked, frames), _stacked_locks(sell_locked, frames))
    return context, stacked, observed, locks, price_col


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="store_true", help="also sweep 10^3, 10^4 and 10^5 combinations")
    parser.add_argument("--point", type=int, help=argparse.SUPPRESS)  # one scale point, in a fresh process
    args = parser.parse_args()
    if args.point:
        print(json.dumps(_scale_point(args.point)))
        return 0

    from backtests import Costs, sweep
    from backtests.simulation._vbt import _order_close, simulate

    combinations = int(np.prod([len(values) for values in GRID.values()]))
    warm = {"horizon": [5, 10], "stop_loss": [None, 0.05]}
    # warm-up: numba compiled, or loaded from its cache; wide enough (>= 2048 columns) for the threaded kernels
    sweep("event_drift", {"horizon": list(range(1, 13)), "stop_loss": [None, 0.05], "take_profit": [None, 0.1, 0.2,
          0.3, 0.5]}, progress=False)  # fmt: skip
    sweep("event_drift", warm, progress=False, engine="vectorbt")

    started = time.perf_counter()
    table = sweep("event_drift", GRID, progress=False)
    events_sweep = time.perf_counter() - started
    events_peak = _peak_mb()
    started = time.perf_counter()
    sweep("event_drift", GRID, progress=False, engine="vectorbt")
    vectorbt_sweep = time.perf_counter() - started

    context, stacked, observed, locks, price_col = _same_arrays()
    costs = Costs()

    def run(engine):
        return simulate(context.close, stacked, costs, True, observed, locks, engine, price_col)

    started = time.perf_counter()
    reference = run("vectorbt")
    vectorbt_seconds = time.perf_counter() - started
    times = []
    for _ in range(3):
        started = time.perf_counter()
        candidate = run("events")
        times.append(time.perf_counter() - started)
    events_seconds = statistics.median(times)
    want, got = reference.orders, candidate.orders
    identical = len(want) == len(got) and all(np.array_equal(want[name], got[name]) for name in want.dtype.names)
    identical = identical and np.array_equal(reference.marks, candidate.marks)

    import vectorbt as vbt

    close = _order_close(stacked.close, price_col, stacked.columns)

    def dense(frame):  # every order column's own signals (what plain vectorbt needs)
        return pd.DataFrame(frame.to_numpy()[:, stacked.signal_col], index=close.index, columns=stacked.columns)

    plain = dict(
        close=close, entries=dense(stacked.entries), exits=dense(stacked.exits),
        short_entries=dense(stacked.short_entries), short_exits=dense(stacked.short_exits),
        sl_stop=stacked.sl_stop, tp_stop=stacked.tp_stop, size=1.0,
        size_type="percent", fees=costs.fees, slippage=costs.slippage, init_cash=costs.init_cash, freq="1D",
    )  # fmt: skip
    vbt.Portfolio.from_signals(**{k: v.iloc[:, :50] if hasattr(v, "iloc") else v[:, :50] if isinstance(v, np.ndarray)
                                  else v for k, v in plain.items()})  # fmt: skip
    started = time.perf_counter()
    vbt.Portfolio.from_signals(**plain)
    plain_seconds = time.perf_counter() - started

    columns = len(stacked.columns)
    print(f"grid: {combinations} combinations x {context.close.shape[1]} assets = {columns} columns, "
          f"{len(context.close)} sessions")  # fmt: skip
    print(f"backtests.sweep, event engine (signals, rules, simulation, stats): {events_sweep:7.2f} s  "
          f"({len(table)} rows)")  # fmt: skip
    print(f"backtests.sweep, vectorbt engine:                                  {vectorbt_sweep:7.2f} s")
    print(f"peak memory (max RSS) after the event-engine sweep: {events_peak:,.0f} MB")
    print("same arrays, one simulation of every column:")
    print(f"  vectorbt from_signals + reelab's signal function: {vectorbt_seconds:8.3f} s  ({len(want)} orders)")
    print(f"  event engine (median of 3):                       {events_seconds:8.3f} s  ({len(got)} orders)")
    print(f"  plain vectorbt from_signals (no signal function): {plain_seconds:8.3f} s")
    print(f"  per backtest (one column): vectorbt {vectorbt_seconds / columns * 1e6:.1f} us, "
          f"event engine {events_seconds / columns * 1e6:.2f} us")  # fmt: skip
    from backtests import walk_forward

    small = {"horizon": [5, 10], "stop_loss": [None, 0.05], "take_profit": [None, 0.2]}
    walk_forward("event_drift", small)  # warm-up
    started = time.perf_counter()
    sweep("event_drift", small, progress=False)
    small_sweep = time.perf_counter() - started
    started = time.perf_counter()
    walk_forward("event_drift", small)
    folds_seconds = time.perf_counter() - started
    print(f"walk-forward, 8 combinations x 4 folds: {folds_seconds:.2f} s; one sweep of them: {small_sweep:.2f} s")
    peak_1e5 = _scale() if args.scale else None
    print(f"identical_orders={identical}")
    print(f"overhead_ratio={vectorbt_sweep / plain_seconds:.2f}")
    print(f"speedup_vs_vectorbt={vectorbt_seconds / events_seconds:.0f}")
    print(f"walk_forward_over_sweep={folds_seconds / small_sweep:.2f}")
    print(f"sweep_end_to_end_speedup={vectorbt_sweep / events_sweep:.1f}")
    if peak_1e5 is not None:
        print(f"peak_mb_1e5={peak_1e5:.0f}")
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
