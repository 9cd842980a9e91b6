"""Spec -> run -> result: events, signals, a template and the vectorbt backtest in one call."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import strategies
from signals import Alignment, EventCalendar
from strategies import StrategySignals, build_context, default_tickers, market_locks

from ._vbt import (
    METRICS,
    Costs,
    Simulation,
    buy_and_hold,
    performance,
    periods_per_year,
    portfolio_index,
    simulate,
    sleeve_spans,
)
from .data import MarketData
from .results import read_config, read_frame, write_config, write_frame
from .spec import RunSpec

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
    events : DataFrame
        What became of every (event, asset) the template considered: entered, renewed or skipped,
        with the reason (see :func:`signal_outcomes`). Nothing the template saw is dropped silently.
    market_rules : DataFrame
        Buys and sells that waited at an A-share daily limit, per A-share.
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
    events: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    spec: RunSpec | None = field(repr=False, default=None)
    data: MarketData | None = field(repr=False, default=None)

    def summary(self) -> pd.DataFrame:
        """Strategy against benchmark for the portfolio and each asset, rounded for reading."""
        table = self.stats.unstack("series")
        table.columns = [f"{metric}:{series}" for metric, series in table.columns]
        keep = []
        for metric in ("total_return", "cagr", "sharpe", "max_drawdown"):
            keep += [f"{metric}:strategy", f"{metric}:benchmark"]
        keep += ["trades:strategy", "win_rate:strategy", "time_invested:strategy"]
        order = [PORTFOLIO, *(scope for scope in self.asset_equity.columns if scope in table.index)]
        return table.loc[order, keep]

    def to_frame(self) -> pd.DataFrame:
        """The stats, one row per (scope, series)."""
        return self.stats

    def save(self, folder: str | Path) -> Path:
        """Write the results folder (see :mod:`backtests.results`); returns the folder."""
        from ._validation import attribution

        folder = Path(folder)
        frames = {
            "stats": self.stats, "trades": self.trades, "equity": self.equity, "asset_equity": self.asset_equity,
            "close": self.close, "events": self.events, "market_rules": self.market_rules,
        }  # fmt: skip
        if self.alignment is not None:
            descriptions = {event.id: event.description for event in self.calendar}
            frames["alignment"] = self.alignment.table.assign(
                knowable_at=lambda t: t["knowable_at"].map(pd.Timestamp.isoformat),
                description=lambda t: t["event_id"].map(descriptions),
            )
            frames["attribution"] = attribution(self)
        for name, frame in frames.items():
            write_frame(folder, "run", name, frame)
        if self.spec is not None:
            resolved = {k: dict(v) if isinstance(v, Mapping) else v for k, v in vars(self.params).items()}
            write_config(folder, "run", self.spec, self.data, resolved_params=resolved)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> BacktestResult:
        """A saved run: its frames and spec (no signals, calendar or alignment objects)."""
        config = read_config(folder)
        spec = RunSpec.from_dict(config["spec"]) if "spec" in config else None
        names = ("stats", "trades", "equity", "asset_equity", "close", "events", "market_rules")
        frames = {name: read_frame(folder, "run", name, required=name in names[:3]) for name in names}
        empty = pd.DataFrame()
        return cls(
            config.get("template", ""), config.get("resolved_params", {}), spec.costs if spec else Costs(),
            frames["stats"], frames["trades"], frames["equity"],
            frames["asset_equity"] if frames["asset_equity"] is not None else empty,
            frames["close"] if frames["close"] is not None else empty, None, None, None, None,  # type: ignore[arg-type]
            frames["market_rules"] if frames["market_rules"] is not None else empty,
            frames["events"] if frames["events"] is not None else empty, spec,
        )  # fmt: skip


def currency_of(column: str, universe: pd.DataFrame) -> str:
    """The currency an asset trades in; a synthetic option (``<ticker>|<leg>|<date>``) is its underlying's."""
    ticker = column.split("|")[0]
    return str(universe.at[ticker, "currency"]) if ticker in universe.index else ""


