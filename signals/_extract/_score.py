"""Scoring: how likely a candidate is a real event. The seam for a trained model.

Decides: a candidate's score in [0, 1]. The rules' own score is the extractor's confidence (an
explicit, day-precise date and an official source raise it; a lead, an action the rules doubt,
keeps :data:`~._extractor.LEAD_WEIGHT` of it). Anything with the :data:`Scorer` shape can replace
it, a trained classifier included, without touching extraction or grouping::

    def my_model(candidate: Candidate) -> float:
        return classifier.predict_proba([candidate.evidence])[0, 1]

    group_candidates(sightings, scorer=my_model)

None ships: no model installable here was verified to beat the rules (issue 12's measurements).
"""

from __future__ import annotations

from collections.abc import Callable

from ._extractor import Candidate

__all__ = ["Scorer", "rule_score"]

#: A candidate's chance of being a real event, in [0, 1] (values outside are clipped).
Scorer = Callable[[Candidate], float]


def rule_score(candidate: Candidate) -> float:
    """The rules' score: the extractor's confidence (a lead's already carries its weight)."""
    return candidate.confidence
