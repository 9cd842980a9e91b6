"""Policy events: the typed record, the validated calendar, and the event-file boundary."""

from __future__ import annotations

import csv
import re
import zoneinfo
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import time
from enum import StrEnum
from functools import cache
from pathlib import Path

import pandas as pd

import seeds

from .errors import (
    DuplicateEventIdError,
    InvalidDateError,
    InvalidFieldError,
    MissingColumnError,
    UnknownEventTypeError,
    UnknownTimeZoneError,
    WindowOrderError,
)

__all__ = ["AFTER_CLOSE", "Confidence", "Direction", "Event", "EventCalendar", "EventType", "load_events"]

#: When only the day of an event is known, it is taken as known at this local time in the
#: announcing zone: after the close of every major exchange (Shanghai 15:00, Tokyo 15:30,
#: Sydney and New York 16:00, London 16:30, Frankfurt and Zurich 17:30).
AFTER_CLOSE = time(18, 0)


class EventType(StrEnum):
    """The event-type vocabulary (shared with ``shared/reference/policy_events.csv``)."""

    RESTRICTION_TIGHTENING = "restriction_tightening"
    PERMIT_APPROVAL = "permit_approval"
    NEGOTIATION_WINDOW = "negotiation_window"
    NEGOTIATION_TALKS = "negotiation_talks"
    EASING_PAUSE = "easing_pause"
    LICENSING_REFORM = "licensing_reform"
    QUOTA_CHANGE = "quota_change"
    WTO_DISPUTE = "wto_dispute"
    WTO_RULING = "wto_ruling"
    RETALIATION_ESCALATION = "retaliation_escalation"


class Direction(StrEnum):
    """Whether an event tightens or eases China's rare-earth export stance."""

    TIGHTENING = "tightening"
    EASING = "easing"

    @property
    def sign(self) -> int:
        return 1 if self is Direction.TIGHTENING else -1


class Confidence(StrEnum):
    """How well the event's date and facts are sourced."""

    CONFIRMED = "confirmed"
    SINGLE_SOURCE = "single_source"
    UNCERTAIN = "uncertain"


SEVERITIES = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class Event:
    """One dated, typed, sourced policy event.

    ``announced_at`` is tz-aware in the announcing zone; when ``time_of_day_known`` is false it
    holds local midnight and only the day is meaningful. ``known_at`` (default: the
    announcement) is when a trader could know it; see :meth:`knowable_at`.
    """

    id: str
    type: EventType
    announced_at: pd.Timestamp
    direction: Direction
    severity: int
    time_of_day_known: bool = False
    known_at: pd.Timestamp | None = None
    effective_at: pd.Timestamp | None = None
    window_end: pd.Timestamp | None = None
    elements: tuple[str, ...] = ()
    countries_included: tuple[str, ...] = ()
    countries_excluded: tuple[str, ...] = ()
    confidence: Confidence = Confidence.CONFIRMED
    source: str = ""
    description: str = field(default="", repr=False)

    @property
    def tz(self) -> str:
        return str(self.announced_at.tz)

    def knowable_at(self, after_close: time = AFTER_CLOSE) -> pd.Timestamp:
        """The instant (UTC) from which a trader could act on this event.

        ``known_at`` if given, else ``announced_at``; when the time of day is unknown, that
        day at ``after_close`` in the announcing zone, which never makes an event known earlier
        than it could have been.
        """
        instant = self.known_at if self.known_at is not None else self.announced_at
        if not self.time_of_day_known:
            instant = instant.normalize() + pd.Timedelta(hours=after_close.hour, minutes=after_close.minute)
        return instant.tz_convert("UTC")


