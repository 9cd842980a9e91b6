"""The argument types of the ``reelab`` command line: each reads one value and refuses a bad one in one line.

Dates go through :mod:`signals.dates`, the one parser used at every input boundary; folders are
checked before any work (an output folder that cannot be written, a data dir that is a file, a results
folder holding someone else's files). Nothing heavy is imported until an argument is read, so
``reelab --help`` stays fast.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from signals.errors import DateError


def _comma_list(text: str) -> list[str]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
    return items


def _typed(parser: str, name: str):
    """An argparse type from one of :mod:`signals.dates`' parsers: its error becomes argparse's one line.

    The parser is imported when an argument is read, so that ``reelab --help`` never imports pandas.
    """

    def read(text: str):
        from signals import dates

        try:
            value = getattr(dates, parser)(text, name)
            return value[0] if parser == "parse_instant" else value
        except DateError as error:
            raise argparse.ArgumentTypeError(f"bad date {text!r}; expected {error.valid}") from None

    read.__name__ = name
    return read


_date = _typed("parse_day", "date")

_asof = _typed("parse_asof", "asof")

_day_or_instant = _typed("parse_instant", "published")


def _windows(text: str) -> list[tuple[int, int]]:
    windows = []
    for part in _comma_list(text):
        start, separator, end = part.partition(":")
        try:
            windows.append((int(start), int(end)))
        except ValueError:
            raise argparse.ArgumentTypeError(f"bad window {part!r}; expected START:END like 0:5 or -1:1") from None
        if not separator:
            raise argparse.ArgumentTypeError(f"bad window {part!r}; expected START:END like 0:5 or -1:1")
    return windows


def _zone(text: str) -> str:
    import zoneinfo

    if text not in zoneinfo.available_timezones():
        raise argparse.ArgumentTypeError(f"unknown time zone {text!r}; use an IANA name like Asia/Shanghai")
    return text


def _event_types(text: str) -> list[str]:
    """Comma-separated event types, each one of the vocabulary (checked here, at the boundary)."""
    from signals import EventType

    valid = [str(kind) for kind in EventType]
    items = _comma_list(text)
    unknown = [item for item in items if item not in valid]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown event type {unknown[0]!r}; expected one of: {', '.join(valid)}")
    return items


def _count(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return int(text)


def _out_folder(text: str) -> Path:
    """An output folder that can be created or written: checked before any work is done."""
    import os

    folder = Path(text).expanduser()
    if folder.exists() and not folder.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a file, not a folder")
    ancestor = folder
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} cannot be created: {str(ancestor)!r} is a file")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text!r} cannot be written: {str(ancestor)!r} is not writable")
    return folder


def _data_folder(text: str) -> Path:
    """A data dir: a folder, or a path where one can be made (checked while parsing, before any work)."""
    folder = Path(text).expanduser()
    ancestor = folder
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not a folder ({str(ancestor)!r} is a file)")
    prices = folder / "prices"
    if prices.exists() and not prices.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r}: {str(prices)!r} is a file, not the price store's folder")
    return folder


def _writable_data_folder(text: str) -> Path:
    """A data dir the price store can be written in (``prices update``, ``daily``)."""
    import os

    folder = _data_folder(text)
    target = folder / "prices" if (folder / "prices").exists() else folder
    while not target.exists():
        target = target.parent
    if not os.access(target, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text!r} cannot be written ({str(target)!r} is not writable)")
    return folder


def _between(text: str, low: float, high: float, expected: str) -> float:
    """A number from ``low`` to ``high``; anything else says ``expected {expected}, got ...``."""
    try:
        value = float(text)
    except ValueError:
        value = low - 1.0
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def _seconds(text: str) -> float:
    return _between(text, 0, 86_400, "a number of seconds from 0 to 86400")


def _accepted(text: str) -> list[str]:
    """``TICKER:YYYY-MM-DD`` items (comma-separated): jumps the user accepts as real."""
    from signals import dates

    items = _comma_list(text)
    for item in items:
        ticker, separator, day = item.partition(":")
        try:
            dates.parse_day(day, "accept")
        except DateError:
            separator = ""
        if not separator or not ticker:
            raise argparse.ArgumentTypeError(f"expected TICKER:YYYY-MM-DD like MP:2026-10-01, got {item!r}")
    return items


def _results_folder(text: str) -> Path:
    """An output folder for a run, sweep or study: new, empty, or a reelab results folder (replaced whole)."""
    from signals.errors import ReelabError

    from ..results import check_results_folder

    folder = _out_folder(text)
    try:
        return check_results_folder(folder)
    except ReelabError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix(f"--out {folder} ")) from None


#: What ``reelab events inbox`` writes: a folder holding only these is an inbox (replaced whole on a rerun).
INBOX_NAMES = ("review.csv", "review.html", "manifest.json", "proposals.json")


def _inbox_folder(text: str) -> Path:
    """An inbox's output folder: new, empty, or an earlier inbox (never a folder holding other files)."""
    folder = _out_folder(text)
    if folder.is_dir():
        foreign = sorted(path.name for path in folder.iterdir() if path.name not in INBOX_NAMES)
        if foreign:
            raise argparse.ArgumentTypeError(f"{text!r} holds files reelab events inbox did not write "
                                             f"({', '.join(foreign[:3])}); choose a new or empty folder")  # fmt: skip
    return folder


