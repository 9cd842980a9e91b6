"""A self-contained HTML report of a backtest (plotly, with its JavaScript inlined)."""

from __future__ import annotations

import html

import pandas as pd

import strategies

from ._run import PORTFOLIO, BacktestResult

__all__ = ["render_report"]

TIGHTENING_COLOR, EASING_COLOR = "#c0392b", "#1e8449"
STRATEGY_COLOR, BENCHMARK_COLOR = "#1f4e79", "#999999"

CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1200px;
       color: #222; padding: 0 16px; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; }
.meta { color: #555; font-size: 13px; line-height: 1.5; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
th, td { padding: 3px 8px; text-align: right; border-bottom: 1px solid #eee; }
th { background: #f4f6f8; position: sticky; top: 0; }
td:nth-child(-n+3), th:nth-child(-n+3) { text-align: left; }
tr.portfolio td { font-weight: 600; background: #eef3f8; }
.neg { color: #b03a2e; } .pos { color: #1e6b3a; }
.scroll { max-height: 420px; overflow-y: auto; border: 1px solid #eee; }
.note { font-size: 12px; color: #666; }
.headline { font-size: 16px; background: #f4f6f8; padding: 10px 14px; border-left: 4px solid #1f4e79; }
"""


def _percent(value: float) -> str:
    if pd.isna(value):
        return "–"
    css = "neg" if value < 0 else "pos"
    return f'<span class="{css}">{value:+.1%}</span>'


def _summary_table(result: BacktestResult) -> str:
    table = result.summary()
    names = result.universe
    header = (
        "<tr><th>scope</th><th>name</th><th>China exposure</th><th>total return</th><th>buy &amp; hold</th>"
        "<th>CAGR</th><th>B&amp;H CAGR</th>"
        "<th>Sharpe</th><th>B&amp;H Sharpe</th><th>max DD</th><th>B&amp;H max DD</th>"
        "<th>trades</th><th>win rate</th><th>exposure</th></tr>"
    )
    rows = []
    for scope, row in table.iterrows():
        cells = [
            _percent(row["total_return:strategy"]),
            _percent(row["total_return:benchmark"]),
            _percent(row["cagr:strategy"]),
            _percent(row["cagr:benchmark"]),
            f"{row['sharpe:strategy']:.2f}",
            f"{row['sharpe:benchmark']:.2f}",
            _percent(row["max_drawdown:strategy"]),
            _percent(row["max_drawdown:benchmark"]),
            f"{row['trades:strategy']:.0f}",
            "–" if pd.isna(row["win_rate:strategy"]) else f"{row['win_rate:strategy']:.0%}",
            f"{row['exposure:strategy']:.1%}",
        ]
        css = ' class="portfolio"' if scope == PORTFOLIO else ""
        if scope in names.index:
            cells = [names.at[scope, "name"], names.at[scope, "china_exposure"].replace("_", " "), *cells]
        else:
            cells = ["equal capital in every asset", "", *cells]
        rows.append(f"<tr{css}><td>{html.escape(str(scope))}</td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f"<table>{header}{''.join(rows)}</table>"


def _headline(result: BacktestResult) -> str:
    strategy = result.stats.loc[(PORTFOLIO, "strategy")]
    benchmark = result.stats.loc[(PORTFOLIO, "benchmark")]
    return (
        f"Portfolio: {_percent(strategy['total_return'])} against {_percent(benchmark['total_return'])} for buy &amp; "
        f"hold · Sharpe {strategy['sharpe']:.2f} against {benchmark['sharpe']:.2f} · max drawdown "
        f"{_percent(strategy['max_drawdown'])} against {_percent(benchmark['max_drawdown'])} · "
        f"{strategy['trades']:.0f} trades, {strategy['win_rate']:.0%} winners, invested {strategy['exposure']:.0%} "
        "of sessions"
    )


def _equity_figure(result: BacktestResult):
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    equity = result.equity / result.equity.iloc[0]
    drawdown = equity / equity.cummax() - 1
    figure = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.68, 0.32], vertical_spacing=0.06,
        subplot_titles=("Portfolio value (1 = start; equal capital per asset)", "Drawdown"),
    )  # fmt: skip
    for name, color in (("strategy", STRATEGY_COLOR), ("benchmark", BENCHMARK_COLOR)):
        label = f"{result.template}" if name == "strategy" else "buy & hold"
        figure.add_trace(
            go.Scatter(x=equity.index, y=equity[name], name=label, line=dict(color=color, width=1.6)), row=1, col=1
        )
        figure.add_trace(
            go.Scatter(
                x=drawdown.index, y=drawdown[name], name=f"{label} drawdown", fill="tozeroy", showlegend=False,
                line=dict(color=color, width=1),
            ),
            row=2, col=1,
        )  # fmt: skip
    figure.update_yaxes(type="log", title_text="value (log scale)", row=1, col=1)
    figure.update_yaxes(tickformat=".0%", row=2, col=1)
    figure.update_layout(height=560, margin=dict(l=50, r=20, t=40, b=30), legend=dict(orientation="h", y=1.08))
    figure.update_layout(template="plotly_white", hovermode="x unified")
    return figure


def _price_figure(result: BacktestResult):
    """One price chart per asset (chosen in a dropdown) with event markers and trades."""
    import plotly.graph_objects as go

    figure = go.Figure()
    table = result.alignment.table
    descriptions = {event.id: event.description for event in result.calendar}
    assets = list(result.close.columns)
    traces_per_asset = 5
    for number, asset in enumerate(assets):
        price = result.close[asset].dropna()
        visible = number == 0
        figure.add_trace(
            go.Scatter(x=price.index, y=price, name="price", line=dict(color="#333", width=1.2), visible=visible)
        )
        events = table[table["asset"] == asset]
        for direction, color in (("tightening", TIGHTENING_COLOR), ("easing", EASING_COLOR)):
            chosen = events[events["direction"] == direction]
            level = price.reindex(chosen["session"], method="ffill")
            text = [
                f"{row.event_id} ({row.type}, severity {row.severity})<br>"
                + html.escape(descriptions[row.event_id][:140])
                for row in chosen.itertuples()
            ]
            figure.add_trace(
                go.Scatter(
                    x=chosen["session"], y=level.to_numpy(), mode="markers", name=f"{direction} event",
                    marker=dict(symbol="line-ns-open", size=18, line=dict(width=2, color=color)),
                    text=text, hovertemplate="%{x|%Y-%m-%d}<br>%{text}<extra></extra>", visible=visible,
                )
            )  # fmt: skip
        trades = result.trades[result.trades["asset"] == asset]
        for column, symbol, color, name in (
            ("entry_session", "triangle-up", STRATEGY_COLOR, "entry"),
            ("exit_session", "triangle-down", "#e67e22", "exit"),
        ):
            days = trades[column].dropna()
            figure.add_trace(
                go.Scatter(
                    x=days, y=price.reindex(days).to_numpy(), mode="markers", name=name, visible=visible,
                    marker=dict(symbol=symbol, size=9, color=color),
                )
            )  # fmt: skip
    buttons = []
    for number, asset in enumerate(assets):
        visibility = [False] * (traces_per_asset * len(assets))
        visibility[number * traces_per_asset : (number + 1) * traces_per_asset] = [True] * traces_per_asset
        buttons.append(dict(label=asset, method="update", args=[{"visible": visibility}, {"title.text": asset}]))
    figure.update_layout(
        title=dict(text=assets[0] if assets else ""),
        updatemenus=[dict(buttons=buttons, direction="down", x=0, xanchor="left", y=1.15, yanchor="top")],
        height=520, template="plotly_white", margin=dict(l=50, r=20, t=80, b=30),
        legend=dict(orientation="h", y=1.08, x=0.3), yaxis=dict(title="adjusted close (local currency)"),
    )  # fmt: skip
    return figure


def _trades_table(result: BacktestResult) -> str:
    columns = ["asset", "side", "event_ids", "event_session", "entry_session", "exit_session", "return", "exit_reason"]
    rows = []
    for asset, side, event_ids, event_session, entry, exit_, ret, reason in result.trades[columns].itertuples(
        index=False, name=None
    ):
        cells = [
            asset,
            side,
            event_ids,
            f"{event_session:%Y-%m-%d}" if pd.notna(event_session) else "–",
            f"{entry:%Y-%m-%d}",
            f"{exit_:%Y-%m-%d}" if pd.notna(exit_) else "open",
            _percent(ret),
            reason,
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    header = "<tr>" + "".join(f"<th>{html.escape(c.replace('_', ' '))}</th>" for c in columns) + "</tr>"
    return f'<div class="scroll"><table>{header}{"".join(rows)}</table></div>'


def render_report(result: BacktestResult, title: str = "reelab backtest") -> str:
    """The whole report as one HTML string (viewable offline: plotly.js is inlined once)."""
    equity_html = _equity_figure(result).to_html(full_html=False, include_plotlyjs=True)
    price_html = _price_figure(result).to_html(full_html=False, include_plotlyjs=False)
    params = ", ".join(f"{key}={value}" for key, value in vars(result.params).items() if key != "exposure")
    signs = strategies.asset_exposure(result.universe, getattr(result.params, "exposure", None))
    signs = signs[list(result.close.columns)]
    exposure = ", ".join(f"{ticker} {sign:+d}" for ticker, sign in signs.items())
    start, end = result.close.index[0], result.close.index[-1]
    costs = result.costs
    meta = (
        f"<b>template</b> {result.template} · <b>period</b> {start:%Y-%m-%d} to {end:%Y-%m-%d} · "
        f"<b>assets</b> {len(result.close.columns)} · <b>fees</b> {costs.fees:.2%} · "
        f"<b>slippage</b> {costs.slippage:.2%} per side<br><b>parameters</b> {html.escape(params)}<br>"
        f"<b>exposure (sign of a tightening)</b> {html.escape(exposure)}<br>"
        f"<b>events</b> {html.escape(result.alignment.summary())}"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{CSS}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<div class="meta">{meta}</div>
<p class="headline">{_headline(result)}</p>
<h2>Strategy against buy &amp; hold</h2>
<p class="note">Each asset trades its own equal starting capital; the portfolio is their sum. Benchmark: buying
each asset at its first price and holding it, with the same costs. Returns use adjusted closes; entries and exits
fill at the close of the asset's own session.</p>
{_summary_table(result)}
<h2>Equity and drawdown</h2>
{equity_html}
<h2>Prices, policy events and trades</h2>
<p class="note">Pick an asset in the menu. Vertical ticks mark the session each event was first tradable on that
asset's exchange (red: tightening, green: easing; hover for the event); triangles mark entries and exits.</p>
{price_html}
<h2>Trades</h2>
{_trades_table(result)}
<p class="note">Generated by reelab. Prices: bundled snapshot (see README for provenance and licences).</p>
</body></html>
"""
