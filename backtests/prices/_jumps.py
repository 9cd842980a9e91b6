"""Return checks on new prices: Yahoo's splits, and jumps no price should make unseen.

Yahoo restates a ticker's history after a split, but not always at once: for a day or two the new
close may sit beside unadjusted earlier closes, and a 10:1 split then reads as a -90% session. Two
checks run on the closes of every update before anything is stored:

* :func:`split_adjusted`: where Yahoo's ``Stock Splits`` column reports a split whose ratio explains
  the session's move better than no split does, the earlier fetched prices were not adjusted yet:
  they are divided by the split (volume multiplied), and the update says so.
* :func:`find_jumps`: a session whose close-to-close ratio looks like a split (within 1.5%, or three
  daily volatilities up to 5%, of n:1 or 1:n, n = 2..100), or whose log
  return exceeds :data:`VOLATILITY_MULTIPLE` times the ticker's own volatility over its last
  :data:`VOLATILITY_SESSIONS` stored sessions (and at least :data:`MIN_JUMP`), or an A-share move
  beyond its daily price limit, is a :class:`Jump`: the ticker is refused until the user accepts
  that session (``--accept MP:2026-10-01``).

Checked session by session on the bundled snapshot (29 tickers, 2009-2026), the rules flag 12 of
87,581 ticker-sessions, about one a year for the whole universe, Iluka's 2020 demerger among them
(``python benchmarks/jumps.py`` prints them, and the counts for other settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

__all__ = ["MIN_JUMP", "SPLIT_TOLERANCE", "VOLATILITY_MULTIPLE", "Jump", "find_jumps", "split_adjusted", "split_like"]

#: A ratio within this (relative) of a split ratio looks like a split; for a volatile ticker, within three
#: daily volatilities (the day's own move rides on the split), at most :data:`MAX_SPLIT_TOLERANCE`.
SPLIT_TOLERANCE = 0.015
MAX_SPLIT_TOLERANCE = 0.05
#: A log return above this many times the ticker's recent daily volatility is a jump ...
VOLATILITY_MULTIPLE = 10.0
#: ... if it is also above this (|log return|; 0.25 is a move of +28% or -22%).
MIN_JUMP = 0.25
#: Stored sessions whose returns give the ticker's recent volatility (at least 20 are needed).
VOLATILITY_SESSIONS = 60
#: A-share closes may land a little past the limit through rounding to the fen.
LIMIT_SLACK = 0.005

#: Price ratios of n-for-1 splits and 1-for-n reverse splits. Fractional splits (3:2, 5:4) move a price
#: by 20-33%, as real news does: on the bundled history they would flag 99 real sessions, so those are
#: left to the volatility rule.
_RATIOS = sorted({Fraction(n) for n in range(2, 101)} | {1 / Fraction(n) for n in range(2, 101)})


def split_like(ratio: float, tolerance: float = SPLIT_TOLERANCE) -> str | None:
    """The split a close-to-close ``ratio`` looks like, as new shares : old shares, else None.

    A 10-for-1 split divides the price by 10 (``"10:1"``), a 1-for-2 reverse split doubles it
    (``"1:2"``); a ratio within ``tolerance`` (relative) of either counts.

    >>> split_like(0.1004), split_like(2.01), split_like(0.62)
    ('10:1', '1:2', None)
    """
    for split in _RATIOS:
        if abs(ratio / float(split) - 1) <= tolerance:
            return f"{split.denominator}:{split.numerator}"
    return None


@dataclass(frozen=True)
class Jump:
    """A session whose close moved more than the ticker's prices should without a look."""

    ticker: str
    session: pd.Timestamp
    ratio: float  # the close over the previous close
    reason: str

    @property
    def key(self) -> str:
        """How ``--accept`` names it: ``TICKER:YYYY-MM-DD``."""
        return f"{self.ticker}:{self.session:%Y-%m-%d}"

    def describe(self) -> str:
        return f"{self.ticker} {self.session:%Y-%m-%d}: close x{self.ratio:.4f} ({self.reason})"


def _limit(ticker: str, exchange: str, session: pd.Timestamp) -> float | None:
    from signals import A_SHARE_EXCHANGES

    if exchange not in A_SHARE_EXCHANGES or not (ticker.isdigit() and len(ticker) == 6):
        return None  # indices and other markets have no daily limit
    from strategies import price_limit

    return price_limit(ticker, session)


def find_jumps(ticker: str, exchange: str, close: pd.Series, history: pd.Series) -> list[Jump]:
    """Sessions of ``close`` (new closes, the first one the stored anchor) whose move needs a look.

    ``history`` is the ticker's stored closes before them, for its recent volatility.
    """
    returns = np.log(history.iloc[-VOLATILITY_SESSIONS - 1 :]).diff().dropna()
    volatility = float(returns.std()) if len(returns) >= 20 else np.nan
    threshold = max(MIN_JUMP, VOLATILITY_MULTIPLE * volatility) if np.isfinite(volatility) else np.inf
    tolerance = min(max(SPLIT_TOLERANCE, 3 * volatility), MAX_SPLIT_TOLERANCE) if np.isfinite(volatility) else None
    found = []
    ratios = (close / close.shift(1)).iloc[1:]
    for session, ratio in ratios.items():
        reason = None
        split = split_like(float(ratio), tolerance or SPLIT_TOLERANCE)
        limit = _limit(ticker, exchange, session)
        if split is not None:
            reason = f"looks like a {split} {'split' if ratio < 1 else 'reverse split'}"
        elif limit is not None and abs(ratio - 1) > limit + LIMIT_SLACK:
            reason = f"beyond the {limit:.0%} daily limit of an A-share: a corporate action"
        elif abs(np.log(ratio)) > threshold:
            reason = f"{abs(np.log(ratio)) / volatility:.0f} times its daily volatility of {volatility:.1%}"
        if reason is not None:
            found.append(Jump(ticker, pd.Timestamp(session), float(ratio), reason))
    return found


def split_adjusted(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` (one ticker's new rows by date, with Yahoo's ``split`` column) with earlier prices
    adjusted for each split Yahoo reports but had not applied yet; and one note per reported split."""
    if "split" not in frame.columns:
        return frame, []
    frame = frame.copy()
    notes = []
    reported = frame.index[frame["split"].fillna(0).to_numpy() > 0]
    for session in reported:
        split = float(frame.at[session, "split"])
        position = frame.index.get_loc(session)
        if position == 0 or split == 1:
            continue
        ratio = float(frame["close"].iloc[position] / frame["close"].iloc[position - 1])
        shares = Fraction(split).limit_denominator(100)
        label = f"{shares.numerator}:{shares.denominator}"
        if abs(np.log(ratio * split)) < abs(np.log(ratio)):  # the split explains the move: not adjusted yet
            before = frame.index < session
            for field in ("open", "high", "low", "close", "adj_close"):
                frame.loc[before, field] = frame.loc[before, field] / split
            frame.loc[before, "volume"] = frame.loc[before, "volume"] * split
            notes.append(f"split {label} on {session:%Y-%m-%d} adjusted here (Yahoo had not yet)")
        else:
            notes.append(f"split {label} on {session:%Y-%m-%d} already adjusted by Yahoo")
    return frame, notes
