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

import contextlib
import csv
import io
import json
import re
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path

import pandas as pd

from ._event_files import COLUMNS, parse_events
from ._events import LATEST_PLAUSIBLE_ZONE, TIGHTENING_TYPES, TYPE_CODES, EventCalendar, EventType
from ._extract import Candidate, find_dateline, link_events
from ._io import atomic_write, read_text_input
from ._structured import read_json, read_yaml
from .errors import MalformedFileError, UnsupportedFormatError

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
    """What appending candidates to an event file does: one row per candidate, and which are there already.

    ``present[i]`` is the id of the event that makes candidate ``i`` a duplicate (in the file, or appended
    earlier in the same plan), else None; only the rows of candidates not present are written.
    """

    path: Path
    rows: list[dict[str, str]]
    present: list[str | None]
    _text: str = field(repr=False)  # the whole file as write() writes it (validated; "" when nothing is new)

    @property
    def new_rows(self) -> list[dict[str, str]]:
        """The rows :meth:`write` appends."""
        return [row for row, present in zip(self.rows, self.present) if present is None]

    def write(self) -> list[dict[str, str]]:
        """Append the new rows atomically (nothing when there are none); return them."""
        if self.new_rows:
            atomic_write(self.path, self._text)
        return self.new_rows


def plan_append(path: str | Path, found: Iterable[tuple[str, Candidate, Publication]]) -> AppendPlan:
    """Plan appending to the event file ``path`` the candidates it does not already hold; write nothing.

    ``found`` holds (source, candidate, publication). A candidate is already there when an event of
    its type lies within its date tolerance (:func:`signals.link_events`), including one appended
    earlier in the same plan; its row keeps an empty id. The whole file as it would be written is
    validated here, so a file that does not validate raises and is never touched.

    The format is the suffix's, for a new file too: ``.csv``, ``.json``, ``.yaml`` or ``.yml``;
    another raises :class:`~signals.errors.UnsupportedFormatError`. The file's records are kept as
    they are:

    * CSV: the rows follow the file's own text. A header that lacks a column the rows need
      (``known`` above all) gets it, empty for the rows it had.
    * JSON and YAML: the records join the file's events, in its shape (a list of events, or a
      mapping with an ``events`` list; a new file gets the mapping), without empty fields and with
      ``severity`` a number. JSON is rewritten with an indent of 2. YAML keeps its text, comments
      included, with the records appended after it where that reads back as the file's events plus
      the records (its events are a block list at its end); else it is rewritten, without its comments.
    """
    path = Path(path)
    name, suffix = str(path), path.suffix.lower()
    if suffix not in _RENDERERS:
        raise UnsupportedFormatError(
            name, None, "format", path.suffix, "cannot append to an event file of format", list(_RENDERERS)
        )
    text = read_text_input(path, "event file") if path.exists() else None
    # the file's own problems first, at its own lines
    existing = parse_events(text, name, suffix) if text is not None else EventCalendar([], name)
    render = _RENDERERS[suffix](text, name)
    ids = {event.id for event in existing.all_versions}
    rows: list[dict[str, str]] = []
    present: list[str | None] = []
    added: list[dict[str, str]] = []
    written = ""
    for source, candidate, publication in found:
        there = link_events([candidate], existing)[0].calendar_id
        present.append(there)
        rows.append(candidate_row(candidate, publication, "" if there else _new_id(candidate, ids), source))
        if there is None:
            added.append(rows[-1])
            written = render(added)
            existing = parse_events(written, name, suffix)  # validated as written; later ones must not repeat it
    return AppendPlan(path, rows, present, written)


def append_candidates(path: str | Path, found: Iterable[tuple[str, Candidate, Publication]]) -> list[dict[str, str]]:
    """Append to the event file ``path`` the candidates it does not already hold; return the rows added.

    Validated and atomic, CSV, JSON or YAML: see :func:`plan_append`, which this writes.
    """
    return plan_append(path, found).write()


#: The text of an event file with rows added, made by a format's renderer from the file's text (None: a new file).
_Render = Callable[[list[dict[str, str]]], str]


def _csv_renderer(text: str | None, name: str) -> _Render:
    """CSV: the rows after the file's text, its header given the columns it lacks that the rows need."""
    head = text if text is not None else ",".join(COLUMNS) + "\n"
    header = next(csv.reader(io.StringIO(head)))
    needed = [column for column in ("known", "effective", "description") if column not in header]
    if needed:  # without 'known' an appended row would be knowable from its action's date: the future
        header += needed
        head = _csv_text(header, list(csv.DictReader(io.StringIO(head))), with_header=True)
    elif not head.endswith("\n"):
        head += "\n"
    return lambda rows: head + _csv_text(header, rows)


def _json_renderer(text: str | None, name: str) -> _Render:
    """JSON: the file's document with the rows' records among its events, indented by 2."""
    document = read_json(text, name)[0] if text is not None else {"events": []}
    return lambda rows: json.dumps(_with_records(document, rows), indent=2, ensure_ascii=False) + "\n"


def _yaml_renderer(text: str | None, name: str) -> _Render:
    """YAML: the records as a block after the file's text, where that reads back as the file's document
    with them; else the document with them, rewritten (without the file's comments)."""
    import yaml

    def dump(data: object) -> str:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    document = read_yaml(text, name)[0] if text is not None else {"events": []}
    indent = ""  # of the '-' of the file's events
    if text is not None:
        events = yaml.compose(text, Loader=yaml.SafeLoader)
        if isinstance(events, yaml.MappingNode):
            events = next(value for key, value in reversed(events.value) if key.value == "events")
        indent = " " * events.start_mark.column if events is not None else ""

    def render(rows: list[dict[str, str]]) -> str:
        whole = _with_records(document, rows)
        if text is not None:
            appended = text + ("" if text.endswith("\n") else "\n") + textwrap.indent(dump(_records(rows)), indent)
            # a flow list ([...]) or a key after the events does not read back so: rewritten
            with contextlib.suppress(MalformedFileError):
                if read_yaml(appended, name)[0] == whole:
                    return appended
        return dump(whole)

    return render


_RENDERERS: dict[str, Callable[[str | None, str], _Render]] = {
    ".csv": _csv_renderer, ".json": _json_renderer, ".yaml": _yaml_renderer, ".yml": _yaml_renderer,
}  # fmt: skip


def _records(rows: list[dict[str, str]]) -> list[dict[str, str | int]]:
    """The rows as JSON/YAML records: without empty fields, ``severity`` a number."""
    return [{key: int(value) if key == "severity" else value for key, value in row.items() if value} for row in rows]


def _with_records(document: object, rows: list[dict[str, str]]) -> object:
    """A JSON/YAML event document (a list of events, or a mapping with an ``events`` list) with the rows' records."""
    if isinstance(document, dict):
        return {**document, "events": [*document["events"], *_records(rows)]}
    assert isinstance(document, list)  # parse_events has checked the shape
    return [*document, *_records(rows)]


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
