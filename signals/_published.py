"""Publication values, a file's kind and the article index: what ``published`` means, which files an index lists.

A ``published`` value in an index or front matter is a day ``YYYY-MM-DD``, a local time
``YYYY-MM-DDTHH:MM[:SS]`` (kept naive: the caller resolves its zone), or a time with its zone:
an ISO offset (``2025-10-09T14:30+08:00``, ``...Z``) or an IANA name after the time
(``2025-10-09 14:30 Asia/Shanghai``). Zones are IANA zones: a whole-hour offset becomes the
``Etc/GMT-8`` style zone (the sign is inverted in those names), zero becomes ``UTC``, and any other
offset is converted to UTC. A time in page or feed markup is read the same way, else as RFC 822.

A file's kind is read from its content: a document whose root is ``rss``, ``feed`` or ``rdf:RDF``
is a feed, an HTML document (or markup in a file named ``.html``/``.htm``) is a page, anything
else is text.

An index is a CSV with a header and columns ``file`` and ``published`` (``outlet`` and ``url``
optional, any other column ignored); ``file`` is relative to the index's folder and names an
existing file. A feed's row may give an outlet only (its items carry their own times and links).
The whole index is checked before any file is read.
"""

from __future__ import annotations

import csv
import difflib
import email.utils
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from ._io import read_text_input
from .dates import _zones as _known_zones
from .errors import (
    DuplicateFieldError,
    EventFileError,
    InputFileError,
    InvalidDateError,
    InvalidFieldError,
    MalformedFileError,
    MissingColumnError,
    MissingFileError,
    UnknownTimeZoneError,
)

__all__: list[str] = []

INDEX_COLUMNS = ("file", "published", "outlet", "url")
REQUIRED_INDEX_COLUMNS = ("file", "published")
UTC = ZoneInfo("UTC")

_PUBLISHED = re.compile(
    r"^(?P<day>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?)"
    r"(?:\s*(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)|\s+(?P<zone>[A-Za-z][\w+\-/]*))?)?$"
)
_DAY_WITH_ZONE = re.compile(r"^\d{4}-\d{2}-\d{2}\s+[A-Za-z][\w+\-/]*$")
_FIRST_ELEMENT = re.compile(
    r"\A(?:\s|<\?xml[^>]*\?>|<!--.*?-->|<!DOCTYPE\s+(?P<doctype>\w+)[^>\[]*(?:\[.*?\])?\s*>)*<(?P<name>[A-Za-z][\w:.-]*)",
    re.DOTALL | re.IGNORECASE,
)
_FEED_ROOTS = {"rss", "feed", "rdf:rdf"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml", ".mhtml"}
_HTML_ELEMENTS = {"html", "head", "body", "meta", "title", "link", "script", "style", "div", "article", "main",
                  "section", "header", "nav", "p", "span", "table", "h1", "h2", "h3"}  # fmt: skip


@dataclass(frozen=True)
class _Listing:
    """A file to read, with the metadata an index row gives it (None: not given)."""

    path: Path
    published: pd.Timestamp | None = None
    outlet: str = ""
    url: str = ""


# --- publication times -------------------------------------------------------------------------


def _zone_of_offset(minutes: int) -> ZoneInfo:
    """The IANA zone of a fixed offset: ``Etc/GMT-8`` for +08:00 (POSIX inverts the sign), UTC otherwise."""
    hours, rest = divmod(minutes, 60)
    if rest == 0 and -12 <= hours <= 14 and hours != 0:
        return ZoneInfo(f"Etc/GMT{-hours:+d}")
    return UTC


def _parse_published(value: str, file: str, line: int | None, column: str = "published") -> pd.Timestamp:
    """A ``published`` value as the module docstring describes; errors name ``file``, ``line`` and the value."""
    text = value.strip()
    match = _PUBLISHED.match(text)
    if match is None:
        problem = (
            "not a date YYYY-MM-DD or a time with its zone (2025-10-09T14:30+08:00, 2025-10-09 14:30 Asia/Shanghai):"
        )
        if _DAY_WITH_ZONE.match(text):
            problem = "a zone needs a time of day (give the date alone, or a time and its zone):"
        raise InvalidDateError(file, line, column, value, problem)
    clock = (match["time"] or "00:00").replace(",", ".")
    try:
        naive = datetime.fromisoformat(f"{match['day']}T{clock}")
    except ValueError:
        raise InvalidDateError(file, line, column, value, "not a calendar date and time:") from None
    if not 1990 <= naive.year <= 2100:
        raise InvalidDateError(file, line, column, value, "date out of range 1990-2100:")
    if match["time"] is None:
        return pd.Timestamp(naive)
    if match["offset"] is not None:
        offset = match["offset"]
        minutes = 0 if offset == "Z" else int(offset[1:3]) * 60 + int(offset[3:].lstrip(":") or 0)
        if minutes >= 24 * 60 or (offset != "Z" and int(offset[3:].lstrip(":") or 0) >= 60):
            raise InvalidDateError(file, line, column, value, "not a time zone offset (-12:00 to +14:00):")
        minutes = -minutes if offset.startswith("-") else minutes
        stamp = pd.Timestamp(naive.replace(tzinfo=timezone(timedelta(minutes=minutes))))
        return stamp.tz_convert(_zone_of_offset(minutes))
    if match["zone"] is not None:
        return _localize(naive, match["zone"], value, file, line, column)
    return pd.Timestamp(naive)


def _localize(naive: datetime, name: str, value: str, file: str, line: int | None, column: str) -> pd.Timestamp:
    zones = _known_zones()[0]  # every IANA zone, cached once for signals
    if name not in zones:
        # Etc/GMT+8 is UTC-8: never offer it for "GMT+8", which its writer means as UTC+8
        names = sorted(zone for zone in zones if not zone.startswith(("Etc/GMT+", "Etc/GMT-")))
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.75)
        if close and not re.match(r"(?i)(GMT|UTC)[+-]\d", name):
            raise UnknownTimeZoneError(file, line, column, value, f"unknown time zone {name!r} in", close)
        raise UnknownTimeZoneError(
            file, line, column, value,
            f"unknown time zone {name!r} (use an IANA name like Asia/Shanghai, or an offset like +08:00) in",
        )  # fmt: skip
    zone = ZoneInfo(name)
    first, second = naive.replace(tzinfo=zone), naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        raise InvalidDateError(
            file, line, column, value,
            f"a clock time that occurs twice or never in {name} (daylight saving); give it with an offset:",
        )  # fmt: skip
    return pd.Timestamp(first)


