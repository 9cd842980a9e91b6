"""One self-contained, offline HTML report for a results folder (run, sweep and/or study outputs).

:func:`write_report` reads what a folder holds and writes ``report.html`` (plotly, its JavaScript
inlined once), static PNG figures (matplotlib) under ``figures/`` and ``summary.json`` with the
headline numbers. ``reelab run``, ``reelab sweep`` and ``reelab study`` call it on their output
folders; ``reelab report DIR`` calls it on any folder.

Files read (each optional): ``config.json``, ``stats.csv``, ``equity.csv``, ``trades.csv``,
``attribution.csv``, ``placebo_sharpe.csv`` (a run); ``sweep.csv``, ``dsr.json`` (a sweep);
``car.csv``, ``tests.csv``, ``abnormal_returns.csv``, ``placebo_car.csv`` (a study).
"""

from __future__ import annotations

import html
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from signals._io import atomic_write

from ._study_tests import TESTS
from ._sweep import combination_params

__all__ = ["write_report"]

PORTFOLIO = "portfolio"
TIGHTENING_COLOR, EASING_COLOR = "#c0392b", "#1e8449"
STRATEGY_COLOR, BENCHMARK_COLOR = "#1f4e79", "#999999"
TYPE_COLORS = [
    "#1f4e79",
    "#c0392b",
    "#1e8449",
    "#8e44ad",
    "#e67e22",
    "#16a085",
    "#7f8c8d",
    "#d35400",
    "#2c3e50",
    "#b7950b",
]

CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1200px;
       color: #222; padding: 0 16px; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; }
