"""What the results show in a notebook: ``.plot()`` (a plotly Figure) and ``_repr_html_`` (a compact summary).

The figures are those of the HTML report (:mod:`backtests.report.figures`), with its colours and titles, drawn
here from a result in memory: the report sits a floor above the operations (it renders a saved folder), so
the operations cannot call it. ``_repr_html_`` is plain HTML (headline numbers and a small table, no plotly
JavaScript), so a notebook stays light; plotly is imported only when a figure is drawn.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from signals._events import type_color

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "METRIC_LABELS",
    "car_figure",
    "equity_figure",
    "html_summary",
    "number",
    "percent",
    "placebo_figure",
    "positions_figure",
    "sweep_heatmap",
    "trades_figure",
    "walk_forward_figure",
]

# The report's colours (backtests/report/figures.py).
TIGHTENING_COLOR, EASING_COLOR = "#c0392b", "#1e8449"
STRATEGY_COLOR, BENCHMARK_COLOR, EXIT_COLOR = "#1f4e79", "#999999", "#e67e22"
#: Each metric of :data:`backtests.measures._performance.METRICS` as a row label: what it is and how it is scaled.
METRIC_LABELS = {
    "total_return": "total return",
    "cagr": "CAGR (annualized)",
    "sharpe": "Sharpe ratio (annualized, no risk-free rate)",
    "sortino": "Sortino ratio (annualized)",
    "max_drawdown": "max drawdown",
    "trades": "trades",
    "win_rate": "win rate (closed trades)",
    "time_invested": "time invested (share of sessions)",
}
#: Metrics that are fractions, shown as percentages.
PERCENT = ("total_return", "cagr", "max_drawdown", "win_rate", "time_invested")


# ---------------------------------------------------------------------------------------------
# numbers and HTML


def percent(value: Any, signed: bool = True) -> str:
    """``0.1234`` -> ``+12.3%``; a missing value -> an en dash."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "–"
    if not np.isfinite(value):
        return "–"
    return f"{value:+.1%}" if signed else f"{value:.1%}"


def number(value: Any, digits: int = 2) -> str:
    """A float with ``digits`` decimals (whole numbers without); a missing value -> an en dash."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "–" if value is None else str(value)
    if not np.isfinite(value):
        return "–"
    return f"{value:,.0f}" if digits == 0 else f"{value:,.{digits}f}"


def html_summary(
    title: str, headline: Iterable[tuple[str, str]], table: pd.DataFrame | None = None, note: str = ""
) -> str:
    """A title, the headline numbers as ``label value`` pairs and a small table (already formatted as text)."""
    items = " &nbsp;·&nbsp; ".join(f"{html.escape(label)} <b>{html.escape(value)}</b>" for label, value in headline)
    parts = [
        '<div class="reelab-result">',
        f'<div style="font-weight:600;margin-bottom:4px">{html.escape(title)}</div>',
        f'<div style="margin-bottom:6px">{items}</div>' if items else "",
    ]
    if table is not None and len(table):
        parts.append(table.astype(str).to_html(border=0, escape=True, na_rep="–", index_names=False))
    if note:
        parts.append(f'<div style="color:#666;font-size:0.9em">{html.escape(note)}</div>')
    parts.append("</div>")
    return "\n".join(part for part in parts if part)


def _layout(figure: go.Figure, title: str, height: int, **more: Any) -> go.Figure:
    figure.update_layout(
        title=dict(text=title, font=dict(size=14)),
        height=height,
        template="plotly_white",
        margin=dict(l=60, r=20, t=60, b=40),
        **more,
    )
    return figure


# ---------------------------------------------------------------------------------------------
# figures


def equity_figure(equity: pd.DataFrame, label: str) -> go.Figure:
    """Strategy and buy & hold, 1 at the start, on a log axis, and both drawdowns (the report's equity figure)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    value = equity / equity.iloc[0]
    drawdown = value / value.cummax() - 1
    series = [
        (c, name, color)
        for c, name, color in (("strategy", label, STRATEGY_COLOR), ("benchmark", "buy & hold", BENCHMARK_COLOR))
        if c in value
    ]
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        row_heights=[0.62, 0.38],
        subplot_titles=["Value, 1 = start (log scale)", "Drawdown"],
    )
    for column, name, color in series:
        line = dict(color=color, width=1.5)
        figure.add_trace(go.Scatter(x=value.index, y=value[column], name=name, legendgroup=name, line=line), 1, 1)
        figure.add_trace(
            go.Scatter(
                x=value.index,
                y=drawdown[column],
                name=name,
                legendgroup=name,
                showlegend=False,
                line=dict(color=color, width=1),
                fill="tozeroy",
            ),
            2,
            1,
        )
    figure.update_yaxes(type="log", row=1, col=1)
    figure.update_yaxes(tickformat=".0%", row=2, col=1)
    return _layout(
        figure, "Portfolio value and drawdown", 560, hovermode="x unified", legend=dict(orientation="h", y=-0.08, x=0)
    )


