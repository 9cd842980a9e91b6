"""Strategy templates: signal panel + prices -> vectorbt-ready entries, exits and stops.

Templates are registered by name: :func:`get` and :func:`available`.
"""

from ._event_drift import DEFAULT_EXPOSURE, EventDriftParams, StrategySignals, event_drift
from ._registry import Template, available, get, register

__all__ = [
    "DEFAULT_EXPOSURE",
    "EventDriftParams",
    "StrategySignals",
    "Template",
    "available",
    "event_drift",
    "get",
    "register",
]
