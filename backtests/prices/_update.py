"""``reelab prices update``: fresh sessions from Yahoo Finance, checked on their returns, stitched by returns.

An update, per ticker:

1. requests the sessions after the last stored one (the bundled one before any update; with
   ``start``, from that day), starting :data:`OVERLAP` stored sessions earlier, so that old and new
   share a few sessions;
2. keeps the complete sessions of the ticker's exchange (not a session still trading; rows on days
   that are not sessions are dropped and counted) and the rows with a value: a row of NaN is no
   value, and never removes a stored session;
3. applies the splits Yahoo reports but had not applied yet, and checks the snapshot's validation;
4. stitches by returns: the new series is scaled so that it equals the stored one at the last common
   session before the first new one (levels never mix: Yahoo rebases a whole history after a split
   or dividend), and replaces only the stored sessions for which a valid value arrived;
5. checks the new closes' returns (:mod:`backtests.prices._jumps`): a split-like jump or a move far beyond
   the ticker's own volatility refuses the ticker until the user accepts that session;
6. reports sessions added, replaced and kept, gaps, dropped rows, and the overlap's largest relative
   difference between the scaled new and the stored prices (0 at the anchor by construction).

Everything is fetched and checked before anything is written. A refused ticker's file is left as it
was; the files of the others are written together (:func:`backtests.prices._store._commit`), under the
store's lock, so two updates never interleave and a failure (no network) leaves the store as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from signals import exchange_sessions, exchange_zone, load_universe, select_tickers
from signals._io import locked
from signals.dates import parse_day
from signals.errors import ParameterError, PriceDataError, UniverseError

from ._jumps import find_jumps, split_adjusted
from ._store import (
    ACCEPTED,
    ADJUSTMENT,
    COLUMNS,
    _accepted_payload,
    _commit,
    _parquet,
    _read_file,
    _typed,
    checked_data_dir,
)
from ._validate import _snapshot, session_dates, validate_prices

__all__ = ["OVERLAP", "TickerUpdate", "UpdateRefused", "UpdateReport", "update_prices"]

#: Stored sessions fetched again before the first missing one: the overlap that stitching uses.
OVERLAP = 5
#: Overlap differences above this are flagged in the summary.
FLAG_DIFFERENCE = 0.01
Downloader = Callable[[Sequence[str], pd.Timestamp, pd.Timestamp], pd.DataFrame]


@dataclass(frozen=True)
class TickerUpdate:
    """What an update did to one ticker."""

    ticker: str
    symbol: str
    requested_start: pd.Timestamp
    requested_end: pd.Timestamp  # exclusive
    added: int  # sessions after the previous last session
    replaced: int  # stored sessions rewritten with a valid new value (``start`` before the last session)
    kept: int  # stored sessions in the requested range for which no valid value arrived: kept as stored
    gaps: int  # sessions of the exchange after the previous last one that have no price (Yahoo lacks them)
    dropped: tuple[str, ...]  # days of Yahoo rows that are not sessions of the exchange
    last_session: pd.Timestamp
    overlap_sessions: int
    overlap_max_difference: float | None  # relative, after scaling; None without common sessions
    written: bool
    notes: tuple[str, ...] = field(default=())  # splits applied, jumps accepted


@dataclass(frozen=True)
class UpdateReport:
    """The outcome of :func:`update_prices`: the store, one :class:`TickerUpdate` per ticker written
    or current, and ``(ticker, reason)`` per ticker refused (its file unchanged)."""

    store: Path
    updates: tuple[TickerUpdate, ...]
    refused: tuple[tuple[str, str], ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per ticker updated or current."""
        return pd.DataFrame([vars(update) for update in self.updates]).set_index("ticker")

    def summary(self) -> str:
        """Per ticker: sessions added, replaced and kept, gaps, the last session, the overlap's largest difference."""
        written = sum(update.written for update in self.updates)
        refused = f"; {len(self.refused)} refused" if self.refused else ""
        total = len(self.updates) + len(self.refused)
        lines = [
            f"price store: {self.store} ({written} of {total} tickers updated{refused})",
            f"{'ticker':<8} {'symbol':<10} {'added':>5} {'replaced':>8} {'kept':>5} {'gaps':>4} {'last session':<12} "
            f"{'overlap':>7} {'max diff':>9}",
        ]
        for update in self.updates:
            difference = update.overlap_max_difference
            shown = "-" if difference is None else f"{difference:.4%}"
            notes = list(update.notes)
            if difference is not None and difference > FLAG_DIFFERENCE:
                notes.insert(0, "sources disagree, check")
            if update.dropped:
                notes.append(f"{len(update.dropped)} row(s) on days that are not sessions dropped: "
                             f"{', '.join(update.dropped[:3])}{' ...' if len(update.dropped) > 3 else ''}")  # fmt: skip
            lines.append(
                f"{update.ticker:<8} {update.symbol:<10} {update.added:>5} {update.replaced:>8} {update.kept:>5} "
                f"{update.gaps:>4} {update.last_session:%Y-%m-%d}   {update.overlap_sessions:>7} {shown:>9}"
                + (f"  <- {'; '.join(notes)}" if notes else "")
            )
        lines += [f"{ticker:<8} refused: {reason}" for ticker, reason in self.refused]
        return "\n".join(lines)


