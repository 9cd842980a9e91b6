"""What a results folder says, as plain numbers and tables: no plotting, no HTML.

Every function takes frames as saved in the folder (see :mod:`backtests.results`) or ``config.json``
and returns dicts, strings or :class:`Table` objects; nothing is recomputed from prices or events.
Sharpe ratios are annualized everywhere (``stats.csv`` and ``sweep.csv`` hold them annualized; ``dsr.json``
holds them per session and annualized, with the test's inputs; a ``dsr.json`` written before it held the
annualized ones is annualized here with ``best_returns.csv``'s sessions per year).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..results import METRICS

__all__ = ["PORTFOLIO", "Table", "attribution_table", "attribution_totals", "car_paths", "event_outcomes", "header",
           "parameter", "placebo_numbers", "run_numbers", "run_table", "study_numbers", "study_table", "sweep_grid",
           "sweep_numbers", "sweep_table", "trades_table", "trading_costs"]  # fmt: skip

PORTFOLIO = "portfolio"
#: The type of attribution.csv's last row: what no event explains (``backtests.ops._attribution.RESIDUAL``).
RESIDUAL_TYPE = "residual"
#: stats.csv's series of the portfolio with its sleeves equally weighted and rebalanced daily, written
#: only where they differ materially from the value-weighted portfolio (``backtests.ops._run.MATERIAL``).
EQUAL_WEIGHT = {"strategy": "strategy_equal_weight", "benchmark": "benchmark_equal_weight"}
# METRICS (from backtests.results): the metric columns of stats.csv and sweep.csv; every other sweep.csv column
# but ``scope`` is a parameter.


@dataclass(frozen=True)
class Table:
    """Rows to show. ``frame`` holds raw values under the column labels a reader sees; ``kinds`` says how
    each column reads: id, ids (a ``;`` list), text, date, dates, signed (a +/- percentage), share (a
    percentage), number, count, money (``CUR:amount;...``), stat (a (value, p-value) pair) or direction (a
    (text, tightening or easing) pair, coloured by the direction)."""

    frame: pd.DataFrame
    kinds: Mapping[str, str] = field(default_factory=dict)
    highlight: str | None = None  # rows whose first cell is this are emphasised
    sortable: bool = False
    #: What an en dash (a missing value) means in this table: shown as a note under it and as the dash's title.
    missing: str = "no value"
    #: Columns (labels) a reader can filter the rows by (a select of their values above the table).
    filters: tuple[str, ...] = ()
    #: A note on a whole column (label -> text): marked on its header, said once under the table.
    column_notes: Mapping[str, str] = field(default_factory=dict)


def _float(value) -> float | None:
    """A plain float for JSON (None for missing values)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def parameter(value) -> str:
    """A parameter value as a reader writes it: none, 10, 0.05, a+b, yes."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "none"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "+".join(map(str, value)) if value else "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} {parameter(v)}" for k, v in value.items())
    return str(value)


def _basis_points(value) -> str:
    return f"{float(value) * 1e4:g} bp"


def trading_costs(config: Mapping[str, Any]) -> str | None:
    """The cost model in words: ``fees 10 bp, slippage 10 bp per order`` (flat), or the desk model (each asset's
    own commission, stamp duty on A-share sells, borrow fee on shorts) when ``trading_costs`` says so."""
    described = config.get("trading_costs") or {}
    model = described.get("model") or config.get("costs") or "flat"
    fees = described.get("fees", config.get("fees"))
    slippage = described.get("slippage", config.get("slippage")) or 0
    lots = " in whole board lots" if described.get("lots", config.get("lots")) else ""
    if model != "desk":
        return (
            None if fees is None else f"fees {_basis_points(fees)}, slippage {_basis_points(slippage)} per order{lots}"
        )
    terms = described.get("assets") or {}
    rates = sorted({float(t["commission"]) for t in terms.values() if t.get("commission") is not None})
    commission = (
        "commission " + (f"{_basis_points(rates[0])}" if len(rates) == 1 else
                         f"{rates[0] * 1e4:g}-{_basis_points(rates[-1])} by asset")
        if rates else "each asset's own commission"
    )  # fmt: skip
    overrides = described.get("overrides") or []
    changed = f"; terms overridden: {', '.join(map(str, overrides))}" if overrides else ""
    return (
        f"desk model: {commission} (the universe's trading terms), stamp duty on A-share sells, borrow fee on "
        f"shorts, slippage {_basis_points(slippage)} per order{lots}{changed}"
    )


def header(config: Mapping[str, Any]) -> list[tuple[str, str | list[str]]]:
    """What was run, for the report's header: (label, text or list of items), empty ones left out."""
    if not config:
        return []
    requested = config.get("requested") or {}
    tickers = requested.get("tickers") or config.get("tickers")
    assets = [str(t) for t in tickers] if tickers else None
    start, end = config.get("start"), config.get("end")
    period = f"{start or 'first session'} to {end or 'last session'}"
    asked = (requested.get("start"), requested.get("end"))
    if any(asked) and asked != (start, end):
        period += f" (asked: {asked[0] or 'start of data'} to {asked[1] or 'end of data'})"
    events = (config.get("events") or "shipped calendar") + (" + shipped" if config.get("merge") else "")
    if config.get("command") == "study":
        model = (
            f"{config.get('model', 'market')} model, estimation window {config.get('estimation')} sessions "
            f"ending {int(config.get('gap', 10)) + 1} sessions before session 0"
        )
        windows = [f"{a}:{b}" for a, b in config.get("windows") or []]
        rows = [
            ("event study", model),
            ("period", period),
            ("assets", assets),
            ("windows", windows),
            ("event types", [str(t) for t in config.get("types") or []] or "all"),
            ("events", events),
        ]
        return [(label, value) for label, value in rows if value]
    grid = config.get("grid") or {}
    if grid:
        parameters = [f"{k} in {', '.join(parameter(v) for v in values)}" for k, values in grid.items()]
        parameters += [f"{k} {parameter(v)}" for k, v in (config.get("params") or {}).items() if k not in grid]
    else:
        chosen = config.get("resolved_params") or config.get("params") or {}
        parameters = [f"{k} {parameter(v)}" for k, v in chosen.items()] or ["template defaults"]
    costs = trading_costs(config)
    rows = [
        ("template", config.get("template")),
        ("period", period),
        ("assets", assets),
        ("parameters", parameters),
        ("costs", costs),
        ("events", events),
    ]
    return [(label, value) for label, value in rows if value]


