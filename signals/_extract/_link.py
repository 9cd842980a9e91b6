"""Linking to a calendar: which calendar event a candidate is, if any.

Decides: a candidate is a calendar event of the same type whose announcement agrees with the
candidate's date at its precision, or lies within the precision's tolerance (3 days for a day, 7
for a week, 31 for a month, 366 for a year); of several, the nearest.
"""

from __future__ import annotations

from dataclasses import replace

from .._events import EventCalendar
from ._extractor import Candidate
from ._text import _same_time

_TOLERANCE_DAYS = {"day": 3, "week": 7, "month": 31, "year": 366}


def link_events(candidates: list[Candidate], calendar: EventCalendar) -> list[Candidate]:
    """Set ``calendar_id`` to the nearest calendar event of the same type within the date tolerance."""
    linked = []
    for candidate in candidates:
        tolerance = _TOLERANCE_DAYS[candidate.precision]
        best, best_gap = None, None
        for event in calendar:
            if event.type != candidate.type:
                continue
            day = event.announced_at.date()
            close = (
                _same_time(day, "day", candidate.date, candidate.precision)
                or abs((day - candidate.date).days) <= tolerance
            )
            gap = abs((day - candidate.date).days)
            if close and (best_gap is None or gap < best_gap):
                best, best_gap = event.id, gap
        linked.append(replace(candidate, calendar_id=best))
    return linked
