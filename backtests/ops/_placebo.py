"""How strong is the evidence: placebo events, walk-forward folds, the deflated Sharpe ratio, attribution."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from signals import EventCalendar

from ..data import MarketData
from ..measures._performance import PORTFOLIO
from ..measures._pvalue import empirical_p_value
from ..results import read_frame, write_frame
from ..simulation._distributed import Scheduler
from ..simulation._vbt import Costs
from ..spec import RunSpec, ticker_tuple
from . import _display
from ._draws import placebo_pool
from ._progress import Progress
from ._run import params_mapping

if TYPE_CHECKING:  # the event study needs statsmodels: imported where it runs
    pass

__all__ = [
    "PlaceboResult",
    "placebo_sharpe",
    "run_placebo",
]

# ---------------------------------------------------------------------------------------------
# Placebo events


def check_placebo(spec: RunSpec, data: MarketData, exclusion: int = 20) -> None:
    """Raise before any work when :func:`run_placebo` could not draw ``spec``'s placebo calendars."""
    context = data.context(spec)
    placebo_pool(context.calendar, exclusion, context.close.index[0], context.close.index[-1])


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

    def plot(self):
        """A plotly Figure: the placebo Sharpes' histogram with the real Sharpe marked (as in the report)."""
        return _display.placebo_figure(self.null, self.actual, self.p_value)

    def _repr_html_(self) -> str:
        return _display.placebo_html(self)

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
    spec: RunSpec, data: MarketData, draws: int = 100, seed: int = 0, scheduler: Scheduler = None,
    progress: Progress = None,
) -> PlaceboResult:  # fmt: skip
    """The placebo operation: the spec on ``data``'s events and on ``draws`` calendars of the same
    events moved to random sessions, side by side in chunks (:mod:`backtests.ops._draws`), in this
    process or on a Dask ``scheduler`` (see :mod:`backtests.simulation._distributed`). The draws done
    are reported to ``progress`` chunk by chunk (:mod:`backtests.ops._progress`)."""
    from ._draws import placebo_sharpes
    from ._sweep import StackJob, run_stacked

    real, _ = run_stacked(StackJob(spec, data, [spec.resolved_params()]), progress=False)
    actual = float(real.loc[real["scope"] == PORTFOLIO, "sharpe"].iloc[0])
    null = placebo_sharpes(spec, data, draws, seed, scheduler, progress=progress)
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
    progress: Progress = None,
) -> tuple[float, np.ndarray, float]:
    """(real portfolio Sharpe, placebo Sharpes, empirical p-value) of a template on placebo calendars.

    The real Sharpe uses ``calendar`` (default: the shipped events); the placebo calendars move
    those same events to random sessions. See :func:`run_placebo`; ``scheduler`` runs the draws on
    Dask (a ``distributed.Client``, a scheduler address, or a number of local worker processes);
    ``progress`` shows the draws done (True: a tqdm bar; see :mod:`backtests.ops._progress`).
    """
    spec = RunSpec(template, params_mapping(template, params), ticker_tuple(tickers), start, end, costs or Costs())
    result = run_placebo(spec, MarketData.load(spec, calendar, universe), draws, seed, scheduler, progress)
    return result.actual, result.null, result.p_value
