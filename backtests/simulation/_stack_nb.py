"""Numba kernels for sweep statistics: equity from order records and every metric, in one pass.

Imported only by sweeps (which run vectorbt, and so numba, anyway). The formulas are those of
:func:`backtests.measures._performance.performance` (vectorbt's returns accessor); a test checks that a sweep row
equals the single run of the same parameters.
"""

from __future__ import annotations

import numba
import numpy as np

DUST = 1e-8  # |position| below this is flat (summed order sizes leave float dust)


@numba.njit(cache=True)
def _finish(first_value, last_value, periods, count, mean, m2, downside, drawdown, per_year, flat, out, k):
    out[k, 0] = last_value / first_value - 1.0 if periods > 0 else np.nan
    out[k, 1] = (1.0 + out[k, 0]) ** (per_year / max(periods, 1)) - 1.0
    spread = np.sqrt(m2 / (count - 1)) if count > 1 else np.nan
    if not spread > flat:
        out[k, 2] = np.nan
        out[k, 3] = np.nan
    else:
        out[k, 2] = mean / spread * np.sqrt(per_year)
        out[k, 3] = mean / np.sqrt(downside / count) * np.sqrt(per_year)
    out[k, 4] = drawdown


@numba.njit(cache=True)
def _add_return(change, count, mean, m2, downside):
    """Welford's running mean and squared deviations, plus the downside sum of squares."""
    count += 1
    delta = change - mean
    mean += delta / count
    m2 += delta * (change - mean)
    if change < 0:
        downside += change * change
    return count, mean, m2, downside


@numba.njit(cache=True)
def _merge_constant(count, mean, m2, downside, change, k):
    """Chan's merge of ``k`` equal returns ``change`` into Welford's running mean and squared deviations."""
    if k <= 0:
        return count, mean, m2, downside
    if count == 0:
        count, mean, m2 = k, change, 0.0
    else:
        total = count + k
        delta = change - mean
        mean += delta * k / total
        m2 += delta * delta * count * k / total
        count = total
    if change < 0:
        downside += k * change * change
    return count, mean, m2, downside


@numba.njit(cache=True)
def _scope(
    s, close, price_col, starts, ends, order_start, order_idx, order_size, order_price, order_fees, order_side,
    init, first, last, seen_before, observed_code, c, per_year, flat, out, combo_gain, combo_base, combo_invested,
):  # fmt: skip
    """One scope's metrics and its share of combination ``c``'s portfolio arrays (combos x sessions).

    A scope holding nothing has a constant value (its cash), so each stretch without a position
    and without an order is taken in one step: its returns are zeros (merged into Welford's
    running moments at once), its drawdown is unchanged, and its observed sessions are counted
    from the cumulative counts ``seen_before``; only sessions with a position or an order are walked.
    """
    n_rows = close.shape[0]
    a, b = starts[s], ends[s]
    position = np.zeros(b - a)
    pointer = order_start[a:b].copy()
    cash = init[s]
    previous = np.nan
    first_value = np.nan
    last_value = np.nan
    count, mean, m2, downside = 0, 0.0, 0.0, 0.0
    peak, drawdown = -np.inf, 0.0
    seen, held = 0, 0
    code = observed_code[s]
    alive = max(first[s] - 1, 0) + 1  # the first session on which the sleeve is alive, and on the one before
    t = 0
    while t < n_rows:
        flat_now = True
        upcoming = n_rows
        for j in range(b - a):
            if position[j] != 0.0:
                flat_now = False
                break
            if pointer[j] < order_start[a + j + 1] and order_idx[pointer[j]] < upcoming:
                upcoming = order_idx[pointer[j]]
        if flat_now and upcoming > t:  # sessions t..upcoming-1: nothing held, no order: the value is the cash
            value = cash
            change = value / value - 1.0
            lo, hi = max(t, alive), min(upcoming, last[s] + 1)
            step = value - value  # the gain of a constant value: 0 (NaN for an infinite or missing one)
            for u in range(lo, hi):
                if step != 0.0:
                    combo_gain[c, u] += step
                combo_base[c, u] += value
            lo, hi = max(t, first[s]), min(upcoming, last[s] + 1)
            if lo < hi:
                if lo == first[s]:
                    first_value = value
                count, mean, m2, downside = _merge_constant(
                    count, mean, m2, downside, change, hi - lo - (1 if lo == first[s] else 0)
                )
                peak = max(peak, value)
                drawdown = min(drawdown, value / peak - 1.0)
                last_value = value
                seen += hi - lo if code < 0 else seen_before[hi, code] - seen_before[lo, code]
            previous = value
            t = upcoming
            continue
        invested = False
        for j in range(b - a):
            col = a + j
            while pointer[j] < order_start[col + 1] and order_idx[pointer[j]] == t:
                o = pointer[j]
                if order_side[o] == 0:
                    position[j] += order_size[o]
                    cash -= order_size[o] * order_price[o] + order_fees[o]
                else:
                    position[j] -= order_size[o]
                    cash += order_size[o] * order_price[o] - order_fees[o]
                pointer[j] += 1
        value = cash
        for j in range(b - a):
            if abs(position[j]) > DUST:
                invested = True
            if position[j] != 0.0:
                value += position[j] * close[t, price_col[a + j]]
        if alive <= t and t <= last[s]:  # the sleeve is alive on t - 1 and on t
            combo_gain[c, t] += value - previous
            combo_base[c, t] += previous
        if invested:
            combo_invested[c, t] = True
        if first[s] <= t <= last[s]:
            if t == first[s]:
                first_value = value
            else:
                count, mean, m2, downside = _add_return(value / previous - 1.0, count, mean, m2, downside)
            peak = max(peak, value)
            drawdown = min(drawdown, value / peak - 1.0)
            last_value = value
            if code < 0 or seen_before[t + 1, code] > seen_before[t, code]:
                seen += 1
                held += invested
        previous = value
        t += 1
    _finish(first_value, last_value, last[s] - first[s], count, mean, m2, downside, drawdown, per_year, flat, out, s)
    out[s, 5] = held / seen if seen > 0 else np.nan


