"""Per-event attribution: each policy event's trades, P&L per currency and contribution to the portfolio's return.

The portfolio is the index ``I`` of :func:`backtests.measures._performance.portfolio_index`: on session ``t`` its
return is ``r_t = G_t / B_t``, the summed gain of the live sleeves over their summed value the
session before. A trade's gain on ``t`` is the change of its value (its position at that close,
less what its fills and fees cost), in its sleeve's own units; its gains add up to its P&L.
Event ``e``'s contribution is

    c_e = sum_t (gain of e's trades on t / B_t) * I_{t-1}

so that the contributions of all gains add up to ``sum_t r_t * I_{t-1} = I_T - 1``, the
portfolio's total return, with no compounding term. What no event explains (trades that no event
opened, gains outside any trade) is the residual row, and events + residual = total return.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from signals.errors import ParameterError

from ..measures._performance import portfolio_gains, sleeve_spans
from ..spec import StudySpec

if TYPE_CHECKING:
    from ._run import BacktestResult

__all__ = ["ATTRIBUTION_COLUMNS", "RESIDUAL", "attribution", "event_contributions", "trade_abnormal_returns"]

#: The columns of :func:`attribution` (attribution.csv), in their order.
ATTRIBUTION_COLUMNS = ["event_id", "type", "announced", "direction", "assets", "trades", "first_entry", "last_exit",
                       "pnl_by_currency", "contribution", "mean_abnormal_return", "exits"]  # fmt: skip
#: The ``event_id`` of the last row of :func:`attribution`: the part of the return no event explains.
RESIDUAL = "residual (no event)"


def _sleeves(result: BacktestResult) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, pd.Series]:
    """The sleeves' values, their (first, last) rows and the sleeve of each traded column."""
    signals, close = result.signals, result.close
    traded = signals.close if signals is not None and signals.close is not None else close
    if len(result.asset_equity.columns):  # sleeves of an asset each (or of the contracts on one underlying)
        values = result.asset_equity
        labels = signals.group_by if signals is not None and signals.group_by is not None else traded.columns
        first, last = sleeve_spans(close[list(values.columns)])
        return values, first, last, pd.Series(np.asarray(labels), index=traded.columns)
    # One pool of cash (target weights): its value is the index times its starting cash, one per asset.
    pool = result.equity["strategy"] * (result.costs.init_cash * traded.shape[1])
    rows = np.array([0]), np.array([len(pool) - 1])
    return pool.to_frame("pool"), *rows, pd.Series("pool", index=traded.columns)


def trade_gains(trade, prices: np.ndarray, entry: int, end: int) -> np.ndarray:
    """A trade's gain on each session from its entry row to ``end`` (its exit, or the last row if open).

    Its value on a session is its position marked at that close, less what it paid to open
    (fills and fees); on its exit session, its P&L. The gains add up to the P&L. Fees are
    proportional to the traded value: the entry's share of the trade's fees is that of its price.
    """
    sign = 1.0 if trade.side == "long" else -1.0
    marked = sign * trade.size * (prices[entry : end + 1] - trade.entry_price)
    fees = sign * trade.size * (trade.exit_price - trade.entry_price) - trade.pnl  # entry and exit fees
    if trade.status == "Open":  # valued at the last close, no exit fee
        value = marked - fees
    else:
        value = marked - fees * trade.entry_price / (trade.entry_price + trade.exit_price)
        value[-1] = trade.pnl
    return np.diff(value, prepend=0.0)


