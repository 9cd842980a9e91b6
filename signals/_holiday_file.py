"""The user's holiday file: exchange schedules entered by hand, overriding every other source of sessions.

A desk enters an exchange's official schedule the day it is published (Shanghai and Shenzhen publish
the next year's holidays in December), before any library release carries it. One CSV row per day::

    exchange,date,status,source
    XSHG,2027-02-08,closed,https://www.sse.com.cn/disclosure/announcement/general/
    XSHG,2027-02-09,closed,https://www.sse.com.cn/disclosure/announcement/general/
    XSHG,2027-12-31,official_through,https://www.sse.com.cn/disclosure/announcement/general/

``exchange``
    a calendar code, as in the universe (XSHG, XSHE, XASX, XNYS, XTSE, ...).
``date``
    ``YYYY-MM-DD``.
``status``
    ``closed``: no session that day; ``open``: a session that day, at the exchange's regular hours;
    ``official_through``: this file's schedule of the exchange is complete through that day, so past
    exchange_calendars' horizon every weekday up to it that is not ``closed`` is an official session
    (not a provisional one). One such row per exchange at most.
``source`` (optional)
    where the schedule was published.

The file is ``$REELAB_HOLIDAYS``, else ``<data dir>/holidays.csv``. Any problem is a
:class:`~signals.errors.HolidayFileError` naming the line and the column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from ._io import read_text_input, sha256_file
from .dates import parse_day
from .errors import DateError, HolidayFileError

__all__ = ["COLUMNS", "STATUSES", "UserSchedule", "read_holiday_file"]

COLUMNS = ("exchange", "date", "status", "source")
REQUIRED = ("exchange", "date", "status")
STATUSES = ("closed", "open", "official_through")
_CODE = re.compile(r"^[A-Z0-9]{4}$")


@dataclass(frozen=True)
class UserSchedule:
    """One exchange's rows of the holiday file."""

    closed: pd.DatetimeIndex
    opened: pd.DatetimeIndex
    official_through: pd.Timestamp | None
    source: str = field(default="")


def _known_codes() -> set[str]:
    import exchange_calendars as xcals
    import holidays

    return set(xcals.get_calendar_names()) | set(holidays.list_supported_financial())


@cache
def read_holiday_file(path: Path, signature: tuple = ()) -> dict[str, UserSchedule]:
    """The schedules of a holiday file, by exchange (``signature``: the file's stat, so edits are reread)."""
    name = str(path)
    text = read_text_input(path, "holiday file")
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        header = [column.strip() for column in next(reader, [])]
    except csv.Error as error:
        raise HolidayFileError(name, 1, "header", "", f"not valid CSV ({error}):") from None
    seen: set[str] = set()
    for column in header:
        if column in seen:
            raise HolidayFileError(name, 1, column, column, "the header repeats the column")
        seen.add(column)
        if column not in COLUMNS:
            raise HolidayFileError(name, 1, column, column, "unknown column", COLUMNS)
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise HolidayFileError(name, 1, missing[0], ", ".join(missing), "missing column(s)", COLUMNS)
    rows: dict[str, dict[pd.Timestamp, str]] = {}
    known: set[str] | None = None
    try:
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(header):
                raise HolidayFileError(name, line, "row", len(values), f"expected {len(header)} fields, got")
            row = dict(zip(header, (value.strip() for value in values), strict=True))
            code = row["exchange"]
            if not _CODE.match(code) or code not in (known := known or _known_codes()):
                raise HolidayFileError(name, line, "exchange", code, "unknown exchange code")
            try:
                day = parse_day(row["date"], "date")
            except DateError:
                raise HolidayFileError(name, line, "date", row["date"], "not a date YYYY-MM-DD:") from None
            status = row["status"]
            if status not in STATUSES:
                raise HolidayFileError(name, line, "status", status, "unknown status", STATUSES)
            days = rows.setdefault(code, {})
            if day in days:
                raise HolidayFileError(name, line, "date", f"{code} {day:%Y-%m-%d}", "a second row for")
            if status == "official_through" and "official_through" in days.values():
                raise HolidayFileError(name, line, "status", code, "a second official_through row for")
            days[day] = status
    except csv.Error as error:
        raise HolidayFileError(name, reader.line_num, "row", "", f"not valid CSV ({error}):") from None
    source = f"holiday file {name} (sha256 {sha256_file(path)[:12]})"
    schedules = {}
    for code, days in rows.items():
        by_status = {
            status: pd.DatetimeIndex(sorted(day for day, kind in days.items() if kind == status)).as_unit("ns")
            for status in STATUSES
        }
        through = by_status["official_through"]
        schedules[code] = UserSchedule(by_status["closed"], by_status["open"], through[0] if len(through) else None,
                                       source)  # fmt: skip
    return schedules
