"""Spec -> run -> result: events, signals, a template and the vectorbt backtest in one call."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import strategies
from signals import Alignment, EventCalendar, align_events, load_events, load_universe, select_tickers
from signals.errors import PriceDataError
from strategies import StrategyContext, StrategySignals, apply_market_rules

from ._prices import load_prices
from ._vbt import METRICS, Costs, buy_and_hold, performance, periods_per_year, simulate

__all__ = ["BacktestResult", "build_context", "default_tickers", "run_backtest"]

PORTFOLIO = "portfolio"


@dataclass(frozen=True)
class BacktestResult:
    """What a backtest produced, as plain data.

    Attributes
    ----------
    stats : DataFrame
        One row per (scope, series): scope is an asset or ``portfolio``, series is ``strategy``
        or ``benchmark`` (buy-and-hold); columns are :data:`METRICS`.
    trades : DataFrame
        One row per executed trade with its events, entry/exit sessions, return and exit reason.
    equity : DataFrame
        Portfolio value of the strategy and of the benchmark per session.
    asset_equity : DataFrame
        Strategy value per scope (an asset, or the columns trading one underlying).
    market_rules : DataFrame
        Orders deferred by A-share price limits and exits moved by T+1, per A-share.
    """

    template: str
    params: Any
    costs: Costs
    stats: pd.DataFrame
    trades: pd.DataFrame
    equity: pd.DataFrame
    asset_equity: pd.DataFrame
    close: pd.DataFrame
    alignment: Alignment
    signals: StrategySignals
    calendar: EventCalendar = field(repr=False)
    universe: pd.DataFrame = field(repr=False)
    market_rules: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    def summary(self) -> pd.DataFrame:
        """Strategy against benchmark for the portfolio and each asset, rounded for reading."""
        table = self.stats.unstack("series")
        table.columns = [f"{metric}:{series}" for metric, series in table.columns]
        keep = []
        for metric in ("total_return", "cagr", "sharpe", "max_drawdown"):
            keep += [f"{metric}:strategy", f"{metric}:benchmark"]
        keep += ["trades:strategy", "win_rate:strategy", "exposure:strategy"]
        order = [PORTFOLIO, *(scope for scope in self.asset_equity.columns if scope in table.index)]
        return table.loc[order, keep]


def default_tickers(universe: pd.DataFrame, params: Any) -> list[str]:
    """Assets a template trades by default: its own choice, else those with a non-zero exposure sign."""
    if hasattr(params, "tickers"):
        return params.tickers(universe)
    exposure = strategies.asset_exposure(universe, getattr(params, "exposure", None))
    return list(exposure.index[exposure != 0])


def _exit_reasons(trades: pd.DataFrame, signals: StrategySignals) -> pd.Series:
    """Why each trade closed: time stop, a template signal (window, momentum, expiry), a stop, or still open."""
    planned = signals.trades
    planned_exit = trades.merge(
        planned[["asset", "entry_session", "time_exit_session"]], on=["asset", "entry_session"], how="left"
    )["time_exit_session"]
    signalled = []
    for trade in trades.itertuples():
        frame = signals.exits if trade.side == "long" else signals.short_exits
        signalled.append(
            bool(
                pd.notna(trade.exit_session)
                and trade.exit_session in frame.index
                and frame.at[trade.exit_session, trade.asset]
            )
        )
    reason = np.select(
        [
            trades["status"].eq("Open").to_numpy(),
            trades["exit_session"].to_numpy() == planned_exit.to_numpy(),
            np.array(signalled, dtype=bool),
            (trades["return"] < 0).to_numpy(),
        ],
        ["open", "time", "signal", "stop_loss"],
        default="stop_gain",
    )
    return pd.Series(reason, index=trades.index)


def _trade_table(portfolio, signals: StrategySignals) -> pd.DataFrame:
    records = portfolio.trades.records_readable
    trades = pd.DataFrame(
        {
            "asset": records["Column"].astype(str),
            "side": records["Direction"].str.lower(),
            "entry_session": pd.to_datetime(records["Entry Timestamp"]),
            "exit_session": pd.to_datetime(records["Exit Timestamp"]),
            "entry_price": records["Avg Entry Price"],
            "exit_price": records["Avg Exit Price"],
            "size": records["Size"],
            "pnl": records["PnL"],
            "return": records["Return"],
            "status": records["Status"],
        }
    )
    planned = signals.trades
    trades = trades.merge(
        planned[["asset", "entry_session", "event_ids", "event_session"]].drop_duplicates(["asset", "entry_session"]),
        on=["asset", "entry_session"],
        how="left",
    )
    trades["exit_reason"] = _exit_reasons(trades, signals) if len(trades) else pd.Series(dtype=str)
    trades.loc[trades["status"].eq("Open"), "exit_session"] = pd.NaT
    return trades.sort_values(["entry_session", "asset"], ignore_index=True)


def _activity(trades: pd.DataFrame, invested: pd.Series) -> dict[str, float]:
    closed = trades[trades["status"] == "Closed"]
    return {
        "trades": float(len(trades)),
        "win_rate": float((closed["pnl"] > 0).mean()) if len(closed) else np.nan,
        "exposure": float(invested.mean()) if len(invested) else np.nan,
    }


def _stats(
    underlying: pd.DataFrame, strategy, benchmark, signals: StrategySignals, trades: pd.DataFrame, per_year: float
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """Stats per scope (an asset, or the group of columns trading one underlying) and for the portfolio."""
    traded = signals.close if signals.close is not None else underlying
    value = strategy.value()
    scopes = value if isinstance(value, pd.DataFrame) else pd.DataFrame(index=value.index)
    positions = strategy.assets() != 0
    labels = pd.Series(signals.group_by if signals.group_by is not None else traded.columns, index=traded.columns)
    benchmark_value = benchmark.value()
    rows = {}
    for scope in scopes.columns:
        members = labels.index[labels == scope]
        alive = traded[members].notna().any(axis=1) if scope not in underlying else underlying[scope].notna()
        life = traded.index[alive.to_numpy()]
        span = slice(life[0], life[-1])
        invested = positions[members].any(axis=1).loc[life]
        rows[(scope, "strategy")] = performance(scopes.loc[span, scope], per_year) | _activity(
            trades[trades["asset"].isin(members)], invested
        )
        if scope in benchmark_value:
            rows[(scope, "benchmark")] = performance(benchmark_value.loc[span, scope], per_year) | {
                "trades": 1.0, "win_rate": np.nan, "exposure": 1.0,
            }  # fmt: skip
    strategy_total = value.sum(axis=1) if isinstance(value, pd.DataFrame) else value
    benchmark_total = benchmark_value.sum(axis=1)
    rows[(PORTFOLIO, "strategy")] = performance(strategy_total, per_year) | _activity(trades, positions.any(axis=1))
    rows[(PORTFOLIO, "benchmark")] = performance(benchmark_total, per_year) | {
        "trades": float(underlying.shape[1]), "win_rate": np.nan, "exposure": 1.0,
    }  # fmt: skip
    stats = pd.DataFrame.from_dict(rows, orient="index")[list(METRICS)]
    stats.index = pd.MultiIndex.from_tuples(stats.index, names=["scope", "series"])
    return stats, scopes, strategy_total, benchmark_total


def run_backtest(
    template: str = "event_drift",
    params: Mapping[str, Any] | Any | None = None,
    tickers: Iterable[str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    costs: Costs | None = None,
    calendar: EventCalendar | None = None,
    universe: pd.DataFrame | None = None,
    close: pd.DataFrame | None = None,
) -> BacktestResult:
    """Events -> aligned sessions -> template signals -> vectorbt backtest, on the bundled data.

    Parameters
    ----------
    template : str
        A registered template name (see :func:`strategies.available`).
    params : mapping or params object, optional
        The template's parameters (validated); defaults are short-horizon.
    tickers : iterable of str, optional
        Assets to trade; default: every asset the template has a non-zero exposure to.
    start, end : date-like, optional
        Backtest window (inclusive).
    costs : Costs, optional
        Fees, slippage and starting cash per asset.
    calendar, universe, close : optional
        Override the shipped events, universe, or prices (sessions x tickers, adjusted closes).

    Examples
    --------
    >>> from backtests import run_backtest
    >>> result = run_backtest(params={"horizon": 5}, tickers=["MP", "LYC"])  # doctest: +SKIP
    >>> result.summary()  # doctest: +SKIP
    """
    spec = strategies.get(template)
    params = resolve_params(spec, params)
    costs = costs or Costs()
    context = prepare(spec, params, tickers, start, end, calendar, universe, close)
    calendar, universe, close = context.calendar, context.universe, context.close
    signals, rules = apply_market_rules(spec.build(context, params), close, universe)

    strategy = simulate(close, signals, costs)
    benchmark = buy_and_hold(close, costs)
    trades = _trade_table(strategy, signals)
    per_year = periods_per_year(close.index)
    stats, scopes, strategy_total, benchmark_total = _stats(close, strategy, benchmark, signals, trades, per_year)
    equity = pd.DataFrame({"strategy": strategy_total, "benchmark": benchmark_total})
    return BacktestResult(
        template, params, costs, stats, trades, equity, scopes, close, context.alignment, signals, calendar,
        universe, rules,
    )  # fmt: skip


def resolve_params(spec: strategies.Template, params: Mapping[str, Any] | Any | None):
    """A template's validated parameters from a mapping (or ``None`` for the defaults)."""
    return spec.params(**dict(params or {})) if params is None or isinstance(params, Mapping) else params


