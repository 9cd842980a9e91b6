"""``reelab run``, ``sweep``, ``study`` and ``report``: parse -> spec -> call -> save -> render.

Each command builds its spec from the arguments, calls one operation of :mod:`backtests.ops`,
saves the result through :mod:`backtests.results`, renders the report from the saved folder and
prints a summary (:mod:`backtests.cli._console`) whose first line gives the time the whole command
took. No computation happens here. While the operations work, the progress they report
(:mod:`backtests.ops._progress`) is drawn as bars on stderr when it is a terminal, unless ``--quiet``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from signals.errors import ReelabError

from ._console import duration, event_outcomes, run_table, study_tables, sweep_table

__all__ = ["report", "run", "study", "sweep"]


def _out(out: Path | None, spec) -> Path:
    """``--out``, or ``./reelab-out/<time>-<hash of the spec>``; never a file."""
    if out is None:
        digest = hashlib.sha256(json.dumps(spec.to_dict(), sort_keys=True).encode()).hexdigest()[:8]
        out = Path("reelab-out") / f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{digest}"
    if out.exists() and not out.is_dir():
        raise ReelabError(f"--out {out} exists and is not a folder")
    return out


def _written(folder: str | Path) -> str:
    """What the folder holds now, as the last line of a command's output."""
    names = sorted(path.name + ("/" if path.is_dir() else "") for path in Path(folder).iterdir())
    return f"wrote {folder}/ ({', '.join(names)})"


