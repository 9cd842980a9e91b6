"""What orders cost (:class:`Costs`): one flat fee, or a desk's costs per asset (board lots, commission,
stamp duty on sells, borrow on shorts).

The universe gives each asset its trading terms (:data:`signals._universe.TERMS`, defaults per exchange);
``--terms KEY:FIELD=VALUE`` overrides them for a ticker or a whole exchange. :func:`order_fees` turns the
order records of a simulation into each order's fee rate under the ``desk`` model, as vectorbt charges
fees (a fraction of the order's value at its fill price, slippage included):

* every order pays its asset's ``commission``;
* a sell (closing a long or opening a short) pays the stamp duty of its session
  (:func:`signals._universe.stamp_duty_rates`);
* the order that covers a short pays the borrow fee accrued while the short was held: ``borrow_fee`` a
  year (actual/365) on the short's value at each close, for the calendar days to the next session.

Pure numpy and pandas: no vectorbt here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from signals._universe import EXCHANGE_TERMS, STAMP_DUTIES, TERMS, parse_term, stamp_duty_rates
from signals.errors import ParameterError

__all__ = [
    "COST_MODELS",
    "AssetTerms",
    "ColumnTerms",
    "Costs",
    "apply_overrides",
    "order_fees",
    "parse_override",
    "same_orders",
    "terms_of",
]

#: ``flat``: every order pays ``fees`` (the same for every asset; no stamp duty, no borrow). ``desk``: each
#: asset its commission, stamp duty on A-share sells, borrow on shorts (see the module's docstring).
COST_MODELS = ("flat", "desk")
SELL = 1  # vectorbt's OrderSide.Sell
DAYS_PER_YEAR = 365.0
#: Where China's stamp duty schedule comes from (config.json and the README cite it).
STAMP_DUTY_SOURCE = (
    "Ministry of Finance and State Taxation Administration, Announcement [2023] No. 39 on halving the securities "
    "transaction stamp duty: announced 2023-08-27, effective 2023-08-28 (0.1% to 0.05% of a sell's value)"
)


class AssetTerms(NamedTuple):
    """One asset's trading terms, as a run used them (config.json records them)."""

    ticker: str
    exchange: str
    lot_size: int
    commission: float
    stamp_duty: str
    shortable: bool
    borrow_fee: float


def parse_override(text: str) -> tuple[str, str, object]:
    """``KEY:FIELD=VALUE`` (KEY a ticker or an exchange code, FIELD a trading term) as (key, field, value).

    >>> parse_override("XSHG:commission=0.0002"), parse_override("600111:shortable=yes")
    (('XSHG', 'commission', 0.0002), ('600111', 'shortable', True))
    """
    key, colon, rest = str(text).partition(":")
    name, equals, value = rest.partition("=")
    if not (colon and equals and key.strip() and name.strip()):
        raise ParameterError(
            "terms", text, f"KEY:FIELD=VALUE, KEY a ticker or an exchange, FIELD one of {', '.join(TERMS)}"
        )
    try:
        parsed = parse_term(name.strip(), value)
    except ValueError as error:
        raise ParameterError("terms", text, str(error)) from None
    return key.strip(), name.strip(), parsed


def apply_overrides(universe: pd.DataFrame, overrides: Iterable[str]) -> pd.DataFrame:
    """``universe`` with its trading terms overridden, in order: an exchange's first, then a ticker's.

    Raises :class:`~signals.errors.ParameterError` for a key that is neither a ticker of the universe
    nor an exchange code.
    """
    parsed = [parse_override(text) for text in overrides]
    if not parsed:
        return universe
    universe = universe.copy()
    for column in TERMS:  # a universe built in Python may lack them: the exchange's defaults
        if column not in universe.columns:
            universe[column] = [EXCHANGE_TERMS[code][column] for code in universe["exchange"]]
    for key, name, value in sorted(parsed, key=lambda item: item[0] in universe.index):  # exchanges first
        if key in universe.index:
            universe.loc[key, name] = value
        elif key in EXCHANGE_TERMS:
            universe.loc[universe["exchange"] == key, name] = value
        else:
            raise ParameterError(
                "terms", f"{key}:{name}", f"a ticker of the universe or an exchange ({', '.join(EXCHANGE_TERMS)})"
            )
    return universe


