"""The one validating boundary every price source goes through, and the bundled snapshot."""

from __future__ import annotations

import logging
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from functools import cache

import numpy as np
import pandas as pd

import seeds
from signals import load_universe, select_tickers
from signals.errors import ParameterError, PriceDataError, UnknownTickerError

__all__ = ["BUNDLED", "FIELDS", "PRICE_FIELDS", "log", "session_dates", "validate_prices"]


log = logging.getLogger("reelab.prices")


#: ``source`` of :func:`load_prices` that reads the bundled snapshot only.
BUNDLED = "bundled"


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