def _trade_table(
    simulation: Simulation, signals: StrategySignals, index: pd.DatetimeIndex, universe: pd.DataFrame
) -> pd.DataFrame:
    """One row per executed trade, in its currency, with the events that opened (and rolled) it and why it closed.

    Exit reasons come from what the simulator did: ``time`` (time stop), ``signal`` (a template
    exit: momentum, window end, expiry), ``opposite_signal`` (an entry signal against it),
    ``stop_loss`` / ``take_profit`` / ``trailing_stop`` (vectorbt's stops), or ``open``.
    """
    from ._signal_nb import OPPOSITE_EXIT, ROLL, SIGNAL_EXIT, TIME_EXIT

    portfolio, marks = simulation.portfolio, simulation.marks
    records = portfolio.trades.records_arr
    columns = [str(column) for column in portfolio.wrapper.columns]
    trades = pd.DataFrame(
        {
            "asset": np.asarray(columns, dtype=object)[records["col"]].astype(str),
            "side": np.where(records["direction"] == 0, "long", "short"),
            "entry_session": index[records["entry_idx"]],
            "exit_session": index[records["exit_idx"]],
            "entry_price": records["entry_price"],
            "exit_price": records["exit_price"],
            "size": records["size"],
            "pnl": records["pnl"],
            "return": records["return"],
            "status": np.where(records["status"] == 0, "Open", "Closed"),
        }
    )
    orders = _orders_by_fill(signals.plan, simulation, index, columns)
    close = portfolio.close.to_numpy()  # forward-filled: the prices vectorbt tested its stops on
    trades = trades.merge(orders, left_on=["asset", "entry_session", "side"], right_on=["asset", "filled_session",
                          "side"], how="left").drop(columns="filled_session")  # fmt: skip
    renewed, reasons = [], []
    for trade, record in zip(trades.itertuples(), records):
        column, exit_row = record["col"], record["exit_idx"]
        mark = marks[exit_row, column] if marks is not None else 0
        if trade.status == "Open":
            reasons.append("open")
        elif mark & (TIME_EXIT | SIGNAL_EXIT | OPPOSITE_EXIT):
            reasons.append("time" if mark & TIME_EXIT else "signal" if mark & SIGNAL_EXIT else "opposite_signal")
        else:
            reasons.append(_stop_reason(signals, close, record))
        ids = ""
        if marks is not None:
            last = len(index) if trade.status == "Open" else exit_row + 1
            held = marks[record["entry_idx"] + 1 : last, column]
            rolled = index[record["entry_idx"] + 1 + np.flatnonzero(held & ROLL)]
            mine = orders[(orders["asset"] == trade.asset) & (orders["side"] == trade.side)]
            ids = ";".join(mine.loc[mine["filled_session"].isin(rolled), "event_ids"])
        renewed.append(ids)
    trades["renewed_by"] = renewed
    trades["exit_reason"] = reasons
    trades.insert(1, "currency", [currency_of(asset, universe) for asset in trades["asset"]])
    trades.loc[trades["status"].eq("Open"), "exit_session"] = pd.NaT
    return trades.sort_values(["entry_session", "asset"], ignore_index=True)


def _filled_sessions(plan: pd.DataFrame, simulation: Simulation, index: pd.DatetimeIndex, columns) -> pd.Series:
    """Where each entry signal could act: its session, or later when the simulator made it wait at a limit.

    NaT when it waited until the data ended.
    """
    from ._signal_nb import WAIT

    filled = plan["entry_session"].copy()
    if simulation.marks is None or plan.empty:
        return filled
    column_of = {name: number for number, name in enumerate(columns)}
    for number, (asset, row) in enumerate(zip(plan["asset"], index.get_indexer(plan["entry_session"]))):
        column = column_of[asset]
        own = np.flatnonzero(simulation.observed[row:, column]) + row
        waiting = (simulation.marks[own, column] & WAIT) != 0
        if waiting[0]:
            stop = int(np.argmin(waiting))  # the first session that did not wait (0: it waited to the end)
            filled.iloc[number] = index[own[stop]] if not waiting[stop] else pd.NaT
    return filled


