"""The exception tree shared by every reelab package.

``signals`` is the lowest layer, so the tree lives here and ``strategies`` and ``backtests``
import it. Every error is a ``ValueError`` (bad input) and a :class:`ReelabError`, so callers
and the CLI can catch the whole family at once.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AlignmentError",
    "CalendarRangeError",
    "DuplicateEventIdError",
    "DuplicateFieldError",
    "EventFileError",
    "ExampleEventWarning",
    "HolidayFileError",
    "InvalidDateError",
    "InvalidFieldError",
    "LockTimeout",
    "MissingColumnError",
    "MissingFileError",
    "ParameterError",
    "PriceDataError",
    "PriceSourceUnavailable",
    "ReelabError",
    "ReelabWarning",
    "ResultsFileError",
    "UniverseError",
    "UnknownEventTypeError",
    "UnknownTickerError",
    "UnknownTimeZoneError",
    "WindowOrderError",
]


def counted(count: int, noun: str) -> str:
    """``1 event``, ``2 events``: a count with its noun in the number it takes.

    >>> counted(1, "event"), counted(0, "event"), counted(2, "problem")
    ('1 event', '0 events', '2 problems')
    """
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _choices(valid: Iterable[str], limit: int = 12) -> str:
    valid = list(valid)
    shown = ", ".join(valid[:limit])
    return shown + (f", ... ({len(valid)} in all)" if len(valid) > limit else "")


class ReelabError(ValueError):
    """Base class of every error reelab raises for bad input."""


class ReelabWarning(UserWarning):
    """Base class of reelab's own warnings (the test suite turns them into errors)."""


class ExampleEventWarning(ReelabWarning):
    """Example events (marked ``example: yes``, as ``reelab events template`` writes them) reach a backtest.

    They are made up to show the format, so a result or a position that trades them is not real.
    """


class MissingFileError(ReelabError, FileNotFoundError):
    """An input file or folder does not exist (or is not the kind of path expected)."""

    def __init__(self, kind: str, path: object, expected: str = "an existing file"):
        self.kind, self.path = kind, path
        super().__init__(f"{kind} {str(path)!r} not found; expected {expected}")

    __str__ = ValueError.__str__  # OSError would format its own message


class InputFileError(ReelabError):
    """A file that is not what it claims to be: a folder, too large, not text, not UTF-8."""


class EventFileError(ReelabError):
    """A problem in an event file, located by file, line and column."""

    def __init__(
        self, file: str, line: int | None, column: str, value: object, problem: str, valid=None,
        *, sentence: str | None = None,
    ):  # fmt: skip
        self.file, self.line, self.column, self.value = file, line, column, value
        self.valid = list(valid) if valid is not None else None
        where = f"{file} line {line}" if line is not None else file  # no line: events merged in memory
        if sentence is not None:  # the problem said whole, the value in it (a time zone and its suggestion)
            super().__init__(f"{where}, column {column!r}: {sentence}")
            return
        message = f"{where}, column {column!r}: {problem} {value!r}"
        if self.valid is not None:
            message += f"; expected one of: {_choices(self.valid)}"
        super().__init__(message)


class UnknownEventTypeError(EventFileError):
    """The ``type`` is not in the event-type vocabulary."""


class InvalidDateError(EventFileError):
    """A date or time in an event file could not be parsed."""


class UnknownTimeZoneError(EventFileError):
    """The ``tz`` is not an IANA time-zone name."""


class WindowOrderError(EventFileError):
    """A window ends before it starts."""


class DuplicateEventIdError(EventFileError):
    """Two events share an id."""


class DuplicateFieldError(EventFileError):
    """A CSV header names a column twice, or a JSON or YAML mapping gives a key twice.

    The readers would keep one of the two values and drop the other without a word, so the file is refused.
    """


class MissingColumnError(EventFileError):
    """A required column is absent from the file's header."""


class UnknownColumnError(EventFileError):
    """The header has a column that is not in the event-file format."""


class MalformedFileError(EventFileError):
    """The file is not valid JSON or YAML, or its structure is not a list of events."""


class UnsupportedFormatError(EventFileError):
    """The file's extension is not one of the event-file formats."""


class InvalidFieldError(EventFileError):
    """Any other field (direction, severity, confidence) holds a value outside its vocabulary."""


class HolidayFileError(EventFileError):
    """A problem in the user's holiday file (``holidays.csv``), located by line and column."""


class ResultsFileError(ReelabError):
    """A file of a saved results folder (or the folder itself) is not what reelab writes there: a missing
    column, a word among numbers, a row cut short, a config that is not an object; ``<path>: <problem>``."""

    def __init__(self, path: object, problem: str):
        self.path, self.problem = path, problem
        super().__init__(f"{path}: {problem}")


class UniverseError(ReelabError):
    """The asset universe file is malformed."""


class UnknownTickerError(ReelabError, KeyError):
    """A ticker is not in the universe."""

    def __init__(self, tickers: Iterable[str], valid: Iterable[str]):
        self.tickers = list(tickers)
        super().__init__(
            f"unknown ticker(s) {', '.join(map(repr, self.tickers))}; expected one of: {_choices(valid, 40)}"
        )

    __str__ = ValueError.__str__  # KeyError would wrap the message in quotes


class PriceDataError(ReelabError):
    """Price data violate the snapshot's contract (dates, positivity, finiteness)."""


class PriceSourceUnavailable(ReelabError):
    """The price source (Yahoo Finance) could not be reached: no network, a timeout, a refusal.

    Not the input's fault, and worth retrying later, so the command line exits 1 rather than 2.
    """

    exit_code = 1


class LockTimeout(ReelabError):
    """Another reelab process held a lock for longer than the command would wait.

    Not the input's fault, and worth retrying later, so the command line exits 1.
    """

    exit_code = 1


class CalendarRangeError(ReelabError):
    """A date lies past the last day any source knows an exchange's sessions for."""

    def __init__(self, code: str, day, bound):
        self.code, self.day, self.bound = code, day, bound
        super().__init__(
            f"{code} sessions are known only through {bound:%Y-%m-%d} and the holidays package has no financial "
            f"calendar of {code}, so nothing can be built as of {day:%Y-%m-%d}; enter its schedule in the holiday "
            f"file (see 'Sessions past the calendar's horizon' in the README), or leave out the {code} assets"
        )


class AlignmentError(ReelabError):
    """More events were dropped by session alignment than the caller's budget allows."""


class ParameterError(ReelabError):
    """A strategy or backtest parameter is outside its valid range."""

    def __init__(self, name: str, value: object, valid: str):
        self.name, self.value, self.valid = name, value, valid
        super().__init__(f"parameter {name!r} = {value!r} is invalid; expected {valid}")


class DateError(ParameterError):
    """A date or time given to a function or on the command line could not be parsed."""