#: What a missing metric of a run or sweep means.
RATIO_MISSING = (
    "not defined: no trades (no win rate), or no variation in the returns (no Sharpe ratio), or no benchmark "
    "for the scope"
)

# ---------------------------------------------------------------------------------------------
# A run


def _by_series(stats: pd.DataFrame, series: str) -> pd.DataFrame:
    part = stats[stats["series"] == series].set_index("scope")
    order = [PORTFOLIO, *(s for s in stats["scope"].drop_duplicates() if s != PORTFOLIO)]
    return part.reindex([s for s in order if s in part.index])


def run_numbers(stats: pd.DataFrame, template: str | None = None) -> dict[str, Any]:
    """Headline numbers of the portfolio, strategy and buy & hold, exactly as stats.csv holds them.

    With ``equal_weight`` when stats.csv has the portfolio with equal weights rebalanced daily (it differs
    materially from the value-weighted one): its ``strategy`` and ``benchmark`` return metrics.
    """
    strategy = _by_series(stats, "strategy").loc[PORTFOLIO]
    returns = ("total_return", "cagr", "sharpe", "sortino", "max_drawdown")

    def portfolio(series: str) -> dict[str, float | None]:
        part = _by_series(stats, series)
        row = part.loc[PORTFOLIO] if PORTFOLIO in part.index else pd.Series(dtype=float)
        return {k: _float(row[k]) for k in returns if k in row}

    numbers: dict[str, Any] = {
        "template": template,
        "strategy": {k: _float(strategy[k]) for k in METRICS if k in strategy},
        "benchmark": portfolio("benchmark"),
    }
    if (stats["series"] == EQUAL_WEIGHT["strategy"]).any():
        numbers["equal_weight"] = {name: portfolio(series) for name, series in EQUAL_WEIGHT.items()}
    return numbers


