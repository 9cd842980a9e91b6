"""Align events to each exchange's sessions, point-in-time, and build the impulse panel."""

from __future__ import annotations

import io
import logging
import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from functools import cache, reduce
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._events import AFTER_CLOSE, Event, EventCalendar, EventType
from ._io import atomic_write
from ._universe import select_tickers
from .errors import AlignmentError, CalendarRangeError

if TYPE_CHECKING:
    import exchange_calendars as xcals

__all__ = [
    "Alignment",
    "align_events",
    "cache_dir",
    "calendar_bound",
    "check_calendar_range",
    "exchange_calendar",
    "exchange_sessions",
    "exchange_zone",
    "first_sessions_after",
    "knowable_instants",
    "session_positions",
]

CALENDAR_START = pd.Timestamp("2005-01-01")
log = logging.getLogger(__name__)


def _year_end(day: pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(year=day.year, month=12, day=31)


@cache
def _calendar(code: str, end: pd.Timestamp) -> xcals.ExchangeCalendar:
    import exchange_calendars as xcals

    with warnings.catch_warnings():
        # exchange_calendars 4.13 calls Series.values on tz-aware data, which pandas 3.1 deprecates.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return xcals.get_calendar(code, start=CALENDAR_START, end=end)


# ---- a disk cache of what exchange_calendars computes, so a scheduled job starts fast ----------
# Building a calendar evaluates its holiday rules over every year since CALENDAR_START (about
# 0.2 s per exchange); the job needs only each session and its open. Both are saved once per
# exchange_calendars release, exchange and end date, and read back in milliseconds. Set
# REELAB_CACHE_DIR to move the cache, or to an empty string to switch it off.


def cache_dir() -> Path | None:
    """Where reelab caches exchange sessions: ``$REELAB_CACHE_DIR``, else ``~/.cache/reelab`` (None: off)."""
    chosen = os.environ.get("REELAB_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "reelab"


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


@cache
def exchange_zone(code: str) -> str:
    """The IANA time zone of exchange ``code``, from exchange_calendars (``Asia/Shanghai`` for XSHG).

    A session's date is its local date in this zone: a time-zone-aware price index (UTC instants
    included) maps to sessions by converting to it.
    """
    return str(_calendar(code, CALENDAR_START + pd.Timedelta(days=31)).tz)


@cache
def calendar_bound(code: str) -> pd.Timestamp | None:
    """The last day exchange_calendars records the sessions of ``code`` for (None: its rules run on).

    XSHG's holidays are announced a year at a time, so exchange_calendars knows them only through
    the year of its release (2026 for 4.13.2); a newer release extends it.
    """
    path = _cache_file(f"{code}-bound.npz")
    cached = _read_cache(path)
    if cached is not None:
        stamp = cached["bound"][()]
        return None if np.isnat(stamp) else pd.Timestamp(stamp)
    # bound_max is a class method: a one-month calendar is enough to reach it.
    bound = _calendar(code, CALENDAR_START + pd.Timedelta(days=31)).bound_max()
    _write_cache(path, bound=np.array(np.datetime64("NaT" if bound is None else pd.Timestamp(bound).date(), "ns")))
    return None if bound is None else pd.Timestamp(bound)


def _covering_end(code: str, until: pd.Timestamp) -> pd.Timestamp:
    """The end of ``until``'s year, or the calendar's bound if that comes first."""
    end = _year_end(until)
    bound = calendar_bound(code)
    return end if bound is None else min(end, bound)


def _covering(code: str, until: pd.Timestamp) -> xcals.ExchangeCalendar:
    """The calendar through the end of ``until``'s year, or through its bound if that comes first."""
    return _calendar(code, _covering_end(code, until))


def _naive_day(day: str | pd.Timestamp | None) -> pd.Timestamp:
    stamp = pd.Timestamp.today().normalize() + pd.DateOffset(years=1) if day is None else pd.Timestamp(day)
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def check_calendar_range(code: str, until: str | pd.Timestamp) -> None:
    """Raise :class:`CalendarRangeError` when ``until`` lies past what exchange_calendars knows for ``code``."""
    day = _naive_day(until)
    bound = calendar_bound(code)
    if bound is not None and day.normalize() > bound:
        raise CalendarRangeError(code, day, bound)


def exchange_calendar(code: str, until: str | pd.Timestamp | None = None) -> xcals.ExchangeCalendar:
    """The exchange_calendars calendar ``code`` from 2005 through the end of ``until``'s year (cached).

    ``until`` defaults to a year from today. Raises :class:`CalendarRangeError` when ``until`` lies
    past the last day exchange_calendars knows the sessions of ``code`` for (:func:`calendar_bound`).
    """
    if until is not None:
        check_calendar_range(code, until)
    return _covering(code, _naive_day(until))


@cache
def _opens(code: str, end: pd.Timestamp) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Sessions of ``code`` from CALENDAR_START through ``end`` and their opens (UTC, naive ns)."""
    path = _cache_file(f"{code}-{CALENDAR_START:%Y%m%d}-{end:%Y%m%d}.npz")
    cached = _read_cache(path)
    if cached is not None:
        return pd.DatetimeIndex(cached["sessions"]), cached["opens"]
    calendar = _calendar(code, end)
    sessions = pd.DatetimeIndex(calendar.sessions)
    opens = calendar.opens.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
    _write_cache(path, sessions=sessions.to_numpy("datetime64[ns]"), opens=opens)
    return sessions, opens


def exchange_sessions(code: str, until: str | pd.Timestamp) -> pd.DatetimeIndex:
    """Sessions of ``code`` from 2005 through the end of ``until``'s year (or the calendar's bound)."""
    return _opens(code, _covering_end(code, _naive_day(until)))[0]


def knowable_instants(events: Iterable[Event], after_close: time = AFTER_CLOSE) -> pd.DatetimeIndex:
    """When each event (or revision) became knowable, in UTC: the point-in-time rule's first half.

    The second half is :func:`session_positions`: an event acts from the first session that opens
    strictly after this instant. The panel, the job and the alignment all go through both.
    """
    return pd.DatetimeIndex([event.knowable_at(after_close) for event in events], dtype="datetime64[ns, UTC]")


def session_positions(
    code: str, instants: pd.DatetimeIndex, until: pd.Timestamp | None = None
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Point-in-time rule 1, the one implementation: the first session that opens strictly after each instant.

    Returns the sessions of exchange ``code`` (through ``until``'s year, default: far enough for
    the latest instant, within the library's bound) and, for each tz-aware instant, the position
    of that session among them (``len(sessions)`` when it lies past the calendar).
    """
    utc = pd.DatetimeIndex(instants).tz_convert("UTC").tz_localize(None)
    if until is None:
        until = max(utc.max(), CALENDAR_START) + pd.Timedelta(days=14) if len(utc) else CALENDAR_START
    sessions, opens = _opens(code, _covering_end(code, pd.Timestamp(until)))
    return sessions, np.searchsorted(opens, utc.to_numpy("datetime64[ns]"), side="right")


def first_sessions_after(code: str, instants: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """For each tz-aware instant, the first session of exchange ``code`` that opens strictly after it.

    NaT where the instant falls before the calendar's first open or after its last one (for XSHG,
    the last day exchange_calendars records: :func:`calendar_bound`).
    """
    sessions, position = session_positions(code, instants)
    outside = (position == 0) | (position >= len(sessions))
    result = sessions[np.clip(position, 0, len(sessions) - 1)].to_numpy().copy()
    result[outside] = np.datetime64("NaT")
    return pd.DatetimeIndex(result)


def _between(sessions: pd.DatetimeIndex, first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
    return sessions[(sessions >= first) & (sessions <= last)]


@dataclass(frozen=True)
class Alignment:
    """Events placed on the first tradable session of each asset's exchange.

    ``table`` has one row per (event, asset) that reached a session inside the asset's data;
    ``dropped`` has one row per (event, asset) that did not, with the reason.
    """

    table: pd.DataFrame
    dropped: pd.DataFrame
    n_events: int

    def dropped_events(self) -> list[str]:
        """Ids of events that reached no asset at all."""
        return sorted(set(self.dropped["event_id"]) - set(self.table["event_id"]))

    def summary(self) -> str:
        lost = self.dropped_events()
        text = (
            f"aligned {self.table['event_id'].nunique()} of {self.n_events} events to "
            f"{self.table['asset'].nunique()} assets ({len(self.table)} event-asset pairs); "
            f"{len(self.dropped)} pairs dropped"
        )
        if len(self.dropped):
            reasons = self.dropped["reason"].value_counts()
            text += " (" + ", ".join(f"{count} {reason}" for reason, count in reasons.items()) + ")"
        if lost:
            shown = ", ".join(lost[:4]) + (f", ... ({len(lost) - 4} more)" if len(lost) > 4 else "")
            text += f"; {len(lost)} events reached no asset: {shown}"
        return text

    def impulses(self, index: pd.DatetimeIndex | None = None) -> pd.DataFrame:
        """The impulse panel: sessions x (asset, event_type), the number of events landing there.

        ``index`` defaults to the union of the assets' exchange sessions over the aligned span.
        """
        assets = list(dict.fromkeys(self.table["asset"])) if len(self.table) else []
        if index is None:
            exchanges = self.table.drop_duplicates("asset")["exchange"].unique() if len(self.table) else []
            first, last = (
                (self.table["session"].min(), self.table["session"].max()) if len(self.table) else (None, None)
            )
            parts = [_between(exchange_sessions(code, last), first, last) for code in exchanges]
            index = reduce(pd.DatetimeIndex.union, parts) if parts else pd.DatetimeIndex([])
        columns = pd.MultiIndex.from_product([assets, [str(kind) for kind in EventType]], names=["asset", "event_type"])
        counts = self.table.groupby(["session", "asset", "type"]).size()
        panel = counts.unstack(["asset", "type"]).reindex(index=index, columns=columns).fillna(0).astype("int64")
        panel.index.name = "session"
        return panel


def in_force(versions: Iterable[Event], tradable: Iterable, at) -> dict[str, Event]:
    """The version of each event id in force at session ``at``: the latest whose first tradable
    session (``tradable``, one per version, in the versions' knowable order) is at or before ``at``,
    else the first version. ``at`` is one session (position or timestamp) for every id, or a mapping
    id -> session. The one rule for revisions: the backtest's alignment (each event's version at its
    own first session) and the signal panel (every event's version from each session on) both use it.
    """
    current: dict[str, Event] = {}
    for event, where in zip(versions, tradable, strict=True):
        moment = at[event.id] if isinstance(at, Mapping) else at
        if event.id not in current or (not pd.isna(where) and not pd.isna(moment) and where <= moment):
            current[event.id] = event
    return current


def _in_force(
    versions: tuple[Event, ...], code: str, after_close: time
) -> tuple[list[Event], pd.DatetimeIndex, pd.DatetimeIndex]:
    """Per event id: the version in force at its first session on ``code``, when it was first knowable, that session."""
    instants = knowable_instants(versions, after_close)
    sessions = first_sessions_after(code, instants)
    first: dict[str, int] = {}
    for number, event in enumerate(versions):
        first.setdefault(event.id, number)
    chosen = in_force(versions, sessions, {event_id: sessions[number] for event_id, number in first.items()})
    return (
        [chosen[event_id] for event_id in first],
        pd.DatetimeIndex([instants[number] for number in first.values()]),
        pd.DatetimeIndex([sessions[number] for number in first.values()]),
    )


def align_events(
    calendar: EventCalendar,
    universe: pd.DataFrame,
    tickers: Iterable[str] | None = None,
    data_sessions: Mapping[str, pd.DatetimeIndex] | None = None,
    after_close: time = AFTER_CLOSE,
    max_dropped: int | None = None,
) -> Alignment:
    """Place each event on the first session of each asset's exchange that opens after it is knowable.

    Parameters
    ----------
    calendar : EventCalendar
    universe : DataFrame
        From :func:`signals.load_universe`; gives each asset's exchange calendar code.
    tickers : iterable of str, optional
        Assets to align to (default: the whole universe).
    data_sessions : mapping ticker -> DatetimeIndex, optional
        The sessions where each asset has data. Events landing before the first or after the last
        are dropped (reason ``outside price data``).
    after_close : datetime.time
        Local time at which date-only events become known (see :data:`signals.AFTER_CLOSE`).
    max_dropped : int, optional
        Budget of events that may reach no asset at all; more raises :class:`AlignmentError`.
    """
    assets = select_tickers(universe, tickers)
    events = list(calendar)
    versions = calendar.all_versions  # ordered by knowable time
    rows, dropped = [], []
    for code, members in universe.loc[assets].groupby("exchange", sort=False).groups.items():
        # Each event acts from the session after its first version became knowable, as the version
        # in force then: a revision known later never reaches back (point-in-time).
        events, knowable, sessions = _in_force(versions, code, after_close)
        for asset in members:
            own = data_sessions.get(asset) if data_sessions is not None else None
            for event, instant, session in zip(events, knowable, sessions):
                if pd.isna(session):
                    reason = "outside exchange calendar"
                elif own is not None and (len(own) == 0 or session < own[0] or session > own[-1]):
                    reason = "outside price data"
                else:
                    rows.append(
                        (event.id, str(event.type), str(event.direction), event.severity, asset, code, instant, session)
                    )
                    continue
                dropped.append((event.id, asset, reason))
    columns = ["event_id", "type", "direction", "severity", "asset", "exchange", "knowable_at", "session"]
    table = pd.DataFrame(rows, columns=columns).sort_values(["session", "asset", "event_id"], ignore_index=True)
    alignment = Alignment(table, pd.DataFrame(dropped, columns=["event_id", "asset", "reason"]), len(events))
    lost = alignment.dropped_events()
    if max_dropped is not None and len(lost) > max_dropped:
        raise AlignmentError(f"{len(lost)} events reached no asset (budget {max_dropped}): {', '.join(lost)}")
    return alignment
