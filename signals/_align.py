"""Align events to each exchange's sessions, point-in-time, and build the impulse panel."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from functools import cache, reduce

import exchange_calendars as xcals
import numpy as np
import pandas as pd

from ._events import AFTER_CLOSE, EventCalendar, EventType
from ._universe import select_tickers
from .errors import AlignmentError, CalendarRangeError

__all__ = [
    "Alignment",
    "align_events",
    "calendar_bound",
    "exchange_calendar",
    "first_sessions_after",
    "session_positions",
]

CALENDAR_START = pd.Timestamp("2005-01-01")


def _year_end(day: pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(year=day.year, month=12, day=31)


@cache
def _calendar(code: str, end: pd.Timestamp) -> xcals.ExchangeCalendar:
    with warnings.catch_warnings():
        # exchange_calendars 4.13 calls Series.values on tz-aware data, which pandas 3.1 deprecates.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return xcals.get_calendar(code, start=CALENDAR_START, end=end)


@cache
def calendar_bound(code: str) -> pd.Timestamp | None:
    """The last day exchange_calendars records the sessions of ``code`` for (None: its rules run on).

    XSHG's holidays are announced a year at a time, so exchange_calendars knows them only through
    the year of its release (2026 for 4.13.2); a newer release extends it.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        bound = xcals.get_calendar(code).bound_max()
    return None if bound is None else pd.Timestamp(bound)


def _covering(code: str, until: pd.Timestamp) -> xcals.ExchangeCalendar:
    """The calendar through the end of ``until``'s year, or through its bound if that comes first."""
    end = _year_end(until)
    bound = calendar_bound(code)
    return _calendar(code, end if bound is None else min(end, bound))


def exchange_calendar(code: str, until: str | pd.Timestamp | None = None) -> xcals.ExchangeCalendar:
    """The exchange_calendars calendar ``code`` from 2005 through the end of ``until``'s year (cached).

    ``until`` defaults to a year from today. Raises :class:`CalendarRangeError` when ``until`` lies
    past the last day exchange_calendars knows the sessions of ``code`` for (:func:`calendar_bound`).
    """
    day = pd.Timestamp.today().normalize() + pd.DateOffset(years=1) if until is None else pd.Timestamp(until)
    bound = calendar_bound(code)
    if until is not None and bound is not None and day.tz_localize(None).normalize() > bound:
        raise CalendarRangeError(code, day, bound)
    return _covering(code, day.tz_localize(None) if day.tzinfo is not None else day)


@cache
def _opens(code: str, end: pd.Timestamp) -> tuple[pd.DatetimeIndex, np.ndarray]:
    calendar = _calendar(code, end)
    opens = calendar.opens.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
    return pd.DatetimeIndex(calendar.sessions), opens


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
    calendar = _covering(code, pd.Timestamp(until))
    sessions, opens = _opens(code, pd.Timestamp(calendar.last_session))
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
            parts = [_covering(code, last).sessions_in_range(first, last) for code in exchanges]
            index = reduce(pd.DatetimeIndex.union, parts) if parts else pd.DatetimeIndex([])
        columns = pd.MultiIndex.from_product([assets, [str(kind) for kind in EventType]], names=["asset", "event_type"])
        counts = self.table.groupby(["session", "asset", "type"]).size()
        panel = counts.unstack(["asset", "type"]).reindex(index=index, columns=columns).fillna(0).astype("int64")
        panel.index.name = "session"
        return panel


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
    knowable = pd.DatetimeIndex([event.knowable_at(after_close) for event in events], tz="UTC")
    rows, dropped = [], []
    for code, members in universe.loc[assets].groupby("exchange", sort=False).groups.items():
        sessions = first_sessions_after(code, knowable)
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
