"""One (event, asset) pair of an event study: its normal-return model, abnormal returns and CARs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from signals.errors import ParameterError

#: The normal-return models of an event study.
MODELS = ("market", "market_adjusted", "mean_adjusted")

__all__ = ["MODELS", "PairEstimate", "car_paths", "estimate_pair", "returns_on_own_sessions"]


@dataclass(frozen=True)
class PairEstimate:
    """One (event, asset) pair: its estimation-window residuals and event-window abnormal returns."""

    estimation_ar: np.ndarray  # residuals over the estimation window
    estimation_market: np.ndarray  # benchmark returns over the estimation window (market model only)
    event_ar: dict[int, float]  # relative day -> abnormal return
    event_market: dict[int, float]  # relative day -> benchmark return
    variance: float  # s^2 of the residuals
    model: str
    estimation_sessions: pd.DatetimeIndex = field(default_factory=lambda: pd.DatetimeIndex([]))
    event_sessions: pd.DatetimeIndex = field(default_factory=lambda: pd.DatetimeIndex([]))  # of the event days
    event_id: str = ""

    @property
    def length(self) -> int:
        """Number of sessions in the estimation window (L)."""
        return len(self.estimation_ar)

    def window_sessions(self, window: tuple[int, int]) -> np.ndarray:
        """The calendar sessions of a window as int64 nanoseconds (empty without sessions)."""
        if not len(self.event_sessions):
            return np.empty(0, dtype=np.int64)
        first = min(self.event_ar)
        return self.event_sessions.asi8[window[0] - first : window[1] - first + 1]

    def car(self, window: tuple[int, int]) -> float:
        """Cumulative abnormal return over ``window``: the sum of the daily abnormal returns (a fraction).

        ``window`` is (start, end) in sessions relative to session 0, both inclusive; every day in it must be
        one of the pair's event days, else ``KeyError``.
        """
        return float(sum(self.event_ar[day] for day in range(window[0], window[1] + 1)))

    @cached_property
    def _market_moments(self) -> tuple[float, float]:
        """Mean and sum of squared deviations of the benchmark's returns over the estimation window."""
        market = self.estimation_market
        return float(market.mean()), float(((market - market.mean()) ** 2).sum())

    def car_variance(self, window: tuple[int, int]) -> float:
        """Variance of :meth:`car` over ``window`` (inclusive, K sessions).

        s^2 K; for the market model plus the estimation-error terms s^2 (K^2 / L + (sum r_m - K mean r_m)^2 / Sxx),
        where L, mean r_m and Sxx come from the estimation window and sum r_m is over the window's benchmark returns.
        """
        days = window[1] - window[0] + 1
        variance = self.variance * days
        if self.model == "market":
            mean, spread = self._market_moments
            excess = sum(self.event_market[day] for day in range(window[0], window[1] + 1)) - days * mean
            variance += self.variance * (days**2 / self.length + excess**2 / spread)
        return variance

    def scar(self, window: tuple[int, int]) -> float:
        """Standardized CAR: :meth:`car` over the square root of :meth:`car_variance` (the pair's ``t_stat``)."""
        return self.car(window) / np.sqrt(self.car_variance(window))


def estimate_pair(
    asset: np.ndarray,
    market: np.ndarray,
    event_position: int,
    days: Sequence[int],
    model: str,
    estimation: int,
    gap: int,
    sessions: pd.DatetimeIndex | None = None,
) -> PairEstimate | str:
    """Fit the normal-return model before ``event_position`` and compute abnormal returns on ``days``.

    ``asset`` and ``market`` are simple returns on the asset's own sessions (same length);
    ``event_position`` indexes session 0. Returns a :class:`PairEstimate`, or the reason (a string)
    why the pair cannot be estimated.
    """
    last = event_position - gap - 1
    first = last - estimation + 1
    if first < 0:
        return "estimation window before the data"
    if event_position + max(days) >= len(asset) or event_position + min(days) < 0:
        return "event window outside the data"
    window = slice(first, last + 1)
    y, x = asset[window], market[window]
    if not (np.isfinite(y).all() and np.isfinite(x).all()):
        return "missing returns in the estimation window"
    event = {day: asset[event_position + day] for day in days}
    event_market = {day: market[event_position + day] for day in days}
    if not all(np.isfinite(list(event.values()))) or not all(np.isfinite(list(event_market.values()))):
        return "missing returns in the event window"
    if model == "market":
        import statsmodels.api as sm  # here: the spec reads MODELS without loading statsmodels

        fit = sm.OLS(y, sm.add_constant(x, has_constant="add")).fit()
        alpha, beta = fit.params
        residuals = fit.resid
        variance = fit.ssr / (len(y) - 2)
        abnormal = {day: event[day] - alpha - beta * event_market[day] for day in days}
    elif model == "market_adjusted":
        residuals = y - x
        variance = residuals.var(ddof=1)
        abnormal = {day: event[day] - event_market[day] for day in days}
    elif model == "mean_adjusted":
        residuals = y - y.mean()
        variance = y.var(ddof=1)
        abnormal = {day: event[day] - y.mean() for day in days}
    else:
        raise ParameterError("model", model, f"one of {', '.join(MODELS)}")
    estimation_sessions = sessions[window] if sessions is not None else pd.DatetimeIndex([])
    days = sorted(days)
    event_sessions = (
        sessions[event_position + days[0] : event_position + days[-1] + 1]
        if sessions is not None
        else pd.DatetimeIndex([])
    )
    return PairEstimate(np.asarray(residuals), np.asarray(x), abnormal, event_market, float(variance), model,
                        estimation_sessions, event_sessions)  # fmt: skip


def car_paths(abnormal_returns: pd.DataFrame) -> pd.DataFrame:
    """Mean CAR (cumulated from the first relative day) by event type and relative day, with a 95% band.

    ``abnormal_returns`` has the columns of :attr:`StudyResult.abnormal_returns` (or abnormal_returns.csv).
    """
    frame = abnormal_returns.sort_values("rel_day")
    frame = frame.assign(cum=frame.groupby(["event_id", "ticker"])["ar"].cumsum())
    paths = frame.groupby(["event_type", "rel_day"])["cum"].agg(["mean", "std", "count"]).reset_index()
    half = 1.96 * paths["std"] / np.sqrt(paths["count"])
    return paths.assign(low=paths["mean"] - half, high=paths["mean"] + half)


def returns_on_own_sessions(close: pd.DataFrame, ticker: str, benchmark: str) -> tuple[pd.Series, pd.Series]:
    """Simple daily returns of ``ticker`` and of its ``benchmark``, both on the ticker's own sessions.

    The ticker's sessions are the rows of ``close`` where it has a price. The benchmark is forward-filled
    over all of ``close``'s rows and then read on those sessions, so both returns span the same interval.
    Returns (asset returns, benchmark returns), indexed by the ticker's sessions; the first of each is NaN.
    """
    own = close[ticker].dropna()
    if not benchmark:  # the mean-adjusted model needs none
        return own.pct_change(), pd.Series(float("nan"), index=own.index)
    market = close[benchmark].ffill().reindex(own.index)
    return own.pct_change(), market.pct_change()
