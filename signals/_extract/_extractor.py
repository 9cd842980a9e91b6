"""Candidate policy events from news text: typed actions in clauses, each dated by the nearest date.

An event is a policy action that a text states happened or is scheduled (the labelling guide of
``benchmarks/extraction/corpus/GUIDE.md``): a control imposed, a licence granted, a truce agreed,
talks held, a WTO complaint filed ... including earlier actions the text recalls with a date.
Speculation, forecasts, market facts and undated background are not events.

The extractor works on clauses (sentences split at ``;``, ``but``, ``after``, ``while`` ...):

1. each action phrase of the vocabulary (a verb and the object that gives the type: a halt of
   *exports* is a tightening, of *controls* an easing; *general* licences are a licensing reform,
   other licences a permit approval) becomes an action, in active or passive voice;
2. each date expression of a clause belongs to the action nearest to it (a date after its verb
   phrase counts half the distance, a comma closes a phrase unless the date opens the sentence); an
   action without one takes a date from a clause of its sentence that names no action; relative
   dates ("on Tuesday", "last month", "earlier this week", "a few weeks ago", "the next day")
   resolve against the publication date or the date before them; a future date is only taken by
   scheduled types (talks, windows), and a date a measure takes effect on only when nothing else
   dates it;
3. an undated action is the article's own news (the publication date, week precision) when it is
   told in the present perfect or in the article's opening sentences; else it is dropped;
4. actions told as speculation ("could", "is considering", "expected to"), negated, cited as the
   basis of another act, outside the vocabulary (chip controls) or in headlines and captions are
   dropped, and so are future ones without a date ("will meet in the coming days");
5. actions of one type whose dates agree (in one calendar week for week precision; never a past
   and a scheduled one) are merged, keeping the most precise date.

The rules were written on the dev split of the corpus only; ``benchmarks/extraction.py`` scores
them on the frozen test split (outlets the rules never saw): precision 0.62, recall 0.49 there.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from .._events import EventType
from ._cues import (
    _CITATION,
    _CONTEXT,
    _DECIDED,
    _ELEMENTS,
    _HEADLINE,
    _HYPOTHETICAL,
    _NEGATION,
    _OFFICIALS,
    _OUT_OF_SCOPE,
    _PERFECT,
    _RELATIVE,
    _REPORTED_MODAL,
    _SCHEDULED,
    _SPECULATION,
    _WTO,
    _actions,
    _countries,
    _cue_types,
)  # fmt: skip
from ._text import (
    _DATELINE,
    _REPORTING,
    PRECISIONS,
    _as_date,
    _clauses,
    _Date,
    _dates,
    _offsets,
    _same_time,
    _scheduled,
    _sentences,
    _valid,
    find_dateline,
)  # fmt: skip

__all__ = ["LEAD_WEIGHT", "Candidate", "extract_events"]

#: A lead's confidence is its sentence's confidence times this: it ranks below every extracted candidate.
LEAD_WEIGHT = 0.3
#: A lead typed by topic words alone (no action phrase) keeps this share of its confidence, on top.
CUE_WEIGHT = 0.5
#: For each type, the type labels most often have where the rules give this one (the dev split's confusion
#: matrix, ``benchmarks/extraction.py``): every loose candidate has a lead of its sibling type too.
SIBLINGS = {
    EventType.EASING_PAUSE: EventType.RESTRICTION_TIGHTENING,
    EventType.NEGOTIATION_TALKS: EventType.NEGOTIATION_WINDOW,
    EventType.NEGOTIATION_WINDOW: EventType.NEGOTIATION_TALKS,
    EventType.RESTRICTION_TIGHTENING: EventType.RETALIATION_ESCALATION,
    EventType.RETALIATION_ESCALATION: EventType.RESTRICTION_TIGHTENING,
    EventType.QUOTA_CHANGE: EventType.RESTRICTION_TIGHTENING,
    EventType.LICENSING_REFORM: EventType.RESTRICTION_TIGHTENING,
    EventType.PERMIT_APPROVAL: EventType.RESTRICTION_TIGHTENING,
    EventType.WTO_DISPUTE: EventType.WTO_RULING,
    EventType.WTO_RULING: EventType.WTO_DISPUTE,
}
#: A sibling lead keeps this share of its candidate's confidence, on top.
SIBLING_WEIGHT = 0.5


@dataclass(frozen=True)
class Candidate:
    """A candidate event found in a text, for a researcher to review."""

    type: EventType
    date: dt.date
    precision: str
    confidence: float
    evidence: str
    span: tuple[int, int]
    window_end: dt.date | None = None
    countries_included: tuple[str, ...] = ()
    countries_excluded: tuple[str, ...] = ()
    elements: tuple[str, ...] = ()
    calendar_id: str | None = None
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict:
        """The candidate as a JSON- and CSV-ready row.

        Dates in ISO form, lists ``;``-joined, ``span`` as ``start:end``, ``confidence`` rounded to three
        decimals, and ``""`` for a missing window end or calendar id; ``extra`` is left out.
        """
        return {
            "date": self.date.isoformat(), "precision": self.precision, "type": str(self.type),
            "confidence": round(self.confidence, 3), "calendar_id": self.calendar_id or "",
            "window_end": self.window_end.isoformat() if self.window_end else "",
            "countries_included": ";".join(self.countries_included),
            "countries_excluded": ";".join(self.countries_excluded), "elements": ";".join(self.elements),
            "span": f"{self.span[0]}:{self.span[1]}", "evidence": self.evidence,
        }  # fmt: skip


def extract_events(text: str, published: str | date | None = None, leads: bool = False) -> list[Candidate]:
    """Candidate events in ``text``; relative dates resolve against ``published`` (default: the dateline).

    Returns candidates sorted by date, each with its type, resolved date and precision (day, week,
    month or year), window end, countries, elements, a confidence in (0, 1) and the evidence
    sentence with its character span. ``extra`` holds ``trigger`` and ``date_span``: the character
    spans (in ``text``) of the words naming the action and of the date expression (absent when the
    date is the publication's).

    ``leads=True`` (the inbox's recall mode) adds, below them, the candidates the rules would drop,
    each with ``extra["lead"]`` saying why it is only a lead and :data:`LEAD_WEIGHT` of its confidence:

    * ``doubted``: an action told as speculation, negation, a citation, out of scope, or undated
      background; talks behind another action; any sentence of the article, on topic or not;
    * ``topic words``: a date no action phrase took, typed by its sentence's topic words (the first
      two types of :data:`~._cues._CUES` it has; :data:`CUE_WEIGHT` more);
    * ``sibling of <type>``: each extracted candidate again as the type the rules most often give
      in its place (:data:`SIBLINGS`; :data:`SIBLING_WEIGHT` more).

    Leads that agree with a candidate of their type are left out; the first list is unchanged.
    """
    if published is None:
        published = find_dateline(text)
    if published is None:
        return []
    published = _as_date(published)
    # A dateline's date is the publication's, not an action's: blank it (spans stay valid).
    text = _DATELINE.sub(lambda match: " " * len(match.group(0)), text)
    found = _merge(_candidates(text, published, loose=False), published)
    if not leads:
        return found
    loose = _merge(_candidates(text, published, loose=True), published)
    # the type the rules most often give in its place (dev split's confusion matrix), as a lead of its own
    siblings = [replace(c, type=SIBLINGS[c.type], confidence=c.confidence * SIBLING_WEIGHT,
                        extra=c.extra | {"lead": f"sibling of {c.type}"})
                for c in found if c.type in SIBLINGS]  # fmt: skip
    kept = list(found)
    for lead in loose + siblings:
        if not any(k.type == lead.type and _same_time(k.date, k.precision, lead.date, lead.precision) for k in kept):
            kept.append(replace(lead, confidence=lead.confidence * LEAD_WEIGHT, extra={"lead": "doubted"} | lead.extra))
    return sorted(kept, key=lambda c: (c.date, str(c.type)))


def _candidates(text: str, published: date, loose: bool) -> list[Candidate]:
    """Every sentence's candidates; ``loose`` keeps what the rules drop as doubtful (see :func:`extract_events`)."""
    found: list[Candidate] = []
    wto_story = bool(re.search(_WTO, text, re.IGNORECASE))
    body = 0  # sentences of the body so far (headlines, captions and bylines are not the body)
    for sentence, span in _sentences(text):
        if _HEADLINE.search(sentence):
            continue
        body += 1
        if not loose and not _CONTEXT.search(sentence) and not _OFFICIALS.search(sentence):
            continue
        offsets = _offsets(text, span, sentence)
        clauses = [
            (start, clause, _actions(clause, wto_story), [d.shifted(start) for d in _dates(clause, published)])
            for start, clause in _clauses(sentence)
        ]
        # an action without a date of its own may take one from a clause of its sentence that names no action
        spare = [d for _, _, actions, dates in clauses if not actions for d in dates]
        for (_, _, _, before), (_, clause, _, dates) in itertools.pairwise(clauses):
            if before and not dates and re.match(r"when\b", clause, re.IGNORECASE):
                dates.append(before[-1])  # "in 2010, when the quotas were cut": the when-clause's date
        used: set[_Date] = set()  # the dates actions took
        for start, clause, actions, dates in clauses:
            kept = []
            for kind, first, last in actions:
                stated = _DECIDED.sub(r"\1", _RELATIVE.sub("", clause[:last]))  # the words up to the action
                if not loose and (
                    _SPECULATION.search(stated)
                    or _NEGATION.search(clause, max(0, first - 40), last)
                    or _CITATION.search(clause[:first])
                ):
                    continue
                if not loose and _OUT_OF_SCOPE.search(clause, max(0, first - 30), last + 40):  # chip controls
                    continue
                ahead = bool(_scheduled(clause, first, last))
                hypothetical = _HYPOTHETICAL.search(clause[:first]) and not _REPORTED_MODAL.search(clause[:first])
                if not loose and hypothetical and not (ahead and kind in _SCHEDULED):
                    continue
                kept.append((kind, first, last, ahead))
            if not loose and len(kept) > 1 and any(kind is not EventType.NEGOTIATION_TALKS for kind, *_ in kept):
                kept = [action for action in kept if action[0] is not EventType.NEGOTIATION_TALKS]  # talks behind it
            # each date belongs to the action nearest to it: "lifted the controls imposed in April" dates the controls
            nearest = (
                {d: min(kept, key=lambda a: _distance(sentence, (a[1] + start, a[2] + start), d)) for d in dates}
                if kept
                else {}
            )
            dated_kinds = {action[0] for action in nearest.values()}
            for item in kept:
                kind, first, last, ahead = item
                action = (first + start, last + start)
                future_ok = ahead and kind in _SCHEDULED  # a scheduled meeting may be dated ahead, nothing else
                own = [d for d in dates if nearest[d] == item]
                chosen = _choose_dates(sentence, action, own, published, future_ok) or _choose_dates(
                    sentence, action, spare, published, future_ok
                )
                if any(day.vague for day in chosen):
                    continue  # dated only vaguely ("introduced a decade ago"): no date to give it
                if not chosen and kind in dated_kinds:
                    continue  # the same action named twice in its clause, dated at the other mention
                if not chosen:
                    reported = _REPORTING.search(clause[:last])
                    if not loose and ((ahead and not reported) or not (body <= 2 or _PERFECT.search(clause))):
                        continue  # undated background, or a promise without a date
                    chosen = [_Date(-1, -1, published, "week")]
                found += [_candidate(sentence, span, offsets, kind, action, day, published) for day in chosen]
                used.update(chosen)
        if loose:
            found += _cued(sentence, span, offsets, [d for *_, dates in clauses for d in dates], published)
    return found


def _cued(
    sentence: str, span: tuple[int, int], offsets: list[int], dates: list[_Date], published: date
) -> list[Candidate]:
    """Leads from a sentence's dates that no action took: typed by the sentence's topic words (:func:`_cue_type`)."""
    found = []
    for day in dates:
        for kind in _cue_types(sentence):
            if day.vague or (day.after(published) and kind not in _SCHEDULED):
                continue
            lead = _candidate(sentence, span, offsets, kind, (day.start, day.end), day, published)
            found.append(
                replace(lead, confidence=lead.confidence * CUE_WEIGHT, extra=lead.extra | {"lead": "topic words"})
            )
    return found


def _choose_dates(
    sentence: str, action: tuple[int, int], dates: list[_Date], published: date, future_ok: bool
) -> list[_Date]:
    """The date expression nearest the action that can date it, and those coordinated with it ("April 4 and 9").

    A date after publication dates only a scheduled action (``future_ok``).
    """
    usable = [d for d in dates if future_ok or not d.after(published)]
    if not usable:
        return []
    # a date the measure takes effect on ("effective Dec. 1", "from May 1") is not when it was taken
    effective = {d for d in usable if _EFFECTIVE.search(sentence, max(0, d.start - 30), d.start)}
    nearest = min(usable, key=lambda d: (d in effective, _distance(sentence, action, d), PRECISIONS.index(d.precision)))
    chosen = [nearest]
    for other in sorted(usable, key=lambda d: d.start):
        if other is not nearest and any(_coordinated(sentence, d, other) for d in chosen):
            chosen.append(other)
    return chosen


_EFFECTIVE = re.compile(
    r"\b(?:effective|tak\w* effect|took effect|come into (?:force|effect)|came into (?:force|effect)|starting"
    r"|as of|until|through)\s+(?:on\s+)?(?:the\s+)?$",
    re.IGNORECASE,
)


def _distance(sentence: str, action: tuple[int, int], day: _Date) -> float:
    """How far a date expression is from an action: characters between them, weighed by English word order.

    A time adverbial follows its verb phrase ("imposed curbs in August 2023 and announced controls
    on October 20"), so a date after an action counts half; a comma closes a phrase ("controls
    announced in October 2025, these controls were suspended"), so each comma between adds 60,
    except after a date that opens the sentence ("On July 14, 2011, the ministry announced").
    """
    if day.start >= action[1]:
        return 0.5 * (day.start - action[1]) + 60 * sentence.count(",", action[1], day.start)
    gap = max(action[0] - day.end, 0)
    fronted = not re.search(
        r"\w", re.sub(r"(?i)\b(?:on|in|since|by|as of|from|at|during|early|late)\b", "", sentence[: day.start])
    )
    return gap + (0 if fronted else 60 * sentence.count(",", day.end, max(day.end, action[0])))


def _coordinated(sentence: str, a: _Date, b: _Date) -> bool:
    """Two dates listed together: one expression ("April 4 and 9, 2025"), or joined by "and" within a few words."""
    if (a.start, a.end) == (b.start, b.end):
        return True
    first, second = sorted((a, b), key=lambda d: d.start)
    between = sentence[first.end : second.start]
    return len(between) <= 45 and a.precision == b.precision and bool(re.search(r"\band\b", between))


def _candidate(
    sentence: str, span: tuple[int, int], offsets: list[int], kind: EventType, action: tuple[int, int],
    chosen: _Date, published: date,
) -> Candidate:  # fmt: skip
    lowered = sentence.lower()
    explicit = chosen.start >= 0
    confidence = (
        0.45 + (0.2 if explicit else 0.0) + {"day": 0.15, "week": 0.05, "month": 0.05, "year": 0.0}[chosen.precision]
    )
    confidence += 0.1 if re.search(r"ministry|mofcom|commerce|customs|state council|wto|white house", lowered) else 0.0
    included, excluded = _countries(sentence)
    elements = tuple(element for element in _ELEMENTS if element in lowered)
    windowed = kind in (EventType.NEGOTIATION_WINDOW, EventType.EASING_PAUSE)
    window_end = _window_end(sentence, chosen.day, published) if windowed else None
    extra = {"trigger": (offsets[action[0]], offsets[action[1]])}
    if explicit:
        extra["date_span"] = (offsets[chosen.start], offsets[chosen.end])
    return Candidate(
        kind, chosen.day, chosen.precision, min(confidence, 0.95), sentence, span, window_end, included, excluded,
        elements, extra=extra,
    )  # fmt: skip


def _window_end(sentence: str, start: date, published: date) -> date | None:
    until = [d for d in _dates(sentence, published) if d.precision == "day" and d.day > start]
    if until and re.search(r"\b(until|through|to|expir\w*|ends?)\b", sentence):
        return until[-1].day
    lowered = sentence.lower()
    if re.search(r"\b(90[- ]days?|ninety[- ]day)\b", lowered):
        return start + timedelta(days=90)
    if re.search(r"\b(one[- ]year|for (a|one) year|1[- ]year|12[- ]months?)\b", lowered):
        return _valid(start.year + 1, start.month, start.day) or date(start.year + 1, start.month, 28)
    return None


def _merge(candidates: list[Candidate], published: date) -> list[Candidate]:
    """One candidate per action: those of a type whose dates agree are merged, keeping the most precise.

    A scheduled action (after publication) never absorbs a past one: talks held on Sunday and the
    leaders' meeting due on Thursday are two events.
    """
    kept: list[Candidate] = []
    for candidate in sorted(candidates, key=lambda c: (PRECISIONS.index(c.precision), -c.confidence)):
        if not any(
            k.type == candidate.type
            and _same_time(k.date, k.precision, candidate.date, candidate.precision)
            and _same_week(k, candidate)
            and (k.date > published) == (candidate.date > published)
            for k in kept
        ):
            kept.append(candidate)
    return sorted(kept, key=lambda c: (c.date, str(c.type)))


def _same_week(a: Candidate, b: Candidate) -> bool:
    """Whether two candidates of week precision or finer lie in one calendar week (else: no constraint).

    "On Thursday" and "this week" in a Wednesday paper are a week apart in days but not the same news.
    """
    if {a.precision, b.precision} <= {"day", "week"} and "week" in {a.precision, b.precision}:
        return a.date.isocalendar()[:2] == b.date.isocalendar()[:2]
    return True
