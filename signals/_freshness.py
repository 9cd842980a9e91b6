"""How current a calendar is: its last event, windows that ended with no recorded outcome, and staleness.

A calendar is the project's knowledge of what happened; when it stops being kept, signals built on it
go on as if nothing happened. :func:`calendar_freshness` says how current it is as of a day, so that
``reelab events list``, ``signals build`` (log and manifest), ``reelab status`` and the daily job
never build on a calendar that has silently gone stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ._events import POLICY_TYPES, Event, EventCalendar, EventType
from .dates import parse_day

__all__ = ["OUTCOME_LEAD_DAYS", "STALE_AFTER_DAYS", "CalendarFreshness", "calendar_freshness"]

#: A calendar whose last event and last review are both older than this (days) is stale.
STALE_AFTER_DAYS = 30
#: An event announced this many days before a window's end, or later, may be its outcome (an
#: extension, a lapse, a replacement); a window that ended with none is said.
OUTCOME_LEAD_DAYS = 7
WINDOW_TYPES = (EventType.NEGOTIATION_WINDOW, EventType.EASING_PAUSE)


def _day(event: Event) -> pd.Timestamp:
    """The local day the public could know the event."""
    instant = event.known_at if event.known_at is not None else event.announced_at
    return instant.tz_localize(None).normalize()


@dataclass(frozen=True)
class CalendarFreshness:
    """A calendar's state as of ``asof`` (see :func:`calendar_freshness`)."""

    asof: pd.Timestamp
    last_event: str | None
    last_day: pd.Timestamp | None
    ended_windows: tuple[tuple[str, pd.Timestamp], ...]  # (id, window end) of windows with no outcome yet
    stale_after: int
    reviewed_through: pd.Timestamp | None = None  # the keeper looked for events through this day

    @property
    def covered_through(self) -> pd.Timestamp | None:
        """The last day the calendar speaks for: its last event, or its review if later (up to ``asof``)."""
        days = [day for day in (self.last_day, self.reviewed_through) if day is not None]
        return min(max(days), self.asof) if days else None

    @property
    def age(self) -> int | None:
        """Days from :attr:`covered_through` to ``asof``."""
        return None if self.covered_through is None else int((self.asof - self.covered_through).days)

    @property
    def stale(self) -> bool:
        """Older than ``stale_after`` days (a calendar with no event at all is said elsewhere, not here)."""
        return self.age is not None and self.age > self.stale_after

    def _coverage(self) -> str:
        last = "no event" if self.last_event is None else f"last event {self.last_event} ({self.last_day:%Y-%m-%d})"
        if self.reviewed_through is not None:
            last += f", reviewed through {self.reviewed_through:%Y-%m-%d}"
        return last

    def warnings(self) -> list[str]:
        """One line per thing a user must know: a stale calendar, each window that ended with no outcome."""
        lines = []
        if self.stale:
            lines.append(
                f"the calendar may be stale as of {self.asof:%Y-%m-%d}: it speaks for the days through "
                f"{self.covered_through:%Y-%m-%d} ({self._coverage()}), {self.age} days before (more than "
                f"{self.stale_after}); add what happened since, or check that nothing did"
            )
        for event_id, end in self.ended_windows:
            lines.append(f"window {event_id} ended on {end:%Y-%m-%d} and the calendar records no outcome "
                         "(an extension, a lapse, a replacement)")  # fmt: skip
        return lines

    def problems(self) -> list[str]:
        """What needs a person, in a few words each (``reelab status``'s error line)."""
        found = []
        if self.stale:
            found.append(f"the event calendar speaks for the days through {self.covered_through:%Y-%m-%d} "
                         f"({self.age} days)")  # fmt: skip
        if self.ended_windows:
            found.append(f"{len(self.ended_windows)} window(s) ended with no outcome recorded")
        return found

    def report(self) -> list[str]:
        """Lines for a person (``reelab events list``, ``reelab status``): coverage, staleness, open windows."""
        lines = [f"calendar as of {self.asof:%Y-%m-%d}: {self._coverage()}"]
        if self.covered_through is not None:
            verdict = "STALE" if self.stale else "current"
            lines.append(f"  {verdict}: speaks for the days through {self.covered_through:%Y-%m-%d}, {self.age} days "
                         f"before (stale after {self.stale_after})")  # fmt: skip
        if self.ended_windows:
            lines.append("  windows that ended with no recorded outcome (an extension, a lapse, a replacement):")
            lines += [f"    {event_id}  ended {end:%Y-%m-%d}" for event_id, end in self.ended_windows]
        return lines

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as the signal manifest records it."""
        return {
            "asof": f"{self.asof:%Y-%m-%d}",
            "last_event": self.last_event,
            "last_day": None if self.last_day is None else f"{self.last_day:%Y-%m-%d}",
            "reviewed_through": None if self.reviewed_through is None else f"{self.reviewed_through:%Y-%m-%d}",
            "covered_through": None if self.covered_through is None else f"{self.covered_through:%Y-%m-%d}",
            "age_days": self.age,
            "stale_after_days": self.stale_after,
            "stale": self.stale,
            "windows_ended_without_outcome": [
                {"id": event_id, "window_end": f"{end:%Y-%m-%d}"} for event_id, end in self.ended_windows
            ],
        }


def calendar_freshness(
    calendar: EventCalendar, asof: str | pd.Timestamp, stale_after: int = STALE_AFTER_DAYS
) -> CalendarFreshness:
    """How current ``calendar`` is as of ``asof``, from what was known by then.

    The last event is the one the public knew last by ``asof``; the calendar speaks for the days
    through that event, or through its review (``reviewed_through``: the shipped calendar's audit
    looked for events through a stated day) when later; it is stale when that is more than
    ``stale_after`` days before ``asof``. A negotiation window or easing pause whose ``window_end``
    has passed is *ended without outcome* when no policy event (a confounder is not an outcome) was
    announced from :data:`OUTCOME_LEAD_DAYS` days before its end through ``asof``.

    Examples
    --------
    >>> from signals import load_events
    >>> fresh = calendar_freshness(load_events(), "2026-12-06")
    >>> fresh.last_event, f"{fresh.covered_through:%Y-%m-%d}", fresh.stale
    ('2026-06-22-RE', '2026-06-24', True)
    >>> [event_id for event_id, _ in fresh.ended_windows][:2]
    ['2025-10-30-NW', '2025-11-04-NW']
    """
    day = parse_day(asof, "asof")
    known = [event for event in calendar if _day(event) <= day]
    last = max(known, key=lambda event: (_day(event), event.id), default=None)
    ended = []
    for event in known:
        if event.type not in WINDOW_TYPES or event.window_end is None:
            continue
        end = event.window_end.tz_localize(None).normalize()
        if end > day:
            continue
        lead = end - pd.Timedelta(days=OUTCOME_LEAD_DAYS)
        outcomes = (other for other in known if other.type in POLICY_TYPES and other.id != event.id)
        if not any(lead <= _day(other) <= day for other in outcomes):
            ended.append((event.id, end))
    return CalendarFreshness(day, None if last is None else last.id, None if last is None else _day(last),
                             tuple(sorted(ended, key=lambda item: item[1])), stale_after,
                             calendar.reviewed_through)  # fmt: skip