def _score(text: str) -> float:
    """A score from 0 to 1 (``--min-score``)."""
    return _between(text, 0.0, 1.0, "a score from 0 to 1")


def _fraction(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number like 0.05, got {text!r}") from None


def _close_margin(text: str) -> int | None:
    """Minutes before a session's close, 0 to 600, or ``none`` (trade from the first session that opens after)."""
    if text.strip().lower() == "none":
        return None
    if not re.fullmatch(r"[0-9]+", text.strip()) or int(text) > 600:
        raise argparse.ArgumentTypeError(f"expected minutes 0 to 600 or 'none', got {text!r}")
    return int(text)


def _whole(text: str, least: int) -> int:
    if not re.fullmatch(r"[0-9]+", text.strip()) or int(text) < least:
        raise argparse.ArgumentTypeError(f"expected a whole number >= {least}, got {text!r}")
    return int(text)


def _positive(text: str) -> int:
    """A whole number >= 1 (``--chunk-size``)."""
    return _whole(text, 1)


def _workers(text: str) -> int:
    try:
        return _whole(text, 1)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected a number of worker processes >= 1, got {text!r}") from None


#: ``--workers`` above this many worker processes per CPU needs ``--force-workers``.
WORKERS_PER_CPU = 4


def _workers_limit() -> int:
    return WORKERS_PER_CPU * (os.cpu_count() or 1)


def _scheduler_address(text: str) -> str:
    """A Dask scheduler address, its syntax checked by distributed's own parser (nothing is connected
    to here: whether a scheduler answers is checked before the work starts)."""
    from signals.errors import ParameterError

    from ..simulation._distributed import ADDRESS_EXAMPLE, address_problem

    try:
        problem = address_problem(text)
    except ParameterError as error:  # distributed is not installed
        raise argparse.ArgumentTypeError(f"{text!r} needs {error.valid}") from None
    if problem is not None:
        raise argparse.ArgumentTypeError(f"bad Dask scheduler address {text!r}: {problem}; expected {ADDRESS_EXAMPLE}")
    return text.strip()


def _value(text: str):
    """A parameter value from the command line: None, true/false, int, float, a+b tuple, or text."""
    if "+" in text:  # a tuple, e.g. of tickers or event types: kept as text
        return tuple(part.strip() for part in text.split("+") if part.strip())
    lowered = text.strip().lower()
    if lowered in ("none", "null"):
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        number = int(text)
        return number if str(number) == text.strip() else text.strip()  # '000831' stays a ticker
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text.strip()


def _assignment(text: str) -> tuple[str, object]:
    name, separator, value = text.partition("=")
    if not separator or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), _value(value)


def _grid_axis(text: str) -> tuple[str, list]:
    name, separator, values = text.partition("=")
    if not separator or not name.strip() or not values.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=V1,V2,..., got {text!r}")
    return name.strip(), [_value(value) for value in values.split(",") if value.strip()]
