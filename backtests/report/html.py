"""HTML assembly: the page, its CSS and sorting script, tables and the run, sweep and study sections.

Sections take what :mod:`backtests.report.summary` computed and figures already drawn to HTML; the
page works offline (plotly.js is inlined once, the sorting script is a few lines written here).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .summary import Table

__all__ = ["construction", "page", "run_section", "study_section", "sweep_section", "table"]

CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1100px;
       color: #222; padding: 0 16px; }
h1 { font-size: 24px; margin-bottom: 6px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 6px; text-align: right; border-bottom: 1px solid #eee; vertical-align: top; }
th { background: #f4f6f8; position: sticky; top: 0; font-weight: 600; }
.text { text-align: left; } .id, .date { text-align: left; white-space: nowrap; } .nw { white-space: nowrap; }
table.sortable th { cursor: pointer; } table.sortable th:hover { background: #e3e8ee; }
th[data-order=ascending]::after { content: " \\25B2"; font-size: 9px; }
th[data-order=descending]::after { content: " \\25BC"; font-size: 9px; }
tr.highlight td { font-weight: 600; background: #eef3f8; }
.neg, .tightening { color: #b03a2e; } .pos, .easing { color: #1e6b3a; }
.sig { font-weight: 700; } small { color: #666; }
.scroll { max-height: 460px; max-width: 100%; overflow-y: auto; border: 1px solid #eee; display: inline-block; }
.note { font-size: 12px; color: #555; max-width: 960px; }
.missing { font-size: 13px; background: #fdf3e7; border-left: 4px solid #e67e22; padding: 8px 12px; }
.headline { font-size: 15px; background: #f4f6f8; padding: 10px 14px; border-left: 4px solid #1f4e79; }
table.meta { font-size: 13px; margin: 0; } table.meta td { border: 0; padding: 1px 8px 1px 0; text-align: left; }
table.meta td:first-child { color: #666; white-space: nowrap; }
.plot { max-width: 100%; overflow: hidden; } .inline { display: inline-block; }
.na { cursor: help; color: #888; } p.legend { font-size: 11px; color: #666; margin: 2px 0 10px; }
.filters { font-size: 12px; margin: 6px 0; } .filters label { margin-right: 12px; }
.construction { font-size: 13px; max-width: 960px; }
"""

#: Sorts a table.sortable by the clicked column (numbers by their data-v value, the rest as text).
SORT_JS = """
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.title = "click to sort";
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0], column = th.cellIndex;
    var ascending = th.getAttribute("data-order") !== "ascending";
    table.querySelectorAll("th").forEach(function (other) { other.removeAttribute("data-order"); });
    th.setAttribute("data-order", ascending ? "ascending" : "descending");
    function key(row) {
      var cell = row.cells[column], value = cell.getAttribute("data-v");
      return value === null ? cell.textContent : parseFloat(value);
    }
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      var order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
/* Filters a table by the selects above it: a row stays when each chosen value is among its cell's values. */
document.querySelectorAll("div.filters").forEach(function (box) {
  var table = document.getElementById(box.getAttribute("data-table"));
  var selects = box.querySelectorAll("select"), count = box.querySelector(".count");
  function apply() {
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var keep = Array.prototype.every.call(selects, function (select) {
        if (!select.value) { return true; }
        var values = row.cells[parseInt(select.getAttribute("data-column"), 10)].getAttribute("data-values");
        return values.split("\u001f").indexOf(select.value) >= 0;
      });
      row.style.display = keep ? "" : "none";
      if (keep) { shown += 1; }
    });
    count.textContent = shown + " of " + table.tBodies[0].rows.length + " rows";
  }
  selects.forEach(function (select) { select.addEventListener("change", apply); });
  apply();
});
"""

ALIGNS = {
    "id": "id",
    "ids": "text",
    "date": "date",
    "dates": "date",
    "text": "text",
    "money": "id",
    "direction": "text",
}


def _escape(value) -> str:
    return html.escape("" if value is None or (not isinstance(value, tuple) and pd.isna(value)) else str(value))


