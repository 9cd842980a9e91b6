"""Policy events: the typed record and the validated calendar with its revisions."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import time
from enum import StrEnum

import pandas as pd

from .dates import parse_day
from .errors import DuplicateEventIdError, counted

__all__ = [
    "AFTER_CLOSE",
    "LATEST_PLAUSIBLE_ZONE",
    "POLICY_TYPES",
    "SEVERITIES",
    "TIGHTENING_TYPES",
    "TYPE_CODES",
    "TYPE_COLORS",
    "Confidence",
    "Direction",
    "Event",
    "EventCalendar",
    "EventType",
    "type_color",
]

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
    #: Not China's act nor a negotiation with it, but news that moves these stocks on its own (a state deal
    #: with a producer, a minerals framework between other countries): strategies and signal panels leave
    #: it out unless asked, event studies flag or exclude the windows it overlaps.
    CONFOUNDER = "confounder"


class Direction(StrEnum):
    """Whether an event tightens or eases China's rare-earth export stance (``none``: a confounder,
    which is not China's act and signs no signal)."""

    TIGHTENING = "tightening"
    EASING = "easing"
    NONE = "none"

    @property
    def sign(self) -> int:
        """+1 for tightening, -1 for easing, 0 for none.

        >>> Direction.TIGHTENING.sign, Direction("easing").sign, Direction("none").sign
        (1, -1, 0)
        """
        return {Direction.TIGHTENING: 1, Direction.EASING: -1}.get(self, 0)


class Confidence(StrEnum):
    """How well the event's date and facts are sourced."""

    CONFIRMED = "confirmed"
    SINGLE_SOURCE = "single_source"
    UNCERTAIN = "uncertain"


SEVERITIES = (1, 2, 3)

#: Two-letter codes of the event types, used in event ids (``2025-04-04-RT``).
TYPE_CODES = {
    EventType.RESTRICTION_TIGHTENING: "RT",
    EventType.PERMIT_APPROVAL: "PA",
    EventType.NEGOTIATION_WINDOW: "NW",
    EventType.NEGOTIATION_TALKS: "NT",
    EventType.EASING_PAUSE: "EP",
    EventType.LICENSING_REFORM: "LR",
    EventType.QUOTA_CHANGE: "QC",
    EventType.WTO_DISPUTE: "WD",
    EventType.WTO_RULING: "WR",
    EventType.RETALIATION_ESCALATION: "RE",
    EventType.CONFOUNDER: "CF",
}
#: One fixed colour per event type, the same in every figure, report and notebook (tightening types red to
#: orange, easing and approvals greens, negotiations blues, WTO purples, quotas ochre, confounders grey).
TYPE_COLORS = {
    EventType.RESTRICTION_TIGHTENING: "#c0392b",
    EventType.RETALIATION_ESCALATION: "#d35400",
    EventType.QUOTA_CHANGE: "#b7950b",
    EventType.PERMIT_APPROVAL: "#16a085",
    EventType.EASING_PAUSE: "#1e8449",
    EventType.LICENSING_REFORM: "#2e86c1",
    EventType.NEGOTIATION_WINDOW: "#1f4e79",
    EventType.NEGOTIATION_TALKS: "#5dade2",
    EventType.WTO_DISPUTE: "#8e44ad",
    EventType.WTO_RULING: "#c39bd3",
    EventType.CONFOUNDER: "#7f8c8d",
}
#: The colour of a type outside the vocabulary (a user's calendar may carry one).
OTHER_TYPE_COLOR = "#2c3e50"


def type_color(kind: object) -> str:
    """The fixed colour of an event type (an :class:`EventType` or its value), from :data:`TYPE_COLORS`."""
    value = str(getattr(kind, "value", kind))
    return next((color for known, color in TYPE_COLORS.items() if known.value == value), OTHER_TYPE_COLOR)


