"""Drawing a figure spec (:mod:`backtests.report.figures`): plotly for the HTML, matplotlib for the PNGs.

plotly and matplotlib are imported inside the functions; matplotlib draws on a bare
:class:`matplotlib.figure.Figure` (no pyplot, no global state, no display).
"""

from __future__ import annotations

import io

import numpy as np

from .figures import Figure, Heatmap, Panel, Trace

__all__ = ["log_ticks", "plotly_js", "to_html", "to_matplotlib", "to_png"]

PLOTLY_SYMBOLS = {"tick": "line-ns-open", "up": "triangle-up", "down": "triangle-down", "dot": "circle"}
MATPLOTLIB_MARKERS = {"tick": "|", "up": "^", "down": "v", "dot": "o"}


def _limit(spec: Heatmap) -> float:
    """Half the colour range: symmetric around the centre, so equal distances get equal colours."""
    finite = np.abs(spec.z[np.isfinite(spec.z)] - spec.center)
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def log_ticks(panel: Panel) -> list[float]:
    """Round values spanning a log panel's data: 1, 2, 5 a decade, or evenly spaced over a narrow range."""
    values = np.concatenate([np.asarray(t.y, dtype=float) for t in panel.traces])
    values = values[np.isfinite(values) & (values > 0)]
    if not values.size:
        return []
    low, high = float(values.min()), float(values.max())
    if high / low <= 2.5:
        step = next(s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0) if (high - low) / s <= 8)
        ticks = list(np.arange(np.ceil(low / step) * step, high + step / 2, step))
    else:
        mantissas = (1, 2, 5) if high / low > 10 else (1, 1.5, 2, 3, 5, 7)
        decades = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
        ticks = [m * 10.0**e for e in decades for m in mantissas if low / 1.05 <= m * 10.0**e <= high * 1.05]
    return [float(round(t, 10)) for t in ticks]


# ---------------------------------------------------------------------------------------------
# plotly


def _plotly_trace(trace: Trace):
    import plotly.graph_objects as go

    common = dict(
        name=trace.label,
        showlegend=trace.legend and trace.label is not None,
        legendgroup=trace.label,
        visible="legendonly" if trace.hidden else True,
    )
    if trace.kind == "histogram":
        return go.Histogram(x=trace.x, nbinsx=30, marker_color=trace.color, **common)
    if trace.kind == "band":
        x = np.r_[np.asarray(trace.x), np.asarray(trace.x)[::-1]]
        y = np.r_[np.asarray(trace.y2), np.asarray(trace.y)[::-1]]
        return go.Scatter(
            x=x, y=y, fill="toself", fillcolor=trace.color, opacity=0.15, line=dict(width=0), hoverinfo="skip", **common
        )
    if trace.kind == "markers":
        marker = dict(symbol=PLOTLY_SYMBOLS[trace.symbol], color=trace.color, size=9)
        if trace.symbol == "tick":
            marker |= dict(size=18, line=dict(width=2, color=trace.color))
        hover = "%{x|%Y-%m-%d}<br>%{text}<extra></extra>" if trace.hover is not None else None
        return go.Scatter(
            x=trace.x, y=trace.y, mode="markers", marker=marker, text=trace.hover, hovertemplate=hover, **common
        )
    fill = "tozeroy" if trace.kind == "area" else None
    return go.Scatter(
        x=trace.x, y=trace.y, mode="lines", line=dict(color=trace.color, width=trace.width), fill=fill, **common
    )


def _plotly_axes(figure, panel: Panel, row: int | None) -> None:
    where = dict(row=row, col=1) if row else {}
    if panel.scale == "log":
        ticks = log_ticks(panel)
        figure.update_yaxes(type="log", tickvals=ticks, ticktext=[f"{v:g}" for v in ticks], **where)
    elif panel.scale == "percent":
        figure.update_yaxes(tickformat=".1~%", **where)
    if panel.y_title:
        figure.update_yaxes(title=panel.y_title, **where)
    if panel.hline is not None:
        figure.add_hline(y=panel.hline, line=dict(color="#aaaaaa", width=1), **where)
    if panel.vline is not None:
        figure.add_vline(x=panel.vline, line=dict(color="#c0392b", width=3), **where)


def _plotly_heatmap(spec: Heatmap):
    import plotly.graph_objects as go

    limit = _limit(spec)
    text = [["–" if not np.isfinite(v) else f"{v:.2f}" for v in row] for row in spec.z]
    figure = go.Figure(
        go.Heatmap(
            z=spec.z,
            x=spec.x,
            y=spec.y,
            colorscale=spec.colormap,
            zmid=spec.center,
            zmin=spec.center - limit,
            zmax=spec.center + limit,
            text=text,
            texttemplate="%{text}",
            colorbar=dict(title=spec.value_title),
        )
    )
    figure.update_xaxes(type="category", title=spec.x_title)
    figure.update_yaxes(type="category", title=spec.y_title, autorange="reversed")  # first row on top, as in the PNG
    return figure


