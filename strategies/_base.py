"""What every template shares: the context it reads, the orders it returns, parameter checks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import time
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from signals import (
    AFTER_CLOSE,
    CLOSE_MARGIN,
    Alignment,
    EventCalendar,
    EventType,
    SignalParams,
    align_events,
    build_signals,
)
from signals.errors import ParameterError

__all__ = [
    "PLAN_COLUMNS",
    "SKIPPED_COLUMNS",
    "StrategyContext",
    "StrategySignals",
    "check_choice",
    "check_event_types",
    "check_fraction",
    "check_int",
    "check_tickers",
    "event_orders",
    "in_universe",
    "plan_frame",
    "skipped_frame",
]


@dataclass
class StrategyContext:
    """The inputs a template reads: prices, universe, events aligned to each asset's sessions.

    ``close`` is sessions x assets (adjusted closes; NaN where an asset's exchange is closed).
    ``panel`` (built on first use) is the point-in-time signal panel on ``close``'s index.
    """

    calendar: EventCalendar
    universe: pd.DataFrame
    close: pd.DataFrame
    alignment: Alignment
    signal_params: SignalParams = field(default_factory=SignalParams)
    #: Memo of intermediate results shared by builds on this context (sweeps build many times).
    cache: dict = field(default_factory=dict, repr=False)

    def memo(self, key: tuple, compute):
        """``compute()`` once per ``key`` on this context; callers must not mutate the result."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    @cached_property
    def panel(self) -> pd.DataFrame:
        """The point-in-time signal panel of ``close``'s assets, from its first to its last session.

        Built by :func:`signals.build_signals` on first use (then cached) and reindexed to ``close``'s index.
        """
        panel = build_signals(
            self.calendar, self.universe, self.close.index[-1], tickers=self.close.columns,
            start=self.close.index[0], params=self.signal_params,
        )  # fmt: skip
        return panel.reindex(self.close.index)

    def observed(self, asset: str) -> pd.DatetimeIndex:
        """The sessions on which ``asset`` has a price."""
        return self.close.index[self.close[asset].notna().to_numpy()]


#: Columns of :attr:`StrategySignals.plan`: one row per entry signal.
PLAN_COLUMNS = ["asset", "entry_session", "side", "event_ids", "event_session"]
#: Columns of :attr:`StrategySignals.skipped`: events that gave no entry signal, and why.
SKIPPED_COLUMNS = ["event_id", "asset", "event_session", "reason"]


def plan_frame(rows: Iterable[tuple] = ()) -> pd.DataFrame:
    """The plan table (:data:`PLAN_COLUMNS`) with its dtypes, also when it is empty."""
    return _typed(rows, PLAN_COLUMNS, ("entry_session", "event_session"))


def skipped_frame(rows: Iterable[tuple] = ()) -> pd.DataFrame:
    """The skipped-events table (:data:`SKIPPED_COLUMNS`) with its dtypes, also when it is empty."""
    return _typed(rows, SKIPPED_COLUMNS, ("event_session",))


def _typed(rows: Iterable[tuple], columns: list[str], sessions: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=columns)
    return frame.astype({name: "datetime64[ns]" if name in sessions else "str" for name in columns})


@dataclass(frozen=True)
class StrategySignals:
    """vectorbt-ready orders of a template, aligned with the prices they trade.

    Signal style: boolean ``entries``/``short_entries`` and the template's own early exits
    ``exits``/``short_exits`` (momentum, window ends, option expiries). ``time_stop`` closes a
    position that many of its asset's own sessions after *its* entry; the simulator counts them, so
    a time exit always belongs to the trade it closes. Target style (``target_weights`` set): a
    float frame of target portfolio weights, NaN where nothing is to be traded; the assets then
    share one pool of cash.
    ``close`` is what is traded (the input prices, or synthetic series such as option premiums);
    ``plan`` has one row per entry signal with the events behind it (:data:`PLAN_COLUMNS`) and
    ``skipped`` one row per event that gave no signal, with the reason (:data:`SKIPPED_COLUMNS`).
    """

    entries: pd.DataFrame
    exits: pd.DataFrame
    short_entries: pd.DataFrame
    short_exits: pd.DataFrame
    sl_stop: float | np.ndarray | None  # arrays: one value per column, when a sweep stacks templates
    tp_stop: float | np.ndarray | None
    plan: pd.DataFrame
    sl_trail: bool | np.ndarray = False
    time_stop: int | np.ndarray | None = None
    close: pd.DataFrame | None = None
    target_weights: pd.DataFrame | None = None
    size: float | np.ndarray = 1.0  # fraction of available cash per entry (signal style)
    cash_sharing: bool = False
    group_by: object = None  # column -> group label when assets share cash (signal style)
    skipped: pd.DataFrame = field(default_factory=skipped_frame)


def empty_orders(close: pd.DataFrame) -> pd.DataFrame:
    """An all-False signal frame with ``close``'s index and columns."""
    return pd.DataFrame(False, index=close.index, columns=close.columns)


# ---- parameter checks: each names the parameter, echoes the value and states the valid range ----


def check_int(name: str, value, low: int, high: int, optional: bool = False) -> None:
    """Check that ``value`` is an integer in ``[low, high]`` (numpy integers pass, bools do not).

    With ``optional``, None passes too. Raises :class:`~signals.errors.ParameterError` otherwise.

    >>> check_int("horizon", 5, 1, 250)
    >>> check_int("horizon", 0, 1, 250)
    Traceback (most recent call last):
    ...
    signals.errors.ParameterError: parameter 'horizon' = 0 is invalid; expected an integer in 1..250
    """
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not low <= value <= high:
        raise ParameterError(name, value, f"{'None or ' if optional else ''}an integer in {low}..{high}")


def check_fraction(
    name: str, value, high: float = 1.0, optional: bool = True, low: float = 0.0, high_included: bool = False
) -> None:
    """Check that ``value`` is a number in ``(low, high)``, or ``(low, high]`` with ``high_included``.

    Only ``int`` and ``float`` (and their subclasses, such as ``numpy.float64``) count as numbers; bools
    do not. None passes when ``optional`` (the default). Raises :class:`~signals.errors.ParameterError`
    otherwise.

    >>> check_fraction("stop_loss", 0.05)
    >>> check_fraction("stop_loss", 1.0)
    Traceback (most recent call last):
    ...
    signals.errors.ParameterError: parameter 'stop_loss' = 1.0 is invalid; expected None or a number in (0, 1)
    """
    if optional and value is None:
        return
    inside = isinstance(value, int | float) and low < value and (value <= high if high_included else value < high)
    if isinstance(value, bool) or not inside:
        bracket = "]" if high_included else ")"
        raise ParameterError(name, value, f"{'None or ' if optional else ''}a number in ({low:g}, {high:g}{bracket}")


def check_choice(name: str, value, choices: Iterable) -> None:
    """Check that ``value`` is one of ``choices``; raises :class:`~signals.errors.ParameterError` otherwise."""
    choices = tuple(choices)
    if value not in choices:
        raise ParameterError(name, value, f"one of {', '.join(map(str, choices))}")


_TICKER = re.compile(r"[A-Z0-9][A-Z0-9.^-]*")


def check_tickers(name: str, value) -> tuple[str, ...]:
    """A non-empty tuple of ticker symbols (upper-case letters, digits, '.', '-', '^')."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # 600111 given as a number
    tickers = (value,) if isinstance(value, str) else tuple(value) if isinstance(value, list | tuple) else ()
    if not tickers:
        raise ParameterError(name, value, "a non-empty tuple of tickers like ('MP', 'LYC')")
    for ticker in tickers:
        if not isinstance(ticker, str) or not _TICKER.fullmatch(ticker):
            raise ParameterError(name, ticker, "ticker symbols like 'MP', '600111' or 'NEO.TO'")
    return tickers


def in_universe(name: str, tickers: Iterable[str], universe: pd.DataFrame) -> list[str]:
    """``tickers`` as a list, once each is known to be in ``universe``."""
    tickers = list(tickers)
    unknown = [ticker for ticker in tickers if ticker not in universe.index]
    if unknown:
        raise ParameterError(name, unknown[0], "tickers of the universe")
    return tickers


def check_event_types(name: str, value) -> tuple[str, ...]:
    """``value`` (one event-type name, or an iterable of them) as a tuple of event-type strings.

    Raises :class:`~signals.errors.ParameterError` for a name outside :class:`signals.EventType` or when
    there is none.

    >>> check_event_types("event_types", "quota_change")
    ('quota_change',)
    """
    if isinstance(value, str):
        types: tuple = (value,)
    elif isinstance(value, Iterable):
        types = tuple(value)
    else:
        raise ParameterError(name, value, "an event-type name or a list of them")
    valid = [str(kind) for kind in EventType]
    for kind in types:
        if kind not in valid:
            raise ParameterError(name, kind, f"event types from: {', '.join(valid)}")
    if not types:
        raise ParameterError(name, value, "at least one event type")
    return tuple(str(kind) for kind in types)


# ---- event-driven orders shared by event_drift, relative_value and permit_fade ----


def event_orders(
    context: StrategyContext, plan: pd.DataFrame, allow_short: bool
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Entry signals for planned (asset, session, side) rows; the time exit is the simulator's.

    ``plan`` has columns ``asset, session, sign, event_id``: ``sign`` > 0 long, < 0 short, 0 not
    traded (not an exposure of the template). Each row's signal goes to the asset's first session
    with a price on or after ``session``; the rows landing on one session net out.

    Returns ``(entries, short_entries, orders, skipped)``: ``orders`` has one row per entry signal
    (:data:`PLAN_COLUMNS`), ``skipped`` one row per event that gave none (:data:`SKIPPED_COLUMNS`):
    no price on or after its session, netted out by an opposite event, or a short while
    ``allow_short`` is False.
    """
    close = context.close
    entries = np.zeros(close.shape, dtype=bool)
    short_entries = np.zeros(close.shape, dtype=bool)
    plan = plan[plan["asset"].isin(close.columns) & (plan["sign"] != 0)]
    observed = close.notna().to_numpy()
    placed, skipped = [], []
    for asset, events in plan.groupby("asset", sort=False):
        column = close.columns.get_loc(asset)
        rows = np.flatnonzero(observed[:, column])
        positions = np.searchsorted(close.index[rows], events["session"].to_numpy(), side="left")
        inside = positions < len(rows)
        for event in events[~inside].itertuples():
            skipped.append((event.event_id, asset, event.session, "no price on or after its session"))
        events = events[inside].assign(row=rows[positions[inside]])
        for row, group in events.groupby("row", sort=True):
            sign = group["sign"].sum()
            reason = "netted out by an opposite event" if sign == 0 else None
            if sign < 0 and not allow_short:
                reason = "short side not allowed (allow_short=False)"
            if reason is not None:
                skipped += [
                    (event_id, asset, session, reason) for event_id, session in zip(group["event_id"], group["session"])
                ]
                continue
            (entries if sign > 0 else short_entries)[row, column] = True
            placed.append((asset, close.index[row], "long" if sign > 0 else "short", ";".join(group["event_id"]),
                           group["session"].min()))  # fmt: skip
    orders = plan_frame(placed).sort_values(["entry_session", "asset"], ignore_index=True)
    frames = [
        pd.DataFrame(flags, index=close.index, columns=close.columns, copy=False) for flags in (entries, short_entries)
    ]
    return frames[0], frames[1], orders, skipped_frame(skipped)


def chosen_events(context: StrategyContext, types: Iterable[str], min_severity: int) -> pd.DataFrame:
    """Aligned (event, asset) rows of the given types and at least this severe."""
    table = context.alignment.table
    return table[table["type"].isin(list(types)) & (table["severity"] >= min_severity)]


def default_tickers(universe: pd.DataFrame, params: Any) -> list[str]:
    """Assets a template trades by default: its own choice, else those with a non-zero exposure sign."""
    from ._event_drift import asset_exposure  # the template module builds on this one

    if hasattr(params, "tickers"):
        return params.tickers(universe)
    exposure = asset_exposure(universe, getattr(params, "exposure", None))
    return list(exposure.index[exposure != 0])


def build_context(
    calendar: EventCalendar,
    universe: pd.DataFrame,
    close: pd.DataFrame,
    after_close: time = AFTER_CLOSE,
    max_dropped: int | None = None,
    close_margin: pd.Timedelta | None = CLOSE_MARGIN,
) -> StrategyContext:
    """Align the calendar to each asset's observed sessions and bundle what templates read.

    ``after_close``, ``max_dropped`` and ``close_margin`` are those of :func:`signals.align_events`
    (templates trade at the close: by default an event known 30 minutes before a close trades at it).
    """
    data_sessions = {asset: close.index[close[asset].notna().to_numpy()] for asset in close.columns}
    alignment = align_events(
        calendar, universe, close.columns, after_close=after_close, max_dropped=max_dropped,
        data_sessions=data_sessions, close_margin=close_margin,
    )  # fmt: skip
    return StrategyContext(calendar, universe, close, alignment)
