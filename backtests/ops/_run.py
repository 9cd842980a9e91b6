"""Spec -> run -> result: events, signals, a template and the vectorbt backtest in one call."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import strategies
from signals import A_SHARE_EXCHANGES, Alignment, EventCalendar
from signals.errors import ReelabError
from strategies import StrategySignals, build_context, default_tickers, market_locks

from ..data import MarketData
from ..measures._performance import (
    METRICS,
    PORTFOLIO,
    equal_weight_index,
    performance,
    periods_per_year,
    portfolio_index,
    sleeve_spans,
)
from ..results import publishing, read_config, read_frame, write_config, write_frame
from ..simulation._costs import apply_overrides
from ..simulation._trades import signal_outcomes, trade_table
from ..simulation._vbt import Costs, Simulation, buy_and_hold, simulate
from ..spec import RunSpec, ticker_tuple
from . import _display
from ._attribution import attribution
from ._progress import Progress, track

__all__ = ["BacktestResult", "build_context", "default_tickers", "run_backtest", "trading_terms"]

#: The portfolio is value-weighted (:func:`~backtests.measures.portfolio_index`). Its alternative, the sleeves
#: equally weighted and rebalanced daily (:func:`~backtests.measures.equal_weight_index`), joins the stats as
#: the portfolio's series ``strategy_equal_weight`` and ``benchmark_equal_weight`` when the strategy's or
#: the benchmark's differs materially: by more than these in total return (1 percentage point) or Sharpe.
MATERIAL = {"total_return": 0.01, "sharpe": 0.05}
EQUAL_WEIGHT = "_equal_weight"


class NothingTradedError(ReelabError):
    """A template that trades contracts of its own (options) wrote none in the period."""


@dataclass(frozen=True)
class BacktestResult:
    """What a backtest produced, as plain data.

    Attributes
    ----------
    stats : DataFrame
        One row per (scope, series): scope is an asset or ``portfolio``, series is ``strategy``
        or ``benchmark`` (buy-and-hold); columns are :data:`METRICS`. The portfolio's sleeves are
        value-weighted; when equal weights rebalanced daily would differ materially (:data:`MATERIAL`),
        the portfolio also has the series ``strategy_equal_weight`` and ``benchmark_equal_weight``.
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
    holdings : DataFrame
        Units held after each session's close, per traded column (not saved: a run folder keeps
        the trades, from which :mod:`backtests.ops._positions` and the reports read positions).
    cash : DataFrame
        Cash after each session's close, per sleeve: a traded column, or a group of columns sharing
        cash (an underlying's option contracts; every asset of a target-weight template). Not saved.
    attribution : DataFrame
        One row per policy event, and the residual: its trades, P&L and contribution to the portfolio's
        return (:func:`backtests.attribution`; computed by the run, so saving only writes).
    """

    template: str
    params: Any
    costs: Costs
    stats: pd.DataFrame
    trades: pd.DataFrame
    equity: pd.DataFrame
    asset_equity: pd.DataFrame
    close: pd.DataFrame
    alignment: Alignment | None  # these four are None for a result loaded from a folder
    signals: StrategySignals | None
    calendar: EventCalendar | None = field(repr=False)
    universe: pd.DataFrame | None = field(repr=False)
    market_rules: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    events: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    spec: RunSpec | None = field(repr=False, default=None)
    data: MarketData | None = field(repr=False, default=None)
    holdings: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    attribution: pd.DataFrame | None = field(repr=False, default=None)
    cash: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

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

    def metrics(self, scope: str = PORTFOLIO) -> pd.DataFrame:
        """The tidy summary of one scope (the portfolio, or an asset): the metrics as labelled rows (ratios
        and CAGR annualized, the rest over the whole period), the series as columns (``strategy``,
        ``benchmark``: buy & hold, and the equal-weight series when present); unrounded fractions and counts."""
        return _display.tidy_metrics(self.stats, scope)

    def to_frame(self) -> pd.DataFrame:
        """The stats, one row per (scope, series)."""
        return self.stats

    def plot(self, kind: str = "equity"):
        """A plotly Figure: ``equity`` (portfolio value and drawdown against buy & hold, as in the report)
        or ``positions`` (one bar per trade, from entry to exit, per asset)."""
        return _display.backtest_figure(self, kind)

    def _repr_html_(self) -> str:
        return _display.backtest_html(self)

    def save(self, folder: str | Path) -> Path:
        """Publish the results folder whole (see :func:`backtests.results.publishing`); returns the folder."""
        with publishing(folder) as stage:
            self.write(stage)
        return Path(folder)

    def write(self, folder: str | Path) -> Path:
        """Write the results' files into ``folder`` (a staging folder: :meth:`save` publishes it whole)."""
        folder = Path(folder)
        frames = {
            "stats": self.stats, "trades": self.trades, "equity": self.equity, "asset_equity": self.asset_equity,
            "close": self.close, "events": self.events, "market_rules": self.market_rules,
        }  # fmt: skip
        if self.alignment is not None and self.calendar is not None:  # a result computed here, not loaded
            descriptions = {event.id: event.description for event in self.calendar}
            frames["alignment"] = self.alignment.table.assign(
                knowable_at=lambda t: t["knowable_at"].map(pd.Timestamp.isoformat),
                description=lambda t: t["event_id"].map(descriptions),
            )
        if self.attribution is not None:
            frames["attribution"] = self.attribution
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
        names = ("stats", "trades", "equity", "asset_equity", "close", "events", "market_rules", "attribution")
        frames = {name: read_frame(folder, "run", name, required=name in names[:3]) for name in names}
        empty = pd.DataFrame()
        return cls(
            template=config.get("template", ""), params=config.get("resolved_params", {}),
            costs=spec.costs if spec else Costs(), stats=frames["stats"], trades=frames["trades"],
            equity=frames["equity"],
            asset_equity=frames["asset_equity"] if frames["asset_equity"] is not None else empty,
            close=frames["close"] if frames["close"] is not None else empty, alignment=None, signals=None,
            calendar=None, universe=None,
            market_rules=frames["market_rules"] if frames["market_rules"] is not None else empty,
            events=frames["events"] if frames["events"] is not None else empty, spec=spec,
            attribution=frames["attribution"],
        )  # fmt: skip


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
    if isinstance(value, pd.DataFrame):
        rows |= _equal_weight(rows, scopes, benchmark_value, underlying, per_year)
    stats = pd.DataFrame.from_dict(rows, orient="index")[list(METRICS)]
    stats.index = pd.MultiIndex.from_tuples(stats.index, names=["scope", "series"])
    return stats, scopes, strategy_total, benchmark_total


def _equal_weight(
    rows: dict, scopes: pd.DataFrame, benchmark_value: pd.DataFrame, underlying: pd.DataFrame, per_year: float
) -> dict:
    """The portfolio's rows with the sleeves equally weighted and rebalanced daily, when they differ materially."""
    spans = {"strategy": (scopes, underlying[list(scopes.columns)]), "benchmark": (benchmark_value, underlying)}
    extra, material = {}, False
    for series, (values, prices) in spans.items():
        ours = rows[(PORTFOLIO, series)]
        theirs = performance(equal_weight_index(values, *sleeve_spans(prices)), per_year)
        extra[(PORTFOLIO, series + EQUAL_WEIGHT)] = theirs | {
            name: ours[name] for name in ("trades", "win_rate", "time_invested")
        }
        for metric, limit in MATERIAL.items():  # a Sharpe that only one of them has is a material difference
            material |= bool(np.isfinite([ours[metric], theirs[metric]]).any()) and not (
                abs(theirs[metric] - ours[metric]) <= limit
            )
    return extra if material else {}


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
    engine: str = "events",
) -> BacktestResult:
    """Events -> aligned sessions -> template signals -> backtest, on the bundled data.

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
    engine : {"events", "vectorbt"}
        The simulator of signal-style templates (see :class:`backtests.RunSpec`); same orders.

    Examples
    --------
    >>> from backtests import run_backtest
    >>> result = run_backtest(params={"horizon": 5}, tickers=["MP", "LYC"])  # doctest: +SKIP
    >>> result.summary()  # doctest: +SKIP
    """
    spec = RunSpec(
        template, params_mapping(template, params), ticker_tuple(tickers), start, end, costs or Costs(), engine=engine
    )
    return backtest(spec, MarketData.load(spec, calendar, universe, close))


