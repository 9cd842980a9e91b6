"""The user's price store: fresh sessions from Yahoo Finance, stitched to the history by returns.

The store is one parquet file per ticker, ``<data dir>/prices/<TICKER>.parquet``, holding the
ticker's whole history in the snapshot's long columns. :func:`update_prices` fills it;
:func:`backtests.load_prices` reads it layered over the bundled snapshot (a ticker the store has
comes from the store, the others from the snapshot), so a user who never updates sees the bundled
prices only.

An update, per ticker:

1. requests the sessions after the last stored one (the bundled one before any update), starting
   :data:`OVERLAP` stored sessions earlier, so that old and new share a few sessions;
2. keeps the complete sessions of the ticker's exchange (not a session still trading) and checks
   them with the snapshot's validation;
3. stitches them by returns: the new series is scaled so that it equals the stored one at the
   last common session before the first new session, so its return path continues the stored one
   (levels never mix: Yahoo rebases a whole history after a split or dividend);
4. reports the largest relative difference between the scaled new and the stored prices over the
   common sessions (0 at the anchor by construction; more says the two sources disagree).

All tickers are fetched, checked and stitched before anything is written; the files are then
staged beside the store and renamed into place, under a lock, so a failure (no network, a symbol
that returns nothing, bad data) leaves the store as it was, and two updates never interleave.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from signals import load_universe, select_tickers
from signals._io import locked, stage_file
from signals.dates import parse_day
from signals.errors import ParameterError, PriceDataError, ReelabError, UniverseError

from ._prices import _snapshot, validate_prices

__all__ = ["OVERLAP", "TickerUpdate", "UpdateReport", "data_dir", "read_store", "store_dir", "update_prices"]

#: Stored sessions fetched again before the first missing one: the overlap that stitching uses.
OVERLAP = 5
#: The store's columns: the bundled snapshot's.
COLUMNS = ["date", "ticker", "open", "high", "low", "close", "volume", "adj_close", "adjustment"]
#: ``adjustment`` of the rows an update adds: Yahoo's close (split-adjusted) and adj close (split-
#: and dividend-adjusted), each chained by returns onto the stored series.
ADJUSTMENT = "yahoo_returns"
#: Overlap differences above this are flagged in the summary.
FLAG_DIFFERENCE = 0.01
ENV = "REELAB_DATA"

Downloader = Callable[[Sequence[str], pd.Timestamp, pd.Timestamp], pd.DataFrame]


def data_dir(explicit: str | Path | None = None) -> Path:
    """Where reelab keeps user data: ``explicit``, else ``$REELAB_DATA``, else the platform's user data dir.

    The last is ``platformdirs.user_data_dir("reelab")``, e.g. ``~/.local/share/reelab`` on Linux.
    """
    if explicit is not None:
        return Path(explicit).expanduser()
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("reelab"))


def store_dir(folder: str | Path | None = None) -> Path:
    """The price store inside a data dir (:func:`data_dir` when ``None``): ``<data dir>/prices``."""
    return data_dir(folder) / "prices"


def store_files(store: Path, tickers: Iterable[str] | None = None) -> dict[str, Path]:
    """``ticker -> file`` for the store's parquet files (those of ``tickers`` when given), sorted by name."""
    if not store.is_dir():
        return {}
    wanted = set(tickers) if tickers is not None else None
    files = {file.name[: -len(".parquet")]: file for file in sorted(store.glob("*.parquet")) if file.is_file()}
    return {ticker: file for ticker, file in files.items() if wanted is None or ticker in wanted}


def _read_file(ticker: str, file: Path, known: Iterable[str]) -> pd.DataFrame:
    frame = pd.read_parquet(file)
    frame = validate_prices(frame, str(file), known)
    if set(frame["ticker"]) != {ticker}:
        raise PriceDataError(f"{file}: holds ticker(s) {sorted(set(frame['ticker']))}, expected only {ticker!r}")
    return frame


_CACHE: dict[tuple, pd.DataFrame] = {}


def read_store(store: Path, known: Iterable[str]) -> pd.DataFrame:
    """The store's prices, long and validated (empty without a store); files of unknown tickers are skipped.

    Read again only when a file changed (name, size and modification time).
    """
    known = list(known)
    files = {ticker: file for ticker, file in store_files(store).items() if ticker in set(known)}
    if not files:
        return pd.DataFrame(columns=COLUMNS)
    key = (
        str(store),
        tuple(known),
        *((file.name, file.stat().st_mtime_ns, file.stat().st_size) for file in files.values()),
    )
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = pd.concat([_read_file(t, f, known) for t, f in files.items()], ignore_index=True)
    return _CACHE[key]


@dataclass(frozen=True)
class TickerUpdate:
    """What an update did to one ticker."""

    ticker: str
    symbol: str
    requested_start: pd.Timestamp
    requested_end: pd.Timestamp  # exclusive
    added: int  # sessions after the previous last session
    replaced: int  # stored sessions rewritten (``start`` before the last session)
    last_session: pd.Timestamp
    overlap_sessions: int
    overlap_max_difference: float | None  # relative, after scaling; None without common sessions
    written: bool


