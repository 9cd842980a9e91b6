"""Policy events and point-in-time signals.

Events become dated, typed, sourced records (:func:`load_events`), are aligned to each
exchange's sessions (:func:`align_events`) and turned into signal panels. This package never
imports vectorbt or numba.

Names are imported on first use, so ``import signals.errors`` and the command line's parser
stay fast (exchange_calendars loads when a calendar is needed).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Alignment": "._align",
    "CLOSE_MARGIN": "._align",
    "align_events": "._align",
    "cache_dir": "._places",
    "data_dir": "._places",
    "holiday_file": "._places",
    "lock_dir": "._places",
    "calendar_bound": "._sessions",
    "calendar_changes": "._sessions",
    "calendar_record": "._sessions",
    "check_calendar_range": "._sessions",
    "exchange_calendar": "._sessions",
    "exchange_sessions": "._sessions",
    "exchange_zone": "._sessions",
    "horizon": "._sessions",
    "session_table": "._sessions",
    "first_sessions_after": "._align",
    "session_positions": "._align",
    "knowable_instants": "._align",
    "event_file_template": "._event_files",
    "load_events": "._event_files",
    "validate_events": "._event_files",
    "AFTER_CLOSE": "._events",
    "Confidence": "._events",
    "Direction": "._events",
    "Event": "._events",
    "EventCalendar": "._events",
    "EventType": "._events",
    "Candidate": "._extract",
    "extract_events": "._extract",
    "find_dateline": "._extract",
    "link_events": "._extract",
    "Proposal": "._extract._group",
    "group_candidates": "._extract._group",
    "Scorer": "._extract._score",
    "Inbox": "._inbox",
    "build_inbox": "._inbox",
    "proposal_records": "._inbox",
    "accepted_candidates": "._review",
    "read_decisions": "._review",
    "Article": "._articles",
    "read_articles": "._articles",
    "atomic_write": "._io",
    "input_record": "._io",
    "package_versions": "._io",
    "publish_folder": "._io",
    "sha256_file": "._io",
    "write_signals": "._job",
    "AppendPlan": "._news",
    "Publication": "._news",
    "append_candidates": "._news",
    "candidate_row": "._news",
    "find_publication": "._news",
    "plan_append": "._news",
    "SIGNALS": "._panel",
    "SignalParams": "._panel",
    "build_signals": "._panel",
    "CLASS_EXPOSURE": "._universe",
    "ChinaExposure": "._universe",
    "load_universe": "._universe",
    "select_tickers": "._universe",
    "identity_span": "._universe",
    "A_SHARE_EXCHANGES": "._universe",
    "POLICY_TYPES": "._events",
    "ReelabError": ".errors",
    "CalendarFreshness": "._freshness",
    "calendar_freshness": "._freshness",
    "STALE_AFTER_DAYS": "._freshness",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'signals' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