def trading_terms(spec: RunSpec, data: MarketData) -> tuple[RunSpec, MarketData]:
    """``data`` with the spec's trading-term overrides (``--terms``) applied to its universe, where templates
    read ``shortable``, and ``spec`` with its costs resolved against that universe when they need each
    asset's terms (the desk model, lots). Without overrides ``data`` is returned as it is.

    ``ops.run`` and ``ops.positions`` call it; give a sweep, placebo or walk-forward what it returns.
    """
    costs = spec.costs
    if costs.overrides:
        universe = apply_overrides(data.universe, costs.overrides)
        if not universe.equals(data.universe):
            data = MarketData(data.calendar, universe, data.close, data.inputs, left_out=data.left_out,
                              prices=data.prices)  # fmt: skip
    if costs.needs_terms:
        spec = replace(spec, costs=costs.resolved(data.universe))
    return spec, data


def backtest(spec: RunSpec, data: MarketData, progress: Progress = None) -> BacktestResult:
    """The run operation: the spec's template on ``data``, simulated by vectorbt (see :mod:`backtests.ops`);
    its five stages are reported to ``progress`` (:mod:`backtests.ops._progress`)."""
    stages = track(progress, "backtest", 5, "stage", "aligning events")
    spec, data = trading_terms(spec, data)
    template = strategies.get(spec.template)
    params = spec.resolved_params()
    costs = spec.costs
    context = data.context(spec)
    calendar, universe, close = context.calendar, context.universe, context.close
    stages.advance(detail="building signals")
    signals = template.build(context, params)
    stages.advance(detail="simulating")
    if signals.close is not None and signals.close.shape[1] == 0:
        raise NothingTradedError(
            f"{spec.template} traded nothing between {close.index[0]:%Y-%m-%d} and {close.index[-1]:%Y-%m-%d}: "
            "no contract was written (widen the period or change the parameters)"
        )
    locks = context.memo(("locks",), lambda: market_locks(close, universe))
    simulation = simulate(close, signals, costs, locks=locks, engine=spec.engine)
    benchmark = buy_and_hold(close, costs)
    stages.advance(detail="measuring")
    trades = trade_table(simulation, signals, close.index, universe)
    per_year = periods_per_year(close.index)
    stats, scopes, strategy_total, benchmark_total = _stats(
        close, simulation.portfolio, benchmark, signals, trades, per_year
    )
    equity = pd.DataFrame({"strategy": strategy_total, "benchmark": benchmark_total})
    result = BacktestResult(
        template=spec.template, params=params, costs=costs, stats=stats, trades=trades, equity=equity,
        asset_equity=scopes, close=close, alignment=context.alignment, signals=signals, calendar=calendar,
        universe=universe, market_rules=_market_rules(simulation, universe),
        events=signal_outcomes(trades, signals, simulation, close.index), spec=spec, data=data,
        holdings=_holdings(simulation), cash=_cash(simulation),
    )  # fmt: skip
    stages.advance(detail="attributing")
    result = replace(result, attribution=attribution(result))
    stages.advance()
    return result


