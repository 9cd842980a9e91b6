"""Users' own price folders: ``<TICKER>.csv`` or ``.parquet`` files, read as they are and validated.

A folder holds one file per ticker (:func:`price_files`). CSVs written by Yahoo Finance's site, by
``yfinance.Ticker(...).history().to_csv()`` (offsets that change with daylight saving: one zone) and
by ``yfinance.download(...).to_csv()`` (several header rows, one or several symbols) are read as
they are; every file then goes through :func:`backtests.prices._validate.validate_prices`, its dates through
:func:`backtests.prices._validate.session_dates` in its exchange's zone.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from signals import exchange_zone, load_universe, select_tickers
from signals._io import read_text_input
from signals.errors import PriceDataError, UnknownTickerError

from ._validate import FIELDS, PRICE_FIELDS, _window, validate_prices

__all__ = ["load_price_dir", "price_files"]

log = logging.getLogger("reelab.prices")


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


#: Columns of yfinance exports: the price fields, and history()'s actions (``Repaired?`` with repair=True).
_YAHOO_COLUMNS = frozenset({*FIELDS, "dividends", "stock_splits", "capital_gains", "repaired?"})
#: The names yfinance gives the two levels of download()'s columns (since 0.2.35; unnamed before).
_LEVELS = {("price", "ticker"), ("ticker", "price")}


def _column_name(name: object) -> str:
    """A header name as reelab reads it: case and spaces do not matter (``Adj Close`` is ``adj_close``)."""
    return str(name).strip().lower().replace(" ", "_")


def _repeated(file: Path, names: list[str]) -> None:
    """A PriceDataError for a column named twice (after :func:`_column_name`): pandas would rename one ``.1``."""
    seen: set[str] = set()
    for name in names:
        if name in seen and name:  # unnamed columns (a trailing comma) are never read
            raise PriceDataError(f"price file {file} has the column {name!r} twice; keep one")
        seen.add(name)


def _download_header(rows: list[list[str]]) -> tuple[int, int] | None:
    """``(header rows, row of the field names)`` of a yfinance download() CSV, else None.

    download() returns columns with two levels, (Price, Ticker) by default and (Ticker, Price) with
    ``group_by="ticker"``, even for one symbol since yfinance 0.2.51; ``to_csv`` writes one header row
    per level, then the index's name (``Date,,,``)::

        Price,Close,Close,...        Ticker,LYC.AX,LYC.AX,...
        Ticker,LYC.AX,MP,...         Price,Open,High,...
        Date,,,...                   Date,,,...
    """
    if len(rows) < 3 or not all(rows[:3]) or len(rows[0]) < 2:  # three header rows, no blank line among them
        return None
    names = (_column_name(rows[0][0]), _column_name(rows[1][0]))
    field_rows = [level for level in (0, 1) if all(_column_name(cell) in _YAHOO_COLUMNS for cell in rows[level][1:])]
    if names in _LEVELS:
        fields = 0 if names[0] == "price" else 1
    elif names == ("", "") and len(field_rows) == 1:  # levels without names (yfinance before 0.2.35)
        fields = field_rows[0]
    else:
        return None
    named_index = _column_name(rows[2][0]) in ("date", "datetime") and not any(cell.strip() for cell in rows[2][1:])
    return 3 if named_index else 2, fields


def _read_csv(file: Path, symbols: tuple[str, ...]) -> tuple[pd.DataFrame, bool]:
    """A CSV price file as ``(frame with reelab's column names, whether it is a yfinance download() export)``.

    A download() export keeps the columns of the first of ``symbols`` it holds; its rows where that
    symbol has no price (days it did not trade, where another symbol did) are dropped and counted.
    """
    text = read_text_input(file, "price file")
    reader = csv.reader(io.StringIO(text), strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:  # pandas would read surplus fields as an index, silently shifting the columns
            if row and rows and len(row) != len(rows[0]):
                raise PriceDataError(
                    f"price file {file} is not valid CSV: line {reader.line_num} has {len(row)} fields, "
                    f"the header {len(rows[0])}"
                )
            rows.append(row)
    except csv.Error as error:
        raise PriceDataError(f"price file {file} is not valid CSV: {str(error).strip().splitlines()[0]}") from None
    width = len(rows[0]) if rows else 0
    download = _download_header(rows)
    header_rows = download[0] if download else 1
    if download:
        fields, held = rows[download[1]], rows[1 - download[1]]
        _repeated(file, [f"{_column_name(f)} ({s.strip()})" for f, s in zip(fields[1:], held[1:], strict=True)])
        present = list(dict.fromkeys(cell.strip() for cell in held[1:]))
        wanted = [symbol for symbol in symbols if symbol.upper() in {name.upper() for name in present}]
        if not wanted:
            raise PriceDataError(
                f"price file {file} is a yfinance download of {', '.join(present)}; it has no columns of "
                f"{symbols[0]}{f' (ticker {symbols[-1]})' if symbols[-1] != symbols[0] else ''}"
            )
        symbol = next(name for name in present if name.upper() == wanted[0].upper())
        mine = [position for position in range(1, width) if held[position].strip() == symbol]
        names = {0: "date"} | {position: _column_name(fields[position]) for position in mine}
    else:
        names = {position: _column_name(name) or f"unnamed:_{position}" for position, name in enumerate(rows[0])}
        _repeated(file, list(names.values()))
    try:
        frame = pd.read_csv(
            io.StringIO(text), header=None, skiprows=header_rows, names=list(range(width)), index_col=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise PriceDataError(f"price file {file} is not valid CSV: {str(error).strip().splitlines()[0]}") from None
    frame = frame[list(names)].set_axis(list(names.values()), axis=1)
    if download and not frame.empty:
        prices = [column for column in PRICE_FIELDS if column in frame.columns]
        volume = pd.to_numeric(frame["volume"], errors="coerce") if "volume" in frame.columns else None
        idle = frame[prices].isna().all(axis=1) & (True if volume is None else volume.fillna(0).eq(0))
        if idle.all():
            raise PriceDataError(f"price file {file} has no price of {symbol} in any row")
        if idle.any():
            log.warning("%s: dropped %d row(s) where %s has no price (days it did not trade)", file, idle.sum(), symbol)
            frame = frame[~idle].reset_index(drop=True)
    return frame, bool(download)


def _read_price_file(file: Path, symbols: tuple[str, ...] = ()) -> tuple[pd.DataFrame, bool]:
    """One price file of a folder :func:`price_files` listed (regular files only), read through the input
    boundary: any problem is a PriceDataError (or InputFileError) naming the file.

    Returns the frame with reelab's column names (:func:`_column_name`) and whether it is a yfinance
    download() export (of ``symbols``: the ticker's Yahoo symbol, then the ticker).
    """
    if file.stat().st_size == 0:
        raise PriceDataError(f"price file {file} is empty")
    download = False
    if file.suffix == ".csv":
        frame, download = _read_csv(file, symbols or (file.stem,))
    else:
        try:
            frame = pd.read_parquet(file)
        except Exception as error:  # pyarrow raises its own types (ArrowInvalid, ...): all mean "not parquet"
            raise PriceDataError(f"price file {file} is not a readable parquet file ({type(error).__name__})") from None
        if _column_name(frame.index.name) == "date":  # history().to_parquet() keeps Date as the index
            frame = frame.reset_index()
        frame.columns = [_column_name(name) for name in frame.columns]
        _repeated(file, list(frame.columns))
    if frame.empty:
        raise PriceDataError(f"price file {file} has no rows")
    return frame, download


def load_price_dir(
    path: str | Path,
    tickers: Iterable[str] | str | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    field: str = "close",
    universe: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A user's own prices: a folder of ``<TICKER>.csv`` or ``<TICKER>.parquet`` files.

    Each file has a ``date`` column and at least ``close`` (``open, high, low, volume, adj_close``
    optional; other columns are ignored). Column names are read case- and space-insensitively, so
    files saved by Yahoo Finance or yfinance are read as they are:

    - ``Date,Open,High,Low,Close,Adj Close,Volume`` (Yahoo's site, older yfinance);
    - ``yfinance.Ticker(symbol).history().to_csv()``: ``Date,Open,High,Low,Close,Volume,Dividends,Stock
      Splits`` (``Capital Gains`` for funds), dates like ``2025-03-07 00:00:00-05:00``;
    - ``yfinance.download(...).to_csv()``: two header rows (``Price,Close,...`` and ``Ticker,MP,...``,
      either order) and ``Date,,,``. The file of ticker ``LYC`` takes the columns of its Yahoo symbol
      (the universe's ``yahoo`` column: ``LYC.AX``) or of ``LYC``; rows where that symbol has no price
      (and no volume) are days it did not trade and are dropped, with one warning naming the count.

    yfinance adjusts prices by default (``auto_adjust=True``): its Close is then split- and
    dividend-adjusted and it writes no ``Adj Close``. So a history() export (``Dividends`` and ``Stock
    Splits`` columns) or a download() export without ``Adj Close`` gets ``adj_close = close``, what
    runs read; with ``auto_adjust=False`` its ``Adj Close`` is used.

    Dates map to each exchange's local session dates (:func:`session_dates`): time-zone-aware dates
    are converted to the exchange's zone (the universe's ``exchange``) before their date is taken.

    Only the files of ``tickers`` are read (all files when None), so a broken file of another ticker
    does not stop a run; every file name must still be a ticker of the universe (the shipped one
    unless ``universe`` is given). The same validation as the snapshot applies.
    """
    universe = universe if universe is not None else load_universe()
    files = price_files(path)
    strangers = [ticker for ticker in files if ticker not in universe.index]
    if strangers:
        raise UnknownTickerError(strangers, universe.index)
    chosen = select_tickers(universe, tickers) if tickers is not None else list(files)
    absent = [ticker for ticker in chosen if ticker not in files]
    if absent:
        raise UnknownTickerError(absent, list(files))
    frames = [_price_file(ticker, files[ticker], universe, field) for ticker in chosen]
    return _window(pd.concat(frames, ignore_index=True), tickers, start, end, field, universe)


def _price_file(ticker: str, file: Path, universe: pd.DataFrame, field: str) -> pd.DataFrame:
    """The validated long frame of ``ticker``'s file, on its exchange's session dates."""
    yahoo = universe.at[ticker, "yahoo"] if "yahoo" in universe.columns else ""
    yahoo = yahoo.strip() if isinstance(yahoo, str) else ""  # a universe without the column, or with a blank
    symbols = (yahoo, ticker) if yahoo and yahoo != ticker else (ticker,)
    frame, download = _read_price_file(file, symbols)
    history = {"dividends", "stock_splits"} <= set(frame.columns)
    if "adj_close" not in frame.columns and "close" in frame.columns and (download or history):
        frame = frame.assign(adj_close=frame["close"])  # yfinance's auto_adjust=True: Close is adjusted already
    zone = exchange_zone(str(universe.at[ticker, "exchange"]))
    frame = validate_prices(frame.assign(ticker=ticker), str(file), universe.index, zones={ticker: zone})
    if field in FIELDS and field not in frame.columns:
        hint = " (runs and studies read adj_close: Yahoo's 'Adj Close')" if field == "adj_close" else ""
        columns = ", ".join(str(name) for name in frame.columns if name != "ticker")
        raise PriceDataError(f"{file}: no column {field!r}{hint}; its columns are {columns}")
    return frame
