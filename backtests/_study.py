"""Event studies: abnormal returns around policy events, and the tests of their significance.

Conventions (Campbell, Lo & MacKinlay, *The Econometrics of Financial Markets*, ch. 4):

* Simple daily returns on each asset's own sessions; the asset's market benchmark (``benchmark``
  in ``universe.csv``) is read on the same sessions. Session 0 is the event's aligned session.
* The normal-return model is fit on an estimation window of ``estimation`` sessions that ends
  ``gap + 1`` sessions before session 0 (defaults 120 and 10: sessions -130..-11).
* Models: ``market`` (OLS of the asset on its benchmark, statsmodels), ``market_adjusted``
  (AR = r - r_m) and ``mean_adjusted`` (AR = r - mean r over the estimation window).
* The variance of a CAR over K sessions is s^2 K, plus, for the market model, the prediction-error
  terms s^2 (K^2 / L + (sum r_m - K mean r_m)^2 / Sxx) (L estimation sessions). SCAR = CAR / its
  standard error; it is also each pair's ``t_stat``.
* The tests of a group of pairs, and how they handle events that cluster in calendar time, are in
  :mod:`backtests._study_tests`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm

from signals import POLICY_TYPES, EventCalendar, EventType, align_events, load_events, load_universe
from signals.errors import ParameterError

from ._prices import load_prices
from ._study_tests import group_tests, size_note
from .data import MarketData, within_identity
from .results import publishing, read_config, read_frame, write_config, write_frame
from .spec import DEFAULT_WINDOWS, MODELS, StudySpec, margin_delta, ticker_tuple

__all__ = ["MODELS", "PairEstimate", "StudyResult", "estimate_pair", "event_study", "group_tests"]


@dataclass(frozen=True)
class PairEstimate:
    """One (event, asset) pair: its estimation-window residuals and event-window abnormal returns."""

    estimation_ar: np.ndarray  # residuals over the estimation window
    estimation_market: np.ndarray  # benchmark returns over the estimation window (market model only)
    event_ar: dict[int, float]  # relative day -> abnormal return
    event_market: dict[int, float]  # relative day -> benchmark return
    variance: float  # s^2 of the residuals
    model: str
    estimation_sessions: pd.DatetimeIndex = field(default_factory=lambda: pd.DatetimeIndex([]))
    event_sessions: pd.DatetimeIndex = field(default_factory=lambda: pd.DatetimeIndex([]))  # of the event days
    event_id: str = ""

    @property
    def length(self) -> int:
        """Number of sessions in the estimation window (L)."""
        return len(self.estimation_ar)

    def window_sessions(self, window: tuple[int, int]) -> np.ndarray:
        """The calendar sessions of a window as int64 nanoseconds (empty without sessions)."""
        if not len(self.event_sessions):
            return np.empty(0, dtype=np.int64)
        first = min(self.event_ar)
        return self.event_sessions.asi8[window[0] - first : window[1] - first + 1]

    def car(self, window: tuple[int, int]) -> float:
        """Cumulative abnormal return over ``window``: the sum of the daily abnormal returns (a fraction).

        ``window`` is (start, end) in sessions relative to session 0, both inclusive; every day in it must be
        one of the pair's event days, else ``KeyError``.
        """
        return float(sum(self.event_ar[day] for day in range(window[0], window[1] + 1)))

    @cached_property
    def _market_moments(self) -> tuple[float, float]:
        """Mean and sum of squared deviations of the benchmark's returns over the estimation window."""
        market = self.estimation_market
        return float(market.mean()), float(((market - market.mean()) ** 2).sum())

    def car_variance(self, window: tuple[int, int]) -> float:
        """Variance of :meth:`car` over ``window`` (inclusive, K sessions).

        s^2 K; for the market model plus the estimation-error terms s^2 (K^2 / L + (sum r_m - K mean r_m)^2 / Sxx),
        where L, mean r_m and Sxx come from the estimation window and sum r_m is over the window's benchmark returns.
        """
        days = window[1] - window[0] + 1
        variance = self.variance * days
        if self.model == "market":
            mean, spread = self._market_moments
            excess = sum(self.event_market[day] for day in range(window[0], window[1] + 1)) - days * mean
            variance += self.variance * (days**2 / self.length + excess**2 / spread)
        return variance

    def scar(self, window: tuple[int, int]) -> float:
        """Standardized CAR: :meth:`car` over the square root of :meth:`car_variance` (the pair's ``t_stat``)."""
        return self.car(window) / np.sqrt(self.car_variance(window))