def _cash(simulation: Simulation) -> pd.DataFrame:
    """Cash after each session's close, per sleeve (a column, or a group of columns sharing cash)."""
    cash = simulation.portfolio.cash()
    return cash if isinstance(cash, pd.DataFrame) else cash.to_frame()


def _holdings(simulation: Simulation) -> pd.DataFrame:
    """Units held after each session's close, per traded column (vectorbt's asset positions)."""
    held = simulation.portfolio.assets()
    return held if isinstance(held, pd.DataFrame) else held.to_frame()


def _market_rules(simulation: Simulation, universe: pd.DataFrame) -> pd.DataFrame:
    """Buys and sells that waited at a daily limit, per A-share traded."""
    columns = [str(column) for column in simulation.portfolio.wrapper.columns]
    a_shares = [
        n for n, c in enumerate(columns) if c in universe.index and universe.at[c, "exchange"] in A_SHARE_EXCHANGES
    ]
    if simulation.deferred is None or not a_shares:
        return pd.DataFrame(columns=["deferred_buys", "deferred_sells"]).rename_axis("asset")
    counts = simulation.deferred[:, a_shares].T
    assets = pd.Index([columns[n] for n in a_shares], name="asset")  # named: market_rules.csv keeps it
    return pd.DataFrame(counts, index=assets, columns=["deferred_buys", "deferred_sells"])


def params_mapping(template: str, params: Mapping[str, Any] | Any | None) -> dict[str, Any]:
    """A template's parameters as a mapping, from a mapping, a params object or ``None`` (the defaults)."""
    if params is None:
        return {}
    if isinstance(params, Mapping):
        return dict(params)
    return {f.name: getattr(params, f.name) for f in fields(params)}
