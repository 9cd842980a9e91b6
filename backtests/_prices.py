"""Price data: the bundled snapshot and users' own files, through one validating boundary."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

import seeds
from signals import load_universe, select_tickers
from signals._io import read_text_input
from signals.errors import ParameterError, PriceDataError, UnknownTickerError

__all__ = ["FIELDS", "load_price_dir", "load_prices", "price_files", "price_inputs", "validate_prices"]

#: ``source`` of :func:`load_prices` that reads the bundled snapshot only.
BUNDLED = "bundled"
PriceSource = str | Path | None

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
        if "timezone" in str(error).lower():
            raise PriceDataError(f"{source}: column 'date' mixes time zones; use one zone, or dates only") from None
        parsed = pd.to_datetime(long["date"], format="ISO8601", errors="coerce", utc=True)
        bad = long.loc[parsed.isna(), "date"]
        shown = repr(bad.iloc[0]) if len(bad) else "a value"
        raise PriceDataError(f"{source}: column 'date' holds {shown}, not a date (YYYY-MM-DD)") from None
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


def _layered(universe: pd.DataFrame, tickers: list[str]) -> pd.DataFrame:
    """The price store (in the data dir) over the bundled snapshot: a ticker the store has comes from it.

    Only the store files of ``tickers`` are read: a broken file of another ticker stops nothing.
    """
    from ._store import checked_data_dir, read_store

    bundled = _snapshot()
    stored = read_store(checked_data_dir() / "prices", tickers, universe.index)
    if stored.empty:
        return bundled
    layered = pd.concat([bundled[~bundled["ticker"].isin(set(stored["ticker"]))], stored], ignore_index=True)
    order = {ticker: position for position, ticker in enumerate(universe.index)}
    return layered.sort_values(
        ["ticker", "date"], key=lambda column: column.map(order) if column.name == "ticker" else column, kind="stable"
    ).reset_index(drop=True)


def load_prices(
    tickers: Iterable[str] | str | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    field: str = "close",
    source: PriceSource = None,
) -> pd.DataFrame:
    """Prices as a wide frame: sessions x tickers.

    Each ticker keeps its own exchange's sessions; a row is NaN for tickers whose exchange was
    closed that day (or before their listing). ``field`` is one of ``open, high, low, close,
    volume, adj_close``; ``close`` is on the series' single adjustment basis (see the README).

    ``source`` says where the prices come from: ``None`` (default) the user's price store (filled
    by ``reelab prices update``, in the data dir: ``$REELAB_DATA`` or the platform's user data
    folder) layered over the bundled snapshot, for the tickers the store has (without a store this
    is the bundled snapshot exactly); ``"bundled"`` the snapshot only; a folder (``str`` or
    ``Path``) that folder's files, read by :func:`load_price_dir`.

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
    if source is not None and source != BUNDLED:
        return load_price_dir(source, tickers, start, end, field)
    universe = load_universe()
    chosen = select_tickers(universe, tickers) if tickers is not None else list(universe.index)
    long = _snapshot() if source == BUNDLED else _layered(universe, chosen)
    return _window(long, tickers, start, end, field, universe)


def _files_record(source: str, path: Path, files: list[Path]) -> dict[str, str]:
    """A manifest record for several files: the sha256 of their ``sha256sum`` lines, sorted by name."""
    from signals import sha256_file

    files = sorted(files, key=lambda file: file.name)
    lines = "".join(f"{sha256_file(file)}  {file.name}\n" for file in files)
    return {
        "source": source,
        "path": str(path),
        "sha256": hashlib.sha256(lines.encode("utf-8")).hexdigest(),
        "files": ",".join(file.name for file in files),
    }


