"""The asset universe: who trades where, in what currency, with what exposure to China."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd

import seeds

from ._io import read_text_input
from .errors import MissingFileError, UniverseError, UnknownTickerError

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

__all__ = [
    "A_SHARE_EXCHANGES",
    "CLASS_EXPOSURE",
    "EXCHANGE_TERMS",
    "STAMP_DUTIES",
    "TERMS",
    "ChinaExposure",
    "identity_span",
    "load_universe",
    "parse_term",
    "select_tickers",
    "stamp_duty_rates",
]

REQUIRED = ("ticker", "name", "exchange", "currency", "segment", "china_exposure", "benchmark")
#: Listing venues, as exchange_calendars codes: New York (NYSE, Nasdaq, NYSE American, NYSE Arca),
#: Sydney, Toronto, Shanghai and Shenzhen (exchange_calendars keeps Shenzhen's sessions under XSHG).
EXCHANGES = ("XNYS", "XNAS", "XASE", "ARCX", "XASX", "XTSE", "XSHG", "XSHE")
#: The exchanges whose daily price limits and T+1 apply (strategies.market_locks).
A_SHARE_EXCHANGES = ("XSHG", "XSHE")
#: Optional columns: the board (ChiNext and STAR have their own limits) and the span in which the listed
#: company is the rare-earth business the calendar assumes (empty: open).
OPTIONAL = ("board", "valid_from", "valid_to")

#: Trading terms, optional columns: each empty cell (or a missing column) takes its exchange's default
#: (:data:`EXCHANGE_TERMS`). ``lot_size`` (shares per board lot: orders are whole lots when a run asks for
#: lots), ``commission`` (fraction of each order's value), ``stamp_duty`` (a schedule of :data:`STAMP_DUTIES`,
#: charged on sells), ``shortable`` (yes/no: may a template short it?), ``borrow_fee`` (a year's fee on a
#: short's value, accrued daily while the short is held).
TERMS = ("lot_size", "commission", "stamp_duty", "shortable", "borrow_fee")

#: Securities transaction stamp duty on sells, as (first session, rate) steps. ``china``: 0.1% of a sell's
#: value, halved to 0.05% for trades from 2023-08-28 (Ministry of Finance and State Taxation
#: Administration, Announcement [2023] No. 39 on halving the securities transaction stamp duty, announced
#: 2023-08-27, effective 2023-08-28). The first step has no start: the sell-only 0.1% rate dates from
#: 2008 (both sides paid before), earlier than any bundled A-share price; the older duty is not modelled.
STAMP_DUTIES: dict[str, tuple[tuple[str | None, float], ...]] = {
    "none": (),
    "china": ((None, 0.001), ("2023-08-28", 0.0005)),
}

_NEW_YORK = {"lot_size": 1, "commission": 0.0005, "stamp_duty": "none", "shortable": True, "borrow_fee": 0.005}
#: Each exchange's default terms (see README "Costs a desk would recognise"). Lots: 100 shares in Shanghai
#: and Shenzhen (the board lot), 1 elsewhere. Commissions are assumptions, not quotes: 5 bp in New York and
#: Toronto, 10 bp in Sydney, 3 bp in Shanghai and Shenzhen (a negotiated rate with exchange fees, without a
#: minimum per order). Stamp duty: China's on A-share sells. Borrow: 0.5% a year outside China (an
#: easy-to-borrow name; a hard-to-borrow one costs far more), and A-shares are not shortable (an assumption:
#: a desk has no A-share borrow; the 8% a year is used only when a user makes one shortable).
EXCHANGE_TERMS: dict[str, dict[str, object]] = {
    "XNYS": _NEW_YORK,
    "XNAS": _NEW_YORK,
    "XASE": _NEW_YORK,
    "ARCX": _NEW_YORK,
    "XASX": _NEW_YORK | {"commission": 0.001},
    "XTSE": dict(_NEW_YORK),
    "XSHG": {"lot_size": 100, "commission": 0.0003, "stamp_duty": "china", "shortable": False, "borrow_fee": 0.08},
    "XSHE": {"lot_size": 100, "commission": 0.0003, "stamp_duty": "china", "shortable": False, "borrow_fee": 0.08},
}
_YES, _NO = ("yes", "true", "1"), ("no", "false", "0")


def parse_term(name: str, text: str) -> object:
    """A trading term's value from text (a universe cell, a ``--terms`` override); ValueError says what is valid.

    >>> parse_term("lot_size", "100"), parse_term("shortable", "no"), parse_term("commission", "0.0003")
    (100, False, 0.0003)
    """
    text = text.strip()
    if name == "lot_size":
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"lot_size {text!r} is not a whole number of shares >= 1")
        return int(text)
    if name == "shortable":
        if text.lower() not in _YES + _NO:
            raise ValueError(f"shortable {text!r} is not yes or no")
        return text.lower() in _YES
    if name == "stamp_duty":
        if text not in STAMP_DUTIES:
            raise ValueError(f"stamp_duty {text!r} is not a schedule; expected one of: {', '.join(STAMP_DUTIES)}")
        return text
    if name in ("commission", "borrow_fee"):
        high = 0.1 if name == "commission" else 1.0
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not 0 <= value < high:
            raise ValueError(f"{name} {text!r} is not a fraction in [0, {high:g}), e.g. 0.0005 for 5 bp")
        return value
    raise ValueError(f"unknown trading term {name!r}; expected one of: {', '.join(TERMS)}")


def stamp_duty_rates(schedule: str, sessions: pd.DatetimeIndex) -> np.ndarray:
    """The stamp duty rate of a sell on each of ``sessions`` (0 for the schedule ``none``).

    >>> days = pd.DatetimeIndex(["2023-08-25", "2023-08-28"])
    >>> stamp_duty_rates("china", days).tolist(), stamp_duty_rates("none", days).tolist()
    ([0.001, 0.0005], [0.0, 0.0])
    """
    rates = np.zeros(len(sessions))
    for start, rate in STAMP_DUTIES[schedule]:
        rates[sessions >= pd.Timestamp(start) if start else slice(None)] = rate
    return rates


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
    return _with_terms(frame, file.name).set_index("ticker")


def _with_terms(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """The trading terms (:data:`TERMS`) as typed columns, each empty cell its exchange's default."""
    for column in TERMS:
        cells = frame[column] if column in frame.columns else pd.Series("", index=frame.index)
        values = []
        for position, exchange, cell in zip(frame.index, frame["exchange"], cells):
            if not cell.strip():
                values.append(EXCHANGE_TERMS[exchange][column])
                continue
            try:
                values.append(parse_term(column, cell))
            except ValueError as error:
                raise UniverseError(f"{name} line {position + 2}: {error}") from None
        types = {"lot_size": "int64", "commission": "float64", "borrow_fee": "float64", "shortable": "bool"}
        frame[column] = pd.Series(values, index=frame.index, dtype=object).astype(types.get(column, str))
    return frame


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
