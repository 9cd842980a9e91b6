"""Events taken from news text become event-file rows: knowable from publication, in the right zone.

Point-in-time rule 4: an event taken from a text is knowable no earlier than the text's
publication, whatever the date or precision of the event itself. A row written here therefore
keeps ``announced`` as the date the text gives the action and sets ``known`` to the publication
(date, or date and time when known) in the publication's zone.

The zone comes from the dateline place (``BEIJING, Oct 9 (Reuters) -``) or the outlet (Chinese
state media publish in Beijing time), else from the caller (``--tz``), else
:data:`~signals.LATEST_PLAUSIBLE_ZONE`, which can only make the event known later.

Severity and direction follow the shipped calendar's judgement (``tools/build_events.py``):

* severity 1: ``negotiation_talks`` and ``wto_dispute`` (talk, not yet action);
* severity 3: ``restriction_tightening``, ``quota_change``, ``easing_pause`` and
  ``negotiation_window`` whose evidence names rare earths or magnets (broad rare-earth measures and
  the windows that suspend them);
* severity 2: everything else.
* direction: tightening for restrictions, retaliation and WTO disputes; a quota change eases when
  the quota is raised, kept or abolished; a licensing reform eases when it brings general
  licences or faster approval, else it tightens; every other type eases.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path

import pandas as pd

from ._event_files import COLUMNS, parse_events
from ._events import LATEST_PLAUSIBLE_ZONE, TIGHTENING_TYPES, TYPE_CODES, EventCalendar, EventType
from ._extract import Candidate, find_dateline, link_events
from ._io import atomic_write, read_text_input

__all__ = [
    "DATELINE_ZONES", "AppendPlan", "Publication", "append_candidates", "candidate_row", "find_publication",
    "plan_append",
]  # fmt: skip

#: Dateline places and the zone their news is published in.
DATELINE_ZONES = {
    "BEIJING": "Asia/Shanghai", "SHANGHAI": "Asia/Shanghai", "SHENZHEN": "Asia/Shanghai",
    "GUANGZHOU": "Asia/Shanghai", "BAOTOU": "Asia/Shanghai", "GANZHOU": "Asia/Shanghai",
    "HONG KONG": "Asia/Hong_Kong", "TAIPEI": "Asia/Taipei", "TOKYO": "Asia/Tokyo", "SEOUL": "Asia/Seoul",
    "BUSAN": "Asia/Seoul", "SINGAPORE": "Asia/Singapore", "KUALA LUMPUR": "Asia/Kuala_Lumpur",
    "JAKARTA": "Asia/Jakarta", "HANOI": "Asia/Ho_Chi_Minh", "NEW DELHI": "Asia/Kolkata", "MUMBAI": "Asia/Kolkata",
    "SYDNEY": "Australia/Sydney", "CANBERRA": "Australia/Sydney", "MELBOURNE": "Australia/Melbourne",
    "PERTH": "Australia/Perth", "LONDON": "Europe/London", "BRUSSELS": "Europe/Brussels",
    "GENEVA": "Europe/Zurich", "PARIS": "Europe/Paris", "BERLIN": "Europe/Berlin", "FRANKFURT": "Europe/Berlin",
    "STOCKHOLM": "Europe/Stockholm", "MADRID": "Europe/Madrid", "WASHINGTON": "America/New_York",
    "NEW YORK": "America/New_York", "OTTAWA": "America/Toronto", "TORONTO": "America/Toronto",
    "VANCOUVER": "America/Vancouver", "CHICAGO": "America/Chicago", "DENVER": "America/Denver",
    "LAS VEGAS": "America/Los_Angeles", "LOS ANGELES": "America/Los_Angeles",
    "SAN FRANCISCO": "America/Los_Angeles",
}  # fmt: skip
#: Outlets that publish in one zone, recognised as ``(Xinhua)`` or on a short source line at the top.
OUTLET_ZONES = {
    "Xinhua": "Asia/Shanghai", "China Daily": "Asia/Shanghai", "Global Times": "Asia/Shanghai",
    "CGTN": "Asia/Shanghai", "People's Daily": "Asia/Shanghai", "Caixin": "Asia/Shanghai",
    "South China Morning Post": "Asia/Hong_Kong", "Nikkei": "Asia/Tokyo",
    "Australian Financial Review": "Australia/Sydney",
}  # fmt: skip
_PLACE = re.compile(r"^\s*([A-Z][A-Z .'-]{2,30}?)(?:/[A-Z][A-Z .'-]+)*\s*(?:,|\()", re.MULTILINE)
_RARE_EARTHS = re.compile(r"rare[- ]earths?|magnets?|dysprosium|terbium|neodymium|samarium", re.IGNORECASE)
_QUOTA_EASING = re.compile(r"rais\w*|increas\w*|abolish\w*|scrap\w*|lift\w*|kept|unchanged|flat", re.IGNORECASE)
_REFORM_EASING = re.compile(r"general licen[cs]e|fast[- ]track|simplif\w*|streamlin\w*|faster", re.IGNORECASE)
MAJOR_TYPES = (EventType.RESTRICTION_TIGHTENING, EventType.QUOTA_CHANGE, EventType.EASING_PAUSE,
               EventType.NEGOTIATION_WINDOW)  # fmt: skip
MINOR_TYPES = (EventType.NEGOTIATION_TALKS, EventType.WTO_DISPUTE)


@dataclass(frozen=True)
class Publication:
    """When and where a text was published: the instant its events became knowable."""

    day: date
    tz: str
    tz_source: str  # "dateline BEIJING", "outlet Xinhua", "given", or "latest plausible zone"
    time_of_day: time | None = None

    @property
    def known(self) -> str:
        """The event file's ``known`` value: the date, or date and time when the time is known."""
        return f"{self.day:%Y-%m-%d}" + (f"T{self.time_of_day:%H:%M}" if self.time_of_day is not None else "")


