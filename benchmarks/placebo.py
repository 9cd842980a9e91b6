"""Time placebo draws against one warm backtest of the same spec, in one process.

    python benchmarks/placebo.py [--draws 1000] [--reference-draws 40]

"now": ``ops.placebo``'s draws (every draw aligned at once and stacked on the event engine,
:mod:`backtests.ops._draws`). "reference": the implementation it replaced, kept in the tests as the
parity reference (one calendar per draw, aligned and built alone). Both give the same Sharpes.
The last line is the issue's ratio: seconds per draw over seconds per warm ``ops.run``.
"""

from __future__ import annotations

import argparse
import statistics
import time


def _seconds(function, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--reference-draws", type=int, default=40)
    args = parser.parse_args()

    from backtests import RunSpec, ops
    from backtests.data import MarketData
    from backtests.ops._draws import placebo_calendars, placebo_sharpes
    from backtests.ops._sweep import StackJob, run_stacked

    spec = RunSpec("event_drift")
    data = MarketData.load(spec)
    ops.run(spec, data)  # warm: numba kernels loaded, the context aligned
    run = _seconds(lambda: ops.run(spec, data))
    placebo_sharpes(spec, data, 10)
    now = _seconds(lambda: placebo_sharpes(spec, data, args.draws), repeats=1) / args.draws
    context = data.context(spec)
    close = context.close

    def reference() -> None:
        calendars = placebo_calendars(context.calendar, args.reference_draws, start=close.index[0],
                                      end=close.index[-1])  # fmt: skip
        run_stacked(StackJob(spec, data, [spec.resolved_params()] * args.reference_draws, calendars))

    before = _seconds(reference, repeats=1) / args.reference_draws
    print(f"default spec: {close.shape[1]} assets, {len(close)} sessions, {len(context.calendar)} events")
    print(f"one warm ops.run (median of 3):                {run * 1e3:9.1f} ms")
    print(f"placebo draw, reference ({args.reference_draws} draws, one by one): {before * 1e3:9.2f} ms "
          f"({before / run:.3f} of a run)")  # fmt: skip
    print(f"placebo draw, now ({args.draws} draws, stacked):       {now * 1e3:9.2f} ms  ({before / now:.0f}x faster)")
    print(f"placebo_draw_over_run={now / run:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
