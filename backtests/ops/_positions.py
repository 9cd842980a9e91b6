"""Today's positions: what a template holds after the close of ``asof``, and its orders for the next session.

The positions come from the same backtest as research, run on what was knowable at ``asof``:
prices through ``asof`` and the events (and revisions) known by the end of that day in UTC,
which is after every exchange of the universe opened on ``asof``. So ``positions(asof=t)`` holds
exactly what the full backtest held after the close of ``t`` (a property test checks every
template). For the next session each asset gets one placeholder row at its last close; the
simulation's change of holdings on that row is the order (entries and their events, time and
signal exits, rebalances). Exits at a stop or a target depend on the next session's prices and
are not predicted; the reason column says so for open positions that carry one.

Orders are whole board lots (``lot_size``: 100 shares in Shanghai and Shenzhen, 1 elsewhere): the
positions are the backtest with ``lots`` on (:class:`backtests.Costs`), so each order is rounded down
to whole lots inside the simulation, and ``cash_left`` is the sleeve's cash after its order.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from signals import calendar_record, exchange_sessions, package_versions, publish_folder
from signals.dates import parse_day
from signals.errors import ParameterError, ReelabError
from strategies._base import NOT_SHORTABLE

from ..data import MarketData
from ..results import VERSIONED
from ..spec import RunSpec
from . import _display
from ._run import NothingTradedError, backtest, params_mapping, trading_terms

__all__ = ["COLUMNS", "PositionsResult", "StalePricesError", "run_positions"]

log = logging.getLogger("reelab.positions")


class StalePricesError(ReelabError):
    """Prices stop before ``asof`` for assets that ``strict`` positions may not leave out."""


#: One row per traded column (an asset, or an option contract on one, named ``<asset>|<leg>|<day>``).
#: ``lot_size`` is empty for a synthetic contract (not rounded); ``cash_left`` is the cash of the row's
#: sleeve after the next session's order, in its currency (a sleeve several rows share, an underlying's
#: contracts or a target-weight template's one pool, shows it on each of them).
COLUMNS = [
    "column", "currency", "position", "units", "last_close", "value", "next_session", "order", "order_units",
    "target_units", "lot_size", "cash_left", "reason",
]  # fmt: skip
#: Columns of units: written as whole numbers when they are (lots), else with six decimals.
UNITS = ("units", "order_units", "target_units")


@dataclass(frozen=True)
class PositionsResult:
    """Positions after the close of ``asof`` and the orders for each asset's next session."""

    frame: pd.DataFrame
    manifest: dict[str, Any] = field(repr=False)

    def summary(self) -> str:
        """One line per held position or order; 'flat' when there is neither."""
        active = self.frame[(self.frame["units"] != 0) | (self.frame["order"] != "none")]
        head = (f"positions of {self.manifest['template']} after the close of {self.manifest['asof']} "
                f"(events known by {self.manifest['events_known_by']})")  # fmt: skip
        if active.empty:
            return head + ": flat, no orders"
        lines = [head + ":"]
        shared = {
            name: cash
            for name, cash in self.manifest.get("cash_left", {}).items()
            if name not in set(self.frame["column"])
        }
        for row in active.itertuples():
            order = (
                ""
                if row.order == "none"
                else f"; next session {row.next_session}: {row.order} {_units(row.order_units)}"
            )
            own = not shared and not pd.isna(row.cash_left)
            cash = f", cash left {row.cash_left:,.2f} {row.currency}" if own else ""
            lines.append(
                f"  {row.column:<12} {row.position:<5} {_units(row.units):>12} units{order}{cash} ({row.reason})"
            )
        for name, cash in shared.items():  # a sleeve several columns share: said once
            lines.append(f"  cash left in the shared sleeve {name}: {cash:,.2f}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The positions table (:data:`COLUMNS`)."""
        return self.frame.copy()

    def plot(self):
        """A plotly Figure: each column's position value at its last close, and its order for the next session."""
        return _display.positions_figure(self.frame, _display.positions_title(self.manifest))

    def _repr_html_(self) -> str:
        return _display.positions_html(self)

    def files(self) -> dict[str, bytes]:
        """positions.csv and manifest.json as bytes: the same inputs give the same bytes."""
        text = io.StringIO()
        frame = self.frame.assign(**{name: self.frame[name].map(_units) for name in UNITS})
        frame.to_csv(text, index=False, float_format="%.6f", lineterminator="\n")
        manifest = json.dumps(self.manifest, indent=2, default=str) + "\n"
        return {"positions.csv": text.getvalue().encode(), "manifest.json": manifest.encode()}

    def save(self, folder: str | Path) -> Path:
        """Publish positions.csv and manifest.json together into ``folder`` (atomic; a rerun changes no byte)."""
        return publish_folder(folder, self.files())

    @classmethod
    def load(cls, folder: str | Path) -> PositionsResult:
        """A folder written by :meth:`save`."""
        folder = Path(folder)
        frame = pd.read_csv(folder / "positions.csv", dtype={"column": str}, keep_default_na=False)
        return cls(frame, json.loads((folder / "manifest.json").read_text()))


def _next_session(code: str, day: pd.Timestamp) -> pd.Timestamp:
    sessions = exchange_sessions(code, day + pd.Timedelta(days=14))
    return sessions[sessions.searchsorted(day, side="right")]


def run_positions(spec: RunSpec, data: MarketData, asof: str | pd.Timestamp, strict: bool = False) -> PositionsResult:
    """The positions of ``spec``'s template after the close of ``asof`` and its orders for the next session.

    Uses the prices through ``asof`` and the events known by midnight UTC after it. An asset whose
    prices stop before ``asof`` while its exchange traded is left out, named in a warning and in the
    manifest's ``excluded`` (the positions are then the backtest's on the current assets); with
    ``strict`` it raises :class:`StalePricesError`, as it does when no asset is current (run
    ``reelab prices update`` first). Raises :class:`~signals.errors.ParameterError` when ``asof``
    lies before the prices.

    Orders are whole lots: the spec runs with ``lots`` on (its costs otherwise as given), and its
    trading-term overrides apply (:func:`~backtests.ops._run.trading_terms`).
    """
    day = parse_day(asof, "asof")
    spec, data = trading_terms(replace(spec, costs=replace(spec.costs, lots=True)), data)
    close = data.close.loc[:day]
    if close.empty:
        raise ParameterError(
            "asof", f"{day:%Y-%m-%d}", f"a date on or after the prices start {data.close.index[0]:%Y-%m-%d}"
        )
    stale = _stale(close, data.universe, day)
    if stale and (strict or len(stale) == close.shape[1]):
        why = "--strict refuses stale prices" if strict else "no asset has current prices"
        raise StalePricesError(
            f"prices stop before {day:%Y-%m-%d} for {'; '.join(stale.values())} ({why}); run reelab prices update, "
            "or choose --tickers without them"
        )
    if stale:
        log.warning("excluded: %s", "; ".join(stale.values()))
        close = close.drop(columns=list(stale)).dropna(how="all")
        data = MarketData(data.calendar, data.universe, data.close.drop(columns=list(stale)), data.inputs,
                          prices=data.prices)  # fmt: skip
    cutoff = (day + pd.Timedelta(days=1)).tz_localize("UTC")
    universe = data.universe
    assets = [str(c) for c in close.columns]
    nexts = {a: _next_session(universe.at[a, "exchange"], day) for a in assets}
    extended = close.reindex(close.index.union(pd.DatetimeIndex(sorted(set(nexts.values())))))
    extended.index.name = close.index.name
    for asset, session in nexts.items():
        extended.loc[session, asset] = close[asset].ffill().iloc[-1]  # placeholder: the last close
    known = MarketData(data.calendar.asof(cutoff), universe, extended, data.inputs, prices=data.prices)
    try:
        result = backtest(spec, known)
    except NothingTradedError:  # e.g. no option written yet: flat everywhere
        manifest = manifest_base(spec, day, close, cutoff, known, data, stale, nexts)
        return _flat(spec, day, close, nexts, universe, manifest)
    assert result.signals is not None
    held = result.holdings
    traded = result.signals.close if result.signals.close is not None else extended
    labels = pd.Series(result.signals.group_by if result.signals.group_by is not None else traded.columns,
                       index=traded.columns)  # fmt: skip
    session_t = close.index[-1]
    lots = {terms.ticker: terms.lot_size for terms in result.spec.costs.table or ()} if result.spec else {}
    sleeves = _sleeves(result)
    left = result.cash.iloc[-1]  # each sleeve's cash after its next session's orders (the last placeholder row)
    rows = []
    for column in held.columns:
        asset = _asset(labels, column, nexts)
        session = nexts[asset]
        units, after = float(held.at[session_t, column]), float(held.at[session, column])
        price = float(traded[column].loc[:session_t].ffill().iloc[-1]) if traded[column].notna().any() else np.nan
        rows.append((
            str(column), str(universe.at[asset, "currency"]), _side(units), units, price, units * price,
            f"{session:%Y-%m-%d}", _order(units, after), after - units, after, lots.get(str(column)),
            float(left[sleeves[column]]), _reason(result, column, session, session_t, units, after),
        ))  # fmt: skip
    frame = pd.DataFrame(rows, columns=COLUMNS).astype({"lot_size": "Int64"})
    manifest = manifest_base(result.spec or spec, day, close, cutoff, known, data, stale, nexts)
    pool = result.signals.target_weights is not None and result.signals.group_by is None  # one pool: the portfolio
    manifest["cash_left"] = {"portfolio" if pool else str(sleeve): float(left[sleeve])
                             for sleeve in dict.fromkeys(sleeves.values())}  # fmt: skip
    return PositionsResult(frame, json.loads(json.dumps(manifest, default=str)))


def _asset(labels: pd.Series, column, nexts: dict) -> str:
    """The asset a traded column trades (an option contract's underlying)."""
    return str(labels[column]) if str(labels[column]) in nexts else str(column)


def _sleeves(result) -> dict:
    """Each traded column's sleeve, as ``result.cash`` names it: itself, or the cash group it shares (an
    underlying's option contracts; the one pool of a target-weight template)."""
    cash, signals = result.cash, result.signals
    groups = pd.Series(signals.group_by, index=signals.columns) if signals.group_by is not None else None
    return {column: column if column in cash.columns else groups[column] if groups is not None else cash.columns[0]
            for column in result.holdings.columns}  # fmt: skip


def _stale(close: pd.DataFrame, universe: pd.DataFrame, day: pd.Timestamp) -> dict[str, str]:
    """The assets without a close for every session their exchange held through ``day``, each with why.

    ``asof`` may be a day with no session (a weekend, a holiday): the positions are then those after
    the last session before it. An asset whose prices stop before ``asof`` while its exchange traded
    is stale.
    """
    stale = {}
    for asset in close.columns:
        last = close[asset].last_valid_index()
        if last is None:
            stale[str(asset)] = f"{asset} (no prices)"
            continue
        sessions = exchange_sessions(universe.at[asset, "exchange"], day)
        missing = sessions[(sessions > last) & (sessions <= day)]
        if len(missing):
            stale[str(asset)] = f"{asset} (prices end {last:%Y-%m-%d}, {len(missing)} session(s) missing)"
    return stale


def manifest_base(
    spec, day, close, cutoff, known: MarketData, data: MarketData, stale: dict[str, str], nexts: dict
) -> dict[str, Any]:
    """What positions.csv was computed from: the spec, the cut-off, the events used, the assets left out,
    the calendars (provisional sessions included), hashes and versions."""
    reach: dict[str, pd.Timestamp] = {}  # per exchange, the last day read: the latest next session
    for asset, session in nexts.items():
        code = data.universe.at[asset, "exchange"]
        reach[code] = max(reach.get(code, session), session)
    manifest = {
        "command": "positions",
        "template": spec.template,
        "asof": f"{day:%Y-%m-%d}",
        "last_session": f"{close.index[-1]:%Y-%m-%d}",
        "events_known_by": cutoff.isoformat(),
        "events_used": sorted({v.id for v in known.calendar.all_versions}),
        "excluded": list(stale.values()),
        "calendars": {code: calendar_record(code, day, reach[code]) for code in sorted(reach)},
        "params": params_mapping(spec.template, spec.resolved_params()),
        "spec": spec.to_dict(),
        "trading_costs": spec.costs.describe(nexts),
        "inputs": data.inputs,
        "versions": package_versions(VERSIONED),
    }
    return json.loads(json.dumps(manifest, default=str))


def _flat(spec, day, close, nexts, universe, manifest) -> PositionsResult:
    lots = {terms.ticker: terms.lot_size for terms in spec.costs.table or ()}
    rows = [
        (a, str(universe.at[a, "currency"]), "flat", 0.0, float(close[a].ffill().iloc[-1]), 0.0,
         f"{nexts[a]:%Y-%m-%d}", "none", 0.0, 0.0, lots.get(a), spec.costs.init_cash, "nothing traded by then")
        for a in nexts
    ]  # fmt: skip
    return PositionsResult(pd.DataFrame(rows, columns=COLUMNS).astype({"lot_size": "Int64"}), manifest)


def _units(value: float) -> str:
    """Units as text: a whole number as one (lots), else with six decimals (a synthetic contract)."""
    value = float(value)
    return f"{value:.0f}" if value.is_integer() else f"{value:.6f}"


def _side(units: float) -> str:
    return "long" if units > 0 else "short" if units < 0 else "flat"


def _order(before: float, after: float) -> str:
    if np.isclose(before, after, rtol=1e-9, atol=1e-9):
        return "none"
    if after > before:
        return "cover" if before < 0 and after <= 0 else "buy"
    return "sell" if before > 0 and after >= 0 else "short"


def _reason(result, column, session: pd.Timestamp, today: pd.Timestamp, before: float, after: float) -> str:
    """Why the position changes on the next session, or why it is held."""
    trades = result.trades[result.trades["asset"] == column] if len(result.trades) else result.trades
    if result.signals.target_weights is not None:
        if np.isclose(before, after, rtol=1e-9, atol=1e-9):
            return "held at the last rebalance's target weight"
        weight = result.signals.target_weights.at[session, column]
        return f"rebalance to target weight {weight:.4f}"
    parts = []
    opened = trades[trades["entry_session"] == session]
    for trade in opened.itertuples():
        parts.append(f"enter {trade.side} on events {trade.event_ids}")
    closed = trades[trades["exit_session"] == session]
    for trade in closed.itertuples():
        parts.append(f"exit {trade.side} ({trade.exit_reason})")
    events = result.events
    if len(events):  # a short the template would open, skipped: the asset is not shortable
        skipped = events[(events["asset"] == column) & (events["reason"] == NOT_SHORTABLE)
                         & (events["event_session"] > today) & (events["event_session"] <= session)]  # fmt: skip
        if len(skipped):
            parts.append(f"short skipped on events {';'.join(skipped['event_id'])}: not shortable")
    if parts:
        return "; ".join(parts)
    held = trades[(trades["entry_session"] <= today) & ~(trades["exit_session"] <= today)]
    if len(held) and before != 0:
        trade = held.iloc[-1]
        stops = " or at its stop/target (next session's prices decide)" if _has_stop(result.signals) else ""
        return f"held since {trade.entry_session:%Y-%m-%d} on events {trade.event_ids}; exits by its rule{stops}"
    return "no signal"


def _has_stop(signals) -> bool:
    return any(
        value is not None and not (np.ndim(value) == 0 and np.isnan(value))
        for value in (signals.sl_stop, signals.tp_stop)
    )
