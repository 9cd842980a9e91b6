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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as distributions
from statsmodels.stats.weightstats import DescrStatsW

from signals import EventCalendar, align_events, load_events, load_universe, select_tickers
from signals.errors import ParameterError

from ._prices import load_prices

__all__ = ["MODELS", "PairEstimate", "StudyResult", "estimate_pair", "event_study", "group_tests"]

MODELS = ("market", "market_adjusted", "mean_adjusted")
DEFAULT_WINDOWS = ((-1, 1), (0, 5), (0, 20))


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

    @property
    def length(self) -> int:
        return len(self.estimation_ar)

    def car(self, window: tuple[int, int]) -> float:
        return float(sum(self.event_ar[day] for day in range(window[0], window[1] + 1)))

    def car_variance(self, window: tuple[int, int]) -> float:
        days = window[1] - window[0] + 1
        variance = self.variance * days
        if self.model == "market":
            market = self.estimation_market
            spread = float(((market - market.mean()) ** 2).sum())
            excess = sum(self.event_market[day] for day in range(window[0], window[1] + 1)) - days * market.mean()
            variance += self.variance * (days**2 / self.length + excess**2 / spread)
        return variance

    def scar(self, window: tuple[int, int]) -> float:
        return self.car(window) / np.sqrt(self.car_variance(window))


