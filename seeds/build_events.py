"""Build the shipped event calendar ``seeds/events.csv`` from the researched reference timeline.

Re-runnable and deterministic::

    python -m seeds.build_events --reference ../shared/reference/policy_events.csv

The reference (``shared/reference/policy_events.csv``) holds facts and sources. This script
adds what a trading calendar needs, with every judgement written down here:

* a stable id ``YYYY-MM-DD-<code>`` (``-2``, ``-3`` for same-day events of the same type);
* a direction (``tightening`` or ``easing``) and a severity (1 minor, 2 notable, 3 major);
* a time zone for the reference rows whose zone is ``unknown``: those are wire reports (Reuters,
  WSJ), so they take ``America/New_York``, the latest plausible zone, which can only make the
  event known later, never earlier (point-in-time safe);
* a time of day only where the reference text pins it down;
* the effective date where the text states one (``effective 2023-08-01``);
* clean ``;``-separated country codes and the first source URL (all URLs are kept in ``sources``).
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from pathlib import Path

from signals._events import LATEST_PLAUSIBLE_ZONE, TIGHTENING_TYPES, TYPE_CODES
from signals._io import atomic_write

HERE = Path(__file__).resolve().parent

CODES = {str(kind): code for kind, code in TYPE_CODES.items()}
# Types whose direction depends on the event: the easing ones are listed by date.
EASING_QUOTA_CHANGES = {"2011-07-14", "2012-08-22", "2014-12-31"}  # flat, +2.7%, quotas abolished
TIGHTENING_REFORMS = {"2020-10-17", "2024-06-29", "2024-10-01", "2024-10-19"}  # new control regimes
MAJOR = {  # severity 3: broad rare-earth measures or the windows that suspended them
    ("2010-07-08", "quota_change"), ("2010-09-21", "restriction_tightening"),
    ("2010-10-18", "restriction_tightening"), ("2014-12-31", "quota_change"),
    ("2025-04-04", "restriction_tightening"), ("2025-05-12", "negotiation_window"),
    ("2025-10-09", "restriction_tightening"), ("2025-10-30", "negotiation_window"),
    ("2025-11-07", "easing_pause"), ("2023-12-21", "restriction_tightening"),
}  # fmt: skip
MINOR_TYPES = {"negotiation_talks", "wto_dispute"}
# Time of day in the announcing zone, only where the reference text pins it down.
TIMES = {
    # "minutes after an extra 10% US tariff took effect" (00:01 ET = 13:01 Beijing)
    ("2025-02-04", "restriction_tightening"): "13:30",
}
WIRE_REPORT_ZONE = LATEST_PLAUSIBLE_ZONE


def _countries(text: str) -> str:
    if not text:
        return ""
    return ";".join(re.sub(r"\s*\(.*\)\s*", "", part).strip() for part in text.split(";"))


def _effective(description: str) -> str:
    """The date a measure takes effect, where the reference text states it ("effective 2023-08-01")."""
    match = re.search(r"effective (?:from )?(\d{4}-\d{2}-\d{2})", description)
    return match.group(1) if match else ""


def _first_url(sources: str) -> str:
    match = re.search(r"https?://\S+", sources)
    return match.group(0).rstrip(",;") if match else ""


def build_rows(reference: Path) -> list[dict[str, str]]:
    """The rows of ``events.csv`` (column -> text), one per row of the reference timeline, in its order.

    Adds the id, direction, severity, time zone, time of day and effective date as the module docstring
    describes. A type without a code in ``TYPE_CODES`` raises ``KeyError``.
    """
    with reference.open(newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    rows: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for record in records:
        date, kind = record["date"], record["type"]
        base = f"{date}-{CODES[kind]}"
        seen[base] = seen.get(base, 0) + 1
        event_id = base if seen[base] == 1 else f"{base}-{seen[base]}"
        if kind in TIGHTENING_TYPES:
            direction = "tightening"
        elif kind == "quota_change":
            direction = "easing" if date in EASING_QUOTA_CHANGES else "tightening"
        elif kind == "licensing_reform":
            direction = "tightening" if date in TIGHTENING_REFORMS else "easing"
        else:
            direction = "easing"
        severity = 3 if (date, kind) in MAJOR else 1 if kind in MINOR_TYPES else 2
        time_of_day = TIMES.get((date, kind))
        rows.append(
            {
                "id": event_id,
                "type": kind,
                "announced": f"{date}T{time_of_day}" if time_of_day else date,
                "tz": WIRE_REPORT_ZONE if record["tz"] == "unknown" else record["tz"],
                "known": "",
                "effective": _effective(record["description"]),
                "window_end": record["window_end"],
                "direction": direction,
                "severity": str(severity),
                "elements": record["elements"],
                "countries_included": _countries(record["countries_included"]),
                "countries_excluded": _countries(record["countries_excluded"]),
                "confidence": record["confidence"],
                "source": _first_url(record["source"]),
                "sources": " ".join(re.findall(r"https?://[^\s|;]+", record["source"])),
                "description": record["description"],
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command line: write ``--out`` (default ``seeds/events.csv``) from ``--reference``.

    Returns 0, or 2 when the reference file is missing.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_reference = HERE.parent.parent / "shared" / "reference" / "policy_events.csv"
    parser.add_argument("--reference", type=Path, default=default_reference)
    parser.add_argument("--out", type=Path, default=HERE / "events.csv")
    args = parser.parse_args(argv)
    if not args.reference.is_file():
        print(f"error: reference timeline {args.reference} not found", file=sys.stderr)
        return 2
    rows = build_rows(args.reference)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(args.out, buffer.getvalue())
    print(f"wrote {args.out}: {len(rows)} events")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