def terms_of(universe: pd.DataFrame) -> tuple[AssetTerms, ...]:
    """Every asset's terms, from the universe's columns (an exchange's defaults where a column is missing)."""
    rows = []
    for ticker, row in universe.iterrows():
        defaults = EXCHANGE_TERMS[str(row["exchange"])]
        value: dict[str, Any] = {name: row[name] if name in row.index else defaults[name] for name in TERMS}
        rows.append(AssetTerms(
            str(ticker), str(row["exchange"]), int(value["lot_size"]), float(value["commission"]),
            str(value["stamp_duty"]), bool(value["shortable"]), float(value["borrow_fee"]),
        ))  # fmt: skip
    return tuple(rows)


class ColumnTerms(NamedTuple):
    """Trading terms laid out per order column (a synthetic asset, such as an option contract, has none:
    it pays the flat fee and is never rounded)."""

    lot: np.ndarray  # shares per lot, NaN: not rounded
    commission: np.ndarray
    stamp_duty: np.ndarray  # schedule names
    borrow_fee: np.ndarray

    @classmethod
    def of(cls, names: Sequence[str], table: Mapping[str, AssetTerms], flat_fee: float, lots: bool) -> ColumnTerms:
        known = [table.get(str(name)) for name in names]
        return cls(
            np.array([t.lot_size if t is not None and lots else np.nan for t in known], dtype=float),
            np.array([t.commission if t is not None else flat_fee for t in known], dtype=float),
            np.array([t.stamp_duty if t is not None else "none" for t in known], dtype=object),
            np.array([t.borrow_fee if t is not None else 0.0 for t in known], dtype=float),
        )


@dataclass(frozen=True)
class Costs:
    """What orders cost, and starting cash per asset.

    ``model="flat"`` (the default): every order pays ``fees`` and ``slippage``, fractions of its value.
    ``model="desk"``: each asset pays its own trading terms (the universe's ``commission``, stamp duty on
    A-share sells by session, ``borrow_fee`` on shorts: see :mod:`backtests.simulation._costs`) plus
    ``slippage``; ``fees`` is then only what a synthetic asset (an option contract) pays. ``lots``: every
    order is rounded down to whole board lots of its asset (``lot_size``: 100 in Shanghai and Shenzhen, 1
    elsewhere), the cash left over stays in the sleeve. ``overrides`` change trading terms,
    ``KEY:FIELD=VALUE`` (KEY a ticker or an exchange), e.g. ``XSHG:commission=0.0002``.

    The desk model and lots need each asset's terms: :meth:`resolved` reads them from a universe
    (``ops.run`` and ``ops.positions`` do it with the data's universe). Both run on vectorbt's simulator
    whatever engine is asked for: the event engine takes one fee per column and no lots.
    """

    fees: float = 0.001
    slippage: float = 0.001
    init_cash: float = 100_000.0
    model: str = "flat"
    lots: bool = False
    overrides: tuple[str, ...] = ()
    #: Each asset's terms, read by :meth:`resolved` (None: not yet read; not part of what the costs *are*).
    table: tuple[AssetTerms, ...] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("fees", "slippage"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 <= value < 0.1):
                raise ParameterError(name, value, "a fraction in [0, 0.1), e.g. 0.001 for 10 bp")
        if not (isinstance(self.init_cash, (int, float)) and self.init_cash > 0):
            raise ParameterError("init_cash", self.init_cash, "a positive amount")
        if self.model not in COST_MODELS:
            raise ParameterError("costs", self.model, f"one of: {', '.join(COST_MODELS)}")
        if not isinstance(self.lots, bool):
            raise ParameterError("lots", self.lots, "True or False")
        overrides = (self.overrides,) if isinstance(self.overrides, str) else tuple(self.overrides)
        for text in overrides:
            parse_override(text)  # raises, naming the bad one
        object.__setattr__(self, "overrides", tuple(str(text) for text in overrides))

    @property
    def needs_terms(self) -> bool:
        """Whether these costs read each asset's trading terms (the desk model, or lots)."""
        return self.model == "desk" or self.lots

    def resolved(self, universe: pd.DataFrame) -> Costs:
        """These costs with every asset's trading terms read from ``universe`` (its overrides applied)."""
        return replace(self, table=terms_of(apply_overrides(universe, self.overrides)))

    def column_terms(self, names: Sequence[str]) -> ColumnTerms:
        """The terms of each order column (named by the asset it trades)."""
        if self.table is None:
            raise ParameterError(
                "costs", f"model={self.model}, lots={self.lots}",
                "costs resolved against a universe first: costs.resolved(data.universe) (ops.run and "
                "ops.positions do it; a sweep, placebo or walk-forward spec needs it done)",
            )  # fmt: skip
        return ColumnTerms.of(names, {terms.ticker: terms for terms in self.table}, self.fees, self.lots)

    def describe(self, tickers: Iterable[str] = ()) -> dict[str, Any]:
        """What config.json records: the model, lots, overrides and, when resolved, each ticker's terms."""
        record: dict[str, Any] = {
            "model": self.model, "lots": self.lots, "overrides": list(self.overrides), "slippage": self.slippage,
            "fees": self.fees, "init_cash": self.init_cash,
        }  # fmt: skip
        if self.model == "desk":
            record["fees_paid_by"] = "synthetic assets only (option contracts): each asset pays its commission"
            record["stamp_duty"] = {name: [{"from": start, "rate": rate} for start, rate in steps]
                                    for name, steps in STAMP_DUTIES.items() if steps}  # fmt: skip
            record["stamp_duty_source"] = STAMP_DUTY_SOURCE
        if self.table is not None:
            wanted = set(map(str, tickers))
            record["assets"] = {terms.ticker: {k: v for k, v in terms._asdict().items() if k != "ticker"}
                                for terms in self.table if terms.ticker in wanted}  # fmt: skip
        record["simulated_by"] = "vectorbt" if self.needs_terms else "the run's engine"
        return record


