"""The asset universe: who trades where, in what currency, with what exposure to China."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

import pandas as pd

import seeds

from ._io import read_text_input
from .errors import MissingFileError, UniverseError, UnknownTickerError

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

__all__ = ["A_SHARE_EXCHANGES", "CLASS_EXPOSURE", "ChinaExposure", "identity_span", "load_universe", "select_tickers"]

REQUIRED = ("ticker", "name", "exchange", "currency", "segment", "china_exposure", "benchmark")
#: Listing venues, as exchange_calendars codes: New York (NYSE, Nasdaq, NYSE American, NYSE Arca),
#: Sydney, Toronto, Shanghai and Shenzhen (exchange_calendars keeps Shenzhen's sessions under XSHG).
EXCHANGES = ("XNYS", "XNAS", "XASE", "ARCX", "XASX", "XTSE", "XSHG", "XSHE")
#: The exchanges whose daily price limits and T+1 apply (strategies.market_locks).
A_SHARE_EXCHANGES = ("XSHG", "XSHE")
#: Optional columns: the board (ChiNext and STAR have their own limits) and the span in which the listed
#: company is the rare-earth business the calendar assumes (empty: open).
OPTIONAL = ("board", "valid_from", "valid_to")


class ChinaExposure(StrEnum):
    """How an asset relates to Chinese rare-earth supply (drives the sign of policy signals)."""

    EX_CHINA_PRODUCER = "ex_china_producer"
    EX_CHINA_DEVELOPER = "ex_china_developer"
    CHINA_PRODUCER = "china_producer"
    CHINA_MAGNET_MAKER = "china_magnet_maker"
    ETF = "etf"
    NON_RARE_EARTH = "non_rare_earth"
    BENCHMARK = "benchmark"


#: Default sign of a *tightening* per China-exposure class (an easing flips it): producers outside
#: China gain when China restricts supply, Chinese producers and magnet makers lose export
#: business, benchmarks are neutral. ``universe.csv``'s ``exposure`` column overrides it per asset.
CLASS_EXPOSURE = {
    ChinaExposure.EX_CHINA_PRODUCER: 1,
    ChinaExposure.EX_CHINA_DEVELOPER: 1,
    ChinaExposure.ETF: 1,
    ChinaExposure.CHINA_PRODUCER: -1,
    ChinaExposure.CHINA_MAGNET_MAKER: -1,
    ChinaExposure.NON_RARE_EARTH: 0,
    ChinaExposure.BENCHMARK: 0,
}


def load_universe(path: str | Path | None = None) -> pd.DataFrame:
    """Load and validate a universe file; ``None`` loads the shipped ``seeds/universe.csv``.

    Returns a DataFrame indexed by ticker with at least the columns ``name, exchange, currency,
    segment, china_exposure, exposure, benchmark``. ``exchange`` is an exchange_calendars code;
    ``exposure`` is the signed exposure (-1, 0, +1) of the asset to a tightening, taken from
    :data:`CLASS_EXPOSURE` when the file has no such column.
    """
    file = Path(path) if path is not None else seeds.path("universe.csv")
    if not file.exists():
        raise MissingFileError("universe file", file, "a CSV with the columns of seeds/universe.csv")
    text = read_text_input(file, "universe file")  # a folder, binary data or another encoding: one line
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise UniverseError(f"universe file {file} is not valid CSV: {str(error).strip().splitlines()[0]}") from None
    missing = [column for column in REQUIRED if column not in frame.columns]
    if missing:
        raise UniverseError(f"{file.name}: missing column(s) {missing}; required: {list(REQUIRED)}")
    for position, row in enumerate(frame.itertuples(index=False), start=2):
        if row.exchange not in EXCHANGES:
            raise UniverseError(
                f"{file.name} line {position}: unknown exchange {row.exchange!r}; "
                f"expected one of: {', '.join(EXCHANGES)}"
            )
        if row.china_exposure not in set(ChinaExposure):
            raise UniverseError(
                f"{file.name} line {position}: unknown china_exposure {row.china_exposure!r}; "
                f"expected one of: {', '.join(ChinaExposure)}"
            )
    if "exposure" not in frame.columns or (frame["exposure"] == "").any():
        default = frame["china_exposure"].map(lambda kind: str(CLASS_EXPOSURE[ChinaExposure(kind)]))
        frame["exposure"] = (
            frame["exposure"].where(frame["exposure"] != "", default) if "exposure" in frame else default
        )
    bad = frame.index[~frame["exposure"].isin(["-1", "0", "1", "+1"])]
    if len(bad):
        row = frame.loc[bad[0]]
        raise UniverseError(f"{file.name} line {bad[0] + 2}: exposure {row['exposure']!r} must be -1, 0 or 1")
    frame["exposure"] = frame["exposure"].astype(int)
    duplicated = frame["ticker"][frame["ticker"].duplicated()].tolist()
    if duplicated:
        raise UniverseError(f"{file.name}: duplicate ticker(s) {duplicated}")
    unknown_benchmarks = sorted(set(frame["benchmark"]) - set(frame["ticker"]) - {""})
    if unknown_benchmarks:
        raise UniverseError(f"{file.name}: benchmark(s) {unknown_benchmarks} are not tickers of the universe")
    for column in OPTIONAL:
        if column not in frame.columns:
            frame[column] = ""
    for column in ("valid_from", "valid_to"):
        for position, value in zip(frame.index, frame[column]):
            if value and not _DAY.match(value):
                raise UniverseError(f"{file.name} line {position + 2}: {column} {value!r} is not a date YYYY-MM-DD")
    for position, start, end in zip(frame.index, frame["valid_from"], frame["valid_to"]):
        if start and end and start > end:
            raise UniverseError(f"{file.name} line {position + 2}: valid_from {start} is after valid_to {end}")
    return frame.set_index("ticker")


def identity_span(universe: pd.DataFrame, ticker: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """(valid_from, valid_to) of ``ticker``'s rare-earth identity (None: open on that side).

    >>> from signals import load_universe
    >>> identity_span(load_universe(), "000831")  # an aluminium smelter until it relisted in 2013
    (Timestamp('2013-02-08 00:00:00'), None)
    >>> identity_span(load_universe(), "LYC")
    (None, None)
    """
    row = universe.loc[ticker]
    return tuple(  # type: ignore[return-value]
        pd.Timestamp(row[column]) if column in row.index and row[column] else None
        for column in ("valid_from", "valid_to")
    )


def select_tickers(universe: pd.DataFrame, tickers: Iterable[str] | None) -> list[str]:
    """Validate ``tickers`` against the universe (all of it when ``None``), keeping their order."""
    if tickers is None:
        return list(universe.index)
    tickers = [tickers] if isinstance(tickers, str) else list(tickers)
    unknown = [ticker for ticker in tickers if ticker not in universe.index]
    if unknown:
        raise UnknownTickerError(unknown, universe.index)
    return list(dict.fromkeys(tickers))