class EventCalendar(Sequence[Event]):
    """A validated collection of events, sorted by announcement, with a DataFrame view.

    Examples
    --------
    >>> from signals import load_events
    >>> calendar = load_events()
    >>> tight = calendar.filter(types=["restriction_tightening"], start="2025-01-01")
    >>> tight.to_frame()[["type", "announced_at", "severity"]].head(2)  # doctest: +SKIP
    """

    def __init__(self, events: Iterable[Event], source: str = "<memory>"):
        events = list(events)
        first_line: dict[str, int] = {}
        for position, event in enumerate(events, start=1):
            if event.id in first_line:
                raise DuplicateEventIdError(
                    source, position, "id", event.id, f"duplicate id (first at event {first_line[event.id]}):"
                )
            first_line[event.id] = position
        self._events = tuple(sorted(events, key=lambda event: (event.announced_at.tz_convert("UTC"), event.id)))
        self._by_id = {event.id: event for event in self._events}
        self.source = source

    def __len__(self) -> int:
        return len(self._events)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return EventCalendar(self._events[index], self.source)
        return self._events[index]

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def __repr__(self) -> str:
        return f"EventCalendar({len(self)} events from {self.source})"

    def get(self, event_id: str) -> Event:
        try:
            return self._by_id[event_id]
        except KeyError:
            raise KeyError(f"no event with id {event_id!r} in {self.source}") from None

    def filter(
        self,
        types: Iterable[str] | None = None,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
        min_severity: int = 1,
    ) -> EventCalendar:
        """Events of the given types, announced on local days in ``[start, end]``, at least this severe."""
        wanted = None if types is None else {EventType(kind) for kind in types}
        first = pd.Timestamp(start) if start is not None else None
        last = pd.Timestamp(end) if end is not None else None
        kept = []
        for event in self._events:
            day = event.announced_at.tz_localize(None).normalize()
            if wanted is not None and event.type not in wanted:
                continue
            if (first is not None and day < first) or (last is not None and day > last):
                continue
            if event.severity >= min_severity:
                kept.append(event)
        return EventCalendar(kept, self.source)

    def to_frame(self) -> pd.DataFrame:
        """One row per event, indexed by id; times are tz-aware (UTC for the knowable instant)."""
        rows = [
            {
                "id": event.id,
                "type": str(event.type),
                "announced_at": event.announced_at,
                "tz": event.tz,
                "time_of_day_known": event.time_of_day_known,
                "knowable_at": event.knowable_at(),
                "effective_at": event.effective_at,
                "window_end": event.window_end,
                "direction": str(event.direction),
                "severity": event.severity,
                "elements": ";".join(event.elements),
                "countries_included": ";".join(event.countries_included),
                "countries_excluded": ";".join(event.countries_excluded),
                "confidence": str(event.confidence),
                "source": event.source,
            }
            for event in self._events
        ]
        columns = ["id", "type", "announced_at", "tz", "time_of_day_known", "knowable_at", "effective_at"]
        columns += ["window_end", "direction", "severity", "elements", "countries_included", "countries_excluded"]
        columns += ["confidence", "source"]
        return pd.DataFrame(rows, columns=columns).set_index("id")


# --------------------------------------------------------------------------------------------
# The event-file boundary: every check on a user's or the shipped file happens here.

REQUIRED_COLUMNS = ("id", "type", "announced", "tz", "direction", "severity")
OPTIONAL_COLUMNS = (
    "known", "effective", "window_end", "elements", "countries_included", "countries_excluded",
    "confidence", "source", "sources", "description",
)  # fmt: skip
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