class UpdateRefused(PriceDataError):
    """Some tickers' new prices were refused (their files unchanged); the others were written.

    ``report`` is the :class:`UpdateReport`.
    """

    def __init__(self, report: UpdateReport):
        self.report = report
        written = [update.ticker for update in report.updates if update.written]
        others = f"; {len(written)} other ticker(s) updated" if written else "; nothing written"
        super().__init__("; ".join(f"refused {ticker}: {reason}" for ticker, reason in report.refused) + others)

    @property
    def details(self) -> dict[str, dict[str, str]]:
        """Why each ticker was refused, for the daily job's log."""
        return {"refused": dict(self.report.refused)}


def _symbols(universe: pd.DataFrame, tickers: list[str]) -> dict[str, str]:
    column = universe["yahoo"] if "yahoo" in universe.columns else pd.Series("", index=universe.index)
    lacking = [ticker for ticker in tickers if not str(column.get(ticker) or "").strip()]
    if lacking:
        raise UniverseError(
            f"no Yahoo Finance symbol for ticker(s) {', '.join(lacking)}: add a 'yahoo' column to the universe "
            "(e.g. LYC.AX for LYC, 600111.SS for 600111, ^AXJO for the ASX 200)"
        )
    return {ticker: str(column[ticker]).strip() for ticker in tickers}


def _horizon(today: str | date | pd.Timestamp | None) -> tuple[pd.Timestamp, pd.Timestamp | None, pd.Timestamp]:
    """(last day taken, the instant sessions must have closed by or None, the request's exclusive end)."""
    if today is None:
        today = pd.Timestamp.now(tz="UTC")
    if isinstance(today, pd.Timestamp) and today.tzinfo is not None:
        now = today.tz_convert("UTC")
        utc_day = now.tz_localize(None).normalize()
        # Asian sessions are dated a day ahead of UTC in the evening: ask through the next day.
        return utc_day + pd.Timedelta(days=1), now, utc_day + pd.Timedelta(days=2)
    day = parse_day(today, "today")
    return day, None, day + pd.Timedelta(days=1)


def _complete(code: str, days: pd.Series, now: pd.Timestamp | None, last_day: pd.Timestamp) -> tuple[pd.Series, list]:
    """Which rows are finished sessions of ``code`` (sessions that closed by ``now``), and the days of
    rows that are not sessions at all (dropped, and said)."""
    from signals import session_table

    keep = days <= last_day
    if days.empty:
        return keep, []
    table = session_table(code, days.max())
    session = days.isin(table.sessions)
    off_calendar = sorted({f"{day:%Y-%m-%d}" for day in days[keep & ~session]})
    keep &= session
    if now is not None and keep.any():
        closes = pd.Series(table.closes, index=table.sessions)
        close_at = days[keep].map(closes)
        keep[keep] = (close_at <= now.tz_localize(None)).to_numpy(bool)
    return keep, off_calendar


def _history(ticker: str, store: Path, known: list[str], rebuild: bool) -> pd.DataFrame:
    file = store / f"{ticker}.parquet"
    if file.is_file() and not rebuild:
        return _read_file(ticker, file, known)
    bundled = _snapshot()
    return bundled[bundled["ticker"] == ticker].reset_index(drop=True)