def _orders_by_fill(plan: pd.DataFrame, simulation: Simulation, index: pd.DatetimeIndex, columns) -> pd.DataFrame:
    """The plan grouped by (asset, filled session, side): the events each order acts on."""
    filled = plan.assign(filled_session=_filled_sessions(plan, simulation, index, columns))
    grouped = filled.dropna(subset=["filled_session"]).groupby(["asset", "filled_session", "side"], sort=False)
    return grouped.agg(event_ids=("event_ids", ";".join), event_session=("event_session", "min")).reset_index()


def _stop_reason(signals: StrategySignals, close: np.ndarray, record) -> str:
    """Which of vectorbt's stops closed a trade, by its own test at the exit close.

    vectorbt checks the stop-loss (fixed or trailing) before the take-profit; a trailing stop trails
    the best close from the entry to the session before the exit.
    """
    column, entry, exit_ = record["col"], record["entry_idx"], record["exit_idx"]
    long = record["direction"] == 0
    stop_loss = _per_column(signals.sl_stop, column)
    if stop_loss is not None:
        trailing = bool(_per_column(signals.sl_trail, column))
        held = close[entry:exit_, column]
        reference = (held.max() if long else held.min()) if trailing else close[entry, column]
        price = close[exit_, column]
        if price <= reference * (1 - stop_loss) if long else price >= reference * (1 + stop_loss):
            return "trailing_stop" if trailing else "stop_loss"
    return "take_profit"


def _per_column(value, column: int):
    """A scalar setting, or the element of a per-column array (sweeps); None for unset (None or NaN)."""
    if value is None:
        return None
    value = np.asarray(value).reshape(-1)
    value = value[column if len(value) > 1 else 0].item()
    return None if isinstance(value, float) and np.isnan(value) else value


#: Columns of :attr:`BacktestResult.events`.
OUTCOME_COLUMNS = ["event_id", "asset", "event_session", "signal_session", "side", "outcome", "reason"]


def signal_outcomes(
    trades: pd.DataFrame, signals: StrategySignals, simulation: Simulation, index: pd.DatetimeIndex
) -> pd.DataFrame:
    """What became of every event the template considered: one row per (event, asset).

    ``outcome`` is ``entered`` (it opened a trade, perhaps after waiting at a daily limit),
    ``renewed`` (it rolled an open position over), ``closed`` (it closed a position against it) or
    ``skipped``, with the ``reason``: the template's own (no price, netted out, shorts not allowed,
    ...), ``position open`` (a position in its direction was open), ``closed by a stop on that
    session``, ``replaced by an opposite signal while waiting at a daily limit`` or ``waited at a
    daily limit until the data ended``. Read from what the simulator marked on each signal's session.
    """
    from ._signal_nb import AGAINST, ENTRY, HELD, ROLL

    columns = [str(column) for column in simulation.portfolio.wrapper.columns]
    column_of = {name: number for number, name in enumerate(columns)}
    plan = signals.plan.assign(filled_session=_filled_sessions(signals.plan, simulation, index, columns))
    entered = set(zip(trades["asset"], trades["entry_session"], trades["side"]))
    rows = []
    for order, row in zip(plan.itertuples(), index.get_indexer(plan["entry_session"])):
        mark = simulation.marks[row, column_of[order.asset]] if simulation.marks is not None else ENTRY
        outcome, reason = "skipped", ""
        if mark & ROLL:
            outcome = "renewed"
        elif mark & HELD:
            reason = "position open"
        elif mark & AGAINST:
            outcome, reason = "closed", "closed the position against it"
        elif (order.asset, order.filled_session, order.side) in entered:
            outcome = "entered"
        elif pd.isna(order.filled_session):
            reason = "waited at a daily limit until the data ended"
        elif mark & ENTRY or order.filled_session != order.entry_session:
            reason = "replaced by an opposite signal while waiting at a daily limit"
        else:  # vectorbt's stop closed the position on this session before any signal was read
            reason = "closed by a stop on that session"
        for event_id in order.event_ids.split(";"):
            rows.append((event_id, order.asset, order.event_session, order.entry_session, order.side, outcome, reason))
    for row in signals.skipped.itertuples():
        rows.append((row.event_id, row.asset, row.event_session, pd.NaT, "", "skipped", row.reason))
    frame = pd.DataFrame(rows, columns=OUTCOME_COLUMNS).astype({"signal_session": "datetime64[ns]"})
    return frame.sort_values(["event_session", "asset", "event_id"], ignore_index=True)


