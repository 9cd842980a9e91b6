"""A plain-Python replay of the event-driven trading rule, written from the README, not from the code.

The README ("How the first strategy works") states the rule; this module implements it with lists
and loops for one asset on its own sessions, sharing nothing with vectorbt or reelab's simulator:

1. Each event gives a signal on the asset's first session with a price on or after the session it
   became tradable; the signals of one session net out (long +1, short -1 each); a net short is
   dropped unless shorts are allowed.
2. Flat: a signal opens a position at that session's close. An A-share buy cannot fill at a close
   at limit-up and a sell not at a close at limit-down: the order waits for the next session that
   can fill it.
3. Open: at each later session's close, in this order:
   a. a stop: stop-loss when the close is at or beyond (1 -/+ stop) x the entry close, trailing
      stop against the best close of the sessions before, take-profit at (1 +/- tp) x entry close
      (filled at that close, never deferred);
   b. a signal in the position's direction: nothing is sent; if the time exit is due that session,
      the position rolls over (its time exit counts again from there), otherwise the signal is
      skipped ("position open");
   c. a signal against the position closes it at that close (it does not open the other side);
   d. the time exit (``horizon`` sessions after the entry or the last roll) or an early exit
      (momentum: the k-session return at the previous session was against the position) closes it.
   Closing waits at a locked close like any order, and keeps the reason it had when first due.

The desk's costs (README "Costs a desk would recognise"), also in plain Python below: each order pays
its exchange's commission on its value; a sell of an A-share pays the stamp duty of its day (0.1% until
2023-08-27, 0.05% from 2023-08-28); a short pays its borrow fee, a year's rate on the short's value at
each close for the calendar days to the next session (actual/365), when it is covered; with lots, an
entry buys (or shorts) as many whole lots as the sleeve's cash pays for, fee included.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Trade:
    entry: int
    side: int  # +1 long, -1 short
    exit: int | None = None
    reason: str = "open"
    renewed: list[int] = field(default_factory=list)


def entry_signals(
    sessions_with_price: list, event_sessions: list, signs: list[int], allow_short: bool, shortable: bool = True
):
    """{session position: +1 or -1} from events (their aligned sessions and signs); and skips.

    A net short on an asset the universe says is not shortable is skipped, and says so."""
    total: dict[int, int] = {}
    skipped = []
    for session, sign in zip(event_sessions, signs):
        position = next((k for k, day in enumerate(sessions_with_price) if day >= session), None)
        if position is None:
            skipped.append((session, "no price on or after its session"))
            continue
        total[position] = total.get(position, 0) + sign
    signals = {}
    for position, net in sorted(total.items()):
        if net == 0:
            skipped.append((position, "netted out by an opposite event"))
        elif net < 0 and not allow_short:
            skipped.append((position, "short side not allowed (allow_short=False)"))
        elif net < 0 and not shortable:
            skipped.append((position, "short side not allowed: not shortable (universe shortable=no)"))
        else:
            signals[position] = 1 if net > 0 else -1
    return signals, skipped


def momentum_against(closes: list[float], lookback: int | None) -> list[int]:
    """+1 where the long side should unwind at this close, -1 for the short side, 0 otherwise.

    The k-session return measured at the close of session t acts at the close of session t + 1.
    """
    marks = [0] * len(closes)
    if lookback is None:
        return marks
    for t in range(lookback, len(closes) - 1):
        change = closes[t] / closes[t - lookback] - 1
        marks[t + 1] = 1 if change < 0 else -1 if change > 0 else 0
    return marks


def replay(
    closes: list[float],
    signals: dict[int, int],
    horizon: int,
    stop_loss: float | None = None,
    take_profit: float | None = None,
    trailing: float | None = None,
    momentum: list[int] | None = None,
    buy_locked: list[bool] | None = None,
    sell_locked: list[bool] | None = None,
) -> tuple[list[Trade], list[tuple[int, str]]]:
    """The trades of one asset (positions are own sessions) and each signal's fate.

    Fates: ``entered``, ``renewed``, ``closed`` (it closed the position against it), or a skip
    reason: ``position open``, ``closed by a stop on that session``, ``replaced by an opposite
    signal while waiting at a daily limit``, ``waited at a daily limit until the data ended``.
    """
    n = len(closes)
    momentum = momentum or [0] * n
    buy_locked = buy_locked or [False] * n
    sell_locked = sell_locked or [False] * n
    trades: list[Trade] = []
    fates: dict[int, str] = {}
    waiting: list[int] = []  # signals waiting at a locked close to enter
    trade: Trade | None = None
    anchor = 0  # session the time exit counts from
    entry_close = best = 0.0
    waiting_entry = 0  # +1 / -1: an entry waiting at a locked close
    waiting_exit = ""  # the reason of an exit waiting at a locked close
    for t in range(n):
        close = closes[t]
        signal = signals.get(t, 0)
        if trade is None:
            if signal and waiting_entry and signal != waiting_entry:
                for k in waiting:
                    fates[k] = "replaced by an opposite signal while waiting at a daily limit"
                waiting = []
            if signal:
                waiting.append(t)
            want = signal or waiting_entry
            if want:
                locked = buy_locked[t] if want > 0 else sell_locked[t]
                if locked:
                    waiting_entry = want
                    continue
                for k in waiting:
                    fates[k] = "entered"
                waiting, waiting_entry = [], 0
                trade = Trade(entry=t, side=want)
                anchor, entry_close, best, waiting_exit = t, close, close, ""
            continue
        side = trade.side
        # a. stops, at this close, against the entry close (trailing: the best close before today)
        hit = None
        if stop_loss is not None and (close <= entry_close * (1 - stop_loss) if side > 0
                                      else close >= entry_close * (1 + stop_loss)):  # fmt: skip
            hit = "stop_loss"
        elif trailing is not None and (close <= best * (1 - trailing) if side > 0 else close >= best * (1 + trailing)):
            hit = "trailing_stop"
        elif take_profit is not None and (close >= entry_close * (1 + take_profit) if side > 0
                                          else close <= entry_close * (1 - take_profit)):  # fmt: skip
            hit = "take_profit"
        best = max(best, close) if side > 0 else min(best, close)
        if hit:
            trade.exit, trade.reason = t, hit
            trades.append(trade)
            trade = None
            if signal:
                fates[t] = "closed by a stop on that session"
            continue
        due = t - anchor >= horizon
        if signal == side:  # b. fresh news in the position's direction
            waiting_exit = ""
            if due:
                anchor = t
                trade.renewed.append(t)
                fates[t] = "renewed"
            else:
                fates[t] = "position open"
            continue
        if signal == -side:
            fates[t] = "closed"
        reason = waiting_exit or (
            "opposite_signal" if signal == -side else "time" if due else "signal" if momentum[t] == side else ""
        )
        if not reason:
            continue
        if sell_locked[t] if side > 0 else buy_locked[t]:  # the exit waits, keeping its first reason
            waiting_exit = reason
            continue
        waiting_exit = ""
        trade.exit, trade.reason = t, reason
        trades.append(trade)
        trade = None
    if trade is not None:
        trades.append(trade)
    for k in waiting:
        fates[k] = "waited at a daily limit until the data ended"
    return trades, fates


# ---- the portfolio of sleeves (README: "The portfolio is value-weighted and never rebalanced") ----------------
#
# Written from the README with lists and loops, not from backtests.simulation._vbt: each asset is a sleeve with its
# own starting capital, alive from the session before its first price to its last price; on a session the
# portfolio's return is the live sleeves' summed gain over their summed value the session before.


def filled(prices: list) -> list:
    """Each session's last known price (None before the first)."""
    out, last = [], None
    for price in prices:
        if price is not None and price == price:  # NaN is missing
            last = price
        out.append(last)
    return out


