"""``regime_tilt``: tilt a rare-earth basket toward producers outside China while pressure is high."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from signals.errors import ParameterError

from ._base import (
    StrategyContext,
    StrategySignals,
    check_fraction,
    check_tickers,
    empty_orders,
    in_universe,
    plan_frame,
)
from ._registry import register

__all__ = ["RegimeTiltParams", "regime_tilt"]


@dataclass(frozen=True)
class RegimeTiltParams:
    """Parameters of :func:`regime_tilt`.

    Attributes
    ----------
    threshold : float
        Regime pressure above which the basket starts to tilt (pressure: decayed sum of
        direction x severity, half-life 21 sessions; see :func:`signals.build_signals`).
    full_tilt_at : float
        Pressure at which the tilt is complete; in between it grows linearly, and it fades back
        to neutral the same way as the pressure decays.
    tilt : float
        At full tilt, weights outside China are scaled by ``1 + tilt`` and Chinese ones by
        ``1 - tilt`` before renormalising (0 < tilt <= 1).
    rebalance_band : float
        Rebalance only when some target weight moved by more than this since the last rebalance.
    basket : tuple of str or None
        Assets (default: every producer, developer and magnet maker, ETFs and benchmarks excluded).
    """

    threshold: float = 2.0
    full_tilt_at: float = 6.0
    tilt: float = 0.5
    rebalance_band: float = 0.02
    basket: tuple[str, ...] | None = None

    GRID: ClassVar[dict[str, tuple]] = {
        "threshold": (1.0, 2.0, 4.0),
        "full_tilt_at": (4.0, 8.0),
        "tilt": (0.25, 0.5, 1.0),
    }

    def __post_init__(self) -> None:
        check_fraction("threshold", self.threshold, high=100.0, optional=False)
        check_fraction("full_tilt_at", self.full_tilt_at, high=100.0, optional=False)
        if self.full_tilt_at <= self.threshold:
            raise ParameterError("full_tilt_at", self.full_tilt_at, f"a pressure above threshold {self.threshold}")
        check_fraction("tilt", self.tilt, high=1.0, optional=False, high_included=True)
        check_fraction("rebalance_band", self.rebalance_band, high=0.5, optional=False)
        if self.basket is not None:
            basket = check_tickers("basket", self.basket)
            if len(basket) < 2:
                raise ParameterError("basket", self.basket, "None or at least two tickers")
            object.__setattr__(self, "basket", basket)

    def tickers(self, universe: pd.DataFrame) -> list[str]:
        """The basket: given, or every non-ETF, non-benchmark asset with an exposure."""
        if self.basket is not None:
            return in_universe("basket", self.basket, universe)
        chosen = ~universe["china_exposure"].isin(["etf", "benchmark"]) & (universe["exposure"] != 0)
        return list(universe.index[chosen])


@register("regime_tilt", RegimeTiltParams)
def regime_tilt(context: StrategyContext, params: RegimeTiltParams) -> StrategySignals:
    """Hold an equal-weight rare-earth basket, tilted toward producers outside China while pressure is high.

    Target-percent sizing with shared cash: the weights sum to one over the assets that have a
    price, and orders go in only on sessions where some weight moved more than ``rebalance_band``.
    """
    close = context.close
    signs = context.universe.loc[close.columns, "exposure"].to_numpy(dtype=float)
    pressure = context.panel.xs("regime_pressure", axis=1, level="signal")[close.columns].ffill().mean(axis=1)
    strength = ((pressure - params.threshold) / (params.full_tilt_at - params.threshold)).clip(0, 1).fillna(0)
    alive = close.ffill().notna().to_numpy()
    raw = alive * (1 + params.tilt * strength.to_numpy()[:, None] * signs[None, :])
    total = raw.sum(axis=1, keepdims=True)
    weights = np.divide(raw, total, out=np.zeros_like(raw), where=total > 0)

    targets = np.full_like(weights, np.nan)
    last = np.zeros(weights.shape[1])
    tradable = close.notna().to_numpy()
    for row in range(len(weights)):
        # Every asset the rebalance trades, held or to be held, needs a price that session:
        # a target of 0 sells what the last rebalance bought.
        trades = (weights[row] > 0) | (last > 0)
        if np.abs(weights[row] - last).max() > params.rebalance_band and tradable[row][trades].all():
            targets[row] = weights[row]
            last = weights[row]
    nothing = empty_orders(close)
    target_frame = pd.DataFrame(targets, index=close.index, columns=close.columns)
    return StrategySignals(
        nothing, nothing, nothing, nothing, None, None, plan_frame(), close=close,
        target_weights=target_frame,
    )  # fmt: skip
