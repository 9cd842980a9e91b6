"""Study placebo draws at engine speed: all draws aligned at once, market models fitted once.

A study's placebo draw moves each real policy event to a random New York session (the days of
:func:`backtests.ops._draws.placebo_days`, which :func:`backtests.ops._draws.placebo_calendars` also builds its
calendars from) and measures each window's mean CAR on the study's assets and model. The reference,
:func:`backtests.ops._study.placebo_cars`, runs one :func:`backtests.ops._study.event_study` per draw;
here the draws stay arrays:

* one alignment of every draw's events, the run's placebo's (:func:`backtests.ops._draws.align_draws`),
  with the study's close rule; session 0 is then the asset's first price session from the landing one;
* one normal-return model per (asset, estimation-window position), fitted on centered windows of
  the returns (no statsmodels) and shared by every draw that puts session 0 there, with the drop
  rules of :func:`backtests.measures._event_study.estimate_pair`;
* one abnormal-return matrix per asset (window positions x relative days), its CARs per window,
  then the sum and count of every draw's CARs.

Same seed, same numbers as the reference (to rounding: see tests/backtests/test_study_placebo.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from signals import AFTER_CLOSE, Event, EventCalendar
from signals.errors import ParameterError

from ..measures._window_fits import fit_windows, valid_positions, window_cars
from ..spec import margin_delta
from ._draws import align_draws, placebo_days
from ._progress import Progress, track

if TYPE_CHECKING:  # the study module imports statsmodels: this one needs only its results
    from ._study import StudyResult

__all__ = ["placebo_mean_cars", "study_placebo_cars"]

COLUMNS = ["draw", "window", "mean_car", "n"]


def placebo_mean_cars(
    study: StudyResult, events: Sequence[Event], days: np.ndarray, close: pd.DataFrame | None = None,
    universe: pd.DataFrame | None = None, progress: Progress = None,
) -> pd.DataFrame:  # fmt: skip
    """The mean CAR of each window for every draw of ``days`` (draws x events, see :func:`placebo_days`).

    On the study's assets (those with a CAR), model, windows, estimation window and close rule, with
    ``close`` and ``universe`` (default: the study's data). One row per (draw, window): ``draw``,
    ``window`` (``start:end``), ``mean_car`` and ``n`` (pairs), the rows of
    :func:`backtests.ops._study.placebo_cars`; a draw with no pair has no row. Each asset done (all its
    draws at once) is reported to ``progress`` (:mod:`backtests.ops._progress`).
    """
    from ..measures._event_study import returns_on_own_sessions

    spec = study.spec
    if spec is None or (study.data is None and (close is None or universe is None)):
        raise ParameterError("study", "a loaded result", "a study computed in this session (its spec and data)")
    if close is None or universe is None:
        assert study.data is not None  # (checked above)
        close = close if close is not None else study.data.close
        universe = universe if universe is not None else study.data.universe
    windows = list(study.windows)
    span = (min(window[0] for window in windows), max(window[1] for window in windows))
    draws = len(days)
    tickers = sorted(study.car["ticker"].unique())
    sums, pairs = np.zeros((draws, len(windows))), np.zeros(draws, dtype=np.int64)
    measured = [t for t in tickers if universe.at[t, "benchmark"] or spec.model == "mean_adjusted"]  # as the study
    table, _ = align_draws(events, days, universe, close[measured], AFTER_CLOSE, margin_delta(spec.close_margin))
    by_asset = table.groupby("asset", sort=False)
    done = track(progress, f"placebo draws ({draws})", by_asset.ngroups, "asset")
    for ticker, rows in done.over(by_asset):
        asset_returns, market_returns = returns_on_own_sessions(close, ticker, universe.at[ticker, "benchmark"])
        zero = asset_returns.index.searchsorted(rows["session"].to_numpy())  # session 0 among its own sessions
        asset, market = asset_returns.to_numpy(float), market_returns.to_numpy(float)
        kept = valid_positions(asset, market, zero, span, spec.estimation, spec.gap)
        draw, zero = rows["draw"].to_numpy()[kept], zero[kept]
        if not len(zero):
            continue
        fitted, where = np.unique(zero, return_inverse=True)  # one fit per window position, shared by draws
        fits = fit_windows(asset, market, fitted, spec.model, spec.estimation, spec.gap)
        cars = window_cars(asset, market, fits, windows)[where.reshape(-1)]
        for column in range(len(windows)):
            sums[:, column] += np.bincount(draw, weights=cars[:, column], minlength=draws)
        pairs += np.bincount(draw, minlength=draws)
    present = np.flatnonzero(pairs)
    labels = [f"{a}:{b}" for a, b in windows]
    return pd.DataFrame({
        "draw": np.repeat(present, len(windows)),
        "window": np.tile(labels, len(present)),
        "mean_car": (sums[present] / pairs[present, None]).reshape(-1),
        "n": np.repeat(pairs[present], len(windows)),
    }, columns=COLUMNS)  # fmt: skip


def study_placebo_cars(
    study: StudyResult, calendar: EventCalendar, draws: int, seed: int = 0, progress: Progress = None
) -> pd.DataFrame:
    """The mean CAR of each window on ``draws`` placebo draws of ``calendar`` (its policy events moved to
    random New York sessions, :func:`placebo_days`): the rows of :func:`placebo_mean_cars`, equal to
    :func:`backtests.ops._study.placebo_cars` on :func:`backtests.ops._draws.placebo_calendars` of the
    same seed."""
    if draws < 1:
        raise ParameterError("draws", draws, "at least 1")
    events, days = placebo_days(calendar, draws, seed)
    return placebo_mean_cars(study, events, days, progress=progress)
