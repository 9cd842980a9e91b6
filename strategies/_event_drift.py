"""``event_drift``: trade the drift after policy events, for a short, fixed horizon."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from signals import Alignment, ChinaExposure, EventType
from signals.errors import ParameterError

from ._registry import register

__all__ = ["EventDriftParams", "StrategySignals", "asset_exposure", "event_drift"]

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
        Sessions to hold (time stop), 1..63; default 10 (two weeks).
    min_severity : int
        Only events at least this severe (1..3) trade.
    stop_loss, take_profit : float or None
        Optional stops as fractions of the entry price (0.08 = 8%).
    allow_short : bool
        Whether a negative signal opens a short (default False: it is skipped).
    exposure : mapping, optional
        Sign of a tightening per China-exposure class, overriding the universe's per-asset
        ``exposure`` column (the default); an easing flips it.
    """

    event_types: tuple[str, ...] = tuple(str(kind) for kind in DEFAULT_TYPES)
    horizon: int = 10
    min_severity: int = 2
    stop_loss: float | None = None
    take_profit: float | None = None
    allow_short: bool = False
    exposure: Mapping[str, int] | None = None

    def __post_init__(self) -> None:
        types = (self.event_types,) if isinstance(self.event_types, str) else tuple(self.event_types)
        valid = [str(kind) for kind in EventType]
        for kind in types:
            if kind not in valid:
                raise ParameterError("event_types", kind, f"event types from: {', '.join(valid)}")
        if not types:
            raise ParameterError("event_types", self.event_types, "at least one event type")
        object.__setattr__(self, "event_types", tuple(str(kind) for kind in types))
        if isinstance(self.horizon, bool) or not isinstance(self.horizon, (int, np.integer)):
            raise ParameterError("horizon", self.horizon, f"an integer number of sessions in 1..{MAX_HORIZON}")
        if not 1 <= self.horizon <= MAX_HORIZON:
            raise ParameterError("horizon", self.horizon, f"an integer number of sessions in 1..{MAX_HORIZON}")
        if self.min_severity not in (1, 2, 3):
            raise ParameterError("min_severity", self.min_severity, "1, 2 or 3")
        for name, upper in (("stop_loss", 1.0), ("take_profit", 10.0)):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and 0 < value < upper):
                raise ParameterError(name, value, f"None or a fraction in (0, {upper:g})")
        if not isinstance(self.allow_short, bool):
            raise ParameterError("allow_short", self.allow_short, "True or False")
        if self.exposure is None:
            return
        exposure = dict(self.exposure)
        for key, sign in exposure.items():
            if key not in set(ChinaExposure):
                raise ParameterError("exposure", key, f"keys from: {', '.join(ChinaExposure)}")
            if sign not in (-1, 0, 1):
                raise ParameterError(f"exposure[{key}]", sign, "-1, 0 or 1")
        object.__setattr__(self, "exposure", MappingProxyType({str(k): int(v) for k, v in exposure.items()}))


@dataclass(frozen=True)
class StrategySignals:
    """vectorbt-ready orders of a template, aligned with the price frame.

    ``entries``/``exits`` (long) and ``short_entries``/``short_exits`` are boolean frames shaped
    like ``close``; ``trades`` has one row per intended entry with the events behind it.
    """

    entries: pd.DataFrame
    exits: pd.DataFrame
    short_entries: pd.DataFrame
    short_exits: pd.DataFrame
    sl_stop: float | None
    tp_stop: float | None
    trades: pd.DataFrame


def asset_exposure(universe: pd.DataFrame, by_class: Mapping[str, int] | None) -> pd.Series:
    """Each asset's sign of a tightening: the universe's column, or ``by_class`` when given."""
    if by_class is None:
        return universe["exposure"]
    return universe["china_exposure"].map(by_class).fillna(0).astype(int)


@register("event_drift", EventDriftParams)
def event_drift(
    alignment: Alignment, close: pd.DataFrame, params: EventDriftParams, universe: pd.DataFrame
) -> StrategySignals:
    """Enter at the close of the first session with a price on or after each aligned event session.

    The side is the event's direction sign times the asset's exposure sign (events landing on
    the same session net out). A position is closed ``horizon`` of the asset's own sessions later
    (time stop) unless a stop fires first; it never lasts longer.
    """
    shape = dict(index=close.index, columns=close.columns)
    entries = pd.DataFrame(False, **shape)
    short_entries = pd.DataFrame(False, **shape)
    exits = pd.DataFrame(False, **shape)
    short_exits = pd.DataFrame(False, **shape)
    table = alignment.table
    table = table[table["type"].isin(params.event_types) & (table["severity"] >= params.min_severity)]
    direction_sign = np.where(table["direction"] == "tightening", 1, -1)
    exposure = table["asset"].map(asset_exposure(universe, params.exposure))
    table = table.assign(sign=direction_sign * exposure.to_numpy())
    planned = []
    for asset, events in table[table["asset"].isin(close.columns)].groupby("asset", sort=False):
        observed = close.index[close[asset].notna().to_numpy()]
        column = close.columns.get_loc(asset)
        for session, same_day in events.groupby("session"):
            net = int(np.sign(same_day["sign"].sum()))
            if net == 0 or (net < 0 and not params.allow_short):
                continue
            position = observed.searchsorted(session, side="left")
            if position >= len(observed):
                continue
            entry_day = observed[position]
            exit_day = observed[position + params.horizon] if position + params.horizon < len(observed) else pd.NaT
            (entries if net > 0 else short_entries).iloc[close.index.get_loc(entry_day), column] = True
            if exit_day is not pd.NaT:
                (exits if net > 0 else short_exits).iloc[close.index.get_loc(exit_day), column] = True
            planned.append(
                (asset, ";".join(same_day["event_id"]), session, entry_day, exit_day, "long" if net > 0 else "short")
            )
    trades = pd.DataFrame(
        planned, columns=["asset", "event_ids", "event_session", "entry_session", "time_exit_session", "side"]
    )
    return StrategySignals(entries, exits, short_entries, short_exits, params.stop_loss, params.take_profit, trades)
