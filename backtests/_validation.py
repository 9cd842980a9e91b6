"""How strong is the evidence: placebo events, walk-forward folds, the deflated Sharpe ratio, attribution."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from signals import POLICY_TYPES, EventCalendar, exchange_calendar
from signals.errors import ParameterError

from ._distributed import Scheduler, connect, map_ordered
from ._run import PORTFOLIO, BacktestResult, params_mapping
from ._vbt import Costs
from .data import MarketData
from .results import read_frame, write_frame
from .spec import RunSpec, ticker_tuple

if TYPE_CHECKING:  # the event study needs statsmodels: imported where it runs
    from ._study import StudyResult

__all__ = [
    "PlaceboResult",
    "attribution",
    "deflated_sharpe_ratio",
    "placebo_calendars",
    "placebo_cars",
    "placebo_sharpe",
    "run_placebo",
    "run_walk_forward",
    "walk_forward",
]

EULER_GAMMA = 0.5772156649015329


# ---------------------------------------------------------------------------------------------
# Placebo events


def placebo_calendars(
    calendar: EventCalendar, draws: int, seed: int = 0, exclusion: int = 20, start=None, end=None
) -> list[EventCalendar]:
    """``draws`` pseudo-calendars: each real policy event moved to a random New York session.

    Same count, same types, directions, severities and time zones (date-only, so known after the
    close); pseudo dates avoid ``exclusion`` sessions around every real event and stay within
    ``[start, end]`` (default: the span of the real events). Confounders are not China's acts and
    no template trades them: they are left out of the draws.
    """
    if draws < 1:
        raise ParameterError("draws", draws, "at least 1")
    calendar = _policy(calendar)
    pool = placebo_pool(calendar, exclusion, start, end)
    rng = np.random.default_rng(seed)
    calendars = []
    for draw in range(draws):
        days = pool[np.sort(rng.choice(len(pool), size=len(calendar), replace=False))]
        events = [
            dataclasses.replace(
                event,
                id=f"placebo{draw}-{number}",
                announced_at=day.tz_localize(event.tz),
                known_at=None,
                time_of_day_known=False,
                effective_at=None,
                window_end=None
                if event.window_end is None
                else day.tz_localize(event.tz) + (event.window_end - event.announced_at),
            )
            for number, (event, day) in enumerate(zip(sorted(calendar, key=lambda e: e.announced_at), days))
        ]
        calendars.append(EventCalendar(events, f"placebo draw {draw}"))
    return calendars


def _policy(calendar: EventCalendar) -> EventCalendar:
    """The calendar without its confounders (placebo draws move the events templates trade)."""
    return calendar.filter(types=[str(kind) for kind in POLICY_TYPES])


def placebo_pool(calendar: EventCalendar, exclusion: int = 20, start=None, end=None) -> pd.DatetimeIndex:
    """The New York sessions placebo dates are drawn from (see :func:`placebo_calendars`).

    Raises :class:`~signals.errors.ParameterError` when they are fewer than the events: cheap, so a
    command checks it before any work.
    """
    calendar = _policy(calendar)
    sessions = exchange_calendar("XNYS").sessions
    real = pd.DatetimeIndex([event.announced_at.tz_localize(None).normalize() for event in calendar])
    first = pd.Timestamp(start) if start is not None else real.min()
    last = pd.Timestamp(end) if end is not None else real.max()
    pool = sessions[(sessions >= first) & (sessions <= last)]
    near = np.zeros(len(pool), dtype=bool)
    for day in real:
        position = pool.searchsorted(day)
        near[max(0, position - exclusion) : position + exclusion + 1] = True
    pool = pool[~near]
    if len(pool) < len(calendar):
        span = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" if len(real) else "no events"
        raise ParameterError(
            "exclusion", exclusion, f"small enough to leave {len(calendar)} candidate New York sessions between "
            f"{span} ({len(pool)} left after excluding {exclusion} sessions around each of the {len(real)} events)",
        )  # fmt: skip
    return pool


def check_placebo(spec: RunSpec, data: MarketData, exclusion: int = 20) -> None:
    """Raise before any work when :func:`run_placebo` could not draw ``spec``'s placebo calendars."""
    context = data.context(spec)
    placebo_pool(context.calendar, exclusion, context.close.index[0], context.close.index[-1])