def find_publication(
    text: str, published: str | date | pd.Timestamp | None = None, tz: str | None = None
) -> Publication | None:
    """The publication of ``text``: ``published`` (a date, or a date and time) or its dateline's date.

    The zone comes from the dateline place or the outlet, else ``tz``, else the latest plausible zone.
    Returns None when neither ``published`` nor a dateline gives a date.
    """
    time_of_day = None
    if published is not None:
        stamp = pd.Timestamp(published)
        day = stamp.date()
        if stamp != stamp.normalize():
            time_of_day = stamp.time()
        if stamp.tzinfo is not None:
            return Publication(day, str(stamp.tz), "given", time_of_day)
    else:
        day = find_dateline(text)
        if day is None:
            return None
    head = "\n".join(text.splitlines()[:12])
    place = next((m.group(1).strip() for m in _PLACE.finditer(head) if m.group(1).strip() in DATELINE_ZONES), None)
    if place is not None:
        return Publication(day, DATELINE_ZONES[place], f"dateline {place}", time_of_day)
    outlet = next((name for name in OUTLET_ZONES if f"({name})" in head or any(
        name in line and len(line.strip()) < 60 for line in head.splitlines())), None)  # fmt: skip
    if outlet is not None:
        return Publication(day, OUTLET_ZONES[outlet], f"outlet {outlet}", time_of_day)
    if tz is not None:
        return Publication(day, tz, "given", time_of_day)
    return Publication(day, LATEST_PLAUSIBLE_ZONE, "latest plausible zone", time_of_day)


def severity(candidate: Candidate) -> int:
    """1 minor, 2 notable, 3 major: the rules in this module's docstring."""
    if candidate.type in MINOR_TYPES:
        return 1
    if candidate.type in MAJOR_TYPES and _RARE_EARTHS.search(candidate.evidence):
        return 3
    return 2


def direction(candidate: Candidate) -> str:
    """``tightening`` or ``easing``: the rules in this module's docstring."""
    if candidate.type in TIGHTENING_TYPES:
        return "tightening"
    if candidate.type is EventType.QUOTA_CHANGE:
        return "easing" if _QUOTA_EASING.search(candidate.evidence) else "tightening"
    if candidate.type is EventType.LICENSING_REFORM:
        return "easing" if _REFORM_EASING.search(candidate.evidence) else "tightening"
    return "easing"