def estimate_pair(
    asset: np.ndarray,
    market: np.ndarray,
    event_position: int,
    days: Sequence[int],
    model: str,
    estimation: int,
    gap: int,
    sessions: pd.DatetimeIndex | None = None,
) -> PairEstimate | str:
    """Fit the normal-return model before ``event_position`` and compute abnormal returns on ``days``.

    ``asset`` and ``market`` are simple returns on the asset's own sessions (same length);
    ``event_position`` indexes session 0. Returns a :class:`PairEstimate`, or the reason (a string)
    why the pair cannot be estimated.
    """
    last = event_position - gap - 1
    first = last - estimation + 1
    if first < 0:
        return "estimation window before the data"
    if event_position + max(days) >= len(asset) or event_position + min(days) < 0:
        return "event window outside the data"
    window = slice(first, last + 1)
    y, x = asset[window], market[window]
    if not (np.isfinite(y).all() and np.isfinite(x).all()):
        return "missing returns in the estimation window"
    event = {day: asset[event_position + day] for day in days}
    event_market = {day: market[event_position + day] for day in days}
    if not all(np.isfinite(list(event.values()))) or not all(np.isfinite(list(event_market.values()))):
        return "missing returns in the event window"
    if model == "market":
        fit = sm.OLS(y, sm.add_constant(x, has_constant="add")).fit()
        alpha, beta = fit.params
        residuals = fit.resid
        variance = fit.ssr / (len(y) - 2)
        abnormal = {day: event[day] - alpha - beta * event_market[day] for day in days}
    elif model == "market_adjusted":
        residuals = y - x
        variance = residuals.var(ddof=1)
        abnormal = {day: event[day] - event_market[day] for day in days}
    elif model == "mean_adjusted":
        residuals = y - y.mean()
        variance = y.var(ddof=1)
        abnormal = {day: event[day] - y.mean() for day in days}
    else:
        raise ParameterError("model", model, f"one of {', '.join(MODELS)}")
    estimation_sessions = sessions[window] if sessions is not None else pd.DatetimeIndex([])
    days = sorted(days)
    event_sessions = (
        sessions[event_position + days[0] : event_position + days[-1] + 1]
        if sessions is not None
        else pd.DatetimeIndex([])
    )
    return PairEstimate(np.asarray(residuals), np.asarray(x), abnormal, event_market, float(variance), model,
                        estimation_sessions, event_sessions)  # fmt: skip


