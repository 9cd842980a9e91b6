"""Build the shipped event calendar ``seeds/events.csv`` from the reference timeline and the audit.

Re-runnable and deterministic::

    python -m tools.build_events --reference ../shared/reference/policy_events.csv

The reference (``shared/reference/policy_events.csv``) holds facts and sources; the audit
(``seeds/events_audit.csv``) holds, per event, every field a trading calendar needs with the source
that settles it and a status, by the rules of ``seeds/AUDIT.md``: the date, its time of day and zone,
when it was first known, when it takes effect, type, direction and severity, corrections, events the
reference lacks, and reference rows that are not events (``removed``). This script joins the two:

* each audit row takes the reference row it names (``reference``: ``date|type``; a date and type the
  reference holds twice are taken in order), and its own fields where it gives them;
* ``known`` written with another zone (``2010-10-19 America/New_York``) is converted to the event's
  zone, a day without a time counting as 18:00 in its own zone (after every major close): it can only
  make an event known later, never earlier;
* ``confidence`` is the reference's, and for an added event ``confirmed`` with two sources or more,
  ``single_source`` with one, ``uncertain`` when the audit doubts it or could not verify it.

Every reference row must be used exactly once, and every event must have its audit row.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent.parent / "seeds"  # what it builds
AUDIT = HERE / "events_audit.csv"
COLUMNS = (
    "id", "type", "announced", "tz", "known", "effective", "window_end", "direction", "severity", "elements",
    "countries_included", "countries_excluded", "confidence", "source", "sources", "description",
)  # fmt: skip
#: The audit's columns (seeds/AUDIT.md, section 5).
AUDIT_COLUMNS = (
    "id", "reference", "announced", "tz", "time", "known", "effective", "type", "direction", "severity",
    "window_end", "elements", "countries_included", "countries_excluded", "description", "source", "sources",
    "date_source", "known_source", "time_source", "effective_source", "classification", "status", "doubt",
)  # fmt: skip
STATUSES = ("verified", "doubtful", "unverified", "removed")
#: When only the day of a report is known, it counts as known at this hour in the report's zone.
AFTER_CLOSE_HOUR = 18
_KNOWN = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}))?(?:\s+([A-Za-z_]+/[A-Za-z_/+-]+|UTC))?$")


def _countries(text: str) -> str:
    if not text:
        return ""
    return ";".join(re.sub(r"\s*\(.*\)\s*", "", part).strip() for part in text.split(";"))


def _first_url(sources: str) -> str:
    match = re.search(r"https?://\S+", sources)
    return match.group(0).rstrip(",;") if match else ""


def _urls(text: str) -> list[str]:
    return [url.rstrip(",;") for url in re.findall(r"https?://[^\s|;]+", text)]


def known_in(value: str, zone: str) -> str:
    """``known`` as the event file reads it: in the event's ``zone``, with a time when it is not midnight.

    >>> known_in("2010-10-19 America/New_York", "Asia/Shanghai")  # 18:00 in New York is 06:00 next day
    '2010-10-20T06:00'
    >>> known_in("2025-10-09T09:30", "Asia/Shanghai"), known_in("", "Asia/Shanghai")
    ('2025-10-09T09:30', '')
    """
    if not value.strip():
        return ""
    match = _KNOWN.match(value.strip())
    if match is None:
        raise ValueError(f"known {value!r} is not 'YYYY-MM-DD[THH:MM] [Zone]'")
    day, clock, report_zone = match.groups()
    if report_zone is None and clock is None:
        return day  # a day in the event's own zone: the event file's after-close rule applies
    local = pd.Timestamp(f"{day} {clock or f'{AFTER_CLOSE_HOUR}:00'}").tz_localize(report_zone or zone)
    return f"{local.tz_convert(zone):%Y-%m-%dT%H:%M}"


def _reference_rows(reference: Path) -> dict[str, list[dict[str, str]]]:
    with reference.open(newline="", encoding="utf-8") as handle:
        rows: dict[str, list[dict[str, str]]] = {}
        for record in csv.DictReader(handle):
            rows.setdefault(f"{record['date']}|{record['type']}", []).append(record)
    return rows


def read_audit(path: Path = AUDIT) -> list[dict[str, str]]:
    """The audit's rows (column -> text), checked for its columns and statuses."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != AUDIT_COLUMNS:
            raise ValueError(f"{path}: columns {reader.fieldnames}, expected {list(AUDIT_COLUMNS)}")
        rows = list(reader)
    for number, row in enumerate(rows, start=2):
        if row["status"] not in STATUSES:
            raise ValueError(f"{path} line {number}: status {row['status']!r}; expected one of {STATUSES}")
    return rows


