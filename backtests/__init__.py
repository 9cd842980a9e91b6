"""Backtests: price data, the vectorbt adapter, runs and reports.

vectorbt is imported only when a simulation runs, never on ``import backtests``.
"""

from ._prices import FIELDS, load_price_dir, load_prices, validate_prices
from ._run import BacktestResult, build_context, default_tickers, run_backtest
from ._study import StudyResult, event_study
from ._sweep import sweep
from ._validation import (
    attribution,
    deflated_sharpe_ratio,
    placebo_calendars,
    placebo_cars,
    placebo_sharpe,
    walk_forward,
)
from ._vbt import METRICS, Costs

__all__ = [
    "FIELDS",
    "METRICS",
    "BacktestResult",
    "Costs",
    "StudyResult",
    "attribution",
    "build_context",
    "default_tickers",
    "deflated_sharpe_ratio",
    "event_study",
    "load_price_dir",
    "load_prices",
    "placebo_calendars",
    "placebo_cars",
    "placebo_sharpe",
    "run_backtest",
    "sweep",
    "validate_prices",
    "walk_forward",
]
