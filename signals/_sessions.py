"""Exchange sessions: official where a source records the holidays, provisional past that.

For each exchange and day, the first source that speaks decides:

1. **the user's holiday file** (``$REELAB_HOLIDAYS``, else ``<data dir>/holidays.csv``: see
   :mod:`signals._holiday_file`): its ``closed`` and ``open`` days override every other source, and an
   ``official_through`` row makes the user's schedule official up to that day (every weekday not
   listed as closed is a session), so a desk can enter the exchange's schedule the day it is published;
2. **exchange_calendars**, through the last day it records the exchange's holidays
   (:func:`calendar_bound`: 2026-12-31 for Shanghai in release 4.13.2; ``None`` where its rules run on);
3. past both, the **holidays** package's financial calendar of the exchange (every weekday that is not
   one of its holidays), marked **provisional**: whatever uses such a session says so
   (:func:`calendar_record` for manifests, :func:`horizon` for ``reelab status``).

Provisional sessions are remembered in the data dir (``calendars/<exchange>.json``). When a newer
source covers them (a new exchange-calendars release, the user's file, a new holidays release), the
next build reports each day that changed (:func:`calendar_changes`, a warning on stderr, the
manifests' ``changed``), and later outputs use the new sessions.

What exchange_calendars computes is cached on disk (sessions, opens and closes, per release), so a
scheduled job starts fast; set ``REELAB_CACHE_DIR`` to move the cache, or to an empty string to
switch it off.
"""

from __future__ import annotations

import io
import json
import logging
import warnings
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._holiday_file import UserSchedule, read_holiday_file
from ._io import atomic_write
from ._places import cache_dir, data_dir, holiday_file
from .errors import CalendarRangeError

if TYPE_CHECKING:
    import exchange_calendars as xcals

__all__ = [
    "CALENDAR_START",
    "SessionTable",
    "calendar_bound",
    "calendar_changes",
    "calendar_record",
    "check_calendar_range",
    "exchange_calendar",
    "exchange_sessions",
    "exchange_zone",
    "horizon",
    "session_table",
]

CALENDAR_START = pd.Timestamp("2005-01-01")
#: Exchanges exchange_calendars keeps under another code: Shenzhen's sessions are Shanghai's.
CALENDAR_ALIASES = {"XSHE": "XSHG"}
log = logging.getLogger("reelab.calendars")