def estimate_pair(
    asset: np.ndarray,
    market: np.ndarray,
    event_position: int,
    days: Sequence[int],
    model: str = "market",
    estimation: int = 120,
    gap: int = 10,
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
    return PairEstimate(np.asarray(residuals), np.asarray(x), abnormal, event_market, float(variance), model,
                        estimation_sessions)  # fmt: skip


def _average_correlation(pairs: list[PairEstimate], minimum: int = 30) -> float:
    """Mean pairwise correlation of estimation residuals on common sessions (Kolari-Pynnonen r-bar)."""
    if len(pairs) < 2 or any(len(pair.estimation_sessions) == 0 for pair in pairs):
        return 0.0
    frame = pd.DataFrame(
        {number: pd.Series(pair.estimation_ar, index=pair.estimation_sessions) for number, pair in enumerate(pairs)}
    )
    correlation = frame.corr(min_periods=minimum).to_numpy()
    upper = correlation[np.triu_indices(len(pairs), k=1)]
    upper = upper[np.isfinite(upper)]
    return float(upper.mean()) if len(upper) else 0.0


def _ranks(pair: PairEstimate) -> tuple[np.ndarray, dict[int, float]]:
    """Corrado's standardized ranks U = K/(T+1) - 1/2 of every abnormal return of a pair (estimation + event)."""
    days = sorted(pair.event_ar)
    values = np.concatenate([pair.estimation_ar, [pair.event_ar[day] for day in days]])
    ranks = distributions.rankdata(values) / (len(values) + 1) - 0.5
    return ranks[: pair.length], dict(zip(days, ranks[pair.length :]))


def group_tests(pairs: list[PairEstimate], window: tuple[int, int], correlation: float | None = None) -> dict:
    """The six tests of a group of pairs over one window: {statistic: (value, two-sided p-value)}.

    * ``csect_t``: cross-sectional t of the CARs (Brown & Warner 1985).
    * ``patell_z``: sum of SCARs / sqrt(sum (L-2)/(L-4)) (Patell 1976).
    * ``bmp_t``: cross-sectional t of the SCARs (Boehmer, Musumeci & Poulsen 1991).
    * ``kp_bmp_t``: BMP times sqrt((1 - r)/(1 + (N - 1) r)), r the mean residual cross-correlation
      (Kolari & Pynnonen 2010), for events clustered in calendar time.
    * ``corrado_rank``: sum over the window of the mean standardized rank / (sqrt(W) s_U), s_U from the
      mean ranks of every relative day (Corrado 1989; Cowan 1992 for multi-day windows).
    * ``generalized_sign``: (w - N p) / sqrt(N p (1 - p)), w the positive CARs, p the share of positive
      estimation residuals (Cowan 1992).
    """
    count = len(pairs)
    if count < 2:
        return {}
    cars = np.array([pair.car(window) for pair in pairs])
    scars = np.array([pair.scar(window) for pair in pairs])
    lengths = np.array([pair.length for pair in pairs], dtype=float)
    results = {}
    t_stat, p_value, _ = DescrStatsW(cars).ttest_mean(0.0)
    results["csect_t"] = (float(t_stat), float(p_value))
    patell = scars.sum() / np.sqrt(((lengths - 2) / (lengths - 4)).sum())
    results["patell_z"] = (float(patell), float(2 * distributions.norm.sf(abs(patell))))
    bmp, p_value, _ = DescrStatsW(scars).ttest_mean(0.0)
    results["bmp_t"] = (float(bmp), float(p_value))
    r_bar = _average_correlation(pairs) if correlation is None else correlation
    kp = bmp * np.sqrt((1 - r_bar) / (1 + (count - 1) * r_bar))
    results["kp_bmp_t"] = (float(kp), float(2 * distributions.t.sf(abs(kp), count - 1)))
    estimation_ranks, event_ranks = zip(*(_ranks(pair) for pair in pairs))
    by_day: dict[int, list[float]] = {}
    for ranks, pair in zip(estimation_ranks, pairs):
        for offset, rank in enumerate(ranks):
            by_day.setdefault(offset - pair.length, []).append(rank)  # estimation days, aligned from the end
    for ranks in event_ranks:
        for day, rank in ranks.items():
            by_day.setdefault(1000 + day, []).append(rank)
    mean_rank = {day: float(np.mean(values)) for day, values in by_day.items()}
    spread = np.sqrt(np.mean([value**2 for value in mean_rank.values()]))
    width = window[1] - window[0] + 1
    corrado = sum(mean_rank[1000 + day] for day in range(window[0], window[1] + 1)) / (np.sqrt(width) * spread)
    results["corrado_rank"] = (float(corrado), float(2 * distributions.norm.sf(abs(corrado))))
    share = float(np.mean([(pair.estimation_ar > 0).mean() for pair in pairs]))
    positive = int((cars > 0).sum())
    sign = (positive - count * share) / np.sqrt(count * share * (1 - share))
    results["generalized_sign"] = (float(sign), float(2 * distributions.norm.sf(abs(sign))))
    return results


@dataclass(frozen=True)
class StudyResult:
    """Tidy outputs of :func:`event_study`.

    ``abnormal_returns``: event_id, event_type, ticker, group, session, rel_day, ar.
    ``car``: event_id, event_type, ticker, group, window_start, window_end, car, t_stat.
    ``tests``: group, window, statistic, value, p_value (groups: ``all``, ``type=<event type>``,
    ``asset_group=<china exposure>``). ``dropped``: event_id, ticker, reason.
    """

    abnormal_returns: pd.DataFrame
    car: pd.DataFrame
    tests: pd.DataFrame
    dropped: pd.DataFrame
    windows: tuple[tuple[int, int], ...]
    model: str
    pairs: dict = field(repr=False, default_factory=dict)

    def car_paths(self) -> pd.DataFrame:
        """Mean cumulative abnormal return by event type and relative day, with a 95% band."""
        return car_paths(self.abnormal_returns)


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
    own = close[ticker].dropna()
    market = close[benchmark].ffill().reindex(own.index)
    return own.pct_change(), market.pct_change()


def event_study(
    calendar: EventCalendar | None = None,
    universe: pd.DataFrame | None = None,
    tickers: Iterable[str] | None = None,
    types: Iterable[str] | None = None,
    windows: Sequence[tuple[int, int]] = DEFAULT_WINDOWS,
    model: str = "market",
    estimation: int = 120,
    gap: int = 10,
    close: pd.DataFrame | None = None,
    tests: bool = True,
) -> StudyResult:
    """Abnormal returns and CARs around policy events, with cross-sectional tests per group.

    Parameters
    ----------
    calendar, universe : optional
        Events and assets (default: the shipped ones).
    tickers : iterable of str, optional
        Assets to study (default: every non-benchmark asset).
    types : iterable of str, optional
        Event types (default: all).
    windows : sequence of (start, end)
        Event windows in sessions relative to session 0, inclusive (default (-1,1), (0,5), (0,20)).
    model : {"market", "market_adjusted", "mean_adjusted"}
    estimation, gap : int
        Estimation-window length and the sessions between it and session -1 (defaults 120, 10).
    close : DataFrame, optional
        Adjusted closes (default: the bundled snapshot), including the benchmarks.
    tests : bool
        Compute the group tests (placebo draws skip them).
    """
    if model not in MODELS:
        raise ParameterError("model", model, f"one of {', '.join(MODELS)}")
    windows = tuple((int(a), int(b)) for a, b in windows)
    for start, end in windows:
        if start > end or start < -gap:
            raise ParameterError("windows", f"{start}:{end}", f"start <= end and start >= -gap (-{gap})")
    if not 30 <= estimation <= 1000:
        raise ParameterError("estimation", estimation, "an integer number of sessions in 30..1000")
    universe = universe if universe is not None else load_universe()
    calendar = calendar if calendar is not None else load_events()
    if types is not None:
        calendar = calendar.filter(types=types)
    assets = (
        select_tickers(universe, tickers)
        if tickers is not None
        else [t for t in universe.index if universe.at[t, "china_exposure"] != "benchmark"]
    )
    needed = list(dict.fromkeys([*assets, *universe.loc[assets, "benchmark"]]))
    close = close if close is not None else load_prices(needed, field="adj_close")
    data_sessions = {asset: close.index[close[asset].notna().to_numpy()] for asset in assets}
    alignment = align_events(calendar, universe, assets, data_sessions=data_sessions)
    days = list(range(min(w[0] for w in windows), max(w[1] for w in windows) + 1))
    pairs: dict[tuple[str, str], PairEstimate] = {}
    dropped = [(row.event_id, row.asset, row.reason) for row in alignment.dropped.itertuples()]
    ar_rows, car_rows = [], []
    returns_cache = {}
    for row in alignment.table.itertuples():
        benchmark = universe.at[row.asset, "benchmark"]
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
        pairs[(row.event_id, row.asset)] = estimate
        group = universe.at[row.asset, "china_exposure"]
        for day in days:
            session = asset_returns.index[position + day]
            ar_rows.append((row.event_id, row.type, row.asset, group, session, day, estimate.event_ar[day]))
        for window in windows:
            car_rows.append(
                (row.event_id, row.type, row.asset, group, *window, estimate.car(window), estimate.scar(window))
            )
    abnormal = pd.DataFrame(ar_rows, columns=["event_id", "event_type", "ticker", "group", "session", "rel_day", "ar"])
    car = pd.DataFrame(
        car_rows, columns=["event_id", "event_type", "ticker", "group", "window_start", "window_end", "car", "t_stat"]
    )
    test_rows = []
    groups = [("all", car)]
    groups += [(f"type={kind}", part) for kind, part in car.groupby("event_type")]
    groups += [(f"asset_group={kind}", part) for kind, part in car.groupby("group")]
    for name, part in groups if tests else []:
        members = [pairs[key] for key in dict.fromkeys(zip(part["event_id"], part["ticker"]))]
        correlation = _average_correlation(members)
        for window in windows:
            for statistic, (value, p_value) in group_tests(members, window, correlation).items():
                test_rows.append((name, f"{window[0]}:{window[1]}", len(members), statistic, value, p_value))
    tests = pd.DataFrame(test_rows, columns=["group", "window", "n", "statistic", "value", "p_value"])
    dropped_frame = pd.DataFrame(dropped, columns=["event_id", "ticker", "reason"])
    return StudyResult(abnormal, car, tests, dropped_frame, windows, model, pairs)
