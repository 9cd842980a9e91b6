"""reelab's event-window engine gives vectorbt's orders, order for order (backtests/_events_nb.py).

Both engines run on the same prepared signals (:func:`backtests.simulation._vbt.simulate` with
``engine="vectorbt"`` and ``engine="events"``); every field of every order record must be equal,
and so must what reelab's signal function recorded (exit marks, orders deferred at daily limits).
Hypothesis draws the markets (moves big enough to fire stops and lock A-shares at their limits,
missing rows), the events and every signal-style template's parameters; then the same holds on the
whole bundled universe for each template's default run and for ``benchmarks/sweep.py``'s grid.

Differences by design: none in the orders. The event engine does not visit sessions on which a
cash group holds nothing and has no order waiting, so vectorbt's log records (off in reelab) are
not produced; the Portfolio it returns has no logs.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import backtests.simulation._events_nb
import strategies
from backtests import Costs, MarketData, RunSpec
from backtests.simulation._stack import _stacked_locks, stack_signals
from backtests.simulation._vbt import simulate
from signals import Direction, Event, EventCalendar, EventType, exchange_calendar, load_universe
from strategies import market_locks, price_limit

pytestmark = pytest.mark.slow  # engine parity on generated markets and grids

UNIVERSE = load_universe()
COSTS = Costs(fees=0.001, slippage=0.002)
MOVES = [-0.15, -0.1, -0.06, -0.03, -0.01, 0.0, 0.01, 0.03, 0.06, 0.1, 0.15]
ASSETS = ["MP", "LYC", "600111", "300748"]  # NYSE, ASX, Shanghai main board (10% limit), ChiNext (20%)
SIGNAL_TEMPLATES = ["event_drift", "permit_fade", "relative_value", "window_optionality"]
TYPES = [EventType.RESTRICTION_TIGHTENING, EventType.EASING_PAUSE, EventType.PERMIT_APPROVAL,
         EventType.NEGOTIATION_WINDOW, EventType.RETALIATION_ESCALATION]  # fmt: skip


def assert_same_orders(reference, candidate) -> None:
    """Order records equal field by field, and the signal function's marks and deferred counts equal."""
    want, got = reference.portfolio.order_records, candidate.portfolio.order_records
    assert len(got) == len(want)
    for name in want.dtype.names:  # id, col, idx, size, price, fees, side
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)
    np.testing.assert_array_equal(candidate.marks, reference.marks)
    np.testing.assert_array_equal(candidate.deferred, reference.deferred)


def both_engines(close, signals, locks, filled=False, observed=None, price_col=None):
    return [simulate(close, signals, COSTS, filled, observed, locks, engine, price_col)
            for engine in ("vectorbt", "events")]  # fmt: skip


@st.composite
def markets(draw):
    start = pd.Timestamp(draw(st.sampled_from(["2019-06-03", "2020-07-01", "2024-01-02"])))
    length = draw(st.integers(60, 140))
    columns = {}
    for asset in ASSETS:
        sessions = exchange_calendar(UNIVERSE.at[asset, "exchange"]).sessions_in_range(start, "2026-06-30")[:length]
        moves = np.array(draw(st.lists(st.sampled_from(MOVES), min_size=len(sessions), max_size=len(sessions))))
        if UNIVERSE.at[asset, "exchange"] in ("XSHG", "XSHE"):  # a move beyond the day's limit is capped at it (locked)
            limits = np.array([price_limit(asset, day) for day in sessions])
            moves = np.clip(moves, -limits, limits)
        series = pd.Series(20 * np.cumprod(1 + moves), index=sessions)
        gaps = draw(st.lists(st.integers(1, len(sessions) - 1), max_size=3))
        series.iloc[gaps] = np.nan  # missing rows
        columns[asset] = series
    close = pd.DataFrame(columns).sort_index()
    close = close.loc[: close.apply(pd.Series.last_valid_index).min()]
    days = draw(st.lists(st.integers(0, len(close) - 25), min_size=1, max_size=14))
    events = []
    for n, day in enumerate(days):
        kind = draw(st.sampled_from(TYPES))
        announced = close.index[day].tz_localize("Asia/Shanghai")
        window = kind is EventType.NEGOTIATION_WINDOW
        window_end = announced + pd.Timedelta(days=draw(st.integers(5, 30))) if window else None
        easing = kind in (EventType.EASING_PAUSE, EventType.PERMIT_APPROVAL)
        direction = Direction.EASING if easing else Direction.TIGHTENING
        severity = draw(st.integers(1, 3))
        events.append(Event(f"e{n}", kind, announced, direction, severity, window_end=window_end))
    return close, EventCalendar(events)