def sleeve_span(prices: list) -> tuple[int, int]:
    """(first, last) session of a sleeve: the session before its first price, its last price."""
    seen = [k for k, price in enumerate(prices) if price is not None and price == price]
    return max(seen[0] - 1, 0), seen[-1]


def trade_value(trade: dict, prices: list, t: int, fees: float) -> float:
    """What a trade adds to its sleeve's value after the close of session ``t``: its position at that
    close less what it paid (the fill, slippage included, and a fee of ``fees`` of the traded value);
    from its exit on, its P&L."""
    if t < trade["entry"]:
        return 0.0
    if trade["exit"] is not None and t >= trade["exit"]:
        return trade["pnl"]
    sign = 1.0 if trade["side"] == "long" else -1.0
    return sign * trade["size"] * (prices[t] - trade["entry_price"]) - fees * trade["size"] * trade["entry_price"]


def sleeve_values(trades: list[dict], prices: list, init_cash: float, fees: float) -> list[float]:
    """A sleeve's value on every session: its starting capital plus what each of its trades adds."""
    prices = filled(prices)
    return [init_cash + sum(trade_value(trade, prices, t, fees) for trade in trades) for t in range(len(prices))]


def buy_and_hold_values(prices: list, init_cash: float, fees: float, slippage: float) -> list[float]:
    """Buy at the first price with all the cash (slippage on the price, fee on the traded value), hold."""
    prices = filled(prices)
    first = next(k for k, price in enumerate(prices) if price is not None)
    units = init_cash / (prices[first] * (1 + slippage) * (1 + fees))
    return [init_cash if t < first else units * prices[t] for t in range(len(prices))]


def live(spans: list[tuple[int, int]], t: int) -> list[int]:
    """The sleeves alive on session t - 1 and on session t."""
    return [k for k, (first, last) in enumerate(spans) if first <= t - 1 and t <= last]


