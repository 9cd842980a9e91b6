"""The one date and time parser, used at every input boundary (files, Python calls, the CLI).

Dates are ISO days, ``YYYY-MM-DD``; instants add a local time, ``YYYY-MM-DDTHH:MM``. A value
that is already a ``date``, ``datetime`` or ``Timestamp`` is taken as it is. Anything else raises
:class:`~signals.errors.DateError` naming the field and the value.

>>> parse_day("2025-10-09", "asof")
Timestamp('2025-10-09 00:00:00')
>>> parse_instant("2026-03-03T09:30", "published")
(Timestamp('2026-03-03 09:30:00'), True)
>>> parse_day("2025-02-30", "start")
Traceback (most recent call last):
...
signals.errors.DateError: parameter 'start' = '2025-02-30' is invalid; expected a calendar date YYYY-MM-DD
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from datetime import date, datetime
from functools import cache

import pandas as pd

from .errors import DateError

__all__ = ["parse_asof", "parse_day", "parse_instant", "suggest_zone", "zone_problem"]

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$")


def parse_instant(value: str | date | datetime | pd.Timestamp, name: str = "date") -> tuple[pd.Timestamp, bool]:
    """(timestamp, whether a time of day was given) from an ISO day or day and time.

    A time-zone-aware value keeps its zone; text is read as naive local time.
    """
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        return stamp, stamp != stamp.normalize()
    if isinstance(value, date):
        return pd.Timestamp(value), False
    text = str(value).strip()
    has_time = bool(_INSTANT.match(text))
    if not (has_time or _DAY.match(text)):
        raise DateError(name, text, "a date YYYY-MM-DD or a local time YYYY-MM-DDTHH:MM")
    try:
        return pd.Timestamp(datetime.fromisoformat(text)), has_time
    except ValueError:
        raise DateError(name, text, "a calendar date YYYY-MM-DD") from None


def parse_day(value: str | date | datetime | pd.Timestamp, name: str = "date") -> pd.Timestamp:
    """A naive, normalized day from an ISO date (a time of day is not accepted in text)."""
    if isinstance(value, str) and not _DAY.match(value.strip()):
        if _INSTANT.match(value.strip()):
            raise DateError(name, value, "a day YYYY-MM-DD, without a time")
        raise DateError(name, value, "a date YYYY-MM-DD")
    stamp, _ = parse_instant(value, name)
    return (stamp.tz_localize(None) if stamp.tzinfo is not None else stamp).normalize()


def parse_asof(value: str | date | datetime | pd.Timestamp, name: str = "asof") -> pd.Timestamp:
    """An as-of day: a date, or ``"today"`` (the machine's local date)."""
    if isinstance(value, str) and value.strip().lower() == "today":
        return pd.Timestamp(date.today())
    return parse_day(value, name)


#: Names people write for the zones this project's news comes from, and the IANA zone each means
#: (a city that is an IANA zone's last part, "Tokyo" or "new york", is found without this table).
ZONE_ALIASES = {
    "beijing": "Asia/Shanghai", "peking": "Asia/Shanghai", "china": "Asia/Shanghai", "cn": "Asia/Shanghai",
    "beijing time": "Asia/Shanghai", "china standard time": "Asia/Shanghai", "shenzhen": "Asia/Shanghai",
    "hong kong": "Asia/Hong_Kong", "washington": "America/New_York", "washington dc": "America/New_York",
    "nyc": "America/New_York", "ny": "America/New_York", "eastern": "America/New_York", "et": "America/New_York",
    "us": "America/New_York", "usa": "America/New_York", "jst": "Asia/Tokyo", "canberra": "Australia/Sydney",
    "australia": "Australia/Sydney", "aest": "Australia/Sydney", "aedt": "Australia/Sydney",
    "ottawa": "America/Toronto", "canada": "America/Toronto", "geneva": "Europe/Zurich",
    "frankfurt": "Europe/Berlin", "germany": "Europe/Berlin", "eu": "Europe/Brussels", "cet": "Europe/Brussels",
    "cest": "Europe/Brussels", "uk": "Europe/London", "bst": "Europe/London", "korea": "Asia/Seoul",
    "kst": "Asia/Seoul", "india": "Asia/Kolkata", "ist": "Asia/Kolkata", "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata", "mumbai": "Asia/Kolkata", "malaysia": "Asia/Kuala_Lumpur",
}  # fmt: skip
#: Zones named in the message when nothing close to the text is found.
ZONE_EXAMPLES = ("Asia/Shanghai", "America/New_York", "Europe/Brussels", "Asia/Tokyo", "UTC")


@cache
def _zones() -> tuple[frozenset[str], dict[str, str], dict[str, str]]:
    """Every IANA zone; the canonical ones (Area/City) by lower-case name; and by lower-case city."""
    zones = frozenset(zoneinfo.available_timezones())
    # never offered: Etc/GMT+8, which is UTC-8 (POSIX signs), and the legacy names (Japan, US/Eastern)
    legacy = ("Etc/", "SystemV/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/")
    canonical = sorted(zone for zone in zones if "/" in zone and not zone.startswith(legacy))
    by_name = {zone.lower(): zone for zone in canonical}
    cities: dict[str, str] = {}
    for zone in canonical:
        cities.setdefault(zone.rsplit("/", 1)[1].lower(), zone)
    return zones, by_name, cities


def suggest_zone(text: str) -> str | None:
    """The IANA zone ``text`` most likely means, or None when nothing is close.

    >>> suggest_zone("Beijing"), suggest_zone("new york"), suggest_zone("Asia/Shangai"), suggest_zone("Mars")
    ('Asia/Shanghai', 'America/New_York', 'Asia/Shanghai', None)
    """
    _, by_name, cities = _zones()
    key = " ".join(str(text).replace("_", " ").split()).lower()
    underscored = key.replace(" ", "_")
    for found in (by_name.get(underscored), ZONE_ALIASES.get(key), cities.get(underscored)):
        if found is not None:
            return found
    if len(underscored) < 5:  # 'EST' is not a misspelt 'West'
        return None
    close = difflib.get_close_matches(underscored, [*by_name, *cities], n=1, cutoff=0.8)
    if not close:
        return None
    return by_name.get(close[0]) or cities[close[0]]


def zone_problem(text: str) -> str | None:
    """What is wrong with ``text`` as an IANA time-zone name, said with what was typed first; None if valid.

    >>> zone_problem("Asia/Shanghai") is None
    True
    >>> zone_problem("Beijing")
    "'Beijing' is not an IANA zone; did you mean Asia/Shanghai?"
    """
    if text in _zones()[0]:
        return None
    suggestion = suggest_zone(text) if str(text).strip() else None
    if suggestion is not None:
        return f"{text!r} is not an IANA zone; did you mean {suggestion}?"
    return f"{text!r} is not an IANA zone; use one like {', '.join(ZONE_EXAMPLES[:-1])} or {ZONE_EXAMPLES[-1]}"
