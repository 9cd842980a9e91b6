"""Operations: ``op(spec, data) -> Result``. The one place where runs, sweeps and studies are computed.

Every operation takes a frozen spec (:mod:`backtests.spec`) and the data it reads
(:class:`backtests.data.MarketData`, loaded once), and returns a result with ``summary()``,
``to_frame()``, ``save(folder)`` and ``load(folder)`` (the folder schema: :mod:`backtests.results`).
``data`` defaults to loading what the spec names.

>>> from backtests import ops
>>> from backtests.spec import RunSpec
>>> spec = RunSpec(tickers=["MP", "LYC"], start="2024-01-01")
>>> result = ops.run(spec)  # doctest: +SKIP
>>> result.save("run/")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from ..data import MarketData
from ..simulation._distributed import Scheduler
from ..spec import RunSpec, StudySpec
from ._attribution import attribution
from ._draws import placebo_calendars
from ._placebo import PlaceboResult, run_placebo
from ._positions import PositionsResult, run_positions
from ._progress import Progress, Step, TqdmProgress, reporting
from ._run import BacktestResult, backtest
from ._sweep import SweepResult, run_sweep
from ._walk_forward import WalkForwardResult, run_walk_forward

if TYPE_CHECKING:  # the study needs statsmodels and scipy: imported when a study runs
    from ._study import StudyResult

__all__ = [
    "BacktestResult", "PlaceboResult", "PositionsResult", "Progress", "Step", "StudyResult", "SweepResult",
    "TqdmProgress", "attribution", "placebo", "placebo_calendars", "placebo_cars", "positions", "reporting", "run",
    "study", "sweep", "walk_forward",
]  # fmt: skip

#: Names from the study, which needs statsmodels and scipy: imported on first use.
_STUDY = ("StudyResult", "placebo_cars")


def __getattr__(name: str):
    if name in _STUDY:
        from . import _study

        return getattr(_study, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run(spec: RunSpec, data: MarketData | None = None) -> BacktestResult:
    """Backtest ``spec``: events -> aligned sessions -> template signals -> vectorbt."""
    return backtest(spec, data if data is not None else MarketData.load(spec))


def sweep(
    spec: RunSpec, grid: Mapping[str, Sequence] | None = None, data: MarketData | None = None,
    chunk_size: int | None = None, progress: bool | None = None, scheduler: Scheduler = None,
) -> SweepResult:  # fmt: skip
    """``spec`` over every combination of ``grid`` (default: the template's), with the deflated Sharpe ratio.

    ``scheduler`` runs the chunks on Dask (see :mod:`backtests.simulation._distributed`).
    """
    data = data if data is not None else MarketData.load(spec)
    return run_sweep(spec, data, grid, chunk_size, progress, scheduler=scheduler)


def placebo(
    spec: RunSpec, draws: int = 100, seed: int = 0, data: MarketData | None = None, scheduler: Scheduler = None
) -> PlaceboResult:
    """The portfolio Sharpe of ``spec`` against ``draws`` placebo calendars of the same events (Dask: ``scheduler``)."""
    return run_placebo(spec, data if data is not None else MarketData.load(spec), draws, seed, scheduler)


def walk_forward(
    spec: RunSpec, grid: Mapping[str, Sequence], folds: int = 4, embargo: int = 21, select_by: str = "sharpe",
    data: MarketData | None = None, scheduler: Scheduler = None,
) -> WalkForwardResult:  # fmt: skip
    """Parameters chosen on the past and tested on the next stretch of events, fold by fold (data loaded
    once; each fold a Dask task with ``scheduler``)."""
    data = data if data is not None else MarketData.load(spec)
    return run_walk_forward(spec, data, grid, folds, embargo, select_by, scheduler)


def study(spec: StudySpec, data: MarketData | None = None, placebo: int = 0, seed: int = 0) -> StudyResult:
    """Abnormal returns, CARs and their tests around the spec's events (and placebo draws)."""
    from ._study import run_study

    return run_study(spec, data if data is not None else MarketData.for_study(spec), placebo, seed)


def positions(
    spec: RunSpec, asof: str | pd.Timestamp, data: MarketData | None = None, strict: bool = False
) -> PositionsResult:
    """What ``spec``'s template holds after the close of ``asof`` and its orders for the next session.

    Assets whose prices stop before ``asof`` are left out and named (``strict``: an error instead).
    """
    return run_positions(spec, data if data is not None else MarketData.load(spec), asof, strict)
