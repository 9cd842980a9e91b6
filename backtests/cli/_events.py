"""``reelab signals build`` and ``reelab events ...``: the scheduled job and the event calendar.

Nothing here imports statsmodels, scipy, plotly, matplotlib, vectorbt or numba.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import textwrap
from typing import TYPE_CHECKING

import pandas as pd

from signals.errors import ParameterError, ReelabError, counted

if TYPE_CHECKING:
    from signals import Candidate, Publication
    from signals._news import AppendPlan

__all__ = ["events_extract", "events_list", "events_show", "events_template", "events_validate", "signals_build"]


def signals_build(args: argparse.Namespace) -> int:
    """reelab signals build: set the log level, then publish the signal panel up to --asof under --out.

    See :func:`signals.write_signals`. Returns exit code 0; ``--merge`` without ``--events`` raises
    :class:`~signals.errors.ParameterError`.
    """
    from signals import write_signals

    from ..spec import EventSource

    EventSource(args.events, args.merge)  # checks that --merge has --events
    write_signals(args.asof, args.out, args.events, args.merge, args.format, f"{args.start:%Y-%m-%d}",
                  tickers=args.tickers)  # fmt: skip
    return 0


def _calendar(args: argparse.Namespace):
    from ..spec import EventSource

    return EventSource(args.events, args.merge).load()


def _examples_note(ids: tuple[str, ...]) -> str | None:
    """What to know of a calendar's made-up example events (None when it has none)."""
    if not ids:
        return None
    one = len(ids) == 1
    return (
        f"{counted(len(ids), 'example')} ({', '.join(ids)}: 'example: yes', made up by reelab events template): "
        f"a backtest that trades {'it' if one else 'them'} warns; delete {'its row' if one else 'their rows'}, "
        "or clear 'example' once a row is an event of your own"
    )


