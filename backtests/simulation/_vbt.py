"""The one vectorbt adapter: every argument is passed explicitly, no global settings are read.

vectorbt (and numba) are imported lazily inside these functions, so importing ``backtests``
or building signals never pays for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from signals.errors import ParameterError
from strategies import StrategySignals, plan_frame

from ._costs import ColumnTerms, Costs, order_fees, same_orders

__all__ = [
    "ENGINES",
    "Costs",
    "Simulation",
    "buy_and_hold",
    "simulate",
]

#: Simulators of signal-style templates: reelab's event-window kernel (the default) and vectorbt's own.
ENGINES = ("events", "vectorbt")
#: The desk model's fees depend on each order's side and session, known once the orders are: a simulation is
#: rerun with the fees of the previous one's orders until its orders stay the same (twice, unless a lot or a
#: fee changed whether an order could fill).
MAX_PASSES = 6


@dataclass(frozen=True)
class Simulation:
    """The orders of a simulation, its vectorbt Portfolio, and what reelab's signal function recorded.

    ``orders`` are vectorbt's order records; ``portfolio`` (a ``vectorbt.Portfolio`` of those
    orders) is built on first use, so a sweep that needs only the orders never pays for it.
    ``marks`` (sessions x order columns, bits of :mod:`backtests.simulation._signal_nb`: time exit, signal
    exit, roll, wait at a limit) and ``deferred`` (2 x order columns: buys, sells that waited at a
    limit) are None for target-weight runs, which do not use the signal function. ``observed``
    (sessions x price columns) marks where each traded price is real.
    """

    orders: np.ndarray
    make_portfolio: Callable[[], Any] = field(repr=False, compare=False)
    marks: np.ndarray | None = None
    deferred: np.ndarray | None = None
    observed: np.ndarray | None = None

    @cached_property
    def portfolio(self) -> Any:  # vectorbt.Portfolio (vectorbt ships no type information)
        """The vectorbt Portfolio of :attr:`orders` (every vectorbt stat and plot works on it)."""
        return self.make_portfolio()


def _flags(frame: pd.DataFrame | np.ndarray) -> np.ndarray:
    # One memory layout for every call: vectorbt's simulator is compiled per argument type
    # (and not cached on disk), so mixed layouts would each cost a fresh numba compile.
    values = frame.to_numpy(dtype=bool) if isinstance(frame, pd.DataFrame) else np.asarray(frame, dtype=bool)
    return np.asfortranarray(values)  # column-major: what the simulators walk (no copy when it already is)


def _per_column(value, columns: int, dtype=float) -> np.ndarray:
    """A scalar, None (NaN) or per-column array as one value per column."""
    value = np.nan if value is None else value
    return np.ascontiguousarray(np.broadcast_to(np.asarray(value, dtype=dtype).reshape(-1), (columns,)))


def _order_close(filled: pd.DataFrame, price_col: np.ndarray, columns: pd.Index) -> pd.DataFrame:
    """The forward-filled prices laid out like the order columns (vectorbt's ``close``)."""
    if len(columns) == filled.shape[1] and (price_col == np.arange(len(price_col))).all():
        return filled
    return pd.DataFrame(np.asfortranarray(filled.to_numpy()[:, price_col]), index=filled.index, columns=columns)


def simulate(
    close: pd.DataFrame,
    signals: StrategySignals,
    costs: Costs,
    filled: bool = False,
    observed: np.ndarray | None = None,
    locks: tuple[pd.DataFrame | np.ndarray, pd.DataFrame | np.ndarray] | None = None,
    engine: str = "events",
    price_columns: np.ndarray | None = None,
) -> Simulation:
    """Run ``signals`` with reelab's event-window engine, or with vectorbt.

    Signal style: each traded column has its own cash (``init_cash`` each) unless the template
    groups columns to share cash (``signals.group_by`` with ``cash_sharing``, e.g. option contracts
    on one underlying). Entries, the template's exits and the time stop go through reelab's signal
    function (:func:`backtests.simulation._signal_nb.event_window_signal_nb`); ``locks`` (buy_locked,
    sell_locked; see :func:`strategies.market_locks`) make orders wait at A-share daily limits.
    Target style (``signals.target_weights``): all assets share one pool of ``init_cash`` per asset
    and are rebalanced to the weights where given.

    Prices are forward-filled only to value positions on days a column's exchange is closed
    (``filled=True``: the caller did it and passes ``observed``, the mask of real prices); orders
    sit on the column's own sessions. ``price_columns`` (signal style) says which column of the
    traded prices each order column trades, so that a sweep's combinations share one copy of each
    price series, its ``observed`` mask and its locks; by default order column k trades price column k.

    ``engine`` simulates signal-style templates: ``"events"`` (default) is reelab's event-window
    kernel (:mod:`backtests.simulation._events_nb`), which gives vectorbt's orders while visiting only the
    sessions of holding windows; ``"vectorbt"`` runs ``Portfolio.from_signals`` itself (the
    reference). Target weights always run on vectorbt, and so does everything under the desk model or
    lots (:class:`Costs`): each order column pays its asset's terms (vectorbt's ``fees`` and
    ``size_granularity`` per column, and per order under the desk model: see :func:`_settled`).
    """
    if engine not in ENGINES:
        raise ParameterError("engine", engine, f"one of: {', '.join(ENGINES)}")

    traded = signals.close if signals.close is not None else close
    if observed is None:
        observed = traded.notna().to_numpy()
    common = dict(
        close=traded if filled else traded.ffill(),
        price=np.inf,  # fill at the close
        val_price=np.inf,
        fees=costs.fees,
        fixed_fees=0.0,
        slippage=costs.slippage,
        min_size=0.0,
        max_size=np.inf,
        size_granularity=np.nan,
        reject_prob=0.0,
        lock_cash=False,
        allow_partial=True,
        raise_reject=False,
        log=False,
        ffill_val_price=True,
        update_value=False,
        freq="1D",
        engine="numba",
    )
    columns = signals.columns
    price_col = np.arange(len(columns)) if price_columns is None else np.asarray(price_columns, dtype=np.int64)
    signal_col = np.arange(len(columns)) if signals.signal_col is None else np.asarray(signals.signal_col, np.int64)
    terms = None
    if costs.needs_terms:  # per-asset terms: vectorbt's simulator, which takes fees and lots per order
        names = [name[-1] if isinstance(name, tuple) else name for name in traded.columns[price_col]]
        terms = costs.column_terms(names)
        common["size_granularity"] = terms.lot[None, :]
        if costs.model == "desk":
            common["fees"] = terms.commission[None, :]
        engine = "vectorbt"
    if signals.target_weights is not None:
        import vectorbt as vbt

        prices = common["close"]
        common["close"] = _order_close(prices, price_col, columns)
        labels = signals.group_by if signals.group_by is not None else np.zeros(len(columns), dtype=int)
        _, per_group = np.unique(np.asarray(labels), return_counts=True)  # groups in sorted label order

        def rebalance(fees) -> Simulation:
            portfolio = vbt.Portfolio.from_orders(
                **common | {"fees": fees},
                size=signals.target_weights,
                size_type="targetpercent",
                direction="longonly",
                init_cash=costs.init_cash * per_group,
                cash_sharing=True,
                group_by=labels,
                call_seq="auto",  # sell before buying when rebalancing
            )
            return Simulation(portfolio.order_records, lambda: portfolio, observed=observed)

        return _settled(rebalance, common["fees"], costs, terms, prices, price_col)

    from ._signal_nb import state_arrays

    time_stop = np.nan_to_num(_per_column(signals.time_stop, len(columns))).astype(np.int64)
    if locks is None:
        buy_locked = sell_locked = np.zeros(traded.shape, dtype=bool)
    else:
        buy_locked, sell_locked = (frame.reindex(index=traded.index, columns=traded.columns, fill_value=False)
                                   if isinstance(frame, pd.DataFrame) else frame for frame in locks)  # fmt: skip
    flags = [_flags(frame) for frame in (signals.entries, signals.exits, signals.short_entries, signals.short_exits)]
    masks = [_flags(mask) for mask in (observed, buy_locked, sell_locked)]
    arrays = (*flags, time_stop, *masks, price_col, signal_col)
    shape = (len(traded), len(columns))
    if engine == "events":
        return _events(common, signals, costs, arrays, state_arrays(shape)["marks"], observed)

    def signal_run(fees) -> Simulation:  # fresh signal-function state for every simulation
        return _vectorbt(common | {"fees": fees}, signals, costs, arrays, state_arrays(shape), observed)

    return _settled(signal_run, common["fees"], costs, terms, common["close"], price_col)


def _settled(
    run: Callable[[Any], Simulation], fees: Any, costs: Costs, terms: ColumnTerms | None, prices: pd.DataFrame,
    price_col: np.ndarray,
) -> Simulation:  # fmt: skip
    """``run`` with ``fees``, or, under the desk model, with each order's own fee rate.

    A desk fee depends on the order's side (stamp duty on sells), session (the duty's schedule) and,
    for a cover, on the closes since its short opened: it is known once the orders are. So the
    simulation runs with commissions alone, then with the fees of its orders, until its orders
    (column, session, side) are the orders whose fees it was given. Fees move cash, hence sizes, but
    a signal-style order's session and side follow from signals, stops and locks: the second run
    settles unless a fee decided whether an order could fill (a lot no longer affordable).
    """
    simulation = run(fees)
    if terms is None or costs.model != "desk":
        return simulation
    values = np.asarray(prices.to_numpy(dtype=float))
    for _ in range(MAX_PASSES):
        rates = order_fees(simulation.orders, values, prices.index, price_col, terms, costs.slippage)
        again = run(rates)
        if same_orders(simulation.orders, again.orders):
            return again
        simulation = again
    raise RuntimeError(f"the desk costs' orders did not settle in {MAX_PASSES} simulations")


def _vectorbt(common: dict, signals: StrategySignals, costs: Costs, arrays: tuple, state: dict, observed) -> Simulation:
    """vectorbt's ``from_signals`` with reelab's signal function: the reference engine."""
    import vectorbt as vbt

    from ._signal_nb import event_window_signal_nb

    def stop(value):
        return np.nan if value is None else value if isinstance(value, np.ndarray) else float(value)

    def used(value) -> bool:
        return value is not None and bool(np.isfinite(value).any())

    portfolio = vbt.Portfolio.from_signals(
        **common | {"close": _order_close(common["close"], arrays[-2], signals.columns)},
        signal_func_nb=event_window_signal_nb,
        signal_args=(*arrays, *state.values()),
        size=signals.size,
        size_type="percent",
        accumulate=False,
        upon_long_conflict="exit",
        upon_short_conflict="exit",
        upon_dir_conflict="ignore",
        upon_opposite_entry="close",  # the signal function closes instead of reversing (see there)
        sl_stop=stop(signals.sl_stop),
        sl_trail=signals.sl_trail,
        tp_stop=stop(signals.tp_stop),
        stop_entry_price="close",
        stop_exit_price="close",  # closes only: a stop is seen, and filled, at the close
        upon_stop_exit="close",
        upon_stop_update="override",
        use_stops=used(signals.sl_stop) or used(signals.tp_stop),
        init_cash=costs.init_cash,
        cash_sharing=signals.cash_sharing,
        call_seq="default",
        group_by=signals.group_by,
    )
    return Simulation(portfolio.order_records, lambda: portfolio, state["marks"], state["deferred"], observed)


def _events(common: dict, signals: StrategySignals, costs: Costs, arrays: tuple, marks, observed) -> Simulation:
    """The event-window kernel on what :func:`simulate` prepared; the Portfolio is built when asked for."""
    from ._events_nb import simulate_events

    columns = signals.columns
    n_columns = len(columns)
    group_lens = np.ones(n_columns, dtype=np.int64)
    if signals.cash_sharing and signals.group_by is not None:
        codes = pd.factorize(pd.Index(signals.group_by))[0]  # numbered in order of appearance
        if (np.diff(codes) < 0).any():
            raise ValueError("the columns of a cash group must be side by side")
        group_lens = np.bincount(codes).astype(np.int64)
    init_cash = np.full(len(group_lens), float(costs.init_cash))
    values = np.asfortranarray(common["close"].to_numpy(dtype=float))
    arguments = (
        values, *arrays, group_lens.astype(np.int64), init_cash,
        _per_column(signals.size, n_columns), _per_column(signals.sl_stop, n_columns),
        _per_column(signals.sl_trail, n_columns, bool), _per_column(signals.tp_stop, n_columns),
        _per_column(costs.fees, n_columns), _per_column(costs.slippage, n_columns), marks,
    )  # fmt: skip
    records, deferred = simulate_events(*arguments)

    def portfolio():
        import vectorbt as vbt
        from vectorbt.base.array_wrapper import ArrayWrapper
        from vectorbt.portfolio.enums import log_dt

        close = _order_close(common["close"], arrays[-2], columns)
        wrapper = ArrayWrapper.from_obj(close, freq=common["freq"], group_by=signals.group_by)
        logs = np.empty(0, dtype=log_dt)
        return vbt.Portfolio(wrapper, close, records, logs, init_cash, signals.cash_sharing, call_seq=None)

    return Simulation(records, portfolio, marks, deferred, observed)


def buy_and_hold(close: pd.DataFrame, costs: Costs):
    """The benchmark: buy each asset at its first price and hold it, with the same costs.

    One sleeve per asset with its own ``init_cash`` (the strategy's sleeves); the run forms their
    portfolio with :func:`portfolio_index`, as it forms the strategy's.
    """
    first = close.notna() & close.ffill().shift().isna()
    nothing = pd.DataFrame(False, index=close.index, columns=close.columns)
    holding = StrategySignals(first, nothing, nothing, nothing, None, None, plan_frame())
    return simulate(close, holding, costs).portfolio
