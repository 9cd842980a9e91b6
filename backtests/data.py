"""The data a spec reads, loaded once through the input boundaries, with the hashes of what was read.

:meth:`MarketData.load` reads the events, the universe and the adjusted closes a :class:`RunSpec`
needs; :meth:`MarketData.for_study` those of a :class:`StudySpec` (the assets and their
benchmarks). Operations take a ``MarketData`` and never load anything themselves, so a sweep, its
placebos and every walk-forward fold share one load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from signals import EventCalendar, identity_span, input_record, load_universe, select_tickers
from signals.errors import PriceDataError
from strategies import StrategyContext, build_context, default_tickers

from .prices._load import PriceSource
from .spec import EventSource, RunSpec, StudySpec

__all__ = ["MarketData"]


def _inputs(events: EventSource, prices: PriceSource, tickers: list[str]) -> dict[str, dict[str, str]]:
    """Path and sha256 of every file read: events (and the shipped ones when merged), universe, prices.

    ``prices`` records its ``source`` (``bundled``, ``store`` or ``folder``), see :func:`price_inputs`.
    """
    inputs = {"events": input_record(events.path, "events.csv")}
    if events.merge:
        inputs["shipped_events"] = input_record(None, "events.csv")
    return inputs | {"universe": input_record(None, "universe.csv")} | prices.inputs(tickers)


@dataclass(frozen=True)
class MarketData:
    """Events, universe and adjusted closes (sessions x assets), and where they came from.

    ``close`` holds the traded assets (a run) or the assets and their benchmarks (a study), on the
    union of their sessions, NaN where an asset has no session.
    """

    calendar: EventCalendar
    universe: pd.DataFrame
    close: pd.DataFrame
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)
    _contexts: dict[Any, StrategyContext] = field(default_factory=dict, repr=False, compare=False)
    #: Per ticker, what was left out and why, said in the run's output and config.json: the sessions
    #: in which the company was not the rare-earth business (``universe.csv``'s ``valid_from`` /
    #: ``valid_to``), or a default asset whose prices ended long before the others'.
    left_out: dict[str, str] = field(default_factory=dict)
    #: Where the closes came from (``RunSpec.prices``): the benchmarks of :meth:`benchmark_closes` too.
    prices: PriceSource = field(default_factory=PriceSource)
    _benchmarks: dict[Any, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(
        cls,
        spec: RunSpec,
        calendar: EventCalendar | None = None,
        universe: pd.DataFrame | None = None,
        close: pd.DataFrame | None = None,
    ) -> MarketData:
        """The spec's events, the universe and the closes of its assets and period.

        ``calendar``, ``universe`` or ``close`` given here are used instead of reading them
        (notebooks, tests, placebo calendars); ``inputs`` then records only what was read.
        """
        given = {"events": calendar, "shipped_events": calendar, "universe": universe}
        universe = universe if universe is not None else load_universe()
        calendar = calendar if calendar is not None else spec.events.load()  # a missing file fails here, named
        params = spec.resolved_params()
        chosen = (
            select_tickers(universe, spec.tickers) if spec.tickers is not None else default_tickers(universe, params)
        )
        inputs = {
            name: record
            for name, record in _inputs(spec.events, spec.prices, chosen).items()
            if given.get(name, close) is None
        }
        left_out: dict[str, str] = {}
        if close is None:  # loaded here: each asset only while it is the business the calendar assumes
            loaded = spec.prices.load(chosen, spec.start, spec.end, field="adj_close")
            close, left_out = within_identity(loaded, universe)
            if spec.tickers is None:
                close, ended = _without_ended(close)
                chosen = [ticker for ticker in chosen if ticker not in ended]
                left_out |= ended

            def whole() -> pd.DataFrame:  # read again only to say where the data lie, when none is in the period
                return within_identity(spec.prices.load(chosen, field="adj_close"), universe)[0]
        else:  # given by the caller (a test's market, a notebook's series): used as it is
            given = close[chosen]
            close = given.loc[spec.start : spec.end]

            def whole() -> pd.DataFrame:
                return given

        trimmed = _trimmed(close, chosen, spec.start, spec.end, spec.prices.describe(), whole)
        return cls(calendar, universe, trimmed, inputs, left_out=left_out, prices=spec.prices)

    @classmethod
    def for_study(cls, spec: StudySpec) -> MarketData:
        """Events, universe and the closes of the study's assets and of their benchmarks."""
        universe = load_universe()
        calendar = spec.events.load()  # a missing file fails here, named
        assets = spec.assets(universe)
        needed = list(dict.fromkeys([*assets, *(b for b in universe.loc[assets, "benchmark"] if b)]))
        close, left_out = within_identity(spec.prices.load(needed, field="adj_close"), universe)
        return cls(calendar, universe, close, _inputs(spec.events, spec.prices, needed), left_out=left_out,
                   prices=spec.prices)  # fmt: skip

    def window(self, spec: RunSpec) -> MarketData:
        """This data cut to a spec's assets and period (no reloading)."""
        chosen = (
            select_tickers(self.universe, spec.tickers)
            if spec.tickers is not None
            else [t for t in default_tickers(self.universe, spec.resolved_params()) if t in self.close.columns]
        )
        missing = [ticker for ticker in chosen if ticker not in self.close.columns]
        if missing:
            raise PriceDataError(f"no prices loaded for {', '.join(missing)}")
        close = _trimmed(self.close.loc[spec.start : spec.end, chosen], chosen, spec.start, spec.end,
                         whole=lambda: self.close[chosen])  # fmt: skip
        left_out = {ticker: note for ticker, note in self.left_out.items() if ticker in chosen}
        window = MarketData(self.calendar, self.universe, close, self.inputs, left_out=left_out, prices=self.prices)
        sessions = {asset: close.index[close[asset].notna().to_numpy()] for asset in close.columns}
        for key, context in self._contexts.items():  # the events are aligned already: cut, not aligned again
            if key[1] is None:  # (no budget of dropped events to check again)
                window._contexts[key] = StrategyContext(self.calendar, self.universe, close,
                                                        context.alignment.within(sessions))  # fmt: skip
        return window

    def context(self, spec: RunSpec) -> StrategyContext:
        """The events aligned to these closes, as templates read them (built once per alignment setting)."""
        key = (spec.after_close, spec.max_dropped, spec.close_margin)
        if key not in self._contexts:
            self._contexts[key] = build_context(
                self.calendar,
                self.universe,
                self.close,
                after_close=spec.after_close,
                max_dropped=spec.max_dropped,
                close_margin=spec.close_delta,
            )
        return self._contexts[key]

    def with_calendar(self, calendar: EventCalendar) -> MarketData:
        """The same prices with other events (placebo calendars)."""
        return MarketData(calendar, self.universe, self.close, self.inputs, left_out=self.left_out, prices=self.prices)

    def benchmark_closes(self) -> pd.DataFrame:
        """Adjusted closes of the market benchmarks of :attr:`close`'s assets on its sessions (forward-filled),
        from the same price source, loaded once (a run's attribution measures abnormal returns with them).

        An asset with no benchmark on its own market has none here (never a stand-in); a user's price
        folder may lack a benchmark, which is then left out.
        """
        tickers = [t for t in self.close.columns if t in self.universe.index]
        wanted = sorted(set(self.universe.loc[tickers, "benchmark"]) - {""} - set(self.close.columns))
        key = tuple(wanted)
        if key not in self._benchmarks:
            wanted = self.prices.having(wanted)
            frame = pd.DataFrame(index=self.close.index)
            if wanted:
                loaded = self.prices.load(wanted, field="adj_close")
                frame = loaded.reindex(loaded.index.union(self.close.index)).ffill().reindex(self.close.index)
            self._benchmarks[key] = frame
        return self._benchmarks[key]

    def describe(self) -> dict[str, Any]:
        """What ``config.json`` records about the data: assets, first and last session, inputs."""
        return {
            "tickers": [str(column) for column in self.close.columns],
            "start": f"{self.close.index[0]:%Y-%m-%d}",
            "end": f"{self.close.index[-1]:%Y-%m-%d}",
            "inputs": self.inputs,
            "left_out": self.left_out,
        }


