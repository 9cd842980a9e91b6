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
  :mod:`backtests.measures._group_tests`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from signals import POLICY_TYPES, EventCalendar, EventType, align_events, load_events, load_universe
from strategies import warn_examples

from ..data import MarketData, within_identity
from ..measures._event_study import PairEstimate, car_paths, estimate_pair, returns_on_own_sessions
from ..measures._group_tests import group_tests, size_note
from ..measures._pvalue import empirical_p_value
from ..prices._load import load_prices
from ..results import publishing, read_config, read_frame, write_config, write_frame
from ..spec import DEFAULT_WINDOWS, MODELS, StudySpec, margin_delta, ticker_tuple
from . import _display
from ._progress import Progress, track

__all__ = ["MODELS", "StudyResult", "event_study", "group_tests", "placebo_cars"]


@dataclass(frozen=True)
class StudyResult:
    """Tidy outputs of :func:`event_study`.

    ``abnormal_returns``: event_id, event_type, ticker, group, session, rel_day, ar.
    ``car``: event_id, event_type, ticker, group, window_start, window_end, car, t_stat.
    ``tests``: group, window, n (pairs), clusters, statistic, value, p_value, note (groups: ``all``,
    ``type=<event type>``, ``asset_group=<china exposure>``; see :mod:`backtests.measures._group_tests`; ``note``:
    empty for a headline test, else its measured size, :func:`backtests.measures._group_tests.size_note`).
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

    def plot(self):
        """A plotly Figure: mean CAR by event type and relative day with its 95% band (as in the report)."""
        return _display.car_figure(self.car_paths())

    def _repr_html_(self) -> str:
        return _display.study_html(self)

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
    progress: Progress = None,
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
    progress : bool or callable, optional
        Report the pairs and groups done: True, a tqdm bar; a callable, each
        :class:`~backtests.ops._progress.Step`; None (default), the enclosing ``reporting`` block's hook.
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
    return run_study(spec, data, tests=tests, progress=progress)


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


def run_study(
    spec: StudySpec, data: MarketData, placebo: int = 0, seed: int = 0, tests: bool = True, progress: Progress = None
) -> StudyResult:
    """The study operation: abnormal returns, CARs and tests of ``spec`` on ``data``.

    With ``placebo`` > 0, also the mean CAR of each window on that many placebo calendars (the
    same events moved to random sessions) and its empirical p-value (``placebo_car.csv``). The
    event-asset pairs measured, the groups tested and the placebo's assets are reported to
    ``progress`` (:mod:`backtests.ops._progress`).
    """
    windows, model, estimation, gap = spec.windows, spec.model, spec.estimation, spec.gap
    universe, close = data.universe, data.close
    calendar = data.calendar.filter(types=spec.types if spec.types is not None else [str(t) for t in POLICY_TYPES])
    if placebo:  # before any work: the events must leave room for placebo dates
        from ._draws import placebo_pool

        placebo_pool(calendar)
    assets = spec.assets(universe)
    data_sessions = {asset: close.index[close[asset].notna().to_numpy()] for asset in assets}
    # session 0 is the first session whose close-to-close return can hold the news: news known before
    # a session's close moves that close (the close rule, by default with no margin)
    alignment = align_events(calendar, universe, assets, data_sessions=data_sessions,
                             close_margin=margin_delta(spec.close_margin))  # fmt: skip
    warn_examples(calendar, alignment.table["event_id"], "measured")
    confounded = _confounder_sessions(spec, data, assets, data_sessions)
    days = list(range(min(w[0] for w in windows), max(w[1] for w in windows) + 1))
    pairs: dict[tuple[str, str], PairEstimate] = {}
    dropped = [(row.event_id, row.asset, row.reason) for row in alignment.dropped.itertuples()]
    ar_rows, car_rows = [], []
    returns_cache = {}
    measured = track(progress, "event study", len(alignment.table), "pair")
    for row in measured.over(alignment.table.itertuples()):
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
    tested = track(progress if tests else False, "group tests", len(groups), "group")
    for name, part in tested.over(groups if tests else []):
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
    return replace(result, placebo=_placebo_cars(result, calendar, placebo, seed, progress)) if placebo else result


def _placebo_cars(
    study: StudyResult, calendar: EventCalendar, draws: int, seed: int, progress: Progress = None
) -> pd.DataFrame:
    """Placebo draws of each window's mean CAR, with the real mean CAR and its empirical p-value.

    All draws at once (:func:`backtests.ops._study_draws.study_placebo_cars`); the per-draw reference is
    :func:`backtests.ops._study.placebo_cars` on :func:`backtests.ops._draws.placebo_calendars`.
    """
    from ._study_draws import study_placebo_cars

    frame = study_placebo_cars(study, calendar, draws, seed, progress)
    if frame.empty:  # no placebo pair in any draw: the columns, no rows
        return frame.assign(actual=pd.Series(dtype=float), p_value=pd.Series(dtype=float))
    rows = []
    for window, part in frame.groupby("window"):
        start, end = (int(v) for v in window.split(":"))
        real = study.car[(study.car["window_start"] == start) & (study.car["window_end"] == end)]["car"].mean()
        rows.append(part.assign(actual=real, p_value=empirical_p_value(real, part["mean_car"].to_numpy())))
    return pd.concat(rows)


def placebo_cars(study: StudyResult, calendars: Sequence[EventCalendar], close: pd.DataFrame | None = None,
                 universe: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
    """The mean CAR of each window for every placebo calendar, on the study's assets and model.

    Returns one row per (draw, window) with ``mean_car`` and ``n`` (pairs); compare with the real mean
    CAR. One event study per calendar, on the study's close rule: the reference of the study's placebo
    (:func:`backtests.ops._study_draws.study_placebo_cars` computes the same rows for all draws at once).
    """
    from ..spec import StudySpec
    from ._study import event_study

    tickers = sorted(study.car["ticker"].unique())
    spec = study.spec or StudySpec()
    rows = []
    for draw, calendar in enumerate(calendars):
        placebo = event_study(calendar, universe, tickers, windows=study.windows, model=study.model,
                              estimation=spec.estimation, gap=spec.gap, close=close, tests=False,
                              close_margin=spec.close_margin, progress=False)  # fmt: skip
        for (start, end), part in placebo.car.groupby(["window_start", "window_end"]):
            rows.append((draw, f"{start}:{end}", float(part["car"].mean()), len(part)))
    return pd.DataFrame(rows, columns=["draw", "window", "mean_car", "n"])
