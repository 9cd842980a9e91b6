"""Backtests: runs, sweeps, studies and validation of strategy templates on the bundled prices.

Where things are: a run is specified by :class:`RunSpec` (:mod:`backtests.spec`), its data loaded
by :class:`MarketData` (:mod:`backtests.data`), computed by :mod:`backtests.ops` (simulated by
vectorbt in :mod:`backtests.simulation._vbt`) and saved by :mod:`backtests.results`.

Names are imported on first use, so ``import backtests`` (and the ``reelab`` command line) stays
fast: statsmodels, scipy, vectorbt and numba load only when an operation needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "FIELDS": ".prices",
    "load_price_dir": ".prices",
    "load_prices": ".prices",
    "validate_prices": ".prices",
    "METRICS": ".measures",
    "deflated_sharpe_ratio": ".measures",
    "Costs": ".simulation",
    "BacktestResult": ".ops",
    "PlaceboResult": ".ops",
    "StudyResult": ".ops",
    "SweepResult": ".ops",
    "attribution": ".ops",
    "placebo_calendars": ".ops",
    "placebo_cars": ".ops",
    # keyword wrappers over the operations (notebooks): each builds a spec, loads its data, calls the op
    "run_backtest": ".ops._run",
    "sweep": ".ops._sweep",
    "placebo_sharpe": ".ops._placebo",
    "walk_forward": ".ops._walk_forward",
    "event_study": ".ops._study",
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
