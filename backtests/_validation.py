"""How strong is the evidence: placebo events, walk-forward folds, the deflated Sharpe ratio, attribution."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from signals import POLICY_TYPES, EventCalendar, exchange_calendar
from signals.errors import ParameterError

from ._attribution import ATTRIBUTION_COLUMNS, attribution  # noqa: F401
from ._distributed import Scheduler
from ._dsr import EULER_GAMMA, deflated_sharpe_ratio  # noqa: F401
from ._run import PORTFOLIO, params_mapping
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
    from ._placebo import placebo_days

    if draws < 1:
        raise ParameterError("draws", draws, "at least 1")
    ordered, drawn = placebo_days(calendar, draws, seed, exclusion, start, end)
    calendars = []
    for draw, days in enumerate(drawn):
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
            for number, (event, day) in enumerate(zip(ordered, pd.DatetimeIndex(days)))
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

    Returns one row per (draw, window) with ``mean_car`` and ``n`` (pairs); compare with the real mean
    CAR. One event study per calendar, on the study's close rule: the reference of the study's placebo
    (:func:`backtests._study_placebo.study_placebo_cars` computes the same rows for all draws at once).
    """
    from ._study import event_study
    from .spec import StudySpec

    tickers = sorted(study.car["ticker"].unique())
    spec = study.spec or StudySpec()
    rows = []
    for draw, calendar in enumerate(calendars):
        placebo = event_study(calendar, universe, tickers, windows=study.windows, model=study.model,
                              estimation=spec.estimation, gap=spec.gap, close=close, tests=False,
                              close_margin=spec.close_margin)  # fmt: skip
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
    events moved to random sessions, side by side in chunks (:mod:`backtests._placebo`), in this
    process or on a Dask ``scheduler`` (see :mod:`backtests._distributed`)."""
    from ._placebo import placebo_sharpes
    from ._sweep import StackJob, run_stacked

    real, _ = run_stacked(StackJob(spec, data, [spec.resolved_params()]))
    actual = float(real.loc[real["scope"] == PORTFOLIO, "sharpe"].iloc[0])
    null = placebo_sharpes(spec, data, draws, seed, scheduler)
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
# Walk-forward validation cut on event dates


from ._walk_forward import run_walk_forward, walk_forward  # noqa: E402 (moved to their own module)