@dataclass(frozen=True)
class UpdateReport:
    """The outcome of :func:`update_prices`: the store and one :class:`TickerUpdate` per ticker."""

    store: Path
    updates: tuple[TickerUpdate, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per ticker."""
        return pd.DataFrame([vars(update) for update in self.updates]).set_index("ticker")

    def summary(self) -> str:
        """Per ticker: sessions added, the last session, the overlap and its largest difference."""
        written = sum(update.written for update in self.updates)
        lines = [
            f"price store: {self.store} ({written} of {len(self.updates)} tickers updated)",
            f"{'ticker':<8} {'symbol':<10} {'added':>5} {'last session':<12} {'overlap':>7} {'max diff':>9}",
        ]
        for update in self.updates:
            difference = update.overlap_max_difference
            shown = "-" if difference is None else f"{difference:.4%}"
            flag = "  <- sources disagree, check" if difference is not None and difference > FLAG_DIFFERENCE else ""
            added = f"{update.added}" + (f" (+{update.replaced} replaced)" if update.replaced else "")
            lines.append(
                f"{update.ticker:<8} {update.symbol:<10} {added:>5} {update.last_session:%Y-%m-%d}   "
                f"{update.overlap_sessions:>7} {shown:>9}{flag}"
            )
        return "\n".join(lines)


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


def _complete(code: str, days: pd.Series, now: pd.Timestamp | None, last_day: pd.Timestamp) -> pd.Series:
    """Which rows are finished sessions of ``code``: sessions (where the calendar knows) that closed by ``now``."""
    from signals import calendar_bound, exchange_calendar, exchange_sessions

    keep = days <= last_day
    if days.empty:
        return keep
    bound = calendar_bound(code)
    known = days <= bound if bound is not None else pd.Series(True, index=days.index)
    sessions = exchange_sessions(code, days.max())
    keep &= ~known | days.isin(sessions)  # Yahoo rows on holidays are dropped, as in the snapshot
    if now is not None:
        recent = keep & (days >= now.tz_localize(None).normalize() - pd.Timedelta(days=2))
        if recent.any():
            closes = exchange_calendar(code).closes
            close_at = days[recent].map(lambda day: closes.get(day, pd.NaT))
            unknown = close_at.isna()
            done = (~unknown & (close_at <= now)) | (unknown & (days[recent] < now.tz_localize(None).normalize()))
            keep[recent] = done.to_numpy(bool)
    return keep


def _history(ticker: str, store: Path, known: list[str]) -> pd.DataFrame:
    file = store / f"{ticker}.parquet"
    if file.is_file():
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


def _stitch(
    history: pd.DataFrame, new: pd.DataFrame, replace_from: pd.Timestamp, ticker: str
) -> tuple[pd.DataFrame, int, float | None]:
    """The history up to ``replace_from`` continued by ``new``, scaled by returns; (frame, overlap, max diff)."""
    old = history.set_index("date")
    fresh = new.set_index("date")
    common = old.index.intersection(fresh.index)
    scaled = fresh.copy()
    difference: float | None = None
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
    added = scaled[scaled.index >= replace_from].reset_index()
    added["ticker"], added["adjustment"] = ticker, ADJUSTMENT
    kept = history[history["date"] < replace_from]
    frame = pd.concat([kept, added[COLUMNS]], ignore_index=True) if not kept.empty else added[COLUMNS]
    return _typed(frame), len(common), difference


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    floats = {column: "float64" for column in ("open", "high", "low", "close", "volume", "adj_close")}
    frame = frame[COLUMNS].astype({"ticker": "string", "adjustment": "string", **floats})
    return frame.assign(date=frame["date"].astype("datetime64[us]")).reset_index(drop=True)


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _commit(store: Path, payloads: dict[str, bytes]) -> None:
    """Stage every file, then rename them all into place: a failure while staging changes nothing."""
    staged: list[tuple[Path, Path]] = []
    try:
        for ticker, data in payloads.items():
            final = store / f"{ticker}.parquet"
            staged.append((stage_file(final, data), final))
        for temporary, final in staged:
            os.replace(temporary, final)
        descriptor = os.open(store, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)


def update_prices(
    tickers: Iterable[str] | str | None = None,
    start: str | date | pd.Timestamp | None = None,
    data_dir: str | Path | None = None,
    downloader: Downloader | None = None,
    today: str | date | pd.Timestamp | None = None,
    universe: pd.DataFrame | None = None,
) -> UpdateReport:
    """Fetch the sessions missing from the price store, check them, stitch them by returns, write them.

    Parameters
    ----------
    tickers : the assets (default: the whole universe).
    start : fetch from this date even where the store already has data (its sessions from ``start``
        on are replaced); default: only the sessions after the last stored one.
    data_dir : the data dir (default :func:`data_dir`); the store is its ``prices`` folder.
    downloader : ``(symbols, start, end) -> long frame`` (:data:`backtests._yahoo.COLUMNS`, ``end``
        exclusive); default :func:`backtests._yahoo.download` (Yahoo Finance, the ``yahoo`` extra).
    today : the last day to take: a date takes every session through it; a time-zone-aware instant
        (default: now) takes the sessions that had closed by then, never one still trading.
    universe : assets and their ``yahoo`` symbols (default: the shipped universe).

    Raises :class:`~signals.errors.PriceSourceUnavailable` when the source cannot be reached and
    :class:`~signals.errors.ReelabError` for bad input (a ticker without a symbol, a symbol that
    returns nothing, prices that fail validation). Either way the store is unchanged.
    """
    universe = universe if universe is not None else load_universe()
    chosen = select_tickers(universe, tickers)
    symbols = _symbols(universe, chosen)
    first = parse_day(start, "start") if start is not None else None
    last_day, now, end = _horizon(today)
    known = list(universe.index)
    if downloader is None:
        from . import _yahoo

        downloader = _yahoo.download
    store = store_dir(data_dir)
    store.mkdir(parents=True, exist_ok=True)
    with locked(store / ".lock"):
        for leftover in store.glob(".*.parquet.*.tmp"):  # from an update that was killed while staging
            leftover.unlink(missing_ok=True)
        histories = {ticker: _history(ticker, store, known) for ticker in chosen}
        plans = {ticker: _plan(histories[ticker], first, ticker) for ticker in chosen}
        fetched = _fetch(downloader, symbols, {ticker: plan[1] for ticker, plan in plans.items()}, end)
        payloads: dict[str, bytes] = {}
        updates = []
        for ticker in chosen:
            symbol, history = symbols[ticker], histories[ticker]
            replace_from, requested = plans[ticker]
            rows = fetched[symbol]
            rows = rows[(rows["date"] >= requested) & (rows["date"] < end)]
            rows = rows[_complete(universe.at[ticker, "exchange"], rows["date"], now, last_day).to_numpy(bool)]
            if rows.empty:
                raise ReelabError(
                    f"Yahoo Finance returned no complete session for {ticker} ({symbol}) from {requested:%Y-%m-%d}"
                )
            new = validate_prices(
                rows.drop(columns="symbol").assign(ticker=ticker).reset_index(drop=True),
                f"Yahoo Finance {symbol} ({ticker})",
                known,
            )
            frame, overlap, difference = _stitch(history, new, replace_from, ticker)
            changed = history.empty or not frame.equals(_typed(history))
            if changed:
                payloads[ticker] = _parquet(frame)
            previous_last = history["date"].max() if not history.empty else pd.Timestamp.min
            updates.append(
                TickerUpdate(
                    ticker=ticker,
                    symbol=symbol,
                    requested_start=requested,
                    requested_end=end,
                    added=int((frame["date"] > previous_last).sum()),
                    replaced=int((history["date"] >= replace_from).sum()) if changed else 0,
                    last_session=frame["date"].iloc[-1],
                    overlap_sessions=overlap,
                    overlap_max_difference=difference,
                    written=changed,
                )
            )
        if payloads:
            _commit(store, payloads)
    return UpdateReport(store, tuple(updates))


def _fetch(
    downloader: Downloader, symbols: dict[str, str], starts: dict[str, pd.Timestamp], end: pd.Timestamp
) -> dict[str, pd.DataFrame]:
    """One request per start date (tickers of one exchange share it); every symbol must return rows."""
    groups: dict[pd.Timestamp, list[str]] = {}
    for ticker, start in starts.items():
        groups.setdefault(start, []).append(symbols[ticker])
    frames = []
    for start, group in sorted(groups.items()):
        frame = downloader(list(dict.fromkeys(group)), start, end)
        missing = [column for column in ("date", "symbol", "close") if column not in frame.columns]
        if missing:
            raise PriceDataError(f"the price downloader returned no column(s) {missing}")
        frames.append(frame[frame["symbol"].isin(group)])
    long = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["date", "symbol"])
    long = long.assign(date=pd.to_datetime(long["date"]))
    for column in ("open", "high", "low", "adj_close", "volume"):
        if column not in long.columns:
            long[column] = np.nan
    by_symbol = {str(symbol): rows for symbol, rows in long.groupby("symbol", sort=False)}
    lacking = [ticker for ticker, symbol in symbols.items() if symbol not in by_symbol]
    if lacking:
        named = ", ".join(f"{ticker} ({symbols[ticker]})" for ticker in lacking)
        raise ReelabError(f"Yahoo Finance returned no prices for {named}; check the universe's 'yahoo' column")
    return {symbol: rows.sort_values("date", kind="stable") for symbol, rows in by_symbol.items()}
