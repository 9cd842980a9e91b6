"""Align events to each exchange's sessions, point-in-time, and build the impulse panel."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from functools import reduce

import numpy as np
import pandas as pd

from ._events import AFTER_CLOSE, Event, EventCalendar, EventType
from ._sessions import CALENDAR_START, exchange_sessions, session_table
from ._universe import select_tickers
from .errors import AlignmentError, counted

__all__ = [
    "CLOSE_MARGIN",
    "Alignment",
    "align_events",
    "first_sessions_after",
    "in_force",
    "knowable_instants",
    "session_positions",
]


def knowable_instants(events: Iterable[Event], after_close: time = AFTER_CLOSE) -> pd.DatetimeIndex:
    """When each event (or revision) became knowable, in UTC: the point-in-time rule's first half.

    The second half is :func:`session_positions`: an event acts from the first session that opens
    strictly after this instant. The panel, the job and the alignment all go through both.
    """
    return pd.DatetimeIndex([event.knowable_at(after_close) for event in events], dtype="datetime64[ns, UTC]")


#: The default margin of the close rule: an event known at least this long before a session's close
#: can be traded at that close by a template that trades at the close.
CLOSE_MARGIN = pd.Timedelta(minutes=30)


def session_positions(
    code: str,
    instants: pd.DatetimeIndex,
    until: pd.Timestamp | None = None,
    close_margin: pd.Timedelta | None = None,
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Point-in-time rule 1, the one implementation: the first session each instant is tradable on.

    That is the first session that **opens** strictly after the instant; with ``close_margin``
    (templates that trade at the close), also a session still trading at least ``close_margin``
    before its close at that instant, when that comes first: news at 10:00 in Shanghai is tradable
    at that day's 15:00 close. Returns the sessions of exchange ``code`` (through ``until``'s year,
    default: far enough for the latest instant; provisional past the official horizon, see
    :mod:`signals._sessions`) and, for each tz-aware instant, the position of that session among
    them (``len(sessions)`` when it lies past the calendar).
    """
    utc = pd.DatetimeIndex(instants).tz_convert("UTC").tz_localize(None)
    if until is None:
        until = max(utc.max(), CALENDAR_START) + pd.Timedelta(days=14) if len(utc) else CALENDAR_START
    table = session_table(code, until)
    moments = utc.to_numpy("datetime64[ns]")
    position = np.searchsorted(table.opens, moments, side="right")
    if close_margin is not None:  # the first session whose close, less the margin, is not before the instant
        deadlines = table.closes - pd.Timedelta(close_margin).to_timedelta64()
        position = np.minimum(position, np.searchsorted(deadlines, moments, side="left"))
    return table.sessions, position


def first_sessions_after(
    code: str, instants: pd.DatetimeIndex, close_margin: pd.Timedelta | None = None
) -> pd.DatetimeIndex:
    """For each tz-aware instant, the first session of exchange ``code`` it is tradable on
    (:func:`session_positions`: opening strictly after it, or with ``close_margin`` still trading
    that long before its close).

    NaT where the instant falls before the calendar's first open or after its last one (the end of
    the latest instant's year, past which no session is built).
    """
    sessions, position = session_positions(code, instants, close_margin=close_margin)
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

    def within(self, data_sessions: Mapping[str, pd.DatetimeIndex]) -> Alignment:
        """This alignment on less data: the assets of ``data_sessions``, each within its (narrower) sessions.

        What :func:`align_events` gives for the same events on that data, without aligning again
        (an event's session does not depend on the data): rows outside an asset's sessions move to
        ``dropped`` (``outside price data``); the other assets' rows go.
        """
        table = self.table[self.table["asset"].isin(list(data_sessions))]
        first = table["asset"].map({asset: own[0] if len(own) else pd.NaT for asset, own in data_sessions.items()})
        last = table["asset"].map({asset: own[-1] if len(own) else pd.NaT for asset, own in data_sessions.items()})
        inside = (table["session"] >= first) & (table["session"] <= last)
        outside = table.loc[~inside, ["event_id", "asset"]].assign(reason="outside price data")
        dropped = pd.concat([self.dropped[self.dropped["asset"].isin(list(data_sessions))], outside],
                            ignore_index=True)  # fmt: skip
        return Alignment(table[inside].reset_index(drop=True), dropped, self.n_events)

    def dropped_events(self) -> list[str]:
        """Ids of events that reached no asset at all."""
        return sorted(set(self.dropped["event_id"]) - set(self.table["event_id"]))

    def summary(self) -> str:
        lost = self.dropped_events()
        text = (
            f"aligned {self.table['event_id'].nunique()} of {counted(self.n_events, 'event')} to "
            f"{self.table['asset'].nunique()} assets ({len(self.table)} event-asset pairs); "
            f"{len(self.dropped)} pairs dropped"
        )
        if len(self.dropped):
            reasons = self.dropped["reason"].value_counts()
            text += " (" + ", ".join(f"{count} {reason}" for reason, count in reasons.items()) + ")"
        if lost:
            shown = ", ".join(lost[:4]) + (f", ... ({len(lost) - 4} more)" if len(lost) > 4 else "")
            text += f"; {counted(len(lost), 'event')} reached no asset: {shown}"
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
    versions: tuple[Event, ...], code: str, after_close: time, close_margin: pd.Timedelta | None
) -> tuple[list[Event], pd.DatetimeIndex, pd.DatetimeIndex]:
    """Per event id: the version in force at its first session on ``code``, when it was first knowable, that session."""
    instants = knowable_instants(versions, after_close)
    sessions = first_sessions_after(code, instants, close_margin)
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
    close_margin: pd.Timedelta | None = None,
) -> Alignment:
    """Place each event on the first session of each asset's exchange it is tradable on.

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
    close_margin : Timedelta, optional
        For templates that trade at the close: an event known at least this long before a session's
        close is tradable at that close (:data:`CLOSE_MARGIN`, 30 minutes, in backtests). ``None``:
        from the first session that opens after it (the signal panel's rule).
    """
    assets = select_tickers(universe, tickers)
    events = list(calendar)
    versions = calendar.all_versions  # ordered by knowable time
    rows, dropped = [], []
    for code, members in universe.loc[assets].groupby("exchange", sort=False).groups.items():
        # Each event acts from the session after its first version became knowable, as the version
        # in force then: a revision known later never reaches back (point-in-time).
        events, knowable, sessions = _in_force(versions, code, after_close, close_margin)
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
        raise AlignmentError(
            f"{counted(len(lost), 'event')} reached no asset (budget {max_dropped}): {', '.join(lost)}"
        )
    return alignment
