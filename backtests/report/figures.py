"""The report's figures, each built once as a small spec (data and labels) from the folder's frames.

:mod:`backtests.report.draw` draws a spec with plotly for the HTML and, when it names a PNG, with
matplotlib for ``figures/``: both show the same data, labels and colours.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from signals._events import TYPE_COLORS, type_color

__all__ = [
    "EVENT_TYPE_COLORS",
    "Figure",
    "Heatmap",
    "Panel",
    "Trace",
    "car_figure",
    "equity_figure",
    "placebo_figures",
    "price_figure",
    "sweep_heatmap",
    "type_color",
]

TIGHTENING_COLOR, EASING_COLOR = "#c0392b", "#1e8449"
STRATEGY_COLOR, BENCHMARK_COLOR, EXIT_COLOR = "#1f4e79", "#999999", "#e67e22"
#: One fixed colour per event type (signals.TYPE_COLORS, shared with the notebook's figures), by value.
EVENT_TYPE_COLORS: dict[str, str] = {kind.value: color for kind, color in TYPE_COLORS.items()}


#: Event types shown at first in the CAR figure when there are more than five (the others: click the legend).
MAJOR_TYPES = {
    "restriction_tightening",
    "permit_approval",
    "negotiation_window",
    "easing_pause",
    "retaliation_escalation",
}


@dataclass
class Trace:
    """One series: ``line``, ``area`` (a line filled to zero), ``band`` (between ``y`` and ``y2``),
    ``markers`` (``symbol`` tick, up or down) or ``histogram`` (of ``x``)."""

    kind: str
    x: Any
    y: Any = None
    label: str | None = None
    color: str = STRATEGY_COLOR
    y2: Any = None
    width: float = 1.5
    symbol: str = "dot"
    hover: Sequence[str] | None = None
    group: str | None = None  # figures with a menu show one group at a time
    legend: bool = True
    hidden: bool = False  # starts hidden in the HTML (shown by clicking the legend)


@dataclass
class Panel:
    """Traces on one y axis: ``scale`` linear, log or percent (values are fractions)."""

    traces: list[Trace]
    title: str = ""
    y_title: str = ""
    scale: str = "linear"
    share: float = 1.0  # of the figure's height
    hline: float | None = None
    vline: float | None = None


@dataclass
class Heatmap:
    """Values on a grid (rows ``y``, columns ``x``, first row on top), coloured around ``center``."""

    z: np.ndarray
    x: list[str]
    y: list[str]
    x_title: str
    y_title: str
    value_title: str
    center: float = 0.0
    colormap: str = "RdBu"  # diverging: red below the centre, blue above, in plotly and matplotlib alike


@dataclass
class Figure:
    """One figure: its panels stacked top to bottom (heights by each panel's ``share``), or a heatmap instead.

    ``png`` names the file under ``figures/`` it is also drawn to (None: the HTML only); ``height`` and
    ``width`` are HTML pixels, ``size`` PNG inches. ``menu`` adds a dropdown showing one trace group at a
    time, ``toolbar`` plotly's mode bar, and ``hover`` is plotly's hover mode.
    """

    title: str
    panels: list[Panel] = field(default_factory=list)
    heatmap: Heatmap | None = None
    png: str | None = None  # file name under figures/, or None for the HTML only
    x_title: str = ""
    height: int = 460  # HTML pixels
    width: int | None = None
    size: tuple[float, float] = (10, 4.5)  # PNG inches
    menu: bool = False  # a dropdown showing one trace group at a time
    toolbar: bool = True
    hover: str = "closest"


def equity_figure(equity: pd.DataFrame, label: str) -> Figure:
    """Strategy and buy & hold on one log axis, the strategy alone on its own axis (visible even when it
    is seldom invested), and both drawdowns."""
    value = equity / equity.iloc[0]
    drawdown = value / value.cummax() - 1
    series = [("strategy", label, STRATEGY_COLOR), ("benchmark", "buy & hold", BENCHMARK_COLOR)]
    series = [item for item in series if item[0] in value]
    both = Panel(
        [Trace("line", value.index, value[c], name, color) for c, name, color in series],
        "Value, 1 = start (log scale)",
        scale="log",
        share=0.4,
    )
    alone = Panel(
        [Trace("area", value.index, value["strategy"] - 1, label, STRATEGY_COLOR, legend=False)],
        f"{label} alone: return since the start (its own scale)",
        scale="percent",
        share=0.33,
        hline=0,
    )
    drawdowns = Panel(
        [
            Trace("area", value.index, drawdown[c], name, color, width=1, legend=False)
            for c, name, color in series[::-1]
        ],
        "Drawdown",
        scale="percent",
        share=0.27,
    )
    return Figure(
        "Portfolio value, strategy alone and drawdown",
        [both, alone, drawdowns],
        png="equity.png",
        height=760,
        size=(10, 8),
        hover="x unified",
    )


def _underlying(asset) -> str:
    """``MP|call|2025-04-09`` (a contract) -> ``MP``."""
    return str(asset).split("|")[0]


def price_figure(
    close: pd.DataFrame, alignment: pd.DataFrame, events: pd.DataFrame | None, trades: pd.DataFrame | None
) -> Figure | None:
    """Each asset's adjusted close as the run traded it, the sessions its events were first tradable
    (hover: the event and what became of it) and the trades' entries and exits; one asset at a time."""
    outcomes: dict[tuple[str, str], str] = {}
    if events is not None and len(events):
        ranked = events.assign(underlying=events["asset"].map(_underlying), rank=events["outcome"].ne("entered"))
        for row in ranked.sort_values("rank", kind="stable").drop_duplicates(["event_id", "underlying"]).itertuples():
            reason = "" if pd.isna(row.reason) else f": {row.reason}"
            outcomes[(row.event_id, row.underlying)] = f"{row.outcome}{reason}"
    unused = "no signal (a type or severity this run does not trade)"
    traded = trades.assign(underlying=trades["asset"].map(_underlying)) if trades is not None else None
    traces: list[Trace] = []
    for asset in close.columns:
        price = close[asset].dropna()
        if price.empty:
            continue
        traces.append(Trace("line", price.index, price.to_numpy(), "price", "#333333", width=1.2, group=asset))
        mine = alignment[(alignment["asset"] == asset) & alignment["session"].between(price.index[0], price.index[-1])]
        for direction, color in (("tightening", TIGHTENING_COLOR), ("easing", EASING_COLOR)):
            chosen = mine[mine["direction"] == direction]
            hover = [
                f"{html.escape(r.event_id)} ({html.escape(str(r.type))}, severity {r.severity})"
                f"{html.escape(': ' + outcomes.get((r.event_id, asset), unused)) if events is not None else ''}<br>"
                f"{html.escape(str(r.description)[:140])}"
                for r in chosen.itertuples()
            ]
            y = price.reindex(chosen["session"], method="ffill").to_numpy()
            traces.append(
                Trace(
                    "markers",
                    chosen["session"],
                    y,
                    f"{direction} event",
                    color,
                    symbol="tick",
                    hover=hover,
                    group=asset,
                )
            )
        own = traded[traded["underlying"] == asset] if traded is not None else pd.DataFrame(columns=["entry_session"])
        for column, symbol, color, name in (
            ("entry_session", "up", STRATEGY_COLOR, "entry"),
            ("exit_session", "down", EXIT_COLOR, "exit"),
        ):
            days = pd.DatetimeIndex(own[column].dropna()) if column in own else pd.DatetimeIndex([])
            y = price.reindex(days, method="ffill").to_numpy()
            traces.append(Trace("markers", days, y, name, color, symbol=symbol, group=asset))
    if not traces:
        return None
    return Figure(
        "Prices, policy events and trades",
        [Panel(traces, y_title="adjusted close (local currency)")],
        height=520,
        menu=True,
    )


def placebo_figures(table: pd.DataFrame, column: str) -> list[Figure]:
    """One histogram per window (or one for a run's Sharpe) of the placebo draws, with the real value.

    Draws without a value (a placebo calendar that never traded has no Sharpe) are counted in the title, not
    drawn; a window none of whose draws has a value gets no figure (summary.json still has its numbers).
    """
    figures = []
    groups = table.groupby("window", sort=False) if "window" in table else [("all", table)]
    for window, part in groups:
        actual, p_value = float(part["actual"].iloc[0]), float(part["p_value"].iloc[0])
        draws = part[column].to_numpy(dtype=float)
        finite = draws[np.isfinite(draws)]
        if not finite.size:
            continue
        unknown = f" ({len(draws) - finite.size} without a value)" if finite.size < len(draws) else ""
        title = (
            f"{'' if window == 'all' else f'window {window}: '}real {actual:.3g}, p = {p_value:.3f}, "
            f"{len(part)} draws{unknown}"
        )
        vline = actual if np.isfinite(actual) else None
        panel = Panel([Trace("histogram", finite, color=BENCHMARK_COLOR, legend=False)], vline=vline)
        figures.append(Figure(title, [panel], height=260, width=520, toolbar=False))
    return figures


def sweep_heatmap(grid: pd.DataFrame, x: str, y: str | None, others: bool = False) -> Figure:
    """Portfolio Sharpe by two parameters (rows top to bottom in the grid's order), centred at 0; the best
    over the ``others`` parameters when more vary."""
    spec = Heatmap(
        grid.to_numpy(dtype=float),
        [str(c) for c in grid.columns],
        [str(r) for r in grid.index],
        x,
        y or "",
        "Sharpe (annualized)",
    )
    return Figure(
        "Portfolio Sharpe, annualized" + (" (best over the other parameters)" if others else ""),
        heatmap=spec,
        png="sweep_heatmap.png",
        height=420,
        size=(7, 4.5),
    )


def car_figure(paths: pd.DataFrame) -> Figure:
    """Mean CAR by event type and relative day with its 95% band."""
    traces = []
    few = paths["event_type"].nunique() <= 5
    for kind, part in paths.groupby("event_type"):
        color = type_color(kind)
        label = f"{kind} (n={int(part['count'].max())})"
        hidden = not (few or kind in MAJOR_TYPES)
        traces.append(
            Trace(
                "band",
                part["rel_day"],
                part["low"],
                label,
                color,
                y2=part["high"],
                group=None,
                legend=False,
                hidden=hidden,
            )
        )
        traces.append(Trace("line", part["rel_day"], part["mean"], label, color, width=2, hidden=hidden))
    panel = Panel(traces, y_title="mean CAR", scale="percent", hline=0)
    return Figure(
        "Mean cumulative abnormal return by event type (95% band)",
        [panel],
        png="car_paths.png",
        x_title="sessions relative to the event (0 = first tradable session)",
        height=460,
    )