def trades_figure(trades: pd.DataFrame) -> go.Figure:
    """Positions over time: one segment per trade, from its entry to its exit session, per asset (green: a
    gain, red: a loss; hover: its events, return and exit reason). Open trades run to their last session."""
    import plotly.graph_objects as go

    figure = go.Figure()
    if len(trades):
        last = pd.concat([trades["entry_session"], trades["exit_session"]]).max()
        exits = trades["exit_session"].fillna(last)
        for won, color, name in ((True, EASING_COLOR, "gain"), (False, TIGHTENING_COLOR, "loss")):
            chosen = trades[(trades["pnl"] > 0) == won]
            x: list[Any] = []
            y: list[Any] = []
            text: list[str | None] = []
            for row, end, gain in zip(chosen.itertuples(), exits[chosen.index], chosen["return"]):
                hover = (
                    f"{row.asset} {row.side}: {row.entry_session:%Y-%m-%d} → {end:%Y-%m-%d}, "
                    f"return {percent(gain)}<br>events {row.event_ids}, exit {row.exit_reason}"
                )
                x += [row.entry_session, end, None]
                y += [str(row.asset), str(row.asset), None]
                text += [hover, hover, None]
            figure.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines+markers",
                    name=name,
                    text=text,
                    hoverinfo="text",
                    line=dict(color=color, width=6),
                    marker=dict(size=5),
                )
            )
    figure.update_yaxes(type="category", title="asset")
    return _layout(figure, "Positions held: one bar per trade, entry to exit", 120 + 40 * trades["asset"].nunique())


def positions_figure(frame: pd.DataFrame, title: str) -> go.Figure:
    """Each column's position value at its last close (local currency) and the next session's order."""
    import plotly.graph_objects as go

    colors = [
        STRATEGY_COLOR if units > 0 else TIGHTENING_COLOR if units < 0 else BENCHMARK_COLOR for units in frame["units"]
    ]
    text = [
        f"{row.position} {number(row.units, 0)} units; next session {row.next_session}: {row.order}"
        f" {number(row.order_units, 0) if row.order != 'none' else ''}"
        for row in frame.itertuples()
    ]
    figure = go.Figure(
        go.Bar(
            x=frame["value"],
            y=frame["column"].astype(str),
            orientation="h",
            marker_color=colors,
            text=[f"{row.order} next" if row.order != "none" else "" for row in frame.itertuples()],
            hovertext=text,
            hoverinfo="text",
            name="position value",
        )
    )
    figure.add_vline(x=0, line=dict(color="#aaaaaa", width=1))
    figure.update_xaxes(title="position value at the last close (local currency)")
    figure.update_yaxes(type="category", autorange="reversed")
    return _layout(figure, title, 160 + 30 * len(frame))


def car_figure(paths: pd.DataFrame) -> go.Figure:
    """Mean CAR by event type and relative day with its 95% band (the report's CAR figure)."""
    import plotly.graph_objects as go

    figure = go.Figure()
    for kind, part in paths.groupby("event_type"):
        color = type_color(kind)
        label = f"{kind} (n={int(part['count'].max())})"
        x = part["rel_day"].to_numpy()
        figure.add_trace(
            go.Scatter(
                x=np.r_[x, x[::-1]],
                y=np.r_[part["high"].to_numpy(), part["low"].to_numpy()[::-1]],
                fill="toself",
                fillcolor=color,
                opacity=0.15,
                line=dict(width=0),
                hoverinfo="skip",
                legendgroup=label,
                showlegend=False,
                name=f"{label} 95% band",
            )
        )
        figure.add_trace(
            go.Scatter(x=x, y=part["mean"], name=label, legendgroup=label, line=dict(color=color, width=2))
        )
    figure.add_hline(y=0, line=dict(color="#aaaaaa", width=1))
    figure.update_yaxes(title="mean CAR", tickformat=".1%")
    figure.update_xaxes(title="sessions relative to the event (0 = first tradable session)")
    return _layout(figure, "Mean cumulative abnormal return by event type (95% band)", 460)


