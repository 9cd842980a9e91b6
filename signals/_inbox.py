"""The events inbox: articles become ranked proposals for review, linked to the user's calendar.

Every candidate of every article is kept, leads included (actions the rules doubt: told as
speculation or negation, undated background ...), then grouped across articles into proposals
(:func:`signals._extract._group.group_candidates`). The queue favours recall: missing an event
costs far more than reading a wrong candidate, so low scores are ranked low, not dropped.

A proposal is knowable from the earliest publication among its sources; each publication's instant
follows the event files' rule (a date without a time of day is known at
:data:`~signals.AFTER_CLOSE` in its zone), so ``known`` never precedes what a reader could know.
"""

from __future__ import annotations

import datetime as dt
import platform
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import pandas as pd

from ._events import EventCalendar, knowable_instant
from ._extract import Candidate, extract_events, link_events
from ._extract._extractor import LEAD_WEIGHT
from ._extract._group import COPY_OVERLAP, Proposal, Sighting, group_candidates, shingles
from ._extract._score import Scorer
from ._extract._text import _same_time
from ._io import package_versions
from ._news import Publication, _csv_text, find_publication
from .errors import ReelabError

__all__ = [
    "REVIEW_COLUMNS", "Inbox", "InboxEntry", "build_inbox", "inbox_manifest", "knowable", "proposal_records",
    "review_csv",
]  # fmt: skip

#: review.csv's columns, in order.
REVIEW_COLUMNS = ["proposal", "type", "announced", "precision", "known", "sources", "outlets", "calendar_id",
                  "score", "evidence", "decision"]  # fmt: skip


class ArticleLike(Protocol):
    """What the inbox reads of an article (:class:`signals._articles.Article` is one)."""

    source: str
    text: str
    published: pd.Timestamp
    outlet: str
    url: str


def knowable(publication: Publication) -> pd.Timestamp:
    """The instant (UTC) a publication could be read: its time, or its day at AFTER_CLOSE without one
    (the event files' rule, :func:`signals._events.knowable_instant`)."""
    timed = publication.time_of_day is not None
    clock = publication.time_of_day if publication.time_of_day is not None else dt.time()
    return knowable_instant(pd.Timestamp(dt.datetime.combine(publication.day, clock), tz=publication.tz), None, timed)


@dataclass(frozen=True)
class InboxEntry:
    """One proposal of the queue: its id (P1...), calendar link and status."""

    id: str
    proposal: Proposal
    calendar_id: str | None
    status: str  # "new", "in calendar" or "differs" (links to an event dated or typed otherwise)
    calendar_note: str = ""


@dataclass
class Inbox:
    """The ranked queue, the publications of the articles read, and the counts."""

    entries: list[InboxEntry]
    publications: dict[str, Publication]
    articles: dict[str, ArticleLike]
    counts: dict[str, int] = field(default_factory=dict)

    def review_rows(self) -> list[dict[str, str]]:
        """review.csv's rows, in queue order, ``decision`` empty."""
        rows = []
        for entry in self.entries:
            proposal, first = entry.proposal, entry.proposal.first
            publication = self.publications[first.article]
            rows.append({
                "proposal": entry.id, "type": proposal.type, "announced": proposal.date.isoformat(),
                "precision": proposal.precision, "known": f"{publication.known} {publication.tz}",
                "sources": str(len(proposal.articles)), "outlets": ";".join(proposal.outlets),
                "calendar_id": entry.calendar_id or "NEW", "score": f"{proposal.score:.3f}",
                "evidence": proposal.best.candidate.evidence, "decision": "",
            })  # fmt: skip
        return rows


def build_inbox(
    articles: Sequence[ArticleLike], calendar: EventCalendar, scorer: Scorer | None = None, min_score: float = 0.0
) -> Inbox:
    """The inbox of ``articles`` against ``calendar``: NEW proposals first, then by score.

    ``min_score`` drops proposals scoring below it (default 0: keep every lead); the number dropped
    is counted (``below_min_score``), never silent.
    """
    sightings: list[Sighting] = []
    publications: dict[str, Publication] = {}
    for article in articles:
        publication = find_publication(article.text, article.published)
        if publication is None:  # the reader skips these; a caller passing one anyway gets a clear error
            raise ReelabError(f"{article.source}: no publication time")
        publications[article.source] = publication
        fingerprint = shingles(article.text)
        sightings += [
            Sighting(candidate, article.source, article.outlet, knowable(publication), fingerprint, publication.day)
            for candidate in extract_events(article.text, publication.day, leads=True)
        ]
    proposals = group_candidates(sightings, scorer)
    kept = [proposal for proposal in proposals if proposal.score >= min_score]
    linked = [_linked(proposal, calendar) for proposal in kept]
    linked.sort(key=lambda item: (item[1] != "new", -item[0].score))
    entries = [InboxEntry(f"P{n}", proposal, link, status, note)
               for n, (proposal, status, link, note) in enumerate(linked, start=1)]  # fmt: skip
    status = Counter(entry.status for entry in entries)
    counts = {
        "articles": len(articles), "candidates": len(sightings), "proposals": len(entries),
        "new": status["new"], "in_calendar": status["in calendar"], "differs": status["differs"],
        "below_min_score": len(proposals) - len(kept),
        "corroborated": sum(entry.proposal.corroborated for entry in entries),
    }  # fmt: skip
    return Inbox(entries, publications, {a.source: a for a in articles}, counts)


