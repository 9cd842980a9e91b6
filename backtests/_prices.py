"""Price data: the bundled snapshot and users' own files, through one validating boundary."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

import seeds
from signals import exchange_zone, load_universe, select_tickers
from signals._io import read_text_input
from signals.errors import ParameterError, PriceDataError, UnknownTickerError

__all__ = [
    "FIELDS",
    "load_price_dir",
    "load_prices",
    "price_files",
    "price_inputs",
    "session_dates",
    "validate_prices",
]

log = logging.getLogger("reelab.prices")

#: ``source`` of :func:`load_prices` that reads the bundled snapshot only.
BUNDLED = "bundled"
PriceSource = str | Path | None

FIELDS = ("open", "high", "low", "close", "volume", "adj_close")
PRICE_FIELDS = ("open", "high", "low", "close", "adj_close")


#: The UTC offset ending an ISO 8601 date-time: ``Z``, ``+HH``, ``+HHMM`` or ``+HH:MM`` after a time of day
#: (a date alone never has one: ``2025-01-02`` ends in ``-02``, its day).
_OFFSET = re.compile(
    r"[T ]\d{1,2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?"  # the time of day
    r"\s*(?P<offset>Z|(?P<sign>[+-])(?P<hours>\d{2})(?::?(?P<minutes>\d{2}))?)$"
)


def session_dates(values: Iterable, zone: str | None, source: str) -> pd.DatetimeIndex:
    """The session date (a naive midnight) of each value of a price series' date column.

    Dates and naive date-times (``2025-03-07``, ``2025-03-07 16:00``) are local already: their date is
    kept. Time-zone-aware values are instants: a fixed offset (``2025-03-07 00:00:00-05:00``), offsets
    that change with daylight saving (one zone's: ``-05:00``, then ``-04:00`` from 9 March 2025 in New
    York), UTC instants (``2025-03-06 13:00:00+00:00``, ``2025-03-06T13:00:00Z``) or a tz-aware dtype.
    They are converted to ``zone``, the exchange's (:func:`signals.exchange_zone`), and their local date
    is taken there: a Sydney session stored as a UTC instant keeps its Sydney date. With ``zone=None``
    each value's date as written (in its own offset) is taken.

    Parameters
    ----------
    values
        The column: ISO 8601 strings, or datetime64 values (naive or tz-aware).
    zone
        The IANA zone of the exchange whose sessions these are, or None.
    source
        What the values come from (a file name), for messages.

    Raises
    ------
    PriceDataError
        Naming ``source``, for an empty value, a value that is not an ISO 8601 date, a column mixing
        naive and aware values, and offsets that no single zone has at those times. Also (with ``zone``)
        for a column of midnights in another zone that ``zone`` puts on the day before: dates written as
        midnight UTC (``2025-01-06T00:00:00Z`` is 19:00 on the 5th in New York) are dates, not instants,
        and converting them would move every session back a day, so they are refused, never guessed.

    Examples
    --------
    >>> days = session_dates(["2025-03-06 13:00:00+00:00", "2025-03-09T13:00:00Z"], "Australia/Sydney", "LYC.csv")
    >>> list(days.strftime("%Y-%m-%d"))  # 00:00 in Sydney (UTC+11): the next day's session, not the UTC date
    ['2025-03-07', '2025-03-10']
    """
    series = pd.Series(list(values) if not isinstance(values, pd.Series | pd.Index) else values).reset_index(drop=True)
    where = f"{source}: column 'date'"
    empty = series.isna() | (series.astype("string").str.strip() == "")
    if empty.any():
        after = f" (the first after {series[: empty.idxmax()].iloc[-1]})" if empty.idxmax() > 0 else ""
        raise PriceDataError(f"{where} is empty in {int(empty.sum())} row(s){after}")
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        text, utc, minutes = series.astype("string"), series.dt.tz_convert("UTC"), None
    elif pd.api.types.is_datetime64_dtype(series.dtype):
        return pd.DatetimeIndex(series.dt.normalize())
    else:  # strings (or objects): the offset is read from the text, so each value says whether it is aware
        text = series.astype("string").str.strip()
        parts = text.str.extract(_OFFSET)
        aware = parts["offset"].notna()
        sign = parts["sign"].map({"+": 1, "-": -1}).fillna(1)
        minutes = sign * (pd.to_numeric(parts["hours"]).fillna(0) * 60 + pd.to_numeric(parts["minutes"]).fillna(0))
        utc = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
        if utc.isna().any():
            raise PriceDataError(f"{where} holds {text[utc.isna()].iloc[0]!r}, not a date (YYYY-MM-DD)")
        if not aware.any():
            return pd.DatetimeIndex(utc.dt.tz_localize(None).dt.normalize())
        if not aware.all():
            raise PriceDataError(
                f"{where} mixes values without a time zone ({text[~aware].iloc[0]!r}) and with one "
                f"({text[aware].iloc[0]!r}); write every value one way"
            )
    instants = pd.DatetimeIndex(utc)
    if minutes is None:  # a tz-aware dtype is one zone by construction
        wall = pd.DatetimeIndex(series.dt.tz_localize(None))
    else:
        offsets = minutes.to_numpy(dtype="int64")
        changed = np.flatnonzero(offsets != offsets[0])
        if len(changed) and _zone_having(instants, offsets, zone) is None:
            raise PriceDataError(
                f"{where} mixes time zones: {text[0]!r} and {text[changed[0]]!r} have UTC offsets no single "
                f"zone has at those times; use one zone{f' (e.g. {zone})' if zone else ''}, or dates only"
            )
        wall = instants.tz_localize(None) + pd.to_timedelta(offsets, unit="min")
    if zone is None:
        return wall.normalize()
    local = instants.tz_convert(zone).tz_localize(None)
    earlier = np.flatnonzero(local.normalize() < wall.normalize())
    if len(earlier) and (wall == wall.normalize()).all():  # every value a midnight, and not the exchange's
        raise PriceDataError(
            f"{where}: {text[earlier[0]]!r} is {local[earlier[0]]:%Y-%m-%d %H:%M} in {zone}, the exchange's zone, "
            f"a day before its date: dates written as midnight UTC? Write dates only (YYYY-MM-DD), or times in "
            f"{zone}"
        )
    return local.normalize()


def _zone_having(instants: pd.DatetimeIndex, offsets: np.ndarray, first: str | None) -> str | None:
    """A zone whose UTC offset at each of ``instants`` is ``offsets`` (minutes): ``first`` if it has them, else
    any IANA zone (a user may have written prices in their own zone, with its daylight saving), else None."""
    naive = instants.tz_localize(None)
    # The rows around each change of offset rule out nearly every zone cheaply; survivors are checked in full.
    changes = np.flatnonzero(np.diff(offsets))
    probe = np.unique(np.concatenate([[0, len(offsets) - 1], changes, changes + 1]))
    for name in ([first] if first else []) + sorted(zoneinfo.available_timezones()):
        for rows in (probe, slice(None)):
            local = instants[rows].tz_convert(name).tz_localize(None)
            if not ((local - naive[rows]) // pd.Timedelta(minutes=1) == offsets[rows]).all():
                break
        else:
            return name
    return None


def validate_prices(
    long: pd.DataFrame, source: str, known_tickers: Iterable[str], zones: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Check a long price frame (``date, ticker, <fields>``) and return it with its dates as session dates.

    ``zones`` (``ticker -> IANA zone`` of its exchange) says where each ticker's sessions are: its
    time-zone-aware dates are converted there before their date is taken (see :func:`session_dates`);
    without it (or for a ticker it lacks) dates are taken as written.

    Raises :class:`PriceDataError` for missing columns, empty, unparseable, unsorted or duplicated
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
    if zones is None and pd.api.types.is_datetime64_any_dtype(long["date"].dtype):
        dates = pd.Series(session_dates(long["date"], None, source), index=long.index)  # the snapshot, the store
    else:  # one ticker at a time: each has its own exchange's zone (and its own offsets)
        parts = [
            pd.Series(session_dates(rows, (zones or {}).get(str(ticker)), source), index=rows.index)
            for ticker, rows in long.groupby("ticker", sort=False)["date"]
        ]
        if not parts:  # no rows
            parts = [pd.Series(pd.DatetimeIndex([]), index=long.index)]
        dates = pd.concat(parts).reindex(long.index) if len(parts) > 1 else parts[0]
    long = long.assign(date=dates)
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
