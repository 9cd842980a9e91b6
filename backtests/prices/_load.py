"""Price data: the bundled snapshot, the store layered over it, and the one validating boundary.

:func:`validate_prices` and :func:`session_dates` are the checks every source goes through (the
snapshot, the store, Yahoo's frames and the user's price folders, read in
:mod:`backtests.prices._folders`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from signals import load_universe, select_tickers
from signals.errors import ParameterError

from ._validate import (
    BUNDLED,
    _snapshot,
    _window,
)

__all__ = [
    "PriceSource",
    "load_prices",
    "price_inputs",
]


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
    source: PriceSource | str | Path | None = None,
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
    source = PriceSource.of(source)
    if source.folder is not None:
        from ._folders import load_price_dir

        return load_price_dir(source.folder, tickers, start, end, field)
    universe = load_universe()
    chosen = select_tickers(universe, tickers) if tickers is not None else list(universe.index)
    long = _snapshot() if source.bundled else _layered(universe, chosen)
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


def price_inputs(
    source: PriceSource | str | Path | None = None, tickers: Iterable[str] | str | None = None
) -> dict[str, dict[str, str]]:
    """What :func:`load_prices` reads for ``source`` and ``tickers``, for a run's manifest.

    ``{"prices": {"source": "bundled", "path": "shipped:seeds/prices.parquet", "sha256": ...}}`` for
    the snapshot. For the store (``source=None`` with stored files for some of ``tickers``) or a
    folder: ``source`` ``"store"`` or ``"folder"``, the folder's ``path``, the ``files`` used and a
    ``sha256`` over them: that of their ``sha256sum`` lines (``<sha256>  <name>``) sorted by name.
    A store that does not hold every ticker adds the snapshot's record as ``"bundled_prices"``.
    """
    from signals import input_record

    source = PriceSource.of(source)
    bundled = {"source": BUNDLED, **input_record(None, "prices.parquet")}
    universe = load_universe()
    chosen = select_tickers(universe, tickers)
    if source.bundled:
        return {"prices": bundled}
    if source.folder is not None:
        from ._folders import price_files

        files = [file for ticker, file in price_files(source.folder).items() if ticker in chosen]
        return {"prices": _files_record("folder", source.folder, files)}
    from ._store import checked_data_dir, store_files

    store = checked_data_dir() / "prices"
    stored = store_files(store, chosen)
    if not stored:
        return {"prices": bundled}
    record = {"prices": _files_record("store", store, list(stored.values()))}
    return record | ({"bundled_prices": bundled} if set(chosen) - set(stored) else {})


@dataclass(frozen=True)
class PriceSource:
    """Where closes come from: the user's store layered over the bundled snapshot (the default), the
    snapshot only (``bundled``), or a ``folder`` of price files. Frozen, like :class:`~backtests.EventSource`;
    :meth:`of` reads what a spec or the command line gives (None, ``"bundled"``, a path).
    """

    bundled: bool = False
    folder: Path | None = None

    def __post_init__(self) -> None:
        if self.bundled and self.folder is not None:
            raise ParameterError("prices", self.folder, "the bundled snapshot or a folder, not both")

    @classmethod
    def of(cls, value: PriceSource | str | Path | None) -> PriceSource:
        """``value`` as a source: None (the store over the snapshot), ``"bundled"``, or a folder."""
        if isinstance(value, PriceSource):
            return value
        if value is None:
            return cls()
        if value == BUNDLED:
            return cls(bundled=True)
        if not isinstance(value, str | Path) or not str(value):
            raise ParameterError("prices", value, "None, 'bundled' or a folder of price files")
        return cls(folder=Path(value))

    def load(
        self, tickers: Iterable[str] | str | None = None, start=None, end=None, field: str = "close"
    ) -> pd.DataFrame:
        """:func:`load_prices` from this source."""
        return load_prices(tickers, start, end, field, self)

    def inputs(self, tickers: Iterable[str] | str | None = None) -> dict[str, dict[str, str]]:
        """:func:`price_inputs` of this source: the files it reads for ``tickers``, with their hashes."""
        return price_inputs(self, tickers)

    def having(self, tickers: Iterable[str]) -> list[str]:
        """The ``tickers`` this source can give (a folder may lack some; the store and snapshot have all)."""
        if self.folder is None:
            return list(tickers)
        from ._folders import price_files

        present = price_files(self.folder)
        return [ticker for ticker in tickers if ticker in present]

    def describe(self) -> str:
        """Where, in words: ``in the bundled prices``, ``... and the price store``, ``in <folder>``."""
        if self.folder is not None:
            return f"in {self.folder}"
        return "in the bundled prices" + ("" if self.bundled else " and the price store")

    def to_record(self) -> str | None:
        """As config.json records it (and :meth:`of` reads it back): None, ``"bundled"`` or the folder."""
        return BUNDLED if self.bundled else None if self.folder is None else str(self.folder)
