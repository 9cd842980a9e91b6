"""Price data: the bundled snapshot and users' own files, through one validating boundary."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

import seeds
from signals import load_universe, select_tickers
from signals.errors import ParameterError, PriceDataError, UnknownTickerError

__all__ = ["FIELDS", "load_price_dir", "load_prices", "validate_prices"]

FIELDS = ("open", "high", "low", "close", "volume", "adj_close")
PRICE_FIELDS = ("open", "high", "low", "close", "adj_close")


def validate_prices(long: pd.DataFrame, source: str, known_tickers: Iterable[str]) -> pd.DataFrame:
    """Check a long price frame (``date, ticker, <fields>``) and return it with parsed dates.

    Raises :class:`PriceDataError` for missing columns, unparseable, unsorted or duplicated
    dates, and non-positive or non-finite prices; :class:`UnknownTickerError` for tickers outside
    the universe.
    """
    for column in ("date", "ticker", "close"):
        if column not in long.columns:
            found = ", ".join(str(name) for name in long.columns if name != "ticker")
            raise PriceDataError(f"{source}: missing column {column!r} (found: {found})")
    unknown = sorted(set(long["ticker"]) - set(known_tickers))
    if unknown:
        raise UnknownTickerError(unknown, known_tickers)
    try:
        dates = pd.to_datetime(long["date"], format="ISO8601")
    except (ValueError, TypeError) as error:
        raise PriceDataError(f"{source}: column 'date' has an unparseable value ({error})") from None
    long = long.assign(date=dates.dt.tz_localize(None) if dates.dt.tz is not None else dates)
    steps = long.groupby("ticker", sort=False)["date"].diff()
    for problem, bad in (
        ("duplicate date", steps == pd.Timedelta(0)),
        ("dates not increasing at", steps < pd.Timedelta(0)),
    ):
        if bad.any():
            row = long[bad].iloc[0]
            raise PriceDataError(f"{source}: ticker {row['ticker']}: {problem} {row['date'].date()}")
    for column in PRICE_FIELDS:
        if column not in long.columns:
            continue
        values = pd.to_numeric(long[column], errors="coerce")
        if column in ("close", "adj_close"):
            bad = ~(np.isfinite(values) & (values > 0))
        else:  # OHLC may be absent (NaN) where a source has only closes, but never <= 0 or inf
            bad = (values <= 0) | np.isinf(values) | (values.isna() & long[column].notna())
        if bad.any():
            row = long[bad].iloc[0]
            raise PriceDataError(
                f"{source}: ticker {row['ticker']}: {column} must be positive and finite, "
                f"got {row[column]} on {row['date'].date()}"
            )
    return long


@cache
def _snapshot() -> pd.DataFrame:
    long = pd.read_parquet(seeds.path("prices.parquet"))
    return validate_prices(long, "seeds/prices.parquet", load_universe().index)


def _window(long: pd.DataFrame, tickers, start, end, field: str, universe: pd.DataFrame) -> pd.DataFrame:
    if field not in FIELDS:
        raise ParameterError("field", field, f"one of {', '.join(FIELDS)}")
    present = list(long["ticker"].unique())
    chosen = select_tickers(universe, tickers) if tickers is not None else present
    bounds = {}
    for name, value in (("start", start), ("end", end)):
        try:
            bounds[name] = pd.Timestamp(value) if value is not None else None
        except (ValueError, TypeError):
            raise ParameterError(name, value, "a date like 2025-01-31") from None
    absent = [ticker for ticker in chosen if ticker not in present]
    if absent:
        raise UnknownTickerError(absent, present)
    rows = long[long["ticker"].isin(chosen)]
    if bounds["start"] is not None:
        rows = rows[rows["date"] >= bounds["start"]]
    if bounds["end"] is not None:
        rows = rows[rows["date"] <= bounds["end"]]
    wide = rows.pivot(index="date", columns="ticker", values=field).reindex(columns=chosen)
    wide.index.name, wide.columns.name = "session", "ticker"
    return wide.astype("float64")


def load_prices(
    tickers: Iterable[str] | str | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    field: str = "close",
) -> pd.DataFrame:
    """Bundled prices as a wide frame: sessions x tickers.

    Each ticker keeps its own exchange's sessions; a row is NaN for tickers whose exchange was
    closed that day (or before their listing). ``field`` is one of ``open, high, low, close,
    volume, adj_close``; ``close`` is on the series' single adjustment basis (see the README).

    Examples
    --------
    >>> from backtests import load_prices
    >>> close = load_prices(["MP", "LYC"], start="2025-01-01", end="2025-01-10")
    >>> close.round(2)  # New York closed on 01-09 (national day of mourning), Sydney traded
    ticker         MP   LYC
    session
    2025-01-02  16.39  6.53
    2025-01-03  18.20  6.61
    2025-01-06  20.46  6.83
    2025-01-07  20.58  7.03
    2025-01-08  19.38  6.94
    2025-01-09    NaN  6.85
    2025-01-10  19.75  6.99
    """
    return _window(_snapshot(), tickers, start, end, field, load_universe())


def load_price_dir(
    path: str | Path,
    tickers: Iterable[str] | str | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    field: str = "close",
    universe: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A user's own prices: a folder of ``<TICKER>.csv`` or ``<TICKER>.parquet`` files.

    Each file has a ``date`` column and at least ``close`` (``open, high, low, volume,
    adj_close`` optional). Column names are read case- and space-insensitively, so a file saved
    from Yahoo Finance (``Date,Open,High,Low,Close,Adj Close,Volume``) is read as it is. The same
    validation as the snapshot applies; tickers must be in the universe (the shipped one unless
    ``universe`` is given).
    """
    folder = Path(path)
    if not folder.is_dir():
        raise PriceDataError(f"price folder {folder} does not exist")
    universe = universe if universe is not None else load_universe()
    files: dict[str, Path] = {}
    for file in sorted(folder.iterdir()):
        if file.suffix not in (".csv", ".parquet"):
            continue
        if file.stem in files:
            raise PriceDataError(f"ticker {file.stem} has two price files, {files[file.stem]} and {file}; keep one")
        files[file.stem] = file
    if not files:
        raise PriceDataError(f"{folder}: no .csv or .parquet price files")
    frames = []
    for ticker, file in files.items():
        frame = pd.read_csv(file) if file.suffix == ".csv" else pd.read_parquet(file)
        frame.columns = [str(name).strip().lower().replace(" ", "_") for name in frame.columns]
        frames.append(validate_prices(frame.assign(ticker=ticker), str(file), universe.index))
    long = pd.concat(frames, ignore_index=True)
    if field not in long.columns and field in FIELDS:
        raise PriceDataError(f"{folder}: field {field!r} is not in the files; columns are {list(long.columns)}")
    return _window(long, tickers, start, end, field, universe)