def placebo_cars(study: StudyResult, calendars: Sequence[EventCalendar], close: pd.DataFrame | None = None,
                 universe: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
    """The mean CAR of each window for every placebo calendar, on the study's assets and model.

    Returns one row per (draw, window) with ``mean_car``; compare with the real mean CAR.
    """
    from ._study import event_study

    tickers = sorted(study.car["ticker"].unique())
    rows = []
    for draw, calendar in enumerate(calendars):
        estimation, gap = (study.spec.estimation, study.spec.gap) if study.spec else (120, 10)
        placebo = event_study(calendar, universe, tickers, windows=study.windows, model=study.model,
                              estimation=estimation, gap=gap, close=close, tests=False)  # fmt: skip
        for (start, end), part in placebo.car.groupby(["window_start", "window_end"]):
            rows.append((draw, f"{start}:{end}", float(part["car"].mean()), len(part)))
    return pd.DataFrame(rows, columns=["draw", "window", "mean_car", "n"])


def empirical_p_value(actual: float, null: np.ndarray) -> float:
    """Two-sided: the share of the null at least as far from zero as ``actual`` (with the +1 correction)."""
    null = np.asarray(null, dtype=float)
    null = null[np.isfinite(null)]
    return float((1 + np.sum(np.abs(null) >= abs(actual))) / (1 + len(null)))


@dataclass(frozen=True)
class PlaceboResult:
    """The real portfolio Sharpe, the Sharpes of placebo calendars and the empirical p-value."""

    actual: float
    null: np.ndarray = field(repr=False)
    p_value: float
    seed: int = 0

    def summary(self) -> str:
        """One line: the real Sharpe, the number of placebo calendars and the empirical p-value."""
        finite = int(np.isfinite(self.null).sum())
        unused = f" ({len(self.null) - finite} without a Sharpe, left out of p)" if finite < len(self.null) else ""
        return (f"placebo: real Sharpe {self.actual:.2f}, {len(self.null)} placebo calendars{unused}, "
                f"empirical p = {self.p_value:.3f}")  # fmt: skip

    def to_frame(self) -> pd.DataFrame:
        """One row per placebo draw: ``draw`` and its portfolio ``sharpe``, with the real Sharpe (``actual``) and
        the ``p_value`` repeated on every row (the layout of ``placebo_sharpe.csv``).
        """
        return pd.DataFrame(
            {"draw": range(len(self.null)), "sharpe": self.null, "actual": self.actual, "p_value": self.p_value}
        )

    def save(self, folder: str | Path) -> Path:
        """Write :meth:`to_frame` to ``placebo_sharpe.csv`` in ``folder``; return the folder as a Path."""
        write_frame(folder, "run", "placebo", self.to_frame())
        return Path(folder)

    @classmethod
    def load(cls, folder: str | Path) -> PlaceboResult:
        """Read ``placebo_sharpe.csv`` back from ``folder``.

        The seed is not saved: it comes back as 0. Raises :class:`~signals.errors.MissingFileError` when the
        file is absent.
        """
        frame = read_frame(folder, "run", "placebo")
        return cls(float(frame["actual"].iloc[0]), frame["sharpe"].to_numpy(), float(frame["p_value"].iloc[0]))


def run_placebo(
    spec: RunSpec, data: MarketData, draws: int = 100, seed: int = 0, scheduler: Scheduler = None
) -> PlaceboResult:
    """The placebo operation: the spec on ``data``'s events and on ``draws`` calendars of the same
    events moved to random sessions, side by side in chunks (see :func:`backtests.sweep`), in this
    process or on a Dask ``scheduler`` (see :mod:`backtests._distributed`)."""
    from ._sweep import StackJob, run_stacked

    parameters = spec.resolved_params()
    context = data.context(spec)
    real, _ = run_stacked(StackJob(spec, data, [parameters]))
    calendars = placebo_calendars(context.calendar, draws, seed, start=context.close.index[0],
                                  end=context.close.index[-1])  # fmt: skip
    placebo, _ = run_stacked(StackJob(spec, data, [parameters] * draws, calendars), scheduler=scheduler)
    actual = float(real.loc[real["scope"] == PORTFOLIO, "sharpe"].iloc[0])
    null = placebo.loc[placebo["scope"] == PORTFOLIO, "sharpe"].to_numpy()
    return PlaceboResult(actual, null, empirical_p_value(actual, null), seed)


def placebo_sharpe(
    template: str = "event_drift",
    params: Mapping[str, Any] | None = None,
    draws: int = 100,
    seed: int = 0,
    tickers: Iterable[str] | None = None,
    start=None,
    end=None,
    costs: Costs | None = None,
    calendar: EventCalendar | None = None,
    universe: pd.DataFrame | None = None,
    scheduler: Scheduler = None,
) -> tuple[float, np.ndarray, float]:
    """(real portfolio Sharpe, placebo Sharpes, empirical p-value) of a template on placebo calendars.

    The real Sharpe uses ``calendar`` (default: the shipped events); the placebo calendars move
    those same events to random sessions. See :func:`run_placebo`; ``scheduler`` runs the draws on
    Dask (a ``distributed.Client``, a scheduler address, or a number of local worker processes).
    """
    spec = RunSpec(template, params_mapping(template, params), ticker_tuple(tickers), start, end, costs or Costs())
    result = run_placebo(spec, MarketData.load(spec, calendar, universe), draws, seed, scheduler)
    return result.actual, result.null, result.p_value


# ---------------------------------------------------------------------------------------------
# The deflated Sharpe ratio (Bailey & Lopez de Prado, 2014)


def deflated_sharpe_ratio(returns: np.ndarray, trial_sharpes: np.ndarray) -> dict[str, float]:
    """Probability that the selected strategy's Sharpe ratio beats what ``N`` trials would give by luck.

    Parameters
    ----------
    returns : array
        Per-period returns of the selected (best) strategy.
    trial_sharpes : array
        Per-period (not annualized) Sharpe ratios of every trial of the sweep, the selected one included.

    Returns
    -------
    dict
        ``sharpe`` (per period), ``expected_max_sharpe`` (SR0), ``trials``, ``dsr`` (a probability).
    """
    from scipy import stats as distributions  # imported here: a plain run does not need scipy

    returns = np.asarray(returns, dtype=float)
    returns = returns[np.isfinite(returns)]
    trials = np.asarray(trial_sharpes, dtype=float)
    trials = trials[np.isfinite(trials)]
    count = len(trials)
    if len(returns) < 3 or count < 2:
        raise ParameterError("trial_sharpes", count, "at least 2 trials and 3 returns")
    sharpe = returns.mean() / returns.std(ddof=1)
    skew = distributions.skew(returns)
    kurtosis = distributions.kurtosis(returns, fisher=False)
    normal = distributions.norm
    expected_max = np.sqrt(trials.var(ddof=1)) * (
        (1 - EULER_GAMMA) * normal.ppf(1 - 1 / count) + EULER_GAMMA * normal.ppf(1 - 1 / (count * np.exp(1.0)))
    )
    z = (
        (sharpe - expected_max)
        * np.sqrt(len(returns) - 1)
        / np.sqrt(1 - skew * sharpe + (kurtosis - 1) / 4 * sharpe**2)
    )
    return {"sharpe": float(sharpe), "expected_max_sharpe": float(expected_max), "trials": count,
            "dsr": float(normal.cdf(z))}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Walk-forward validation cut on event dates


def walk_forward(
    template: str,
    grid: Mapping[str, Sequence],
    folds: int = 4,
    embargo: int = 21,
    tickers: Iterable[str] | None = None,
    costs: Costs | None = None,
    select_by: str = "sharpe",
    scheduler: Scheduler = None,
) -> pd.DataFrame:
    """Choose parameters on the past, test them on the next stretch of events; repeat.

    See :func:`run_walk_forward`; this loads the data for ``template`` and returns the folds.
    ``scheduler`` runs the folds on Dask (see :mod:`backtests._distributed`).
    """
    spec = RunSpec(template, {}, ticker_tuple(tickers), costs=costs or Costs())
    return run_walk_forward(spec, MarketData.load(spec), grid, folds, embargo, select_by, scheduler)


@dataclass(frozen=True)
class _Folds:
    """What every walk-forward fold reads (scattered once to each Dask worker)."""

    spec: RunSpec
    data: MarketData
    grid: Mapping[str, Sequence]
    select_by: str


def _fold(job: _Folds, fold: tuple[int, pd.Timestamp, pd.Timestamp, pd.Timestamp]) -> dict[str, Any]:
    """Train on the sessions up to ``train_end``, pick the best combination, test it on ``test_start..test_end``."""
    from ._run import backtest
    from ._sweep import combination_params, run_sweep

    number, train_end, test_start, test_end = fold
    train_spec = replace(job.spec, start=None, end=train_end)
    train = run_sweep(train_spec, job.data.window(train_spec), job.grid, progress=False, deflate=False).table
    portfolio = train[train["scope"] == PORTFOLIO].reset_index(drop=True)
    best = portfolio.loc[portfolio[job.select_by].idxmax()]
    chosen = combination_params(best, job.grid)
    test_spec = replace(job.spec.with_params(**chosen), start=test_start, end=test_end)
    outcome = backtest(test_spec, job.data.window(test_spec)).stats.loc[(PORTFOLIO, "strategy")]
    return {
        "fold": number,
        "train_end": train_end,
        "test_start": test_start,
        "test_end": test_end,
        "params": chosen,
        "in_sample_sharpe": best["sharpe"],
        "out_of_sample_sharpe": outcome["sharpe"],
        "in_sample_return": best["total_return"],
        "out_of_sample_return": outcome["total_return"],
        "out_of_sample_trades": outcome["trades"],
    }


def run_walk_forward(
    spec: RunSpec, data: MarketData, grid: Mapping[str, Sequence], folds: int = 4, embargo: int = 21,
    select_by: str = "sharpe", scheduler: Scheduler = None,
) -> pd.DataFrame:  # fmt: skip
    """The walk-forward operation, on data loaded once.

    The event timeline (events inside the price data) is cut into ``folds + 1`` blocks of equal event
    counts; cuts fall on event dates. Fold k trains on every block before it, stopping ``embargo``
    sessions before the test block starts (so no position opened in training can hold into it), then
    evaluates the in-sample best combination (by portfolio ``select_by``) on the test block.
    Returns one row per fold with the chosen parameters and in-sample / out-of-sample stats. With a
    Dask ``scheduler`` each fold is a task (the data scattered once); the rows are the same.
    """
    close = data.close
    inside = [e for e in data.calendar if close.index[0] <= e.announced_at.tz_localize(None) <= close.index[-1]]
    days = pd.DatetimeIndex(sorted(e.announced_at.tz_localize(None).normalize() for e in inside))
    if folds < 1 or len(days) < 2 * (folds + 1):
        raise ParameterError("folds", folds, f"at least 1 and at most {len(days) // 2 - 1} for {len(days)} events")
    cuts = [days[int(len(days) * k / (folds + 1))] for k in range(1, folds + 1)] + [close.index[-1]]
    sessions = close.index
    job = _Folds(replace(spec, tickers=tuple(close.columns)), data, dict(grid), select_by)
    plan = [
        (number, sessions[max(0, sessions.searchsorted(test_start) - embargo - 1)], test_start, test_end)
        for number, (test_start, test_end) in enumerate(itertools.pairwise(cuts), start=1)
    ]
    if scheduler is None:
        return pd.DataFrame([_fold(job, fold) for fold in plan])
    with connect(scheduler) as client:
        return pd.DataFrame(map_ordered(client, _fold, job, plan))


# ---------------------------------------------------------------------------------------------
# Per-event attribution


#: The columns of :func:`attribution` (attribution.csv), in their order.
ATTRIBUTION_COLUMNS = ["event_id", "type", "announced", "direction", "assets", "trades", "first_entry", "last_exit",
                       "pnl_by_currency", "contribution", "mean_abnormal_return", "exits"]  # fmt: skip


def attribution(result: BacktestResult) -> pd.DataFrame:
    """One row per policy event: what was traded on it, when, for what P&L, abnormal return and exit.

    Money is never added across currencies: ``pnl_by_currency`` lists the event's P&L in each
    currency it was earned in (``USD:1234.5;AUD:-320.0``), and ``contribution`` is the sum of its
    trades' P&L each divided by the starting capital of its own sleeve (a unitless share of one
    sleeve's capital; sleeves are in effect currency-hedged). The abnormal return of a trade is the
    sum of its asset's market-model abnormal returns (120 sessions, gap 10, relative to the event's
    session 0) over the sessions it was held, signed by its side (NaN for an asset with no benchmark
    on its own market). A trade opened by several events
    on one session splits its P&L equally among them.
    """
    from ._study import estimate_pair, returns_on_own_sessions

    universe, close, calendar = result.universe, result.close, result.calendar
    if universe is None or calendar is None:
        raise ParameterError("result", result.template, "a result computed in this session, not loaded from a folder")
    # an asset with no benchmark on its own market (NEO.TO) has no abnormal return: NaN, never a stand-in
    benchmarks = sorted(set(universe.loc[[t for t in close.columns if t in universe.index], "benchmark"]) - {""})
    source = result.spec.prices if result.spec is not None else None
    benchmark_close = load_prices_for(benchmarks, close.index, source).drop(columns=close.columns, errors="ignore")
    prices = pd.concat([close, benchmark_close], axis=1)
    returns: dict[str, tuple[pd.Series, pd.Series]] = {}
    trades = result.trades.dropna(subset=["event_ids"])
    per_trade = []
    for trade in trades.itertuples():
        abnormal = np.nan
        benchmark = str(universe.at[trade.asset, "benchmark"]) if trade.asset in universe.index else ""
        if benchmark in prices.columns and pd.notna(trade.exit_session):
            if trade.asset not in returns:
                returns[trade.asset] = returns_on_own_sessions(prices, trade.asset, benchmark)
            asset_returns, market_returns = returns[trade.asset]
            sessions = asset_returns.index
            zero = sessions.searchsorted(trade.event_session)
            first = sessions.get_loc(trade.entry_session) - zero + 1
            last = sessions.get_loc(trade.exit_session) - zero
            if last >= first:
                days = list(range(first, last + 1))
                estimate = estimate_pair(asset_returns.to_numpy(), market_returns.to_numpy(), zero, days)
                if not isinstance(estimate, str):
                    abnormal = estimate.car((first, last)) * (1 if trade.side == "long" else -1)
        events = trade.event_ids.split(";")
        for event_id in events:  # a trade opened by several same-session events shares its P&L equally
            per_trade.append((event_id, trade.asset, trade.currency, trade.entry_session, trade.exit_session,
                              trade.pnl / len(events), abnormal, trade.exit_reason))  # fmt: skip
    columns = ["event_id", "asset", "currency", "entry", "exit", "pnl", "abnormal", "reason"]
    frame = pd.DataFrame(per_trade, columns=columns)
    rows = []
    for event in calendar:
        mine = frame[frame["event_id"] == event.id]
        rows.append({
            "event_id": event.id, "type": str(event.type), "announced": f"{event.announced_at:%Y-%m-%d}",
            "direction": str(event.direction), "assets": ";".join(mine["asset"]), "trades": len(mine),
            "first_entry": mine["entry"].min() if len(mine) else pd.NaT,
            "last_exit": mine["exit"].max() if len(mine) else pd.NaT,
            "pnl_by_currency": ";".join(f"{currency}:{amount:.2f}" for currency, amount in
                                        mine.groupby("currency", sort=True)["pnl"].sum().items()),
            "contribution": float(mine["pnl"].sum() / result.costs.init_cash) if len(mine) else 0.0,
            "mean_abnormal_return": float(mine["abnormal"].mean()) if mine["abnormal"].notna().any() else np.nan,
            "exits": ";".join(sorted(set(mine["reason"]))) if len(mine) else "",
        })  # fmt: skip
    return pd.DataFrame(rows, columns=ATTRIBUTION_COLUMNS)  # its columns even without events (an empty calendar)


def load_prices_for(tickers: Sequence[str], index: pd.DatetimeIndex, source=None) -> pd.DataFrame:
    """Adjusted closes of ``tickers`` on ``index`` from the run's price ``source`` (benchmarks for attribution)."""
    from ._price_folders import price_files
    from ._prices import BUNDLED, load_prices

    if source is not None and source != BUNDLED:  # a user's folder may lack a benchmark: no abnormal return then
        present = price_files(source)
        tickers = [ticker for ticker in tickers if ticker in present]
    if not tickers:
        return pd.DataFrame(index=index)
    frame = load_prices(list(tickers), field="adj_close", source=source)
    return frame.reindex(frame.index.union(index)).ffill().reindex(index)