#: The policy types: everything but confounders (what the signal panel and the templates read by default).
POLICY_TYPES = tuple(kind for kind in EventType if kind is not EventType.CONFOUNDER)
#: Types that always tighten China's export stance (quota changes, licensing reforms and WTO steps go
#: either way: see seeds/AUDIT.md).
TIGHTENING_TYPES = frozenset({EventType.RESTRICTION_TIGHTENING, EventType.RETALIATION_ESCALATION})
#: The zone given to a report whose time zone is unknown: the latest plausible one for this news
#: (New York after Beijing and Europe), which can only make an event known later, never earlier.
LATEST_PLAUSIBLE_ZONE = "America/New_York"


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
    #: A made-up event showing the format (``example: yes``, as ``reelab events template`` writes it):
    #: backtests that trade it warn (:class:`~signals.errors.ExampleEventWarning`).
    example: bool = False

    @property
    def tz(self) -> str:
        """The announcing zone's name, e.g. ``Asia/Shanghai`` (``str`` of ``announced_at``'s time zone)."""
        return str(self.announced_at.tz)

    def knowable_at(self, after_close: time = AFTER_CLOSE) -> pd.Timestamp:
        """The instant (UTC) from which a trader could act on this event.

        ``known_at`` if given, else ``announced_at``; when the time of day is unknown, that
        day at ``after_close`` in the announcing zone, which never makes an event known earlier
        than it could have been.
        """
        return knowable_instant(self.announced_at, self.known_at, self.time_of_day_known, after_close)


def knowable_instant(
    announced_at: pd.Timestamp, known_at: pd.Timestamp | None, time_of_day_known: bool, after_close: time = AFTER_CLOSE
) -> pd.Timestamp:
    """:meth:`Event.knowable_at` from its parts (an event file's row whose other fields are wrong has no Event)."""
    instant = known_at if known_at is not None else announced_at
    if not time_of_day_known:
        instant = instant.normalize() + pd.Timedelta(hours=after_close.hour, minutes=after_close.minute)
    return instant.tz_convert("UTC")


def restates(earlier: Event, later: Event) -> bool:
    """Whether ``later`` is a revision of ``earlier`` (same id): it says when it became known
    (an explicit ``known``), and that is after ``earlier`` could be known. Anything else with the
    same id is a duplicate. The one rule for event files and calendars alike."""
    return later.known_at is not None and later.knowable_at() > earlier.knowable_at()


