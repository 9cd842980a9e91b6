"""Scaling on Dask: a sweep and a placebo study in one process, on one worker and on two.

    python benchmarks/dask_scaling.py [--combinations 4000] [--draws 400]

Each Dask run uses a ``LocalCluster`` of single-threaded worker processes on this machine (what
``--workers N`` starts), created and warmed up (numba kernels loaded, data scattered once per
call as in real use) before the clock starts. Every distributed result is checked equal to the
one-process result. On a real cluster, pass the scheduler's address instead (see the README).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def _grid(combinations: int) -> dict[str, list]:
    losses = [None, 0.03, 0.05, 0.08, 0.12]
    profits = [None, *np.round(np.linspace(0.05, 3.0, max(1, combinations // (20 * len(losses))) - 1), 4).tolist()]
    return {"horizon": list(range(1, 21)), "stop_loss": losses, "take_profit": profits}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--combinations", type=int, default=4000, help="sweep size (default 4000)")
    parser.add_argument("--draws", type=int, default=400, help="placebo draws (default 400)")
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    from backtests import placebo_sharpe, sweep

    grid = _grid(args.combinations)
    combinations = int(np.prod([len(values) for values in grid.values()]))
    warm = {"horizon": [5, 10], "stop_loss": [None, 0.05]}

    def timed(scheduler=None):
        sweep("event_drift", warm, progress=False, scheduler=scheduler)  # warm-up: kernels loaded everywhere
        started = time.perf_counter()
        table = sweep("event_drift", grid, progress=False, scheduler=scheduler)
        swept = time.perf_counter() - started
        started = time.perf_counter()
        placebo = placebo_sharpe(draws=args.draws, seed=1, scheduler=scheduler)
        return table, swept, placebo, time.perf_counter() - started

    rows = []
    table, swept, placebo, drawn = timed()
    rows.append(("one process", swept, drawn))
    for workers in (1, 2):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
        with cluster, Client(cluster) as client:
            there, swept, placebo_there, drawn = timed(client)
        pd.testing.assert_frame_equal(there, table)
        assert placebo_there[0] == placebo[0] and np.array_equal(placebo_there[1], placebo[1])
        rows.append((f"LocalCluster, {workers} worker{'s' if workers > 1 else ''}", swept, drawn))

    print(f"sweep: {combinations} event_drift combinations x 23 assets; placebo: {args.draws} draws")
    print(f"{'':28s}{'sweep':>10s}{'placebo':>10s}")
    for name, swept, drawn in rows:
        print(f"{name:28s}{swept:9.1f}s{drawn:9.1f}s")
    print("every distributed result equals the one-process result")
    print(f"two_workers_vs_one_sweep={rows[1][1] / rows[2][1]:.2f}")
    print(f"two_workers_vs_one_placebo={rows[1][2] / rows[2][2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
