"""The event-file boundary: CSV, JSON and YAML event files are parsed and validated here only."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TypeVar

import pandas as pd

import seeds

from ._events import SEVERITIES, Confidence, Direction, Event, EventCalendar, EventType, knowable_instant
from ._io import read_text_input
from ._structured import read_json, read_yaml
from .dates import ZONE_EXAMPLES, parse_day, parse_instant, suggest_zone, zone_problem
from .errors import (
    DateError,
    DuplicateEventIdError,
    DuplicateFieldError,
    EventFileError,
    InvalidDateError,
    InvalidFieldError,
    MalformedFileError,
    MissingColumnError,
    MissingFileError,
    ParameterError,
    UnknownColumnError,
    UnknownEventTypeError,
    UnknownTimeZoneError,
    UnsupportedFormatError,
    WindowOrderError,
)

__all__ = [
    "COLUMNS", "REQUIRED_COLUMNS", "event_file_template", "load_events", "parse_events", "validate_events",
]  # fmt: skip

REQUIRED_COLUMNS = ("id", "type", "announced", "tz", "direction", "severity")
OPTIONAL_COLUMNS = (
    "known", "effective", "window_end", "elements", "countries_included", "countries_excluded",
    "confidence", "source", "sources", "description", "example",
)  # fmt: skip
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
FORMATS = (".csv", ".json", ".yaml", ".yml")
#: Every column: (type, what it holds and its valid values). The README's event-file table says the same.
SCHEMA = {
    "id": ("text", "unique: letters, digits, _.:- (2025-04-04-RT); repeat it with a later 'known' to revise"),
    "type": ("choice", "one of: " + ", ".join(member.value for member in EventType)),
    "announced": ("date", "the day (YYYY-MM-DD) or local time (YYYY-MM-DDTHH:MM) of the announcement, in 'tz'"),
    "tz": ("time zone", "the IANA zone of the dates, e.g. Asia/Shanghai, America/New_York, UTC"),
    "direction": ("choice", "tightening or easing (of China's export stance); none for a confounder"),
    "severity": ("integer", "1 (talks, disputes), 2 or 3 (restrictions, quota cuts, windows naming rare earths)"),
    "known": ("date", "when the market could know it, if later than 'announced' (point-in-time); not before it"),
    "effective": ("date", "when the measure takes effect"),
    "window_end": ("date", "end of a negotiation window or pause: required for negotiation_window"),
    "elements": ("list", "elements or products covered, separated by ';' (e.g. Dy;Tb;magnets)"),
    "countries_included": ("list", "ISO codes the measure targets, ';'-separated, or ALL"),
    "countries_excluded": ("list", "ISO codes exempted, ';'-separated"),
    "confidence": ("choice", "confirmed (default), single_source or uncertain"),
    "source": ("text", "the URL of the main source"),
    "sources": ("text", "further URLs, separated by spaces"),
    "description": ("text", "free text"),
    "example": ("choice", "yes marks a made-up event (the starter file's two): a backtest trading one warns"),
}
#: The values of ``example`` that mark a made-up event, and those that do not (case does not matter).
EXAMPLE_YES, EXAMPLE_NO = ("yes", "true"), ("", "no", "false")
#: The starter file's events: a dated restriction, and a negotiation window known a day later.
_EXAMPLE = (
    {
        "id": "2026-01-15-RT", "type": "restriction_tightening", "announced": "2026-01-15", "tz": "Asia/Shanghai",
        "direction": "tightening", "severity": "3", "known": "", "effective": "2026-02-01", "window_end": "",
        "elements": "Dy;Tb;magnets", "countries_included": "ALL", "countries_excluded": "",
        "confidence": "confirmed", "source": "https://example.com/mofcom-announcement", "sources": "",
        "description": "MOFCOM adds dysprosium and terbium magnets to the export-licence list", "example": "yes",
    },
    {
        "id": "2026-03-02-NW", "type": "negotiation_window", "announced": "2026-03-02T09:30", "tz": "America/New_York",
        "direction": "easing", "severity": "3", "known": "2026-03-03", "effective": "", "window_end": "2026-05-31",
        "elements": "rare earths", "countries_included": "US", "countries_excluded": "",
        "confidence": "single_source", "source": "https://example.com/truce", "sources": "",
        "description": "a 90-day truce suspends the new licence requirements for US buyers", "example": "yes",
    },
)  # fmt: skip
log = logging.getLogger("reelab.signals")
_DAY_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


def _text(value: object) -> str:
    """A JSON/YAML value as the text a CSV cell would hold (YAML parses dates and lists itself)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(_text(item) for item in value)
    return str(value).strip()


