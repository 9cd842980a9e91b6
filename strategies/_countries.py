"""Which assets an event is aimed at: the countries it names, and the country each asset is listed in.

An event's ``countries_included`` are the *targets* of China's measure (the buyers it cuts off or
lets through, the other side of a negotiation), ``ALL`` or nothing named meaning every country;
``countries_excluded`` are the countries it exempts. An asset's country is its listing's: the
country of its exchange (:data:`LISTING_COUNTRIES`), so Lynas (ASX) is Australian although it
refines in Malaysia and sells to the US, and an ETF is its exchange's (REMX: the US). China takes
every measure, so its listed producers and magnet makers stand on the other side of every target:
an event is aimed at them whatever countries it names.

Templates ignore the countries unless asked: ``event_drift``'s ``target_countries=listing`` trades an
event only on the assets listed in a country it is aimed at (:func:`aimed_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from signals import Event, EventCalendar, exchange_zone
from signals.errors import ParameterError

__all__ = [
    "AUTHOR",
    "EU_MEMBERS",
    "LISTING_COUNTRIES",
    "TARGET_MODES",
    "aimed_rows",
    "aims_at",
    "listing_country",
    "reached_assets",
]

#: The country of each exchange (ISO 3166 alpha-2), by its exchange_calendars code.
LISTING_COUNTRIES = {
    "XNYS": "US", "XNAS": "US", "XASE": "US", "ARCX": "US", "BATS": "US", "XASX": "AU", "XTSE": "CA",
    "XTSX": "CA", "XSHG": "CN", "XSHE": "CN", "XHKG": "HK", "XTKS": "JP", "XKRX": "KR", "XKLS": "MY",
    "XLON": "GB", "XETR": "DE", "XFRA": "DE", "XPAR": "FR", "XAMS": "NL", "XSTO": "SE",
}  # fmt: skip
#: ``EU`` in an event's countries names each member state.
EU_MEMBERS = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
    "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
})  # fmt: skip
#: The country that takes every measure: an event is aimed at its listings whatever it names.
AUTHOR = "CN"
#: ``target_countries``: ``ignore`` (every asset trades every event) or ``listing`` (see the module).
TARGET_MODES = ("ignore", "listing")


def listing_country(universe: pd.DataFrame, asset: str) -> str:
    """The country ``asset`` is listed in: its exchange's (:data:`LISTING_COUNTRIES`).

    >>> from signals import load_universe
    >>> universe = load_universe()
    >>> listing_country(universe, "MP"), listing_country(universe, "LYC"), listing_country(universe, "600111")
    ('US', 'AU', 'CN')
    """
    code = str(universe.at[asset, "exchange"])
    try:
        return LISTING_COUNTRIES[code]
    except KeyError:
        raise ParameterError(
            "target_countries", "listing",
            f"assets on exchanges whose country is known ({', '.join(sorted(LISTING_COUNTRIES))}); "
            f"{asset} trades on {code}: name the assets with --tickers, or use target_countries=ignore",
        ) from None  # fmt: skip


def _names(codes: Iterable[str], country: str) -> bool:
    codes = {code.strip().upper() for code in codes}
    return country in codes or ("EU" in codes and country in EU_MEMBERS)


def aims_at(event: Event, country: str) -> bool:
    """Whether ``event`` is aimed at the assets listed in ``country``.

    Always for China's (:data:`AUTHOR`); else when ``countries_included`` names the country (``EU``
    names its members), is ``ALL`` or names none, and ``countries_excluded`` does not name it.
    """
    if country == AUTHOR:
        return True
    included = event.countries_included
    if included and not any(code.strip().upper() == "ALL" for code in included) and not _names(included, country):
        return False
    return not _names(event.countries_excluded, country)


def reached_assets(event: Event, universe: pd.DataFrame, tickers: Iterable[str] | None = None) -> list[str]:
    """The assets (of ``tickers``, default the universe) listed in a country ``event`` is aimed at;
    assets on an exchange of unknown country are left out."""
    assets = list(universe.index if tickers is None else tickers)
    return [
        asset for asset in assets
        if LISTING_COUNTRIES.get(str(universe.at[asset, "exchange"])) is not None
        and aims_at(event, listing_country(universe, asset))
    ]  # fmt: skip


def _surely_known(event: Event) -> pd.Timestamp:
    """An instant (UTC) by which ``event`` was knowable whatever the ``after_close`` of a run: its
    time if it has one, else the end of its local day."""
    instant = event.known_at if event.known_at is not None else event.announced_at
    if not event.time_of_day_known:
        instant = instant.normalize() + pd.Timedelta(days=1)
    return instant.tz_convert("UTC")


def aimed_rows(calendar: EventCalendar, universe: pd.DataFrame, table: pd.DataFrame) -> np.ndarray:
    """For each row of an alignment table (``event_id, asset, exchange, session``, as
    :func:`signals.align_events` or a placebo's draws give it), whether the event is aimed at the asset's
    listing country (:func:`aims_at`).

    Point-in-time: when an event's versions name different countries, a row reads the latest version
    knowable before its session's day began on the asset's exchange (whatever the run's
    ``after_close``), else the first version (the one that put the event on that session; or a placebo
    draw moved it before it was known).
    """
    if table.empty:
        return np.zeros(0, dtype=bool)
    assets = table["asset"].to_numpy()
    country_of = {asset: listing_country(universe, asset) for asset in pd.unique(assets)}
    countries = np.array([country_of[asset] for asset in assets], dtype=object)
    ids = table["event_id"].to_numpy()
    where, pairs = pd.factorize(pd.MultiIndex.from_arrays([ids, countries]))
    result = np.zeros(len(table), dtype=bool)
    decided = np.zeros(len(pairs), dtype=bool)
    values = np.zeros(len(pairs), dtype=bool)
    for number, (event_id, country) in enumerate(pairs):
        versions = calendar.versions(event_id)
        if len({(v.countries_included, v.countries_excluded) for v in versions}) == 1:
            values[number], decided[number] = aims_at(versions[-1], country), True
    plain = decided[where]
    result[plain] = values[where[plain]]
    revised = np.flatnonzero(~plain)  # rows of events whose versions disagree: each by its own session
    if len(revised):
        part = table.iloc[revised]
        for (event_id, code), rows in part.groupby(["event_id", "exchange"], sort=False).indices.items():
            versions = calendar.versions(event_id)
            cutoffs = pd.DatetimeIndex([_surely_known(version) for version in versions]).as_unit("ns")
            days = pd.DatetimeIndex(part["session"].to_numpy()[rows]).tz_localize(exchange_zone(code))
            known = np.searchsorted(cutoffs.asi8, days.tz_convert("UTC").as_unit("ns").asi8, side="right")
            chosen = np.maximum(known - 1, 0)  # the first version is in force on the session it lands on
            result[revised[rows]] = [
                aims_at(versions[number], country)
                for number, country in zip(chosen, countries[revised[rows]], strict=True)
            ]  # fmt: skip
    return result