@numba.njit(cache=True, parallel=True)
def scope_stats_nb(
    close, price_col, starts, ends, order_start, order_idx, order_size, order_price, order_fees, order_side,
    init, first, last, seen_before, observed_code, combo_scopes, per_year, flat,
):  # fmt: skip
    """Metrics per scope (columns ``starts[s]:ends[s]``) and each combination's portfolio.

    Column ``col`` is valued at ``close[:, price_col[col]]`` (the shared, forward-filled prices);
    ``seen_before[t, k]`` counts the sessions before ``t`` on which underlying ``k`` has a price
    (``observed_code[s]``: the scope's underlying, -1 for none: every session counts). The scopes
    of combination ``c`` are ``combo_scopes[c]:combo_scopes[c + 1]``; combinations run on numba's
    threads (each writes only its own rows, in scope order: the sums do not depend on the threads).

    Returns (metrics: scopes x [total, cagr, sharpe, sortino, max_dd, exposure], combo_gain and
    combo_base: sessions x combos, the sums over the sleeves alive on a session and the one before
    of their gains and of their previous values (see :func:`backtests.measures._performance.portfolio_index`), and
    combo_invested: sessions x combos), the last three column-major.
    """
    n_rows = close.shape[0]
    n_combos = len(combo_scopes) - 1
    out = np.full((len(starts), 6), np.nan)
    combo_gain = np.zeros((n_combos, n_rows))
    combo_base = np.zeros((n_combos, n_rows))
    combo_invested = np.zeros((n_combos, n_rows), dtype=np.bool_)
    for c in numba.prange(n_combos):
        for s in range(combo_scopes[c], combo_scopes[c + 1]):
            _scope(
                s, close, price_col, starts, ends, order_start, order_idx, order_size, order_price, order_fees,
                order_side, init, first, last, seen_before, observed_code, c, per_year, flat, out, combo_gain,
                combo_base, combo_invested,
            )  # fmt: skip
    return out, combo_gain.T, combo_base.T, combo_invested.T


@numba.njit(cache=True)
def value_stats_nb(value, invested, per_year, flat):
    """The same metrics for whole value series (every row counts), e.g. each combination's portfolio."""
    n_rows, n_cols = value.shape
    out = np.full((n_cols, 6), np.nan)
    for k in range(n_cols):
        count, mean, m2, downside = 0, 0.0, 0.0, 0.0
        peak, drawdown, held = -np.inf, 0.0, 0
        for t in range(n_rows):
            if t > 0:
                count, mean, m2, downside = _add_return(value[t, k] / value[t - 1, k] - 1.0, count, mean, m2, downside)
            peak = max(peak, value[t, k])
            drawdown = min(drawdown, value[t, k] / peak - 1.0)
            held += invested[t, k]
        _finish(
            value[0, k], value[n_rows - 1, k], n_rows - 1, count, mean, m2, downside, drawdown, per_year, flat, out, k
        )
        out[k, 5] = held / n_rows
    return out