def _table(frame: pd.DataFrame, columns: str, **options) -> Table:
    """``columns``: one ``source:label:kind`` a line (the label shown, how the values read); a source column
    the folder lacks (an older schema) shows as missing values."""
    specs = [line.strip().split(":") for line in columns.strip().splitlines()]
    shown = pd.DataFrame({label: frame.get(source, np.nan) for source, label, _ in specs})
    shown = shown.reset_index(drop=True)
    return Table(shown, {label: kind for _, label, kind in specs}, **options)


def run_table(stats: pd.DataFrame) -> Table:
    """stats.csv as a table: one row per scope (portfolio first, highlighted), the strategy's metrics beside
    buy & hold's.
    """
    strategy = _by_series(stats, "strategy")
    both = strategy.join(_by_series(stats, "benchmark").add_prefix("bh_")).reset_index(names="scope")
    columns = """scope:scope:id
        total_return:return:signed
        bh_total_return:B&H return:signed
        cagr:CAGR:signed
        sharpe:Sharpe:number
        bh_sharpe:B&H Sharpe:number
        max_drawdown:max DD:signed
        bh_max_drawdown:B&H max DD:signed
        trades:trades:count
        win_rate:win rate:share
        time_invested:time invested:share"""
    return _table(both, columns, highlight=PORTFOLIO, missing=RATIO_MISSING)


def trades_table(trades: pd.DataFrame, names: Mapping[str, str] | None = None) -> Table:
    """trades.csv as a sortable table that can be filtered by asset and by event; a trade without an exit
    session shows ``open`` as its exit. P&L in the sleeve's currency (``pnl``, never added across currencies)
    and in percent (``return``); the company's name beside its ticker: trades.csv's ``name`` column, else
    ``names`` (ticker to name; a contract ``MP|call|...`` takes its underlying's)."""
    columns = """asset:asset:id
        name:company:text
        side:side:text
        event_ids:events:ids
        event_session:event session:date
        entry_session:entry:date
        exit_session:exit:date
        pnl:P&L:money
        return:P&L %:signed
        exit_reason:exit reason:text"""
    still_open = trades["exit_session"].isna()
    exits = [_day([day])[0] if not missing else "open" for day, missing in zip(trades["exit_session"], still_open)]
    known = (trades["name"] if "name" in trades else pd.Series(np.nan, index=trades.index)).astype(object)
    looked_up = trades["asset"].astype(object).map(lambda asset: (names or {}).get(str(asset).split("|")[0], np.nan))
    pnl = [
        np.nan if pd.isna(amount) else f"{'' if pd.isna(currency) else currency}:{amount}"
        for amount, currency in zip(trades.get("pnl", pd.Series(np.nan, index=trades.index)),
                                    trades.get("currency", pd.Series(np.nan, index=trades.index)))
    ]  # fmt: skip
    shown = trades.assign(exit_session=exits, name=known.fillna(looked_up), pnl=pnl)
    if shown["name"].isna().all():  # the folder holds no names: no column of dashes
        columns = "\n".join(line for line in columns.splitlines() if not line.strip().startswith("name:"))
    table = _table(shown, columns, sortable=True)
    return replace(
        table,
        missing="no value: the folder does not hold it (a trades.csv written before it saved company names or "
        "P&L in currency)",
        filters=("asset", "events"),
    )


def attribution_table(attribution: pd.DataFrame) -> Table:
    """attribution.csv as a sortable table of the events that opened trades (``trades`` > 0), with the span
    held from first entry to last exit; the residual row is left out (see :func:`attribution_totals`).
    """
    traded = attribution[(attribution["trades"] > 0) & (attribution["type"] != RESIDUAL_TYPE)]
    traded = traded.assign(
        type=[
            (str(kind).replace("_", " "), str(direction))
            for kind, direction in zip(traded["type"], traded["direction"])
        ],
        held=[f"{a};{b}" for a, b in zip(_day(traded["first_entry"]), _day(traded["last_exit"]))],
    )
    columns = """event_id:event:id
        announced:announced:date
        type:type:direction
        assets:assets:ids
        trades:trades:count
        held:held:dates
        pnl_by_currency:P&L by currency:money
        contribution:contribution to portfolio return:signed
        mean_abnormal_return:mean abnormal return:signed
        exits:exits:ids"""
    missing = (
        "not estimated: no benchmark on the assets' own market, or too little price history before the event for "
        "the market model"
    )
    return _table(traded, columns, sortable=True, missing=missing)


