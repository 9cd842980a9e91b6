"""``reelab events inbox`` and ``reelab events accept``: from a folder of news to a reviewed merge.

Nothing here imports statsmodels, scipy, plotly, matplotlib, vectorbt or numba.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

import pandas as pd

from signals.errors import ParameterError, ReelabError

__all__ = ["events_accept", "events_inbox"]


def events_inbox(args: argparse.Namespace) -> int:
    """reelab events inbox: articles -> DIR/review.csv, review.html, proposals.json, manifest.json.

    Everything is checked before any work (the inputs, the calendar, a review.csv holding decisions
    that a rerun would lose), and the folder is published whole. Prints one line per skipped
    article and a summary line; returns exit code 0.
    """
    from signals import build_inbox, proposal_records, publish_folder, read_articles
    from signals._inbox import inbox_manifest, review_csv

    from ..report.inbox import inbox_page
    from ..spec import EventSource

    if bool(args.files) == (args.index is not None):
        raise ParameterError("ARTICLE/--index", "both" if args.files else "neither", "article files or --index, "
                             "not both")  # fmt: skip
    _check_no_decisions(args.out / "review.csv")  # before any work; again under the lock when publishing
    source = EventSource(args.events, args.merge)
    calendar = source.load()
    articles, skipped = read_articles(_expanded(args.files), args.index)
    for item in skipped:
        print(f"skipped {item.source}: {item.reason}", file=sys.stderr)
    if not articles:
        raise ReelabError(f"nothing to review: all {len(skipped)} articles were skipped (first: {skipped[0].source}: "
                          f"{skipped[0].reason})" if skipped else "nothing to review: no articles")  # fmt: skip
    inbox = build_inbox(articles, calendar, min_score=args.min_score)
    created = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    inputs = [{"source": a.source, "kind": a.kind, "sha256": a.sha256} for a in articles]
    if args.index is not None:
        from signals import sha256_file

        inputs.insert(0, {"source": str(args.index), "kind": "index", "sha256": sha256_file(args.index)})
    described = _calendar_name(args)
    manifest = inbox_manifest(inbox, inputs, [{"source": s.source, "reason": s.reason} for s in skipped],
                              described, created)  # fmt: skip
    records = proposal_records(inbox)
    files = {
        "review.csv": review_csv(inbox).encode(),
        "review.html": inbox_page(records, manifest).encode(),
        "proposals.json": json.dumps(records, indent=1, ensure_ascii=False).encode(),
        "manifest.json": json.dumps(manifest, indent=1, ensure_ascii=False).encode(),
    }
    publish_folder(args.out, files, check=lambda: _check_no_decisions(args.out / "review.csv"))
    counts = inbox.counts
    print(
        f"{args.out}: {counts['proposals']} proposals from {counts['articles']} articles ({len(skipped)} skipped): "
        f"{counts['new']} NEW, {counts['in_calendar']} in the calendar, {counts['differs']} differ from it; "
        f"{counts['corroborated']} told by 2+ independent outlets. Review {args.out / 'review.csv'} "
        f"(decision: accept, reject, or an edited type or date), then: reelab events accept "
        f"{args.out / 'review.csv'} --append-to EVENTS"
    )
    return 0


def _expanded(paths: list[Path]) -> list[Path]:
    """The files given, a folder standing for the files in it (sorted; hidden ones and subfolders left out)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        else:
            files.append(path)
    return files


def _calendar_name(args: argparse.Namespace) -> str:
    if args.events is None:
        return "shipped calendar"
    return f"shipped calendar + {args.events}" if args.merge else str(args.events)


def _check_no_decisions(review: Path) -> None:
    """A rerun must not overwrite a reviewer's decisions: refuse when ``review`` holds any."""
    if not review.is_file():
        return
    try:
        rows = list(csv.DictReader(io.StringIO(review.read_text(encoding="utf-8"))))
    except (OSError, UnicodeDecodeError, csv.Error):
        rows = []
    decided = [row.get("proposal", "?") for row in rows if (row.get("decision") or "").strip()]
    if decided:
        raise ReelabError(f"{review} holds {len(decided)} decision{'s' if len(decided) != 1 else ''} "
                          f"({', '.join(decided[:5])}) that a rerun would lose: accept them (reelab events accept "
                          f"{review} --append-to EVENTS), then move review.csv away, or choose another "
                          "--out")  # fmt: skip


def events_accept(args: argparse.Namespace) -> int:
    """reelab events accept: append the accepted proposals of REVIEW.csv to --append-to; exit code 0.

    The review and every decision are read and checked first; then, under the target's lock, the
    append is planned (the whole file validated) and written atomically. Prints one line per
    proposal appended or skipped as already there, and a summary on stderr.
    """
    from signals import accepted_candidates, plan_append
    from signals._io import locked

    chosen = accepted_candidates(args.review, args.only)
    if not chosen:
        print(f"{args.review}: no proposal accepted (decision column empty or reject; or use --only)", file=sys.stderr)
        return 0
    with locked(args.append_to):
        plan = plan_append(args.append_to, [found for _, found in chosen])
        added = plan.write()
    for (proposal, _), row, there in zip(chosen, plan.rows, plan.present):
        print(f"{proposal}: already in {args.append_to} as {there}" if there else
              f"{proposal}: appended as {row['id']} ({row['type']} {row['announced']}, known {row['known']} "
              f"{row['tz']})")  # fmt: skip
    print(f"{args.append_to}: {len(chosen)} accepted, {len(added)} appended, {len(chosen) - len(added)} already there",
          file=sys.stderr)  # fmt: skip
    from ._events import _note_untraded

    _note_untraded(added)
    return 0
