"""Market rules of China's A-share market that change what a backtest can fill.

* **Daily price limits.** A main-board share may not trade more than ±10% from the previous close;
  STAR (``688``) shares ±20%; ChiNext (``300``/``301``) shares ±10% until 2020-08-21 and ±20% from
  2020-08-24 (the ChiNext registration reform). Orders here fill at the close, so a session that
  *closes* at limit-up cannot fill a buy (no sellers at that price) and one that closes at limit-down
  cannot fill a sell. :func:`market_locks` marks those sessions; the simulator makes an order that
  meets one wait for the asset's next session on which it can fill.
* **T+1.** Shares bought on a session can be sold on the next session at the earliest. The
  simulator sends at most one order per asset and session and never exits on the entry session,
  so T+1 holds by construction.

Both rules apply to assets listed in Shanghai or Shenzhen (``XSHG``, ``XSHE``).
Not modelled: stops that vectorbt triggers itself are not deferred; ST shares (±5%) and the first
sessions after a listing (no limit) are treated like their board.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from signals import A_SHARE_EXCHANGES

__all__ = ["CHINEXT_REFORM", "LIMIT_TOLERANCE", "market_locks", "price_limit"]

#: Closes within this of the limit count as locked (prices are rounded to the fen).
LIMIT_TOLERANCE = 0.003
#: First session of ChiNext's ±20% limit (before it: ±10%).
CHINEXT_REFORM = pd.Timestamp("2020-08-24")


def price_limit(ticker: str, session: str | pd.Timestamp | None = None) -> float:
    """The daily price limit of an A-share on ``session`` (default: today's rules).

    Examples
    --------
    >>> price_limit("600111"), price_limit("688001"), price_limit("300748")
    (0.1, 0.2, 0.2)
    >>> price_limit("300748", "2020-08-21")
    0.1
    """
    if ticker.startswith("688"):
        return 0.20
    if ticker.startswith(("300", "301")):
        return 0.20 if session is None or pd.Timestamp(session) >= CHINEXT_REFORM else 0.10
    return 0.10


def _limits(ticker: str, sessions: pd.DatetimeIndex) -> np.ndarray:
    """:func:`price_limit` of ``ticker`` on every session (vectorised)."""
    if ticker.startswith(("300", "301")):
        return np.where(sessions >= CHINEXT_REFORM, 0.20, 0.10)
    return np.full(len(sessions), price_limit(ticker))


def market_locks(close: pd.DataFrame, universe: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(buy_locked, sell_locked): the sessions on which each A-share closed at its upper / lower limit.

    Both frames have ``close``'s shape and are False for every other asset and session. The change
    is measured from the asset's previous close on its own sessions.
    """
    buy_locked = pd.DataFrame(False, index=close.index, columns=close.columns)
    sell_locked = buy_locked.copy()
    for asset in close.columns:
        if asset not in universe.index or universe.at[asset, "exchange"] not in A_SHARE_EXCHANGES:
            continue
        observed = close[asset].notna().to_numpy()
        prices = close[asset].to_numpy()[observed]
        change = np.concatenate([[0.0], prices[1:] / prices[:-1] - 1])
        limit = _limits(asset, close.index[observed]) - LIMIT_TOLERANCE
        for frame, locked in ((buy_locked, change >= limit), (sell_locked, change <= -limit)):
            column = np.zeros(len(close), dtype=bool)
            column[observed] = locked
            frame[asset] = column
    return buy_locked, sell_locked
