"""Size and power of the event-study tests when events cluster in calendar time, by simulation.

    python benchmarks/study_size.py [--draws 300] [--power-draws 100] [--seed 7] [--jobs 2] [--designs ...]
                                    [--old-kp]

The defaults take about 7 minutes on 2 cores (Monte Carlo s.e. of a 5% size 0.013); the README's
table and ``backtests.measures._group_tests.MEASURED_SIZE`` come from
``--draws 1000 --power-draws 300 --jobs 2 --old-kp`` (about 30 minutes; s.e. 0.007). Draw k is
seeded with (seed, the design's number in ``DESIGNS``, 0 for size or 1 and 2 for power, k), so a
design gives the same rates whatever the other designs run, ``--jobs`` or the order of the draws.

Each draw fits the market model to every (event, asset) pair as the study does and runs every test
of ``backtests.measures._group_tests`` (``group_tests``), plus two kept only for this simulation: Kolari &
Pynnönen's GRANK as the paper defines it (``kp_grank_t``: its variance from the event-time series
of mean ranks) and, with ``--old-kp`` in the first two designs, the Kolari-Pynnönen variant reelab
used before (``kp_average``: one average correlation applied to all N pairs; slow). Simulated
returns: a market, a sector factor on every calendar day that gives any two assets' residuals the
correlation ``rho``, and noise (residual s.d. 2% a day).

Designs where events share their dates:

* ``independent``: 40 dates x 12 assets, dates 160 sessions apart, so neither event nor estimation
  windows overlap: abnormal returns are correlated within a date and independent across dates.
* ``dense`` (like 2025's calendar): dates 30 sessions apart. Event windows never overlap, but each
  estimation window holds earlier event windows, which makes the CARs of nearby dates negatively
  correlated (a factor run in one window raises the next dates' fitted alphas).

Staggered designs, where events fall on different but nearby sessions:

* ``bursts``: 30 bursts x 8 assets, each burst 2 to 4 events on consecutive sessions (follow-up
  reports a day apart), bursts 160 sessions apart.
* ``exchanges``: 40 dates x 12 assets, half of them on an exchange the news reaches one session
  later (its factor and market lag the others' by a session, and so does its session 0).
* ``calendar``: the shipped calendar's own pattern: every (event, asset) pair the bundled study
  estimates (106 policy events, 19 assets, the real alignment rule, each asset's own sessions), on
  simulated returns: a sector factor and a market per calendar day, which the Shanghai, Shenzhen
  and Sydney listings see a session later.
* ``bundled``: the bundled prices themselves, with the calendar's pattern moved to placebo dates:
  its events in blocks (events less than 25 sessions apart stay together, with every pair's
  offset in its own asset's sessions), each block moved to a random New York session at least 25
  sessions from every real event and from the other blocks, the longest blocks first. Left out of
  a draw: the blocks that find no such room (the last, short ones: about 60 of the 1,279 pairs)
  and the pairs whose moved windows leave an asset's prices (the study would drop them: most of
  2025's pairs are of assets listed lately), so a draw holds about 460 pairs.

Size: the rejection rate at the 5% level with nothing added. Power: every event adds ``car`` (1%
and 2%) to the session-0 return of every asset it reaches (in ``bundled``, on top of the real
return), so a window that holds one event's session 0 has a true CAR of ``car``. Prints, per
design, each test's size and power in every window, then the worst size of each test over the
windows, laid out as ``backtests.measures._group_tests._MEASURED`` keeps it.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import cache, reduce
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backtests.measures._event_study import PairEstimate
from backtests.measures._group_tests import average_correlation, group_tests, kp_average_bmp_t, kp_grank_t

WINDOWS = ((-1, 1), (0, 5), (0, 20))
ESTIMATION, GAP = 120, 10
SIGMA = 0.02
CARS = (0.01, 0.02)
RELATIVE = np.arange(min(w[0] for w in WINDOWS), max(w[1] for w in WINDOWS) + 1)
#: Exchanges whose session closes before New York's: news reaches them a session later.
LATE_EXCHANGES = ("XASX", "XSHG", "XSHE")


@dataclass(frozen=True)
class Design:
    """A simulated study: ``dates`` dates (or bursts) x ``assets`` assets."""

    assets: int = 12
    dates: int = 40
    spacing: int = 160  # sessions between dates (between the first events of two bursts)
    rho: float = 0.3  # residual correlation between two assets on the same day
    car: float = 0.0  # abnormal return each event adds to the session-0 return of every asset
    burst: tuple[int, int] = (1, 1)  # events per date: uniform from .. to, on consecutive sessions
    late: int = 0  # the last ``late`` assets get the news a session later

    @property
    def sessions(self) -> int:
        return ESTIMATION + GAP + 2 + self.dates * self.spacing + 25 + self.burst[1]


def draw_pairs(design: Design, rng: np.random.Generator) -> list[PairEstimate]:
    """One simulated study: returns, then the market-model estimate of every (event, asset) pair."""
    days = pd.bdate_range("2000-01-03", periods=design.sessions)
    market = rng.normal(0.0004, 0.01, design.sessions)
    factor = rng.normal(0.0, 1.0, design.sessions)
    noise = rng.normal(0.0, 1.0, (design.assets, design.sessions))
    lag = (np.arange(design.assets) >= design.assets - design.late).astype(int)
    factors = np.vstack([np.roll(factor, shift) for shift in lag])
    residual = SIGMA * (np.sqrt(design.rho) * factors + np.sqrt(1 - design.rho) * noise)
    alpha = rng.uniform(-5e-4, 5e-4, (design.assets, 1))
    beta = rng.uniform(0.5, 1.5, (design.assets, 1))
    markets = np.vstack([np.roll(market, shift) for shift in lag])
    returns = alpha + beta * markets + residual
    sizes = np.ones(design.dates, dtype=int)
    if design.burst != (1, 1):
        sizes = rng.integers(design.burst[0], design.burst[1] + 1, design.dates)
    pairs = []
    for number, (start, size) in enumerate(zip(ESTIMATION + GAP + 2 + np.arange(design.dates) * design.spacing, sizes)):
        for event in range(size):
            name = f"date{number}" if design.burst == (1, 1) else f"date{number}.{event}"
            pairs += [(name, asset, start + event + lag[asset]) for asset in range(design.assets)]
    for _, asset, zero in pairs:
        returns[asset, zero] += design.car
    return estimate_pairs(returns, markets, [days] * design.assets, pairs)


def estimate_pairs(returns: np.ndarray, markets: np.ndarray, sessions: list[pd.DatetimeIndex], pairs) -> list:
    """The market model of every pair at once: what ``backtests.measures._event_study.estimate_pair`` computes.

    ``returns`` and ``markets``: assets x positions (each asset's own sessions, ``sessions[asset]``);
    ``pairs``: (event id, asset, session-0 position). Pairs with a missing return in their
    estimation or event window are left out.
    """
    names = [name for name, _, _ in pairs]
    assets = np.array([asset for _, asset, _ in pairs], dtype=int)[:, None]
    zeros = np.array([zero for _, _, zero in pairs], dtype=int)[:, None]
    rows = zeros + np.arange(-GAP - ESTIMATION, -GAP)
    columns = zeros + RELATIVE
    y, x = returns[assets, rows], markets[assets, rows]
    event, event_market = returns[assets, columns], markets[assets, columns]
    whole = np.isfinite(y).all(axis=1) & np.isfinite(x).all(axis=1)
    whole &= np.isfinite(event).all(axis=1) & np.isfinite(event_market).all(axis=1)
    x_mean = x.mean(axis=1, keepdims=True)
    beta = ((x - x_mean) * (y - y.mean(axis=1, keepdims=True))).sum(axis=1, keepdims=True)
    beta = beta / ((x - x_mean) ** 2).sum(axis=1, keepdims=True)
    alpha = y.mean(axis=1, keepdims=True) - beta * x_mean
    residuals = y - alpha - beta * x
    variance = (residuals**2).sum(axis=1) / (ESTIMATION - 2)
    abnormal = event - alpha - beta * event_market
    estimates = []
    for row in np.flatnonzero(whole):
        own, zero = sessions[assets[row, 0]], zeros[row, 0]
        ar = dict(zip(RELATIVE.tolist(), abnormal[row].tolist()))
        market = dict(zip(RELATIVE.tolist(), event_market[row].tolist()))
        estimation, window = (
            own[zero - GAP - ESTIMATION : zero - GAP],
            own[zero + RELATIVE[0] : zero + RELATIVE[-1] + 1],
        )
        estimates.append(
            PairEstimate(
                residuals[row], x[row], ar, market, float(variance[row]), "market", estimation, window, names[row]
            )
        )
    return estimates


# ---------------------------------------------------------------------------------------------
# The shipped calendar: its real pattern, on simulated returns or moved on the bundled prices


@dataclass(frozen=True)
class Shipped:
    """What the calendar designs share: each asset's own sessions and real returns, and every pair
    the bundled study estimates as (event id, asset number, session-0 position)."""

    assets: tuple[str, ...]
    sessions: tuple[pd.DatetimeIndex, ...]
    returns: np.ndarray  # assets x positions, NaN-padded: real returns on each asset's own sessions
    markets: np.ndarray  # the same for each asset's benchmark
    late: np.ndarray  # 1 for assets on an exchange the news reaches a session later
    pairs: tuple[tuple[str, int, int], ...]


@cache
def shipped() -> Shipped:
    """The bundled study's pairs (``event_study()`` defaults, tests skipped) on each asset's own sessions."""
    from backtests import event_study
    from backtests.measures._event_study import returns_on_own_sessions

    study = event_study(tests=False)
    data = study.data
    assert data is not None
    assets = sorted({asset for _, asset in study.pairs})
    series = [returns_on_own_sessions(data.close, asset, data.universe.at[asset, "benchmark"]) for asset in assets]
    width = max(len(own) for own, _ in series)
    returns, markets = np.full((len(assets), width), np.nan), np.full((len(assets), width), np.nan)
    for number, (own, market) in enumerate(series):
        returns[number, : len(own)], markets[number, : len(own)] = own.to_numpy(), market.to_numpy()
    sessions = tuple(own.index for own, _ in series)
    pairs = []
    for (event_id, asset), pair in study.pairs.items():
        number = assets.index(asset)
        zero = pair.event_sessions[-RELATIVE[0]]
        pairs.append((event_id, number, int(sessions[number].searchsorted(zero))))
    late = np.array([data.universe.at[asset, "exchange"] in LATE_EXCHANGES for asset in assets], dtype=int)
    return Shipped(tuple(assets), sessions, returns, markets, late, tuple(pairs))


@dataclass(frozen=True)
class Calendar:
    """``calendar`` (simulated returns on the real pattern) or ``bundled`` (real prices, moved pattern)."""

    kind: str = "calendar"
    rho: float = 0.3
    car: float = 0.0
    gap: int = 25  # events closer than this (New York sessions) move together; blocks stay this far apart


def draw_calendar(design: Calendar, rng: np.random.Generator) -> list[PairEstimate]:
    base = shipped()
    if design.kind == "calendar":
        return _simulated_calendar(base, design, rng)
    return _moved_calendar(base, design, rng)


def _simulated_calendar(base: Shipped, design: Calendar, rng: np.random.Generator) -> list[PairEstimate]:
    """Returns simulated on each asset's own sessions: factor and market accumulate over the calendar
    days since the asset's previous session, a day late on the late exchanges."""
    days = reduce(pd.DatetimeIndex.union, base.sessions)
    factor = np.concatenate([[0.0], np.cumsum(rng.normal(0.0, 1.0, len(days)))])
    market = np.concatenate([[0.0], np.cumsum(rng.normal(0.0004, 0.01, len(days)))])
    returns, markets = np.full_like(base.returns, np.nan), np.full_like(base.markets, np.nan)
    for number, own in enumerate(base.sessions):
        step = days.searchsorted(own) + 1 - base.late[number]  # cumulative sums up to this calendar day
        common = np.diff(factor[step])
        noise = rng.normal(0.0, 1.0, len(own) - 1)
        beta = rng.uniform(0.5, 1.5)
        returns[number, 1 : len(own)] = beta * np.diff(market[step]) + SIGMA * (
            np.sqrt(design.rho) * common + np.sqrt(1 - design.rho) * noise
        )
        markets[number, 1 : len(own)] = np.diff(market[step])
    for _, asset, zero in base.pairs:
        returns[asset, zero] += design.car
    return estimate_pairs(returns, markets, list(base.sessions), base.pairs)


def _blocks(base: Shipped, gap: int) -> tuple[pd.DatetimeIndex, list[list[int]], np.ndarray]:
    """New York sessions, the pairs (rows) of each block of events less than ``gap`` sessions apart, and
    every pair's session 0 as a New York session number."""
    days = pd.bdate_range(min(own[0] for own in base.sessions), max(own[-1] for own in base.sessions))
    zeros = np.array([days.searchsorted(base.sessions[asset][zero]) for _, asset, zero in base.pairs])
    events = pd.Series(zeros).groupby([name for name, _, _ in base.pairs]).min().sort_values()
    block = pd.Series(np.r_[0, np.cumsum(np.diff(events.to_numpy()) >= gap)], index=events.index)
    members = [[] for _ in range(int(block.max()) + 1)]
    for row, (name, _, _) in enumerate(base.pairs):
        members[block[name]].append(row)
    return days, members, zeros


def _moved_calendar(base: Shipped, design: Calendar, rng: np.random.Generator) -> list[PairEstimate]:
    """The real pattern in blocks, each moved to a random New York session away from every real event
    and every block already moved (``design.gap`` sessions on either side), the longest blocks first;
    a block that finds no such room is left out of the draw."""
    days, members, zeros = _blocks(base, design.gap)
    taken = np.zeros(len(days), dtype=int)
    for zero in zeros:  # real events, with their windows
        taken[max(0, zero - design.gap) : zero + design.gap] = 1
    spans = [int(zeros[rows].max() - zeros[rows].min()) for rows in members]
    moved = []
    for block in sorted(rng.permutation(len(members)), key=lambda number: -spans[number]):  # the longest first
        rows = members[block]
        first, span = int(zeros[rows].min()), spans[block]
        starts = np.arange(ESTIMATION + GAP + design.gap, len(days) - span - design.gap)
        counted = np.concatenate([[0], np.cumsum(taken)])
        free = starts[counted[starts + span + design.gap] - counted[starts - design.gap] == 0]
        if not len(free):
            continue
        start = int(rng.choice(free))
        taken[start - design.gap : start + span + design.gap] = 1
        for row in rows:
            name, asset, zero = base.pairs[row]
            own = base.sessions[asset]
            offset = zero - int(own.searchsorted(days[first]))  # in the asset's own sessions
            moved.append((name, asset, int(own.searchsorted(days[start])) + offset))
    width = base.returns.shape[1]
    inside = [(n, a, z) for n, a, z in moved if z - GAP - ESTIMATION >= 0 and z + RELATIVE[-1] < width]
    returns = base.returns.copy()
    for _, asset, zero in inside:
        returns[asset, zero] += design.car
    return estimate_pairs(returns, base.markets, list(base.sessions), inside)


# ---------------------------------------------------------------------------------------------
# Rejection rates


DESIGNS: dict[str, Design | Calendar] = {
    "independent": Design(),
    "dense": Design(spacing=30),
    "bursts": Design(assets=8, dates=30, burst=(2, 4)),
    "exchanges": Design(late=6),
    "calendar": Calendar("calendar"),
    "bundled": Calendar("bundled"),
}
#: Designs where ``--old-kp`` also measures the Kolari-Pynnönen variant reelab used before (slow).
KP_AVERAGE = ("independent", "dense")


def _draw(design: Design | Calendar, rng: np.random.Generator) -> list[PairEstimate]:
    return draw_calendar(design, rng) if isinstance(design, Calendar) else draw_pairs(design, rng)


def _hits(design: Design | Calendar, seeds: list, level: float, old_kp: bool) -> tuple[dict, int]:
    """Rejections at ``level`` of every (window, test) over the draws seeded by ``seeds``, and the pairs counted."""
    hits: dict[tuple[str, str], int] = {}
    pairs_seen = 0
    for seed in seeds:
        pairs = _draw(design, np.random.default_rng(seed))
        pairs_seen += len(pairs)
        r_bar = average_correlation(pairs) if old_kp else None
        for window, results in group_tests(pairs, WINDOWS).items():
            label = f"{window[0]}:{window[1]}"
            results.pop("clusters")
            scars = np.array([pair.scar(window) for pair in pairs])
            results["kp_grank_t"] = kp_grank_t(pairs, window, scars)
            if old_kp:
                results["kp_average"] = kp_average_bmp_t(pairs, window, r_bar)
            for test, (_, p_value) in results.items():
                hits[(label, test)] = hits.get((label, test), 0) + int(p_value < level)
    return hits, pairs_seen


def rejection_rates(
    design: Design | Calendar,
    draws: int,
    seed: int | tuple[int, ...],
    level: float = 0.05,
    jobs: int = 1,
    old_kp: bool = False,
) -> pd.DataFrame:
    """Share of draws in which each test rejects at ``level``: windows x tests (``attrs['pairs']``: mean pairs a draw).

    Draw ``k`` is seeded with ``(*seed, k)``, so the rates do not depend on ``jobs``.
    """
    seeds = [[*np.atleast_1d(seed).tolist(), draw] for draw in range(draws)]
    if isinstance(design, Calendar):
        shipped()  # loaded once, before the workers fork
    if jobs > 1:
        chunks = [seeds[start::jobs] for start in range(jobs)]
        with ProcessPoolExecutor(jobs, mp_context=get_context("fork")) as pool:
            parts = list(pool.map(_hits, [design] * jobs, chunks, [level] * jobs, [old_kp] * jobs))
    else:
        parts = [_hits(design, seeds, level, old_kp)]
    hits: dict[tuple[str, str], int] = {}
    for part, _ in parts:
        for key, value in part.items():
            hits[key] = hits.get(key, 0) + value
    table = pd.Series(hits, dtype=float).unstack() / draws
    table = table.loc[[f"{a}:{b}" for a, b in WINDOWS]]
    table.attrs["pairs"] = sum(seen for _, seen in parts) / draws
    return table


def describe(design: Design | Calendar) -> str:
    """One line on a design."""
    if isinstance(design, Calendar):
        if design.kind == "calendar":
            return f"the shipped calendar's pairs on simulated returns, rho {design.rho}"
        return "the shipped calendar's pattern moved to placebo dates on the bundled prices"
    burst = "" if design.burst == (1, 1) else f", {design.burst[0]}-{design.burst[1]} events on consecutive sessions"
    late = f", {design.late} assets a session later" if design.late else ""
    spacing = f"{design.spacing} sessions apart"
    return f"{design.dates} dates x {design.assets} assets, {spacing}{burst}{late}, rho {design.rho}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--power-draws", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--designs", default=",".join(DESIGNS))
    parser.add_argument("--old-kp", action="store_true", help="also measure kp_average in " + ", ".join(KP_AVERAGE))
    args = parser.parse_args()
    started_all = time.perf_counter()
    error = np.sqrt(0.05 * 0.95 / args.draws)
    worst: dict[str, dict[str, float]] = {}
    for name in args.designs.split(","):
        design, number = DESIGNS[name], list(DESIGNS).index(name)
        started = time.perf_counter()
        old_kp = args.old_kp and name in KP_AVERAGE
        size = rejection_rates(design, args.draws, (args.seed, number, 0), jobs=args.jobs, old_kp=old_kp)
        columns = {f"size {w}": size.loc[w] for w in size.index}
        for kind, car in enumerate(CARS, start=1):
            seed = (args.seed, number, kind)
            power = rejection_rates(replace(design, car=car), args.power_draws, seed, jobs=args.jobs, old_kp=old_kp)
            columns |= {f"power {car:.0%} {w}": power.loc[w] for w in power.index}
        table = pd.DataFrame(columns)
        print(f"\n== {name}: {describe(design)}; {size.attrs['pairs']:.0f} pairs a draw on average; "
              f"size from {args.draws} draws (Monte Carlo s.e. {error:.4f}), power from {args.power_draws} "
              f"({time.perf_counter() - started:.0f} s)")  # fmt: skip
        print(table.to_string(float_format=lambda v: f"{v:.3f}"), flush=True)
        for test in size.columns:
            worst.setdefault(test, {})[name] = float(size[test].max())
    print("\nSize at the 5% level, the worst of the windows (backtests.measures._group_tests._MEASURED):")
    print(pd.DataFrame.from_dict(worst, orient="index").to_string(float_format=lambda v: f"{v:.3f}", na_rep="-"))
    print(f"\ntotal {time.perf_counter() - started_all:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
