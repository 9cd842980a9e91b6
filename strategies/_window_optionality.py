"""``window_optionality``: near-term synthetic options around negotiation deadlines and event clusters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from signals.errors import ParameterError

from ._base import (
    StrategyContext,
    StrategySignals,
    check_choice,
    check_fraction,
    check_int,
    check_tickers,
    in_universe,
    plan_frame,
    skipped_frame,
)
from ._options import LEGS, option_value, realized_volatility
from ._registry import register

__all__ = ["WindowOptionalityParams", "window_optionality"]

WINDOW_TYPES = ("negotiation_window", "easing_pause")

#: Worthless options settle at this price (vectorbt cannot fill at exactly zero).
SETTLEMENT_FLOOR = 1e-9


@dataclass(frozen=True)
class WindowOptionalityParams:
    """Parameters of :func:`window_optionality`.

    Attributes
    ----------
    leg : {"straddle", "call", "put"}
        What to buy, at the money.
    expiry : int
        Sessions to expiry (1..63; default 21, about one month).
    days_before_deadline : int or None
        Buy when a negotiation window or suspension has this many sessions left (default 10).
    cluster_events : int or None
        Also buy when at least this many events hit the asset within ``cluster_window`` sessions.
    cluster_window : int
        Sessions over which events count as a cluster.
    vol_lookback : int
        Sessions of realized volatility (before each session) used to price.
    vol_markup : float
        Priced volatility = realized x (1 + markup): the premium paid over realized (default 20%).
    rate : float
        Continuously compounded annual rate (default 0).
    budget : float
        Fraction of the underlying's available cash spent on each premium (default 10%).
    take_profit, stop_loss : float or None
        Unwind early when the premium gains / loses this fraction.
    underlyings : tuple of str or None
        Assets to write options on (default: producers outside China and the sector ETFs).
    """

    leg: str = "straddle"
    expiry: int = 21
    days_before_deadline: int | None = 10
    cluster_events: int | None = 3
    cluster_window: int = 5
    vol_lookback: int = 21
    vol_markup: float = 0.2
    rate: float = 0.0
    budget: float = 0.1
    take_profit: float | None = 1.0
    stop_loss: float | None = None
    underlyings: tuple[str, ...] | None = None

    GRID: ClassVar[dict[str, tuple]] = {
        "leg": LEGS,
        "expiry": (10, 15, 21),
        "days_before_deadline": (5, 10, 15),
        "vol_markup": (0.0, 0.2, 0.5),
        "take_profit": (None, 0.5, 1.0),
    }

    def __post_init__(self) -> None:
        check_choice("leg", self.leg, LEGS)
        check_int("expiry", self.expiry, 1, 63)
        check_int("days_before_deadline", self.days_before_deadline, 1, 63, optional=True)
        check_int("cluster_events", self.cluster_events, 2, 20, optional=True)
        check_int("cluster_window", self.cluster_window, 1, 21)
        check_int("vol_lookback", self.vol_lookback, 5, 252)
        check_fraction("vol_markup", self.vol_markup, high=5.0, optional=False, low=-0.5)
        check_fraction("rate", self.rate, high=0.5, optional=False, low=-0.1)
        check_fraction("budget", self.budget, high=1.0, optional=False, high_included=True)
        check_fraction("take_profit", self.take_profit, high=50.0)
        check_fraction("stop_loss", self.stop_loss)
        if self.underlyings is not None:
            object.__setattr__(self, "underlyings", check_tickers("underlyings", self.underlyings))
        if self.days_before_deadline is None and self.cluster_events is None:
            raise ParameterError("days_before_deadline", None, "a number of sessions when cluster_events is None")

    def tickers(self, universe: pd.DataFrame) -> list[str]:
        """The underlyings: given, or the producers outside China and the sector ETFs."""
        if self.underlyings is not None:
            return in_universe("underlyings", self.underlyings, universe)
        chosen = universe["china_exposure"].isin(["ex_china_producer", "etf"])
        return list(universe.index[chosen])


def _triggers(context: StrategyContext, asset: str, params: WindowOptionalityParams) -> list[tuple[int, str]]:
    """Own-session positions where a deadline approaches or an event cluster forms, with the events behind each."""
    observed = context.observed(asset)
    table = context.alignment.table
    mine = table[table["asset"] == asset]
    found: dict[int, list[str]] = {}
    if params.days_before_deadline is not None:
        countdown = context.panel[(asset, "window_countdown")].reindex(observed).to_numpy()
        windows = mine[mine["type"].isin(WINDOW_TYPES)]
        for position in np.flatnonzero(countdown == params.days_before_deadline):
            started = windows[windows["session"] <= observed[position]]
            # The window counting down is the latest one started (see signals.transforms.window_countdown).
            found.setdefault(int(position), []).extend(started["event_id"].iloc[-1:])
    if params.cluster_events is not None:
        positions = np.clip(observed.searchsorted(mine["session"]), 0, len(observed))
        counts = np.bincount(positions, minlength=len(observed) + 1)
        recent = pd.Series(counts[: len(observed)]).rolling(params.cluster_window, min_periods=1).sum().to_numpy()
        crossing = (recent >= params.cluster_events) & (np.r_[0, recent[:-1]] < params.cluster_events)
        for position in np.flatnonzero(crossing):
            inside = (positions > position - params.cluster_window) & (positions <= position)
            found.setdefault(int(position), []).extend(mine["event_id"][inside])
    return [(position, ";".join(dict.fromkeys(ids))) for position, ids in sorted(found.items())]


@register("window_optionality", WindowOptionalityParams)
def window_optionality(context: StrategyContext, params: WindowOptionalityParams) -> StrategySignals:
    """Buy near-term synthetic options before negotiation deadlines and on event clusters.

    Each contract is struck at the money at the close it is bought, priced by Black-Scholes with
    realized volatility (of the sessions before) times ``1 + vol_markup``, marked to model every
    session, and settled at intrinsic value at expiry unless unwound earlier by the take-profit or
    stop-loss. Its premium series is a synthetic asset (``<ticker>|<leg>|<entry date>``); the
    contracts on one underlying share that underlying's cash. One contract per underlying at a time.
    """
    close = context.close
    premiums, planned, groups, skipped = {}, [], {}, []
    for asset in close.columns:
        observed = context.observed(asset)
        spot = close[asset].reindex(observed).to_numpy()
        volatility = realized_volatility(spot, params.vol_lookback) * (1 + params.vol_markup)
        busy_until = -1
        for start, event_ids in _triggers(context, asset, params):
            end = start + params.expiry  # may lie beyond the data: the contract is then still open
            reason = None
            if start <= busy_until:
                reason = "a contract on this underlying is still open"
            elif not np.isfinite(volatility[start]):
                reason = f"fewer than {params.vol_lookback} sessions of prices to price it"
            if reason is not None:
                skipped += [(event_id, asset, observed[start], reason) for event_id in event_ids.split(";") if event_id]
                continue
            busy_until = end
            span = np.arange(start, min(end, len(observed) - 1) + 1)
            years = (end - span) / 252.0
            value = option_value(params.leg, spot[span], spot[start], years, volatility[span], params.rate)
            name = f"{asset}|{params.leg}|{observed[start]:%Y-%m-%d}"
            series = pd.Series(np.nan, index=close.index)
            series.loc[observed[span]] = np.maximum(value, SETTLEMENT_FLOOR)
            premiums[name] = series
            groups[name] = asset
            expiry = observed[end] if end < len(observed) else pd.NaT
            planned.append((name, observed[start], "long", event_ids, observed[start], expiry))
    traded = pd.DataFrame(premiums, index=close.index, columns=pd.Index(list(premiums), dtype="str"))
    entries = pd.DataFrame(False, index=close.index, columns=traded.columns)
    exits = entries.copy()
    for name, entry, *_, expiry in planned:
        entries.at[entry, name] = True
        if expiry is not pd.NaT:
            exits.at[expiry, name] = True
    orders = plan_frame(row[:-1] for row in planned)
    nothing = entries & False
    return StrategySignals(
        entries, exits, nothing, nothing.copy(), params.stop_loss, params.take_profit, orders,
        close=traded, size=params.budget, cash_sharing=True,
        group_by=pd.Index([groups[name] for name in traded.columns], name="underlying"),
        skipped=skipped_frame(skipped),
    )  # fmt: skip