def events_list(args: argparse.Namespace) -> int:
    """reelab events list: print the events matching --type, --start, --end and --min-severity; exit code 0."""
    from signals import calendar_freshness

    whole = _calendar(args)
    calendar = whole.filter(args.type, args.start, args.end, args.min_severity)
    frame = calendar.to_frame()
    table = pd.DataFrame(
        {
            "type": frame["type"],
            "announced": [  # with its hour when that is what dates the event (no separate known)
                f"{stamp:%Y-%m-%d %H:%M}" if timed and pd.isna(known) else f"{stamp:%Y-%m-%d}"
                for stamp, timed, known in zip(frame["announced_at"], frame["time_of_day_known"], frame["known_at"])
            ],
            "tz": frame["tz"],
            "known": [  # when the public first knew it, where that is not the announcement
                "" if pd.isna(known) else f"{known:%Y-%m-%d %H:%M}" if timed else f"{known:%Y-%m-%d}"
                for known, timed in zip(frame["known_at"], frame["time_of_day_known"])
            ],
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
    print(f"{counted(len(table), 'event')} from {calendar.source}")
    if (note := _examples_note(calendar.examples)) is not None:
        print(note)
    print(*calendar_freshness(whole, pd.Timestamp.today().normalize()).report(), sep="\n")
    return 0


def events_show(args: argparse.Namespace) -> int:
    """reelab events show: print every field of every version of one event id, and what each template
    does with its countries (:func:`_countries_lines`).

    Returns exit code 0; an unknown id raises :class:`~signals.errors.ReelabError`.
    """
    from signals import load_universe

    calendar = _calendar(args)
    universe = load_universe()
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
            "example": "yes: made up by reelab events template (a backtest that trades it warns)"
            if event.example
            else "no",
        }
        for name, value in fields.items():
            print(f"{name:>20}: {'' if value is None else value}")
        print(*_countries_lines(event, universe), sep="\n")
    return 0


def _countries_lines(event, universe: pd.DataFrame) -> list[str]:
    """What each template does with ``event``'s countries: a template with a ``target_countries`` parameter
    by its default and by ``listing`` (naming the universe's listing countries the event reaches); the
    others ignore them. Wrapped at WIDTH, continued under the values."""
    import dataclasses

    import strategies
    from strategies._countries import LISTING_COUNTRIES, aims_at

    listed = sorted({LISTING_COUNTRIES[code] for code in universe["exchange"] if code in LISTING_COUNTRIES})
    reached = [country for country in listed if aims_at(event, country)]
    missed = [country for country in listed if country not in reached]
    where = ", ".join(reached) + (f" (not {', '.join(missed)})" if missed else "")
    said: list[tuple[str, str]] = [
        ("countries", "the targets of the measure (included; ALL or none: every country) and the exempted "
                      "(excluded); what the templates do with them:"),
    ]  # fmt: skip
    ignoring = []
    for name in strategies.available():
        fields = {field.name: field.default for field in dataclasses.fields(strategies.get(name).params_type)}
        if "target_countries" not in fields:
            ignoring.append(name)
            continue
        text = (f"trades it on every asset with target_countries={fields['target_countries']} (the default); with "
                f"--param target_countries=listing only on the assets listed in {where}: China's always, as China "
                "takes every measure")  # fmt: skip
        untraded = _untraded_reasons(name, str(event.type), event.severity)
        said.append((name, text + (f" (its defaults do not trade it: {'; '.join(untraded)})" if untraded else "")))
    if ignoring:
        said.append(("others", f"ignore them, trading it on every asset: {', '.join(ignoring)}"))
    indent = " " * 22
    return [
        line
        for label, text in said
        for line in textwrap.wrap(text, WIDTH, initial_indent=f"{label:>20}: ", subsequent_indent=indent)
    ]


def events_template(args: argparse.Namespace) -> int:
    """reelab events template: print a valid starter event file (--format csv or yaml) to stdout; exit code 0."""
    from signals import event_file_template

    sys.stdout.write(event_file_template(args.format))
    return 0


def events_validate(args: argparse.Namespace) -> int:
    """reelab events validate: every problem of an event file on stdout, and one line on stderr
    (exit code 2); or its event count (0).

    The count is of every event row, revisions included.
    """
    from signals import load_events, validate_events

    problems = validate_events(args.file, merge=args.merge)
    for problem in problems:
        print(problem)
    if problems:
        first = f"; the first: {problems[0]}" if len(problems) > 1 else f": {problems[0]}"
        print(f"reelab: error: {args.file}: {counted(len(problems), 'problem')}{first}", file=sys.stderr)
        return 2
    mine = _calendar(argparse.Namespace(events=args.file, merge=False))
    count = counted(len(mine.all_versions), "event")
    if args.merge:
        shipped = {event.id for event in load_events()}
        revising = sorted({event.id for event in mine.all_versions} & shipped)
        count += f", valid merged into the shipped calendar ({len(revising)} revising its events"
        count += f": {', '.join(revising)})" if revising else ")"
    else:
        count += ", valid"
    print(f"{args.file}: {count}")
    if (note := _examples_note(mine.examples)) is not None:
        print(note)
    return 0


EXTRACT_COLUMNS = [
    "number",
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
#: Fields of the event-file row given beside each candidate in CSV and JSON.
WRITTEN = ["known", "tz", "direction", "severity"]
#: Fields of the event-file row the table shows for each candidate (the empty ones are left out).
REVIEWED = ["id", "type", "announced", "effective", "known", "tz", "direction", "severity", "window_end",
            "countries_included", "countries_excluded", "elements", "confidence", "source"]  # fmt: skip
#: Columns the table's evidence and fields are wrapped at.
WIDTH = 100


def events_extract(args: argparse.Namespace) -> int:
    """reelab events extract: print candidate events found in article files, linked to the shipped calendar.

    Candidates are numbered 1..N across the files. The table (``--format table``) gives each one a
    block: its file, its evidence sentence with the words that name the action and its date
    highlighted, its calendar id or ``NEW``, the event-file row ``--append-to`` would write and, with
    ``--append-to``, whether it is appended. CSV and JSON give the same numbers. ``--append-to``
    appends the selected candidates (``--only``, else all) that file does not already hold and notes
    those event_drift's defaults would not trade. Returns exit code 0; a missing file, an article
    without a publication date, ``--only`` without ``--append-to`` or naming no candidate raises
    :class:`~signals.errors.ReelabError`, before anything is printed or written.
    """
    from signals import candidate_row, extract_events, find_publication, link_events, load_events, plan_append
    from signals._io import locked, read_text_input

    if args.only is not None and args.append_to is None:
        raise ReelabError("--only needs --append-to EVENTS (CSV, YAML or JSON): it selects the candidates to append")
    calendar = load_events()
    found: list[tuple[str, Candidate, Publication]] = []  # in output order: candidate number - 1
    texts: list[str] = []  # the text each candidate was found in
    for file in args.files:
        text = read_text_input(file, "article")  # a folder, binary data or another encoding: one line, exit 2
        publication = find_publication(text, args.published, args.tz)
        if publication is None:
            raise ReelabError(f"{file}: no publication date (no dateline found); pass --published YYYY-MM-DD")
        for candidate in link_events(extract_events(text, publication.day), calendar):
            found.append((str(file), candidate, publication))
            texts.append(text)
    selected = _selected(args.only, len(found))
    rows = [candidate_row(candidate, publication, "", source) for source, candidate, publication in found]
    with contextlib.ExitStack() as stack:
        plan = None
        if args.append_to is not None:
            # read, plan and write under one lock: two appends at once must not lose one
            stack.enter_context(locked(args.append_to))
            plan = plan_append(args.append_to, [found[number - 1] for number in selected])
            for number, row in zip(selected, plan.rows):
                rows[number - 1] = row  # with the id it will get
        if args.format == "table":
            blocks = [
                _review_block(number, entry, text, row, _append_status(number, selected, plan))
                for number, (entry, text, row) in enumerate(zip(found, texts, rows), start=1)
            ]
            print("\n\n".join(blocks) if blocks else "no candidate events found")
        else:
            records = [
                {"number": number, "file": source} | candidate.to_dict() | {key: row[key] for key in WRITTEN}
                for number, ((source, candidate, _), row) in enumerate(zip(found, rows), start=1)
            ]
            if args.format == "csv":
                sys.stdout.write(pd.DataFrame(records, columns=[*EXTRACT_COLUMNS, *WRITTEN]).to_csv(index=False))
            else:
                print(json.dumps(records, indent=2))
        if plan is not None:
            added = plan.write()
            skipped = [f"#{number} as {there}" for number, there in zip(selected, plan.present) if there]
            print(
                f"{args.append_to}: {len(selected)} selected, {len(added)} appended, {len(skipped)} skipped as already "
                "there" + (f" ({', '.join(skipped)})" if skipped else ""),
                file=sys.stderr,
            )
            _note_untraded(added)
    return 0


def _selected(only: str | None, count: int) -> list[int]:
    """The candidate numbers ``--only`` names (every one without it), ascending; others raise ParameterError."""
    if only is None:
        return list(range(1, count + 1))
    valid = f"comma-separated candidate numbers from 1 to {count}" if count else "none: no candidates were found"
    try:
        numbers = {int(part) for part in only.split(",")}
    except ValueError:
        raise ParameterError("--only", only, valid) from None
    if not numbers <= set(range(1, count + 1)):
        raise ParameterError("--only", only, valid)
    return sorted(numbers)


def _append_status(number: int, selected: list[int], plan: AppendPlan | None) -> str | None:
    """What ``--append-to`` does with candidate ``number``: None without it."""
    if plan is None:
        return None
    if number not in selected:
        return "no, not selected by --only"
    there = plan.present[selected.index(number)]
    return f"no, {plan.path} already has it as {there}" if there else "yes"


def _review_block(
    number: int, entry: tuple[str, Candidate, Publication], text: str, row: dict[str, str], status: str | None
) -> str:
    """One candidate of the table: file, highlighted evidence, calendar link, the row to write, append status."""
    source, candidate, _ = entry
    fields = _packed([f"{name}={row[name]}" for name in REVIEWED if row[name]], "    fields: ")
    lines = [
        f"#{number}  {source}",
        *textwrap.wrap(_highlighted(text, candidate), WIDTH, initial_indent="    ", subsequent_indent="    "),
        f"    calendar: {candidate.calendar_id or 'NEW'}",
        *fields,
    ]
    return "\n".join([*lines, f"    append: {status}"] if status else lines)


def _highlighted(text: str, candidate: Candidate) -> str:
    """The evidence sentence with the trigger and date words marked (``extra``), else the whole sentence.

    Marks are ANSI bold colour on a terminal and ``[[...]]`` otherwise, so that pipes and tests see plain text.
    """
    start_mark, end_mark = ("\033[1;33m", "\033[0m") if sys.stdout.isatty() else ("[[", "]]")
    start, end = candidate.span
    offsets = [candidate.extra[key] for key in ("trigger", "date_span") if candidate.extra.get(key)]
    words = sorted((max(first, start), min(last, end)) for first, last in offsets if max(first, start) < min(last, end))
    if not words or " ".join(text[start:end].split()) != candidate.evidence:  # offsets that do not fit
        return f"{start_mark}{candidate.evidence}{end_mark}"
    pieces, cursor = [], start
    for first, last in words:
        first = max(first, cursor)  # overlapping offsets are marked once
        if first < last:
            pieces += [text[cursor:first], start_mark, text[first:last], end_mark]
            cursor = last
    return " ".join("".join([*pieces, text[cursor:end]]).split())


def _packed(items: list[str], indent: str) -> list[str]:
    """``items`` joined by spaces in lines of at most WIDTH columns, never splitting an item."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 1 + len(item) <= WIDTH:
            lines[-1] += f" {item}"
        else:
            lines.append(f"{indent if not lines else ' ' * len(indent)}{item}")
    return lines


def _untraded_reasons(template: str, kind: str, severity: int) -> list[str]:
    """Why ``template``'s default parameters would not trade an event of this type and severity (none: they would)."""
    import strategies

    defaults = strategies.get(template).params()
    reasons = []
    if hasattr(defaults, "min_severity") and severity < defaults.min_severity:
        reasons.append(f"severity {severity} is below min_severity {defaults.min_severity}")
    if hasattr(defaults, "event_types") and kind not in defaults.event_types:
        reasons.append(f"type {kind} is not in its event_types")
    return reasons


def _note_untraded(rows: list[dict[str, str]]) -> None:
    """Say which appended events the default event_drift run would not trade, and why."""
    for row in rows:
        reasons = _untraded_reasons("event_drift", row["type"], int(row["severity"]))
        if reasons:
            print(
                f"note: {row['id']} will not trade under event_drift's defaults: {'; '.join(reasons)} "
                "(see --param min_severity=... and --param event_types=...)",
                file=sys.stderr,
            )
