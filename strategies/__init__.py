"""Strategy templates: signal panel + prices -> vectorbt-ready entries, exits, stops or weights.

Templates are registered by name: :func:`get` and :func:`available`. Every template takes a
:class:`StrategyContext` (prices, universe, aligned events, signal panel) and validated frozen
parameters, and returns :class:`StrategySignals`. A-share market rules: :func:`apply_market_rules`.
"""

from ._base import StrategyContext, StrategySignals
from ._event_drift import EventDriftParams, asset_exposure, event_drift, momentum_exits
from ._event_templates import PermitFadeParams, RelativeValueParams, permit_fade, relative_value
from ._options import black_scholes, option_value, realized_volatility
from ._regime_tilt import RegimeTiltParams, regime_tilt
from ._registry import Template, available, get, register
from ._rules import apply_market_rules, price_limit
from ._window_optionality import WindowOptionalityParams, window_optionality

__all__ = [
    "EventDriftParams",
    "PermitFadeParams",
    "RegimeTiltParams",
    "RelativeValueParams",
    "StrategyContext",
    "StrategySignals",
    "Template",
    "WindowOptionalityParams",
    "apply_market_rules",
    "asset_exposure",
    "available",
    "black_scholes",
    "event_drift",
    "get",
    "momentum_exits",
    "option_value",
    "permit_fade",
    "price_limit",
    "realized_volatility",
    "regime_tilt",
    "register",
    "relative_value",
    "window_optionality",
]
