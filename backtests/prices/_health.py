"""Is everything current? Each ticker's prices against its exchange's last closed session, the store's
checks (``reelab prices verify``) and what ``reelab status`` shows.

A ticker is **current** when its last stored (or bundled) session is its exchange's last session that
had closed by now. :func:`verify_prices` checks more, per ticker: the file is readable, its days are
sessions of its exchange, the sessions added since the bundled snapshot have no gap and no jump the
user did not accept (:mod:`backtests.prices._jumps`), and it is current.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from signals import load_universe, select_tickers, session_table
from signals.errors import PriceDataError

from ._jumps import find_jumps
from ._store import ADJUSTMENT, _read_file, accepted_jumps, checked_data_dir, store_files
from ._validate import _snapshot

__all__ = ["Freshness", "VerifyReport", "freshness", "last_closed_session", "verify_prices"]


def last_closed_session(code: str, now: pd.Timestamp) -> pd.Timestamp:
    """The last session of exchange ``code`` that had closed by ``now`` (tz-aware)."""
    utc = now.tz_convert("UTC").tz_localize(None)
    table = session_table(code, utc + pd.Timedelta(days=1))
    closed = table.sessions[table.closes <= utc.to_datetime64()]
    return closed[-1]


@dataclass(frozen=True)
class Freshness:
    """One ticker's prices: where they come from, their last session, the one expected by now."""

    ticker: str
    exchange: str
    source: str  # "store", "bundled" or "unreadable"
    last_session: pd.Timestamp | None
    expected: pd.Timestamp
    problem: str | None = None  # why the prices could not be read

    @property
    def current(self) -> bool:
        return self.problem is None and self.last_session is not None and self.last_session >= self.expected


def _history(ticker: str, store: Path, known: list[str]) -> tuple[str, pd.DataFrame | None, str | None]:
    """(source, rows or None, the problem): the ticker's store file if it has one, else the snapshot's rows."""
    files = store_files(store, [ticker])
    if ticker in files:
        try:
            return "store", _read_file(ticker, files[ticker], known), None
        except PriceDataError as error:
            return "unreadable", None, str(error)
    bundled = _snapshot()
    return "bundled", bundled[bundled["ticker"] == ticker].reset_index(drop=True), None


def _inspected(tickers, now: pd.Timestamp | None, data_dir) -> list[tuple[Freshness, pd.DataFrame | None]]:
    """Per ticker: its :class:`Freshness` and its prices (None when unreadable), each file read once."""
    universe = load_universe()
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    store = checked_data_dir(data_dir) / "prices"
    found = []
    for ticker in select_tickers(universe, tickers):
        code = universe.at[ticker, "exchange"]
        source, history, problem = _history(ticker, store, list(universe.index))
        last = history["date"].max() if history is not None and len(history) else None
        found.append((Freshness(ticker, code, source, last, last_closed_session(code, now), problem), history))
    return found


def freshness(tickers=None, now: pd.Timestamp | None = None, data_dir: str | Path | None = None) -> list[Freshness]:
    """Per ticker (default: the universe): its prices' source and last session, and the session expected by ``now``."""
    return [row for row, _ in _inspected(tickers, now, data_dir)]


@dataclass(frozen=True)
class VerifyReport:
    """Per ticker, the problems :func:`verify_prices` found (an empty tuple: every check passed)."""

    store: Path
    tickers: tuple[Freshness, ...]
    problems: dict[str, tuple[str, ...]]

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())

    def summary(self) -> str:
        lines = [f"price store: {self.store}", f"{'ticker':<8} {'source':<10} {'last session':<12} {'checks'}"]
        for row in self.tickers:
            last = "-" if row.last_session is None else f"{row.last_session:%Y-%m-%d}"
            found = self.problems[row.ticker]
            lines.append(f"{row.ticker:<8} {row.source:<10} {last:<12} {'ok' if not found else '; '.join(found)}")
        return "\n".join(lines)


def verify_prices(tickers=None, now: pd.Timestamp | None = None, data_dir: str | Path | None = None) -> VerifyReport:
    """Check each ticker's prices (see the module docstring); the report lists the problems per ticker."""
    store = checked_data_dir(data_dir) / "prices"
    accepted = accepted_jumps(store)
    inspected = _inspected(tickers, now, data_dir)
    problems: dict[str, tuple[str, ...]] = {}
    for row, history in inspected:
        found: list[str] = []
        if history is None:
            problems[row.ticker] = (str(row.problem),)
            continue
        dates = history["date"]
        sessions = session_table(row.exchange, dates.max()).sessions
        off = dates[~dates.isin(sessions)]
        if len(off):
            found.append(f"{len(off)} row(s) on days that are not {row.exchange} sessions: "
                         f"{', '.join(off.dt.strftime('%Y-%m-%d').iloc[:3])}")  # fmt: skip
        added = history["adjustment"] == ADJUSTMENT
        if added.any():
            start = int(np.argmax(added.to_numpy()))
            since = dates.iloc[max(start - 1, 0)]
            expected = sessions[(sessions > since) & (sessions <= dates.iloc[-1])]
            gaps = expected[~expected.isin(dates)]
            if len(gaps):
                shown = ", ".join(gaps.strftime("%Y-%m-%d")[:3]) + (" ..." if len(gaps) > 3 else "")
                found.append(f"{len(gaps)} session(s) without a price since {since:%Y-%m-%d}: {shown}")
            closes = history.set_index("date")["close"]
            jumps = find_jumps(row.ticker, row.exchange, closes.loc[since:], closes.loc[:since].iloc[:-1])
            for jump in jumps:
                if jump.key not in accepted:
                    found.append(f"jump not accepted: {jump.describe()}")
        if not row.current:
            last = "no prices" if row.last_session is None else f"prices end {row.last_session:%Y-%m-%d}"
            found.append(f"not current: {last}, {row.exchange}'s last closed session is {row.expected:%Y-%m-%d}")
        problems[row.ticker] = tuple(found)
    return VerifyReport(store, tuple(row for row, _ in inspected), problems)