def attribution_totals(attribution: pd.DataFrame) -> dict[str, float | None] | None:
    """The events' summed ``contribution``, the ``residual`` no event explains and their sum, the portfolio's
    ``total_return``, as attribution.csv holds them; None for a file without a residual row (written before
    contributions were in units of the portfolio's return)."""
    residual = attribution["type"] == RESIDUAL_TYPE
    if not residual.any():
        return None
    events = float(attribution.loc[~residual, "contribution"].sum())
    rest = float(attribution.loc[residual, "contribution"].sum())
    return {"events": _float(events), "residual": _float(rest), "total_return": _float(events + rest)}


def _day(values: pd.Series) -> list[str]:
    return [value.strftime("%Y-%m-%d") if not pd.isna(value) else "–" for value in pd.to_datetime(values)]


def event_outcomes(events: pd.DataFrame) -> str:
    """What became of the event-asset pairs: ``35 entered, 82 skipped (56 short side not allowed, ...)``."""
    parts = []
    for outcome, part in events.groupby("outcome", sort=False):
        reasons = part["reason"].dropna().value_counts()
        why = f" ({', '.join(f'{n} {reason}' for reason, n in reasons.items())})" if len(reasons) else ""
        parts.append(f"{len(part)} {outcome}{why}")
    return ", ".join(parts)


