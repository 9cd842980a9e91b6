"""One self-contained, offline HTML report for a results folder (run, sweep and/or study outputs).

:func:`write_report` reads what a folder holds and writes ``report.html`` (plotly, its JavaScript
inlined once), static PNG figures (matplotlib) under ``figures/`` and ``summary.json`` with the
headline numbers. ``reelab run``, ``reelab sweep`` and ``reelab study`` call it on their output
folders; ``reelab report DIR`` calls it on any folder.

The report renders the saved folder and never recomputes: no prices or events are loaded, nothing is
re-aligned or re-simulated. Every file is read through :mod:`backtests.results`, which checks it against
its schema; a folder the report cannot write to, or a file that is not what reelab writes there, is one
:class:`~signals.errors.ResultsFileError` and nothing is written (the page and figures are rendered in
memory and written at the end). Files read (each optional): ``config.json``; ``stats.csv``, ``equity.csv``,
``trades.csv``, ``close.csv``, ``alignment.csv``, ``events.csv``, ``attribution.csv``,
``placebo_sharpe.csv`` (a run); ``sweep.csv``, ``dsr.json``, ``best_returns.csv`` (a sweep);
``car.csv``, ``tests.csv``, ``abnormal_returns.csv``, ``placebo_car.csv`` (a study).

Modules: :mod:`.summary` (numbers and tables), :mod:`.figures` (figure specs), :mod:`.draw` (plotly
and matplotlib), :mod:`.html` (the page).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from signals._io import atomic_write
from signals.errors import MissingFileError, ResultsFileError

from ..results import FILES, read_config, read_frame, read_json
from . import html as page
from . import summary as numbers
from .draw import plotly_js, to_html, to_png
from .figures import Figure, car_figure, equity_figure, placebo_figures, price_figure, sweep_heatmap

__all__ = ["write_report"]

#: What the report writes into the folder, and whether each is a folder (figures/: the PNGs).
OUTPUTS = {"report.html": False, "summary.json": False, "figures": True}


def _check_writable(folder: Path) -> None:
    """Refuse, before reading anything, a folder the report could not write its outputs to."""
    for name, is_folder in OUTPUTS.items():
        path = folder / name
        if path.exists() and path.is_dir() != is_folder:
            kind = "a file where the report writes its figures folder" if is_folder else "a folder, not a file"
            raise ResultsFileError(path, f"{kind}; nothing was written")
    for place in (folder, folder / "figures"):
        if not place.is_dir():
            continue
        try:
            with tempfile.TemporaryFile(dir=place):  # leaves no name behind (O_TMPFILE where Linux has it)
                pass
        except OSError as error:
            raise ResultsFileError(
                place, f"read-only ({error.strerror or error}): the report cannot write report.html, summary.json "
                "and figures/ here; nothing was written"
            ) from None  # fmt: skip


def _draw(figures: dict[str, bytes], figure: Figure) -> str:
    """The figure as HTML for the page; its PNG (if it has one) kept in ``figures`` for figures/."""
    if figure.png:
        figures[figure.png] = to_png(figure)
    return to_html(figure)


def _frames(folder: Path, kind: str, names: tuple[str, ...], what: str) -> dict[str, pd.DataFrame] | None:
    """The frames ``names`` of ``kind``: all of them, none (None), or one ResultsFileError naming the missing one."""
    frames = {name: read_frame(folder, kind, name, required=False) for name in names}
    present = {name: frame for name, frame in frames.items() if frame is not None}
    if not present:
        return None
    missing = [FILES[kind][name] for name in names if name not in present]
    if missing:
        shown = ", ".join(FILES[kind][name] for name in present)
        raise ResultsFileError(folder / missing[0], f"missing; {what} folder has it beside {shown}")
    return present


def _last(ends: list[pd.Timestamp], sessions) -> None:
    """Keep the last of ``sessions`` (dates) in ``ends``: where the data the report shows ends."""
    days = pd.to_datetime(pd.Series(sessions), errors="coerce").dropna()
    if len(days):
        ends.append(pd.Timestamp(days.max()))


def _names(trades: pd.DataFrame, config: dict) -> dict[str, str] | None:
    """Company names by ticker, as the folder holds them (trades.csv's ``name`` column, config.json's ``names``);
    the report reads no shipped data, so a folder without them shows none."""
    names = dict(config.get("names") or {})
    if "name" in trades:
        names |= {str(a): str(n) for a, n in zip(trades["asset"], trades["name"]) if pd.notna(n)}
    return names or None


def _run(folder: Path, config: dict, summary: dict, figures: dict[str, bytes], ends: list[pd.Timestamp]) -> str:
    frames = _frames(folder, "run", ("stats", "equity"), "a run")
    if frames is None:
        return ""
    stats, equity = frames["stats"].reset_index(), frames["equity"]
    _last(ends, equity.index)
    if not ((stats["scope"] == numbers.PORTFOLIO) & (stats["series"] == "strategy")).any():
        raise ResultsFileError(folder / "stats.csv", "no row for scope 'portfolio', series 'strategy' (the headline)")
    summary["run"] = numbers.run_numbers(stats, config.get("template"))
    label = config.get("template") or "strategy"
    read = {name: read_frame(folder, "run", name, required=False)
            for name in ("trades", "close", "alignment", "events", "attribution", "placebo")}  # fmt: skip
    trades, close, alignment, events = read["trades"], read["close"], read["alignment"], read["events"]
    absent = [name for name, frame in (("close.csv", close), ("alignment.csv", alignment)) if frame is None]
    figure = price_figure(close, alignment, events, trades) if close is not None and alignment is not None else None
    prices = _draw(figures, figure) if figure is not None else None
    placebo = read["placebo"]
    shown_placebo = []
    if placebo is not None:
        summary.setdefault("placebo", {}).update(
            {f"run:{window}": value for window, value in numbers.placebo_numbers(placebo).items()}
        )
        shown_placebo = [_draw(figures, figure) for figure in placebo_figures(placebo, "sharpe")]
    totals = numbers.attribution_totals(read["attribution"]) if read["attribution"] is not None else None
    if totals is not None:
        summary["run"]["attribution"] = totals
    return page.run_section(
        summary["run"],
        numbers.run_table(stats),
        _draw(figures, equity_figure(equity, label)),
        prices,
        absent,
        numbers.event_outcomes(events) if events is not None and len(events) else None,
        numbers.attribution_table(read["attribution"]) if read["attribution"] is not None else None,
        shown_placebo,
        numbers.trades_table(trades, _names(trades, config)) if trades is not None and len(trades) else None,
        totals,
        init_cash=config.get("init_cash") or (config.get("trading_costs") or {}).get("init_cash"),
    )


def _sweep(folder: Path, summary: dict, figures: dict[str, bytes], ends: list[pd.Timestamp]) -> str:
    table = read_frame(folder, "sweep", "table", required=False)
    if table is None:
        return ""
    best_returns = read_frame(folder, "sweep", "best_returns", required=False)
    if best_returns is not None:
        _last(ends, best_returns.index)
    summary["sweep"] = numbers.sweep_numbers(table, read_json(folder, "sweep", "dsr"), best_returns)
    grid = numbers.sweep_grid(table)
    heatmap = _draw(figures, sweep_heatmap(*grid)) if grid is not None else None
    gaps = grid is not None and bool(grid[0].isna().to_numpy().any())
    return page.sweep_section(summary["sweep"], heatmap, numbers.sweep_table(table), gaps=gaps)


def _study(folder: Path, config: dict, summary: dict, figures: dict[str, bytes], ends: list[pd.Timestamp]) -> str:
    frames = _frames(folder, "study", ("tests", "abnormal_returns", "car"), "a study")
    if frames is None:
        return ""
    tests, abnormal, car = frames["tests"], frames["abnormal_returns"], frames["car"]
    if "session" in abnormal:
        _last(ends, abnormal["session"])
    summary["study"] = numbers.study_numbers(car, tests)
    placebo = read_frame(folder, "study", "placebo", required=False)
    shown_placebo = []
    if placebo is not None:
        summary.setdefault("placebo", {}).update(
            {f"study:{window}": value for window, value in numbers.placebo_numbers(placebo).items()}
        )
        shown_placebo = [_draw(figures, figure) for figure in placebo_figures(placebo, "mean_car")]
    description = dict(numbers.header(config)).get("event study", "event study")
    figure = _draw(figures, car_figure(numbers.car_paths(abnormal))) if len(abnormal) else None
    return page.study_section(str(description), figure, numbers.study_table(tests, car), shown_placebo)


def write_report(folder: str | Path, title: str | None = None) -> Path:
    """Render ``report.html``, ``figures/*.png`` and ``summary.json`` for a results folder.

    Everything is read, checked and rendered in memory first and written at the end (each file
    atomically, report.html last), so a folder the report refuses is left as it was: a folder it
    cannot write to (checked first), or a file that is not what reelab writes there
    (:class:`~signals.errors.ResultsFileError`, see :mod:`backtests.results`).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise MissingFileError("results folder", folder, "a folder written by reelab run, sweep or study")
    _check_writable(folder)
    config = read_config(folder, required=False)
    summary: dict[str, Any] = {}
    figures: dict[str, bytes] = {}
    ends: list[pd.Timestamp] = []
    sections = [
        _run(folder, config, summary, figures, ends),
        _sweep(folder, summary, figures, ends),
        _study(folder, config, summary, figures, ends),
    ]
    if ends:  # the period ends where the data the report shows ends (a study's last abnormal return, ...)
        config = config | {"end": f"{max(ends):%Y-%m-%d}"}
    if config.get("start") or config.get("end"):
        summary["period"] = {"start": config.get("start"), "end": config.get("end")}
    body = "\n".join(section for section in sections if section)
    if not body:
        raise ResultsFileError(folder, "no results to report (expected stats.csv, sweep.csv or car.csv)")
    shown = [name for name, section in zip(("run", "sweep", "study"), sections) if section]
    title = title or f"reelab {config.get('template') or ' and '.join(shown)} report"
    document = page.page(title, numbers.header(config), body, plotly_js())
    for name, png in figures.items():
        atomic_write(folder / "figures" / name, png)
    atomic_write(folder / "summary.json", json.dumps(summary, indent=2, default=str) + "\n")
    return atomic_write(folder / "report.html", document)
