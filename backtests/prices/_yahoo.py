"""The default price downloader: Yahoo Finance through yfinance (the ``yahoo`` extra), imported lazily.

:func:`download` is what ``reelab prices update`` calls; :func:`from_yfinance` turns the frame
``yfinance.download`` returns (columns ``(field, symbol)``, one row per day any symbol traded, NaN
where a symbol did not, an index that may carry a time zone) into one long frame with a row per
symbol and session. Nothing here validates prices: the store applies the snapshot's validation.
"""

from __future__ import annotations

import importlib
import logging
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pandas as pd

from signals.errors import PriceSourceUnavailable, ReelabError

__all__ = ["COLUMNS", "download", "from_yfinance"]

#: yfinance's field names -> the snapshot's column names (``split``: Yahoo's ``Stock Splits``, new
#: shares per old share on the day a split takes effect, 0 otherwise).
FIELDS = {
    "Open": "open", "High": "high", "Low": "low", "Close": "close", "Adj Close": "adj_close", "Volume": "volume",
    "Stock Splits": "split",
}  # fmt: skip
#: yfinance's fields that reelab does not store.
IGNORED = {"Dividends", "Capital Gains"}
#: The long frame a downloader returns.
COLUMNS = ["date", "symbol", "open", "high", "low", "close", "adj_close", "volume", "split"]

INSTALL_HINT = "pip install -e '.[yahoo]'"

# yfinance does not raise when a download fails: it logs one error per symbol and returns an empty
# column. These are the failures that say the source was unreachable, not that a symbol is wrong.
_UNREACHABLE = re.compile(
    r"resolve host|DNSError|connect|timed? ?out|curl: \(|SSL|Failed to perform|rate.?limit|Too Many Requests"
    r"|HTTP Error 5\d\d|network",
    re.IGNORECASE,
)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().strip())


@contextmanager
def _quiet_yfinance() -> Iterator[_Collect]:
    """Collect yfinance's error log instead of letting it print (the CLI reports one line of its own)."""
    logger = logging.getLogger("yfinance")
    handler, propagate = _Collect(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def download(symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Daily prices of Yahoo ``symbols`` from ``start`` (inclusive) to ``end`` (exclusive), long.

    Returns the columns :data:`COLUMNS`: ``close`` is Yahoo's split-adjusted close, ``adj_close``
    its split- and dividend-adjusted close, ``split`` its split column; only days with a close are
    kept. A symbol that returns nothing is absent, its reason in ``frame.attrs["errors"]`` (the store
    refuses that ticker and goes on with the others).

    Raises :class:`ReelabError` when yfinance is not installed (the ``yahoo`` extra) or no symbol
    returns anything, and :class:`PriceSourceUnavailable` when Yahoo cannot be reached.
    """
    try:
        yfinance = importlib.import_module("yfinance")
    except ImportError:
        raise ReelabError(f"fetching prices needs yfinance, which the 'yahoo' extra installs: {INSTALL_HINT}") from None
    symbols = list(dict.fromkeys(symbols))
    with _quiet_yfinance() as log:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # yfinance's own pandas deprecation warnings
                frame = yfinance.download(
                    symbols,
                    start=f"{pd.Timestamp(start):%Y-%m-%d}",
                    end=f"{pd.Timestamp(end):%Y-%m-%d}",
                    auto_adjust=False,
                    actions=True,  # the Stock Splits column: splits Yahoo has not yet applied
                    group_by="column",
                    progress=False,
                    ignore_tz=True,  # each session keeps its exchange's own date
                    threads=True,
                )
        except Exception as error:  # yfinance lets some transport errors through
            raise PriceSourceUnavailable(
                f"Yahoo Finance could not be reached ({type(error).__name__}: {_one_line(str(error))})"
            ) from None
    long = from_yfinance(frame, symbols)
    missing = [symbol for symbol in symbols if symbol not in set(long["symbol"])]
    if missing:
        reasons = [message for message in log.messages if message]
        unreachable = [message for message in reasons if _UNREACHABLE.search(message)]
        if unreachable:
            raise PriceSourceUnavailable(f"Yahoo Finance could not be reached ({_one_line(unreachable[-1])})")
        reason = f" ({_one_line(reasons[-1])})" if reasons else ""
        if len(missing) == len(symbols):
            raise ReelabError(
                f"Yahoo Finance returned no prices for {', '.join(map(repr, missing))}{reason}; "
                "check the symbol in the universe's 'yahoo' column"
            )
        long.attrs["errors"] = {
            symbol: _one_line(next((m for m in reasons if symbol in m), reasons[-1] if reasons else "nothing"))
            for symbol in missing
        }
    return long


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def from_yfinance(frame: pd.DataFrame | None, symbols: Sequence[str]) -> pd.DataFrame:
    """``yfinance.download``'s frame -> a long frame (:data:`COLUMNS`), one row per symbol and session.

    Accepts columns ``(field, symbol)`` (``group_by="column"``) or ``(symbol, field)``, or single-level
    field columns when one symbol was asked for. A naive index holds each session's local date. A
    time-zone-aware one (yfinance converts every symbol to the most common zone unless told to
    ignore zones) gives ``date`` as UTC instants: the store maps them to each exchange's local session
    dates (converting to UTC or to another exchange's zone and dropping it would move Sydney or
    Shanghai sessions to the previous day). Rows without a close are days the symbol did not trade
    and are dropped; a repeated day (Yahoo's live row beside the day's bar) keeps the last.
    """
    empty = pd.DataFrame({column: pd.Series(dtype="float64") for column in COLUMNS}).astype(
        {"date": "datetime64[ns]", "symbol": "string"}
    )
    empty.attrs["errors"] = {}
    if frame is None or frame.empty:
        return empty
    columns = frame.columns
    if isinstance(columns, pd.MultiIndex):
        levels = [set(map(str, columns.get_level_values(level))) for level in range(columns.nlevels)]
        field_level = next((level for level, names in enumerate(levels) if names <= set(FIELDS) | IGNORED), None)
        if columns.nlevels != 2 or field_level is None:
            raise ReelabError(f"unexpected yfinance columns {list(columns)[:6]}: expected (field, symbol) pairs")
        by_symbol = {
            str(symbol): frame.xs(symbol, level=1 - field_level, axis=1) for symbol in columns.unique(1 - field_level)
        }
    elif len(symbols) == 1:
        by_symbol = {symbols[0]: frame}
    else:
        raise ReelabError(f"unexpected yfinance columns {list(columns)[:6]}: expected (field, symbol) pairs")
    index = pd.DatetimeIndex(frame.index)
    days = index.tz_convert("UTC") if index.tz is not None else index.normalize()
    parts = []
    for symbol, part in by_symbol.items():
        part = part.rename(columns=lambda name: FIELDS.get(str(name), str(name)))
        long = pd.DataFrame({"date": days, "symbol": symbol})
        for column in COLUMNS[2:]:
            long[column] = pd.to_numeric(part[column], errors="coerce").to_numpy() if column in part else float("nan")
        long = long[long["close"].notna()]
        parts.append(long.drop_duplicates("date", keep="last"))
    if not parts:
        return empty
    long = pd.concat(parts, ignore_index=True).sort_values(["symbol", "date"], kind="stable", ignore_index=True)
    return long.astype(
        {"date": "datetime64[ns, UTC]" if index.tz is not None else "datetime64[ns]", "symbol": "string"}
    )