def signed(value, digits: int = 1) -> str:
    """A fraction as a signed percentage in a span classed by its sign (``neg`` below zero, else ``pos``).

    Missing values (None, NaN) show as an en dash.

    >>> signed(0.0123)
    '<span class="pos">+1.2%</span>'
    >>> signed(-0.5, digits=0)
    '<span class="neg">-50%</span>'
    """
    if value is None or pd.isna(value):
        return "–"
    return f'<span class="{"neg" if value < 0 else "pos"}">{value:+.{digits}%}</span>'


def number(value, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals (plain text); missing values (None, NaN) show as an en dash.

    >>> number(1.23456), number(2, digits=0)
    ('1.23', '2')
    """
    return "–" if value is None or pd.isna(value) else f"{value:.{digits}f}"


def _date(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return value if isinstance(value, str) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _items(text, separator: str = ";") -> list[str]:
    return [] if text is None or pd.isna(text) else [item for item in str(text).split(separator) if item]


def _money(text) -> str:
    """``USD:1234.5;AUD:-320`` as one ``USD +1,235`` a line: amounts are never added across currencies."""
    lines = []
    for item in _items(text):
        currency, _, amount = item.partition(":")
        lines.append(f"{html.escape(currency)} {float(amount):+,.0f}")
    return "<br>".join(lines) or "–"


def _stat(pair) -> str:
    """(value, p-value) or (value, p-value, note): a test kept for reference is never bold (its column's note
    says why, under the table)."""
    if pair is None:
        return "–"
    value, p_value, *note = pair
    strong = ' class="sig"' if pd.notna(p_value) and p_value < 0.05 and not note else ""
    return f"<span{strong}>{number(value)}</span><br><small>p {number(p_value, 3)}</small>"


def _id(value) -> str:
    return _escape(value).replace("=", "=<wbr>")  # asset_group=china_producer may break after '='


def cell(value, kind: str) -> tuple[str, float | None]:
    """A value as HTML, and the number a sortable column sorts it by (None: by its text)."""
    numeric = kind in ("signed", "share", "number", "count")
    key = (float("-inf") if value is None or pd.isna(value) else float(value)) if numeric else None
    if kind == "money":  # one currency: sortable by its amount
        amounts = [item.partition(":")[2] for item in _items(value)]
        key = float(amounts[0]) if len(amounts) == 1 else float("-inf")
    shown = {
        "signed": lambda v: signed(v),
        "share": lambda v: "–" if pd.isna(v) else f"{v:.0%}" if v >= 0.1 or v == 0 else f"{v:.1%}",
        "number": number,
        "count": lambda v: "–" if pd.isna(v) else f"{v:.0f}",
        "date": _date,
        "dates": lambda v: "<br>".join(html.escape(d) for d in _items(v)) or "–",
        "ids": lambda v: ", ".join(f'<span class="nw">{_id(i)}</span>' for i in _items(v)) or "–",
        "id": _id,
        "money": _money,
        "stat": _stat,
        "direction": lambda v: f'<span class="{html.escape(v[1])}">{html.escape(v[0])}</span>',
    }.get(kind, _escape)(value)
    return shown, key


#: Separates a cell's values in its data-values attribute (for the filters).
_UNIT = "\x1f"


def _values(value, kind: str) -> list[str]:
    """The values a filter matches in a cell: each id of an ``ids`` list, else the cell's text."""
    if kind == "ids":
        return _items(value)
    return [] if value is None or (not isinstance(value, tuple) and pd.isna(value)) else [str(value)]


def _filters(spec: Table, name: str) -> str:
    """Selects (one per filter column) over the table ``name``; empty when it has no filters."""
    selects = []
    for column in spec.filters:
        if column not in spec.frame.columns:
            continue
        kind = spec.kinds.get(column, "text")
        values = sorted({v for value in spec.frame[column] for v in _values(value, kind)})
        index = list(spec.frame.columns).index(column)
        options = "".join(f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in values)
        selects.append(
            f'<label>{html.escape(str(column))} <select data-column="{index}"><option value="">all</option>'
            f"{options}</select></label>"
        )
    if not selects:
        return ""
    return f'<div class="filters" data-table="{name}">Filter: {"".join(selects)}<small class="count"></small></div>'


def table(spec: Table, scroll: bool = False, name: str | None = None) -> str:
    """A :class:`Table` as an HTML ``<table>``.

    Each cell is formatted by its column's kind; numeric cells carry their value in ``data-v`` (for
    sorting, missing ones ``-Infinity``); the row whose first cell equals ``spec.highlight`` is
    emphasised. ``scroll`` wraps the table in a scrolling box. A missing value shows as an en dash whose
    title says what it means (``spec.missing``), repeated in a note under the table. With ``spec.filters``,
    selects above the table filter its rows (``name``: the table's element id, needed then).
    """
    kinds = spec.kinds
    filtered = {list(spec.frame.columns).index(c) for c in spec.filters if c in spec.frame.columns}
    name = name or ("table-" + "-".join(str(c) for c in spec.filters).replace(" ", "_") if filtered else None)
    noted = list(spec.column_notes)
    head = "".join(
        f'<th class="{ALIGNS.get(kinds.get(c, "text"), "")}"'
        + (f' title="{html.escape(spec.column_notes[c])}"' if c in spec.column_notes else "")
        + f">{html.escape(str(c)).replace('_', '_<wbr>')}"
        + (f"<sup>{noted.index(c) + 1}</sup>" if c in spec.column_notes else "")
        + "</th>"
        for c in spec.frame.columns
    )
    dash = f'<span class="na" title="{html.escape(spec.missing)}">–</span>'
    dashed = False
    rows = []
    for values in spec.frame.itertuples(index=False):
        cells = []
        for number_, (column, value) in enumerate(zip(spec.frame.columns, values)):
            kind = kinds.get(column, "text")
            shown, key = cell(value, kind)
            if shown in ("–", ""):
                shown, dashed = dash, True
            sort = "" if key is None else f' data-v="{key if key > float("-inf") else "-Infinity"}"'
            if number_ in filtered:
                sort += f' data-values="{html.escape(_UNIT.join(_values(value, kind)))}"'
            cells.append(f'<td class="{ALIGNS.get(kind, "")}"{sort}>{shown}</td>')
        emphasis = ' class="highlight"' if spec.highlight is not None and values[0] == spec.highlight else ""
        rows.append(f"<tr{emphasis}>{''.join(cells)}</tr>")
    sortable = ' class="sortable"' if spec.sortable else ""
    ident = f' id="{html.escape(name)}"' if name else ""
    markup = f"<table{sortable}{ident}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    markup = f'<div class="scroll">{markup}</div>' if scroll else markup
    legend = f'<p class="legend">– (en dash): {html.escape(spec.missing)}.</p>' if dashed else ""
    legend += "".join(
        f'<p class="legend"><sup>{number_}</sup> {html.escape(str(column))}: {html.escape(note)}</p>'
        for number_, (column, note) in enumerate(spec.column_notes.items(), start=1)
    )
    return (_filters(spec, name) if name and filtered else "") + markup + legend


def _note(text: str, kind: str = "note") -> str:
    return f'<p class="{kind}">{text}</p>'


# ---------------------------------------------------------------------------------------------
# Sections

FORMATION = (
    "How the portfolio is formed: each asset is a sleeve with its own equal starting capital (contracts on one "
    "underlying share it), which starts the session before the asset's first price. The portfolio's return each "
    "session is the live sleeves' summed gain over their summed value the session before: sleeves weigh by their "
    "value and are never rebalanced (time-weighted, so a sleeve waiting for its listing does not dilute the "
    "others). Each sleeve is valued in its own currency, relative to "
    "its own starting capital: in effect currency-hedged, and no amounts in different currencies are added. "
    "Benchmark (B&amp;H): each asset bought at its first price and held, with the same costs. Returns use adjusted "
    "closes; fills at the close of the asset's own session. Sharpe ratios are annualized (no risk-free rate); "
    "time invested is the share of sessions with a position open."
)
ATTRIBUTION = (
    "One row per policy event that opened trades: its type (red: tightening, green: easing), the assets, the "
    "first entry and last exit, the P&amp;L in each "
    "currency it was earned in (never added across currencies; split equally among events that opened a trade "
    "together), its contribution to the portfolio's total return (in percentage points of it: each session, its "
    "trades' gain over the live sleeves' value the session before, times the portfolio's index the session "
    "before, so the contributions add up to the total return), the mean market-model abnormal return over the "
    "holding sessions (signed by side) and the exits that fired. Click a column header to sort."
)
PLACEBO = (
    "The same number of events, of the same types, moved to random sessions away from every real event. The "
    "histogram is what the method produces by chance; the red line is the real value."
)


def _placebo(label: str, figures: Sequence[str]) -> list[str]:
    if not figures:
        return []
    return [
        f"<h2>Placebo events: {html.escape(label)}</h2>",
        _note(PLACEBO),
        *(f'<div class="inline">{figure}</div>' for figure in figures),
    ]


def _equal_weight(numbers: Mapping[str, Any] | None) -> list[str]:
    """The equal-weight alternative, stated when the run saved it (it differs materially)."""
    if not numbers:
        return []
    mine, bench = numbers["strategy"], numbers["benchmark"]
    return [
        _note(
            "With the sleeves equally weighted and rebalanced daily instead (each session's return the mean of the "
            f"live sleeves' returns): {signed(mine.get('total_return'))}, Sharpe {number(mine.get('sharpe'))}; buy "
            f"&amp; hold {signed(bench.get('total_return'))}, Sharpe {number(bench.get('sharpe'))}. Shown because "
            "it differs from the value-weighted portfolio by more than 1 percentage point of total return or 0.05 "
            "of Sharpe ratio."
        )
    ]


def construction(init_cash: float | None = None) -> str:
    """The portfolio's construction in one sentence (the README's words: value-weighted, never rebalanced)."""
    cash = f"{init_cash:,.0f}" if init_cash else "the same starting cash"
    return (
        f"Portfolio construction: each asset is a sleeve that starts with its own {cash} (in its own currency) "
        "on its first price, and the portfolio is the sum of the sleeves' values (each in units of its own "
        "starting capital): value-weighted and never rebalanced."
    )


def run_section(
    numbers: Mapping[str, Any],
    stats: Table,
    equity: str,
    prices: str | None,
    absent: Sequence[str],
    outcomes: str | None,
    attribution: Table | None,
    placebo: Sequence[str],
    trades: Table | None,
    attribution_totals: Mapping[str, Any] | None = None,
    init_cash: float | None = None,
) -> str:
    """The HTML of a run.

    Parameters
    ----------
    numbers : mapping
        :func:`~backtests.report.summary.run_numbers` (``strategy`` and ``benchmark`` metrics) for the headline.
    stats : Table
        Strategy against buy & hold by scope.
    equity : str
        The equity-and-drawdown figure as HTML.
    prices : str or None
        The prices-events-trades figure as HTML; None when not drawn.
    absent : sequence of str
        The files missing for the price figure (explained when ``prices`` is None).
    outcomes : str or None
        What became of the event-asset pairs, shown under the price figure.
    attribution, trades : Table or None
        Sections left out when None.
    placebo : sequence of str
        Placebo figures as HTML (no section when empty).
    attribution_totals : mapping, optional
        :func:`~backtests.report.summary.attribution_totals`: the events' contributions, the residual and
        their sum, stated under the attribution table.
    init_cash : float, optional
        Each sleeve's starting cash (config.json), stated in the construction sentence above the equity chart.
    """
    mine, bench = numbers["strategy"], numbers["benchmark"]
    win = "–" if mine.get("win_rate") is None else f"{mine['win_rate']:.0%}"
    invested = mine.get("time_invested")
    headline = (
        f"Portfolio: {signed(mine['total_return'])} against {signed(bench.get('total_return'))} for buy &amp; hold "
        f"· Sharpe {number(mine['sharpe'])} against {number(bench.get('sharpe'))} · max drawdown "
        f"{signed(mine['max_drawdown'])} against {signed(bench.get('max_drawdown'))} · {mine['trades']:.0f} trades, "
        f"{win} winners · time invested {'–' if invested is None else f'{invested:.0%}'} of sessions"
    )
    parts = [
        _note(headline, "headline"),
        "<h2>Strategy against buy &amp; hold</h2>",
        _note(FORMATION),
        *_equal_weight(numbers.get("equal_weight")),
        table(stats),
        "<h2>Equity and drawdown</h2>",
        _note(construction(init_cash), "construction"),
        _note(
            "Top: the strategy and buy &amp; hold on one log scale. Middle: the strategy alone on its own "
            "scale, so that its moves show even when it is invested a small share of the time. Bottom: "
            "drawdowns from the running peak."
        ),
        f'<div class="plot">{equity}</div>',
        "<h2>Prices, policy events and trades</h2>",
    ]
    if prices is None:
        parts.append(
            _note(
                f"Not drawn: this folder has no {' and '.join(f'<code>{name}</code>' for name in absent)} (it was "
                "written before runs saved the prices they traded and the events' sessions). The report only shows "
                "what the folder holds and recomputes nothing; run the command again to get this chart."
                if absent
                else "Not drawn: <code>close.csv</code> holds no prices.",
                "missing",
            )
        )
    else:
        parts += [
            _note(
                "Pick an asset in the menu. Prices: the adjusted closes the run traded (close.csv). Ticks "
                "mark the session each event was first tradable on that asset's exchange (red: tightening, "
                "green: easing; hover for the event and what became of it); triangles mark entries and "
                "exits (for contracts, at the underlying's price)."
                + (f" Event-asset pairs: {html.escape(outcomes)}." if outcomes else "")
            ),
            f'<div class="plot">{prices}</div>',
        ]
    if attribution is not None and len(attribution.frame):
        parts += ["<h2>Per-event attribution</h2>", _note(ATTRIBUTION), table(attribution, scroll=True)]
        if attribution_totals:
            parts.append(
                _note(
                    f"The events contribute {signed(attribution_totals['events'], 2)}; what no event explains "
                    f"(trades no event opened, gains outside trades) {signed(attribution_totals['residual'], 2)}; "
                    f"together {signed(attribution_totals['total_return'], 2)}, the portfolio's total return."
                )
            )
    elif attribution is not None:
        parts += ["<h2>Per-event attribution</h2>", _note("No policy event opened a trade in this period.")]
    parts += _placebo("Sharpe ratio (annualized)", placebo)
    if trades is not None:
        parts += [
            "<h2>Trades</h2>",
            _note(
                f"{len(trades.frame)} trades. P&amp;L in the sleeve's own currency (never added across "
                "currencies) and in percent of the position. Pick an asset or an event to filter; click a column "
                "header to sort."
            ),
            table(trades, scroll=True, name="trades"),
        ]
    else:  # a run that traded nothing is a result: say so, and where to look
        parts += [
            "<h2>Trades</h2>",
            _note(
                "No trades: no event gave an entry in this period. The event outcomes above and events.csv "
                "say what happened to each event (outside the data, below the severity, filtered by type, ...)."
            ),
        ]
    return "\n".join(parts)


SWEEP_GAPS = (
    '<p class="legend">– (en dash) in a cell: no Sharpe ratio (the combination never traded, or its returns do '
    "not vary).</p>"
)


def sweep_section(numbers: Mapping[str, Any], heatmap: str | None, top: Table, gaps: bool = False) -> str:
    """The HTML of a sweep: the number of combinations, the deflated Sharpe ratio (when ``numbers`` has it),
    the heatmap (when there is one; ``gaps``: it has cells without a value, explained under it) and the table
    of the best combinations.
    """
    parts = [
        "<h2>Parameter sweep</h2>",
        _note(
            f"{numbers['combinations']} combinations. Sharpe ratios are annualized. The best in-sample Sharpe is "
            "selected out of many trials: read it with the deflated Sharpe ratio below, not at face value."
        ),
    ]
    deflated = numbers.get("deflated_sharpe")
    if deflated:
        sharpe = deflated.get("sharpe_annualized")
        versus = "" if sharpe is None else (
            f"; Sharpe {sharpe:.2f} against an expected maximum of {deflated['expected_max_sharpe_annualized']:.2f} "
            "by luck, both annualized"
        )  # fmt: skip
        parts.append(
            _note(
                f"Deflated Sharpe ratio of the best combination: {deflated['dsr']:.3f} (probability that its Sharpe "
                f"beats the best of {deflated['trials']} lucky trials{versus})",
                "headline",
            )
        )
        if deflated.get("trial_sharpe_variance_annualized") is not None:
            parts.append(_note(_dsr_inputs(deflated)))
    if heatmap:
        parts += [
            f'<div class="plot">{heatmap}</div>',
            *([SWEEP_GAPS] if gaps else []),
        ]
    parts += [_note("Best combinations by portfolio Sharpe (click a column header to sort):"), table(top)]
    return "\n".join(parts)


def _dsr_inputs(deflated: Mapping[str, Any]) -> str:
    """The inputs of the deflated Sharpe ratio, in words (Bailey &amp; López de Prado, 2014)."""
    return (
        f"Inputs (Bailey &amp; López de Prado, 2014; the test runs on the daily returns, as the paper states it, "
        f"and is shown annualized with {number(deflated.get('periods_per_year'), 1)} sessions a year): "
        f"N = {deflated['trials']} trials whose annualized Sharpe ratios have a variance of "
        f"{number(deflated['trial_sharpe_variance_annualized'], 4)}; T = {deflated.get('observations')} daily "
        "returns of the best combination, skew "
        f"{number(deflated.get('skew'))} and kurtosis {number(deflated.get('kurtosis'))} (3 for a normal "
        "distribution). The expected maximum Sharpe ratio of N trials with no skill is the standard deviation of "
        "their Sharpe ratios times ((1 − γ) Z⁻¹(1 − 1/N) + γ Z⁻¹(1 − 1/(N e))), γ Euler's constant."
    )


def study_section(description: str, car: str | None, tests: Table, placebo: Sequence[str]) -> str:
    """The HTML of an event study: the CAR figure (``car``, HTML; None when no event-asset pair was measured)
    introduced by ``description``, the tests table with a note on which tests to trust, and the placebo figures.
    """
    parts = [
        "<h2>Event study: cumulative abnormal returns by event type</h2>",
        _note(
            f"{html.escape(description)}; simple daily returns on each asset's own sessions against its "
            "benchmark. Lines: mean CAR from the first relative session; bands: 95% cross-sectional confidence "
            "intervals. Minor event types start hidden: click the legend. Abnormal returns are not signed by "
            "exposure (the asset's China-exposure sign), so groups that mix producers inside and outside China "
            "can cancel out: see the asset-group rows of the tests."
        ),
        f'<div class="plot">{car}</div>'
        if car is not None
        else _note(
            "No event-asset pairs: every pair was dropped (outside the price data, too short an estimation "
            "window, ...); dropped.csv says why for each.",
            "missing",
        ),
        "<h2>Event study: tests</h2>",
        _note(
            "A policy event hits every asset on the same dates, follow-ups land on the next sessions and news "
            "reaches Asian exchanges a session later, so the pairs are not independent. The headline tests come "
            "first: those that rejected a true null at most 7% of the time at the 5% level in every design of "
            "reelab's size simulation (benchmarks/study_size.py: events sharing their dates, bursts on "
            "consecutive sessions, exchanges a session apart, the shipped calendar's own pattern), such as "
            "<b>portfolio_t</b> (one calendar-time portfolio per cluster of overlapping event windows, "
            "Jaffe-Mandelker) and grank_portfolio_t (Kolari-Pynnönen generalized ranks in the same portfolios). "
            "Bold: p &lt; 0.05 in a headline test. The other tests are kept for reference: each one's numbered note "
            "under the table says why it rejects too often and how often it did in that simulation. n: event-asset "
            "pairs; clusters: the independent units the cluster tests count."
        ),
        table(tests),
    ]
    return "\n".join([*parts, *_placebo("mean CAR", placebo)])


def page(title: str, header: Sequence[tuple[str, str | list[str]]], body: str, script: str = "") -> str:
    """The whole document; ``script`` (plotly.js) is inlined in its head."""
    rows = []
    for label, value in header:
        shown = (
            (", " if label == "assets" else " · ").join(f'<span class="nw">{html.escape(v)}</span>' for v in value)
            if isinstance(value, list)
            else html.escape(str(value))
        )
        rows.append(f"<tr><td>{html.escape(label)}</td><td>{shown}</td></tr>")
    meta = f'<table class="meta">{"".join(rows)}</table>' if rows else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{CSS}</style>
<script type="text/javascript">{script}</script></head>
<body><h1>{html.escape(title)}</h1>{meta}
{body}
<p class="note">Generated by reelab from the files in this folder (nothing is recomputed). Prices: bundled snapshot
(see the README for provenance and licences). Static figures: figures/*.png; headline numbers: summary.json.</p>
<script>{SORT_JS}</script>
</body></html>
"""
