"""Policy events and point-in-time signals.

Events become dated, typed, sourced records (:func:`load_events`), are aligned to each
exchange's sessions (:func:`align_events`) and turned into signal panels. This package never
imports vectorbt or numba.
"""

from ._align import Alignment, align_events, calendar_bound, exchange_calendar, first_sessions_after
from ._event_files import load_events, validate_events
from ._events import AFTER_CLOSE, Confidence, Direction, Event, EventCalendar, EventType
from ._extract import Candidate, extract_events, find_dateline, link_events
from ._job import write_signals
from ._panel import SIGNALS, SignalParams, build_signals
from ._universe import CLASS_EXPOSURE, ChinaExposure, load_universe, select_tickers
from .errors import ReelabError

__all__ = [
    "AFTER_CLOSE",
    "CLASS_EXPOSURE",
    "SIGNALS",
    "Alignment",
    "Candidate",
    "ChinaExposure",
    "Confidence",
    "Direction",
    "Event",
    "EventCalendar",
    "EventType",
    "ReelabError",
    "SignalParams",
    "align_events",
    "build_signals",
    "calendar_bound",
    "exchange_calendar",
    "extract_events",
    "find_dateline",
    "first_sessions_after",
    "link_events",
    "load_events",
    "load_universe",
    "select_tickers",
    "validate_events",
    "write_signals",
]