def build_rows(reference: Path, audit: Path = AUDIT) -> list[dict[str, str]]:
    """The rows of ``events.csv`` (column -> text), sorted by announcement (see the module docstring)."""
    available = _reference_rows(reference)
    used: dict[str, int] = {}
    rows = []
    for entry in read_audit(audit):
        key = entry["reference"]
        base: dict[str, str] = {}
        if key:
            if used.get(key, 0) >= len(available.get(key, [])):
                raise ValueError(f"audit row {entry['id']}: reference {key!r} is not in {reference} (or used twice)")
            base = available[key][used.get(key, 0)]
            used[key] = used.get(key, 0) + 1
        if entry["status"] == "removed":
            continue
        own_sources = entry["sources"] or entry["source"]
        sources = _urls(own_sources) if own_sources else _urls(base.get("source", ""))
        if base:
            confidence = base["confidence"]
        else:
            doubted = entry["status"] in ("doubtful", "unverified")
            confidence = "uncertain" if doubted else "confirmed" if len(sources) > 1 else "single_source"
        clock = entry["time"].strip()
        rows.append(
            {
                "id": entry["id"],
                "type": entry["type"],
                "announced": f"{entry['announced']}T{clock}" if clock else entry["announced"],
                "tz": entry["tz"],
                "known": known_in(entry["known"], entry["tz"]),
                "effective": entry["effective"],
                "window_end": entry["window_end"] or base.get("window_end", ""),
                "direction": entry["direction"],
                "severity": entry["severity"],
                "elements": entry["elements"] or base.get("elements", ""),
                "countries_included": entry["countries_included"] or _countries(base.get("countries_included", "")),
                "countries_excluded": entry["countries_excluded"] or _countries(base.get("countries_excluded", "")),
                "confidence": confidence,
                "source": entry["source"] or _first_url(base.get("source", "")) or (sources[0] if sources else ""),
                "sources": " ".join(sources),
                "description": entry["description"] or base.get("description", ""),
            }
        )
    unused = [key for key, records in available.items() if used.get(key, 0) < len(records)]
    if unused:
        raise ValueError(f"reference rows without an audit row: {', '.join(unused)}")
    return sorted(rows, key=lambda row: (row["announced"][:10], row["id"]))


def render(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Command line: write ``--out`` (default ``seeds/events.csv``) from ``--reference`` and ``--audit``.

    Returns 0, or 2 when an input is missing or inconsistent.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_reference = HERE.parent.parent / "shared" / "reference" / "policy_events.csv"
    parser.add_argument("--reference", type=Path, default=default_reference)
    parser.add_argument("--audit", type=Path, default=AUDIT)
    parser.add_argument("--out", type=Path, default=HERE / "events.csv")
    args = parser.parse_args(argv)
    for name, path in (("reference timeline", args.reference), ("audit", args.audit)):
        if not path.is_file():
            print(f"error: {name} {path} not found", file=sys.stderr)
            return 2
    try:
        rows = build_rows(args.reference, args.audit)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from signals._io import atomic_write

    atomic_write(args.out, render(rows))
    print(f"wrote {args.out}: {len(rows)} events")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
