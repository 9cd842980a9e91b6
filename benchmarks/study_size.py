"""Size and power of the event-study tests when events cluster in calendar time, by simulation.

    python benchmarks/study_size.py [--draws 2000] [--power-draws 500] [--seed 7]

The designs copy the bundled study's structure: a policy event hits every asset on the same date,
so abnormal returns are correlated within an event date (a sector factor on every calendar day
gives any two assets' residuals the correlation ``rho``). Each draw fits the market model to every
(date, asset) pair and runs every test of ``backtests._study_tests`` plus the Kolari-Pynnönen
variant reelab used before (``kp_average``: one average correlation applied to all N pairs).

* ``independent`` (the size check): dates 160 sessions apart, so neither event nor estimation
  windows overlap: abnormal returns are correlated within a date and independent across dates.
* ``dense`` (like 2025's calendar): dates 30 sessions apart. Event windows still never overlap,
  but each estimation window holds earlier event windows, which makes abnormal returns of nearby
  dates slightly *negatively* correlated (a factor run in one window raises the next date's
  fitted alpha).

Under the null nothing is added; for power, every pair's session 0 gets an abnormal return of
``shift`` residual standard deviations. Prints the rejection rate at the 5% level of each test and
window (size should be 5%; its Monte Carlo standard error is printed) and the power.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backtests._study import PairEstimate
from backtests._study_tests import average_correlation, group_tests, kp_average_bmp_t

WINDOWS = ((-1, 1), (0, 5), (0, 20))
ESTIMATION, GAP = 120, 10
SIGMA = 0.02


@dataclass(frozen=True)
class Design:
    assets: int = 12
    dates: int = 40
    spacing: int = 160
    rho: float = 0.3  # residual correlation between two assets on the same day
    shift: float = 0.0  # abnormal return on session 0, in residual standard deviations

    @property
    def sessions(self) -> int:
        return ESTIMATION + GAP + 2 + self.dates * self.spacing + 25


def draw_pairs(design: Design, rng: np.random.Generator) -> list[PairEstimate]:
    """One simulated study: returns, then the market-model estimate of every (date, asset) pair."""
    days = pd.bdate_range("2000-01-03", periods=design.sessions)
    market = rng.normal(0.0004, 0.01, design.sessions)
    factor = rng.normal(0.0, 1.0, design.sessions)
    noise = rng.normal(0.0, 1.0, (design.assets, design.sessions))
    residual = SIGMA * (np.sqrt(design.rho) * factor + np.sqrt(1 - design.rho) * noise)
    alpha = rng.uniform(-5e-4, 5e-4, (design.assets, 1))
    beta = rng.uniform(0.5, 1.5, (design.assets, 1))
    returns = alpha + beta * market + residual
    zeros = ESTIMATION + GAP + 2 + np.arange(design.dates) * design.spacing
    returns[:, zeros] += design.shift * SIGMA
    return estimate_all(returns, market, days, zeros)


def estimate_all(returns: np.ndarray, market: np.ndarray, days: pd.DatetimeIndex, zeros) -> list[PairEstimate]:
    """The market model of every (date, asset) pair at once: what ``backtests._study.estimate_pair`` computes."""
    relative = range(min(w[0] for w in WINDOWS), max(w[1] for w in WINDOWS) + 1)
    pairs = []
    for number, zero in enumerate(zeros):
        rows = slice(zero - GAP - ESTIMATION, zero - GAP)
        y, x = returns[:, rows], market[rows]
        x_mean = x.mean()
        beta = ((x - x_mean) * (y - y.mean(axis=1, keepdims=True))).sum(axis=1) / ((x - x_mean) ** 2).sum()
        alpha = y.mean(axis=1) - beta * x_mean
        residuals = y - alpha[:, None] - beta[:, None] * x
        variance = (residuals**2).sum(axis=1) / (ESTIMATION - 2)
        for asset in range(returns.shape[0]):
            event_ar = {day: returns[asset, zero + day] - alpha[asset] - beta[asset] * market[zero + day]
                        for day in relative}  # fmt: skip
            event_market = {day: market[zero + day] for day in relative}
            sessions = days[zero + relative[0] : zero + relative[-1] + 1]
            estimate = PairEstimate(residuals[asset], x, event_ar, event_market, float(variance[asset]), "market",
                                    days[rows], sessions, f"date{number}")  # fmt: skip
            pairs.append(estimate)
    return pairs


def rejection_rates(design: Design, draws: int, seed: int, level: float = 0.05) -> pd.DataFrame:
    """Share of draws in which each test rejects at ``level``: windows x tests."""
    rng = np.random.default_rng(seed)
    hits: dict[tuple[str, str], int] = {}
    for _ in range(draws):
        pairs = draw_pairs(design, rng)
        r_bar = average_correlation(pairs)
        for window, results in group_tests(pairs, WINDOWS).items():
            label = f"{window[0]}:{window[1]}"
            results.pop("clusters")
            results["kp_average"] = kp_average_bmp_t(pairs, window, r_bar)
            for test, (_, p_value) in results.items():
                hits[(label, test)] = hits.get((label, test), 0) + int(p_value < level)
    table = pd.Series(hits, dtype=float).unstack() / draws
    return table.loc[[f"{a}:{b}" for a, b in WINDOWS]]


DESIGNS = {"independent": Design(), "dense": Design(spacing=30)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=2000)
    parser.add_argument("--power-draws", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shift", type=float, default=0.25)
    parser.add_argument("--designs", default="independent,dense")
    args = parser.parse_args()
    error = np.sqrt(0.05 * 0.95 / args.draws)
    for name in args.designs.split(","):
        design = DESIGNS[name]
        print(f"\n== {name}: {design.dates} dates x {design.assets} assets = {design.dates * design.assets} pairs, "
              f"residual correlation {design.rho} within a date, dates {design.spacing} sessions apart")  # fmt: skip
        started = time.perf_counter()
        size = rejection_rates(design, args.draws, args.seed)
        print(f"size: rejection rate at the 5% level under the null, {args.draws} draws "
              f"(Monte Carlo s.e. {error:.4f}; {time.perf_counter() - started:.0f} s)")  # fmt: skip
        print(size.to_string(float_format=lambda v: f"{v:.3f}"))
        started = time.perf_counter()
        shifted = Design(design.assets, design.dates, design.spacing, design.rho, args.shift)
        power = rejection_rates(shifted, args.power_draws, args.seed + 1)
        print(f"power: rejection rate with a session-0 abnormal return of {args.shift} residual s.d. on every "
              f"pair, {args.power_draws} draws ({time.perf_counter() - started:.0f} s)")  # fmt: skip
        print(power.to_string(float_format=lambda v: f"{v:.3f}"))
        for window in size.index:
            for test in size.columns:
                print(f"{name}:{window}:{test} size={size.at[window, test]:.4f} power={power.at[window, test]:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