def _label(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "none"
    if isinstance(value, list | tuple):
        return ",".join(map(str, value))
    return str(value)


def sweep_heatmap(table: pd.DataFrame, grid: Mapping[str, Sequence], portfolio: str) -> go.Figure:
    """Portfolio Sharpe by the two most varied parameters (the best over the others when more vary)."""
    import plotly.graph_objects as go

    rows = table[table["scope"] == portfolio]
    shown = pd.DataFrame({name: rows[name].map(_label) for name in grid if name in rows})
    varied = sorted((p for p in shown if shown[p].nunique() > 1), key=lambda p: -shown[p].nunique())
    if not varied:
        raise ValueError("no parameter varies in this sweep: there is no heat map to draw")
    x, y = varied[0], (varied[1] if len(varied) > 1 else None)
    frame = shown.assign(sharpe=rows["sharpe"].to_numpy(), **({} if y else {"_": ""}))
    heat = frame.groupby([y or "_", x], sort=False)["sharpe"].max().unstack(x)
    z = heat.to_numpy(dtype=float)
    finite = np.abs(z[np.isfinite(z)])
    limit = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(c) for c in heat.columns],
            y=[str(r) for r in heat.index],
            colorscale="RdBu",
            zmid=0,
            zmin=-limit,
            zmax=limit,
            texttemplate="%{z:.2f}",
            colorbar=dict(title="Sharpe (annualized)"),
        )
    )
    figure.update_xaxes(type="category", title=x)
    figure.update_yaxes(type="category", title=y or "", autorange="reversed")
    others = " (best over the other parameters)" if len(varied) > 2 else ""
    return _layout(figure, "Portfolio Sharpe, annualized" + others, 420)


def placebo_figure(null: np.ndarray, actual: float, p_value: float, what: str = "Sharpe") -> go.Figure:
    """The placebo draws' histogram with the real value marked (the report's placebo figure)."""
    import plotly.graph_objects as go

    draws = np.asarray(null, dtype=float)
    finite = draws[np.isfinite(draws)]
    unknown = f" ({len(draws) - finite.size} without a value)" if finite.size < len(draws) else ""
    figure = go.Figure(go.Histogram(x=finite, nbinsx=30, marker_color=BENCHMARK_COLOR, name="placebo draws"))
    if np.isfinite(actual):
        figure.add_vline(x=actual, line=dict(color=TIGHTENING_COLOR, width=3), annotation_text=f"real {actual:.2f}")
    figure.update_xaxes(title=f"portfolio {what} (annualized)" if what == "Sharpe" else what)
    figure.update_yaxes(title="draws")
    title = f"Placebo {what}: real {actual:.3g}, p = {p_value:.3f}, {len(draws)} draws{unknown}"
    return _layout(figure, title, 320, showlegend=False)


def walk_forward_figure(folds: pd.DataFrame) -> go.Figure:
    """In- and out-of-sample Sharpe per fold (hover: the parameters chosen in sample)."""
    import plotly.graph_objects as go

    names = [
        f"fold {row.fold}: {row.test_start:%Y-%m-%d} – {row.test_end:%Y-%m-%d}"
        if hasattr(row.test_start, "strftime")
        else f"fold {row.fold}"
        for row in folds.itertuples()
    ]
    params = [html.escape(str(p)) for p in folds["params"]]
    figure = go.Figure(
        [
            go.Bar(
                x=names, y=folds["in_sample_sharpe"], name="in sample", marker_color=BENCHMARK_COLOR, hovertext=params
            ),
            go.Bar(
                x=names,
                y=folds["out_of_sample_sharpe"],
                name="out of sample",
                marker_color=STRATEGY_COLOR,
                hovertext=params,
            ),
        ]
    )
    figure.add_hline(y=0, line=dict(color="#aaaaaa", width=1))
    figure.update_yaxes(title="portfolio Sharpe (annualized)")
    return _layout(figure, "Walk-forward: Sharpe in and out of sample, fold by fold", 380, barmode="group")