class _Row:
    """One record of an event file, with the context every error message needs."""

    def __init__(self, file: str, line: int, record: dict[str, str]):
        self.file, self.line = file, line
        self.record = {key: (value or "").strip() for key, value in record.items() if key is not None}

    def get(self, column: str) -> str:
        return self.record.get(column, "")

    def choice(self, column: str, vocabulary: type[StrEnum], error=InvalidFieldError):
        value = self.get(column)
        try:
            return vocabulary(value)
        except ValueError:
            raise error(self.file, self.line, column, value, "unknown value", [m.value for m in vocabulary]) from None

    def instant(self, column: str, tz: str, required: bool = False) -> tuple[pd.Timestamp | None, bool]:
        """Parse a local date or date-time in ``tz``; return (timestamp, has_time_of_day)."""
        value = self.get(column)
        if not value:
            if required:
                raise InvalidDateError(self.file, self.line, column, value, "missing date")
            return None, False
        has_time = bool(_DATETIME.match(value))
        if not (has_time or _DATE.match(value)):
            raise InvalidDateError(
                self.file, self.line, column, value, "bad date (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
            )
        try:
            stamp = pd.Timestamp(value)
        except ValueError:
            raise InvalidDateError(self.file, self.line, column, value, "not a calendar date") from None
        if not 1990 <= stamp.year <= 2100:
            raise InvalidDateError(self.file, self.line, column, value, "date out of range 1990-2100")
        return stamp.tz_localize(tz), has_time

    def to_event(self) -> Event:
        event_id = self.get("id")
        if not _ID.match(event_id):
            raise InvalidFieldError(self.file, self.line, "id", event_id, "bad id (letters, digits, _.:- only)")
        kind = self.choice("type", EventType, UnknownEventTypeError)
        tz = self.get("tz")
        if tz not in _time_zones():
            raise UnknownTimeZoneError(
                self.file, self.line, "tz", tz, "unknown time zone; use an IANA name like 'Asia/Shanghai'",
                ["Asia/Shanghai", "America/New_York", "Europe/Brussels", "Asia/Tokyo", "UTC", "..."],
            )  # fmt: skip
        announced_at, time_known = self.instant("announced", tz, required=True)
        known_at, known_has_time = self.instant("known", tz)
        if known_at is not None:
            time_known = known_has_time
            if known_at < announced_at:
                raise InvalidDateError(self.file, self.line, "known", self.get("known"), "known before announced:")
        effective_at, _ = self.instant("effective", tz)
        window_end, _ = self.instant("window_end", tz)
        if window_end is not None and window_end.normalize() < announced_at.normalize():
            raise WindowOrderError(
                self.file, self.line, "window_end", self.get("window_end"),
                f"window ends before it starts ({self.get('announced')}):",
            )  # fmt: skip
        if kind is EventType.NEGOTIATION_WINDOW and window_end is None:
            raise InvalidFieldError(
                self.file, self.line, "window_end", "", "a negotiation_window needs a window_end, got"
            )
        severity = self.get("severity")
        if severity not in {str(level) for level in SEVERITIES}:
            raise InvalidFieldError(self.file, self.line, "severity", severity, "bad severity", map(str, SEVERITIES))
        confidence = self.choice("confidence", Confidence) if self.get("confidence") else Confidence.CONFIRMED
        return Event(
            id=event_id,
            type=kind,
            announced_at=announced_at,
            direction=self.choice("direction", Direction),
            severity=int(severity),
            time_of_day_known=time_known,
            known_at=known_at,
            effective_at=effective_at,
            window_end=window_end,
            elements=_split(self.get("elements")),
            countries_included=_split(self.get("countries_included")),
            countries_excluded=_split(self.get("countries_excluded")),
            confidence=confidence,
            source=self.get("source"),
            description=self.get("description"),
        )


def load_events(path: str | Path | None = None) -> EventCalendar:
    """Load and validate an event file (CSV); ``None`` loads the shipped calendar.

    Raises a subclass of :class:`~signals.errors.EventFileError` naming the file, line, column
    and bad value: :class:`UnknownEventTypeError`, :class:`InvalidDateError`,
    :class:`UnknownTimeZoneError`, :class:`WindowOrderError`, :class:`DuplicateEventIdError`,
    :class:`MissingColumnError` or :class:`InvalidFieldError`.
    """
    file = Path(path) if path is not None else seeds.path("events.csv")
    name = file.name if path is None else str(file)
    events: list[Event] = []
    seen: dict[str, int] = {}
    with file.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        for column in REQUIRED_COLUMNS:
            if column not in header:
                raise MissingColumnError(name, 1, column, ",".join(header), "missing column; header is")
        unknown = [column for column in header if column not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
        if unknown:
            raise MissingColumnError(
                name, 1, unknown[0], unknown[0], "unknown column", REQUIRED_COLUMNS + OPTIONAL_COLUMNS
            )
        line = reader.line_num + 1
        for record in reader:
            event = _Row(name, line, record).to_event()
            if event.id in seen:
                raise DuplicateEventIdError(
                    name, line, "id", event.id, f"duplicate id (first on line {seen[event.id]}):"
                )
            seen[event.id] = line
            events.append(event)
            line = reader.line_num + 1
    return EventCalendar(events, name)
