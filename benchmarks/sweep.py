"""Sweep overhead: 1,000 ``event_drift`` combinations through reelab against one plain vectorbt call.

    python benchmarks/sweep.py

Both sides run in this process after a warm-up (numba compiled), on the bundled universe:
reelab's :func:`backtests.sweep` (signals for every combination, A-share rules, chunked vectorbt
calls, stats per combination x asset) and a plain ``vectorbt.Portfolio.from_signals`` call on the
same stacked arrays (simulation only). The last line is ``overhead_ratio=<reelab/plain>``.
"""

from __future__ import annotations

import dataclasses
import resource
import time

import numpy as np

GRID = {
    "horizon": list(range(1, 21)),
    "stop_loss": [None, 0.03, 0.05, 0.08, 0.12],
    "take_profit": [None, 0.05, 0.10, 0.15, 0.20, 0.30, 0.50, 0.75, 1.0, 2.0],
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    import vectorbt as vbt

    import strategies
    from backtests import Costs, MarketData, RunSpec, sweep
    from backtests._sweep import stack_signals

    combinations = int(np.prod([len(values) for values in GRID.values()]))
    sweep("event_drift", {"horizon": [5, 10], "stop_loss": [None, 0.05]}, progress=False)  # warm-up: numba

    started = time.perf_counter()
    table = sweep("event_drift", GRID, progress=False)
    reelab_seconds = time.perf_counter() - started
    reelab_peak = _peak_mb()

    # The same arrays, built outside the timing: every combination's orders (with A-share rules), stacked.
    spec = strategies.get("event_drift")
    params = [spec.params(horizon=h, stop_loss=s, take_profit=t) for h in GRID["horizon"]
              for s in GRID["stop_loss"] for t in GRID["take_profit"]]  # fmt: skip
    run_spec = RunSpec("event_drift", {})
    context = MarketData.load(run_spec).context(run_spec)
    ruled = {}
    built = []
    for parameters in params:
        signals = spec.build(context, parameters)
        if parameters.horizon not in ruled:
            ruled[parameters.horizon] = strategies.apply_market_rules(signals, context.close, context.universe)[0]
        frames = {
            n: getattr(ruled[parameters.horizon], n) for n in ("entries", "exits", "short_entries", "short_exits")
        }
        built.append(dataclasses.replace(signals, **frames))
    stacked = stack_signals(built, context.close)[0]
    costs = Costs()
    arrays = dict(
        close=stacked.close.ffill(), entries=stacked.entries, exits=stacked.exits,
        short_entries=stacked.short_entries, short_exits=stacked.short_exits,
        sl_stop=stacked.sl_stop, tp_stop=stacked.tp_stop, size=1.0, size_type="percent",
        fees=costs.fees, slippage=costs.slippage, init_cash=costs.init_cash, freq="1D",
    )  # fmt: skip
    vbt.Portfolio.from_signals(**{k: v.iloc[:, :50] if hasattr(v, "iloc") else v[:, :50] if isinstance(v, np.ndarray)
                                  else v for k, v in arrays.items()})  # fmt: skip
    started = time.perf_counter()
    portfolio = vbt.Portfolio.from_signals(**arrays)
    plain_seconds = time.perf_counter() - started
    plain_peak = _peak_mb()

    columns = stacked.close.shape[1]
    print(f"grid: {combinations} combinations x {context.close.shape[1]} assets = {columns} columns, "
          f"{len(context.close)} sessions")  # fmt: skip
    print(f"reelab sweep (signals, rules, chunked vectorbt, stats): {reelab_seconds:7.2f} s  ({len(table)} rows)")
    print(f"plain vectorbt.Portfolio.from_signals on the same arrays: {plain_seconds:7.2f} s  "
          f"({len(portfolio.order_records)} orders)")  # fmt: skip
    peaks = f"{reelab_peak:,.0f} MB after the reelab sweep, {plain_peak:,.0f} MB after the plain call"
    print(f"peak memory (max RSS): {peaks}")
    print(f"overhead_ratio={reelab_seconds / plain_seconds:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
