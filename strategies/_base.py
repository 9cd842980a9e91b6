"""What every template shares: the context it reads, the orders it returns, parameter checks."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from signals import (
    AFTER_CLOSE,
    CLOSE_MARGIN,
    Alignment,
    EventCalendar,
    EventType,
    SignalParams,
    align_events,
    build_signals,
)
from signals.errors import ExampleEventWarning, ParameterError

__all__ = [
    "PLAN_COLUMNS",
    "SKIPPED_COLUMNS",
    "EventPlan",
    "StrategyContext",
    "StrategySignals",
    "asset_exposure",
    "check_choice",
    "check_event_types",
    "check_fraction",
    "check_int",
    "check_tickers",
    "entry_cells",
    "event_orders",
    "in_universe",
    "plan_frame",
    "plan_signals",
    "shortable_columns",
    "skipped_frame",
    "warn_examples",
]


@dataclass
class StrategyContext:
    """The inputs a template reads: prices, universe, events aligned to each asset's sessions.

    ``close`` is sessions x assets (adjusted closes; NaN where an asset's exchange is closed).
    ``panel`` (built on first use) is the point-in-time signal panel on ``close``'s index.
    """

    calendar: EventCalendar
    universe: pd.DataFrame
    close: pd.DataFrame
    alignment: Alignment
    signal_params: SignalParams = field(default_factory=SignalParams)
    #: Memo of intermediate results shared by builds on this context (sweeps build many times).
    cache: dict = field(default_factory=dict, repr=False)

    def memo(self, key: tuple, compute):
        """``compute()`` once per ``key`` on this context; callers must not mutate the result."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    @cached_property
    def panel(self) -> pd.DataFrame:
        """The point-in-time signal panel of ``close``'s assets, from its first to its last session.

        Built by :func:`signals.build_signals` on first use (then cached) and reindexed to ``close``'s index.
        """
        panel = build_signals(
            self.calendar, self.universe, self.close.index[-1], tickers=self.close.columns,
            start=self.close.index[0], params=self.signal_params,
        )  # fmt: skip
        return panel.reindex(self.close.index)

    def observed(self, asset: str) -> pd.DatetimeIndex:
        """The sessions on which ``asset`` has a price."""
        return self.close.index[self.close[asset].notna().to_numpy()]


#: Columns of :attr:`StrategySignals.plan`: one row per entry signal.
PLAN_COLUMNS = ["asset", "entry_session", "side", "event_ids", "event_session"]
#: Columns of :attr:`StrategySignals.skipped`: events that gave no entry signal, and why.
SKIPPED_COLUMNS = ["event_id", "asset", "event_session", "reason"]


def plan_frame(rows: Iterable[tuple] = ()) -> pd.DataFrame:
    """The plan table (:data:`PLAN_COLUMNS`) with its dtypes, also when it is empty."""
    return _typed(rows, PLAN_COLUMNS, ("entry_session", "event_session"))


def skipped_frame(rows: Iterable[tuple] = ()) -> pd.DataFrame:
    """The skipped-events table (:data:`SKIPPED_COLUMNS`) with its dtypes, also when it is empty."""
    return _typed(rows, SKIPPED_COLUMNS, ("event_session",))


def _typed(rows: Iterable[tuple], columns: list[str], sessions: tuple[str, ...]) -> pd.DataFrame:
    rows = list(rows)
    values = list(zip(*rows)) if rows else [() for _ in columns]
    return pd.DataFrame({name: pd.array(list(column), dtype="datetime64[ns]" if name in sessions else "str")
                         for name, column in zip(columns, values, strict=True)})  # fmt: skip


@dataclass(frozen=True)
class StrategySignals:
    """vectorbt-ready orders of a template, aligned with the prices they trade.

    Signal style: boolean ``entries``/``short_entries`` and the template's own early exits
    ``exits``/``short_exits`` (momentum, window ends, option expiries). ``time_stop`` closes a
    position that many of its asset's own sessions after *its* entry; the simulator counts them, so
    a time exit always belongs to the trade it closes. Target style (``target_weights`` set): a
    float frame of target portfolio weights, NaN where nothing is to be traded; the assets then
    share one pool of cash.
    ``close`` is what is traded (the input prices, or synthetic series such as option premiums);
    ``plan`` has one row per entry signal with the events behind it (:data:`PLAN_COLUMNS`) and
    ``skipped`` one row per event that gave no signal, with the reason (:data:`SKIPPED_COLUMNS`).
    """

    entries: pd.DataFrame
    exits: pd.DataFrame
    short_entries: pd.DataFrame
    short_exits: pd.DataFrame
    sl_stop: float | np.ndarray | None  # arrays: one value per column, when a sweep stacks templates
    tp_stop: float | np.ndarray | None
    plan: pd.DataFrame
    sl_trail: bool | np.ndarray = False
    time_stop: int | np.ndarray | None = None
    close: pd.DataFrame | None = None
    target_weights: pd.DataFrame | None = None
    size: float | np.ndarray = 1.0  # fraction of available cash per entry (signal style)
    cash_sharing: bool = False
    group_by: object = None  # column -> group label when assets share cash (signal style)
    skipped: pd.DataFrame = field(default_factory=skipped_frame)
    #: A stack of combinations (a sweep) that share signal frames: the order columns, and for each the
    #: column of ``entries``/``exits``/... it reads (None: one order column per signal column).
    order_columns: pd.Index | None = None
    signal_col: np.ndarray | None = None

    @property
    def columns(self) -> pd.Index:
        """The order columns: one per simulated position (``entries``' columns unless stacked)."""
        return self.entries.columns if self.order_columns is None else self.order_columns


def empty_orders(close: pd.DataFrame) -> pd.DataFrame:
    """An all-False signal frame with ``close``'s index and columns."""
    return pd.DataFrame(False, index=close.index, columns=close.columns)


# ---- parameter checks: each names the parameter, echoes the value and states the valid range ----


def check_int(name: str, value, low: int, high: int, optional: bool = False) -> None:
    """Check that ``value`` is an integer in ``[low, high]`` (numpy integers pass, bools do not).

    With ``optional``, None passes too. Raises :class:`~signals.errors.ParameterError` otherwise.

    >>> check_int("horizon", 5, 1, 250)
    >>> check_int("horizon", 0, 1, 250)
    Traceback (most recent call last):
    ...
    signals.errors.ParameterError: parameter 'horizon' = 0 is invalid; expected an integer in 1..250
    """
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not low <= value <= high:
        raise ParameterError(name, value, f"{'None or ' if optional else ''}an integer in {low}..{high}")


def check_fraction(
    name: str, value, high: float = 1.0, optional: bool = True, low: float = 0.0, high_included: bool = False
) -> None:
    """Check that ``value`` is a number in ``(low, high)``, or ``(low, high]`` with ``high_included``.

    Only ``int`` and ``float`` (and their subclasses, such as ``numpy.float64``) count as numbers; bools
    do not. None passes when ``optional`` (the default). Raises :class:`~signals.errors.ParameterError`
    otherwise.

    >>> check_fraction("stop_loss", 0.05)
    >>> check_fraction("stop_loss", 1.0)
    Traceback (most recent call last):
    ...
    signals.errors.ParameterError: parameter 'stop_loss' = 1.0 is invalid; expected None or a number in (0, 1)
    """
    if optional and value is None:
        return
    inside = isinstance(value, int | float) and low < value and (value <= high if high_included else value < high)
    if isinstance(value, bool) or not inside:
        bracket = "]" if high_included else ")"
        raise ParameterError(name, value, f"{'None or ' if optional else ''}a number in ({low:g}, {high:g}{bracket}")


def check_choice(name: str, value, choices: Iterable) -> None:
    """Check that ``value`` is one of ``choices``; raises :class:`~signals.errors.ParameterError` otherwise."""
    choices = tuple(choices)
    if value not in choices:
        raise ParameterError(name, value, f"one of {', '.join(map(str, choices))}")


_TICKER = re.compile(r"[A-Z0-9][A-Z0-9.^-]*")


def check_tickers(name: str, value) -> tuple[str, ...]:
    """A non-empty tuple of ticker symbols (upper-case letters, digits, '.', '-', '^')."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # 600111 given as a number
    tickers = (value,) if isinstance(value, str) else tuple(value) if isinstance(value, list | tuple) else ()
    if not tickers:
        raise ParameterError(name, value, "a non-empty tuple of tickers like ('MP', 'LYC')")
    for ticker in tickers:
        if not isinstance(ticker, str) or not _TICKER.fullmatch(ticker):
            raise ParameterError(name, ticker, "ticker symbols like 'MP', '600111' or 'NEO.TO'")
    return tickers


def in_universe(name: str, tickers: Iterable[str], universe: pd.DataFrame) -> list[str]:
    """``tickers`` as a list, once each is known to be in ``universe``."""
    tickers = list(tickers)
    unknown = [ticker for ticker in tickers if ticker not in universe.index]
    if unknown:
        raise ParameterError(name, unknown[0], "tickers of the universe")
    return tickers


def check_event_types(name: str, value) -> tuple[str, ...]:
    """``value`` (one event-type name, or an iterable of them) as a tuple of event-type strings.

    Raises :class:`~signals.errors.ParameterError` for a name outside :class:`signals.EventType` or when
    there is none.

    >>> check_event_types("event_types", "quota_change")
    ('quota_change',)
    """
    if isinstance(value, str):
        types: tuple = (value,)
    elif isinstance(value, Iterable):
        types = tuple(value)
    else:
        raise ParameterError(name, value, "an event-type name or a list of them")
    valid = [str(kind) for kind in EventType]
    for kind in types:
        if kind not in valid:
            raise ParameterError(name, kind, f"event types from: {', '.join(valid)}")
    if not types:
        raise ParameterError(name, value, "at least one event type")
    return tuple(str(kind) for kind in types)


# ---- event-driven orders shared by event_drift, relative_value and permit_fade ----


#: Why a short is skipped when the template allows shorts but the asset may not be shorted.
NOT_SHORTABLE = "short side not allowed: not shortable (universe shortable=no)"


def shortable_columns(context: StrategyContext, allow_short: bool) -> bool | np.ndarray:
    """Where a template may open a short: nowhere without ``allow_short``; else on each column of the
    context's prices whose asset the universe marks ``shortable`` (A-shares are not, by default), as one
    flag per column (True when every column may be shorted)."""
    universe = context.universe
    if not allow_short or "shortable" not in universe.columns:
        return bool(allow_short)
    flags = np.array([bool(universe.at[c, "shortable"]) if c in universe.index else True for c in context.close])
    return True if flags.all() else flags


def event_orders(
    context: StrategyContext, plan: pd.DataFrame, allow_short: bool | np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Entry signals for planned (asset, session, side) rows; the time exit is the simulator's.

    ``plan`` has columns ``asset, session, sign, event_id``: ``sign`` > 0 long, < 0 short, 0 not
    traded (not an exposure of the template). Each row's signal goes to the asset's first session
    with a price on or after ``session``; the rows landing on one session net out.

    Returns ``(entries, short_entries, orders, skipped)``: ``orders`` has one row per entry signal
    (:data:`PLAN_COLUMNS`), ``skipped`` one row per event that gave none (:data:`SKIPPED_COLUMNS`):
    no price on or after its session, netted out by an opposite event, or a short while
    ``allow_short`` is False (or False for its column: not shortable, see :func:`shortable_columns`).
    Skipped rows come asset by asset (in the plan's order of assets):
    first those without a price, then by the session they land on, each in the plan's order.
    """
    close = context.close
    entries = np.zeros(close.shape, dtype=bool)
    short_entries = np.zeros(close.shape, dtype=bool)
    plan = plan[plan["asset"].isin(close.columns) & (plan["sign"] != 0)]
    assets = close.columns.get_indexer(plan["asset"]).astype(np.int64)
    sessions = plan["session"].to_numpy()
    signs = plan["sign"].to_numpy()
    count = len(plan)
    # Where each row lands (entry_cells' rule, one group per row), then the cells that enter.
    own, landed_row, *_ = entry_cells(close, assets, sessions, signs, np.arange(count), True)
    landed = np.full(count, -1, dtype=np.int64)
    landed[own] = landed_row
    _, rows, columns, sides, _ = entry_cells(close, assets, sessions, signs, np.zeros(count, dtype=np.int64),
                                             allow_short)  # fmt: skip
    entries[rows[sides > 0], columns[sides > 0]] = True
    short_entries[rows[sides < 0], columns[sides < 0]] = True

    inside = landed >= 0
    cell = np.where(inside, landed * close.shape[1] + assets, -1)  # (row, column) of each landed row
    cells, where = np.unique(cell, return_inverse=True)
    where = where.reshape(-1)
    net = np.bincount(where, weights=signs, minlength=len(cells))[where]
    allowed = np.broadcast_to(np.asarray(allow_short, dtype=bool), (close.shape[1],))[assets]
    enters = inside & ((net > 0) | ((net < 0) & allowed))
    ids = plan["event_id"].to_numpy()
    # orders: one per entering cell, its rows' ids joined in the plan's order
    placed = np.flatnonzero(enters)
    placed = placed[np.lexsort((placed, cell[placed]))]
    bounds = (
        np.flatnonzero(np.r_[True, cell[placed][1:] != cell[placed][:-1], True]) if len(placed) else np.zeros(1, int)
    )
    heads = placed[bounds[:-1]]
    joined = [";".join(ids[placed[lo:hi]]) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]  # noqa: RUF007
    earliest = np.minimum.reduceat(sessions[placed], bounds[:-1]) if len(placed) else sessions[:0]
    names = close.columns[assets[heads]]
    orders = plan_frame(zip(names, close.index[landed[heads]], np.where(net[heads] > 0, "long", "short"), joined,
                            earliest))  # fmt: skip
    orders = orders.sort_values(["entry_session", "asset"], ignore_index=True)
    # skipped: asset by asset (first appearance), rows without a price first, then by landed session
    first_seen = pd.factorize(assets)[0]
    out = np.flatnonzero(~enters)
    out = out[np.lexsort((out, landed[out], first_seen[out]))]
    reasons = np.where(
        ~inside[out], "no price on or after its session",
        np.where(net[out] == 0, "netted out by an opposite event",
                 "short side not allowed (allow_short=False)" if np.ndim(allow_short) == 0 else NOT_SHORTABLE),
    )  # fmt: skip
    skipped = skipped_frame(zip(ids[out], plan["asset"].to_numpy()[out], sessions[out], reasons))
    frames = [
        pd.DataFrame(flags, index=close.index, columns=close.columns, copy=False) for flags in (entries, short_entries)
    ]
    return frames[0], frames[1], orders, skipped


@dataclass(frozen=True)
class EventPlan:
    """What an event-plan template makes of a table of aligned events, before any order is placed.

    ``plan`` has the columns :func:`event_orders` reads (``asset, session, sign, event_id``) and
    whatever else its table carried (a placebo's ``draw``). Everything else a template of this kind
    returns does not depend on the events: its ``early_exits`` (long, short: sessions x assets, or
    None), which never cancel an entry on the same session, and its stops and time stop. So the
    signals of many calendars at once (placebo draws) are the entries of their plans stacked beside
    one copy of the rest; :func:`event_orders` and the template's own build give the same orders.
    """

    plan: pd.DataFrame
    allow_short: bool | np.ndarray  # per column of the prices: see shortable_columns
    time_stop: int | None
    sl_stop: float | None = None
    tp_stop: float | None = None
    sl_trail: bool = False
    early_exits: tuple[pd.DataFrame, pd.DataFrame] | None = None


def entry_cells(
    close: pd.DataFrame, assets: np.ndarray, sessions: np.ndarray, signs: np.ndarray, groups: np.ndarray,
    allow_short: bool | np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """:func:`event_orders`' rule on arrays, for many calendars at once (numbered by ``groups``).

    Each (asset column, session, sign) lands on the asset's first session with a price on or after
    ``session``; signs landing on one (group, asset, session) net out. Returns the cells that enter
    as (group, row, column, side), side +1 long and -1 short, and the count of rows skipped for each
    reason of :func:`event_orders` (``[no price on or after its session, netted out by an opposite
    event, short side not allowed]``).
    """
    observed = close.notna().to_numpy()
    rows = np.arange(len(close))
    # first row at or after each row where each column has a price (len(close): none)
    ahead = np.where(observed, rows[:, None], len(close))
    ahead = np.vstack([np.minimum.accumulate(ahead[::-1], axis=0)[::-1], np.full((1, close.shape[1]), len(close))])
    start = close.index.searchsorted(pd.DatetimeIndex(sessions), side="left")
    landed = ahead[start, assets]
    inside = landed < len(close)
    skipped = np.zeros(3, dtype=np.int64)
    skipped[0] = int((~inside).sum())
    keys = np.stack([groups[inside], landed[inside], assets[inside]])
    cells, where = np.unique(keys, axis=1, return_inverse=True)
    net = np.bincount(where.reshape(-1), weights=signs[inside], minlength=cells.shape[1])
    members = np.bincount(where.reshape(-1), minlength=cells.shape[1])
    skipped[1] = int(members[net == 0].sum())
    allowed = np.broadcast_to(np.asarray(allow_short, dtype=bool), (close.shape[1],))[cells[2]]
    skipped[2] = int(members[(net < 0) & ~allowed].sum())
    enter = (net > 0) | ((net < 0) & allowed)
    return cells[0][enter], cells[1][enter], cells[2][enter], np.sign(net[enter]).astype(np.int64), skipped


def plan_signals(context: StrategyContext, plan: EventPlan) -> StrategySignals:
    """The signals of an event plan on ``context``'s prices (:func:`event_orders`, then the plan's exits,
    which never cancel an entry on the same session)."""
    entries, short_entries, orders, skipped = event_orders(context, plan.plan, plan.allow_short)
    nothing = empty_orders(context.close)
    exits, short_exits = (nothing, nothing) if plan.early_exits is None else plan.early_exits
    return StrategySignals(
        entries, exits & ~entries, short_entries, short_exits & ~short_entries, plan.sl_stop, plan.tp_stop, orders,
        sl_trail=plan.sl_trail, time_stop=plan.time_stop, close=context.close, skipped=skipped,
    )  # fmt: skip


def chosen_events(
    context: StrategyContext, types: Iterable[str], min_severity: int, table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Aligned (event, asset) rows of the given types and at least this severe (of ``table``, default
    the context's alignment)."""
    table = context.alignment.table if table is None else table
    return table[table["type"].isin(list(types)) & (table["severity"] >= min_severity)]


def asset_exposure(universe: pd.DataFrame, by_class: Mapping[str, int] | None) -> pd.Series:
    """Each asset's sign of a tightening: the universe's ``exposure`` column, with the assets of the
    classes named in ``by_class`` set to that class's sign (``{"china_producer": 1}`` switches the
    Chinese producers to the sign the 2020-2026 event study found, README "Exposure signs")."""
    if by_class is None:
        return universe["exposure"]
    return universe["china_exposure"].map(by_class).fillna(universe["exposure"]).astype(int)


def default_tickers(universe: pd.DataFrame, params: Any) -> list[str]:
    """Assets a template trades by default: its own choice, else those with a non-zero exposure sign."""
    if hasattr(params, "tickers"):
        return params.tickers(universe)
    exposure = asset_exposure(universe, getattr(params, "exposure", None))
    return list(exposure.index[exposure != 0])


def build_context(
    calendar: EventCalendar,
    universe: pd.DataFrame,
    close: pd.DataFrame,
    after_close: time = AFTER_CLOSE,
    max_dropped: int | None = None,
    close_margin: pd.Timedelta | None = CLOSE_MARGIN,
) -> StrategyContext:
    """Align the calendar to each asset's observed sessions and bundle what templates read.

    ``after_close``, ``max_dropped`` and ``close_margin`` are those of :func:`signals.align_events`
    (templates trade at the close: by default an event known 30 minutes before a close trades at it).

    Warns (:class:`~signals.errors.ExampleEventWarning`) when made-up example events (``example: yes``,
    as ``reelab events template`` writes them) land on these prices, naming them: a template could trade them.
    """
    data_sessions = {asset: close.index[close[asset].notna().to_numpy()] for asset in close.columns}
    alignment = align_events(
        calendar, universe, close.columns, after_close=after_close, max_dropped=max_dropped,
        data_sessions=data_sessions, close_margin=close_margin,
    )  # fmt: skip
    warn_examples(calendar, alignment.table["event_id"])
    return StrategyContext(calendar, universe, close, alignment)


def warn_examples(calendar: EventCalendar, landed: Iterable[str], use: str = "traded") -> None:
    """Warn (:class:`~signals.errors.ExampleEventWarning`) when the example events of ``calendar`` are
    among ``landed``, the ids that reached the prices, naming them and how to stop it (``use``: what is
    done with them as if they were real, ``traded`` or ``measured``)."""
    examples = sorted(set(calendar.examples) & set(landed))
    if not examples:
        return
    one = len(examples) == 1
    warnings.warn(
        ExampleEventWarning(
            f"{'an example event' if one else f'{len(examples)} example events'} of {calendar.source} "
            f"({', '.join(examples)}: 'example: yes', made up by reelab events template) "
            f"{'lands' if one else 'land'} on these prices and {'is' if one else 'are'} {use} as if real; delete "
            f"{'its row' if one else 'their rows'}, or clear 'example' once a row is an event of your own"
        ),
        stacklevel=3,
    )