_Choice = TypeVar("_Choice", bound=StrEnum)


class _Reviewed(str):
    """A JSON/YAML file's ``reviewed_through``: the day through which its keeper looked for events."""


#: What the readers yield: a record with its line, a problem that does not stop the reading
#: (a missing or unknown column, a record that is not a mapping), or the file's review day.
_Item = tuple[int, dict] | EventFileError | _Reviewed


class _Row:
    """One record of an event file, with the context every error message needs.

    :meth:`to_event` checks every field and keeps every problem in :attr:`problems`, in the order
    the fields are checked, so a caller can raise the first or report them all. Required columns
    the record lacks are reported once, with the header (:func:`_check_header`), not again here.
    """

    def __init__(self, file: str, line: int, record: dict[str, object]):
        self.file, self.line = file, line
        self.absent = frozenset(column for column in REQUIRED_COLUMNS if column not in record)
        self.record = {key: _text(value) for key, value in record.items() if key is not None}
        self.problems: list[EventFileError] = []
        #: When the row's event became knowable (UTC), where its dates and zone say so, valid or not in its
        #: other fields: what tells a revision from a repeated id (:func:`_repeated_id`).
        self.knowable: pd.Timestamp | None = None

    def get(self, column: str) -> str:
        return self.record.get(column, "")

    def report(self, kind: type[EventFileError], column: str, problem: str, valid=None) -> None:
        if column not in self.absent:
            self.problems.append(kind(self.file, self.line, column, self.get(column), problem, valid))

    def choice(
        self, column: str, vocabulary: type[_Choice], kind: type[EventFileError] = InvalidFieldError
    ) -> _Choice | None:
        try:
            return vocabulary(self.get(column))
        except ValueError:
            self.report(kind, column, "unknown value", [member.value for member in vocabulary])
            return None

    def instant(self, column: str, tz: str, required: bool = False) -> tuple[pd.Timestamp | None, bool]:
        """Parse a local date or date-time in ``tz``; return (timestamp, has_time_of_day), or (None, False)."""
        value = self.get(column)
        if not value:
            if required:
                self.report(InvalidDateError, column, "missing date")
            return None, False
        try:
            stamp, has_time = parse_instant(value, column)
        except DateError:
            problem = "bad date (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
            if _DAY_LIKE.match(value):
                problem = "not a calendar date"
            self.report(InvalidDateError, column, problem)
            return None, False
        if not 1990 <= stamp.year <= 2100:
            self.report(InvalidDateError, column, "date out of range 1990-2100")
            return None, False
        return stamp.tz_localize(tz), has_time

    def to_event(self) -> Event | None:
        """The record's event, or None when it has a problem (all of them in :attr:`problems`)."""
        event_id = self.get("id")
        if not _ID.match(event_id):
            self.report(InvalidFieldError, "id", "bad id (letters, digits, _.:- only)")
        kind = self.choice("type", EventType, UnknownEventTypeError)
        tz = self.get("tz")
        zone_wrong = zone_problem(tz)
        if zone_wrong is not None:
            if "tz" not in self.absent:  # said as typed, then what it likely means
                suggestion = suggest_zone(tz) if tz else None
                valid = [suggestion] if suggestion is not None else list(ZONE_EXAMPLES)
                problem = UnknownTimeZoneError(self.file, self.line, "tz", tz, "", valid, sentence=zone_wrong)
                self.problems.append(problem)
            tz = "UTC"  # stands in, so that the dates are still checked
        announced_at, time_known = self.instant("announced", tz, required=True)
        known_at, known_has_time = self.instant("known", tz)
        if known_at is not None:
            time_known = known_has_time
            if announced_at is not None and known_at < announced_at:
                self.report(InvalidDateError, "known", "known before announced:")
        if announced_at is not None and zone_wrong is None and (known_at is not None or not self.get("known")):
            self.knowable = knowable_instant(announced_at, known_at, time_known)
        effective_at, _ = self.instant("effective", tz)
        window_end, _ = self.instant("window_end", tz)
        if window_end is not None and announced_at is not None and window_end.normalize() < announced_at.normalize():
            self.report(WindowOrderError, "window_end", f"window ends before it starts ({self.get('announced')}):")
        if kind is EventType.NEGOTIATION_WINDOW and not self.get("window_end"):
            self.report(InvalidFieldError, "window_end", "a negotiation_window needs a window_end, got")
        direction = self.choice("direction", Direction)
        confounder = kind is EventType.CONFOUNDER
        if kind is not None and direction is not None and confounder != (direction is Direction.NONE):
            valid = ["none"] if kind is EventType.CONFOUNDER else ["tightening", "easing"]
            self.report(InvalidFieldError, "direction", f"a {kind} has direction {' or '.join(valid)}, got")
        severity = self.get("severity")
        if severity not in {str(level) for level in SEVERITIES}:
            self.report(InvalidFieldError, "severity", "bad severity", [str(level) for level in SEVERITIES])
        confidence = self.choice("confidence", Confidence) if self.get("confidence") else Confidence.CONFIRMED
        example = self.get("example").lower()
        if example not in EXAMPLE_YES + EXAMPLE_NO:
            self.report(InvalidFieldError, "example", "unknown value", ["yes", "no", "(empty)"])
        if self.problems or self.absent:
            return None
        assert kind is not None and announced_at is not None and direction is not None and confidence is not None
        return Event(
            id=event_id,
            type=kind,
            announced_at=announced_at,
            direction=direction,
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
            example=example in EXAMPLE_YES,
        )


