"""Floor 1: pure statistics. Performance, the deflated Sharpe ratio, p-values, event-study models, group tests.

Functions of arrays and frames, reading no file and loading no price: ``_performance`` (the metrics
and the portfolio of sleeves), ``_dsr`` (Bailey & Lopez de Prado), ``_pvalue`` (placebo p-values),
``_event_study`` and ``_window_fits`` (normal-return models, one pair or many positions at once) and
``_group_tests`` (the tests of a group of pairs). statsmodels and scipy load on first use.
"""

from __future__ import annotations

from signals._lazy import lazy_exports

_EXPORTS = {
    "METRICS": "._performance",
    "PORTFOLIO": "._performance",
    "performance": "._performance",
    "periods_per_year": "._performance",
    "portfolio_index": "._performance",
    "equal_weight_index": "._performance",
    "deflated_sharpe_ratio": "._dsr",
    "empirical_p_value": "._pvalue",
    "MODELS": "._event_study",
    "PairEstimate": "._event_study",
    "car_paths": "._event_study",
    "estimate_pair": "._event_study",
    "fit_windows": "._window_fits",
    "group_tests": "._group_tests",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