@st.composite
def template_params(draw, template):
    stop = st.sampled_from([None, 0.03, 0.08])
    profit = st.sampled_from([None, 0.05, 0.2])
    if template == "event_drift":
        trailing = draw(st.booleans())
        return {
            "horizon": draw(st.integers(1, 10)), "min_severity": draw(st.integers(1, 3)),
            "stop_loss": None if trailing else draw(stop), "trailing_stop": draw(stop) if trailing else None,
            "take_profit": draw(profit), "momentum_lookback": draw(st.sampled_from([None, 2, 5])),
            "exit_before_window_end": draw(st.sampled_from([None, 1, 3])), "allow_short": draw(st.booleans()),
            "event_types": tuple(str(kind) for kind in TYPES),
        }  # fmt: skip
    if template == "permit_fade":
        return {
            "rally_lookback": draw(st.sampled_from([3, 5])), "min_rally": draw(st.sampled_from([0.01, 0.05])),
            "horizon": draw(st.integers(1, 8)), "stop_loss": draw(stop), "take_profit": draw(profit),
            "allow_short": draw(st.booleans()),
        }  # fmt: skip
    if template == "relative_value":
        return {
            "longs": ("MP", "LYC"), "hedges": (draw(st.sampled_from(["600111", "300748"])),),
            "event_types": ("restriction_tightening", "retaliation_escalation"), "min_severity": 1,
            "horizon": draw(st.integers(1, 10)), "stop_loss": draw(stop),
        }  # fmt: skip
    return {
        "leg": draw(st.sampled_from(["straddle", "call", "put"])), "expiry": draw(st.sampled_from([5, 10, 21])),
        "cluster_events": draw(st.sampled_from([None, 2])), "vol_lookback": 10,
        "budget": draw(st.sampled_from([0.1, 0.5])),
        "take_profit": draw(st.sampled_from([None, 0.5])), "stop_loss": draw(st.sampled_from([None, 0.3])),
    }  # fmt: skip


@st.composite
def cases(draw):
    template = draw(st.sampled_from(SIGNAL_TEMPLATES))
    close, calendar = draw(markets())
    return template, close, calendar, draw(template_params(template))


def _prepared(template, params, tickers=None, calendar=None, close=None):
    spec = RunSpec(template, params, tickers, costs=COSTS)
    context = MarketData.load(spec, calendar, None, close).context(spec)
    signals = strategies.get(template).build(context, spec.resolved_params())
    return context, signals, market_locks(context.close, context.universe)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_the_engines_give_the_same_orders_on_generated_markets(case):
    template, close, calendar, params = case
    tickers = ["MP", "LYC", "600111", "300748"] if template != "relative_value" else None
    context, signals, locks = _prepared(template, params, tickers, calendar, close)
    reference, candidate = both_engines(context.close, signals, locks)
    assert_same_orders(reference, candidate)
    if reference.portfolio.wrapper.shape_2d[1]:  # window_optionality may write no contract
        np.testing.assert_array_equal(candidate.portfolio.value(), reference.portfolio.value())


@pytest.mark.parametrize("threaded", [False, True], ids=["one thread", "threads"])
@pytest.mark.parametrize("template", SIGNAL_TEMPLATES)
def test_the_engines_give_the_same_orders_on_the_bundled_universe(template, threaded, monkeypatch):
    if threaded:  # the kernel that sweeps use, here on a single run's cash groups
        monkeypatch.setattr(backtests.simulation._events_nb, "PARALLEL_GROUPS", 1)
    context, signals, locks = _prepared(template, {})
    reference, candidate = both_engines(context.close, signals, locks)
    assert len(reference.portfolio.order_records) >= 20  # the default run trades
    assert_same_orders(reference, candidate)


#: Combinations per chunk (100 x 18 assets x 4,300 sessions).
CHUNK = 100


def test_the_engines_give_the_same_orders_on_the_benchmark_grid():
    """benchmarks/sweep.py's 1,000 event_drift combinations on the bundled universe, chunk by chunk.

    In a process of its own: its 2.2 GB would stack on what the test process already holds (the run's peak
    was 3.3 GB with it inside), and it leaves nothing behind.
    """
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert pool.submit(_grid_orders).result() > 100_000


def _grid_orders() -> int:
    """Run the grid through both engines, asserting the same orders chunk by chunk; return how many."""
    grid = [(h, s, t) for h in range(1, 21) for s in (None, 0.03, 0.05, 0.08, 0.12)
            for t in (None, 0.05, 0.10, 0.15, 0.20, 0.30, 0.50, 0.75, 1.0, 2.0)]  # fmt: skip
    spec = RunSpec("event_drift", {})
    context = MarketData.load(spec).context(spec)
    template = strategies.get("event_drift")
    buy_locked, sell_locked = market_locks(context.close, context.universe)
    orders = 0
    for first in range(0, len(grid), CHUNK):
        built = [template.build(context, template.params(horizon=h, stop_loss=s, take_profit=t))
                 for h, s, t in grid[first : first + CHUNK]]  # fmt: skip
        stacked, observed, frames, price_col = stack_signals(built, context.close)
        locks = (_stacked_locks(buy_locked, frames), _stacked_locks(sell_locked, frames))
        reference, candidate = both_engines(context.close, stacked, locks, True, observed, price_col)
        assert_same_orders(reference, candidate)
        orders += len(candidate.portfolio.order_records)
    return orders
