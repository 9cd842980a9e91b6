"""The point-in-time signal panel: sessions x (asset, signal)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time

import numpy as np
import pandas as pd

from ._align import in_force, knowable_instants, session_positions
from ._events import AFTER_CLOSE, POLICY_TYPES, Event, EventCalendar, EventType
from ._universe import select_tickers
from .dates import parse_day
from .errors import ParameterError
from .transforms import (
    OVERLAP_POLICIES,
    exponential_decay,
    impulse,
    resolve_overlaps,
    sessions_since,
    window_countdown,
)

__all__ = ["SIGNALS", "SignalParams", "build_signals"]

TYPES = tuple(str(kind) for kind in POLICY_TYPES)  # confounders are not China's acts: no signal of theirs
WINDOW_TYPES = (EventType.NEGOTIATION_WINDOW, EventType.EASING_PAUSE)
#: Signals per asset. Exposure-signed: ``impulse_<type>`` and ``decay``. Common to all assets of an
#: exchange: ``regime_pressure``, ``permit_flow``, ``window_active``, ``window_countdown`` and
#: ``sessions_since_<type>``.
SIGNALS = (
    *(f"impulse_{kind}" for kind in TYPES),
    "decay",
    "regime_pressure",
    "permit_flow",
    "window_active",
    "window_countdown",
    *(f"sessions_since_{kind}" for kind in TYPES),
)
_SIGNED = len(TYPES) + 1  # the first columns are multiplied by the asset's exposure


@dataclass(frozen=True)
class SignalParams:
    """Parameters of :func:`build_signals`, validated on construction.

    Attributes
    ----------
    half_life : float
        Sessions for the asset-signed ``decay`` of all impulses to halve (default 5).
    pressure_half_life : float
        Sessions for ``regime_pressure`` (tightening adds, easing and permits subtract) to halve (21).
    permit_half_life : float
        Sessions for ``permit_flow`` (a decayed count of permit approvals) to halve (10).
    overlap : {"net", "merge", "keep_first"}
        How events within ``overlap_window`` sessions combine (see :data:`signals.transforms.OVERLAP_POLICIES`).
    overlap_window : int
        Sessions after a cluster's first event that still belong to it (0: the same session only).
    after_close : datetime.time
        Local time at which date-only events become known.
    """

    half_life: float = 5.0
    pressure_half_life: float = 21.0
    permit_half_life: float = 10.0
    overlap: str = "net"
    overlap_window: int = 0
    after_close: time = AFTER_CLOSE

    def __post_init__(self) -> None:
        for name in ("half_life", "pressure_half_life", "permit_half_life"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1000:
                raise ParameterError(name, value, "a number of sessions in (0, 1000]")
        if self.overlap not in OVERLAP_POLICIES:
            raise ParameterError("overlap", self.overlap, f"one of {', '.join(OVERLAP_POLICIES)}")
        if isinstance(self.overlap_window, bool) or not isinstance(self.overlap_window, int) or self.overlap_window < 0:
            raise ParameterError("overlap_window", self.overlap_window, "an integer number of sessions >= 0")
        if not isinstance(self.after_close, time):
            raise ParameterError("after_close", self.after_close, "a datetime.time")


def policy_versions(calendar: EventCalendar) -> tuple[Event, ...]:
    """Every version of the calendar's policy events: confounders (not China's acts) sign no signal."""
    return tuple(version for version in calendar.all_versions if version.type is not EventType.CONFOUNDER)


def sessions_through(versions: Iterable[Event], last: pd.Timestamp) -> pd.Timestamp:
    """The last day a panel through ``last`` reads sessions for: ``last``, or a later window end
    (a countdown counts the exchange's sessions to its window's end)."""
    ends = [v.window_end.tz_localize(None).normalize() for v in versions if v.window_end is not None]
    return max([last, *ends])


def _exchange_base(
    code: str, versions: tuple[Event, ...], params: SignalParams, last: pd.Timestamp
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """All signals before exposure signing, on every session of exchange ``code`` through ``last``'s year.

    The sessions reach on to the latest window end (provisional past the official horizon), so that a
    window's countdown counts the exchange's sessions to its end, not to the end of the data: the
    panel as of ``t`` then holds the same countdown at ``t`` as any later panel.
    """
    knowable = knowable_instants(versions, params.after_close)
    sessions, position = session_positions(code, knowable, until=sessions_through(versions, last))
    length = len(sessions)

    first_position: dict[str, int] = {}
    for version, where in zip(versions, position):  # versions are ordered by knowable time
        first_position.setdefault(version.id, int(where))
    revisions = sorted({int(where) for v, where in zip(versions, position) if where != first_position[v.id]})
    boundaries = [0, *(where for where in revisions if 0 < where < length), length]
    base = np.empty((length, len(SIGNALS)))
    for begin, end in itertools.pairwise(boundaries):
        if begin == end:
            continue
        current = in_force(versions, position, begin)  # each event's version in force from `begin`
        base[begin:end] = _signals_for(list(current.values()), first_position, sessions, length, params)[begin:end]
    return sessions, base


def _signals_for(
    events: list[Event], anchor: Mapping[str, int], sessions: pd.DatetimeIndex, length: int, params: SignalParams
) -> np.ndarray:
    positions = np.array([anchor[event.id] for event in events], dtype=np.int64)
    signed = np.array([event.direction.sign * event.severity for event in events], dtype=np.float64)
    types = np.array([str(event.type) for event in events])
    columns = []
    for kind in TYPES:
        chosen = types == kind
        columns.append(
            impulse(*resolve_overlaps(positions[chosen], signed[chosen], params.overlap_window, params.overlap), length)
        )
    combined = impulse(*resolve_overlaps(positions, signed, params.overlap_window, params.overlap), length)
    columns.append(exponential_decay(combined, params.half_life))
    columns.append(exponential_decay(combined, params.pressure_half_life))
    permits = types == str(EventType.PERMIT_APPROVAL)
    permit_count = np.ones(int(permits.sum()))
    columns.append(
        exponential_decay(
            impulse(*resolve_overlaps(positions[permits], permit_count, params.overlap_window, params.overlap), length),
            params.permit_half_life,
        )
    )
    windows = [(anchor[e.id], e.window_end) for e in events if e.type in WINDOW_TYPES and e.window_end is not None]
    ends = np.searchsorted(sessions, [end.tz_localize(None).normalize() for _, end in windows], side="right") - 1
    columns.extend(window_countdown(np.array([start for start, _ in windows], dtype=np.int64), ends, length))
    for kind in TYPES:
        columns.append(sessions_since(positions[types == kind], length))
    return np.column_stack(columns)


def build_signals(
    calendar: EventCalendar,
    universe: pd.DataFrame,
    asof: str | pd.Timestamp | None = None,
    *,
    tickers: Iterable[str] | None = None,
    start: str | pd.Timestamp | None = "2010-01-01",
    params: SignalParams | None = None,
    exposure: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Build the point-in-time signal panel: sessions x (asset, signal).

    The value at session ``t`` for an asset uses only events (and revisions) that were knowable
    before that asset's exchange opened at ``t``: each event acts from the first session of the
    exchange that opens after it became knowable, and a revision changes the signals only from
    the first session that opens after the revision became knowable.

    Parameters
    ----------
    calendar : EventCalendar
        Events with their revisions.
    universe : DataFrame
        From :func:`signals.load_universe` (exchange and signed ``exposure`` per asset).
    asof : date-like, optional
        Last session of the panel (default: today). Past exchange_calendars' horizon (XSHG: see
        :func:`signals.calendar_bound`) the sessions are provisional (:mod:`signals._sessions`); raises
        :class:`~signals.errors.CalendarRangeError` only when no source knows them.
    tickers : iterable of str, optional
        Assets (default: the whole universe).
    start : date-like, optional
        First session of the panel (events before it still shape decays and counters).
    params : SignalParams, optional
        Half-lives and the overlap policy.
    exposure : mapping ticker -> sign, optional
        Overrides the universe's ``exposure`` column (sign of a tightening: -1, 0 or 1).

    Returns
    -------
    DataFrame
        Indexed by ``session`` (the union of the assets' exchange sessions), columns a MultiIndex
        (``asset``, ``signal``) with the signals of :data:`SIGNALS`; NaN where an asset's
        exchange is closed.
    """
    params = params or SignalParams()
    assets = select_tickers(universe, tickers)
    first = parse_day(start, "start") if start is not None else None
    last = parse_day(asof, "asof") if asof is not None else pd.Timestamp.today().normalize()
    if first is not None and last < first:
        raise ParameterError("asof", f"{last:%Y-%m-%d}", f"a date on or after start {first:%Y-%m-%d}")
    signs = universe.loc[assets, "exposure"].astype(int).to_dict()
    for ticker, sign in (exposure or {}).items():
        select_tickers(universe, [ticker])
        if sign not in (-1, 0, 1):
            raise ParameterError(f"exposure[{ticker}]", sign, "-1, 0 or 1")
        signs[ticker] = int(sign)
    versions = policy_versions(calendar)
    blocks = []
    for code, members in universe.loc[assets].groupby("exchange", sort=False).groups.items():
        sessions, base = _exchange_base(code, versions, params, last)
        keep = (sessions >= first if first is not None else np.ones(len(sessions), bool)) & (sessions <= last)
        rows = base[keep]
        columns = pd.MultiIndex.from_product([list(members), SIGNALS], names=["asset", "signal"])
        values = np.repeat(rows[:, None, :], len(members), axis=1)
        values[:, :, :_SIGNED] *= np.array([signs[asset] for asset in members], dtype=np.float64)[None, :, None]
        blocks.append(pd.DataFrame(values.reshape(len(rows), -1), index=sessions[keep], columns=columns))
    index = blocks[0].index
    for block in blocks[1:]:
        index = index.union(block.index)
    panel = pd.concat([block.reindex(index) for block in blocks], axis=1)
    panel = panel.reindex(columns=pd.MultiIndex.from_product([assets, SIGNALS], names=["asset", "signal"]))
    panel.index.name = "session"
    return panel