.meta { color: #555; font-size: 13px; line-height: 1.5; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
th, td { padding: 3px 8px; text-align: right; border-bottom: 1px solid #eee; }
th { background: #f4f6f8; position: sticky; top: 0; }
td.text, th.text { text-align: left; }
tr.portfolio td { font-weight: 600; background: #eef3f8; }
.neg { color: #b03a2e; } .pos { color: #1e6b3a; } .sig { font-weight: 600; }
.scroll { max-height: 420px; overflow-y: auto; border: 1px solid #eee; display: inline-block; }
.note { font-size: 12px; color: #666; max-width: 1000px; }
.headline { font-size: 16px; background: #f4f6f8; padding: 10px 14px; border-left: 4px solid #1f4e79; }
"""


def _read(folder: Path, name: str, **kwargs) -> pd.DataFrame | None:
    path = folder / name
    return pd.read_csv(path, **kwargs) if path.is_file() else None


def _percent(value) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f'<span class="{"neg" if value < 0 else "pos"}">{value:+.1%}</span>'


def _parameter(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "none"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return html.escape(str(value))


def _money(text: str) -> str:
    """``USD:1234.5;AUD:-320`` as ``USD +1,235 · AUD −320``: each amount with its currency."""
    parts = []
    for item in filter(None, text.split(";")):
        currency, _, amount = item.partition(":")
        parts.append(f"{html.escape(currency)} {float(amount):+,.0f}")
    return " · ".join(parts)


def _number(value, digits: int = 2) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.{digits}f}"


def _table(frame: pd.DataFrame, formats: dict, text_columns=(), row_class=None, scroll: bool = False) -> str:
    head = "".join(
        f'<th class="{"text" if c in text_columns else ""}">{html.escape(str(c).replace("_", " "))}</th>' for c in frame
    )
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for column in frame.columns:
            value = row[column]
            shown = formats[column](value) if column in formats else html.escape("" if pd.isna(value) else str(value))
            cells.append(f'<td class="{"text" if column in text_columns else ""}">{shown}</td>')
        css = f' class="{row_class(row)}"' if row_class and row_class(row) else ""
        rows.append(f"<tr{css}>{''.join(cells)}</tr>")
    table = f"<table><tr>{head}</tr>{''.join(rows)}</table>"
    return f'<div class="scroll">{table}</div>' if scroll else table


def _figure_html(figure, first: list[bool], toolbar: bool = True) -> str:
    include = first[0]
    first[0] = False
    return figure.to_html(full_html=False, include_plotlyjs=include, config={"displayModeBar": toolbar})


def _png(figure, folder: Path, name: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    atomic_write(folder / "figures" / name, buffer.getvalue())
    import matplotlib.pyplot as plt

    plt.close(figure)
    return f"figures/{name}"


# ---------------------------------------------------------------------------------------------
# Sections


def _run_section(folder: Path, config: dict, summary: dict, first: list[bool]) -> str:
    stats = _read(folder, "stats.csv")
    equity = _read(folder, "equity.csv", index_col=0, parse_dates=True)
    trades = _read(folder, "trades.csv", parse_dates=["entry_session", "exit_session", "event_session"])
    if stats is None or equity is None:
        return ""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    table = stats.pivot(index="scope", columns="series")
    order = [PORTFOLIO, *(s for s in stats["scope"].drop_duplicates() if s != PORTFOLIO)]
    table = table.reindex(order)
    strategy = table.xs("strategy", axis=1, level=1)
    benchmark = table.xs("benchmark", axis=1, level=1) if "benchmark" in table.columns.get_level_values(1) else None
    head = strategy.loc[PORTFOLIO]
    bench = benchmark.loc[PORTFOLIO] if benchmark is not None else pd.Series(dtype=float)
    summary["run"] = {
        "template": config.get("template"),
        "strategy": {
            k: float(head[k]) for k in ("total_return", "cagr", "sharpe", "max_drawdown", "trades", "win_rate")
        },
        "benchmark": {k: float(bench.get(k, np.nan)) for k in ("total_return", "cagr", "sharpe", "max_drawdown")},
    }
    headline = (
        f"Portfolio: {_percent(head['total_return'])} against {_percent(bench.get('total_return'))} for buy &amp; "
        f"hold · Sharpe {_number(head['sharpe'])} against {_number(bench.get('sharpe'))} · max drawdown "
        f"{_percent(head['max_drawdown'])} against {_percent(bench.get('max_drawdown'))} · {head['trades']:.0f} "
        f"trades, {_percent(head['win_rate']).replace('+', '')} winners, invested {head['time_invested']:.0%} of sessions"
    )
    shown = pd.DataFrame(
        {
            "scope": strategy.index,
            "return": strategy["total_return"],
            "buy_and_hold": benchmark["total_return"] if benchmark is not None else np.nan,
            "CAGR": strategy["cagr"],
            "Sharpe": strategy["sharpe"],
            "B&H_Sharpe": benchmark["sharpe"] if benchmark is not None else np.nan,
            "max_DD": strategy["max_drawdown"],
            "B&H_max_DD": benchmark["max_drawdown"] if benchmark is not None else np.nan,
            "trades": strategy["trades"],
            "win_rate": strategy["win_rate"],
            "time_invested": strategy["time_invested"],
        }
    )
    formats = {c: _percent for c in ("return", "buy_and_hold", "CAGR", "max_DD", "B&H_max_DD")}
    formats |= {"Sharpe": _number, "B&H_Sharpe": _number, "trades": lambda v: f"{v:.0f}"}
    formats |= {"win_rate": lambda v: "–" if pd.isna(v) else f"{v:.0%}", "time_invested": lambda v: f"{v:.1%}"}
    summary_table = _table(shown, formats, ("scope",), lambda row: "portfolio" if row["scope"] == PORTFOLIO else "")

    value = equity / equity.iloc[0]
    drawdown = value / value.cummax() - 1
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.68, 0.32],
        vertical_spacing=0.06,
        subplot_titles=("Portfolio value (1 = start; log scale)", "Drawdown"),
    )
    for name, color in (("strategy", STRATEGY_COLOR), ("benchmark", BENCHMARK_COLOR)):
        label = config.get("template", "strategy") if name == "strategy" else "buy & hold"
        figure.add_trace(go.Scatter(x=value.index, y=value[name], name=label, line=dict(color=color, width=1.6)), 1, 1)
        figure.add_trace(
            go.Scatter(
                x=drawdown.index, y=drawdown[name], showlegend=False, fill="tozeroy", line=dict(color=color, width=1)
            ),
            2,
            1,
        )
    figure.update_yaxes(type="log", row=1, col=1)
    figure.update_yaxes(tickformat=".0%", row=2, col=1)
    figure.update_layout(
        height=540,
        template="plotly_white",
        hovermode="x unified",
        margin=dict(l=50, r=20, t=40, b=30),
        legend=dict(orientation="h", y=1.08),
    )

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    static, axes = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    for name, color in (("strategy", STRATEGY_COLOR), ("benchmark", BENCHMARK_COLOR)):
        axes[0].plot(
            value.index,
            value[name],
            color=color,
            lw=1.2,
            label=config.get("template", name) if name == "strategy" else "buy & hold",
        )
        axes[1].fill_between(drawdown.index, drawdown[name], 0, color=color, alpha=0.35)
    axes[0].set_yscale("log")
    axes[0].set_title("Portfolio value (1 = start) and drawdown")
    axes[0].legend(loc="upper left")
    axes[1].yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    _png(static, folder, "equity.png")

    parts = [
        f'<p class="headline">{headline}</p>',
        "<h2>Strategy against buy &amp; hold</h2>",
        '<p class="note">How the portfolio is formed: each asset is a sleeve with its own equal starting capital '
        "(contracts on one underlying share it), which starts the session before the asset's first price. The "
        "portfolio's return each session is the sleeves' summed gain over their summed value the session before "
        "(time-weighted, so a sleeve waiting for its listing does not dilute the others). Each sleeve is valued in "
        "its own currency, relative to its own starting capital: in effect currency-hedged, and no amounts in "
        "different currencies are added. Benchmark: each asset bought at its first price and held, with the same "
        "costs. Returns use adjusted closes; fills at the close of the asset's own session.</p>",
        summary_table,
        "<h2>Equity and drawdown</h2>",
        _figure_html(figure, first),
    ]
    prices = _price_figure(config, strategy.index, trades)
    if prices is not None:
        parts += [
            "<h2>Prices, policy events and trades</h2>",
            '<p class="note">Pick an asset in the menu. Ticks mark the session each event was first tradable '
            "on that asset's exchange (red: tightening, green: easing; hover for the event); triangles mark "
            "entries and exits.</p>",
            _figure_html(prices, first),
        ]
    parts += _attribution_section(folder)
    parts += _placebo_section(folder, "placebo_sharpe.csv", "sharpe", "Sharpe ratio", summary, first, "run")
    if trades is not None and len(trades):
        columns = [
            "asset",
            "side",
            "event_ids",
            "event_session",
            "entry_session",
            "exit_session",
            "return",
            "exit_reason",
        ]
        shown = trades[columns].copy()
        for column in ("event_session", "entry_session", "exit_session"):
            shown[column] = shown[column].dt.strftime("%Y-%m-%d").fillna("open" if column == "exit_session" else "–")
        parts += [
            "<h2>Trades</h2>",
            _table(shown, {"return": _percent}, ("asset", "side", "event_ids", "exit_reason"), scroll=True),
        ]
    return "\n".join(parts)


def _price_figure(config: dict, scopes, trades: pd.DataFrame | None):
    """Price charts (one per asset in a dropdown) with event markers and trades."""
    import plotly.graph_objects as go

    from signals import align_events, load_events, load_universe

    from ._prices import load_prices

    universe = load_universe()
    assets = [s for s in scopes if s in universe.index]
    if not assets:
        return None
    close = load_prices(assets, start=config.get("start"), end=config.get("end"), field="adj_close")
    calendar = (
        load_events(config.get("events"), merge=bool(config.get("merge"))) if config.get("events") else load_events()
    )
    table = align_events(calendar, universe, assets).table
    descriptions = {event.id: event.description for event in calendar}
    figure = go.Figure()
    per_asset = 5
    for number, asset in enumerate(assets):
        price = close[asset].dropna()
        visible = number == 0
        figure.add_trace(
            go.Scatter(x=price.index, y=price, name="price", line=dict(color="#333", width=1.2), visible=visible)
        )
        events = table[(table["asset"] == asset) & table["session"].between(price.index[0], price.index[-1])]
        for direction, color in (("tightening", TIGHTENING_COLOR), ("easing", EASING_COLOR)):
            chosen = events[events["direction"] == direction]
            text = [
                f"{r.event_id} ({r.type}, severity {r.severity})<br>{html.escape(descriptions[r.event_id][:140])}"
                for r in chosen.itertuples()
            ]
            figure.add_trace(
                go.Scatter(
                    x=chosen["session"],
                    y=price.reindex(chosen["session"], method="ffill").to_numpy(),
                    mode="markers",
                    name=f"{direction} event",
                    marker=dict(symbol="line-ns-open", size=18, line=dict(width=2, color=color)),
                    text=text,
                    hovertemplate="%{x|%Y-%m-%d}<br>%{text}<extra></extra>",
                    visible=visible,
                )
            )
        mine = (
            trades[trades["asset"] == asset]
            if trades is not None
            else pd.DataFrame(columns=["entry_session", "exit_session"])
        )
        for column, symbol, color, name in (
            ("entry_session", "triangle-up", STRATEGY_COLOR, "entry"),
            ("exit_session", "triangle-down", "#e67e22", "exit"),
        ):
            days = mine[column].dropna()
            figure.add_trace(
                go.Scatter(
                    x=days,
                    y=price.reindex(days).to_numpy(),
                    mode="markers",
                    name=name,
                    marker=dict(symbol=symbol, size=9, color=color),
                    visible=visible,
                )
            )
    buttons = []
    for number, asset in enumerate(assets):
        flags = [False] * (per_asset * len(assets))
        flags[number * per_asset : (number + 1) * per_asset] = [True] * per_asset
        buttons.append(dict(label=asset, method="update", args=[{"visible": flags}, {"title.text": asset}]))
    figure.update_layout(
        title=dict(text=assets[0]),
        height=520,
        template="plotly_white",
        margin=dict(l=50, r=20, t=80, b=30),
        updatemenus=[dict(buttons=buttons, direction="down", x=0, xanchor="left", y=1.15, yanchor="top")],
        legend=dict(orientation="h", y=1.08, x=0.3),
        yaxis=dict(title="adjusted close (local currency)"),
    )
    return figure


TEXT_COLUMNS = ("event_id", "type", "announced", "direction", "assets", "pnl_by_currency", "exits")


def _attribution_section(folder: Path) -> list[str]:
    table = _read(folder, "attribution.csv")
    if table is None:
        return []
    traded = table[table["trades"] > 0].copy()
    traded["pnl_by_currency"] = traded["pnl_by_currency"].fillna("").map(_money)
    formats = {"mean_abnormal_return": _percent, "contribution": _percent}
    columns = [
        "event_id",
        "type",
        "announced",
        "direction",
        "assets",
        "trades",
        "first_entry",
        "last_exit",
        "pnl_by_currency",
        "contribution",
        "mean_abnormal_return",
        "exits",
    ]
    return [
        "<h2>Per-event attribution</h2>",
        '<p class="note">One row per policy event that opened trades: the assets, the P&amp;L in each currency it '
        "was earned in (never added across currencies; split equally among events that opened a trade together), "
        "its contribution as a share of one sleeve's starting capital (sleeves are in effect currency-hedged), the "
        "mean market-model abnormal return over the holding sessions (signed by side) and the exits that fired.</p>",
        _table(traded[columns], formats, TEXT_COLUMNS, scroll=True),
    ]


def _placebo_section(folder: Path, name: str, column: str, label: str, summary: dict, first, key: str) -> list[str]:
    table = _read(folder, name)
    if table is None or "actual" not in table:
        return []
    import plotly.graph_objects as go

    parts = [
        f"<h2>Placebo events: {html.escape(label)}</h2>",
        '<p class="note">The same number of events, of the same types, moved to random sessions away from every '
        "real event. The histogram is what the method produces by chance; the line is the real value.</p>",
    ]
    summary.setdefault("placebo", {})
    for window, part in table.groupby("window") if "window" in table else [("all", table)]:
        actual = float(part["actual"].iloc[0])
        p_value = float(part["p_value"].iloc[0])
        summary["placebo"][f"{key}:{window}"] = {"actual": actual, "p_value": p_value, "draws": len(part)}
        figure = go.Figure(go.Histogram(x=part[column], nbinsx=30, marker_color=BENCHMARK_COLOR, name="placebo"))
        figure.add_vline(x=actual, line=dict(color=TIGHTENING_COLOR, width=3))
        figure.update_layout(
            height=260,
            width=520,
            template="plotly_white",
            margin=dict(l=40, r=10, t=40, b=30),
            title=dict(
                text=f"{'' if window == 'all' else 'window ' + str(window) + ': '}real {actual:.3g}, "
                f"p = {p_value:.3f}, {len(part)} draws",
                font=dict(size=13),
            ),
        )
        parts.append(f'<div style="display:inline-block">{_figure_html(figure, first, toolbar=False)}</div>')
    return parts


def _study_section(folder: Path, config: dict, summary: dict, first: list[bool]) -> str:
    tests = _read(folder, "tests.csv")
    abnormal = _read(folder, "abnormal_returns.csv")
    car = _read(folder, "car.csv")
    if tests is None or abnormal is None or car is None:
        return ""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import plotly.graph_objects as go

    from ._study import car_paths

    paths = car_paths(abnormal)
    figure = go.Figure()
    static, axis = plt.subplots(figsize=(10, 4.5))
    major = {
        "restriction_tightening",
        "permit_approval",
        "negotiation_window",
        "easing_pause",
        "retaliation_escalation",
    }
    for number, (kind, part) in enumerate(paths.groupby("event_type")):
        color = TYPE_COLORS[number % len(TYPE_COLORS)]
        label = f"{kind} (n={int(part['count'].max())})"
        shown_at_first = True if kind in major or paths["event_type"].nunique() <= 5 else "legendonly"
        figure.add_trace(
            go.Scatter(
                x=np.r_[part["rel_day"], part["rel_day"][::-1]],
                y=np.r_[part["high"], part["low"][::-1]],
                fill="toself",
                line=dict(width=0),
                fillcolor=color,
                opacity=0.15,
                showlegend=False,
                hoverinfo="skip",
                legendgroup=kind,
                visible=shown_at_first,
            )
        )
        figure.add_trace(
            go.Scatter(
                x=part["rel_day"],
                y=part["mean"],
                name=label,
                line=dict(color=color, width=2),
                legendgroup=kind,
                visible=shown_at_first,
            )
        )
        axis.plot(part["rel_day"], part["mean"], color=color, lw=1.6, label=label)
        axis.fill_between(part["rel_day"], part["low"], part["high"], color=color, alpha=0.12)
    figure.add_hline(y=0, line=dict(color="#aaa", width=1))
    figure.update_layout(
        height=460,
        template="plotly_white",
        yaxis=dict(tickformat=".1%", title="mean CAR"),
        xaxis=dict(title="sessions relative to the event (0 = first tradable session)"),
        margin=dict(l=50, r=20, t=30, b=40),
    )
    axis.axhline(0, color="#aaa", lw=0.8)
    axis.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axis.set_xlabel("sessions relative to the event")
    axis.set_title("Mean cumulative abnormal return by event type (95% band)")
    axis.legend(fontsize=7, ncol=2)
    _png(static, folder, "car_paths.png")

    index = ["group", "window", "n", "clusters"] if "clusters" in tests else ["group", "window", "n"]
    wide = tests.pivot_table(index=index, columns="statistic", values=["value", "p_value"])
    rows = []
    for keys, row in wide.iterrows():
        record = dict(zip(index, keys))
        for statistic in TESTS:
            value, p_value = row.get(("value", statistic)), row.get(("p_value", statistic))
            mark = ' class="sig"' if pd.notna(p_value) and p_value < 0.05 else ""
            record[statistic] = f"<span{mark}>{_number(value)} <small>(p {_number(p_value, 3)})</small></span>"
        rows.append(record)
    shown = pd.DataFrame(rows)
    mean_car = car.groupby(["event_type", "window_start", "window_end"])["car"].agg(["mean", "count"]).reset_index()
    summary["study"] = {
        "pairs": int(car.groupby(["event_id", "ticker"]).ngroups),
        "mean_car": {f"{r.event_type} {r.window_start}:{r.window_end}": float(r.mean) for r in mean_car.itertuples()},
        "tests_all": {
            f"{r.window} {r.statistic}": {"value": float(r.value), "p_value": float(r.p_value)}
            for r in tests[tests["group"] == "all"].itertuples()
        },
    }
    formats = {c: (lambda v: v) for c in shown.columns if c not in ("group", "window", "n", "clusters")}
    parts = [
        "<h2>Event study: cumulative abnormal returns by event type</h2>",
        f'<p class="note">{html.escape(_header(config)[0][1])}; simple daily returns on each asset\'s own '
        "sessions against its benchmark. Lines: mean CAR from session "
        "-1; bands: 95% cross-sectional confidence intervals. Minor event types start hidden: click the legend. "
        "Abnormal returns are not signed by exposure, so groups that mix producers inside and outside China "
        "can cancel out: see the asset-group rows of the tests.</p>",
        _figure_html(figure, first),
        "<h2>Event study: tests</h2>",
        '<p class="note">Bold: p &lt; 0.05. A policy event hits every asset on the same dates, so its pairs are '
        "not independent: the tests that assume they are (csect_t, patell_z, bmp_t, generalized_sign) reject far "
        "too often (about 35% at the 5% level in reelab's size simulation, benchmarks/study_size.py). Read "
        "<b>portfolio_t</b> (one calendar-time portfolio per cluster of overlapping event windows, Jaffe-Mandelker), "
        "or clustered_bmp_t and kp_cluster_t, which held their 5% size in that simulation; corrado_rank does too. "
        "n: event-asset pairs; clusters: the independent units the cluster tests count.</p>",
        _table(shown, formats, ("group", "window"), scroll=True),
    ]
    parts += _placebo_section(folder, "placebo_car.csv", "mean_car", "mean CAR", summary, first, "study")
    return "\n".join(parts)


def _sweep_section(folder: Path, summary: dict, first: list[bool]) -> str:
    table = _read(folder, "sweep.csv")
    if table is None:
        return ""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import plotly.graph_objects as go

    metrics = {
        "total_return",
        "cagr",
        "sharpe",
        "sortino",
        "max_drawdown",
        "trades",
        "win_rate",
        "time_invested",
        "scope",
    }
    params = [c for c in table.columns if c not in metrics]
    portfolio = table[table["scope"] == PORTFOLIO].copy()
    best = portfolio.loc[portfolio["sharpe"].idxmax()]
    summary["sweep"] = {
        "combinations": len(portfolio),
        "best_sharpe": float(best["sharpe"]),
        "best_params": combination_params(best, params),
    }
    dsr_path = folder / "dsr.json"
    if dsr_path.is_file():
        summary["sweep"]["deflated_sharpe"] = json.loads(dsr_path.read_text())
    parts = [
        "<h2>Parameter sweep</h2>",
        f'<p class="note">{len(portfolio)} combinations. The best in-sample Sharpe is selected out of many '
        "trials: read it with the deflated Sharpe ratio below, not at face value.</p>",
    ]
    if "deflated_sharpe" in summary["sweep"]:
        dsr = summary["sweep"]["deflated_sharpe"]
        parts.append(
            f'<p class="headline">Deflated Sharpe ratio of the best combination: {dsr["dsr"]:.3f} '
            f"(probability that its Sharpe beats the best of {dsr['trials']} lucky trials; per-session Sharpe "
            f"{dsr['sharpe']:.4f} against an expected maximum of {dsr['expected_max_sharpe']:.4f})</p>"
        )
    varied = sorted(
        (p for p in params if portfolio[p].map(_parameter).nunique() > 1),
        key=lambda p: -portfolio[p].map(_parameter).nunique(),
    )
    if len(varied) >= 2:
        x, y = varied[0], varied[1]
        grid = portfolio.assign(**{x: portfolio[x].map(_parameter), y: portfolio[y].map(_parameter)})
        grid = grid.groupby([y, x], sort=False)["sharpe"].max().unstack(x)
        figure = go.Figure(
            go.Heatmap(
                z=grid.to_numpy(),
                x=list(grid.columns),
                y=list(grid.index),
                colorscale="RdBu",
                zmid=0,
                colorbar=dict(title="Sharpe"),
                text=np.round(grid.to_numpy(), 2),
                texttemplate="%{text}",
            )
        )
        figure.update_layout(
            height=420,
            template="plotly_white",
            xaxis_title=x,
            yaxis_title=y,
            title="Portfolio Sharpe (best over the other parameters)",
            margin=dict(l=60, r=20, t=40, b=40),
        )
        parts.append(_figure_html(figure, first))
        static, axis = plt.subplots(figsize=(7, 4))
        image = axis.imshow(grid.to_numpy(dtype=float), cmap="RdBu", aspect="auto")
        axis.set_xticks(range(len(grid.columns)), grid.columns, rotation=45)
        axis.set_yticks(range(len(grid.index)), grid.index)
        axis.set_xlabel(x)
        axis.set_ylabel(y)
        axis.set_title("Portfolio Sharpe")
        static.colorbar(image)
        _png(static, folder, "sweep_heatmap.png")
    top = portfolio.sort_values("sharpe", ascending=False).head(15)[
        [*params, "total_return", "sharpe", "max_drawdown", "trades"]
    ]
    parts.append(
        _table(
            top,
            {"total_return": _percent, "sharpe": _number, "max_drawdown": _percent, "trades": lambda v: f"{v:.0f}"}
            | dict.fromkeys(params, _parameter),
            params,
        )
    )
    return "\n".join(parts)


def _readable(value) -> str:
    """A parameter value as a reader would write it: none, 10, 0.08, a+b."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "none"
    if isinstance(value, list | tuple):
        return "+".join(map(str, value)) if value else "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def _header(config: dict) -> list[tuple[str, object]]:
    """What was run, for the report's header: template, period, parameters, costs, events, model."""
    command = config.get("command")
    if command == "study":
        return [
            ("event study", f"{config.get('model', 'market')} model, estimation window {config.get('estimation')} "
             f"sessions ending {int(config.get('gap', 10)) + 1} sessions before session 0"),
            ("windows", ", ".join(f"{a}:{b}" for a, b in config.get("windows") or [])),
            ("event types", _readable(config.get("types")) if config.get("types") else "all"),
            ("events", config.get("events") or "shipped calendar"),
        ]  # fmt: skip
    if config.get("grid"):
        parameters = "; ".join(f"{k} in {_readable(list(v))}" for k, v in config["grid"].items())
    else:
        chosen = config.get("resolved_params") or config.get("params") or {}
        parameters = ", ".join(f"{k} {_readable(v)}" for k, v in chosen.items()) or "defaults"
    period = f"{config.get('start') or 'first session'} to {config.get('end') or 'last session'}"
    fees, slippage = config.get("fees"), config.get("slippage")
    costs = None if fees is None else f"fees {fees * 1e4:g} bp, slippage {slippage * 1e4:g} bp per order"
    events = config.get("events") or "shipped calendar"
    return [("template", config.get("template")), ("period", period), ("parameters", parameters),
            ("costs", costs), ("events", events + (" + shipped" if config.get("merge") else ""))]  # fmt: skip


def write_report(folder: str | Path, title: str | None = None) -> Path:
    """Render ``report.html``, ``figures/*.png`` and ``summary.json`` for a results folder."""
    folder = Path(folder)
    config_path = folder / "config.json"
    config = json.loads(config_path.read_text()) if config_path.is_file() else {}
    summary: dict = {}
    first = [True]  # plotly.js is inlined by the first figure only
    sections = [
        _run_section(folder, config, summary, first),
        _sweep_section(folder, summary, first),
        _study_section(folder, config, summary, first),
    ]
    body = "\n".join(section for section in sections if section)
    if not body:
        from signals.errors import ReelabError

        raise ReelabError(f"{folder}: no results to report (expected stats.csv, sweep.csv or car.csv)")
    title = title or f"reelab {config.get('template', 'study')} report"
    meta = " · ".join(f"<b>{html.escape(k)}</b> {html.escape(str(v))}" for k, v in _header(config) if v)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{CSS}</style></head>
<body><h1>{html.escape(title)}</h1><div class="meta">{meta}</div>
{body}
<p class="note">Generated by reelab from the files in this folder. Prices: bundled snapshot (see the README for
provenance and licences). Static figures: figures/*.png; headline numbers: summary.json.</p>
</body></html>
"""
    atomic_write(folder / "summary.json", json.dumps(summary, indent=2, default=str) + "\n")
    return atomic_write(folder / "report.html", page)