# ---------------------------------------------------------------------------------------------
# per result: the figure and the HTML summary (each result's plot() and _repr_html_ call these)


def tidy_metrics(stats: pd.DataFrame, scope: str) -> pd.DataFrame:
    """One scope of the stats (rows: scope x series) as metrics x series, labelled (:data:`METRIC_LABELS`)."""
    scopes = stats.index.get_level_values("scope")
    if scope not in scopes:
        raise KeyError(f"scope {scope!r}: expected one of {', '.join(map(str, dict.fromkeys(scopes)))}")
    table = stats.xs(scope, level="scope").T
    table.index = pd.Index([METRIC_LABELS.get(str(m), str(m)) for m in table.index], name="metric")
    table.columns = pd.Index([str(c) for c in table.columns], name="series")
    return table


def _formatted(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`tidy_metrics` as text: fractions as percentages, counts whole, ratios with two decimals."""
    kinds = {label: metric for metric, label in METRIC_LABELS.items()}
    shown = {}
    for label, row in table.iterrows():
        metric = kinds.get(str(label), "")
        if metric in PERCENT:
            shown[label] = [percent(v, signed=metric in ("total_return", "cagr", "max_drawdown")) for v in row]
        else:
            shown[label] = [number(v, 0 if metric == "trades" else 2) for v in row]
    return pd.DataFrame.from_dict(shown, orient="index", columns=table.columns).rename_axis(table.index.name)


def _period(index: pd.Index) -> str:
    return f"{index[0]:%Y-%m-%d} to {index[-1]:%Y-%m-%d}" if len(index) else ""


def backtest_figure(result: Any, kind: str) -> go.Figure:
    if kind == "equity":
        return equity_figure(result.equity, result.template or "strategy")
    if kind == "positions":
        return trades_figure(result.trades)
    raise ValueError(f"kind {kind!r}: expected 'equity' or 'positions'")


def backtest_html(result: Any, portfolio: str = "portfolio") -> str:
    """The run's headline (the portfolio strategy's return, Sharpe, drawdown, trades) and its tidy metrics."""
    row = result.stats.loc[(portfolio, "strategy")]
    headline = [
        ("total return", percent(row["total_return"])),
        ("Sharpe", number(row["sharpe"])),
        ("max drawdown", percent(row["max_drawdown"])),
        ("trades", number(row["trades"], 0)),
    ]
    scopes = [str(scope) for scope in result.asset_equity.columns]
    sleeves = f"{len(scopes)} sleeves: {', '.join(scopes[:12])}{' ...' if len(scopes) > 12 else ''}; " if scopes else ""
    return html_summary(
        f"BacktestResult: {result.template}, {_period(result.equity.index)}",
        headline,
        _formatted(tidy_metrics(result.stats, portfolio)),
        f"the portfolio ({sleeves}value-weighted). .summary(): per asset; .plot(), .plot('positions'): figures",
    )


def sweep_html(result: Any, portfolio: str = "portfolio") -> str:
    """The sweep's size, its best combination and the deflated Sharpe ratio, and its best rows."""
    best = result.summary(5)
    headline = [("combinations", str(int((result.table["scope"] == portfolio).sum())))]
    if len(best):
        headline.append(("best Sharpe", number(best["sharpe"].iloc[0])))
    if result.dsr is not None:
        headline.append(("deflated Sharpe ratio", number(result.dsr.get("dsr"), 3)))
    if result.best_params:
        varied = {name: result.best_params.get(name) for name in result.grid}
        headline.append(("best", ", ".join(f"{k}={_label(v)}" for k, v in varied.items())))
    shown = best.copy()
    for column in shown:
        if column in PERCENT:
            shown[column] = shown[column].map(percent)
        elif column in METRIC_LABELS:
            shown[column] = shown[column].map(lambda v, c=column: number(v, 0 if c == "trades" else 2))
        else:
            shown[column] = shown[column].map(_label)
    return html_summary(
        "SweepResult: the best combinations by portfolio Sharpe (in sample)",
        headline,
        shown,
        ".plot(): the Sharpe heat map; .to_frame(): every combination and scope",
    )


