"""Console tables in one style for run, sweep and study: percentages as percentages, counts as
integers, "none" for what is missing, windows in numeric order, each row's data span; times as
seconds, minutes or hours."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

__all__ = ["duration", "event_outcomes", "run_table", "study_tables", "sweep_table"]

NONE = "none"


def _shown(format_: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda value: NONE if value is None or pd.isna(value) else format_(value)


PERCENT = _shown("{:+.1%}".format)
SHARE = _shown("{:.0%}".format)
RATIO = _shown("{:.2f}".format)
COUNT = _shown(lambda value: f"{int(value)}")
P_VALUE = _shown("{:.3f}".format)


def duration(seconds: float) -> str:
    """A command's time in a header: ``4.8 s``, ``3 min 12 s`` or ``1 h 05 min``.

    >>> duration(4.83), duration(192.4), duration(3900)
    ('4.8 s', '3 min 12 s', '1 h 05 min')
    """
    if seconds < 59.95:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def run_table(result) -> str:
    """Strategy against buy-and-hold, per scope, with the sessions each scope spans."""
    table = result.summary()
    shown = pd.DataFrame(index=table.index)
    for metric, label in (("total_return", "return"), ("cagr", "CAGR"), ("max_drawdown", "maxDD")):
        shown[label] = table[f"{metric}:strategy"].map(PERCENT)
        shown[f"B&H {label}"] = table[f"{metric}:benchmark"].map(PERCENT)
    shown["Sharpe"] = table["sharpe:strategy"].map(RATIO)
    shown["B&H Sharpe"] = table["sharpe:benchmark"].map(RATIO)
    shown["trades"] = table["trades:strategy"].map(COUNT)
    shown["win"] = table["win_rate:strategy"].map(SHARE)
    shown["invested"] = table["time_invested:strategy"].map(SHARE)
    shown["span"] = [_span(result.close, scope) for scope in table.index]
    shown.index.name = None
    return shown.to_string()


def _span(close: pd.DataFrame, scope: str) -> str:
    """First and last session with a price: of the asset, or of any asset for the portfolio."""
    present = close[scope].notna() if scope in close else close.notna().any(axis=1)
    index = close.index[present.to_numpy()]
    return f"{index[0]:%Y-%m-%d}..{index[-1]:%Y-%m-%d}" if len(index) else NONE


def sweep_table(best: pd.DataFrame, parameters: Sequence[str]) -> str:
    """The best combinations: parameters as given, metrics in the run table's style."""
    formats = {"total_return": PERCENT, "cagr": PERCENT, "max_drawdown": PERCENT, "sharpe": RATIO,
               "sortino": RATIO, "trades": COUNT, "win_rate": SHARE, "time_invested": SHARE}  # fmt: skip
    shown = best.copy()
    for column in shown.columns:
        if column in formats:
            shown[column] = shown[column].map(formats[column])
        elif column in parameters:
            shown[column] = shown[column].map(lambda value: NONE if value is None or pd.isna(value) else value)
    return shown.to_string(index=False)


def study_tables(result) -> tuple[str, str]:
    """(mean CAR by event type and window, p-values of every test over all events), windows in numeric
    order, the headline tests first and each test kept for reference marked with its measured size."""
    from ..measures._group_tests import HEADLINE_TESTS, MEASURED_SIZE

    cars = result.summary()
    cars.columns = [f"{start}:{end}" for start, end in cars.columns]
    tests = result.tests[result.tests["group"] == "all"]
    p_values = tests.pivot(index="window", columns="statistic", values="p_value")
    order = sorted(p_values.index, key=lambda label: tuple(int(part) for part in label.split(":")))
    columns = [t for t in HEADLINE_TESTS if t in p_values] + [t for t in p_values if t not in HEADLINE_TESTS]
    shown = p_values.loc[order, columns].map(P_VALUE)
    shown.columns = [t if t in HEADLINE_TESTS or t not in MEASURED_SIZE else
                     f"{t} ({max(MEASURED_SIZE[t].values()):.0%})" for t in columns]  # fmt: skip
    return cars.map(PERCENT).to_string(), shown.to_string()


def event_outcomes(result) -> str:
    """One line on what the template did with the events: chosen, entered, renewed, closed, skipped (why)."""
    params = result.params
    text = ""
    if hasattr(params, "event_types") and hasattr(params, "min_severity"):
        events = list(result.calendar)
        chosen = [e for e in events if str(e.type) in params.event_types and e.severity >= params.min_severity]
        weak = sum(1 for e in events if str(e.type) in params.event_types and e.severity < params.min_severity)
        confounders = sum(1 for e in events if str(e.type) == "confounder" and "confounder" not in params.event_types)
        other = len(events) - len(chosen) - weak - confounders
        text = (f"events: {len(chosen)} of {len(events)} are of the traded types with severity >= "
                f"{params.min_severity} ({weak} below that severity, {other} of other types, {confounders} "
                "confounders); ")  # fmt: skip
    outcomes = result.events
    if outcomes.empty:
        return text + "no event reached a traded asset"
    counts = outcomes["outcome"].value_counts()
    text += "event-asset signals: " + ", ".join(f"{counts.get(k, 0)} {k}" for k in ("entered", "renewed", "closed"))
    skipped = outcomes.loc[outcomes["outcome"] == "skipped", "reason"].value_counts()
    text += f", {int(skipped.sum())} skipped"
    if len(skipped):
        text += " (" + ", ".join(f"{count} {reason}" for reason, count in skipped.items()) + ")"
    return text