def _plan(history: pd.DataFrame, start: pd.Timestamp | None, ticker: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(first session to replace, first day to request)."""
    if history.empty:
        if start is None:
            raise ParameterError("start", None, f"a first date: {ticker} has no stored or bundled prices to extend")
        return start, start
    replace_from = history["date"].iloc[-1] + pd.Timedelta(days=1)
    if start is not None:
        replace_from = min(replace_from, start)
    before = history.loc[history["date"] < replace_from, "date"]
    if before.empty:
        raise ParameterError(
            "start", f"{start:%Y-%m-%d}", f"a date after {ticker}'s first stored session "
            f"{history['date'].iloc[0]:%Y-%m-%d}, so the new prices can be stitched to it by returns"
        )  # fmt: skip
    return replace_from, before.iloc[-min(OVERLAP, len(before))]


@dataclass(frozen=True)
class _Stitched:
    frame: pd.DataFrame
    anchor: pd.Timestamp | None
    replaced: int
    kept: int
    overlap: int
    difference: float | None


def _stitch(history: pd.DataFrame, new: pd.DataFrame, replace_from: pd.Timestamp, ticker: str) -> _Stitched:
    """The history continued by ``new`` (scaled by returns at the anchor), replacing only the stored
    sessions from ``replace_from`` on for which ``new`` has a value."""
    old = history.set_index("date")
    fresh = new.set_index("date")
    common = old.index.intersection(fresh.index)
    scaled = fresh.copy()
    difference: float | None = None
    anchor = None
    if not old.empty:
        anchors = common[common < replace_from]
        if anchors.empty:
            raise PriceDataError(
                f"Yahoo Finance {ticker}: no session in common with the stored prices before "
                f"{replace_from:%Y-%m-%d}, so the new prices cannot be stitched by returns"
            )
        anchor = anchors[-1]
        factors = {field: old.at[anchor, field] / fresh.at[anchor, field] for field in ("close", "adj_close")}
        for field in ("open", "high", "low", "close"):
            scaled[field] = fresh[field] * factors["close"]
        scaled["adj_close"] = fresh["adj_close"] * factors["adj_close"]
        scaled["volume"] = fresh["volume"] / factors["close"]  # shares scale inversely, value traded stays
        gaps = [
            (scaled.loc[common, field] / old.loc[common, field] - 1).abs().max() for field in ("close", "adj_close")
        ]
        difference = float(max(gaps))
    incoming = scaled[scaled.index >= replace_from].reset_index()
    incoming["ticker"], incoming["adjustment"] = ticker, ADJUSTMENT
    later = history["date"] >= replace_from
    without_value = later & ~history["date"].isin(incoming["date"])
    parts = [history[~later], history[without_value], incoming[COLUMNS]]
    frame = pd.concat([part for part in parts if not part.empty], ignore_index=True).sort_values("date", kind="stable")
    return _Stitched(_typed(frame), anchor, int((later & ~without_value).sum()), int(without_value.sum()),
                     len(common), difference)  # fmt: skip


def _accepted(accept: Iterable[str], chosen: list[str]) -> set[str]:
    """``TICKER:YYYY-MM-DD`` items, each naming a ticker of the update."""
    keys = set()
    for item in accept:
        ticker, separator, day = str(item).partition(":")
        if not separator or ticker not in chosen:
            raise ParameterError(
                "accept", item, f"TICKER:YYYY-MM-DD with a ticker of this update ({', '.join(chosen)})"
            )
        keys.add(f"{ticker}:{parse_day(day, 'accept'):%Y-%m-%d}")
    return keys


def _valid_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with a close and an adjusted close: Yahoo's NaN rows are no value, never a deletion."""
    return rows[rows["close"].notna() & rows["adj_close"].notna()]


def update_prices(
    tickers: Iterable[str] | str | None = None,
    start: str | date | pd.Timestamp | None = None,
    data_dir: str | Path | None = None,
    downloader: Downloader | None = None,
    today: str | date | pd.Timestamp | None = None,
    universe: pd.DataFrame | None = None,
    accept: Iterable[str] = (),
    rebuild: bool = False,
    wait: float | None = None,
) -> UpdateReport:
    """Fetch the sessions missing from the price store, check them, stitch them by returns, write them.

    Parameters
    ----------
    tickers : the assets (default: the whole universe).
    start : fetch from this date even where the store already has data (its sessions from ``start``
        on are replaced where a valid value arrives, kept otherwise); default: only the sessions after
        the last stored one.
    data_dir : the data dir (default :func:`data_dir`); the store is its ``prices`` folder.
    downloader : ``(symbols, start, end) -> long frame`` (:data:`backtests.prices._yahoo.COLUMNS`, ``end``
        exclusive); default :func:`backtests.prices._yahoo.download` (Yahoo Finance, the ``yahoo`` extra).
    today : the last day to take: a date takes every session through it; a time-zone-aware instant
        (default: now) takes the sessions that had closed by then, never one still trading.
    universe : assets and their ``yahoo`` symbols (default: the shipped universe).
    accept : ``TICKER:YYYY-MM-DD`` sessions whose jump (:mod:`backtests.prices._jumps`) is real: stored as is.
    rebuild : set each ticker's history anew from the bundled snapshot and Yahoo, ignoring its store file
        (the repair for an unreadable file).
    wait : seconds to wait for another update's lock (default :data:`signals._io.LOCK_WAIT`).

    Raises :class:`~signals.errors.PriceSourceUnavailable` when the source cannot be reached (nothing
    written), :class:`UpdateRefused` when some tickers' data were refused (the others are written;
    ``.report`` holds both), and :class:`~signals.errors.ReelabError` for bad input (a ticker without
    a symbol, a data dir that cannot be written: nothing written).
    """
    universe = universe if universe is not None else load_universe()
    chosen = select_tickers(universe, tickers)
    symbols = _symbols(universe, chosen)
    first = parse_day(start, "start") if start is not None else None
    accepted = _accepted(accept, chosen)
    last_day, now, end = _horizon(today)
    known = list(universe.index)
    if downloader is None:
        from . import _yahoo

        downloader = _yahoo.download
    store = checked_data_dir(data_dir, writable=True) / "prices"
    store.mkdir(parents=True, exist_ok=True)
    with locked(store, wait):
        for leftover in store.glob(".*.parquet.*.tmp"):  # from an update that was killed while staging
            leftover.unlink(missing_ok=True)
        histories = {ticker: _history(ticker, store, known, rebuild) for ticker in chosen}
        plans = {ticker: _plan(histories[ticker], first, ticker) for ticker in chosen}
        zones = {ticker: exchange_zone(universe.at[ticker, "exchange"]) for ticker in chosen}
        fetched, errors = _fetch(downloader, symbols, {ticker: plan[1] for ticker, plan in plans.items()}, end, zones)
        payloads: dict[str, bytes] = {}
        updates, refused, accepted_now = [], [], []
        for ticker in chosen:
            try:
                update, payload, jumps = _update_one(
                    ticker, symbols[ticker], universe.at[ticker, "exchange"], histories[ticker], plans[ticker],
                    fetched.get(symbols[ticker]), (end, now, last_day), known, accepted, rebuild,
                    errors.get(symbols[ticker]),
                )  # fmt: skip
            except PriceDataError as problem:
                refused.append((ticker, str(problem)))
                continue
            updates.append(update)
            accepted_now += jumps
            if payload is not None:
                payloads[f"{ticker}.parquet"] = payload
        record = _accepted_payload(store, accepted_now)
        if record is not None:
            payloads[ACCEPTED] = record
        if payloads:
            _commit(store, payloads)
    report = UpdateReport(store, tuple(updates), tuple(refused))
    if refused:
        raise UpdateRefused(report)
    return report


def _update_one(ticker, symbol, exchange, history, plan, rows, horizon, known, accepted, rebuild, error):
    """One ticker's update: (TickerUpdate, parquet bytes or None when nothing changed, the jumps accepted).
    Raises PriceDataError when the new data are refused."""
    end, now, last_day = horizon
    replace_from, requested = plan
    if rows is None:
        why = f" ({error})" if error else ""
        raise PriceDataError(f"Yahoo Finance returned no prices for {ticker} ({symbol}){why}; check the universe's "
                             "'yahoo' column")  # fmt: skip
    rows = rows[(rows["date"] >= requested) & (rows["date"] < end)]
    complete, dropped = _complete(exchange, rows["date"], now, last_day)
    rows = _valid_rows(rows[complete.to_numpy(bool)])
    if rows.empty:
        raise PriceDataError(f"Yahoo Finance returned no complete session with a price for {ticker} ({symbol}) "
                             f"from {requested:%Y-%m-%d}")  # fmt: skip
    adjusted, notes = split_adjusted(rows.drop(columns="symbol").set_index("date"))
    new = validate_prices(adjusted.reset_index().assign(ticker=ticker), f"Yahoo Finance {symbol} ({ticker})", known)
    stitched = _stitch(history, new.drop(columns="split", errors="ignore"), replace_from, ticker)
    frame = stitched.frame
    closes = frame.set_index("date")["close"]
    since = stitched.anchor if stitched.anchor is not None else closes.index[0]
    jumps = find_jumps(ticker, exchange, closes.loc[since:], closes.loc[:since].iloc[:-1])
    unaccepted = [jump for jump in jumps if jump.key not in accepted]
    if unaccepted:
        jump = unaccepted[0]
        raise PriceDataError(
            f"{jump.describe()}: if Yahoo has not adjusted the history for a split yet, update again later "
            f"(with --start before {jump.session:%Y-%m-%d}); if the move is real, accept it with --accept {jump.key}"
            + (f" ({len(unaccepted) - 1} more jump(s))" if len(unaccepted) > 1 else "")
        )
    notes += [f"jump accepted: {jump.describe()}" for jump in jumps]
    changed = rebuild or history.empty or not frame.equals(_typed(history))
    previous_last = history["date"].max() if not history.empty else pd.Timestamp.min
    sessions = exchange_sessions(exchange, frame["date"].iloc[-1])
    expected = sessions[(sessions > previous_last) & (sessions <= frame["date"].iloc[-1])]
    update = TickerUpdate(
        ticker=ticker,
        symbol=symbol,
        requested_start=requested,
        requested_end=end,
        added=int((frame["date"] > previous_last).sum()),
        replaced=stitched.replaced if changed else 0,
        kept=stitched.kept,
        gaps=int((~expected.isin(frame["date"])).sum()),
        dropped=tuple(dropped),
        last_session=frame["date"].iloc[-1],
        overlap_sessions=stitched.overlap,
        overlap_max_difference=stitched.difference,
        written=changed,
        notes=tuple(notes),
    )
    return update, _parquet(frame) if changed else None, jumps


def _fetch(
    downloader: Downloader,
    symbols: dict[str, str],
    starts: dict[str, pd.Timestamp],
    end: pd.Timestamp,
    zones: dict[str, str],
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """One request per start date (tickers of one exchange share it): (rows by symbol, on each
    exchange's local session dates; why a symbol returned nothing). A symbol without rows is absent
    (its ticker is refused, the others go on)."""
    groups: dict[pd.Timestamp, list[str]] = {}
    for ticker, start in starts.items():
        groups.setdefault(start, []).append(ticker)
    by_symbol: dict[str, list[pd.DataFrame]] = {}
    errors: dict[str, str] = {}
    for start, tickers in sorted(groups.items()):
        wanted = list(dict.fromkeys(symbols[ticker] for ticker in tickers))
        frame = downloader(wanted, start, end)
        missing = [column for column in ("date", "symbol", "close") if column not in frame.columns]
        if missing:
            raise PriceDataError(f"the price downloader returned no column(s) {missing}")
        errors |= dict(frame.attrs.get("errors", {}))
        for column in ("open", "high", "low", "adj_close", "volume", "split"):
            if column not in frame.columns:
                frame = frame.assign(**{column: np.nan})
        for ticker in tickers:
            rows = frame[frame["symbol"] == symbols[ticker]]
            if rows.empty:
                continue
            dates = session_dates(rows["date"], zones[ticker], f"Yahoo Finance {symbols[ticker]}")
            by_symbol.setdefault(symbols[ticker], []).append(rows.assign(date=dates.to_numpy()))
    return {
        symbol: pd.concat(parts, ignore_index=True).drop_duplicates(["date"], keep="last").sort_values("date")
        for symbol, parts in by_symbol.items()
    }, errors