def _activity(trades: pd.DataFrame, invested: pd.Series) -> dict[str, float]:
    closed = trades[trades["status"] == "Closed"]
    return {
        "trades": float(len(trades)),
        "win_rate": float((closed["pnl"] > 0).mean()) if len(closed) else np.nan,
        "time_invested": float(invested.mean()) if len(invested) else np.nan,
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
                "trades": 1.0, "win_rate": np.nan, "time_invested": 1.0,
            }  # fmt: skip
    if isinstance(value, pd.DataFrame):  # each scope is a sleeve of an asset (or of an option's underlying)
        strategy_total = portfolio_index(scopes, *sleeve_spans(underlying[list(scopes.columns)]))
    else:  # one pool of cash (target weights): the pool is the portfolio
        strategy_total = value / value.iloc[0]
    benchmark_total = portfolio_index(benchmark_value, *sleeve_spans(underlying))
    rows[(PORTFOLIO, "strategy")] = performance(strategy_total, per_year) | _activity(trades, positions.any(axis=1))
    rows[(PORTFOLIO, "benchmark")] = performance(benchmark_total, per_year) | {
        "trades": float(underlying.shape[1]), "win_rate": np.nan, "time_invested": 1.0,
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
    spec = RunSpec(template, params_mapping(template, params), tickers, start, end, costs or Costs())
    return backtest(spec, MarketData.load(spec, calendar, universe, close))


def backtest(spec: RunSpec, data: MarketData) -> BacktestResult:
    """The run operation: the spec's template on ``data``, simulated by vectorbt (see :mod:`backtests.ops`)."""
    template = strategies.get(spec.template)
    params = spec.resolved_params()
    costs = spec.costs
    context = data.context(spec)
    calendar, universe, close = context.calendar, context.universe, context.close
    signals = template.build(context, params)
    simulation = simulate(close, signals, costs, locks=context.memo(("locks",), lambda: market_locks(close, universe)))
    benchmark = buy_and_hold(close, costs)
    trades = _trade_table(simulation, signals, close.index, universe)
    per_year = periods_per_year(close.index)
    stats, scopes, strategy_total, benchmark_total = _stats(
        close, simulation.portfolio, benchmark, signals, trades, per_year
    )
    equity = pd.DataFrame({"strategy": strategy_total, "benchmark": benchmark_total})
    return BacktestResult(
        spec.template, params, costs, stats, trades, equity, scopes, close, context.alignment, signals, calendar,
        universe, _market_rules(simulation, universe), signal_outcomes(trades, signals, simulation, close.index),
        spec, data,
    )  # fmt: skip


def _market_rules(simulation: Simulation, universe: pd.DataFrame) -> pd.DataFrame:
    """Buys and sells that waited at a daily limit, per A-share traded."""
    columns = [str(column) for column in simulation.portfolio.wrapper.columns]
    a_shares = [n for n, c in enumerate(columns) if c in universe.index and universe.at[c, "exchange"] == "XSHG"]
    if simulation.deferred is None or not a_shares:
        return pd.DataFrame(columns=["deferred_buys", "deferred_sells"])
    counts = simulation.deferred[:, a_shares].T
    return pd.DataFrame(counts, index=[columns[n] for n in a_shares], columns=["deferred_buys", "deferred_sells"])


def params_mapping(template: str, params: Mapping[str, Any] | Any | None) -> dict[str, Any]:
    """A template's parameters as a mapping, from a mapping, a params object or ``None`` (the defaults)."""
    if params is None:
        return {}
    if isinstance(params, Mapping):
        return dict(params)
    return {f.name: getattr(params, f.name) for f in fields(params)}