@dataclass(frozen=True)
class StudyResult:
    """Tidy outputs of :func:`event_study`.

    ``abnormal_returns``: event_id, event_type, ticker, group, session, rel_day, ar.
    ``car``: event_id, event_type, ticker, group, window_start, window_end, car, t_stat.
    ``tests``: group, window, n (pairs), clusters, statistic, value, p_value, note (groups: ``all``,
    ``type=<event type>``, ``asset_group=<china exposure>``; see :mod:`backtests._study_tests`; ``note``:
    empty for a headline test, else its measured size, :func:`backtests._study_tests.size_note`).
    ``dropped``: event_id, ticker, reason.
    """

    abnormal_returns: pd.DataFrame
    car: pd.DataFrame
    tests: pd.DataFrame
    dropped: pd.DataFrame
    windows: tuple[tuple[int, int], ...]
    model: str
    pairs: dict = field(repr=False, default_factory=dict)
    placebo: pd.DataFrame | None = field(repr=False, default=None)
    spec: StudySpec | None = field(repr=False, default=None)
    data: MarketData | None = field(repr=False, default=None)

    def car_paths(self) -> pd.DataFrame:
        """Mean cumulative abnormal return by event type and relative day, with a 95% band."""
        return car_paths(self.abnormal_returns)

    def summary(self) -> pd.DataFrame:
        """Mean CAR by event type (rows) and window (columns, in numeric order)."""
        table = self.car.groupby(["event_type", "window_start", "window_end"])["car"].mean().unstack([1, 2])
        return table[sorted(table.columns)]

    def to_frame(self) -> pd.DataFrame:
        """The tests: one row per (group, window, statistic)."""
        return self.tests

    def save(self, folder: str | Path) -> Path:
        """Publish the results folder whole (see :func:`backtests.results.publishing`); returns the folder."""
        with publishing(folder) as stage:
            self.write(stage)
        return Path(folder)

    def write(self, folder: str | Path) -> Path:
        """Write the results' files into ``folder`` (a staging folder: :meth:`save` publishes it whole)."""
        columns = ["event_id", "ticker", "session", "rel_day", "ar", "event_type", "group"]
        frames = {"abnormal_returns": self.abnormal_returns[columns], "car": self.car, "tests": self.tests,
                  "dropped": self.dropped}  # fmt: skip
        if self.placebo is not None:
            frames["placebo"] = self.placebo
        for name, frame in frames.items():
            write_frame(folder, "study", name, frame)
        if self.spec is not None:
            write_config(folder, "study", self.spec, self.data)
        return Path(folder)

    @classmethod
    def load(cls, folder: str | Path) -> StudyResult:
        """Read a folder written by :meth:`save`.

        ``windows`` and ``model`` come from config.json's ``spec`` (the :class:`StudySpec` defaults without
        one); ``placebo`` is read when present. ``pairs`` and ``data`` are not saved: they come back empty
        (``{}`` and None). Raises :class:`~signals.errors.MissingFileError` when config.json or a required
        CSV is absent.
        """
        config = read_config(folder)
        spec = StudySpec.from_dict(config["spec"]) if "spec" in config else StudySpec()
        frames = {name: read_frame(folder, "study", name) for name in ("abnormal_returns", "car", "tests", "dropped")}
        return cls(frames["abnormal_returns"], frames["car"], frames["tests"], frames["dropped"], spec.windows,
                   spec.model, {}, read_frame(folder, "study", "placebo", required=False), spec)  # fmt: skip


def car_paths(abnormal_returns: pd.DataFrame) -> pd.DataFrame:
    """Mean CAR (cumulated from the first relative day) by event type and relative day, with a 95% band.

    ``abnormal_returns`` has the columns of :attr:`StudyResult.abnormal_returns` (or abnormal_returns.csv).
    """
    frame = abnormal_returns.sort_values("rel_day")
    frame = frame.assign(cum=frame.groupby(["event_id", "ticker"])["ar"].cumsum())
    paths = frame.groupby(["event_type", "rel_day"])["cum"].agg(["mean", "std", "count"]).reset_index()
    half = 1.96 * paths["std"] / np.sqrt(paths["count"])
    return paths.assign(low=paths["mean"] - half, high=paths["mean"] + half)


def returns_on_own_sessions(close: pd.DataFrame, ticker: str, benchmark: str) -> tuple[pd.Series, pd.Series]:
    """Simple daily returns of ``ticker`` and of its ``benchmark``, both on the ticker's own sessions.

    The ticker's sessions are the rows of ``close`` where it has a price. The benchmark is forward-filled
    over all of ``close``'s rows and then read on those sessions, so both returns span the same interval.
    Returns (asset returns, benchmark returns), indexed by the ticker's sessions; the first of each is NaN.
    """
    own = close[ticker].dropna()
    if not benchmark:  # the mean-adjusted model needs none
        return own.pct_change(), pd.Series(float("nan"), index=own.index)
    market = close[benchmark].ffill().reindex(own.index)
    return own.pct_change(), market.pct_change()