def event_contributions(result: BacktestResult) -> tuple[dict[str, float], float]:
    """({event id: contribution to the portfolio's total return}, residual): see the module's docstring.

    A trade opened by several events on one session splits its gains equally among them.
    """
    values, first, last, sleeve_of = _sleeves(result)
    gains, base, both = portfolio_gains(values, first, last)
    index = np.concatenate([[1.0], np.cumprod(1.0 + np.divide(gains, base, out=np.zeros_like(gains),
                                                                where=base > 0))])  # fmt: skip
    weight = np.divide(index[:-1], base, out=np.zeros_like(base), where=base > 0)  # I_{t-1} / B_t, row t - 1
    signals = result.signals
    traded = (signals.close if signals is not None and signals.close is not None else result.close).ffill()
    sessions = result.close.index
    sleeve_number = {name: k for k, name in enumerate(values.columns)}
    attributed = np.zeros(len(gains))
    contributions: dict[str, float] = {}
    for trade in result.trades.dropna(subset=["event_ids"]).itertuples():
        if not trade.event_ids:
            continue
        entry = sessions.get_loc(trade.entry_session)
        end = len(sessions) - 1 if pd.isna(trade.exit_session) else sessions.get_loc(trade.exit_session)
        own = trade_gains(trade, traded[trade.asset].to_numpy(dtype=float), entry, end)
        rows = np.arange(entry, end + 1) - 1  # gains[k] is the change from row k to row k + 1
        keep = rows >= 0
        rows, own = rows[keep], own[keep]
        own = np.where(both[rows, sleeve_number[sleeve_of[trade.asset]]], own, 0.0)  # only a live sleeve counts
        attributed[rows] += own
        events = trade.event_ids.split(";")
        share = float(own @ weight[rows]) / len(events)
        for event_id in events:
            contributions[event_id] = contributions.get(event_id, 0.0) + share
    residual = float((gains - attributed) @ weight)
    return contributions, residual


def attribution(result: BacktestResult) -> pd.DataFrame:
    """One row per policy event: what was traded on it, when, for what P&L, its contribution, abnormal return, exits.

    ``contribution`` is in units of the portfolio's total return (0.01 = one percentage point of
    ``stats.loc[("portfolio", "strategy"), "total_return"]``): event ``e`` contributes
    ``sum_t (gain of its trades on t / B_t) * I_{t-1}``, where ``B_t`` is the live sleeves' summed
    value on the session before ``t`` and ``I`` the portfolio index (see :mod:`backtests.ops._attribution`).
    A last row, ``event_id`` :data:`RESIDUAL` (type ``residual``; in a run that traded), holds what no
    event explains (trades no event opened, gains outside trades); the contributions and the residual
    add up to the total return.

    Money is never added across currencies: ``pnl_by_currency`` lists the event's P&L in each
    currency it was earned in (``USD:1234.5;AUD:-320.0``). The abnormal return of a trade is the
    sum of its asset's market-model abnormal returns (the estimation window and gap of
    :class:`~backtests.StudySpec`, relative to the event's session 0) over the sessions it was held,
    signed by its side (NaN for an asset with no benchmark on its own market). A trade opened by
    several events on one session splits its P&L and its gains equally among them.
    """
    universe, close, calendar = result.universe, result.close, result.calendar
    if universe is None or calendar is None or result.data is None:
        raise ParameterError("result", result.template, "a result computed in this session, not loaded from a folder")
    abnormal = trade_abnormal_returns(result.trades, close, result.data.benchmark_closes(), universe)
    per_trade = []
    for trade, car in zip(result.trades.itertuples(), abnormal):
        events = trade.event_ids.split(";") if isinstance(trade.event_ids, str) and trade.event_ids else []
        car = car if events else np.nan
        for event_id in events or [RESIDUAL]:  # a trade opened by several same-session events shares its P&L
            per_trade.append((event_id, trade.asset, trade.currency, trade.entry_session, trade.exit_session,
                              trade.pnl / max(len(events), 1), car, trade.exit_reason))  # fmt: skip
    columns = ["event_id", "asset", "currency", "entry", "exit", "pnl", "abnormal", "reason"]
    frame = pd.DataFrame(per_trade, columns=columns)
    contributions, residual = event_contributions(result)

    traded = {event_id: list(rows.itertuples(index=False)) for event_id, rows in frame.groupby("event_id", sort=False)}

    def row(event_id: str, contribution: float, **described: str) -> dict:
        mine = traded.get(event_id, [])
        pnl: dict[str, float] = {}
        for trade in mine:
            pnl[trade.currency] = pnl.get(trade.currency, 0.0) + trade.pnl
        abnormal = [trade.abnormal for trade in mine if not pd.isna(trade.abnormal)]
        return described | {
            "event_id": event_id, "assets": ";".join(trade.asset for trade in mine), "trades": len(mine),
            "first_entry": min(trade.entry for trade in mine) if mine else pd.NaT,
            "last_exit": max((trade.exit for trade in mine if not pd.isna(trade.exit)), default=pd.NaT),
            "pnl_by_currency": ";".join(f"{currency}:{amount:.2f}" for currency, amount in sorted(pnl.items())),
            "contribution": contribution,
            "mean_abnormal_return": float(np.mean(abnormal)) if abnormal else np.nan,
            "exits": ";".join(sorted({trade.reason for trade in mine})),
        }  # fmt: skip

    rows = [
        row(event.id, contributions.pop(event.id, 0.0), type=str(event.type), direction=str(event.direction),
            announced=f"{event.announced_at:%Y-%m-%d}")
        for event in calendar
    ]  # fmt: skip
    if len(result.trades):  # a run that never traded has a total return of 0 and nothing to explain
        # Trades of events not in the calendar (none today) are not lost: they join the residual.
        rows.append(row(RESIDUAL, residual + sum(contributions.values()), type="residual", direction="", announced=""))
    return pd.DataFrame(rows, columns=ATTRIBUTION_COLUMNS)  # its columns even without events (an empty calendar)


