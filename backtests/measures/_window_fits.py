"""Normal-return models fitted once per (asset, estimation-window position), for many events at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from signals.errors import ParameterError

if TYPE_CHECKING:  # the study module imports statsmodels: this one needs only its results
    pass
from ._event_study import MODELS

__all__ = ["WindowFits", "fit_windows", "valid_positions", "window_cars"]


@dataclass(frozen=True)
class WindowFits:
    """The normal-return model of one asset at some event positions (session 0 indexes), fitted once.

    Each array has one value per position in ``positions``: the estimation window ends ``gap + 1``
    sessions before it. ``alpha`` and ``beta`` give the expected return ``alpha + beta * r_m``
    (``market``; ``market_adjusted``: 0 and 1; ``mean_adjusted``: the window's mean and 0);
    ``variance`` is the residuals' s^2; ``market_mean`` and ``market_sxx`` the benchmark's mean and
    sum of squared deviations over the window (the CAR variance terms of the market model).
    """

    positions: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    variance: np.ndarray
    market_mean: np.ndarray
    market_sxx: np.ndarray


def fit_windows(
    asset: np.ndarray, market: np.ndarray, positions: np.ndarray, model: str, estimation: int, gap: int
) -> WindowFits:  # fmt: skip
    """Fit ``model`` on the estimation window of each event position at once (what
    :func:`backtests.measures._event_study.estimate_pair` fits for one), on windows centered on their own means.

    ``positions`` must leave a whole, finite estimation window (see :func:`valid_positions`).
    """
    if model not in MODELS:
        raise ParameterError("model", model, f"one of {', '.join(MODELS)}")
    positions = np.asarray(positions, dtype=np.int64)
    first = positions - gap - estimation
    y = sliding_window_view(asset, estimation)[first]
    x = sliding_window_view(market, estimation)[first]
    x_mean = x.mean(axis=1)
    x_centered = x - x_mean[:, None]
    sxx = np.einsum("ij,ij->i", x_centered, x_centered)
    y_mean = y.mean(axis=1)
    if model == "market":
        y_centered = y - y_mean[:, None]
        beta = np.einsum("ij,ij->i", x_centered, y_centered) / sxx
        alpha = y_mean - beta * x_mean
        residuals = y_centered - beta[:, None] * x_centered
        variance = np.einsum("ij,ij->i", residuals, residuals) / (estimation - 2)
    elif model == "market_adjusted":
        alpha, beta = np.zeros(len(positions)), np.ones(len(positions))
        variance = (y - x).var(axis=1, ddof=1)
    else:
        alpha, beta = y_mean, np.zeros(len(positions))
        variance = y.var(axis=1, ddof=1)
    return WindowFits(positions, alpha, beta, variance, x_mean, sxx)


def valid_positions(
    asset: np.ndarray, market: np.ndarray, positions: np.ndarray, days: tuple[int, int], estimation: int, gap: int
) -> np.ndarray:
    """Which event positions :func:`backtests.measures._event_study.estimate_pair` would estimate (a boolean mask).

    Dropped: an estimation window before the data, event days (``days``: first and last relative
    day, inclusive) outside it, and a missing asset or benchmark return in either window.
    """
    positions = np.asarray(positions, dtype=np.int64)
    size = len(asset)
    missing = np.concatenate([[0], np.cumsum(~(np.isfinite(asset) & np.isfinite(market)))])

    def clean(first: np.ndarray, last: np.ndarray) -> np.ndarray:  # no missing return in first..last
        return missing[np.clip(last + 1, 0, size)] == missing[np.clip(first, 0, size)]

    first = positions - gap - estimation
    ok = (first >= 0) & (positions + days[1] < size) & (positions + days[0] >= 0)
    return ok & clean(first, positions - gap - 1) & clean(positions + days[0], positions + days[1])


def window_cars(
    asset: np.ndarray, market: np.ndarray, fits: WindowFits, windows: Sequence[tuple[int, int]]
) -> np.ndarray:
    """The CAR of every fitted position (rows) over each window (columns): its abnormal-return matrix
    (positions x relative days) summed over the window's days."""
    first = min(window[0] for window in windows)
    span = max(window[1] for window in windows) - first + 1
    start = fits.positions + first
    returns = sliding_window_view(asset, span)[start]
    benchmark = sliding_window_view(market, span)[start]
    abnormal = returns - fits.alpha[:, None] - fits.beta[:, None] * benchmark
    return np.stack([abnormal[:, a - first : b - first + 1].sum(axis=1) for a, b in windows], axis=1)