def _check_header(name: str, line: int, header: list) -> list[EventFileError]:
    """Every required column the header lacks, every column it repeats (a CSV header can: the reader
    would keep the last one's values and drop the first's), then every column the format does not know."""
    shown = ",".join(map(str, header))
    problems: list[EventFileError] = [
        MissingColumnError(name, line, column, shown, "missing column; columns are")
        for column in REQUIRED_COLUMNS
        if column not in header
    ]
    problems += [
        DuplicateFieldError(
            name, line, str(column), str(column),
            f"duplicate column (header fields {header.index(column) + 1} and {position + 1}; "
            "one column's values would be lost):",
        )
        for position, column in enumerate(header)
        if column in header[:position]
    ]  # fmt: skip
    problems += [
        UnknownColumnError(name, line, str(column), str(column), "unknown column", COLUMNS)
        for column in header
        if column not in COLUMNS
    ]
    return problems


def _csv_records(name: str, text: str) -> Iterator[_Item]:
    # strict: an unterminated quote is an error, not a field that swallows the rows after it
    reader = csv.DictReader(io.StringIO(text), strict=True)
    line = 1
    try:
        yield from _check_header(name, 1, list(reader.fieldnames or []))
        line = reader.line_num + 1
        for record in reader:
            if None in record:  # more fields than the header has columns
                raise MalformedFileError(name, line, "csv", record[None], "more fields than columns:")
            yield line, record
            line = reader.line_num + 1
    except csv.Error as error:
        raise MalformedFileError(name, line, "csv", str(error), "not valid CSV from here:") from None


def _structured_records(
    name: str, records: object, lines: list[int], repeats: list[DuplicateFieldError]
) -> Iterator[_Item]:
    """The records of a parsed JSON or YAML file, each at its line, with the keys repeated in its
    mappings (``repeats``: found while parsing) in file order among them."""
    pending = sorted(repeats, key=lambda problem: problem.line or 0)

    def repeated_before(line: float) -> Iterator[_Item]:
        while pending and (pending[0].line or 0) < line:
            yield pending.pop(0)

    if isinstance(records, dict) and "events" in records:
        if "reviewed_through" in records:
            yield _Reviewed(_text(records["reviewed_through"]))
        records = records["events"]
    if not isinstance(records, list):
        yield from repeated_before(float("inf"))
        raise MalformedFileError(name, 1, "events", type(records).__name__, "expected a list of events, got")
    for position, record in enumerate(records):
        line = lines[position] if position < len(lines) else position + 1
        # a repeated key belongs to the record it lies in: before the next record starts
        yield from repeated_before(lines[position + 1] if position + 1 < len(lines) else float("inf"))
        if not isinstance(record, dict):
            yield MalformedFileError(name, line, "event", str(record)[:40], "expected a mapping of columns, got")
            continue
        yield from _check_header(name, line, list(record))
        yield line, record
    yield from repeated_before(float("inf"))  # an empty list (or a file that is not)


def _records(file: Path, name: str) -> Iterator[_Item]:
    yield from _parse(read_text_input(file, "event file"), name, file.suffix.lower())