def event_study(
    calendar: EventCalendar | None = None,
    universe: pd.DataFrame | None = None,
    tickers: Iterable[str] | None = None,
    types: Iterable[str] | None = None,
    windows: Sequence[tuple[int, int]] = DEFAULT_WINDOWS,
    model: str = StudySpec.model,
    estimation: int = StudySpec.estimation,
    gap: int = StudySpec.gap,
    close: pd.DataFrame | None = None,
    tests: bool = True,
    confounders: str = "flag",
    close_margin: int | None = 0,
) -> StudyResult:
    """Abnormal returns and CARs around policy events, with cross-sectional tests per group.

    Parameters
    ----------
    calendar, universe : optional
        Events and assets (default: the shipped ones).
    tickers : iterable of str, optional
        Assets to study (default: every rare-earth asset: neither a benchmark nor ``non_rare_earth``).
    types : iterable of str, optional
        Event types (default: every policy type; confounders are not China's acts).
    windows : sequence of (start, end)
        Event windows in sessions relative to session 0, inclusive (default (-1,1), (0,5), (0,20)).
    model : {"market", "market_adjusted", "mean_adjusted"}
    estimation, gap : int
        Estimation-window length and the sessions between it and session -1 (defaults 120, 10).
    close : DataFrame, optional
        Adjusted closes (default: the bundled snapshot), including the benchmarks.
    tests : bool
        Compute the group tests (placebo draws skip them).
    confounders, close_margin
        As in :class:`~backtests.StudySpec`: windows holding a confounder are flagged (default),
        excluded or ignored; session 0 is the first session whose close could hold the news.
    """
    chosen = None if types is None else tuple(types)
    spec = StudySpec(chosen, ticker_tuple(tickers), tuple(windows), model, estimation, gap,
                     confounders=confounders, close_margin=close_margin)  # fmt: skip
    if calendar is None and universe is None and close is None:
        data = MarketData.for_study(spec)
    else:
        universe = universe if universe is not None else load_universe()
        calendar = calendar if calendar is not None else load_events()
        left_out: dict[str, str] = {}
        if close is None:  # loaded here: each asset only while it is the business the calendar assumes
            needed = [*spec.assets(universe), *(b for b in universe.loc[spec.assets(universe), "benchmark"] if b)]
            close, left_out = within_identity(load_prices(list(dict.fromkeys(needed)), field="adj_close"), universe)
        data = MarketData(calendar, universe, close, left_out=left_out)
    return run_study(spec, data, tests=tests)


def _confounder_sessions(
    spec: StudySpec, data: MarketData, assets: list[str], data_sessions: dict[str, pd.DatetimeIndex]
) -> dict[str, list[tuple[str, pd.Timestamp]]]:
    """Per asset, (id, session) of each confounder on its exchange (none when ``spec.confounders`` is ignore).

    A confounder moves these stocks on its own (``seeds/AUDIT.md``): an event window that holds its
    session is flagged in car.csv's ``confounded`` (or, with ``exclude``, the pair is dropped and said).
    """
    confounders = data.calendar.filter(types=[str(EventType.CONFOUNDER)])
    if spec.confounders == "ignore" or not len(confounders):
        return {}
    placed = align_events(confounders, data.universe, assets, data_sessions=data_sessions,
                          close_margin=margin_delta(spec.close_margin)).table  # fmt: skip
    return {str(asset): list(zip(rows["event_id"], rows["session"])) for asset, rows in placed.groupby("asset")}


