"""A reviewed inbox back into event rows: what each ``decision`` of ``review.csv`` means.

``review.csv`` (from ``reelab events inbox``) has a ``decision`` column for the reviewer:

* ``accept``: append the proposal as it is (its row's ``type`` and ``announced``, which may have
  been edited in place);
* ``reject`` or empty: leave it out;
* an event type (``easing_pause``), a date (``2025-04-05``), or both (``easing_pause 2025-04-05``):
  accept it with that type or date (an edited date is day-precise).

Everything a row does not hold (the sources, their publications, elements, countries, window end)
comes from ``proposals.json`` beside it. Each accepted proposal becomes a candidate published at
its earliest source, so the appended event is known no earlier than a reader could know it; the
append itself (:func:`signals.plan_append`) validates the whole file as a hand-written one.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

from ._events import EventType
from ._extract import Candidate
from ._inbox import REVIEW_COLUMNS
from ._io import read_text_input
from ._news import Publication
from .errors import (
    InvalidDateError,
    InvalidFieldError,
    MissingColumnError,
    MissingFileError,
    ParameterError,
    UnknownEventTypeError,
    _choices,
)  # fmt: skip

__all__ = ["Decision", "accepted_candidates", "read_decisions"]

_TYPES = {str(kind): kind for kind in EventType}


@dataclass(frozen=True)
class Decision:
    """One review.csv row read back: the proposal, the line, and what the reviewer decided."""

    proposal: str
    line: int
    accept: bool
    type: EventType
    day: date
    precision: str


def read_decisions(path: str | Path) -> list[Decision]:
    """Every row of ``review.csv`` with its decision; a bad type, date or decision raises naming its line."""
    path = Path(path)
    text = read_text_input(path, "review file")
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in REVIEW_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise MissingColumnError(str(path), 1, missing[0], "", "is missing: this is not a review.csv of reelab "
                                 "events inbox", valid=", ".join(REVIEW_COLUMNS))  # fmt: skip
    decisions = []
    for line, row in enumerate(reader, start=2):
        kind = _type(path, line, "type", row["type"])
        day = _day(path, line, "announced", row["announced"])
        precision = row["precision"]
        words = [word for word in re.split(r"[\s;,]+", row["decision"].strip().lower()) if word]
        accept = bool(words) and words != ["reject"]
        for word in words:
            if word in ("accept", "reject") and len(words) == 1:
                continue
            if word in _TYPES:
                kind = _TYPES[word]
            elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
                day, precision = _day(path, line, "decision", word), "day"
            else:
                raise InvalidFieldError(str(path), line, "decision", row["decision"], "is not a decision",
                                        valid="accept, reject, an event type, a date YYYY-MM-DD, or a type and a "
                                        "date")  # fmt: skip
        decisions.append(Decision(row["proposal"], line, accept, kind, day, precision))
    return decisions


def accepted_candidates(
    review: str | Path, only: Sequence[str] | None = None
) -> list[tuple[str, tuple[str, Candidate, Publication]]]:
    """(proposal id, (source, candidate, publication)) of the accepted rows, or of those ``only`` names.

    ``only`` overrides the ``decision`` column (the type and date edits still apply); an id it
    names that review.csv does not hold raises :class:`~signals.errors.ParameterError`.
    """
    review = Path(review)
    decisions = read_decisions(review)
    records = _records(review)
    known = [decision.proposal for decision in decisions]
    if only is not None:
        unknown = [name for name in only if name not in known]
        if unknown:
            raise ParameterError("--only", ",".join(unknown), f"proposal ids of {review}: {_choices(known, 8)}")
    chosen = [d for d in decisions if (d.proposal in only if only is not None else d.accept)]
    found = []
    for decision in chosen:
        record = records.get(decision.proposal)
        if record is None:
            raise InvalidFieldError(str(review), decision.line, "proposal", decision.proposal,
                                    f"is not in {review.parent / 'proposals.json'}")  # fmt: skip
        clock = time.fromisoformat(record["known"][11:16]) if "T" in record["known"] else None
        publication = Publication(date.fromisoformat(record["known"][:10]), record["tz"], "earliest source", clock)
        window_end = date.fromisoformat(record["window_end"]) if record["window_end"] else None
        candidate = Candidate(
            decision.type, decision.day, decision.precision, float(record["score"]), record["evidence"], (0, 0),
            window_end, tuple(record["countries_included"]), tuple(record["countries_excluded"]),
            tuple(record["elements"]),
        )  # fmt: skip
        urls = list(dict.fromkeys(source["url"] or source["source"] for source in record["articles"]))
        found.append((decision.proposal, ("; ".join(urls), candidate, publication)))
    return found


def _records(review: Path) -> dict[str, dict[str, Any]]:
    """The proposals.json beside ``review``, by proposal id."""
    path = review.parent / "proposals.json"
    if not path.is_file():
        raise MissingFileError("proposals file", path, f"the proposals.json that reelab events inbox wrote beside "
                               f"{review.name}")  # fmt: skip
    try:
        return {record["proposal"]: record for record in json.loads(read_text_input(path, "proposals file"))}
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidFieldError(str(path), None, "proposals", "", f"is not a proposals.json of reelab events "
                                f"inbox ({error})") from None  # fmt: skip


def _type(path: Path, line: int, column: str, value: str) -> EventType:
    if value.strip() not in _TYPES:
        raise UnknownEventTypeError(str(path), line, column, value, "is not an event type", valid=", ".join(_TYPES))
    return _TYPES[value.strip()]


def _day(path: Path, line: int, column: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidDateError(str(path), line, column, value, "is not a date", valid="YYYY-MM-DD") from None
