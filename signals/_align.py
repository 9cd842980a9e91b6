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
from .errors import AlignmentError

__all__ = ["Alignment", "align_events", "exchange_calendar", "first_sessions_after"]

# exchange_calendars records XSHG holidays only through 2026; one fixed span keeps results stable.
CALENDAR_START = "2005-01-01"
CALENDAR_END = "2026-12-31"


@cache
def exchange_calendar(code: str) -> xcals.ExchangeCalendar:
    """The exchange_calendars calendar ``code`` over reelab's fixed span (cached)."""
    with warnings.catch_warnings():
        # exchange_calendars 4.13 calls Series.values on tz-aware data, which pandas 3.1 deprecates.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return xcals.get_calendar(code, start=CALENDAR_START, end=CALENDAR_END)


@cache
def _open_times(code: str) -> tuple[pd.DatetimeIndex, np.ndarray]:
    opens = exchange_calendar(code).opens
    return pd.DatetimeIndex(opens.index), opens.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")


def first_sessions_after(code: str, instants: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """For each tz-aware instant, the first session of exchange ``code`` that opens strictly after it.

    NaT where the instant falls before the calendar's first open or after its last one.
    """
    sessions, opens = _open_times(code)
    utc = pd.DatetimeIndex(instants).tz_convert("UTC").tz_localize(None).to_numpy("datetime64[ns]")
    position = np.searchsorted(opens, utc, side="right")
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
            parts = [exchange_calendar(code).sessions_in_range(first, last) for code in exchanges]
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
