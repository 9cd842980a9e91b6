"""``reelab signals build`` and ``reelab events ...``: the scheduled job and the event calendar.

Nothing here imports statsmodels, scipy, plotly, matplotlib, vectorbt or numba.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

import pandas as pd

from signals.errors import ReelabError

__all__ = ["events_extract", "events_list", "events_show", "events_template", "events_validate", "signals_build"]


def signals_build(args: argparse.Namespace) -> int:
    """reelab signals build: set the log level, then publish the signal panel up to --asof under --out.

    See :func:`signals.write_signals`. Returns exit code 0; ``--merge`` without ``--events`` raises
    :class:`~signals.errors.ReelabError`.
    """
    from signals import write_signals

    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)
    if args.merge and args.events is None:
        raise ReelabError("--merge needs --events FILE")
    write_signals(args.asof, args.out, args.events, args.merge, args.format, f"{args.start:%Y-%m-%d}",
                  tickers=args.tickers)  # fmt: skip
    return 0


def _calendar(args: argparse.Namespace):
    from signals import load_events

    if args.merge and args.events is None:
        raise ReelabError("--merge needs --events FILE")
    return load_events(args.events, merge=args.merge)


def events_list(args: argparse.Namespace) -> int:
    """reelab events list: print the events matching --type, --start, --end and --min-severity; exit code 0."""
    calendar = _calendar(args).filter(args.type, args.start, args.end, args.min_severity)
    frame = calendar.to_frame()
    table = pd.DataFrame(
        {
            "type": frame["type"],
            "announced": [
                f"{stamp:%Y-%m-%d %H:%M}" if known else f"{stamp:%Y-%m-%d}"
                for stamp, known in zip(frame["announced_at"], frame["time_of_day_known"])
            ],
            "tz": frame["tz"],
            "dir": frame["direction"],
            "sev": frame["severity"],
            "window_end": [
                f"{end:%Y-%m-%d}" if end is not None and pd.notna(end) else "" for end in frame["window_end"]
            ],
            "countries": frame["countries_included"].str.slice(0, 18),
            "confidence": frame["confidence"],
        },
        index=frame.index,
    )
    print(table.to_string() if len(table) else "no events match")
    print(f"{len(table)} events from {calendar.source}")
    return 0


def events_show(args: argparse.Namespace) -> int:
    """reelab events show: print every field of every version of one event id.

    Returns exit code 0; an unknown id raises :class:`~signals.errors.ReelabError`.
    """
    calendar = _calendar(args)
    try:
        versions = calendar.versions(args.id)
    except KeyError as error:
        raise ReelabError(str(error).strip('"')) from None
    for number, event in enumerate(versions, start=1):
        if len(versions) > 1:
            print(f"--- version {number} of {len(versions)}")
        fields = {
            "id": event.id,
            "type": event.type,
            "announced_at": event.announced_at,
            "time of day known": event.time_of_day_known,
            "known_at": event.known_at,
            "knowable (UTC)": event.knowable_at(),
            "effective_at": event.effective_at,
            "window_end": event.window_end,
            "direction": event.direction,
            "severity": event.severity,
            "elements": "; ".join(event.elements),
            "countries included": "; ".join(event.countries_included),
            "countries excluded": "; ".join(event.countries_excluded),
            "confidence": event.confidence,
            "source": event.source,
            "description": event.description,
        }
        for name, value in fields.items():
            print(f"{name:>20}: {'' if value is None else value}")
    return 0


def events_template(args: argparse.Namespace) -> int:
    """reelab events template: print a valid starter event file (--format csv or yaml) to stdout; exit code 0."""
    from signals import event_file_template

    sys.stdout.write(event_file_template(args.format))
    return 0


def events_validate(args: argparse.Namespace) -> int:
    """reelab events validate: print every problem of an event file to stderr (exit code 2), or its event count (0).

    The count is of every event row, revisions included.
    """
    from signals import validate_events

    problems = validate_events(args.file)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"reelab: error: {args.file}: {len(problems)} problem(s)", file=sys.stderr)
        return 2
    count = len(_calendar(argparse.Namespace(events=args.file, merge=False)).all_versions)
    print(f"{args.file}: {count} events, valid")
    return 0


EXTRACT_COLUMNS = [
    "file",
    "date",
    "precision",
    "type",
    "confidence",
    "calendar_id",
    "window_end",
    "countries_included",
    "countries_excluded",
    "elements",
    "span",
    "evidence",
]


def events_extract(args: argparse.Namespace) -> int:
    """reelab events extract: print candidate events found in article files, linked to the shipped calendar.

    Prints them as a table, CSV or JSON (``--format``); with ``--append-to``, appends the new ones to
    that event file and notes those event_drift's defaults would not trade. Returns exit code 0; a
    missing file or an article without a publication date raises :class:`~signals.errors.ReelabError`.
    """
    from signals import append_candidates, candidate_row, extract_events, find_publication, link_events, load_events

    calendar = load_events()
    rows, found = [], []
    for file in args.files:
        if not file.is_file():
            raise ReelabError(f"no such article file: {file}")
        text = file.read_text(encoding="utf-8", errors="replace")
        publication = find_publication(text, args.published, args.tz)
        if publication is None:
            raise ReelabError(f"{file}: no publication date (no dateline found); pass --published YYYY-MM-DD")
        candidates = link_events(extract_events(text, publication.day), calendar)
        found += [(str(file), candidate, publication) for candidate in candidates]
        for candidate in candidates:
            written = candidate_row(candidate, publication, "", str(file))
            rows.append({"file": str(file)} | candidate.to_dict() | {key: written[key] for key in WRITTEN})
    table = pd.DataFrame(rows, columns=[*EXTRACT_COLUMNS, *WRITTEN])
    if args.format == "csv":
        sys.stdout.write(table.to_csv(index=False))
    elif args.format == "json":
        print(json.dumps(rows, indent=2))
    else:
        shown = table.drop(columns=["span", "countries_excluded", "elements", "window_end"]).assign(
            evidence=table["evidence"].str.slice(0, 60), calendar_id=table["calendar_id"].replace("", "NEW")
        )
        print(shown.to_string(index=False) if len(shown) else "no candidate events found")
    if args.append_to is not None:
        added = append_candidates(args.append_to, found)
        print(f"appended {len(added)} new event(s) to {args.append_to}", file=sys.stderr)
        _note_untraded(added)
    return 0


#: Fields of the event-file row shown beside each candidate (what --append-to would write).
WRITTEN = ["known", "tz", "direction", "severity"]


def _note_untraded(rows: list[dict[str, str]]) -> None:
    """Say which appended events the default event_drift run would not trade, and why."""
    import strategies

    defaults = strategies.get("event_drift").params()
    for row in rows:
        reasons = []
        if int(row["severity"]) < defaults.min_severity:
            reasons.append(f"severity {row['severity']} is below min_severity {defaults.min_severity}")
        if row["type"] not in defaults.event_types:
            reasons.append(f"type {row['type']} is not in its event_types")
        if reasons:
            print(
                f"note: {row['id']} will not trade under event_drift's defaults: {'; '.join(reasons)} "
                "(see --param min_severity=... and --param event_types=...)",
                file=sys.stderr,
            )
