"""Backtests: runs, sweeps, studies and validation of strategy templates on the bundled prices.

Where things are: a run is specified by :class:`RunSpec` (:mod:`backtests.spec`), its data loaded
by :class:`MarketData` (:mod:`backtests.data`), computed by :mod:`backtests.ops` (simulated by
vectorbt in :mod:`backtests._vbt`) and saved by :mod:`backtests.results`.

Names are imported on first use, so ``import backtests`` (and the ``reelab`` command line) stays
fast: statsmodels, scipy, vectorbt and numba load only when an operation needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "FIELDS": "._prices",
    "load_price_dir": "._price_folders",
    "load_prices": "._prices",
    "validate_prices": "._prices",
    "BacktestResult": "._run",
    "run_backtest": "._run",
    "StudyResult": "._study",
    "event_study": "._study",
    "SweepResult": "._sweep",
    "sweep": "._sweep",
    "PlaceboResult": "._validation",
    "attribution": "._validation",
    "deflated_sharpe_ratio": "._validation",
    "placebo_calendars": "._validation",
    "placebo_cars": "._validation",
    "placebo_sharpe": "._validation",
    "walk_forward": "._validation",
    "METRICS": "._vbt",
    "Costs": "._vbt",
    "MarketData": ".data",
    "EventSource": ".spec",
    "RunSpec": ".spec",
    "StudySpec": ".spec",
    "build_context": "strategies",
    "default_tickers": "strategies",
}

__all__ = sorted([*_EXPORTS, "ops"])


def __getattr__(name: str) -> Any:
    if name == "ops":
        return importlib.import_module(".ops", __name__)
    if name not in _EXPORTS:
        raise AttributeError(f"module 'backtests' has no attribute {name!r}")
    module = _EXPORTS[name]
    value = getattr(importlib.import_module(module, __name__ if module.startswith(".") else None), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
