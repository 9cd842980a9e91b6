"""One self-contained, offline HTML report for a results folder (run, sweep and/or study outputs).

:func:`write_report` reads what a folder holds and writes ``report.html`` (plotly, its JavaScript
inlined once), static PNG figures (matplotlib) under ``figures/`` and ``summary.json`` with the
headline numbers. ``reelab run``, ``reelab sweep`` and ``reelab study`` call it on their output
folders; ``reelab report DIR`` calls it on any folder.

The report renders the saved folder and never recomputes: no prices or events are loaded, nothing is
re-aligned or re-simulated. Files read (each optional): ``config.json``; ``stats.csv``, ``equity.csv``,
``trades.csv``, ``close.csv``, ``alignment.csv``, ``events.csv``, ``attribution.csv``,
``placebo_sharpe.csv`` (a run); ``sweep.csv``, ``dsr.json``, ``best_returns.csv`` (a sweep);
``car.csv``, ``tests.csv``, ``abnormal_returns.csv``, ``placebo_car.csv`` (a study).

Modules: :mod:`.summary` (numbers and tables), :mod:`.figures` (figure specs), :mod:`.draw` (plotly
and matplotlib), :mod:`.html` (the page).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from signals._io import atomic_write

from ..results import read_frame, read_json, read_json_file, read_results_csv
from . import html as page
from . import summary as numbers
from .draw import plotly_js, to_html, to_png
from .figures import Figure, car_figure, equity_figure, placebo_figures, price_figure, sweep_heatmap

__all__ = ["write_report"]


def _draw(folder: Path, figure: Figure) -> str:
    """The figure as HTML for the page; its PNG (if it has one) written to figures/."""
    if figure.png:
        atomic_write(folder / "figures" / figure.png, to_png(figure))
    return to_html(figure)


def _frame(folder: Path, kind: str, name: str) -> pd.DataFrame | None:
    frame = read_frame(folder, kind, name, required=False)
    return None if frame is None else frame.rename(columns=numbers.RENAMED)


def _stats(folder: Path) -> pd.DataFrame | None:
    path = folder / "stats.csv"
    if not path.is_file():
        return None
    return read_results_csv(path, "run", dtype={"scope": str, "series": str}).rename(columns=numbers.RENAMED)


def _run(folder: Path, config: dict, summary: dict) -> str:
    stats, equity = _stats(folder), _frame(folder, "run", "equity")
    if stats is None or equity is None:
        return ""
    summary["run"] = numbers.run_numbers(stats, config.get("template"))
    label = config.get("template") or "strategy"
    trades = _frame(folder, "run", "trades")
    close, alignment = _frame(folder, "run", "close"), _frame(folder, "run", "alignment")
    events = _frame(folder, "run", "events")
    absent = [name for name, frame in (("close.csv", close), ("alignment.csv", alignment)) if frame is None]
    figure = price_figure(close, alignment, events, trades) if not absent else None
    prices = _draw(folder, figure) if figure is not None else None
    attribution = _frame(folder, "run", "attribution")
    placebo = _frame(folder, "run", "placebo")
    shown_placebo = []
    if placebo is not None and "actual" in placebo:
        summary.setdefault("placebo", {}).update(
            {f"run:{window}": value for window, value in numbers.placebo_numbers(placebo).items()}
        )
        shown_placebo = [_draw(folder, figure) for figure in placebo_figures(placebo, "sharpe")]
    return page.run_section(
        summary["run"],
        numbers.run_table(stats),
        _draw(folder, equity_figure(equity, label)),
        prices,
        absent,
        numbers.event_outcomes(events) if events is not None and len(events) else None,
        numbers.attribution_table(attribution) if attribution is not None else None,
        shown_placebo,
        numbers.trades_table(trades) if trades is not None and len(trades) else None,
    )


def _sweep(folder: Path, summary: dict) -> str:
    table = _frame(folder, "sweep", "table")
    if table is None:
        return ""
    best_returns = _frame(folder, "sweep", "best_returns")
    summary["sweep"] = numbers.sweep_numbers(table, read_json(folder, "sweep", "dsr"), best_returns)
    grid = numbers.sweep_grid(table)
    heatmap = _draw(folder, sweep_heatmap(*grid)) if grid is not None else None
    return page.sweep_section(summary["sweep"], heatmap, numbers.sweep_table(table))


def _study(folder: Path, config: dict, summary: dict) -> str:
    tests, abnormal = _frame(folder, "study", "tests"), _frame(folder, "study", "abnormal_returns")
    car = _frame(folder, "study", "car")
    if tests is None or abnormal is None or car is None:
        return ""
    summary["study"] = numbers.study_numbers(car, tests)
    placebo = _frame(folder, "study", "placebo")
    shown_placebo = []
    if placebo is not None and "actual" in placebo:
        summary.setdefault("placebo", {}).update(
            {f"study:{window}": value for window, value in numbers.placebo_numbers(placebo).items()}
        )
        shown_placebo = [_draw(folder, figure) for figure in placebo_figures(placebo, "mean_car")]
    description = dict(numbers.header(config)).get("event study", "event study")
    figure = _draw(folder, car_figure(numbers.car_paths(abnormal)))
    return page.study_section(str(description), figure, numbers.study_table(tests), shown_placebo)


def write_report(folder: str | Path, title: str | None = None) -> Path:
    """Render ``report.html``, ``figures/*.png`` and ``summary.json`` for a results folder."""
    folder = Path(folder)
    config_path = folder / "config.json"
    config: dict[str, Any] = read_json_file(config_path) if config_path.is_file() else {}
    summary: dict[str, Any] = {}
    if config.get("start") or config.get("end"):
        summary["period"] = {"start": config.get("start"), "end": config.get("end")}
    sections = [
        _run(folder, config, summary),
        _sweep(folder, summary),
        _study(folder, config, summary),
    ]
    body = "\n".join(section for section in sections if section)
    if not body:
        from signals.errors import ReelabError

        raise ReelabError(f"{folder}: no results to report (expected stats.csv, sweep.csv or car.csv)")
    shown = [name for name, section in zip(("run", "sweep", "study"), sections) if section]
    title = title or f"reelab {config.get('template') or ' and '.join(shown)} report"
    document = page.page(title, numbers.header(config), body, plotly_js())
    atomic_write(folder / "summary.json", json.dumps(summary, indent=2, default=str) + "\n")
    return atomic_write(folder / "report.html", document)