def plotly_js() -> str:
    """plotly.js itself, to inline once in the page's head (the report works offline)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def to_html(spec: Figure) -> str:
    """The figure as an HTML fragment (it needs :func:`plotly_js` in the page)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if spec.heatmap is not None:
        figure = _plotly_heatmap(spec.heatmap)
    elif len(spec.panels) > 1:
        figure = make_subplots(
            rows=len(spec.panels),
            cols=1,
            shared_xaxes=True,
            vertical_spacing=0.06,
            row_heights=[p.share for p in spec.panels],
            subplot_titles=[p.title for p in spec.panels],
        )
        for row, panel in enumerate(spec.panels, start=1):
            for trace in panel.traces:
                figure.add_trace(_plotly_trace(trace), row, 1)
            _plotly_axes(figure, panel, row)
    else:
        figure = go.Figure([_plotly_trace(t) for t in spec.panels[0].traces])
        _plotly_axes(figure, spec.panels[0], None)
    layout = dict(
        title=dict(text=spec.title, font=dict(size=14)),
        height=spec.height,
        template="plotly_white",
        hovermode=spec.hover,
        margin=dict(l=60, r=20, t=60, b=40),
        legend=dict(orientation="h", y=-0.22 if spec.x_title else -0.1, yanchor="top", x=0, xanchor="left"),
    )
    if spec.width:
        layout |= dict(width=spec.width, margin=dict(l=40, r=10, t=40, b=30))
    if spec.x_title:
        figure.update_xaxes(title=spec.x_title)
    if spec.menu:
        _menu(figure, spec, layout)
    figure.update_layout(**layout)
    return figure.to_html(full_html=False, include_plotlyjs=False, config={"displayModeBar": spec.toolbar})


def _menu(figure, spec: Figure, layout: dict) -> None:
    """A dropdown of the trace groups; the first is shown."""
    groups = [t.group for t in spec.panels[0].traces]
    names = list(dict.fromkeys(groups))
    for trace, group in zip(figure.data, groups):
        trace.visible = group == names[0]
    buttons = [
        dict(
            label=name,
            method="update",
            args=[{"visible": [g == name for g in groups]}, {"title.text": f"{spec.title}: {name}"}],
        )
        for name in names
    ]
    layout["title"] |= dict(text=f"{spec.title}: {names[0]}", x=0.5, xanchor="center")
    layout["margin"] = dict(l=60, r=20, t=90, b=30)
    layout["updatemenus"] = [dict(buttons=buttons, direction="down", x=0, xanchor="left", y=1.22, yanchor="top")]


# ---------------------------------------------------------------------------------------------
# matplotlib


def _matplotlib_panel(axis, panel: Panel) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, PercentFormatter

    shown = [trace for trace in panel.traces if not trace.hidden]  # the HTML's first view
    for trace in shown:
        label = trace.label if trace.legend else None
        if trace.kind == "histogram":
            axis.hist(trace.x, bins=30, color=trace.color, label=label)
        elif trace.kind == "band":
            axis.fill_between(trace.x, trace.y, trace.y2, color=trace.color, alpha=0.12, lw=0)
        elif trace.kind == "markers":
            axis.scatter(trace.x, trace.y, marker=MATPLOTLIB_MARKERS[trace.symbol], color=trace.color, label=label)
        else:
            axis.plot(trace.x, trace.y, color=trace.color, lw=trace.width * 0.8, label=label)
            if trace.kind == "area":
                axis.fill_between(trace.x, trace.y, 0, color=trace.color, alpha=0.25, lw=0)
    if panel.scale == "log":
        axis.set_yscale("log")
        axis.yaxis.set_major_locator(FixedLocator(log_ticks(panel)))
        axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        axis.yaxis.set_minor_formatter(NullFormatter())
    elif panel.scale == "percent":
        axis.yaxis.set_major_formatter(PercentFormatter(1.0))
    if panel.hline is not None:
        axis.axhline(panel.hline, color="#aaaaaa", lw=0.8)
    if panel.vline is not None:
        axis.axvline(panel.vline, color="#c0392b", lw=2)
    axis.set_title(panel.title, fontsize=10, loc="left")
    axis.set_ylabel(panel.y_title)
    axis.grid(alpha=0.25)
    if any(t.legend and t.label for t in shown):
        axis.legend(fontsize=8, ncol=2 if len(shown) > 8 else 1, loc="best")


def _matplotlib_heatmap(figure, spec: Heatmap) -> None:
    from matplotlib.colors import TwoSlopeNorm

    axis = figure.subplots()
    limit = _limit(spec)
    norm = TwoSlopeNorm(vcenter=spec.center, vmin=spec.center - limit, vmax=spec.center + limit)
    image = axis.imshow(np.ma.masked_invalid(spec.z), cmap=spec.colormap, norm=norm, aspect="auto")
    for row, values in enumerate(spec.z):
        for column, value in enumerate(values):
            dark = np.isfinite(value) and abs(value - spec.center) > 0.6 * limit
            axis.text(
                column,
                row,
                f"{value:.2f}" if np.isfinite(value) else "–",
                ha="center",
                va="center",
                color="white" if dark else "#222222",
                fontsize=11,
            )
    axis.set_xticks(range(len(spec.x)), spec.x)
    axis.set_yticks(range(len(spec.y)) if any(spec.y) else [], spec.y if any(spec.y) else [])
    axis.set_xlabel(spec.x_title)
    axis.set_ylabel(spec.y_title)
    figure.colorbar(image, ax=axis, label=spec.value_title)


def to_matplotlib(spec: Figure):
    """The figure drawn by matplotlib, on a bare :class:`matplotlib.figure.Figure` (no pyplot)."""
    from matplotlib.figure import Figure as Canvas

    figure = Canvas(figsize=spec.size, layout="constrained")
    if spec.heatmap is not None:
        _matplotlib_heatmap(figure, spec.heatmap)
    else:
        ratios = [p.share for p in spec.panels]
        axes = figure.subplots(len(spec.panels), 1, sharex=True, squeeze=False, height_ratios=ratios)[:, 0]
        for axis, panel in zip(axes, spec.panels):
            _matplotlib_panel(axis, panel)
        axes[-1].set_xlabel(spec.x_title)
    figure.suptitle(spec.title)
    return figure


def to_png(spec: Figure) -> bytes:
    """The figure as PNG bytes (matplotlib, Agg)."""
    buffer = io.BytesIO()
    to_matplotlib(spec).savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()