def _linked(proposal: Proposal, calendar: EventCalendar) -> tuple[Proposal, str, str | None, str]:
    """(proposal, status, calendar id, note): the calendar event it is, if any, and whether it agrees."""
    candidate = proposal_candidate(proposal)
    event_id = link_events([candidate], calendar)[0].calendar_id
    if event_id is None:
        return proposal, "new", None, ""
    event = calendar.get(event_id)
    day = event.announced_at.date()
    note = f"calendar: {event_id} announced {day.isoformat()}"
    agrees = _same_time(day, "day", proposal.date, proposal.precision)
    return proposal, "in calendar" if agrees else "differs", event_id, note


def proposal_candidate(proposal: Proposal) -> Candidate:
    """The proposal as one candidate: the best sighting's, with the proposal's type, date and precision."""
    return replace(proposal.best.candidate, date=proposal.date, precision=proposal.precision)


def proposal_records(inbox: Inbox) -> list[dict[str, Any]]:
    """Every proposal with its sources, as plain data: ``proposals.json`` and the review page read these.

    Each source gives its outlet, url, publication, the date as written, the evidence sentence and
    ``marks``: the character spans of the trigger and date words inside that sentence.
    """
    records = []
    for entry, row in zip(inbox.entries, inbox.review_rows()):
        proposal, candidate = entry.proposal, proposal_candidate(entry.proposal)
        first = inbox.publications[proposal.first.article]
        copies = {s.article: group[0].article for group in proposal.independent for s in group[1:]
                  if s.article != group[0].article}  # fmt: skip
        sources = []
        for sighting in sorted(proposal.sightings, key=lambda s: (s.knowable, s.article)):
            article, publication = inbox.articles[sighting.article], inbox.publications[sighting.article]
            found = sighting.candidate
            written = found.extra.get("date_span")
            as_written = " ".join(article.text[written[0] : written[1]].split()) if written else "(publication)"
            sources.append({
                "source": article.source, "outlet": article.outlet, "url": article.url,
                "published": f"{publication.known} {publication.tz}", "type": str(found.type),
                "date": found.date.isoformat(), "precision": found.precision,
                "date_as_written": as_written,
                "evidence": found.evidence, "marks": _marks(article.text, found),
                "confidence": round(found.confidence, 3), "lead": found.extra.get("lead", ""),
                "copy_of": copies.get(sighting.article, ""),
            })  # fmt: skip
        records.append({
            **row, "sources": len(proposal.articles), "outlets": proposal.outlets, "tz": first.tz,
            "known": first.known, "calendar_id": entry.calendar_id or "", "status": entry.status,
            "calendar_note": entry.calendar_note, "score": proposal.score, "corroborated": proposal.corroborated,
            "tier": "lead" if proposal.lead else "extracted",
            "window_end": candidate.window_end.isoformat() if candidate.window_end else "",
            "elements": list(candidate.elements), "countries_included": list(candidate.countries_included),
            "countries_excluded": list(candidate.countries_excluded), "articles": sources,
        })  # fmt: skip
    return records


def _marks(text: str, candidate: Candidate) -> list[list[int]]:
    """The trigger and date words of ``candidate`` as spans of its (whitespace-normalised) evidence."""
    marks = []
    for key in ("trigger", "date_span"):
        span = candidate.extra.get(key)
        if not span or span[0] >= span[1]:
            continue
        words = " ".join(text[span[0] : span[1]].split())
        at = candidate.evidence.find(words) if words else -1
        if at >= 0:
            marks.append([at, at + len(words)])
    return sorted(marks)


def inbox_manifest(inbox: Inbox, inputs: list[dict[str, str]], skipped: list[dict[str, str]], calendar: str,
                   created: str) -> dict[str, Any]:  # fmt: skip
    """manifest.json: the inputs with their hashes, what was skipped and why, the counts and the versions."""
    return {
        "created": created, "calendar": calendar, "inputs": inputs, "skipped": skipped,
        "counts": {**inbox.counts, "skipped": len(skipped)},
        "versions": {"python": platform.python_version(),
                     **package_versions(("reelab", "pandas", "trafilatura", "feedparser"))},
        "rules": {"lead_weight": LEAD_WEIGHT, "copy_overlap": COPY_OVERLAP},
    }  # fmt: skip


def review_csv(inbox: Inbox) -> str:
    """review.csv's text: one row per proposal, in queue order, ``decision`` left for the reviewer."""
    return _csv_text(REVIEW_COLUMNS, inbox.review_rows(), with_header=True)