def _year_end(day: pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(year=day.year, month=12, day=31)


def _naive_day(day: str | pd.Timestamp | None) -> pd.Timestamp:
    stamp = pd.Timestamp.today().normalize() + pd.DateOffset(years=1) if day is None else pd.Timestamp(day)
    return (stamp.tz_localize(None) if stamp.tzinfo is not None else stamp).normalize()


@cache
def _calendar(code: str, end: pd.Timestamp) -> xcals.ExchangeCalendar:
    import exchange_calendars as xcals

    with warnings.catch_warnings():
        # exchange_calendars 4.13 calls Series.values on tz-aware data, which pandas 3.1 deprecates.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return xcals.get_calendar(CALENDAR_ALIASES.get(code, code), start=CALENDAR_START, end=end)


# ---- the disk cache of what exchange_calendars computes --------------------------------------------


def _cache_file(name: str) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    return folder / f"exchange-calendars-{version('exchange-calendars')}" / name


def _read_cache(path: Path | None) -> np.lib.npyio.NpzFile | None:
    if path is None or not path.is_file():
        return None
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:  # a damaged file is rebuilt, and said
        log.warning("ignoring damaged calendar cache %s (%s); rebuilding it", path, error)
        return None


def _write_cache(path: Path | None, **arrays: np.ndarray) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(buffer, allow_pickle=False, **arrays)
        atomic_write(path, buffer.getvalue())
    except OSError as error:  # a read-only home still runs, only slower
        log.info("calendar cache not written to %s (%s)", path, error)


@dataclass(frozen=True)
class _Facts:
    """What a calendar's class says of its exchange: the bound of its holidays, its zone, its regular hours."""

    bound: pd.Timestamp | None
    zone: str
    open_minutes: int  # regular open, minutes after local midnight
    close_minutes: int


@cache
def _facts(code: str) -> _Facts:
    path = _cache_file(f"{code}-facts.npz")
    cached = _read_cache(path)
    if cached is not None:
        try:
            bound, zone, hours = cached["bound"][()], str(cached["zone"][()]), cached["hours"]
            return _Facts(None if np.isnat(bound) else pd.Timestamp(bound), zone, int(hours[0]), int(hours[1]))
        except (KeyError, ValueError, IndexError) as error:
            log.warning("ignoring damaged calendar cache %s (%s); rebuilding it", path, error)
    # bound_max is a class method and the hours class attributes: a one-month calendar reaches them.
    calendar = _calendar(code, CALENDAR_START + pd.Timedelta(days=31))
    bound = calendar.bound_max()
    opens, closes = calendar.open_times[-1][1], calendar.close_times[-1][1]
    facts = _Facts(
        None if bound is None else pd.Timestamp(bound),
        str(calendar.tz),
        opens.hour * 60 + opens.minute,
        closes.hour * 60 + closes.minute,
    )
    _write_cache(
        path,
        bound=np.array(np.datetime64("NaT" if bound is None else pd.Timestamp(bound).date(), "ns")),
        zone=np.array(facts.zone),
        hours=np.array([facts.open_minutes, facts.close_minutes]),
    )
    return facts


def calendar_bound(code: str) -> pd.Timestamp | None:
    """The last day exchange_calendars records the holidays of ``code`` for (None: its rules run on).

    XSHG's holidays are announced a year at a time, so exchange_calendars knows them only through
    the year of its release (2026 for 4.13.2); a newer release extends it. Past it, sessions are
    provisional (see the module docstring) unless the user's holiday file covers them.
    """
    return _facts(code).bound


def exchange_zone(code: str) -> str:
    """The IANA time zone of exchange ``code``, from exchange_calendars (``Asia/Shanghai`` for XSHG).

    A session's date is its local date in this zone: a time-zone-aware price index (UTC instants
    included) maps to sessions by converting to it.
    """
    return _facts(code).zone


@cache
def _official(code: str, end: pd.Timestamp) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """exchange_calendars' sessions of ``code`` from CALENDAR_START through ``end`` (within its bound),
    with their opens and closes (UTC, naive ns): cached on disk per release."""
    path = _cache_file(f"{code}-{CALENDAR_START:%Y%m%d}-{end:%Y%m%d}-sessions.npz")
    cached = _read_cache(path)
    if cached is not None:
        try:
            return pd.DatetimeIndex(cached["sessions"]), cached["opens"], cached["closes"]
        except KeyError as error:
            log.warning("ignoring damaged calendar cache %s (%s); rebuilding it", path, error)
    calendar = _calendar(code, end)
    sessions = pd.DatetimeIndex(calendar.sessions)
    opens, closes = (
        times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
        for times in (calendar.opens, calendar.closes)
    )
    _write_cache(path, sessions=sessions.to_numpy("datetime64[ns]"), opens=opens, closes=closes)
    return sessions, opens, closes


def _provisional_source() -> str:
    return f"holidays {version('holidays')}"


def _provisional_days(code: str, first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
    """Weekdays from ``first`` to ``last`` that the holidays package's financial calendar of ``code`` keeps open."""
    import holidays

    if code not in holidays.list_supported_financial():
        raise CalendarRangeError(code, last, first - pd.Timedelta(days=1))
    closed = holidays.financial_holidays(code, years=range(first.year, last.year + 1))
    weekdays = pd.bdate_range(first, last).as_unit("ns")
    return weekdays[~weekdays.isin(pd.DatetimeIndex(list(closed)))]


def _regular_times(code: str, days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Opens and closes (UTC, naive ns) of ``days`` at the exchange's regular hours."""
    facts = _facts(code)
    times = []
    for minutes in (facts.open_minutes, facts.close_minutes):
        local = (days + pd.Timedelta(minutes=minutes)).tz_localize(facts.zone)
        times.append(local.tz_convert("UTC").tz_localize(None).to_numpy("datetime64[ns]"))
    return times[0], times[1]


@dataclass(frozen=True)
class SessionTable:
    """The sessions of one exchange from 2005 through ``end``, their opens and closes, and where each came from.

    ``official_through`` is the last day an official source covers (None: every day is official);
    sessions after it are provisional.
    """

    code: str
    end: pd.Timestamp
    sessions: pd.DatetimeIndex
    opens: np.ndarray  # UTC, naive datetime64[ns]
    closes: np.ndarray
    official_through: pd.Timestamp | None
    official_source: str
    provisional_source: str | None

    @property
    def provisional(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """(first, last) day this table holds provisionally, or None."""
        if self.official_through is None or self.end <= self.official_through:
            return None
        return self.official_through + pd.Timedelta(days=1), self.end


def _holiday_file_signature() -> tuple:
    """The holiday file's path, modification time and size (empty without one): the key of the caches."""
    path = holiday_file()
    try:
        status = path.stat()
    except OSError:
        return ()
    return (str(path), status.st_mtime_ns, status.st_size)


def _user_schedule(code: str, signature: tuple) -> UserSchedule | None:
    return read_holiday_file(Path(signature[0]), signature).get(code) if signature else None


def session_table(code: str, end: str | pd.Timestamp) -> SessionTable:
    """The sessions of exchange ``code`` from 2005 through the end of ``end``'s year (see the module docstring).

    Raises :class:`~signals.errors.CalendarRangeError` when the days past exchange_calendars' bound
    have no other source (an exchange the holidays package does not cover, and no holiday file).
    """
    return _table(code, _year_end(_naive_day(end)), _holiday_file_signature(), _record_path(code))


@cache
def _table(code: str, end: pd.Timestamp, signature: tuple, record: Path) -> SessionTable:
    """The table (``signature``: the holiday file's; ``record``: where provisional days are remembered)."""
    schedule = _user_schedule(code, signature)
    bound = calendar_bound(code)
    sessions, opens, closes = _official(code, end if bound is None else min(end, bound))
    source = f"exchange_calendars {version('exchange-calendars')}"
    official_through = bound
    provisional_source = None
    if bound is not None and end > bound:
        user_end = schedule.official_through if schedule is not None else None
        official_through = max(bound, user_end) if user_end is not None else bound
        # past the bound: the weekdays the holiday file makes official (its closed days come out below),
        # then the provisional sessions
        days = pd.bdate_range(bound + pd.Timedelta(days=1), min(end, official_through)).as_unit("ns")
        if end > official_through:
            provisional_source = _provisional_source()
            days = days.append(_provisional_days(code, official_through + pd.Timedelta(days=1), end))
        sessions, opens, closes = _joined(code, (sessions, opens, closes), days)
    if schedule is not None:
        source += f" + {schedule.source}"
        sessions, opens, closes = _overridden(code, (sessions, opens, closes), schedule, end)
    table = SessionTable(code, end, sessions, opens, closes, official_through, source, provisional_source)
    _remember(table, record)
    return table


def _joined(code: str, part: tuple, days: pd.DatetimeIndex) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    sessions, opens, closes = part
    more_opens, more_closes = _regular_times(code, days)
    joined = sessions.append(days.as_unit("ns")).as_unit("ns")
    return joined, np.concatenate([opens, more_opens]), np.concatenate([closes, more_closes])


def _overridden(code: str, part: tuple, schedule: UserSchedule, end: pd.Timestamp) -> tuple:
    """The user's closed days taken out and open days put in (at the exchange's regular hours)."""
    sessions, opens, closes = part
    keep = ~sessions.isin(schedule.closed)
    sessions, opens, closes = sessions[keep], opens[keep], closes[keep]
    added = schedule.opened[(schedule.opened >= CALENDAR_START) & (schedule.opened <= end)]
    added = added[~added.isin(sessions)]
    if len(added):
        sessions, opens, closes = _joined(code, (sessions, opens, closes), added)
        order = np.argsort(sessions.to_numpy(), kind="stable")
        sessions, opens, closes = sessions[order], opens[order], closes[order]
    return sessions, opens, closes


# ---- provisional sessions remembered, and the changes a newer source brings ------------------------

_CHANGES: dict[str, list[dict[str, str]]] = {}


def _record_path(code: str) -> Path:
    return data_dir() / "calendars" / f"{code}.json"


def _remember(table: SessionTable, path: Path) -> None:
    """Compare the provisional days remembered for this exchange with ``table``; remember its own.

    A remembered day whose status differs now (a session then, closed now, or the reverse) is a
    change, reported once: logged as a warning and kept for :func:`calendar_changes`.
    """
    recorded: dict[str, Any] = {}
    if path.is_file():
        try:
            recorded = json.loads(path.read_text(encoding="utf-8"))
            assert isinstance(recorded.get("days"), dict)
        except (OSError, ValueError, AssertionError):
            log.warning("ignoring damaged record of provisional sessions %s", path)
            recorded = {}
    days: dict[str, str] = dict(recorded.get("days", {}))
    sessions = set(table.sessions.strftime("%Y-%m-%d"))
    changes = []
    for day, was in sorted(days.items()):
        if pd.Timestamp(day) > table.end:
            continue
        now = "session" if day in sessions else "closed"
        if now != was:
            official = table.official_through is None or pd.Timestamp(day) <= table.official_through
            source = table.official_source if official else str(table.provisional_source)
            changes.append({"date": day, "was": was, "now": now, "source": source})
        del days[day]
    window = table.provisional
    if window is not None:
        for day in pd.date_range(*window).strftime("%Y-%m-%d"):
            if day in sessions or pd.Timestamp(day).day_of_week < 5:
                days[day] = "session" if day in sessions else "closed"
    if changes:
        _CHANGES.setdefault(table.code, []).extend(changes)
        shown = ", ".join(f"{c['date']} now {'a session' if c['now'] == 'session' else 'closed'}" for c in changes)
        log.warning("%s: provisional sessions changed (%s): %s", table.code, changes[0]["source"], shown)
    record = {"exchange": table.code, "source": table.provisional_source, "days": dict(sorted(days.items()))}
    if record["days"] == recorded.get("days") or (not record["days"] and not path.exists()):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps(record, indent=1) + "\n")
    except OSError as error:  # a read-only data dir: the change report is then repeated next time
        log.info("provisional sessions not recorded in %s (%s)", path, error)


def calendar_changes(code: str) -> list[dict[str, str]]:
    """The days of ``code`` whose session status changed since they were used provisionally (this process)."""
    return list(_CHANGES.get(code, []))


# ---- what callers report -----------------------------------------------------------------------------


def exchange_sessions(code: str, until: str | pd.Timestamp) -> pd.DatetimeIndex:
    """Sessions of ``code`` from 2005 through the end of ``until``'s year (provisional ones included)."""
    return session_table(code, until).sessions


def calendar_record(code: str, asof: str | pd.Timestamp, through: str | pd.Timestamp | None = None) -> dict[str, Any]:
    """What a manifest says of ``code``'s sessions for an output as of ``asof`` that read sessions
    through ``through`` (default ``asof``; later for a countdown to a window's end or the next
    session): the sources, the official horizon, the provisional range used (None if none) and the
    days that changed since a run used them provisionally."""
    day = _naive_day(asof)
    last = max(day, _naive_day(through)) if through is not None else day
    table = session_table(code, last)
    record: dict[str, Any] = {
        "first_session": f"{table.sessions[0]:%Y-%m-%d}",
        "last_session": f"{table.sessions[table.sessions <= day][-1]:%Y-%m-%d}",
        "source": table.official_source,
        "official_through": "rules" if table.official_through is None else f"{table.official_through:%Y-%m-%d}",
        "provisional": None,
    }
    window = table.provisional
    if window is not None and last >= window[0]:
        record["provisional"] = {"from": f"{window[0]:%Y-%m-%d}", "through": f"{last:%Y-%m-%d}",
                                 "source": table.provisional_source}  # fmt: skip
    changed = calendar_changes(code)
    if changed:
        record["changed"] = changed
    return record


def horizon(code: str) -> dict[str, Any]:
    """Where ``code``'s sessions come from today: official through when, and from what (``reelab status``)."""
    table = session_table(code, pd.Timestamp.today())
    official = "for ever (rules)" if table.official_through is None else f"{table.official_through:%Y-%m-%d}"
    provisional = None if table.official_through is None else f"after {official} ({_provisional_source()})"
    return {"exchange": code, "source": table.official_source, "official_through": official, "provisional": provisional}


def check_calendar_range(code: str, until: str | pd.Timestamp) -> None:
    """Raise :class:`CalendarRangeError` when no source gives the sessions of ``code`` through ``until``."""
    session_table(code, until)


def exchange_calendar(code: str, until: str | pd.Timestamp | None = None) -> xcals.ExchangeCalendar:
    """exchange_calendars' own calendar ``code`` from 2005 through the end of ``until``'s year (cached).

    Official sessions only: ``until`` defaults to a year from today, and a day past the last one
    exchange_calendars records raises :class:`CalendarRangeError` (:func:`exchange_sessions` goes on
    with provisional sessions).
    """
    day = _naive_day(until)
    bound = calendar_bound(code)
    if until is not None and bound is not None and day > bound:
        raise CalendarRangeError(code, day, bound)
    end = _year_end(day)
    return _calendar(code, end if bound is None else min(end, bound))