def run_study(spec: StudySpec, data: MarketData, placebo: int = 0, seed: int = 0, tests: bool = True) -> StudyResult:
    """The study operation: abnormal returns, CARs and tests of ``spec`` on ``data``.

    With ``placebo`` > 0, also the mean CAR of each window on that many placebo calendars (the
    same events moved to random sessions) and its empirical p-value (``placebo_car.csv``).
    """
    windows, model, estimation, gap = spec.windows, spec.model, spec.estimation, spec.gap
    universe, close = data.universe, data.close
    calendar = data.calendar.filter(types=spec.types if spec.types is not None else [str(t) for t in POLICY_TYPES])
    if placebo:  # before any work: the events must leave room for placebo dates
        from ._validation import placebo_pool

        placebo_pool(calendar)
    assets = spec.assets(universe)
    data_sessions = {asset: close.index[close[asset].notna().to_numpy()] for asset in assets}
    # session 0 is the first session whose close-to-close return can hold the news: news known before
    # a session's close moves that close (the close rule, by default with no margin)
    alignment = align_events(calendar, universe, assets, data_sessions=data_sessions,
                             close_margin=margin_delta(spec.close_margin))  # fmt: skip
    confounded = _confounder_sessions(spec, data, assets, data_sessions)
    days = list(range(min(w[0] for w in windows), max(w[1] for w in windows) + 1))
    pairs: dict[tuple[str, str], PairEstimate] = {}
    dropped = [(row.event_id, row.asset, row.reason) for row in alignment.dropped.itertuples()]
    ar_rows, car_rows = [], []
    returns_cache = {}
    for row in alignment.table.itertuples():
        benchmark = universe.at[row.asset, "benchmark"]
        if not benchmark and model != "mean_adjusted":  # an index on another market would measure the wrong thing
            dropped.append((row.event_id, row.asset, "no benchmark on its own market (universe.csv)"))
            continue
        if row.asset not in returns_cache:
            returns_cache[row.asset] = returns_on_own_sessions(close, row.asset, benchmark)
        asset_returns, market_returns = returns_cache[row.asset]
        position = asset_returns.index.searchsorted(row.session)
        estimate = estimate_pair(
            asset_returns.to_numpy(), market_returns.to_numpy(), position, days, model, estimation, gap,
            asset_returns.index,
        )  # fmt: skip
        if isinstance(estimate, str):
            dropped.append((row.event_id, row.asset, estimate))
            continue
        span = asset_returns.index[[position + days[0], position + days[-1]]]
        overlapping = ";".join(cid for cid, day in confounded.get(row.asset, ()) if span[0] <= day <= span[1])
        if overlapping and spec.confounders == "exclude":
            dropped.append((row.event_id, row.asset, f"window overlaps confounder(s) {overlapping}"))
            continue
        pairs[(row.event_id, row.asset)] = estimate = replace(estimate, event_id=row.event_id)
        group = universe.at[row.asset, "china_exposure"]
        for day in days:
            session = asset_returns.index[position + day]
            ar_rows.append((row.event_id, row.type, row.asset, group, session, day, estimate.event_ar[day]))
        for window in windows:
            car_rows.append((row.event_id, row.type, row.asset, group, *window, estimate.car(window),
                             estimate.scar(window), overlapping))  # fmt: skip
    abnormal = pd.DataFrame(ar_rows, columns=["event_id", "event_type", "ticker", "group", "session", "rel_day", "ar"])
    columns = ["event_id", "event_type", "ticker", "group", "window_start", "window_end", "car", "t_stat", "confounded"]
    car = pd.DataFrame(car_rows, columns=columns)
    test_rows = []
    groups = [("all", car)]
    groups += [(f"type={kind}", part) for kind, part in car.groupby("event_type")]
    groups += [(f"asset_group={kind}", part) for kind, part in car.groupby("group")]
    for name, part in groups if tests else []:
        members = [pairs[key] for key in dict.fromkeys(zip(part["event_id"], part["ticker"]))]
        for window, results in group_tests(members, windows).items():
            count = int(results.pop("clusters", (0.0, 0.0))[0])
            for statistic, (value, p_value) in results.items():
                test_rows.append((name, f"{window[0]}:{window[1]}", len(members), count, statistic, value, p_value,
                                  size_note(statistic)))  # fmt: skip
    columns = ["group", "window", "n", "clusters", "statistic", "value", "p_value", "note"]
    tests = pd.DataFrame(test_rows, columns=columns)
    dropped_frame = pd.DataFrame(dropped, columns=["event_id", "ticker", "reason"])
    result = StudyResult(abnormal, car, tests, dropped_frame, windows, model, pairs, None, spec, data)
    return replace(result, placebo=_placebo_cars(result, calendar, placebo, seed)) if placebo else result


def _placebo_cars(study: StudyResult, calendar: EventCalendar, draws: int, seed: int) -> pd.DataFrame:
    """Placebo draws of each window's mean CAR, with the real mean CAR and its empirical p-value.

    All draws at once (:func:`backtests._study_placebo.study_placebo_cars`); the per-draw reference is
    :func:`backtests._validation.placebo_cars` on :func:`backtests._validation.placebo_calendars`.
    """
    from ._study_placebo import study_placebo_cars
    from ._validation import empirical_p_value

    frame = study_placebo_cars(study, calendar, draws, seed)
    if frame.empty:  # no placebo pair in any draw: the columns, no rows
        return frame.assign(actual=pd.Series(dtype=float), p_value=pd.Series(dtype=float))
    rows = []
    for window, part in frame.groupby("window"):
        start, end = (int(v) for v in window.split(":"))
        real = study.car[(study.car["window_start"] == start) & (study.car["window_end"] == end)]["car"].mean()
        rows.append(part.assign(actual=real, p_value=empirical_p_value(real, part["mean_car"].to_numpy())))
    return pd.concat(rows)