def placebo_numbers(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """For each window (``all`` for a run's Sharpe): the real value, its empirical p-value (None when not
    known: a run that never traded has no Sharpe) and the draws."""
    groups = table.groupby("window", sort=False) if "window" in table else [("all", table)]
    return {
        str(window): {
            "actual": _float(part["actual"].iloc[0]),
            "p_value": _float(part["p_value"].iloc[0]),
            "draws": len(part),
        }
        for window, part in groups
    }


# ---------------------------------------------------------------------------------------------
# A sweep


def sweep_parameters(sweep: pd.DataFrame) -> list[str]:
    """The parameter columns of a sweep table: every column but the metrics and ``scope``, in order."""
    return [c for c in sweep.columns if c not in (*METRICS, "scope")]


def _value_order(value: str):
    """Sort key of a shown parameter value: none first, then numbers, then words."""
    if value == "none":
        return (0, 0.0, "")
    try:
        return (1, float(value), "")
    except ValueError:
        return (2, 0.0, value)


def sweep_numbers(sweep: pd.DataFrame, dsr: Mapping | None, best_returns: pd.DataFrame | None) -> dict[str, Any]:
    """A sweep's headline numbers for summary.json.

    ``combinations`` (the portfolio rows); ``best_sharpe`` and ``best_params`` when any portfolio Sharpe
    is known; with ``dsr`` (dsr.json), ``deflated_sharpe``: the DSR, trials and parameters, the best and
    expected maximum Sharpe annualized and the test's inputs as dsr.json holds them (the trials' Sharpe
    variance annualized, the skew and kurtosis of the best combination's returns, their number and the
    sessions per year). A dsr.json written before it held them has its per-session Sharpe ratios annualized
    with ``best_returns``' sessions per year (when it has more than two rows), and no inputs.
    """
    portfolio = sweep[sweep["scope"] == PORTFOLIO]
    params = sweep_parameters(sweep)
    numbers: dict[str, Any] = {"combinations": len(portfolio)}
    if portfolio["sharpe"].notna().any():
        best = portfolio.loc[portfolio["sharpe"].idxmax()]
        numbers |= {"best_sharpe": _float(best["sharpe"]), "best_params": {p: _plain(best[p]) for p in params}}
    if dsr:
        deflated = {"dsr": _float(dsr["dsr"]), "trials": dsr.get("trials"), "params": dsr.get("params")}
        if dsr.get("sharpe_annualized") is not None:
            deflated |= {name: _float(dsr.get(name)) for name in DSR_SHOWN}
            deflated["observations"] = dsr.get("observations")
        elif best_returns is not None and len(best_returns) > 2:
            scale = math.sqrt(periods_per_year(best_returns.index))
            deflated |= {
                "sharpe_annualized": _float(dsr["sharpe"] * scale),
                "expected_max_sharpe_annualized": _float(dsr["expected_max_sharpe"] * scale),
            }
        numbers["deflated_sharpe"] = deflated
    return numbers


#: The fields of dsr.json shown beside the DSR (all annualized, or not Sharpe ratios).
DSR_SHOWN = ("sharpe_annualized", "expected_max_sharpe_annualized", "trial_sharpe_variance_annualized", "skew",
             "kurtosis", "periods_per_year")  # fmt: skip


def _plain(value):
    if isinstance(value, float) and np.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def periods_per_year(index: pd.DatetimeIndex) -> float:
    """Observed rows per calendar year of ``index``: how the run annualized its ratios."""
    years = (index[-1] - index[0]).days / 365.25
    return (len(index) - 1) / years if years > 0 else 252.0


def sweep_grid(sweep: pd.DataFrame) -> tuple[pd.DataFrame, str, str | None, bool] | None:
    """Portfolio Sharpe by the two most varied parameters: rows are the second parameter's values, columns
    the first's, both in the order none, numbers, words; the best over the others if more vary (then the
    last item is True). None if no parameter varies."""
    portfolio = sweep[sweep["scope"] == PORTFOLIO]
    shown = portfolio[sweep_parameters(sweep)].map(parameter) if len(portfolio) else portfolio
    varied = sorted((p for p in shown if shown[p].nunique() > 1), key=lambda p: -shown[p].nunique())
    if not varied:
        return None
    x, y = varied[0], (varied[1] if len(varied) > 1 else None)
    frame = shown.assign(sharpe=portfolio["sharpe"], **({} if y else {"_": ""}))
    grid = frame.groupby([y or "_", x])["sharpe"].max().unstack(x)
    grid = grid.reindex(index=sorted(grid.index, key=_value_order), columns=sorted(grid.columns, key=_value_order))
    return grid, x, y, len(varied) > 2


def sweep_table(sweep: pd.DataFrame, rows: int = 15) -> Table:
    """The ``rows`` best combinations by portfolio Sharpe (highest first) as a sortable table.

    Parameter values are shown as :func:`parameter` writes them, beside the portfolio's return, Sharpe, max
    drawdown, trades and time invested.
    """
    params = sweep_parameters(sweep)
    portfolio = sweep[sweep["scope"] == PORTFOLIO].sort_values("sharpe", ascending=False).head(rows)
    portfolio = portfolio.assign(**{p: portfolio[p].map(parameter) for p in params})
    columns = (
        "".join(f"{p}:{p}:id\n" for p in params)
        + """total_return:return:signed
        sharpe:Sharpe:number
        max_drawdown:max DD:signed
        trades:trades:count
        time_invested:time invested:share"""
    )
    return _table(portfolio, columns, sortable=True, missing=RATIO_MISSING)


# ---------------------------------------------------------------------------------------------
# An event study


def car_paths(abnormal_returns: pd.DataFrame) -> pd.DataFrame:
    """Mean CAR (cumulated from the first relative day) by event type and relative day, with a 95% band."""
    frame = abnormal_returns.sort_values("rel_day", kind="stable")
    frame = frame.assign(cum=frame.groupby(["event_id", "ticker"])["ar"].cumsum())
    paths = frame.groupby(["event_type", "rel_day"])["cum"].agg(["mean", "std", "count"]).reset_index()
    half = 1.96 * paths["std"] / np.sqrt(paths["count"])
    return paths.assign(low=paths["mean"] - half, high=paths["mean"] + half)


def study_numbers(car: pd.DataFrame, tests: pd.DataFrame) -> dict[str, Any]:
    """A study's headline numbers for summary.json: ``pairs`` (event-asset pairs), ``mean_car`` keyed
    ``"<type> <start>:<end>"`` and ``tests_all``, the ``all`` group's tests keyed ``"<window> <statistic>"``
    (value and p-value, and the ``note`` of a test kept for reference: why it over-rejects, with its measured size).
    """
    mean_car = car.groupby(["event_type", "window_start", "window_end"])["car"].mean()
    notes = tests["note"].fillna("").astype(str) if "note" in tests else pd.Series("", index=tests.index)
    return {
        "pairs": int(car.groupby(["event_id", "ticker"]).ngroups),
        "mean_car": {f"{kind} {a}:{b}": _float(value) for (kind, a, b), value in mean_car.items()},
        "tests_all": {
            f"{r.window} {r.statistic}": {"value": _float(r.value), "p_value": _float(r.p_value)}
            | ({"note": note} if note else {})
            for r, note in zip(tests[tests["group"] == "all"].itertuples(), notes[tests["group"] == "all"])
        },
    }


def _mean_car(car: pd.DataFrame | None, group: str, window: str) -> float | None:
    """The mean CAR of a tests row's pairs (``all``, ``type=<event type>``, ``asset_group=<group>``) over its
    window, from car.csv (None when car.csv has no such pairs)."""
    if car is None:
        return None
    start, _, end = str(window).partition(":")
    try:
        rows = car[(car["window_start"] == int(start)) & (car["window_end"] == int(end))]
    except ValueError:
        return None
    kind, _, value = str(group).partition("=")
    if kind == "type":
        rows = rows[rows["event_type"] == value]
    elif kind == "asset_group" and "group" in rows:
        rows = rows[rows["group"] == value]
    elif group != "all":
        return None
    return _float(rows["car"].mean()) if len(rows) else None


#: What an en dash means in the study's tests table.
STUDY_MISSING = (
    "not computed: too few event-asset pairs or clusters in this group and window for the test (or, under mean "
    "CAR, no pairs in car.csv)"
)


def study_table(tests: pd.DataFrame, car: pd.DataFrame | None = None) -> Table:
    """One row per (group, window): the mean CAR of its pairs (from ``car``, car.csv) beside one column per
    statistic of tests.csv (value and p-value). The headline statistics (no ``note``) come first; a statistic
    kept for reference carries its note (why it over-rejects, with its measured size) as a third element (its
    p-value is never bold) and the note once for its column (``column_notes``), under the table."""
    notes = tests["note"].fillna("").astype(str) if "note" in tests else pd.Series("", index=tests.index)
    noted = set(tests.loc[notes != "", "statistic"])
    statistics = list(tests["statistic"].drop_duplicates())
    statistics = [s for s in statistics if s not in noted] + [s for s in statistics if s in noted]
    keys = ["group", "window", "n", "clusters"] if "clusters" in tests else ["group", "window", "n"]
    shown_keys = [*keys, "mean CAR"] if car is not None else keys
    rows = []
    for key, part in tests.assign(note=notes).groupby(keys, sort=False, dropna=False):
        values = part.set_index("statistic")
        record = dict(zip(keys, key))
        if car is not None:
            record["mean CAR"] = _mean_car(car, record["group"], record["window"])
        for statistic in statistics:
            if statistic not in values.index:  # not computed for this group and window: a dash
                record[statistic] = None
                continue
            cell = (values.at[statistic, "value"], values.at[statistic, "p_value"], values.at[statistic, "note"])
            record[statistic] = cell if cell[2] else cell[:2]
        rows.append(record)
    kinds = {"group": "id", "window": "id", "n": "count", "clusters": "count", "mean CAR": "signed"}
    kinds |= dict.fromkeys(statistics, "stat")
    column_notes = {s: str(notes[tests["statistic"] == s].iloc[0]) for s in statistics if s in noted}
    return Table(pd.DataFrame(rows, columns=[*shown_keys, *statistics]), kinds, missing=STUDY_MISSING,
                 column_notes=column_notes)  # fmt: skip
