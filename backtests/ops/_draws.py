"""Placebo draws at engine speed: every draw's events aligned at once, stacked beside each other.

A placebo draw moves each real policy event to a random New York session (see
:func:`backtests.ops._draws.placebo_calendars`, the reference, which builds one calendar per
draw). Here the draws stay arrays: the days of all draws are aligned in one vectorized pass per
exchange (the point-in-time rule of :func:`signals.session_positions`), an event-plan template
(:class:`strategies.EventPlan`) plans all of them in one call, and their entries sit side by side
as draw x asset columns of one simulation on the event engine, sharing one copy of each price
series, its locks and the template's early exits. Templates without a plan, and plans that need
the calendar itself, fall back to one build per draw (same numbers, slower).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time

import numpy as np
import pandas as pd

import strategies
from signals import AFTER_CLOSE, POLICY_TYPES, Event, EventCalendar, exchange_calendar, session_positions
from signals.errors import ParameterError, counted
from strategies import EventPlan, StrategyContext, StrategySignals, entry_cells, market_locks, plan_frame

from ..data import MarketData
from ..measures._performance import PORTFOLIO, periods_per_year
from ..simulation._distributed import Scheduler, connect
from ..simulation._stack import _chunk_stats, _stacked_locks
from ..simulation._vbt import simulate
from ..spec import RunSpec
from ._progress import Progress, map_reported, track
from ._sweep import StackJob, run_stacked

#: Cells (sessions x draw columns) per chunk of draws: each draw has its own entries and exits.
DRAW_CELLS = 25_000_000

__all__ = [
    "DrawJob",
    "align_draws",
    "knowable_days",
    "placebo_calendars",
    "placebo_days",
    "placebo_pool",
    "placebo_sharpes",
]


def placebo_days(
    calendar: EventCalendar, draws: int, seed: int = 0, exclusion: int = 20, start=None, end=None
) -> tuple[list[Event], np.ndarray]:
    """The policy events in the order placebo draws date them, and each draw's days.

    Returns (events, days): the calendar's policy events sorted by announcement, and a draws x events
    ``datetime64`` array (naive New York sessions from :func:`backtests.ops._draws.placebo_pool`):
    draw k moves event j to ``days[k, j]``. The one place the random draws are made: the same seed
    gives the same days here and in :func:`backtests.ops._draws.placebo_calendars`.
    """
    from ._draws import _policy, placebo_pool

    calendar = _policy(calendar)
    pool = placebo_pool(calendar, exclusion, start, end).to_numpy()
    rng = np.random.default_rng(seed)
    rows = [pool[np.sort(rng.choice(len(pool), size=len(calendar), replace=False))] for _ in range(draws)]
    days = np.stack(rows) if rows else np.empty((0, len(calendar)), dtype=pool.dtype)
    return sorted(calendar, key=lambda event: event.announced_at), days


def knowable_days(events: Sequence[Event], days: np.ndarray, after_close: time = AFTER_CLOSE) -> pd.DatetimeIndex:
    """When each moved event becomes knowable (UTC), flattened draw by draw (draws x events, row-major).

    Event j on ``days[k, j]`` is date-only in its own zone: local midnight of that day, plus
    ``after_close`` as a duration (so on a day the clocks change, an hour off the wall clock, exactly
    as :meth:`signals.Event.knowable_at` computes it).
    """
    draws = len(days)
    offset = pd.Timedelta(hours=after_close.hour, minutes=after_close.minute)
    instants = np.empty(days.shape, dtype="datetime64[ns]")
    zones = np.array([event.tz for event in events], dtype=object)
    for zone in dict.fromkeys(zones):
        mine = zones == zone
        local = pd.DatetimeIndex(days[:, mine].reshape(-1)).as_unit("ns").tz_localize(zone).normalize() + offset
        instants[:, mine] = local.tz_convert("UTC").tz_localize(None).to_numpy().reshape(draws, -1)
    return pd.DatetimeIndex(instants.reshape(-1)).tz_localize("UTC")


def align_draws(
    events: Sequence[Event], days: np.ndarray, universe: pd.DataFrame, close: pd.DataFrame, after_close,
    close_margin: pd.Timedelta | None,
) -> tuple[pd.DataFrame, int]:  # fmt: skip
    """The alignment table of every draw at once (``signals.align_events``' columns and ``draw``).

    Each moved event is date-only in its own zone, so it is knowable at ``after_close`` that day
    (:meth:`signals.Event.knowable_at`); it trades from the first session of each asset's exchange
    it is tradable on (:func:`signals.session_positions`), if that lies within the asset's prices.
    Returns the table and the number of (draw, event, asset) rows that fell outside.
    """
    count = days.shape[1]
    flat = knowable_days(events, days, after_close)
    observed = close.notna().to_numpy()
    parts, outside = [], 0
    for code, members in universe.loc[list(close.columns)].groupby("exchange", sort=False).groups.items():
        sessions, position = session_positions(code, flat, close_margin=close_margin)
        valid = (position > 0) & (position < len(sessions))
        landed = sessions.to_numpy()[np.clip(position, 0, len(sessions) - 1)]
        for asset in members:
            own = close.index[observed[:, close.columns.get_loc(asset)]]
            inside = valid & (landed >= own[0].to_datetime64()) & (landed <= own[-1].to_datetime64())
            outside += int((~inside).sum())
            where = np.flatnonzero(inside)
            parts.append(pd.DataFrame({"draw": where // count, "event": where % count, "asset": asset,
                                       "exchange": code, "session": landed[where]}))  # fmt: skip
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["draw", "event", "asset"])
    attributes = pd.DataFrame(
        [(event.id, str(event.type), str(event.direction), event.severity) for event in events],
        columns=["event_id", "type", "direction", "severity"],
    )
    table = table.join(attributes, on="event")
    table["knowable_at"] = flat[table["draw"].to_numpy() * count + table["event"].to_numpy()]
    return table, outside


@dataclass
class DrawJob:
    """What every chunk of draws reads (scattered once to each Dask worker): the spec, the real
    context (prices, universe, the template's calendar-free parts) and the draws' alignment table."""

    spec: RunSpec
    context: StrategyContext
    table: pd.DataFrame
    plan: EventPlan


def _draw_chunk(job: DrawJob, chunk: range) -> np.ndarray:
    """The portfolio Sharpe of each draw of ``chunk``: their plans' entries side by side, one simulation."""
    close, plan = job.context.close, job.plan
    assets, draws = close.shape[1], len(chunk)
    rows = plan.plan[plan.plan["draw"].between(chunk.start, chunk.stop - 1)]
    group, row, column, side, _ = entry_cells(
        close, close.columns.get_indexer(rows["asset"]), rows["session"].to_numpy(), rows["sign"].to_numpy(float),
        rows["draw"].to_numpy() - chunk.start, plan.allow_short,
    )  # fmt: skip
    shape = (len(close), draws * assets)
    entries, short_entries = np.zeros(shape, dtype=bool, order="F"), np.zeros(shape, dtype=bool, order="F")
    entries[row[side > 0], group[side > 0] * assets + column[side > 0]] = True
    short_entries[row[side < 0], group[side < 0] * assets + column[side < 0]] = True
    if plan.early_exits is None:
        exits = short_exits = np.zeros(shape, dtype=bool, order="F")
    else:  # an early exit never cancels the entry it coincides with
        exits = np.asfortranarray(np.tile(plan.early_exits[0].to_numpy(dtype=bool), draws)) & ~entries
        short_exits = np.asfortranarray(np.tile(plan.early_exits[1].to_numpy(dtype=bool), draws)) & ~short_entries
    columns = pd.MultiIndex.from_arrays(
        [np.repeat(np.arange(chunk.start, chunk.stop), assets), np.tile(close.columns.to_numpy(), draws)],
        names=["combo", "column"],
    )

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=close.index, columns=columns, copy=False)

    def per_column(value) -> np.ndarray:
        return np.full((1, len(columns)), np.nan if value is None else float(value))

    prices = pd.concat([close.ffill()], axis=1, keys=[0])
    stacked = StrategySignals(
        frame(entries), frame(exits), frame(short_entries), frame(short_exits), per_column(plan.sl_stop),
        per_column(plan.tp_stop), plan_frame(), sl_trail=per_column(plan.sl_trail).astype(bool),
        time_stop=np.nan_to_num(per_column(plan.time_stop)).astype(np.int64), close=prices, size=per_column(1.0),
    )  # fmt: skip
    price_col = np.tile(np.arange(assets), draws)
    buy_locked, sell_locked = job.context.memo(("locks",), lambda: market_locks(close, job.context.universe))
    locks = (_stacked_locks(buy_locked, [close]), _stacked_locks(sell_locked, [close]))
    costs = job.spec.costs
    simulation = simulate(close, stacked, costs, True, close.notna().to_numpy(), locks, job.spec.engine, price_col)
    stats, _ = _chunk_stats(simulation, stacked, price_col, close, costs, periods_per_year(close.index))
    sharpe = stats["sharpe"].xs(PORTFOLIO, level="scope")
    return sharpe.reindex(range(chunk.start, chunk.stop)).to_numpy()


def placebo_sharpes(
    spec: RunSpec, data: MarketData, draws: int, seed: int = 0, scheduler: Scheduler = None,
    chunk_size: int | None = None, progress: Progress = None,
) -> np.ndarray:  # fmt: skip
    """The portfolio Sharpe of ``spec`` on each of ``draws`` placebo calendars (the reference's numbers).

    Each finished chunk of draws is reported to ``progress`` (:mod:`backtests.ops._progress`).
    """
    context = data.context(spec)
    close = context.close
    params = spec.resolved_params()
    template = strategies.get(spec.template)
    events, days = placebo_days(context.calendar, draws, seed, start=close.index[0], end=close.index[-1])
    table, _ = align_draws(events, days, context.universe, close, spec.after_close, spec.close_delta)
    plan = template.plan(context, params, table) if template.plan is not None else None
    if plan is None:  # the template reads more of the calendar than a plan: one build per draw
        from ._draws import placebo_calendars

        calendars = placebo_calendars(context.calendar, draws, seed, start=close.index[0], end=close.index[-1])
        stack = StackJob(spec, data, [params] * draws, calendars)
        stats, _ = run_stacked(stack, chunk_size, progress, scheduler, task="placebo draws", unit="draw")
        return stats.loc[stats["scope"] == PORTFOLIO, "sharpe"].to_numpy()
    size = int(chunk_size or max(1, DRAW_CELLS // (len(close) * max(1, close.shape[1]))))
    chunks = [range(first, min(first + size, draws)) for first in range(0, draws, size)]
    job = DrawJob(spec, context, table, plan)
    done = track(progress, "placebo draws", draws, "draw")
    if scheduler is not None:
        with connect(scheduler) as client:
            parts = map_reported(client, _draw_chunk, job, chunks, done, [len(chunk) for chunk in chunks])
    else:
        parts = []
        for chunk in chunks:
            parts.append(_draw_chunk(job, chunk))
            done.advance(len(chunk))
    return np.concatenate(parts) if parts else np.empty(0)


def placebo_calendars(
    calendar: EventCalendar, draws: int, seed: int = 0, exclusion: int = 20, start=None, end=None
) -> list[EventCalendar]:
    """``draws`` pseudo-calendars: each real policy event moved to a random New York session.

    Same count, same types, directions, severities and time zones (date-only, so known after the
    close); pseudo dates avoid ``exclusion`` sessions around every real event and stay within
    ``[start, end]`` (default: the span of the real events). Confounders are not China's acts and
    no template trades them: they are left out of the draws.
    """
    from ._draws import placebo_days

    if draws < 1:
        raise ParameterError("draws", draws, "at least 1")
    ordered, drawn = placebo_days(calendar, draws, seed, exclusion, start, end)
    calendars = []
    for draw, days in enumerate(drawn):
        events = [
            dataclasses.replace(
                event,
                id=f"placebo{draw}-{number}",
                announced_at=day.tz_localize(event.tz),
                known_at=None,
                time_of_day_known=False,
                effective_at=None,
                window_end=None
                if event.window_end is None
                else day.tz_localize(event.tz) + (event.window_end - event.announced_at),
            )
            for number, (event, day) in enumerate(zip(ordered, pd.DatetimeIndex(days)))
        ]
        calendars.append(EventCalendar(events, f"placebo draw {draw}"))
    return calendars


def _policy(calendar: EventCalendar) -> EventCalendar:
    """The calendar without its confounders (placebo draws move the events templates trade)."""
    return calendar.filter(types=[str(kind) for kind in POLICY_TYPES])


def placebo_pool(calendar: EventCalendar, exclusion: int = 20, start=None, end=None) -> pd.DatetimeIndex:
    """The New York sessions placebo dates are drawn from (see :func:`placebo_calendars`).

    Raises :class:`~signals.errors.ParameterError` when they are fewer than the events: cheap, so a
    command checks it before any work.
    """
    calendar = _policy(calendar)
    sessions = exchange_calendar("XNYS").sessions
    real = pd.DatetimeIndex([event.announced_at.tz_localize(None).normalize() for event in calendar])
    first = pd.Timestamp(start) if start is not None else real.min()
    last = pd.Timestamp(end) if end is not None else real.max()
    pool = sessions[(sessions >= first) & (sessions <= last)]
    near = np.zeros(len(pool), dtype=bool)
    for day in real:
        position = pool.searchsorted(day)
        near[max(0, position - exclusion) : position + exclusion + 1] = True
    pool = pool[~near]
    if len(pool) < len(calendar):
        span = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" if len(real) else "no events"
        raise ParameterError(
            "exclusion", exclusion, f"small enough to leave {len(calendar)} candidate New York sessions between "
            f"{span} ({len(pool)} left after excluding {exclusion} sessions around each of the "
            f"{counted(len(real), 'event')})",
        )  # fmt: skip
    return pool
