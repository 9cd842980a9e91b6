"""The one vectorbt adapter: every argument is passed explicitly, no global settings are read.

vectorbt (and numba) are imported lazily inside these functions, so importing ``backtests``
or building signals never pays for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from signals.errors import ParameterError
from strategies import StrategySignals

__all__ = ["METRICS", "Costs", "buy_and_hold", "performance", "periods_per_year", "simulate"]

METRICS = ("total_return", "cagr", "sharpe", "sortino", "max_drawdown", "trades", "win_rate", "exposure")


@dataclass(frozen=True)
class Costs:
    """Per-order costs as fractions of traded value, and starting cash per asset."""

    fees: float = 0.001
    slippage: float = 0.001
    init_cash: float = 100_000.0

    def __post_init__(self) -> None:
        for name in ("fees", "slippage"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 <= value < 0.1):
                raise ParameterError(name, value, "a fraction in [0, 0.1), e.g. 0.001 for 10 bp")
        if not (isinstance(self.init_cash, (int, float)) and self.init_cash > 0):
            raise ParameterError("init_cash", self.init_cash, "a positive amount")


def periods_per_year(index: pd.DatetimeIndex) -> float:
    """Observed rows per calendar year of ``index`` (about 252 for one exchange, more for a union)."""
    years = (index[-1] - index[0]).days / 365.25
    return (len(index) - 1) / years if years > 0 else 252.0


def simulate(close: pd.DataFrame, signals: StrategySignals, costs: Costs, group: bool = False):
    """Run ``signals`` on ``close`` (sessions x assets) with vectorbt and return the Portfolio.

    Each asset trades its own cash (``init_cash`` each, no sharing). With ``group=True`` the
    assets form one equal-capital portfolio whose value is the sum of theirs. Prices are
    forward-filled only to value positions on days an asset's exchange is closed; orders are
    placed on the asset's own sessions, where the signals are.
    """
    import vectorbt as vbt

    def stop(value: float | None) -> float:
        return np.nan if value is None else float(value)

    return vbt.Portfolio.from_signals(
        close=close.ffill(),
        entries=signals.entries,
        exits=signals.exits,
        short_entries=signals.short_entries,
        short_exits=signals.short_exits,
        size=1.0,
        size_type="percent",
        price=np.inf,  # fill at the close
        val_price=np.inf,
        fees=costs.fees,
        fixed_fees=0.0,
        slippage=costs.slippage,
        min_size=0.0,
        max_size=np.inf,
        size_granularity=np.nan,
        reject_prob=0.0,
        lock_cash=False,
        allow_partial=True,
        raise_reject=False,
        log=False,
        accumulate=False,
        upon_long_conflict="exit",
        upon_short_conflict="exit",
        upon_dir_conflict="ignore",
        upon_opposite_entry="reverse",
        sl_stop=stop(signals.sl_stop),
        sl_trail=False,
        tp_stop=stop(signals.tp_stop),
        stop_entry_price="close",
        stop_exit_price="close",  # closes only: a stop is seen, and filled, at the close
        upon_stop_exit="close",
        upon_stop_update="override",
        use_stops=signals.sl_stop is not None or signals.tp_stop is not None,
        init_cash=costs.init_cash,
        cash_sharing=False,
        call_seq="default",
        ffill_val_price=True,
        update_value=False,
        group_by=True if group else None,
        freq="1D",
        engine="numba",
    )


def buy_and_hold(close: pd.DataFrame, costs: Costs, group: bool = False):
    """The benchmark: buy each asset at its first price and hold it, with the same costs."""
    first = close.notna() & close.ffill().shift().isna()
    nothing = pd.DataFrame(False, index=close.index, columns=close.columns)
    holding = StrategySignals(first, nothing, nothing, nothing, None, None, pd.DataFrame())
    return simulate(close, holding, costs, group)


def performance(value: pd.Series, per_year: float) -> dict[str, float]:
    """Return metrics of one equity curve via vectorbt's returns accessor.

    ``per_year`` is the number of rows per year (:func:`periods_per_year`), so ratios are
    annualized correctly on a union of exchange calendars.
    """
    value = value.dropna()
    # Returns from the second row on, relative to the first value: no artificial zero return at t0.
    accessor = value.vbt.returns.from_value(
        value.iloc[1:], init_value=value.iloc[0], freq="1D", year_freq=f"{per_year}D"
    )
    return {
        "total_return": float(accessor.total()),
        "cagr": float(accessor.annualized()),
        "sharpe": float(accessor.sharpe_ratio(risk_free=0.0, ddof=1)),
        "sortino": float(accessor.sortino_ratio(required_return=0.0)),
        "max_drawdown": float(accessor.max_drawdown()),
    }