def prepare(
    spec: strategies.Template,
    params: Any,
    tickers: Iterable[str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    calendar: EventCalendar | None = None,
    universe: pd.DataFrame | None = None,
    close: pd.DataFrame | None = None,
) -> StrategyContext:
    """Load what a run needs (shipped data unless given) and bundle it into a context."""
    universe = universe if universe is not None else load_universe()
    calendar = calendar if calendar is not None else load_events()
    chosen = select_tickers(universe, tickers) if tickers is not None else default_tickers(universe, params)
    if close is None:
        close = load_prices(chosen, start=start, end=end, field="adj_close")
    else:
        close = close.loc[start:end, chosen]
    close = close.dropna(how="all", axis=1).dropna(how="all", axis=0)
    if close.empty:
        raise PriceDataError(f"no prices for {chosen} between {start} and {end}")
    return build_context(calendar, universe, close)


def build_context(calendar: EventCalendar, universe: pd.DataFrame, close: pd.DataFrame) -> StrategyContext:
    """Align the calendar to each asset's observed sessions and bundle what templates read."""
    data_sessions = {asset: close.index[close[asset].notna().to_numpy()] for asset in close.columns}
    alignment = align_events(calendar, universe, close.columns, data_sessions=data_sessions)
    return StrategyContext(calendar, universe, close, alignment)