def within_identity(close: pd.DataFrame, universe: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """``close`` without the sessions in which a company was not the rare-earth business the calendar
    assumes (``valid_from`` / ``valid_to``), and per ticker what was left out (never silently)."""
    close = close.copy()
    notes = {}
    for ticker in close.columns:
        if ticker not in universe.index:
            continue
        first, last = identity_span(universe, str(ticker))
        outside = pd.Series(False, index=close.index)
        if first is not None:
            outside |= close.index < first
        if last is not None:
            outside |= close.index > last
        count = int((outside & close[ticker].notna()).sum())
        if count:
            span = " ".join(
                part for part in (first and f"from {first:%Y-%m-%d}", last and f"to {last:%Y-%m-%d}") if part
            )
            notes[str(ticker)] = f"{count} session(s) left out: a rare-earth company only {span}"
            close.loc[outside.to_numpy(), ticker] = float("nan")
    return close.dropna(how="all"), notes


#: A default asset whose prices end this long before the latest of the others' is left out (said).
ENDED_BEFORE = pd.Timedelta(days=365)


def _without_ended(close: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """``close`` without the assets whose prices end more than :data:`ENDED_BEFORE` before the others'
    (a default run trades today's universe: NEO.TO's bundled prices stop in 2020), and why."""
    ends = close.apply(pd.Series.last_valid_index).dropna()
    if ends.empty:
        return close, {}
    ended = ends[ends < ends.max() - ENDED_BEFORE]
    notes = {
        str(ticker): f"left out of the default assets: its prices end {end:%Y-%m-%d}, more than a year before "
        f"the others' (name it with --tickers; reelab prices update fills it)"
        for ticker, end in ended.items()
    }
    return close.drop(columns=ended.index), notes


def _trimmed(
    close: pd.DataFrame, chosen, start, end, source: str = "", whole: Callable[[], pd.DataFrame] | None = None
) -> pd.DataFrame:
    """``close`` without empty rows and columns; none left raises PriceDataError, saying where the data
    lie (``whole()``: the same assets' prices over every date), e.g. that ``start`` is past their last date."""
    close = close.dropna(how="all", axis=1).dropna(how="all", axis=0)
    if close.empty:
        first = "the start of the data" if start is None else f"{pd.Timestamp(start):%Y-%m-%d}"
        last = "the end of the data" if end is None else f"{pd.Timestamp(end):%Y-%m-%d}"
        where = f" {source}" if source else ""
        message = f"no prices for {', '.join(map(str, chosen))}{where} from {first} to {last}"
        dates = whole().dropna(how="all").index if whole is not None else pd.DatetimeIndex([])
        if len(dates) and start is not None and pd.Timestamp(start) > dates[-1]:
            message += f": start {first} is after the last date of the data, {dates[-1]:%Y-%m-%d}"
        elif len(dates) and end is not None and pd.Timestamp(end) < dates[0]:
            message += f": end {last} is before the first date of the data, {dates[0]:%Y-%m-%d}"
        elif len(dates):
            message += f": the data run from {dates[0]:%Y-%m-%d} to {dates[-1]:%Y-%m-%d}"
        raise PriceDataError(message)
    return close
