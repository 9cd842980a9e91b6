"""Proposals: one event told by several articles, with its sources, independent outlets and score.

Decides:

* which candidates are one event: the same type and dates that agree at their precisions
  (:func:`~._text._same_time`); the finest-dated candidates open proposals, coarser ones join the
  nearest proposal they agree with, so "in April" joins "on April 4" rather than opening its own;
* which sources are independent: articles of one outlet, or whose texts are copies of one wire
  story (word 5-gram overlap of at least :data:`COPY_OVERLAP`), count once;
* when a proposal was knowable: the earliest publication among its sources (point-in-time by
  construction: no source can make it known earlier than it was published, and none published
  before the proposal's date joins it, unless it tells of talks or a window ahead of them);
* its score: the chance that at least one independent outlet is right, each outlet weighing in
  with its best candidate's score (``1 - prod(1 - s)``); so a proposal two outlets agree on
  outranks one either gives alone, and two copies of one wire story count once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import pandas as pd

from ._extractor import Candidate
from ._score import Scorer, rule_score
from ._text import PRECISIONS, _same_time

__all__ = ["COPY_OVERLAP", "Proposal", "Sighting", "group_candidates", "shingles"]

#: Types whose events may be reported before they happen (a meeting scheduled, a truce to be signed).
SCHEDULED = frozenset({"negotiation_talks", "negotiation_window"})
#: Two articles sharing at least this share of word 5-grams (of the shorter one) copy one story.
COPY_OVERLAP = 0.5


def shingles(text: str, size: int = 5) -> frozenset[int]:
    """Hashes of the word ``size``-grams of ``text`` (lower case, punctuation ignored): its fingerprint."""
    words = re.findall(r"\w+", text.lower())
    return frozenset(hash(tuple(words[i : i + size])) for i in range(max(len(words) - size + 1, 1)))


@dataclass(frozen=True)
class Sighting:
    """One candidate in one article, with what the grouping needs to know of the article."""

    candidate: Candidate
    article: str  # the article's name (its file, or file#item)
    outlet: str
    knowable: pd.Timestamp  # the instant (UTC) the article could be read
    fingerprint: frozenset[int] = frozenset()  # shingles() of the article's text
    day: date | None = None  # the publication's day in its own zone (None: unknown, no constraint)

    def could_tell(self, day: date) -> bool:
        """Whether this article could report its candidate's event as one on ``day``: not after its own
        publication, unless the candidate itself lies ahead (talks or a window announced before they happen)."""
        if self.day is None or day <= self.day:
            return True
        return str(self.candidate.type) in SCHEDULED and self.candidate.date > self.day

    def copies(self, other: Sighting) -> bool:
        """Whether the two articles are one story: one outlet, the same article, or near-identical texts."""
        if self.article == other.article or (self.outlet and self.outlet == other.outlet):
            return True
        shorter = min(len(self.fingerprint), len(other.fingerprint))
        return bool(shorter) and len(self.fingerprint & other.fingerprint) >= COPY_OVERLAP * shorter


@dataclass(frozen=True)
class Proposal:
    """One event for review: its type and date, the sightings that tell it, and its score."""

    type: str
    date: date
    precision: str
    sightings: tuple[Sighting, ...]
    score: float

    @property
    def first(self) -> Sighting:
        """The earliest published sighting: the proposal is knowable from its publication."""
        return min(self.sightings, key=lambda s: (s.knowable, s.article))

    @property
    def best(self) -> Sighting:
        """The sighting whose candidate scores highest (ties: the most precise, then the earliest)."""
        return max(self.sightings, key=lambda s: (s.candidate.confidence, -PRECISIONS.index(s.candidate.precision),
                                                  -s.knowable.value))  # fmt: skip

    @cached_property
    def independent(self) -> tuple[tuple[Sighting, ...], ...]:
        """The sightings in groups of copies (one outlet or one wire story), earliest group first."""
        return tuple(tuple(group) for group in _copy_groups(self.sightings))

    @cached_property
    def stating(self) -> tuple[tuple[Sighting, ...], ...]:
        """The independent groups that state the event: an extracted candidate (not a lead) dated at the
        proposal's precision, or at week precision or finer ("in 2025" does not confirm "on April 4")."""
        coarsest = max(PRECISIONS.index(self.precision), PRECISIONS.index("week"))
        return tuple(
            group
            for group in self.independent
            if any(not s.candidate.extra.get("lead") and PRECISIONS.index(s.candidate.precision) <= coarsest
                   for s in group)
        )  # fmt: skip

    @property
    def outlets(self) -> list[str]:
        """The independent outlets that state it (:attr:`stating`), or that hint at it when none does:
        one name per group, its earliest sighting's outlet (or article, when it has none)."""
        groups = self.stating or self.independent
        return [min(group, key=lambda s: s.knowable).outlet or group[0].article for group in groups]

    @property
    def corroborated(self) -> bool:
        """Whether two or more independent outlets state it."""
        return len(self.stating) >= 2

    @property
    def articles(self) -> list[str]:
        """The distinct articles, in order of publication."""
        return list(dict.fromkeys(s.article for s in sorted(self.sightings, key=lambda s: (s.knowable, s.article))))

    @property
    def lead(self) -> bool:
        """Whether every sighting is a lead (a candidate the rules doubt, kept for recall)."""
        return all(s.candidate.extra.get("lead") for s in self.sightings)