def _markup_time(value: str) -> pd.Timestamp | None:
    """A publication time written in page or feed markup (ISO 8601 or RFC 822), or None if unreadable."""
    text = value.strip()
    compact = re.sub(r"(:\d{2})\.\d+", r"\1", text)  # fractions of a second say nothing here
    try:
        return _parse_published(compact, "", None)
    except EventFileError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # no zone, or RFC 822's "-0000": zone unknown
        return pd.Timestamp(moment)
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    return pd.Timestamp(moment).tz_convert(_zone_of_offset(minutes))


def _precision(stamp: pd.Timestamp) -> int:
    """2 a time with its zone, 1 a time without, 0 a date alone."""
    if stamp.tzinfo is not None:
        return 2
    return 1 if stamp != stamp.normalize() else 0


# --- the kind of a file ------------------------------------------------------------------------


def _kind(text: str, path: Path) -> str:
    """``feed``, ``html`` or ``text``, from the content, with the suffix as a hint for markup fragments."""
    match = _FIRST_ELEMENT.match(text[:65536])
    if match is None:
        return "text"
    name = match["name"].lower()
    if name in _FEED_ROOTS:
        return "feed"
    doctype = (match["doctype"] or "").lower()
    if doctype == "html" or name in _HTML_ELEMENTS or path.suffix.lower() in _HTML_SUFFIXES:
        return "html"
    return "text"


# --- the index -----------------------------------------------------------------------------------


def _read_index(index: Path) -> list[_Listing]:
    """The files an index CSV lists, with their metadata, checked whole before any file is read."""
    name = str(index)
    text = read_text_input(index, "article index")
    reader = csv.reader(io.StringIO(text), strict=True)
    line = 1
    try:
        header = [column.strip().lower() for column in next(reader, [])]
        shown = ",".join(header)
        for column in REQUIRED_INDEX_COLUMNS:
            if column not in header:
                raise MissingColumnError(name, 1, column, shown, "missing column; the header is")
        for position, column in enumerate(header):
            if column in INDEX_COLUMNS and column in header[:position]:
                raise DuplicateFieldError(name, 1, column, column, f"duplicate column (header field {position + 1}):")
        where = {column: header.index(column) for column in INDEX_COLUMNS if column in header}
        listings = []
        line = reader.line_num + 1
        for row in reader:
            if any(cell.strip() for cell in row):
                if len(row) > len(header):
                    raise MalformedFileError(
                        name, line, "csv", ",".join(row), "more fields than columns (quote a value with a comma):"
                    )
                cells = {column: (row[at].strip() if at < len(row) else "") for column, at in where.items()}
                listings.append(_index_row(index, name, line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        raise MalformedFileError(name, line, "csv", str(error), "not valid CSV from here:") from None
    return listings


def _index_row(index: Path, name: str, line: int, cells: dict[str, str]) -> _Listing:
    if not cells["file"]:
        raise InvalidFieldError(name, line, "file", "", "no file named:")
    path = index.parent / cells["file"]
    if not path.exists():
        raise MissingFileError(
            f"{name} line {line}: article",
            path,
            f"an existing file (index paths are relative to {str(index.parent)!r})",
        )
    if not path.is_file():
        raise InputFileError(f"{name} line {line}: article {str(path)!r} is a folder, not a file")
    published = _parse_published(cells["published"], name, line) if cells["published"] else None
    if (published is not None or cells.get("url")) and _kind(read_text_input(path, "article"), path) == "feed":
        column = "published" if published is not None else "url"
        raise InvalidFieldError(
            name,
            line,
            column,
            cells[column],
            "a feed's items carry their own times and links; leave it empty for a feed:",
        )
    return _Listing(path, published, cells.get("outlet", ""), cells.get("url", ""))