def _is_terminal(stream) -> bool:
    """Whether ``stream`` is a terminal (a closed or detached stream is not)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, OSError, ValueError):
        return False


@contextmanager
def _progress(args: argparse.Namespace) -> Iterator[None]:
    """Bars on stderr for the progress the operations report, only when stderr is a terminal and
    without ``--quiet`` (piped or in a cron log: nothing). Each bar is erased when its work ends, and
    any left by an error or an interrupt before its line is printed."""
    stream = sys.stderr
    if getattr(args, "quiet", False) or not _is_terminal(stream):
        yield
        return
    from ..ops._progress import TqdmProgress, reporting

    with reporting(TqdmProgress(file=stream, leave=False, dynamic_ncols=True)):
        yield


def _scheduler(args: argparse.Namespace):
    """Where the independent pieces run: a Dask scheduler address, a local cluster's size, or None (here).

    An address is checked first, before any data is read: a scheduler must answer there within
    seconds (see :func:`backtests.simulation._distributed.check_scheduler`), or the command stops with exit 2.
    """
    if args.scheduler is not None:
        from ..simulation._distributed import check_scheduler

        check_scheduler(args.scheduler)
        return args.scheduler
    return args.workers


def run(args: argparse.Namespace) -> int:
    """reelab run: RunSpec from args -> backtest (and --placebo draws) -> save to --out -> report -> print summary.

    Without ``--out`` the folder is ``reelab-out/<UTC time>-<hash of the spec>``. Returns exit code 0.
    """
    from .. import ops
    from ..data import MarketData
    from ..ops._placebo import check_placebo
    from ..ops._run import trading_terms
    from ..report import write_report
    from ..results import publishing
    from ..spec import RunSpec

    started = time.perf_counter()  # the header's time: everything the command did, placebo and report included
    spec = RunSpec.from_args(args)
    out = _out(args.out, spec)
    scheduler = _scheduler(args) if args.placebo else None
    data = MarketData.load(spec)
    spec, data = trading_terms(spec, data)  # --terms on the universe; desk costs and lots read each asset's
    if args.placebo:  # checked before any work: a refused command computes and writes nothing
        check_placebo(spec, data)
    with _progress(args):
        result = ops.run(spec, data)
        placebo = ops.placebo(spec, args.placebo, data=data, scheduler=scheduler) if args.placebo else None
    with publishing(out) as stage:  # the folder appears whole, report included, or not at all
        result.write(stage)
        if placebo is not None:
            placebo.save(stage)
        write_report(stage, title=f"reelab {spec.template} backtest")
    elapsed = time.perf_counter() - started
    print(f"reelab run {out.name}: {spec.template} on {result.close.shape[1]} assets, "
          f"{result.close.index[0]:%Y-%m-%d} to {result.close.index[-1]:%Y-%m-%d} ({duration(elapsed)})")  # fmt: skip
    for ticker, note in data.left_out.items():  # sessions left out are said, never silent
        print(f"{ticker}: {note}")
    if result.alignment is not None:
        print(result.alignment.summary())
    print(event_outcomes(result))
    print()
    print(run_table(result))
    print()
    if placebo is not None:
        print(placebo.summary())
    print(_written(out))
    return 0


def sweep(args: argparse.Namespace) -> int:
    """reelab sweep: RunSpec from args -> every --grid combination -> save to --out -> report -> print best; 0."""
    from .. import ops
    from ..data import MarketData
    from ..ops._run import trading_terms
    from ..report import write_report
    from ..results import publishing
    from ..spec import RunSpec

    started = time.perf_counter()
    spec = RunSpec.from_args(args)
    scheduler = _scheduler(args)
    grid = dict(args.grid) if args.grid else None
    with _progress(args):
        spec, data = trading_terms(spec, MarketData.load(spec))  # the sweep's chunks read each asset's terms
        result = ops.sweep(spec, grid, data=data, chunk_size=args.chunk_size, scheduler=scheduler)
    with publishing(args.out) as stage:
        result.write(stage)
        write_report(stage, title=f"reelab {spec.template} sweep")
    elapsed = time.perf_counter() - started
    table = result.table
    print(f"reelab sweep: {spec.template}, {(table['scope'] == 'portfolio').sum()} combinations x "
          f"{table['scope'].nunique() - 1} scopes in {duration(elapsed)}")  # fmt: skip
    print("best combinations by portfolio Sharpe (in-sample: beware of overfitting):")
    print(sweep_table(result.summary(), list(result.grid)))
    if result.dsr is not None:
        print(f"deflated Sharpe ratio of the best combination: probability {result.dsr['dsr']:.3f} that its "
              f"Sharpe beats the best of {result.dsr['trials']} trials by luck")  # fmt: skip
    print(_written(args.out))
    return 0


def study(args: argparse.Namespace) -> int:
    """reelab study: StudySpec from args -> event study (and --placebo draws) -> save -> report -> print CARs; 0."""
    from .. import ops
    from ..report import write_report
    from ..results import publishing
    from ..spec import StudySpec

    started = time.perf_counter()
    spec = StudySpec.from_args(args)
    with _progress(args):
        result = ops.study(spec, placebo=args.placebo)
    with publishing(args.out) as stage:
        result.write(stage)
        write_report(stage, title="reelab event study")
    elapsed = time.perf_counter() - started
    pairs = result.car.groupby(["event_id", "ticker"]).ngroups
    for ticker, note in (result.data.left_out if result.data is not None else {}).items():
        print(f"{ticker}: {note}")
    print(f"reelab study: {pairs} event-asset pairs, model {spec.model}, {len(result.dropped)} dropped "
          f"({duration(elapsed)})")  # fmt: skip
    cars, p_values = study_tables(result)
    print("mean CAR by event type and window:")
    print(cars)
    print("p-values, all events (headline tests first; in brackets, how often a test kept for reference")
    print("rejected a true null at 5% in benchmarks/study_size.py, at most):")
    print(p_values)
    print(_written(args.out))
    return 0


def report(args: argparse.Namespace) -> int:
    """reelab report: rebuild report.html, summary.json and figures/ from a results folder's saved files.

    Returns exit code 0; raises :class:`~signals.errors.ReelabError` when ``folder`` is not a directory.
    """
    from ..report import write_report

    if not args.folder.is_dir():
        raise ReelabError(f"{args.folder} is not a folder of reelab results")
    path = write_report(args.folder)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB), summary.json and figures/")
    return 0
