"""Strategy templates: signal panel + prices -> vectorbt-ready entries, exits and stops.

Templates are registered by name: :func:`get` and :func:`available`.
"""

from ._event_drift import EventDriftParams, StrategySignals, asset_exposure, event_drift
from ._registry import Template, available, get, register

__all__ = [
    "EventDriftParams",
    "StrategySignals",
    "Template",
    "asset_exposure",
    "available",
    "event_drift",
    "get",
    "register",
]