def _parse(text: str, name: str, suffix: str) -> Iterator[_Item]:
    if suffix == ".csv":
        yield from _csv_records(name, text)
    elif suffix == ".json":
        records, lines, repeats = read_json(text, name)
        yield from _structured_records(name, records, lines, _repeated(name, repeats))
    elif suffix in (".yaml", ".yml"):
        records, lines, repeats = read_yaml(text, name)
        yield from _structured_records(name, records, lines, _repeated(name, repeats))
    else:
        raise UnsupportedFormatError(name, 1, "format", suffix, "unknown event-file format", FORMATS)


def _repeated(name: str, repeats: list[tuple[int, int, object]]) -> list[DuplicateFieldError]:
    """The keys a JSON or YAML mapping repeats, each at the line of its second (or later) occurrence."""
    return [
        DuplicateFieldError(
            name, line, str(key), str(key), f"duplicate key (first on line {first}; one of its values would be lost):"
        )
        for line, first, key in repeats
    ]


def event_file_template(format: str = "csv") -> str:
    """A valid starter event file, ``csv`` or ``yaml`` (the YAML one explains every column in comments).

    >>> text = event_file_template("yaml")
    >>> len(parse_events(text, "starter.yaml", ".yaml")), len(parse_events(event_file_template(), "starter.csv"))
    (2, 2)
    """
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(_EXAMPLE)
        return buffer.getvalue()
    if format != "yaml":
        raise ParameterError("format", format, "csv or yaml")
    lines = ["# reelab event file. Required: " + ", ".join(REQUIRED_COLUMNS) + "; the others may be left out.", "#"]
    lines += [f"# {column:<18} {kind:<9} {text}" for column, (kind, text) in SCHEMA.items()]
    lines += [
        "#",
        "# reviewed_through: 2026-03-31   (optional, beside 'events:') the day through which you looked for events,",
        "# so that a quiet spell is not taken for a stale calendar (reelab status, signals build)",
        "#",
        "# The two events below are made up (example: yes): replace them with yours, or delete 'example: yes'",
        "# from an event once it is real. A backtest that trades an example warns, naming it.",
        "",
        "events:",
    ]
    for event in _EXAMPLE:
        for position, (column, value) in enumerate((c, v) for c, v in event.items() if v):
            shown = value if re.fullmatch(r"[\w.:;/-]+", value) else json.dumps(value)
            lines.append(f"  {'- ' if position == 0 else '  '}{column}: {shown}")
    return "\n".join(lines) + "\n"


def parse_events(text: str, name: str, suffix: str = ".csv") -> EventCalendar:
    """Validate event-file ``text`` (as if read from a file called ``name``) and return its calendar."""
    events, _, reviewed = _events(_parse(text, name, suffix.lower()), name, collect=False)
    return EventCalendar(events, name, reviewed)


def _read(
    path: str | Path | None, collect: bool, shipped: EventCalendar | None = None
) -> tuple[list[Event], list[EventFileError], str, pd.Timestamp | None]:
    file = Path(path) if path is not None else seeds.path("events.csv")
    name = file.name if path is None else str(file)
    if not file.exists():
        raise MissingFileError("event file", file, "a CSV, JSON or YAML file of events")
    events, problems, reviewed = _events(_records(file, name), name, collect, shipped)
    return events, problems, name, reviewed


def _events(
    records: Iterator[_Item], name: str, collect: bool, shipped: EventCalendar | None = None
) -> tuple[list[Event], list[EventFileError], pd.Timestamp | None]:
    """The events of ``records`` and the file's review day; with ``collect`` every problem is kept,
    else the first is raised."""
    events: list[Event] = []
    problems: list[EventFileError] = []
    reviewed = None
    # Per id, the line (0: the shipped calendar the file is merged into), knowable instant and zone of
    # the version a repeat would revise. Rows with other problems count too: a repeated id is reported
    # with them, not only once they are fixed.
    last_seen: dict[str, tuple[int, pd.Timestamp | None, str]] = {
        event.id: (0, event.knowable_at(), event.tz) for event in shipped or ()
    }

    def found(found_problems: list[EventFileError]) -> None:
        if found_problems and not collect:
            raise found_problems[0]
        problems.extend(found_problems)

    while True:
        try:
            item = next(records)
        except StopIteration:
            break
        except EventFileError as error:  # a file-level problem: nothing after it can be read
            found([error])
            break
        if isinstance(item, EventFileError):
            found([item])
            continue
        if isinstance(item, _Reviewed):
            try:
                reviewed = parse_day(item, "reviewed_through")
            except DateError:
                problem = "expected the day YYYY-MM-DD through which the file's keeper looked for events, got"
                found([InvalidDateError(name, 1, "reviewed_through", str(item), problem)])
            continue
        line, record = item
        row = _Row(name, line, record)
        event = row.to_event()
        found(row.problems)
        event_id = row.get("id")
        if not _ID.match(event_id):
            continue
        repeat = _repeated_id(row, *last_seen[event_id]) if event_id in last_seen else None
        if repeat is not None:
            found([repeat])
            continue
        if row.knowable is not None or event_id not in last_seen:
            last_seen[event_id] = (line, row.knowable, row.get("tz"))
        if event is not None:
            events.append(event)
    return events, problems, reviewed


