"""Performance of equity curves and of the portfolio of sleeves: the metrics every report shows."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "FLAT",
    "METRICS",
    "PORTFOLIO",
    "equal_weight_index",
    "performance",
    "periods_per_year",
    "portfolio_gains",
    "portfolio_index",
    "sleeve_spans",
]


#: The scope of the portfolio of sleeves in every stats table.
PORTFOLIO = "portfolio"
#: A return series with a smaller standard deviation is treated as flat.
FLAT = 1e-12  # a return series with a smaller standard deviation is treated as flat


METRICS = ("total_return", "cagr", "sharpe", "sortino", "max_drawdown", "trades", "win_rate", "time_invested")


def periods_per_year(index: pd.DatetimeIndex) -> float:
    """Observed rows per calendar year of ``index`` (about 252 for one exchange, more for a union)."""
    years = (index[-1] - index[0]).days / 365.25
    return (len(index) - 1) / years if years > 0 else 252.0


def sleeve_spans(prices: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) row of each column's sleeve: from the session before its first price to its last price."""
    observed = prices.notna().to_numpy()
    rows = np.arange(len(observed))[:, None]
    first = np.where(observed, rows, len(observed)).min(axis=0)
    last = np.where(observed, rows, -1).max(axis=0)
    return np.maximum(first - 1, 0), last


def portfolio_gains(values: pd.DataFrame, first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, ...]:
    """(gains, base, both): per session from the second on, the live sleeves' summed gain and their summed
    value the session before, and which sleeves count (alive on both sessions); see :func:`portfolio_index`."""
    value = values.to_numpy(dtype=float)
    rows = np.arange(len(value))[:, None]
    alive = (rows >= first[None, :]) & (rows <= last[None, :])
    both = alive[1:] & alive[:-1]
    gains = np.where(both, value[1:] - value[:-1], 0.0).sum(axis=1)
    base = np.where(both, value[:-1], 0.0).sum(axis=1)
    return gains, base, both


def portfolio_index(values: pd.DataFrame, first: np.ndarray, last: np.ndarray) -> pd.Series:
    """The portfolio of equal-capital sleeves, value-weighted, as a time-weighted index (1 at the start).

    Each session's return is the sum of the sleeves' gains over the sum of their values the
    session before, over the sleeves alive on both sessions: each sleeve weighs as much as its
    value (it is never rebalanced; equal weights rebalanced daily are :func:`equal_weight_index`).
    A sleeve counts from the session before its asset's first price (so its entry costs count) to
    its last price. Capital that arrives when a sleeve starts is not a gain, and a sleeve waiting
    for its asset's listing does not dilute the others. Each sleeve is valued in units of its own
    starting capital (its own currency: in effect currency-hedged; every sleeve starts with the same
    number), so no amounts in different currencies are ever added. The buy-and-hold benchmark's
    portfolio is formed by the same rule, and the sweep kernel (:mod:`backtests.simulation._stack_nb`) repeats it.
    """
    gains, base, _ = portfolio_gains(values, first, last)
    returns = np.divide(gains, base, out=np.zeros_like(gains), where=base > 0)
    return pd.Series(np.concatenate([[1.0], np.cumprod(1.0 + returns)]), index=values.index)


def equal_weight_index(values: pd.DataFrame, first: np.ndarray, last: np.ndarray) -> pd.Series:
    """The alternative construction: the sleeves equally weighted and rebalanced daily (1 at the start).

    Each session's return is the plain mean of the returns of the sleeves alive on both sessions
    (same spans as :func:`portfolio_index`); 0 on a session with none.
    """
    value = values.to_numpy(dtype=float)
    _, _, both = portfolio_gains(values, first, last)
    with np.errstate(divide="ignore", invalid="ignore"):
        each = np.where(both, value[1:] / value[:-1] - 1.0, 0.0)
    live = both.sum(axis=1)
    returns = np.divide(each.sum(axis=1), live, out=np.zeros(len(live)), where=live > 0)
    return pd.Series(np.concatenate([[1.0], np.cumprod(1.0 + returns)]), index=values.index)


def performance(value: pd.Series, per_year: float) -> dict[str, float]:
    """Return metrics of one equity curve via vectorbt's returns accessor.

    ``per_year`` is the number of rows per year (:func:`periods_per_year`), so ratios are
    annualized correctly on a union of exchange calendars: ``sharpe`` is the mean over the standard
    deviation (ddof 1) of the returns from the second row on, times ``sqrt(per_year)``, no risk-free rate.
    """
    value = value.dropna()
    # Returns from the second row on, relative to the first value: no artificial zero return at t0.
    accessor = value.vbt.returns.from_value(
        value.iloc[1:], init_value=value.iloc[0], freq="1D", year_freq=f"{per_year}D"
    )
    flat = not accessor.obj.std(ddof=1) > FLAT  # never traded: ratios are undefined, not infinite
    return {
        "total_return": float(accessor.total()),
        "cagr": float(accessor.annualized()),
        "sharpe": np.nan if flat else float(accessor.sharpe_ratio(risk_free=0.0, ddof=1)),
        "sortino": np.nan if flat else float(accessor.sortino_ratio(required_return=0.0)),
        "max_drawdown": float(accessor.max_drawdown()),
    }