def order_fees(
    orders: np.ndarray, close: np.ndarray, sessions: pd.DatetimeIndex, price_col: np.ndarray, terms: ColumnTerms,
    slippage: float,
) -> np.ndarray:  # fmt: skip
    """Each (session, order column)'s fee rate under the ``desk`` model, given the orders of a simulation.

    ``orders`` are vectorbt order records; ``close`` (sessions x price columns, forward-filled) is what
    order column ``col`` fills at (``close[:, price_col[col]]``). Cells without an order pay their
    column's commission (no order reads them). The rate of an order depends only on its own session,
    side and, for a cover, on the closes since its short opened: never on a later price.
    """
    rates = np.empty((len(sessions), len(price_col)))  # C order, like the commissions: one vectorbt compile
    rates[:] = terms.commission[None, :]
    if not len(orders):
        return rates
    orders = orders[np.lexsort((orders["idx"], orders["col"]))]
    col, idx, size = orders["col"], orders["idx"], orders["size"]
    sell = orders["side"] == SELL
    signed = np.where(sell, -size, size)
    after = np.zeros(len(orders))
    for start, stop in _runs(col):  # each column's position after each of its orders
        after[start:stop] = np.cumsum(signed[start:stop])
    before = after - signed
    tolerance = 1e-9 * np.maximum(size, 1.0)
    for schedule in set(terms.stamp_duty[col[sell]]) - {"none"}:  # stamp duty on sells
        pick = sell & (terms.stamp_duty[col] == schedule)
        rates[idx[pick], col[pick]] += stamp_duty_rates(str(schedule), sessions[idx[pick]])
    covers = ~sell & (before < -tolerance)
    if covers.any():
        opened = np.where(np.abs(before) <= tolerance, np.arange(len(orders)), -1)
        opened = np.maximum.accumulate(opened)  # each order's opening order (a column starts flat)
        gaps = np.zeros(len(sessions))
        gaps[:-1] = np.diff(sessions.to_numpy()).astype("timedelta64[D]").astype(float) / DAYS_PER_YEAR
        for price in np.unique(price_col[col[covers]]):
            value = np.nan_to_num(close[:, price])
            accrued = np.concatenate([[0.0], np.cumsum(value * gaps)])  # accrued[r]: sum over sessions before r
            pick = covers & (price_col[col] == price)
            entry, exit_ = idx[opened[pick]], idx[pick]
            per_unit = accrued[exit_] - accrued[entry]  # a year's fee per unit of borrow, over the hold
            rates[exit_, col[pick]] += terms.borrow_fee[col[pick]] * per_unit / (close[exit_, price] * (1 + slippage))
    return rates


def _runs(codes: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of equal values in sorted ``codes``."""
    bounds = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True]) if len(codes) else np.zeros(1, int)
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))


def same_orders(first: np.ndarray, second: np.ndarray) -> bool:
    """Whether two simulations placed their orders on the same (column, session, side)s."""
    if len(first) != len(second):
        return False
    one, two = (np.sort(records["col"].astype(np.int64) * 4 * (1 << 32) + records["idx"].astype(np.int64) * 4
                        + records["side"].astype(np.int64)) for records in (first, second))  # fmt: skip
    return bool(np.array_equal(one, two))
