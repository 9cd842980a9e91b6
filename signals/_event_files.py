"""The event-file boundary: CSV, JSON and YAML event files are parsed and validated here only."""

from __future__ import annotations

import csv
import io
import json
import re
import zoneinfo
from collections.abc import Iterator
from enum import StrEnum
from functools import cache
from pathlib import Path

import pandas as pd

import seeds

from ._events import SEVERITIES, Confidence, Direction, Event, EventCalendar, EventType
from .dates import parse_instant
from .errors import (
    DateError,
    DuplicateEventIdError,
    EventFileError,
    InvalidDateError,
    InvalidFieldError,
    MalformedFileError,
    MissingColumnError,
    MissingFileError,
    UnknownColumnError,
    UnknownEventTypeError,
    UnknownTimeZoneError,
    UnsupportedFormatError,
    WindowOrderError,
)

__all__ = ["COLUMNS", "REQUIRED_COLUMNS", "load_events", "parse_events", "validate_events"]

REQUIRED_COLUMNS = ("id", "type", "announced", "tz", "direction", "severity")
OPTIONAL_COLUMNS = (
    "known", "effective", "window_end", "elements", "countries_included", "countries_excluded",
    "confidence", "source", "sources", "description",
)  # fmt: skip
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
FORMATS = (".csv", ".json", ".yaml", ".yml")
_DAY_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