def study_html(result: Any) -> str:
    """The study's events, pairs and model, and the mean CAR by event type and window."""
    events = result.abnormal_returns["event_id"].nunique() if len(result.abnormal_returns) else 0
    pairs = len(result.abnormal_returns[["event_id", "ticker"]].drop_duplicates()) if events else 0
    headline = [
        ("events", str(events)),
        ("event-asset pairs", str(pairs)),
        ("model", str(result.model)),
        ("dropped", str(len(result.dropped))),
    ]
    table = result.summary() if len(result.car) else pd.DataFrame()
    if len(table):
        table.columns = [f"CAR [{a}, {b}]" for a, b in table.columns]
        table = table.map(percent)
    tests = result.tests
    headline_tests = tests[(tests["group"] == "all")] if "group" in tests else tests
    note = f"{len(headline_tests)} tests on all events" if len(headline_tests) else ""
    return html_summary(
        "StudyResult: mean cumulative abnormal return by event type",
        headline,
        table,
        f"{note}; .to_frame(): every test; .plot(): CAR paths with 95% bands",
    )


def placebo_html(result: Any) -> str:
    """The real Sharpe, the number of draws, the empirical p-value and the placebo Sharpes' quantiles."""
    null = np.asarray(result.null, dtype=float)
    finite = null[np.isfinite(null)]
    headline = [
        ("real Sharpe", number(result.actual)),
        ("placebo draws", str(len(null))),
        ("empirical p", number(result.p_value, 3)),
    ]
    table = None
    if finite.size:
        quantiles = (0.05, 0.25, 0.5, 0.75, 0.95)
        table = pd.DataFrame(
            {"placebo Sharpe": [number(np.quantile(finite, q)) for q in quantiles]},
            index=pd.Index([f"{q:.0%}" for q in quantiles], name="quantile"),
        ).T
    return html_summary(
        "PlaceboResult: the real portfolio Sharpe against placebo calendars",
        headline,
        table,
        ".plot(): the placebo distribution with the real Sharpe marked",
    )


def positions_title(manifest: Mapping[str, Any]) -> str:
    return f"Positions of {manifest.get('template', '')} after the close of {manifest.get('asof', '')}"


def positions_html(result: Any) -> str:
    """Held positions and next-session orders, one row each (or: flat, no orders)."""
    frame = result.frame
    held = frame[frame["units"] != 0]
    orders = frame[frame["order"] != "none"]
    active = frame[(frame["units"] != 0) | (frame["order"] != "none")]
    headline = [
        ("held", str(len(held))),
        ("orders", str(len(orders))),
        ("columns", str(len(frame))),
        ("events known by", str(result.manifest.get("events_known_by", ""))),
    ]
    columns = ["column", "currency", "position", "units", "value", "next_session", "order", "order_units", "reason"]
    table = active[[c for c in columns if c in active]].copy()
    for column in ("units", "order_units", "value"):
        if column in table:
            table[column] = table[column].map(lambda v: number(v, 0))
    return html_summary(
        positions_title(result.manifest),
        headline,
        table.set_index("column") if len(table) else None,
        "flat, no orders" if active.empty else ".to_frame(): every column; .plot(): position values",
    )


def walk_forward_html(result: Any) -> str:
    """The folds' mean Sharpe in and out of sample, and one row per fold."""
    folds = result.folds
    headline = [
        ("folds", str(len(folds))),
        ("mean in-sample Sharpe", number(folds["in_sample_sharpe"].mean())),
        ("mean out-of-sample Sharpe", number(folds["out_of_sample_sharpe"].mean())),
    ]
    table = result.summary().copy()
    for column in ("in_sample_sharpe", "out_of_sample_sharpe"):
        table[column] = table[column].map(number)
    for column in ("test_start", "test_end"):
        table[column] = table[column].map(lambda v: f"{pd.Timestamp(v):%Y-%m-%d}" if pd.notna(v) else "–")
    return html_summary(
        "WalkForwardResult: parameters chosen in sample, tested on the next fold",
        headline,
        table.set_index("fold"),
        ".plot(): Sharpe in and out of sample per fold",
    )