def candidate_row(candidate: Candidate, publication: Publication, event_id: str, source: str) -> dict[str, str]:
    """The event-file row of a candidate: announced on its date, known at the publication.

    An action the text dates after its publication (scheduled) is announced at the publication and
    takes effect on its own date.
    """
    scheduled = candidate.date > publication.day
    return {
        "id": event_id,
        "type": str(candidate.type),
        "announced": f"{publication.day if scheduled else candidate.date:%Y-%m-%d}",
        "tz": publication.tz,
        "known": publication.known,
        "effective": f"{candidate.date:%Y-%m-%d}" if scheduled else "",
        "window_end": candidate.window_end.isoformat() if candidate.window_end else "",
        "direction": direction(candidate),
        "severity": str(severity(candidate)),
        "elements": ";".join(candidate.elements),
        "countries_included": ";".join(candidate.countries_included),
        "countries_excluded": ";".join(candidate.countries_excluded),
        "confidence": "single_source" if candidate.precision == "day" else "uncertain",
        "source": source,
        "description": f"extracted from {source} (published {publication.known} {publication.tz}, "
        f"{publication.tz_source}; {candidate.precision} precision): {candidate.evidence[:300]}",
    }


@dataclass(frozen=True)
class AppendPlan:
    """What appending candidates to a CSV event file does: one row per candidate, and which are there already.

    ``present[i]`` is the id of the event that makes candidate ``i`` a duplicate (in the file, or appended
    earlier in the same plan), else None; only the rows of candidates not present are written.
    """

    path: Path
    rows: list[dict[str, str]]
    present: list[str | None]
    _text: str = field(repr=False)  # the file as it will be rewritten (its header may have gained columns)
    _header: list[str] = field(repr=False)

    @property
    def new_rows(self) -> list[dict[str, str]]:
        """The rows :meth:`write` appends."""
        return [row for row, present in zip(self.rows, self.present) if present is None]

    def write(self) -> list[dict[str, str]]:
        """Append the new rows atomically (nothing when there are none); return them."""
        if self.new_rows:
            atomic_write(self.path, self._text + _csv_text(self._header, self.new_rows))
        return self.new_rows


def plan_append(path: str | Path, found: Iterable[tuple[str, Candidate, Publication]]) -> AppendPlan:
    """Plan appending to the CSV event file ``path`` the candidates it does not already hold; write nothing.

    ``found`` holds (source, candidate, publication). A candidate is already there when an event of
    its type lies within its date tolerance (:func:`signals.link_events`), including one appended
    earlier in the same plan; its row keeps an empty id. A file whose header lacks a column the rows
    need (``known`` above all) gets it, empty for the rows it had. The whole file as it would be
    written is validated here, so a file that does not validate raises and is never touched.
    """
    path = Path(path)
    text = read_text_input(path, "event file") if path.exists() else ",".join(COLUMNS) + "\n"
    existing = parse_events(text, str(path)) if path.exists() else EventCalendar([], str(path))
    records = list(csv.DictReader(io.StringIO(text)))
    header = next(csv.reader(io.StringIO(text)))
    needed = [column for column in ("known", "effective", "description") if column not in header]
    if needed:  # without 'known' an appended row would be knowable from its action's date: the future
        header += needed
        text = _csv_text(header, records, with_header=True)
    elif not text.endswith("\n"):
        text += "\n"
    ids = {event.id for event in existing.all_versions}
    rows: list[dict[str, str]] = []
    present: list[str | None] = []
    added: list[dict[str, str]] = []
    for source, candidate, publication in found:
        there = link_events([candidate], existing)[0].calendar_id
        present.append(there)
        rows.append(candidate_row(candidate, publication, "" if there else _new_id(candidate, ids), source))
        if there is None:
            added.append(rows[-1])
            existing = parse_events(text + _csv_text(header, added), str(path))  # later ones must not repeat it
    return AppendPlan(path, rows, present, text, header)


def append_candidates(path: str | Path, found: Iterable[tuple[str, Candidate, Publication]]) -> list[dict[str, str]]:
    """Append to the CSV event file ``path`` the candidates it does not already hold; return the rows added.

    Validated and atomic: see :func:`plan_append`, which this writes.
    """
    return plan_append(path, found).write()


def _new_id(candidate: Candidate, taken: set[str]) -> str:
    """``<date>-<type code>``, numbered past the ids already taken; the id joins them."""
    event_id = base = f"{candidate.date:%Y-%m-%d}-{TYPE_CODES[candidate.type]}"
    number = 1
    while event_id in taken:
        number += 1
        event_id = f"{base}-{number}"
    taken.add(event_id)
    return event_id


def _csv_text(header: list[str], rows: list[dict[str, str]], with_header: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    if with_header:
        writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
