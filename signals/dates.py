"""The one date and time parser, used at every input boundary (files, Python calls, the CLI).

Dates are ISO days, ``YYYY-MM-DD``; instants add a local time, ``YYYY-MM-DDTHH:MM``. A value
that is already a ``date``, ``datetime`` or ``Timestamp`` is taken as it is. Anything else raises
:class:`~signals.errors.DateError` naming the field and the value.

>>> parse_day("2025-10-09", "asof")
Timestamp('2025-10-09 00:00:00')
>>> parse_instant("2026-03-03T09:30", "published")
(Timestamp('2026-03-03 09:30:00'), True)
>>> parse_day("2025-02-30", "start")
Traceback (most recent call last):
...
signals.errors.DateError: parameter 'start' = '2025-02-30' is invalid; expected a calendar date YYYY-MM-DD
"""

from __future__ import annotations

import re
from datetime import date, datetime

import pandas as pd

from .errors import DateError

__all__ = ["parse_asof", "parse_day", "parse_instant"]

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$")


def parse_instant(value: str | date | datetime | pd.Timestamp, name: str = "date") -> tuple[pd.Timestamp, bool]:
    """(timestamp, whether a time of day was given) from an ISO day or day and time.

    A time-zone-aware value keeps its zone; text is read as naive local time.
    """
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        return stamp, stamp != stamp.normalize()
    if isinstance(value, date):
        return pd.Timestamp(value), False
    text = str(value).strip()
    has_time = bool(_INSTANT.match(text))
    if not (has_time or _DAY.match(text)):
        raise DateError(name, text, "a date YYYY-MM-DD or a local time YYYY-MM-DDTHH:MM")
    try:
        return pd.Timestamp(datetime.fromisoformat(text)), has_time
    except ValueError:
        raise DateError(name, text, "a calendar date YYYY-MM-DD") from None


def parse_day(value: str | date | datetime | pd.Timestamp, name: str = "date") -> pd.Timestamp:
    """A naive, normalized day from an ISO date (a time of day is not accepted in text)."""
    if isinstance(value, str) and not _DAY.match(value.strip()):
        if _INSTANT.match(value.strip()):
            raise DateError(name, value, "a day YYYY-MM-DD, without a time")
        raise DateError(name, value, "a date YYYY-MM-DD")
    stamp, _ = parse_instant(value, name)
    return (stamp.tz_localize(None) if stamp.tzinfo is not None else stamp).normalize()


def parse_asof(value: str | date | datetime | pd.Timestamp, name: str = "asof") -> pd.Timestamp:
    """An as-of day: a date, or ``"today"`` (the machine's local date)."""
    if isinstance(value, str) and value.strip().lower() == "today":
        return pd.Timestamp(date.today())
    return parse_day(value, name)
