"""Study placebo speed: one placebo draw of the default event study against one whole study.

    python benchmarks/study_placebo.py [--draws 200] [--old-draws 5] [--seed 0]

Everything runs in this process on the bundled data and ``StudySpec()`` (three windows, market model):

1. The study, once to warm up (imports, exchange calendars, price files), then timed (median of 3).
2. The placebo of ``ops.study(spec, placebo=N)`` as the study now computes it
   (``backtests.ops._study._placebo_cars``: the draws' days, one alignment, market models fitted once per
   window position, every draw's CARs from one matrix, the p-values), ``--draws`` draws, median of 3.
3. The per-draw reference (tests/backtests/reference/study_placebo_reference.py: one calendar and one
   full event study per draw) on the first ``--old-draws`` draws of the same seed; ``max_abs_diff`` is
   the largest difference of their mean CARs from the new ones (same draws, same pair counts asserted).

The last line is ``study_draw_over_study=<new time per draw / one warm study>`` (the target: at most 0.01).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def timed(function, repeat: int = 1) -> tuple[float, object]:
    """Median seconds of ``repeat`` calls, and the last call's result."""
    seconds, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=200, help="placebo draws of the new implementation")
    parser.add_argument("--old-draws", type=int, default=5, help="draws of the per-draw reference (about 1 s each)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from backtests import ops
    from backtests.data import MarketData
    from backtests.ops._study import _placebo_cars
    from backtests.spec import StudySpec
    from signals import POLICY_TYPES
    from tests.backtests.reference.study_placebo_reference import placebo_cars_reference

    spec = StudySpec()
    data = MarketData.for_study(spec)
    calendar = data.calendar.filter(types=[str(kind) for kind in POLICY_TYPES])
    ops.study(spec, data)  # warm-up
    study_seconds, study = timed(lambda: ops.study(spec, data), repeat=3)
    _placebo_cars(study, calendar, 2, args.seed)  # warm-up of the placebo path
    new_seconds, new = timed(lambda: _placebo_cars(study, calendar, args.draws, args.seed), repeat=3)
    old_seconds, old = timed(lambda: placebo_cars_reference(study, calendar, args.old_draws, args.seed))

    first = new[new["draw"] < args.old_draws].sort_values(["draw", "window"], ignore_index=True)
    old = old.sort_values(["draw", "window"], ignore_index=True)
    assert first[["draw", "window", "n"]].equals(old[["draw", "window", "n"]]), "the draws or pair counts differ"
    difference = float(np.abs(first["mean_car"].to_numpy() - old["mean_car"].to_numpy()).max())
    pairs = int(new.drop_duplicates("draw")["n"].mean())

    per_new, per_old = new_seconds / args.draws, old_seconds / args.old_draws
    print(f"study (StudySpec(), warm, median of 3):          {study_seconds:8.3f} s  ({len(study.car)} CARs)")
    print(f"placebo, per-draw reference ({args.old_draws} draws):          {old_seconds:8.3f} s")
    print(f"placebo, vectorized ({args.draws} draws, median of 3):  {new_seconds:8.3f} s  (~{pairs} pairs a draw)")
    print(f"per draw: reference {per_old * 1e3:.1f} ms, vectorized {per_new * 1e3:.3f} ms "
          f"({per_old / per_new:.0f}x)")  # fmt: skip
    print(f"reference draw / study: {per_old / study_seconds:.3f}")
    print(f"max_abs_diff={difference:.3g}")
    print(f"study_draw_over_study={per_new / study_seconds:.5f}")


if __name__ == "__main__":
    main()
