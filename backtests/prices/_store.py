"""The user's price store: one parquet file per ticker in ``<data dir>/prices/``, read and written whole.

The store holds each ticker's whole history in the snapshot's long columns, and ``accepted.csv``, the
jumps users accepted (``reelab prices update --accept``). :func:`backtests.load_prices` reads it
layered over the bundled snapshot (a ticker the store has comes from the store, the others from the
snapshot), so a user who never updates sees the bundled prices only. A command reads the files of
the tickers it asks for, nothing else, and a file that cannot be read is an error naming it and the
repair. :mod:`backtests.prices._update` fills the store (``reelab prices update``); :func:`_commit` is how it
writes: every file staged beside the store, then all renamed into place.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from signals._io import stage_file
from signals._places import DATA_ENV, data_dir
from signals.errors import PriceDataError, ReelabError

from ._jumps import Jump
from ._validate import validate_prices

__all__ = ["ADJUSTMENT", "COLUMNS", "accepted_jumps", "checked_data_dir", "data_dir", "read_store", "store_dir",
           "store_files"]  # fmt: skip

#: The store's columns: the bundled snapshot's.
COLUMNS = ["date", "ticker", "open", "high", "low", "close", "volume", "adj_close", "adjustment"]
#: ``adjustment`` of the rows an update adds: Yahoo's close (split-adjusted) and adj close (split-
#: and dividend-adjusted), each chained by returns onto the stored series.
ADJUSTMENT = "yahoo_returns"
#: The jumps users accepted (``--accept``), kept in the store for ``reelab prices verify``.
ACCEPTED = "accepted.csv"
ACCEPTED_COLUMNS = ["ticker", "session", "ratio", "reason"]


def checked_data_dir(explicit: str | Path | None = None, writable: bool = False) -> Path:
    """:func:`data_dir`, checked: a folder (or a path one can be made at), and writable if asked.

    Raises :class:`~signals.errors.ReelabError` naming where the path came from (``--data-dir``,
    ``$REELAB_DATA`` or the platform's default) when it is a file, or not writable for an update.
    """
    folder = data_dir(explicit)
    origin = "--data-dir" if explicit is not None else f"${DATA_ENV}" if os.environ.get(DATA_ENV) else "the data dir"
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ReelabError(f"{origin} {folder} is not a folder ({existing} is a file); point it at a folder")
    for path in (folder / "prices", folder):
        if path.exists() and not path.is_dir():
            raise ReelabError(f"{origin} {folder}: {path} is a file, not a folder")
    if writable:
        target = folder / "prices" if (folder / "prices").exists() else existing
        if not os.access(target, os.W_OK | os.X_OK):
            raise ReelabError(f"{origin} {folder}: {target} is not writable, so the price store cannot be updated")
    return folder


def store_dir(folder: str | Path | None = None) -> Path:
    """The price store inside a data dir (:func:`data_dir` when ``None``): ``<data dir>/prices``."""
    return data_dir(folder) / "prices"


def store_files(store: Path, tickers: Iterable[str] | None = None) -> dict[str, Path]:
    """``ticker -> file`` for the store's parquet files (those of ``tickers`` when given), sorted by name.

    A ``<TICKER>.parquet`` of a ticker asked for that is not a regular file (a folder, a broken link)
    is a :class:`~signals.errors.PriceDataError`, never a silent fall back to the snapshot.
    """
    if not store.is_dir():
        return {}
    wanted = set(tickers) if tickers is not None else None
    files = {}
    for file in sorted(store.glob("*.parquet")):
        ticker = file.name[: -len(".parquet")]
        if wanted is not None and ticker not in wanted:
            continue
        if not file.is_file():
            kind = "a folder" if file.is_dir() else "not a regular file"
            raise PriceDataError(f"price store file {file} is {kind}; {_fix(ticker, file)}")
        files[ticker] = file
    return files


def _fix(ticker: str, file: Path) -> str:
    return (f"run 'reelab prices update --tickers {ticker} --rebuild' to fetch its history again, or remove "
            f"{file} to fall back to the bundled snapshot")  # fmt: skip


def _read_file(ticker: str, file: Path, known: Iterable[str]) -> pd.DataFrame:
    """One store file, validated; any problem is a PriceDataError naming the file and how to repair it."""
    try:
        frame = pd.read_parquet(file)
    except Exception as error:  # pyarrow raises its own types (ArrowInvalid, OSError, ...): all mean unreadable
        raise PriceDataError(f"price store file {file} is not readable ({type(error).__name__}); "
                             f"{_fix(ticker, file)}") from None  # fmt: skip
    try:
        frame = validate_prices(frame, str(file), known)
        if set(frame["ticker"]) != {ticker}:
            raise PriceDataError(f"{file}: holds ticker(s) {sorted(set(frame['ticker']))}, expected only {ticker!r}")
    except PriceDataError as error:
        raise PriceDataError(f"{error}; {_fix(ticker, file)}") from None
    return frame


_CACHE: dict[tuple, pd.DataFrame] = {}


def read_store(store: Path, tickers: Iterable[str], known: Iterable[str] | None = None) -> pd.DataFrame:
    """The stored prices of ``tickers`` (those the store has), long and validated; empty without a store.

    Only those files are read. ``known`` (default: ``tickers``) is the universe the files are
    checked against. Read again only when a file changed (name, size and modification time).
    """
    tickers = list(tickers)
    known = list(known) if known is not None else tickers
    files = store_files(store, tickers)
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


def _accepted_frame(store: Path) -> pd.DataFrame:
    path = store / ACCEPTED
    if not path.is_file():
        return pd.DataFrame(columns=ACCEPTED_COLUMNS)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise PriceDataError(f"{path} is not readable ({type(error).__name__}); remove it to accept again") from None
    if list(frame.columns) != ACCEPTED_COLUMNS:
        raise PriceDataError(f"{path}: columns {list(frame.columns)}, expected {ACCEPTED_COLUMNS}; remove it")
    return frame


def accepted_jumps(store: Path) -> set[str]:
    """The ``TICKER:YYYY-MM-DD`` jumps accepted in this store (``--accept``)."""
    frame = _accepted_frame(store)
    return {f"{ticker}:{session}" for ticker, session in zip(frame["ticker"], frame["session"])}


def _accepted_payload(store: Path, jumps: list[Jump]) -> bytes | None:
    """accepted.csv with ``jumps`` added (None when none is new)."""
    frame = _accepted_frame(store)
    known = accepted_jumps(store)
    rows = [(j.ticker, f"{j.session:%Y-%m-%d}", f"{j.ratio:.6f}", j.reason) for j in jumps if j.key not in known]
    if not rows:
        return None
    frame = pd.concat([frame, pd.DataFrame(rows, columns=ACCEPTED_COLUMNS)], ignore_index=True)
    return frame.sort_values(["ticker", "session"], kind="stable").to_csv(index=False, lineterminator="\n").encode()


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    floats = {column: "float64" for column in ("open", "high", "low", "close", "volume", "adj_close")}
    frame = frame[COLUMNS].astype({"ticker": "string", "adjustment": "string", **floats})
    return frame.assign(date=frame["date"].astype("datetime64[us]")).reset_index(drop=True)


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _commit(store: Path, payloads: dict[str, bytes]) -> None:
    """Stage every file (name -> bytes), then rename them all into place: a failure while staging changes nothing."""
    from signals._io import _fsync_dir

    staged: list[tuple[Path, Path]] = []
    try:
        for name, data in payloads.items():
            final = store / name
            staged.append((stage_file(final, data), final))
        for temporary, final in staged:
            os.replace(temporary, final)
        _fsync_dir(store)
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