class EventCalendar(Sequence[Event]):
    """A validated collection of events with their revisions, and a DataFrame view.

    Iterating gives the latest version of every event (as known now), sorted by announcement.
    An event id may appear more than once: each later version is a *revision* restated at a later
    ``known_at``. :meth:`asof` gives the calendar as it was known at an instant, and
    :meth:`versions` the history of one id.

    Examples
    --------
    >>> from signals import load_events
    >>> calendar = load_events()
    >>> tight = calendar.filter(types=["restriction_tightening"], start="2025-01-01")
    >>> tight.to_frame()[["type", "announced_at", "severity"]].head(2)  # doctest: +SKIP
    """

    def __init__(self, events: Iterable[Event], source: str = "<memory>", reviewed_through: pd.Timestamp | None = None):
        self.source = source
        #: The day through which the calendar's keeper looked for events (the shipped calendar's last
        #: audit); None: no more than its last event says. :func:`signals.calendar_freshness` reads it.
        self.reviewed_through = None if reviewed_through is None else pd.Timestamp(reviewed_through).normalize()
        history: dict[str, list[Event]] = {}
        for event in events:
            history.setdefault(event.id, []).append(event)
        for event_id, versions in history.items():
            versions.sort(key=lambda version: version.knowable_at())
            for earlier, later in itertools.pairwise(versions):
                if not restates(earlier, later):
                    raise DuplicateEventIdError(
                        source, None, "id", event_id,
                        "duplicate id (a revision needs a later 'known' than the version it restates):",
                    )  # fmt: skip
        self._history = {event_id: tuple(versions) for event_id, versions in history.items()}
        latest = (versions[-1] for versions in self._history.values())
        self._events = tuple(sorted(latest, key=lambda event: (event.announced_at.tz_convert("UTC"), event.id)))

    def __len__(self) -> int:
        return len(self._events)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return EventCalendar(self._events[index], self.source, self.reviewed_through)
        return self._events[index]

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def __repr__(self) -> str:
        revised = sum(len(versions) > 1 for versions in self._history.values())
        return f"EventCalendar({counted(len(self), 'event')}, {revised} revised, from {self.source})"

    @property
    def examples(self) -> tuple[str, ...]:
        """Ids of the made-up example events (``example: yes`` in any version), sorted."""
        return tuple(sorted({event.id for versions in self._history.values() for event in versions if event.example}))

    def get(self, event_id: str) -> Event:
        """The latest version of ``event_id``."""
        try:
            return self._history[event_id][-1]
        except KeyError:
            raise KeyError(f"no event with id {event_id!r} in {self.source}") from None

    def versions(self, event_id: str) -> tuple[Event, ...]:
        """Every version of ``event_id``, oldest first."""
        self.get(event_id)
        return self._history[event_id]

    @property
    def all_versions(self) -> tuple[Event, ...]:
        """Every version of every event, ordered by when it became knowable."""
        return tuple(sorted((v for vs in self._history.values() for v in vs), key=lambda v: (v.knowable_at(), v.id)))

    def asof(self, instant: str | pd.Timestamp) -> EventCalendar:
        """The calendar as known at ``instant`` (naive means UTC): later events and revisions are left out."""
        stamp = pd.Timestamp(instant)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
        known = [version for version in self.all_versions if version.knowable_at() <= stamp]
        reviewed = None if self.reviewed_through is None else min(self.reviewed_through, stamp.tz_localize(None))
        return EventCalendar(known, f"{self.source} as of {stamp.isoformat()}", reviewed)

    def merge(self, other: EventCalendar) -> EventCalendar:
        """Both calendars' events; an id in both must be a revision (a later ``known``)."""
        reviewed = [day for day in (self.reviewed_through, other.reviewed_through) if day is not None]
        return EventCalendar(self.all_versions + other.all_versions, f"{self.source} + {other.source}",
                             max(reviewed) if reviewed else None)  # fmt: skip

    def filter(
        self,
        types: Iterable[str] | None = None,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
        min_severity: int = 1,
    ) -> EventCalendar:
        """Events of the given types, announced on local days in ``[start, end]``, at least this severe.

        Revisions of the kept events are kept too.
        """
        wanted = None if types is None else {EventType(kind) for kind in types}
        first = parse_day(start, "start") if start is not None else None
        last = parse_day(end, "end") if end is not None else None
        kept = set()
        for event in self._events:
            day = event.announced_at.tz_localize(None).normalize()
            if wanted is not None and event.type not in wanted:
                continue
            if (first is not None and day < first) or (last is not None and day > last):
                continue
            if event.severity >= min_severity:
                kept.add(event.id)
        return EventCalendar([v for v in self.all_versions if v.id in kept], self.source, self.reviewed_through)

    def to_frame(self, versions: bool = False) -> pd.DataFrame:
        """One row per event (or per version), indexed by id; knowable_at is in UTC."""
        rows = [
            {
                "id": event.id,
                "type": str(event.type),
                "announced_at": event.announced_at,
                "tz": event.tz,
                "time_of_day_known": event.time_of_day_known,
                "known_at": event.known_at,
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
            for event in (self.all_versions if versions else self._events)
        ]
        columns = ["id", "type", "announced_at", "tz", "time_of_day_known", "known_at", "knowable_at"]
        columns += ["effective_at", "window_end", "direction", "severity", "elements", "countries_included"]
        columns += ["countries_excluded", "confidence", "source"]
        return pd.DataFrame(rows, columns=columns).set_index("id")
