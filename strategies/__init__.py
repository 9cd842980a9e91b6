"""Strategy templates: signal panel + prices -> vectorbt-ready entries, exits, stops or weights.

Templates are registered by name: :func:`get` and :func:`available`. Every template takes a
:class:`StrategyContext` (prices, universe, aligned events, signal panel) and validated frozen
parameters, and returns :class:`StrategySignals`. A-share market rules: :func:`apply_market_rules`.
"""

from ._base import StrategyContext, StrategySignals
from ._event_drift import EventDriftParams, asset_exposure, event_drift, momentum_exits
from ._registry import Template, available, get, register
from ._rules import apply_market_rules, price_limit

__all__ = [
    "EventDriftParams",
    "StrategyContext",
    "StrategySignals",
    "Template",
    "apply_market_rules",
    "asset_exposure",
    "available",
    "event_drift",
    "get",
    "momentum_exits",
    "price_limit",
    "register",
]
