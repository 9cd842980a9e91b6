"""How often the price store's jump check (backtests/_jumps.py) would stop an update, on real history.

Every session of the bundled snapshot (29 tickers, 2009-2026) is checked as if it had just arrived:
its close-to-close ratio against the ticker's own volatility over the 60 sessions before it, the
split ratios and the A-share limits (the rules of :func:`backtests.prices._jumps.find_jumps`, with its
``split_like`` and limits, vectorised over sessions). Prints the sessions flagged under the shipped
settings and the counts for other settings, so the setting is a measured choice.

    python benchmarks/jumps.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import seeds
from backtests.prices import _jumps
from signals import load_universe


def flagged(multiple: float, floor: float) -> list[tuple[str, pd.Timestamp, float, str]]:
    universe = load_universe()
    bundled = pd.read_parquet(seeds.path("prices.parquet"))
    found = []
    for ticker, rows in bundled.groupby("ticker"):
        close = rows.set_index("date")["close"]
        log_return = np.log(close).diff()
        window = _jumps.VOLATILITY_SESSIONS
        volatility = log_return.rolling(window, min_periods=20).std().shift(1)  # the sessions before each one
        threshold = np.maximum(floor, multiple * volatility).fillna(np.inf)
        exchange = universe.at[ticker, "exchange"]
        for session, change in log_return.dropna().items():
            ratio = float(np.exp(change))
            tolerance = volatility[session] * 3 if np.isfinite(volatility[session]) else _jumps.SPLIT_TOLERANCE
            tolerance = min(max(_jumps.SPLIT_TOLERANCE, tolerance), _jumps.MAX_SPLIT_TOLERANCE)
            reason = _jumps.split_like(ratio, tolerance) if abs(change) >= 0.2 else None
            limit = _jumps._limit(ticker, exchange, session)
            if reason is None and limit is not None and abs(ratio - 1) > limit + _jumps.LIMIT_SLACK:
                reason = "beyond the daily limit"
            if reason is None and abs(change) > threshold[session]:
                reason = f"{abs(change) / volatility[session]:.0f} x volatility"
            if reason is not None:
                found.append((str(ticker), session, ratio, reason))
    return found


def main() -> None:
    shipped = flagged(_jumps.VOLATILITY_MULTIPLE, _jumps.MIN_JUMP)
    sessions = len(pd.read_parquet(seeds.path("prices.parquet")))
    print(f"shipped settings (x{_jumps.VOLATILITY_MULTIPLE:g} volatility, |log return| > {_jumps.MIN_JUMP}): "
          f"{len(shipped)} of {sessions:,} ticker-sessions flagged")  # fmt: skip
    for ticker, session, ratio, reason in shipped:
        print(f"  {ticker:<7} {session:%Y-%m-%d}  x{ratio:.3f}  {reason}")
    print("\nvolatility multiple  floor  sessions flagged")
    for multiple in (6, 8, 10, 12):
        for floor in (0.15, 0.25):
            print(f"{multiple:>19}  {floor:>5}  {len(flagged(multiple, floor)):>15}")


if __name__ == "__main__":
    main()