def trade_abnormal_returns(
    trades: pd.DataFrame, close: pd.DataFrame, benchmarks: pd.DataFrame, universe: pd.DataFrame,
    estimation: int = StudySpec.estimation, gap: int = StudySpec.gap,
) -> np.ndarray:  # fmt: skip
    """Each trade's abnormal return: its asset's market-model abnormal returns summed over the sessions
    it was held, signed by its side (NaN: no benchmark on the asset's own market, an open trade, or a
    pair :func:`backtests.measures._event_study.estimate_pair` would not estimate).

    The model is fitted on the ``estimation`` sessions ending ``gap + 1`` before the event's session 0,
    once per trade, all of an asset's trades at once (:func:`backtests.measures._window_fits.fit_windows`).
    """
    from ..measures._event_study import returns_on_own_sessions
    from ..measures._window_fits import fit_windows, valid_positions

    result = np.full(len(trades), np.nan)
    prices = pd.concat([close, benchmarks], axis=1)
    for asset, rows in pd.Series(np.arange(len(trades))).groupby(trades["asset"].to_numpy()):
        benchmark = str(universe.at[asset, "benchmark"]) if asset in universe.index else ""
        if benchmark not in prices.columns:
            continue
        mine = trades.iloc[rows.to_numpy()]
        done = mine["exit_session"].notna().to_numpy()
        asset_returns, market_returns = returns_on_own_sessions(prices, asset, benchmark)
        sessions = asset_returns.index
        zero = sessions.searchsorted(mine["event_session"].to_numpy())
        first = sessions.get_indexer(mine["entry_session"]) - zero + 1
        last = np.where(done, sessions.get_indexer(mine["exit_session"].where(done, mine["entry_session"])), -1) - zero
        r, m = asset_returns.to_numpy(), market_returns.to_numpy()
        usable = done & (last >= first) & valid_positions(r, m, zero, (first, last), estimation, gap)
        if not usable.any():
            continue
        fits = fit_windows(r, m, zero[usable], "market", estimation, gap)
        summed_r = np.concatenate([[0.0], np.cumsum(np.nan_to_num(r))])
        summed_m = np.concatenate([[0.0], np.cumsum(np.nan_to_num(m))])
        a, b = zero[usable] + first[usable], zero[usable] + last[usable] + 1
        car = (summed_r[b] - summed_r[a]) - fits.alpha * (b - a) - fits.beta * (summed_m[b] - summed_m[a])
        sign = np.where(mine["side"].to_numpy()[usable] == "long", 1.0, -1.0)
        result[rows.to_numpy()[usable]] = car * sign
    return result
