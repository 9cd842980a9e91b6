"""Two more event-driven templates: ``permit_fade`` and ``relative_value``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from signals import EventType
from signals.errors import ParameterError

from ._base import (
    EventPlan,
    StrategyContext,
    StrategySignals,
    asset_exposure,
    check_event_types,
    check_fraction,
    check_int,
    check_tickers,
    chosen_events,
    in_universe,
    plan_signals,
    shortable_columns,
)
from ._registry import register

__all__ = ["PermitFadeParams", "RelativeValueParams", "permit_fade", "relative_value"]


@dataclass(frozen=True)
class PermitFadeParams:
    """Parameters of :func:`permit_fade`.

    Attributes
    ----------
    rally_lookback : int
        Sessions before the permit news over which the tightening rally is measured (2..63).
    min_rally : float
        Fade only when the asset moved at least this much in its tightening direction (0.10 = 10%).
    horizon : int
        Sessions to hold the fade (1..21; default 5).
    min_severity : int
        Only permit approvals at least this severe.
    stop_loss, take_profit : float or None
        Optional stops, as fractions of the entry price.
    allow_short : bool
        Fading producers outside China means shorting them (default True).
    """

    rally_lookback: int = 10
    min_rally: float = 0.10
    horizon: int = 5
    min_severity: int = 1
    stop_loss: float | None = None
    take_profit: float | None = None
    allow_short: bool = True

    GRID: ClassVar[dict[str, tuple]] = {
        "rally_lookback": (5, 10, 21),
        "min_rally": (0.05, 0.10, 0.20),
        "horizon": (3, 5, 10),
    }

    def __post_init__(self) -> None:
        check_int("rally_lookback", self.rally_lookback, 2, 63)
        check_fraction("min_rally", self.min_rally, high=5.0, optional=False)
        check_int("horizon", self.horizon, 1, 21)
        check_int("min_severity", self.min_severity, 1, 3)
        check_fraction("stop_loss", self.stop_loss)
        check_fraction("take_profit", self.take_profit, high=10.0)
        if not isinstance(self.allow_short, bool):
            raise ParameterError("allow_short", self.allow_short, "True or False")


def permit_fade_plan(context: StrategyContext, params: PermitFadeParams, table: pd.DataFrame) -> EventPlan:
    """:func:`permit_fade`'s plan for a table of aligned events."""
    events = chosen_events(context, (str(EventType.PERMIT_APPROVAL),), params.min_severity, table)
    exposure = events["asset"].map(asset_exposure(context.universe, None)).to_numpy()
    rallies = np.full(len(events), np.nan)
    for asset, rows in pd.Series(np.arange(len(events))).groupby(events["asset"].to_numpy()):
        prices = context.close[asset].dropna()
        before = prices.index.searchsorted(events["session"].to_numpy()[rows.to_numpy()], side="left")
        enough = before > params.rally_lookback  # strictly before the event session: lookback + 1 closes
        last = prices.to_numpy()[np.maximum(before - 1, 0)]
        first = prices.to_numpy()[np.maximum(before - 1 - params.rally_lookback, 0)]
        rallies[rows.to_numpy()] = np.where(enough, last / first - 1, np.nan)
    move = exposure * rallies
    plan = events.assign(sign=np.where(move >= params.min_rally, -exposure, 0))
    allowed = shortable_columns(context, params.allow_short)
    return EventPlan(plan, allowed, params.horizon, params.stop_loss, params.take_profit)


@register("permit_fade", PermitFadeParams, plan=permit_fade_plan)
def permit_fade(context: StrategyContext, params: PermitFadeParams) -> StrategySignals:
    """Fade the tightening rally after permit approvals.

    When permits are approved, an asset that rallied in its tightening direction (producers
    outside China up, Chinese makers down) by at least ``min_rally`` over the ``rally_lookback``
    sessions *before* the news takes the opposite side for ``horizon`` sessions.
    """
    return plan_signals(context, permit_fade_plan(context, params, context.alignment.table))


@dataclass(frozen=True)
class RelativeValueParams:
    """Parameters of :func:`relative_value`.

    Attributes
    ----------
    longs : tuple of str
        Producers outside China to buy around tightening events.
    hedges : tuple of str
        What to short against them: REMX (default), or Chinese producers such as 600111.
    event_types : tuple of str
        Events that open the pair (default: restriction tightening).
    min_severity : int
    horizon : int
        Sessions to hold each leg (1..21; default 10).
    stop_loss : float or None
        Per-leg stop.

    Currencies: each leg trades in its own currency with its own equal starting capital and is
    measured by its own returns; nothing is converted (the legs are, in effect, currency-hedged).
    """

    longs: tuple[str, ...] = ("MP", "LYC", "ILU")
    hedges: tuple[str, ...] = ("REMX",)
    event_types: tuple[str, ...] = (str(EventType.RESTRICTION_TIGHTENING),)
    min_severity: int = 2
    horizon: int = 10
    stop_loss: float | None = None

    GRID: ClassVar[dict[str, tuple]] = {
        "hedges": (("REMX",), ("600111", "600392")),
        "horizon": (5, 10, 21),
        "min_severity": (2, 3),
    }

    def __post_init__(self) -> None:
        for name in ("longs", "hedges"):
            object.__setattr__(self, name, check_tickers(name, getattr(self, name)))
        if set(self.longs) & set(self.hedges):
            raise ParameterError("hedges", self.hedges, f"tickers not also in longs {self.longs}")
        object.__setattr__(self, "event_types", check_event_types("event_types", self.event_types))
        check_int("min_severity", self.min_severity, 1, 3)
        check_int("horizon", self.horizon, 1, 21)
        check_fraction("stop_loss", self.stop_loss)

    def tickers(self, universe: pd.DataFrame) -> list[str]:
        """The assets the template trades."""
        return in_universe("longs", self.longs, universe) + in_universe("hedges", self.hedges, universe)


def relative_value_plan(context: StrategyContext, params: RelativeValueParams, table: pd.DataFrame) -> EventPlan:
    """:func:`relative_value`'s plan for a table of aligned events."""
    params.tickers(context.universe)
    events = chosen_events(context, params.event_types, params.min_severity, table)
    role = pd.Series({**dict.fromkeys(params.longs, 1), **dict.fromkeys(params.hedges, -1)})
    allowed = shortable_columns(context, True)  # a hedge the universe says is not shortable is skipped, said
    return EventPlan(events.assign(sign=events["asset"].map(role).fillna(0).to_numpy()), allowed, params.horizon,
                     params.stop_loss)  # fmt: skip


@register("relative_value", RelativeValueParams, plan=relative_value_plan)
def relative_value(context: StrategyContext, params: RelativeValueParams) -> StrategySignals:
    """Long producers outside China against short Chinese producers or REMX, around tightening events.

    On each chosen event, every long leg buys and every hedge leg sells short on its own exchange's
    first tradable session, each for ``horizon`` of its own sessions.
    """
    return plan_signals(context, relative_value_plan(context, params, context.alignment.table))