def portfolio_returns(values: list[list[float]], spans: list[tuple[int, int]]) -> list[float]:
    """Value-weighted: the live sleeves' summed gain over their summed value the session before (from t = 1)."""
    returns = []
    for t in range(1, len(values[0])):
        alive = live(spans, t)
        base = sum(values[k][t - 1] for k in alive)
        gain = sum(values[k][t] - values[k][t - 1] for k in alive)
        returns.append(gain / base if base > 0 else 0.0)
    return returns


def equal_weight_returns(values: list[list[float]], spans: list[tuple[int, int]]) -> list[float]:
    """The alternative: the mean of the live sleeves' returns (equal weights, rebalanced daily)."""
    returns = []
    for t in range(1, len(values[0])):
        alive = live(spans, t)
        each = [values[k][t] / values[k][t - 1] - 1 for k in alive]
        returns.append(sum(each) / len(each) if each else 0.0)
    return returns


def index_levels(returns: list[float]) -> list[float]:
    """The index: 1 at the start, compounded by each session's return."""
    levels = [1.0]
    for r in returns:
        levels.append(levels[-1] * (1 + r))
    return levels


def annualized_sharpe(returns: list[float], sessions_per_year: float) -> float:
    """Mean over standard deviation (n - 1) of the returns, times the square root of the sessions per year."""
    n = len(returns)
    mean = sum(returns) / n
    sd = (sum((r - mean) ** 2 for r in returns) / (n - 1)) ** 0.5
    return mean / sd * sessions_per_year**0.5


def event_contributions(trades: list[dict], sleeve_of: list[int], prices: list[list], values: list[list[float]],
                        spans: list[tuple[int, int]], fees: float) -> dict[str, float]:  # fmt: skip
    """Each event's contribution to the portfolio's total return: on each session, its trades' gain (split
    equally among the events that opened a trade) over the live sleeves' value the session before, times
    the index the session before."""
    levels = index_levels(portfolio_returns(values, spans))
    prices = [filled(column) for column in prices]
    out: dict[str, float] = {}
    for trade, sleeve in zip(trades, sleeve_of):
        end = trade["exit"] if trade["exit"] is not None else len(levels) - 1
        for t in range(max(trade["entry"], 1), end + 1):
            alive = live(spans, t)
            if sleeve not in alive:
                continue
            base = sum(values[k][t - 1] for k in alive)
            gain = trade_value(trade, prices[sleeve], t, fees) - trade_value(trade, prices[sleeve], t - 1, fees)
            for event in trade["events"]:
                out[event] = out.get(event, 0.0) + gain / base * levels[t - 1] / len(trade["events"])
    return out


# ---- the desk's costs (README: "Costs a desk would recognise"), from the README's table -----------------------

#: Commission per order, a fraction of its value, by exchange (the README's defaults).
COMMISSION = {"XNYS": 0.0005, "XNAS": 0.0005, "XASE": 0.0005, "ARCX": 0.0005, "XTSE": 0.0005, "XASX": 0.001,
              "XSHG": 0.0003, "XSHE": 0.0003}  # fmt: skip
LOT = {"XSHG": 100, "XSHE": 100}  # shares per board lot; 1 elsewhere
BORROW = {"XSHG": 0.08, "XSHE": 0.08, "elsewhere": 0.005}  # a year (A-shares: when made shortable)
HALVED = "2023-08-28"  # China's stamp duty on sells: 0.1%, 0.05% from this day


def stamp_duty(exchange: str, day) -> float:
    """What a sell of ``exchange`` pays on ``day`` (China's A-shares only)."""
    if exchange not in ("XSHG", "XSHE"):
        return 0.0
    return 0.0005 if f"{day:%Y-%m-%d}" >= HALVED else 0.001


def fee_rate(exchange: str, sell: bool, day, commission: float | None = None) -> float:
    """An order's fee as a fraction of its value: the commission, and the stamp duty when it sells."""
    rate = COMMISSION[exchange] if commission is None else commission
    return rate + (stamp_duty(exchange, day) if sell else 0.0)


def entry_units(cash: float, price: float, fee: float, lot: int | None) -> float:
    """How much an entry of all the sleeve's cash buys (or shorts) at ``price``, fee included: whole lots
    when ``lot`` is given."""
    units = cash / (1 + fee) / price
    return units if lot is None else float(units // lot * lot)


def borrow_cost(units: float, closes: list[float], days: list, entry: int, exit: int, rate: float) -> float:
    """A short's borrow fee: ``rate`` a year on its value at each close from its entry to the session before
    its cover, for the calendar days to the next session."""
    return sum(rate * units * closes[k] * (days[k + 1] - days[k]).days / 365 for k in range(entry, exit))