def _copy_groups(sightings: Sequence[Sighting]) -> list[list[Sighting]]:
    """Sightings joined when they copy each other, transitively (a union-find over the pairs)."""
    ordered = sorted(sightings, key=lambda s: (s.knowable, s.article))
    parent = list(range(len(ordered)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(ordered):
        for j in range(i):
            if root(i) != root(j) and a.copies(ordered[j]):
                parent[root(i)] = root(j)
    groups: dict[int, list[Sighting]] = {}
    for i, sighting in enumerate(ordered):
        groups.setdefault(root(i), []).append(sighting)
    return list(groups.values())


def group_candidates(sightings: Iterable[Sighting], scorer: Scorer | None = None) -> list[Proposal]:
    """Proposals from the candidates of many articles, ranked by score (highest first).

    Each sighting joins the proposal of its type whose date agrees with its own at the coarser
    precision and lies nearest (finest-dated sightings first, so they set the dates); a proposal's
    date is that of its finest sighting, the earliest-published one among equals. ``scorer`` gives
    each candidate's chance of being a real event (default :func:`~._score.rule_score`).
    """
    scorer = scorer or rule_score
    ordered = sorted(
        sightings,
        key=lambda s: (PRECISIONS.index(s.candidate.precision), s.knowable, s.article, s.candidate.date),
    )
    open_: list[list[Sighting]] = []
    for sighting in ordered:
        candidate = sighting.candidate
        agreeing = [
            group
            for group in open_
            if group[0].candidate.type == candidate.type
            and _same_time(group[0].candidate.date, group[0].candidate.precision, candidate.date, candidate.precision)
            and sighting.could_tell(group[0].candidate.date)  # known never before it could be told
        ]
        if agreeing:
            min(agreeing, key=lambda g: (abs((g[0].candidate.date - candidate.date).days), -len(g))).append(sighting)
        else:
            open_.append([sighting])
    proposals = [_proposal(group, scorer) for group in open_]
    return sorted(proposals, key=lambda p: (-p.score, p.date, p.type))


def _proposal(group: list[Sighting], scorer: Callable[[Candidate], float]) -> Proposal:
    head = group[0].candidate
    miss = 1.0
    for copies in _copy_groups(group):
        miss *= 1.0 - max(min(max(scorer(s.candidate), 0.0), 1.0) for s in copies)
    return Proposal(str(head.type), head.date, head.precision, tuple(group), round(1.0 - miss, 4))
