"""What defines a run or a study: frozen, validated specs, built from Python or from the command line.

A spec says *what* to compute; :class:`backtests.data.MarketData` holds the data it reads and
:mod:`backtests.ops` computes it. Two specs that compare equal give the same results on the same data.

>>> spec = RunSpec(tickers=["MP", "LYC"], start="2024-01-01", params={"horizon": 5})
>>> spec.tickers, f"{spec.start:%Y-%m-%d}", spec.resolved_params().horizon
(('MP', 'LYC'), '2024-01-01', 5)
>>> RunSpec(start="2025-06-01", end="2025-01-01")
Traceback (most recent call last):
...
signals.errors.ParameterError: parameter 'end' = '2025-01-01' is invalid; expected on or after start 2025-06-01
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import time
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from signals import AFTER_CLOSE, EventCalendar, load_events, select_tickers
from signals.dates import parse_day
from signals.errors import ParameterError

from .measures._event_study import MODELS
from .prices._load import PriceSource
from .simulation._vbt import ENGINES, Costs

__all__ = ["MODELS", "EventSource", "RunSpec", "StudySpec"]

#: What an event study does with a pair whose window holds a confounder (see :class:`StudySpec`).
CONFOUNDER_POLICIES = ("flag", "exclude", "ignore")
DEFAULT_WINDOWS = ((-1, 1), (0, 5), (0, 20))
#: Classes a study leaves out unless named: the benchmarks, and the names that are not rare-earth businesses.
NOT_STUDIED = ("benchmark", "non_rare_earth")


@dataclass(frozen=True)
class EventSource:
    """Where events come from: the shipped calendar (no ``path``), a file, or a file merged into the shipped one."""

    path: Path | None = None
    merge: bool = False

    def __post_init__(self) -> None:
        if self.path is not None:
            object.__setattr__(self, "path", Path(self.path))
        if self.merge and self.path is None:
            raise ParameterError("merge", True, "an event file to merge (--merge needs --events FILE)")

    def load(self) -> EventCalendar:
        """The calendar: the shipped one, the file at ``path``, or that file merged into the shipped one."""
        return load_events(self.path, merge=self.merge)

    def to_dict(self) -> dict[str, Any]:
        """``events`` (the path as text, or None) and ``merge``, as config.json records them."""
        return {"events": None if self.path is None else str(self.path), "merge": self.merge}


def _day(value: Any, name: str) -> pd.Timestamp | None:
    return None if value is None else parse_day(value, name)


def ticker_tuple(value: Iterable[str] | str | None) -> tuple[str, ...] | None:
    """Tickers as a tuple (one string is one ticker); ``None`` stays ``None`` (the template's default)."""
    if value is None:
        return None
    items = (value,) if isinstance(value, str) else tuple(value)
    if not items or not all(isinstance(item, str) and item for item in items):
        raise ParameterError("tickers", value, "a non-empty list of ticker strings")
    return tuple(items)


def _check_margin(margin: Any) -> None:
    """A close margin is whole minutes, 0 to 600, or None (the open rule)."""
    if margin is not None and (isinstance(margin, bool) or not isinstance(margin, int) or not 0 <= margin <= 600):
        raise ParameterError("close_margin", margin, "minutes before a close, 0 to 600, or None (the open rule)")


def margin_delta(margin: int | None) -> pd.Timedelta | None:
    """A close margin in minutes as a Timedelta (None: the open rule)."""
    return None if margin is None else pd.Timedelta(minutes=margin)


def _check_period(start: pd.Timestamp | None, end: pd.Timestamp | None) -> None:
    if start is not None and end is not None and end < start:
        raise ParameterError("end", f"{end:%Y-%m-%d}", f"on or after start {start:%Y-%m-%d}")


@dataclass(frozen=True)
class RunSpec:
    """Everything that defines a backtest: template and parameters, assets, period, costs, events.

    Parameters
    ----------
    template : str
        A registered template (see :func:`strategies.available`).
    params : mapping
        The template's parameters; validated here (unknown names and bad values raise).
    tickers : sequence of str, optional
        Assets to trade (default: the template's).
    start, end : date-like, optional
        First and last session (default: the whole price history).
    costs : Costs
        Fees, slippage and starting cash per sleeve; the cost model (``flat``: one fee for every order;
        ``desk``: each asset's commission, stamp duty on A-share sells, borrow on shorts), rounding to
        board lots, and overrides of the universe's trading terms (:class:`backtests.Costs`).
    events : EventSource
        The shipped calendar, a user file, or a user file merged into the shipped calendar.
    after_close : datetime.time
        When a date-only event counts as known, in its announcing zone (default 18:00).
    close_margin : int or None
        Minutes: templates trade at the close, so an event known at least this long before a session's
        close trades at that close (default 30; ``None``: from the first session that opens after it).
    max_dropped : int, optional
        Fail when more events than this reach no asset (default: no limit, every drop is reported).
    prices : PriceSource, None, "bundled" or a folder
        Where closes come from (:class:`backtests.prices.PriceSource`): the price store layered over
        the bundled snapshot (default), the snapshot only, or a folder of the user's price files.
    engine : {"events", "vectorbt"}
        What simulates a signal-style template: reelab's event-window engine (default) or vectorbt's
        ``from_signals`` (the reference); both give the same orders. Target weights run on vectorbt.
    """

    template: str = "event_drift"
    params: Mapping[str, Any] = field(default_factory=dict)
    tickers: tuple[str, ...] | None = None
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    costs: Costs = field(default_factory=Costs)
    events: EventSource = field(default_factory=EventSource)
    after_close: time = AFTER_CLOSE
    max_dropped: int | None = None
    prices: PriceSource = field(default_factory=PriceSource)  # None, "bundled", a folder: PriceSource.of
    engine: str = "events"
    close_margin: int | None = 30

    def __post_init__(self) -> None:
        import strategies

        strategies.get(self.template).params(**dict(self.params))  # raises on unknown names or bad values
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        object.__setattr__(self, "tickers", ticker_tuple(self.tickers))
        object.__setattr__(self, "start", _day(self.start, "start"))
        object.__setattr__(self, "end", _day(self.end, "end"))
        _check_period(self.start, self.end)
        if not isinstance(self.after_close, time):
            raise ParameterError("after_close", self.after_close, "a datetime.time")
        if self.max_dropped is not None and (not isinstance(self.max_dropped, int) or self.max_dropped < 0):
            raise ParameterError("max_dropped", self.max_dropped, "an integer >= 0")
        object.__setattr__(self, "prices", PriceSource.of(self.prices))
        if self.engine not in ENGINES:
            raise ParameterError("engine", self.engine, f"one of: {', '.join(ENGINES)}")
        _check_margin(self.close_margin)

    @property
    def close_delta(self) -> pd.Timedelta | None:
        """:attr:`close_margin` as a Timedelta (None: the open rule)."""
        return margin_delta(self.close_margin)

    def resolved_params(self) -> Any:
        """The template's validated parameter object (defaults filled in)."""
        import strategies

        return strategies.get(self.template).params(**dict(self.params))

    def with_params(self, **changes: Any) -> RunSpec:
        """The same spec with some parameters changed (a sweep's combination, a fold's choice)."""
        return replace(self, params=dict(self.params) | changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as ``config.json`` records it; :meth:`from_dict` reads it back."""
        return {
            "template": self.template,
            "params": {name: list(v) if isinstance(v, tuple) else v for name, v in self.params.items()},
            "tickers": None if self.tickers is None else list(self.tickers),
            "start": None if self.start is None else f"{self.start:%Y-%m-%d}",
            "end": None if self.end is None else f"{self.end:%Y-%m-%d}",
            "fees": self.costs.fees,
            "slippage": self.costs.slippage,
            "init_cash": self.costs.init_cash,
            "costs": self.costs.model,
            "lots": self.costs.lots,
            "terms": list(self.costs.overrides),
            **self.events.to_dict(),
            "after_close": f"{self.after_close:%H:%M}",
            "max_dropped": self.max_dropped,
            "prices": self.prices.to_record(),
            "engine": self.engine,
            "close_margin": self.close_margin,
        }

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> RunSpec:
        """The spec a :meth:`to_dict` record describes (config.json's ``spec``); missing keys take the defaults.

        Lists in ``params`` become tuples again.
        """
        return cls(
            record.get("template", "event_drift"),
            {name: tuple(v) if isinstance(v, list) else v for name, v in (record.get("params") or {}).items()},
            record.get("tickers"),
            record.get("start"),
            record.get("end"),
            Costs(
                **{name: record[name] for name in ("fees", "slippage", "init_cash", "lots") if name in record},
                model=record.get("costs", "flat"),
                overrides=tuple(record.get("terms") or ()),
            ),
            EventSource(record.get("events"), bool(record.get("merge"))),
            time.fromisoformat(record.get("after_close", "18:00")),
            record.get("max_dropped"),
            PriceSource.of(record.get("prices")),
            record.get("engine", "events"),
            record.get("close_margin", 30),
        )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> RunSpec:
        """From ``reelab run`` / ``reelab sweep`` arguments (the named options and ``--param NAME=VALUE``)."""
        named = {
            "event_types": getattr(args, "event_types", None),
            "horizon": getattr(args, "horizon", None),
            "min_severity": getattr(args, "min_severity", None),
            "stop_loss": getattr(args, "stop_loss", None),
            "take_profit": getattr(args, "take_profit", None),
            "allow_short": True if getattr(args, "allow_short", False) else None,
        }
        params = {name: value for name, value in named.items() if value is not None} | dict(args.param)
        return cls(
            args.template, params, args.tickers, args.start, args.end,
            Costs(args.fees, args.slippage, model=getattr(args, "costs", None) or "flat",
                  lots=bool(getattr(args, "lots", False)), overrides=tuple(getattr(args, "terms", None) or ())),
            EventSource(args.events, args.merge), prices=PriceSource.of(getattr(args, "prices", None)),
            engine=getattr(args, "engine", None) or "events", close_margin=getattr(args, "close_margin", 30),
        )  # fmt: skip


@dataclass(frozen=True)
class StudySpec:
    """Everything that defines an event study: events and their types, assets, windows, the model.

    ``windows`` are inclusive (start, end) sessions around session 0; the estimation window has
    ``estimation`` sessions and ends ``gap`` sessions before session -1. ``prices`` is the price
    source, as in :class:`RunSpec`. ``types`` default to every policy type (not confounders);
    ``confounders``: ``flag`` (car.csv's ``confounded`` names those whose session falls in a pair's
    window), ``exclude`` (such pairs are dropped, with the reason) or ``ignore``. ``close_margin``:
    session 0 is the first session whose close could hold the news, so an event known before a close
    is on that session (default 0 minutes; ``None``: the first session that opens after it).
    """

    types: tuple[str, ...] | None = None
    tickers: tuple[str, ...] | None = None
    windows: tuple[tuple[int, int], ...] = DEFAULT_WINDOWS
    model: str = "market"
    estimation: int = 120
    gap: int = 10
    events: EventSource = field(default_factory=EventSource)
    prices: PriceSource = field(default_factory=PriceSource)  # None, "bundled", a folder: PriceSource.of
    confounders: str = "flag"
    close_margin: int | None = 0

    def __post_init__(self) -> None:
        _check_margin(self.close_margin)
        if self.confounders not in CONFOUNDER_POLICIES:
            raise ParameterError("confounders", self.confounders, f"one of {', '.join(CONFOUNDER_POLICIES)}")
        if self.model not in MODELS:
            raise ParameterError("model", self.model, f"one of {', '.join(MODELS)}")
        windows = tuple(sorted({(int(a), int(b)) for a, b in self.windows}))
        for start, end in windows:
            if start > end or start < -self.gap:
                raise ParameterError("windows", f"{start}:{end}", f"start <= end and start >= -gap (-{self.gap})")
        if not windows:
            raise ParameterError("windows", self.windows, "at least one window")
        object.__setattr__(self, "windows", windows)
        if not (isinstance(self.estimation, int) and 30 <= self.estimation <= 1000):
            raise ParameterError("estimation", self.estimation, "an integer number of sessions in 30..1000")
        if not (isinstance(self.gap, int) and self.gap >= 0):
            raise ParameterError("gap", self.gap, "an integer number of sessions >= 0")
        object.__setattr__(self, "types", None if self.types is None else tuple(self.types))
        object.__setattr__(self, "tickers", ticker_tuple(self.tickers))
        object.__setattr__(self, "prices", PriceSource.of(self.prices))

    def assets(self, universe: pd.DataFrame) -> list[str]:
        """The assets studied: :attr:`tickers` (validated), else every rare-earth asset of ``universe``
        (neither a benchmark nor ``non_rare_earth``)."""
        if self.tickers is not None:
            return select_tickers(universe, self.tickers)
        return [t for t in universe.index if universe.at[t, "china_exposure"] not in NOT_STUDIED]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as ``config.json`` records it; :meth:`from_dict` reads it back.

        >>> spec = StudySpec(windows=[(0, 5)], model="market_adjusted")
        >>> spec.to_dict()["windows"], StudySpec.from_dict(spec.to_dict()) == spec
        ([[0, 5]], True)
        """
        record = asdict(self)
        record["windows"] = [list(window) for window in self.windows]
        for name in ("types", "tickers"):
            record[name] = None if record[name] is None else list(record[name])
        record["prices"] = self.prices.to_record()
        return {key: value for key, value in record.items() if key != "events"} | self.events.to_dict()

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> StudySpec:
        """The spec a :meth:`to_dict` record describes (config.json's ``spec``); missing keys take the defaults."""
        return cls(
            record.get("types"), record.get("tickers"),
            tuple(tuple(window) for window in record.get("windows", DEFAULT_WINDOWS)),
            record.get("model", "market"), record.get("estimation", 120), record.get("gap", 10),
            EventSource(record.get("events"), bool(record.get("merge"))), PriceSource.of(record.get("prices")),
            record.get("confounders", "flag"), record.get("close_margin", 0),
        )  # fmt: skip

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> StudySpec:
        """From ``reelab study`` arguments (without ``--windows``, the default windows)."""
        return cls(
            args.types, args.tickers, tuple(args.windows or DEFAULT_WINDOWS), args.model, args.estimation, args.gap,
            EventSource(args.events, args.merge), PriceSource.of(args.prices), getattr(args, "confounders", "flag"),
            getattr(args, "close_margin", 0),
        )  # fmt: skip


def window_label(window: Sequence[int]) -> str:
    """A (start, end) window as ``start:end``, the label tests.csv and ``--windows`` use.

    >>> window_label((-1, 1))
    '-1:1'
    """
    return f"{window[0]}:{window[1]}"