def _text(value: object) -> str:
    """A JSON/YAML value as the text a CSV cell would hold (YAML parses dates and lists itself)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(_text(item) for item in value)
    return str(value).strip()


class _Row:
    """One record of an event file, with the context every error message needs."""

    def __init__(self, file: str, line: int, record: dict[str, object]):
        self.file, self.line = file, line
        self.record = {key: _text(value) for key, value in record.items() if key is not None}

    def get(self, column: str) -> str:
        return self.record.get(column, "")

    def error(self, kind: type[EventFileError], column: str, problem: str, valid=None) -> EventFileError:
        return kind(self.file, self.line, column, self.get(column), problem, valid)

    def choice(self, column: str, vocabulary: type[StrEnum], kind=InvalidFieldError):
        try:
            return vocabulary(self.get(column))
        except ValueError:
            raise self.error(kind, column, "unknown value", [member.value for member in vocabulary]) from None

    def instant(self, column: str, tz: str, required: bool = False) -> tuple[pd.Timestamp | None, bool]:
        """Parse a local date or date-time in ``tz``; return (timestamp, has_time_of_day)."""
        value = self.get(column)
        if not value:
            if required:
                raise self.error(InvalidDateError, column, "missing date")
            return None, False
        try:
            stamp, has_time = parse_instant(value, column)
        except DateError:
            problem = "bad date (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
            if _DAY_LIKE.match(value):
                problem = "not a calendar date"
            raise self.error(InvalidDateError, column, problem) from None
        if not 1990 <= stamp.year <= 2100:
            raise self.error(InvalidDateError, column, "date out of range 1990-2100")
        return stamp.tz_localize(tz), has_time

    def to_event(self) -> Event:
        event_id = self.get("id")
        if not _ID.match(event_id):
            raise self.error(InvalidFieldError, "id", "bad id (letters, digits, _.:- only)")
        kind = self.choice("type", EventType, UnknownEventTypeError)
        tz = self.get("tz")
        if tz not in _time_zones():
            raise self.error(
                UnknownTimeZoneError, "tz", "unknown time zone; use an IANA name",
                ["Asia/Shanghai", "America/New_York", "Europe/Brussels", "Asia/Tokyo", "UTC", "..."],
            )  # fmt: skip
        announced_at, time_known = self.instant("announced", tz, required=True)
        assert announced_at is not None  # required=True raises instead of returning None
        known_at, known_has_time = self.instant("known", tz)
        if known_at is not None:
            time_known = known_has_time
            if known_at < announced_at:
                raise self.error(InvalidDateError, "known", "known before announced:")
        effective_at, _ = self.instant("effective", tz)
        window_end, _ = self.instant("window_end", tz)
        if window_end is not None and window_end.normalize() < announced_at.normalize():
            raise self.error(WindowOrderError, "window_end", f"window ends before it starts ({self.get('announced')}):")
        if kind is EventType.NEGOTIATION_WINDOW and window_end is None:
            raise self.error(InvalidFieldError, "window_end", "a negotiation_window needs a window_end, got")
        severity = self.get("severity")
        if severity not in {str(level) for level in SEVERITIES}:
            raise self.error(InvalidFieldError, "severity", "bad severity", [str(level) for level in SEVERITIES])
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


def _check_header(name: str, line: int, header: list[str]) -> None:
    for column in REQUIRED_COLUMNS:
        if column not in header:
            raise MissingColumnError(name, line, column, ",".join(header), "missing column; columns are")
    unknown = [column for column in header if column not in COLUMNS]
    if unknown:
        raise UnknownColumnError(name, line, unknown[0], unknown[0], "unknown column", COLUMNS)


def _csv_records(name: str, text: str) -> Iterator[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    _check_header(name, 1, list(reader.fieldnames or []))
    line = reader.line_num + 1
    for record in reader:
        yield line, record
        line = reader.line_num + 1


def _structured_records(name: str, records: object, lines: list[int]) -> Iterator[tuple[int, dict]]:
    if isinstance(records, dict) and "events" in records:
        records = records["events"]
    if not isinstance(records, list):
        raise MalformedFileError(name, 1, "events", type(records).__name__, "expected a list of events, got")
    for position, record in enumerate(records):
        line = lines[position] if position < len(lines) else position + 1
        if not isinstance(record, dict):
            raise MalformedFileError(name, line, "event", str(record)[:40], "expected a mapping of columns, got")
        _check_header(name, line, list(record))
        yield line, record


def _records(file: Path, name: str) -> Iterator[tuple[int, dict]]:
    yield from _parse(file.read_text(encoding="utf-8-sig"), name, file.suffix.lower())


def _parse(text: str, name: str, suffix: str) -> Iterator[tuple[int, dict]]:
    if suffix == ".csv":
        yield from _csv_records(name, text)
    elif suffix == ".json":
        try:
            records = json.loads(text)
        except json.JSONDecodeError as error:
            raise MalformedFileError(name, error.lineno, "json", error.msg, "not valid JSON:") from None
        # JSON gives no line per record: number them 1, 2, ... in file order.
        yield from _structured_records(name, records, [])
    elif suffix in (".yaml", ".yml"):
        import yaml

        try:
            records = yaml.safe_load(text)
            root = yaml.compose(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            raise MalformedFileError(
                name, (mark.line + 1) if mark else 1, "yaml", str(error)[:80], "not valid YAML:"
            ) from None
        if root is not None and root.tag.endswith(":map"):
            root = next((value for key, value in root.value if key.value == "events"), root)
        lines = (
            [node.start_mark.line + 1 for node in root.value]
            if root is not None and isinstance(root.value, list)
            else []
        )
        yield from _structured_records(name, records, lines)
    else:
        raise UnsupportedFormatError(name, 1, "format", suffix, "unknown event-file format", FORMATS)


def parse_events(text: str, name: str, suffix: str = ".csv") -> EventCalendar:
    """Validate event-file ``text`` (as if read from a file called ``name``) and return its calendar."""
    return EventCalendar(_events(_parse(text, name, suffix.lower()), name, collect=False)[0], name)


def _read(path: str | Path | None, collect: bool) -> tuple[list[Event], list[EventFileError], str]:
    file = Path(path) if path is not None else seeds.path("events.csv")
    name = file.name if path is None else str(file)
    if not file.is_file():
        raise MissingFileError("event file", file, "a CSV, JSON or YAML file of events")
    events, problems = _events(_records(file, name), name, collect)
    return events, problems, name


def _events(records: Iterator[tuple[int, dict]], name: str, collect: bool) -> tuple[list[Event], list[EventFileError]]:
    events: list[Event] = []
    problems: list[EventFileError] = []
    last_seen: dict[str, tuple[int, Event]] = {}
    while True:
        try:
            line, record = next(records)
        except StopIteration:
            break
        except EventFileError as error:  # a file-level problem: nothing after it can be read
            if not collect:
                raise
            problems.append(error)
            break
        try:
            event = _Row(name, line, record).to_event()
            if event.id in last_seen:
                first_line, previous = last_seen[event.id]
                if event.knowable_at() <= previous.knowable_at():
                    raise DuplicateEventIdError(
                        name, line, "id", event.id,
                        f"duplicate id (first on line {first_line}; a revision needs a later 'known'):",
                    )  # fmt: skip
            last_seen[event.id] = (line, event)
            events.append(event)
        except EventFileError as error:
            if not collect:
                raise
            problems.append(error)
    return events, problems


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
        A subclass naming the file, line (record number for JSON), column and bad value:
        :class:`UnknownEventTypeError`, :class:`InvalidDateError`, :class:`UnknownTimeZoneError`,
        :class:`WindowOrderError`, :class:`DuplicateEventIdError`, :class:`MissingColumnError` or
        :class:`InvalidFieldError`.
    """
    events, _, name = _read(path, collect=False)
    calendar = EventCalendar(events, name)
    return load_events().merge(calendar) if merge and path is not None else calendar


def validate_events(path: str | Path) -> list[EventFileError]:
    """Every problem in an event file (empty when it is valid), each with its line number."""
    return _read(path, collect=True)[1]
