"""Strategy templates: signal panel + prices -> vectorbt-ready entries, exits, stops or weights.

Templates are registered by name: :func:`get` and :func:`available`. Every template takes a
:class:`StrategyContext` (prices, universe, aligned events, signal panel) and validated frozen
parameters, and returns :class:`StrategySignals`. A-share market rules: :func:`market_locks`.
"""

from ._base import (
    PLAN_COLUMNS,
    SKIPPED_COLUMNS,
    EventPlan,
    StrategyContext,
    StrategySignals,
    asset_exposure,
    build_context,
    default_tickers,
    entry_cells,
    plan_frame,
    skipped_frame,
    warn_examples,
)
from ._event_drift import EventDriftParams, event_drift, momentum_exits
from ._event_templates import PermitFadeParams, RelativeValueParams, permit_fade, relative_value
from ._options import black_scholes, option_value, realized_volatility
from ._regime_tilt import RegimeTiltParams, regime_tilt
from ._registry import Template, available, get, register
from ._rules import market_locks, price_limit
from ._window_optionality import WindowOptionalityParams, window_optionality

__all__ = [
    "PLAN_COLUMNS",
    "SKIPPED_COLUMNS",
    "EventDriftParams",
    "EventPlan",
    "PermitFadeParams",
    "RegimeTiltParams",
    "RelativeValueParams",
    "StrategyContext",
    "StrategySignals",
    "Template",
    "WindowOptionalityParams",
    "asset_exposure",
    "available",
    "black_scholes",
    "build_context",
    "default_tickers",
    "entry_cells",
    "event_drift",
    "get",
    "market_locks",
    "momentum_exits",
    "option_value",
    "permit_fade",
    "plan_frame",
    "price_limit",
    "realized_volatility",
    "regime_tilt",
    "register",
    "relative_value",
    "skipped_frame",
    "warn_examples",
    "window_optionality",
]