def _repeated_id(row: _Row, first_line: int, earlier: pd.Timestamp | None, zone: str) -> DuplicateEventIdError | None:
    """The problem of a row repeating an id seen before (on ``first_line``, knowable at ``earlier`` in
    ``zone``), or None when it is a revision: it has a ``known``, and after ``earlier``
    (:func:`signals._events.restates`). Rows whose dates cannot be read yet are not judged."""
    where = f"on line {first_line}" if first_line else "in the shipped calendar"
    since = "later" if earlier is None else f"later than {earlier.tz_convert(zone):%Y-%m-%d %H:%M} {zone}"
    if not row.get("known"):
        problem = f"duplicate id (first {where}; a revision needs a 'known' {since}, or give it another id):"
    elif row.knowable is not None and earlier is not None and row.knowable <= earlier:
        problem = f"duplicate id (first {where}; a revision needs a 'known' {since}, got {row.get('known')}):"
    else:
        return None
    return DuplicateEventIdError(row.file, row.line, "id", row.get("id"), problem)


def load_events(path: str | Path | None = None, merge: bool = False) -> EventCalendar:
    """Load and validate an event file; ``None`` loads the shipped calendar.

    Parameters
    ----------
    path : str or Path, optional
        A CSV, JSON or YAML file with the columns of ``seeds/events.csv`` (JSON/YAML: a list of
        mappings, or ``{"events": [...]}``). Repeating an id with a later ``known`` is a revision.
    merge : bool
        Add the file's events to the shipped calendar instead of replacing it.

    Raises
    ------
    EventFileError
        A subclass naming the file, line, column and bad value:
        :class:`UnknownEventTypeError`, :class:`InvalidDateError`, :class:`UnknownTimeZoneError`,
        :class:`WindowOrderError`, :class:`DuplicateEventIdError`, :class:`DuplicateFieldError` (a
        column or key given twice), :class:`MissingColumnError` or :class:`InvalidFieldError`.

    Notes
    -----
    A user file with no events is not an error, but a warning on the ``reelab.signals`` logger.
    """
    calendar, warnings = read_calendar(path, merge)
    for warning in warnings:
        log.warning("%s", warning)
    return calendar


#: The shipped calendar's review: the day through which its audit looked for events (seeds/AUDIT.md).
REVIEW = "calendar_review.json"


@cache
def _shipped_review() -> pd.Timestamp | None:
    path = seeds.path(REVIEW)
    if not path.is_file():
        return None
    return pd.Timestamp(json.loads(path.read_text(encoding="utf-8"))["reviewed_through"])


def read_calendar(path: str | Path | None = None, merge: bool = False) -> tuple[EventCalendar, list[str]]:
    """What :func:`load_events` returns, and the warnings it logs (for a caller that records them).

    The one warning: the user's file holds no events (a header-only CSV, ``[]``, ``events: []``),
    so every signal is zero or, merged, only the shipped calendar's events count. Not an error
    (a file may be emptied on purpose), but never silent.
    """
    shipped = read_calendar()[0] if merge and path is not None else None
    events, _, name, reviewed = _read(path, collect=False, shipped=shipped)
    calendar = EventCalendar(events, name, _shipped_review() if path is None else reviewed)
    warnings = []
    if path is not None and not events:
        consequence = "only the shipped calendar's events are used" if merge else "every signal is zero"
        warnings.append(f"the event file {name} holds no events: {consequence}")
    return (shipped.merge(calendar) if shipped is not None else calendar), warnings


def validate_events(path: str | Path, merge: bool = False) -> list[EventFileError]:
    """Every problem in an event file (empty when it is valid), each with its line number.

    With ``merge``, the file is checked as :func:`load_events` merges it into the shipped calendar: an id
    the shipped calendar has is a revision only with a ``known`` later than the shipped version's.
    """
    return _read(path, collect=True, shipped=read_calendar()[0] if merge else None)[1]