def price_inputs(source: PriceSource = None, tickers: Iterable[str] | str | None = None) -> dict[str, dict[str, str]]:
    """What :func:`load_prices` reads for ``source`` and ``tickers``, for a run's manifest.

    ``{"prices": {"source": "bundled", "path": "shipped:seeds/prices.parquet", "sha256": ...}}`` for
    the snapshot. For the store (``source=None`` with stored files for some of ``tickers``) or a
    folder: ``source`` ``"store"`` or ``"folder"``, the folder's ``path``, the ``files`` used and a
    ``sha256`` over them: that of their ``sha256sum`` lines (``<sha256>  <name>``) sorted by name.
    A store that does not hold every ticker adds the snapshot's record as ``"bundled_prices"``.
    """
    from signals import input_record

    bundled = {"source": BUNDLED, **input_record(None, "prices.parquet")}
    universe = load_universe()
    chosen = select_tickers(universe, tickers)
    if source == BUNDLED:
        return {"prices": bundled}
    if source is not None:
        files = [file for ticker, file in price_files(source).items() if ticker in chosen]
        return {"prices": _files_record("folder", Path(source), files)}
    from ._store import checked_data_dir, store_files

    store = checked_data_dir() / "prices"
    stored = store_files(store, chosen)
    if not stored:
        return {"prices": bundled}
    record = {"prices": _files_record("store", store, list(stored.values()))}
    return record | ({"bundled_prices": bundled} if set(chosen) - set(stored) else {})


def price_files(path: str | Path) -> dict[str, Path]:
    """``ticker -> file`` of a price folder: its ``<TICKER>.csv`` and ``<TICKER>.parquet`` files, by name.

    Raises :class:`PriceDataError` for a folder that does not exist, holds no price file, or holds
    two files of one ticker.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise PriceDataError(f"price folder {folder} does not exist")
    files: dict[str, Path] = {}
    for file in sorted(folder.iterdir()):
        if file.suffix not in (".csv", ".parquet"):
            continue
        if not file.is_file():
            raise PriceDataError(f"price file {file} is {'a folder' if file.is_dir() else 'not a regular file'}")
        if file.stem in files:
            raise PriceDataError(f"ticker {file.stem} has two price files, {files[file.stem]} and {file}; keep one")
        files[file.stem] = file
    if not files:
        raise PriceDataError(f"{folder}: no .csv or .parquet price files")
    return files


def _read_price_file(file: Path) -> pd.DataFrame:
    """One price file of a folder :func:`price_files` listed (regular files only), read through the
    input boundary: any problem is a PriceDataError (or InputFileError) naming the file."""
    if file.stat().st_size == 0:
        raise PriceDataError(f"price file {file} is empty")
    if file.suffix == ".csv":
        text = read_text_input(file, "price file")
        try:
            rows = csv.reader(io.StringIO(text), strict=True)
            width = len(next(rows, []))
            for row in rows:  # pandas would read surplus fields as an index, silently shifting the columns
                if row and len(row) != width:
                    raise PriceDataError(
                        f"price file {file} is not valid CSV: line {rows.line_num} has {len(row)} fields, "
                        f"the header {width}"
                    )
            frame = pd.read_csv(io.StringIO(text), index_col=False)
        except (csv.Error, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
            raise PriceDataError(f"price file {file} is not valid CSV: {str(error).strip().splitlines()[0]}") from None
    else:
        try:
            frame = pd.read_parquet(file)
        except Exception as error:  # pyarrow raises its own types (ArrowInvalid, ...): all mean "not parquet"
            raise PriceDataError(f"price file {file} is not a readable parquet file ({type(error).__name__})") from None
    if frame.empty:
        raise PriceDataError(f"price file {file} has no rows")
    return frame


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
    universe = universe if universe is not None else load_universe()
    files = price_files(path)
    chosen = select_tickers(universe, tickers) if tickers is not None else list(files)
    frames = []
    for ticker, file in files.items():
        frame = _read_price_file(file)
        frame.columns = [str(name).strip().lower().replace(" ", "_") for name in frame.columns]
        frame = validate_prices(frame.assign(ticker=ticker), str(file), universe.index)
        if ticker in chosen and field in FIELDS and field not in frame.columns:
            hint = " (runs and studies read adj_close: Yahoo's 'Adj Close')" if field == "adj_close" else ""
            columns = ", ".join(str(name) for name in frame.columns if name != "ticker")
            raise PriceDataError(f"{file}: no column {field!r}{hint}; its columns are {columns}")
        frames.append(frame)
    long = pd.concat(frames, ignore_index=True)
    return _window(long, tickers, start, end, field, universe)
