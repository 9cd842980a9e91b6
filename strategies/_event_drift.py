"""``event_drift``: trade the drift after policy events for a short horizon, with early exits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar

import pandas as pd

from signals import ChinaExposure, Direction, EventType
from signals.errors import ParameterError

from ._base import (
    EventPlan,
    StrategyContext,
    StrategySignals,
    asset_exposure,
    check_choice,
    check_event_types,
    check_fraction,
    check_int,
    chosen_events,
    event_orders,
    shortable_columns,
    skipped_frame,
)
from ._countries import TARGET_MODES, aimed_rows, listing_country
from ._registry import register

__all__ = ["EventDriftParams", "asset_exposure", "event_drift", "momentum_exits"]

DEFAULT_TYPES = (
    EventType.RESTRICTION_TIGHTENING,
    EventType.RETALIATION_ESCALATION,
    EventType.PERMIT_APPROVAL,
    EventType.EASING_PAUSE,
    EventType.NEGOTIATION_WINDOW,
)
MAX_HORIZON = 63  # a quarter; the template is meant for 21 sessions or fewer


@dataclass(frozen=True)
class EventDriftParams:
    """Parameters of :func:`event_drift`, validated on construction.

    Attributes
    ----------
    event_types : tuple of str
        Event types that open positions.
    horizon : int
        Time stop: sessions to hold at most, 1..63; default 10 (two weeks).
    min_severity : int
        Only events at least this severe (1..3) trade.
    stop_loss, take_profit : float or None
        Fixed stops as fractions of the entry price (0.08 = 8%), checked at the close.
    trailing_stop : float or None
        A stop that trails the best close since entry (instead of ``stop_loss``).
    exit_before_window_end : int or None
        Close positions this many sessions before the active negotiation window ends (0..21).
    momentum_lookback : int or None
        Early unwind: exit when the return over this many sessions turns against the position.
    ma_window : int or None
        Early unwind: exit a long when the close falls below its moving average over this many
        sessions (a short when it rises above). Momentum exits act on the next session's close.
    allow_short : bool
        Whether a negative signal opens a short (default False: it is skipped).
    exposure : mapping, optional
        Sign of a tightening per China-exposure class, for the assets of the classes named
        (the others keep the universe's per-asset ``exposure`` column, the default); an easing flips
        it. On the command line: ``--param exposure=china_producer:1+china_magnet_maker:1``.
    target_countries : {"ignore", "listing"}
        What an event's ``countries_included`` / ``countries_excluded`` decide. ``ignore`` (default):
        nothing, every event trades every asset. ``listing``: an event trades an asset only when it is
        aimed at the country the asset is listed in (its exchange's: MP the US, LYC Australia), and
        always on China-listed assets, China being the party to every measure; the others are skipped,
        said in the run's events (see :mod:`strategies._countries`).
    """

    event_types: tuple[str, ...] = tuple(str(kind) for kind in DEFAULT_TYPES)
    horizon: int = 10
    min_severity: int = 2
    stop_loss: float | None = None
    take_profit: float | None = None
    trailing_stop: float | None = None
    exit_before_window_end: int | None = None
    momentum_lookback: int | None = None
    ma_window: int | None = None
    allow_short: bool = False
    exposure: Mapping[str, int] | None = None
    target_countries: str = "ignore"

    #: The documented sweep grid (short horizons, with and without stops and early unwinds).
    GRID: ClassVar[dict[str, tuple]] = {
        "horizon": (3, 5, 10, 15, 21),
        "min_severity": (1, 2, 3),
        "stop_loss": (None, 0.05, 0.10),
        "take_profit": (None, 0.10, 0.20),
        "momentum_lookback": (None, 5, 10),
    }

    def __post_init__(self) -> None:
        object.__setattr__(self, "event_types", check_event_types("event_types", self.event_types))
        check_int("horizon", self.horizon, 1, MAX_HORIZON)
        check_int("min_severity", self.min_severity, 1, 3)
        check_fraction("stop_loss", self.stop_loss)
        check_fraction("take_profit", self.take_profit, high=10.0)
        check_fraction("trailing_stop", self.trailing_stop)
        if self.trailing_stop is not None and self.stop_loss is not None:
            raise ParameterError("trailing_stop", self.trailing_stop, "None when stop_loss is set (one stop-loss)")
        check_int("exit_before_window_end", self.exit_before_window_end, 0, 21, optional=True)
        check_int("momentum_lookback", self.momentum_lookback, 2, 63, optional=True)
        check_int("ma_window", self.ma_window, 2, 100, optional=True)
        if not isinstance(self.allow_short, bool):
            raise ParameterError("allow_short", self.allow_short, "True or False")
        check_choice("target_countries", self.target_countries, TARGET_MODES)
        if self.exposure is None:
            return
        exposure = _exposure_mapping(self.exposure)
        for key, sign in exposure.items():
            if key not in set(ChinaExposure):
                raise ParameterError("exposure", key, f"keys from: {', '.join(ChinaExposure)}")
            if sign not in (-1, 0, 1):
                raise ParameterError(f"exposure[{key}]", sign, "-1, 0 or 1")
        object.__setattr__(self, "exposure", MappingProxyType({str(k): int(v) for k, v in exposure.items()}))


def _exposure_mapping(value: object) -> dict:
    """``exposure`` as a mapping: given as one (notebooks, config files), or as ``KEY:SIGN`` items
    (the command line's ``--param exposure=outside_china:1+china:-1``)."""
    if isinstance(value, Mapping):
        return dict(value)
    items = (value,) if isinstance(value, str) else value
    valid = f"a mapping, or KEY:SIGN items joined by '+' (keys from: {', '.join(ChinaExposure)}; signs -1, 0, 1)"
    if not isinstance(items, tuple | list) or not all(isinstance(item, str) and item.count(":") == 1 for item in items):
        raise ParameterError("exposure", value, valid)
    pairs = [item.split(":") for item in items]
    try:
        return {key.strip(): int(sign) for key, sign in pairs}
    except ValueError:
        raise ParameterError("exposure", value, valid) from None


def momentum_exits(
    close: pd.DataFrame, momentum_lookback: int | None, ma_window: int | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(long exits, short exits) when momentum turns: on each asset's own sessions, acting one session later.

    A long unwinds when the ``momentum_lookback``-session return is negative or the close is
    below its ``ma_window``-session average; a short in the opposite cases. Decided on the close
    of session t, filled at the close of the asset's next session (no same-close look-ahead).
    """
    long_exits = pd.DataFrame(False, index=close.index, columns=close.columns)
    short_exits = long_exits.copy()
    if momentum_lookback is None and ma_window is None:
        return long_exits, short_exits
    for asset in close.columns:
        own = close[asset].dropna()
        against_long = pd.Series(False, index=own.index)
        against_short = pd.Series(False, index=own.index)
        if momentum_lookback is not None:
            change = own.pct_change(momentum_lookback)
            against_long |= change < 0
            against_short |= change > 0
        if ma_window is not None:
            average = own.rolling(ma_window).mean()
            against_long |= own < average
            against_short |= own > average
        long_exits.loc[own.index, asset] = against_long.shift(1, fill_value=False).to_numpy()
        short_exits.loc[own.index, asset] = against_short.shift(1, fill_value=False).to_numpy()
    return long_exits, short_exits


def _signed(
    context: StrategyContext, params: EventDriftParams, table: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The chosen aligned events with their ``sign`` (the event's direction times the asset's exposure):
    those aimed at the asset's country (all, unless ``target_countries=listing``), and the others."""
    events = chosen_events(context, params.event_types, params.min_severity, table)
    exposure = events["asset"].map(asset_exposure(context.universe, params.exposure)).to_numpy()
    direction = events["direction"].map({str(kind): kind.sign for kind in Direction}).to_numpy()
    signed = events.assign(sign=direction * exposure)
    if params.target_countries == "ignore":
        return signed, signed.iloc[:0]
    aimed = aimed_rows(context.calendar, context.universe, signed)
    return signed[aimed], signed[~aimed]


def _not_aimed(context: StrategyContext, rows: pd.DataFrame) -> pd.DataFrame:
    """Skipped rows (:data:`strategies.SKIPPED_COLUMNS`) for events not aimed at their asset's country,
    of the assets traded with a sign (as :func:`event_orders` would have weighed them)."""
    rows = rows[rows["asset"].isin(context.close.columns) & (rows["sign"] != 0)]
    reasons = [
        f"not aimed at {listing_country(context.universe, asset)}, where it is listed (target_countries=listing)"
        for asset in rows["asset"]
    ]
    return skipped_frame(zip(rows["event_id"], rows["asset"], rows["session"], reasons))


def _early_exits(context: StrategyContext, params: EventDriftParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    return context.memo(
        ("momentum_exits", params.momentum_lookback, params.ma_window),
        lambda: momentum_exits(context.close, params.momentum_lookback, params.ma_window),
    )


def event_drift_plan(context: StrategyContext, params: EventDriftParams, table: pd.DataFrame) -> EventPlan | None:
    """:func:`event_drift`'s plan for a table of aligned events (None with ``exit_before_window_end``,
    whose exits read the calendar's windows)."""
    if params.exit_before_window_end is not None:
        return None
    stop = params.trailing_stop if params.trailing_stop is not None else params.stop_loss
    allowed = shortable_columns(context, params.allow_short)  # not on assets the universe says are not shortable
    return EventPlan(_signed(context, params, table)[0], allowed, params.horizon, stop, params.take_profit,
                     params.trailing_stop is not None, _early_exits(context, params))  # fmt: skip


def _orders_with_early_exits(context: StrategyContext, params: EventDriftParams):
    aimed, not_aimed = _signed(context, params)
    allowed = shortable_columns(context, params.allow_short)
    entries, short_entries, orders, skipped = event_orders(context, aimed, allowed)
    if len(not_aimed):
        extra = _not_aimed(context, not_aimed)
        skipped = extra if skipped.empty else pd.concat([skipped, extra], ignore_index=True)
    early_long, early_short = _early_exits(context, params)
    if params.exit_before_window_end is not None:
        countdown = context.panel.xs("window_countdown", axis=1, level="signal")[context.close.columns]
        closing = (countdown <= params.exit_before_window_end).fillna(False)
        early_long, early_short = early_long | closing, early_short | closing
    # An early exit never cancels the entry it coincides with (it acts from the next session).
    return entries, early_long & ~entries, short_entries, early_short & ~short_entries, orders, skipped


@register("event_drift", EventDriftParams, plan=event_drift_plan)
def event_drift(context: StrategyContext, params: EventDriftParams) -> StrategySignals:
    """Enter at the close of the first session with a price on or after each aligned event session.

    The side is the event's direction sign times the asset's exposure sign (events landing on
    the same session net out); with ``target_countries="listing"`` an event trades only the assets
    listed in a country it is aimed at (and China's). A position closes ``horizon`` of the asset's
    own sessions after its entry (time stop) unless a stop, the window exit or a momentum unwind
    fires first. An event in the position's direction while it is open adds nothing; on the session
    its time exit falls due it rolls the position over (see :class:`StrategySignals`).
    """
    exposure_key = tuple(sorted(params.exposure.items())) if params.exposure is not None else None
    key = (
        "event_drift", params.event_types, params.min_severity, exposure_key, params.allow_short,
        params.momentum_lookback, params.ma_window, params.exit_before_window_end, params.target_countries,
    )  # fmt: skip
    entries, exits, short_entries, short_exits, orders, skipped = context.memo(
        key, lambda: _orders_with_early_exits(context, params)
    )
    stop = params.trailing_stop if params.trailing_stop is not None else params.stop_loss
    return StrategySignals(
        entries, exits, short_entries, short_exits, stop, params.take_profit, orders,
        sl_trail=params.trailing_stop is not None, time_stop=params.horizon, skipped=skipped,
    )  # fmt: skip
