"""Candidate policy events from news text: rules for types and context, dateparser for dates.

An event is a specific policy action stated as having happened (announced, imposed, approved,
suspended, met, filed, ruled ...). Speculation ("is considering", "could"), forecasts ("expected
to") and general background without an action are skipped. Each sentence yields at most one
candidate (its main action); candidates of one type whose dates agree are merged.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from ._events import EventCalendar, EventType

__all__ = ["PRECISIONS", "Candidate", "extract_events", "find_dateline", "link_events"]

PRECISIONS = ("day", "week", "month", "year")
_TOLERANCE_DAYS = {"day": 3, "week": 7, "month": 31, "year": 366}

# Type rules, in priority order: the first rule a sentence matches gives its type.
_RULES: list[tuple[EventType, str]] = [
    (EventType.WTO_RULING, r"\bwto\b.{0,60}\brul(ed|ing)\b|\brul(ed|ing)\b.{0,60}\bwto\b"),
    (
        EventType.WTO_DISPUTE,
        r"\b(complaint|dispute|consultations?)\b.{0,60}\bwto\b|\bwto\b.{0,40}\b(complaint|dispute)",
    ),
    (EventType.QUOTA_CHANGE, r"\b(reduc\w*|cut|slash\w*|set|abolish\w*|rais\w*)\b.{0,40}\bquotas?\b"),
    (
        EventType.LICENSING_REFORM,
        r"general licen[cs]e|licensing (system|framework|mechanism|regime)|fast-track channel|one shipment, one licen",
    ),
    (
        EventType.PERMIT_APPROVAL,
        r"\b(approv\w*|grant\w*|issu\w*|receiv\w*)\b.{0,70}\b(licen[cs]\w*|permits?|applications?)\b"
        r"|\b(licen[cs]\w*|permits?|applications?)\b.{0,40}\b(approved|granted|issued)\b",
    ),
    (
        EventType.NEGOTIATION_WINDOW,
        r"\b(agreement|agreed|truce|deal)\b.{0,160}\b(90[- ]days?|for 90 days|one[- ]year|for a year|1[- ]year)\b"
        r"|\bset\b.{0,20}\b(90|60|30)-day window\b"
        r"|\b(90[- ]days?|one[- ]year)\b.{0,80}\b(truce|agreement|pause in the trade war)\b"
        r"|\bpause in the trade war\b.{0,80}\bagreed\b",
    ),
    (
        EventType.EASING_PAUSE,
        r"\b(suspen\w*|pause[ds]?|lift\w*|postpon\w*|resum\w*)\b.{0,110}\b(export|controls?|restrictions?|curbs?|measures|announcements)\b",
    ),
    (
        EventType.RESTRICTION_TIGHTENING,
        r"\b(impos\w*|implement\w*|announc\w*|introduc\w*|tighten\w*|issu\w*|add\w*)\b.{0,90}"
        r"\bexport (controls?|control measures|restrictions?|curbs?|bans?)\b"
        r"|\bexport controls? on\b.{0,60}\b(rare earth|technolog)"
        r"|\b(halt\w*|block\w*|ban\w*)\b.{0,40}\b(exports?|shipments?)\b",
    ),
    (
        EventType.NEGOTIATION_TALKS,
        r"\b(met|held talks|meeting|summit)\b.{0,80}"
        r"\bin (london|geneva|stockholm|busan|kuala lumpur|madrid|beijing|washington)\b",
    ),
    (
        EventType.RETALIATION_ESCALATION,
        r"\bvisit\w*\b.{0,60}\b(jl mag|rare[- ]earth)|\b(added|put|placed)\b.{0,60}\b(export control list|entity list)",
    ),
]
_ACTION = re.compile(
    r"\b(announc\w+|impos\w+|implement\w*|introduc\w+|issu\w+|approv\w+|grant\w+|suspend\w*|paus\w+|lift\w*|"
    r"resum\w+|halt\w*|block\w*|ban\w*|reduc\w+|cut|set|abolish\w+|filed|ruled|met|held|reached|agreed|visit\w*|"
    r"added|placed|said|confirmed|stated|begun|began|started|postpon\w+|tighten\w+|received|released)\b",
    re.IGNORECASE,
)
_SPECULATION = re.compile(
    r"\b(is|are|was|were) considering\b|\bcould\b|\bmight\b|(?-i:\bmay\b)(?!\s+\d)|\bwould\b|\bexpected to\b|\bhopes?\b"
    r"|\blikely\b|\bplans? to\b|\bpreparing\b|\bspeculat\w*|\bif\b|\bsuggest\w*|\bseems?\b|\bwill\b",
    re.IGNORECASE,
)
_REPORTED = re.compile(
    r"\b(said|announced|confirmed|stated|issued|approved|imposed|suspended|decid\w+)\b", re.IGNORECASE
)

_MONTHS = (
    r"(January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
)
_WEEKDAYS = r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DATE_PATTERNS: list[tuple[str, str]] = [
    (r"\b\d{4}-\d{2}-\d{2}\b", "day"),
    (rf"\b{_MONTHS} \d{{1,2}}(st|nd|rd|th)?,? \d{{4}}\b", "day"),
    (rf"\b\d{{1,2}}(st|nd|rd|th)? {_MONTHS},? \d{{4}}\b", "day"),
    (rf"\b{_MONTHS} \d{{1,2}}(st|nd|rd|th)?\b(?!,? \d{{4}})(?!\s*%)", "day"),
    (rf"\b(on )?{_WEEKDAYS}\b", "day"),
    (r"\b(on )?the \d{1,2}(st|nd|rd|th)\b", "day"),
    (r"\byesterday\b", "day"),
    (r"\b(earlier|later) this week\b|\bthis week\b", "week"),
    (r"\blast week\b|\bprevious week\b", "week"),
    (rf"\b{_MONTHS} (this year|\d{{4}})\b", "month"),
    (r"\blast month\b|\bprevious month\b", "month"),
    (rf"\b[Ii]n {_MONTHS}\b", "month"),
    (r"\b[Ii]n (19|20)\d\d\b|\b(19|20)\d\d\b(?= [A-Z][a-z]+ (trade )?talks)|\b(since|of) (19|20)\d\d\b", "year"),
]
_COUNTRIES = {
    "US": r"\b(U\.S\.|US|United States|Washington|American)\b",
    "EU": r"\b(EU|European Union|Europe|European)\b",
    "CN": r"\b(China|Chinese|Beijing)\b",
    "JP": r"\b(Japan|Japanese)\b",
    "VN": r"\b(Vietnam|Vietnamese)\b",
    "IN": r"\b(India|Indian)\b",
    "Southeast Asia": r"\bSoutheast Asia\w*\b",
}
_EXCLUSION = re.compile(r"(exclud\w*|except|not to|denied|deny|bypass\w*|off the list)", re.IGNORECASE)
# China issues the measures of this vocabulary: it is a target only where the text makes it one.
_TARGETED = re.compile(r"\b(against|targeting|on|to|into)\s+(the\s+)?$", re.IGNORECASE)
_ELEMENTS = (
    "dysprosium", "terbium", "samarium", "gadolinium", "lutetium", "scandium", "yttrium", "holmium", "erbium",
    "thulium", "europium", "ytterbium", "neodymium", "praseodymium", "gallium", "germanium", "antimony",
    "graphite", "tungsten", "magnets", "rare earth",
)  # fmt: skip


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


_DATELINE = re.compile(
    rf"^[ \t]*(?:[A-Z][A-Z .'/-]{{2,40}}|[A-Z][a-z]+(?: [A-Z][a-z]+)?(?=,))"
    rf"(?:,\s*(?:{_MONTHS}\s+\d{{1,2}}(?:,\s*\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}}))?"
    r"\s*(?:\([A-Za-z .'-]+\))?\s*(?:-{1,2}|–|—)\s",
    re.MULTILINE,
)
_ABBREVIATION = re.compile(
    r"\b(?:No|Nos|Mr|Ms|Mrs|Dr|St|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Inc|Corp|Co|Ltd|vs|U\.S|U\.K|e\.g|i\.e)\."
)


def _sentences(text: str):
    """(sentence, (start, end)) pairs; periods of abbreviations such as 'No.' or 'U.S.' do not end sentences."""
    protected = _ABBREVIATION.sub(lambda match: match.group(0).replace(".", "\u2024"), text)
    # A line break ends a sentence after a short line (a headline, a byline) or before a blank line;
    # inside a paragraph wrapped at a fixed width it is only a space.
    breaks = [m.end() for m in re.finditer(r"[.!?](?=\s)", protected)]
    line_start = 0
    for match in re.finditer(r"\n", protected):
        line = protected[line_start : match.start()]
        if len(line.strip()) < 80 or protected[match.end() : match.end() + 1] in ("\n", ""):
            breaks.append(match.end())
        line_start = match.end()
    start = 0
    for end in [*sorted(set(breaks)), len(text)]:
        raw = text[start:end]
        sentence = " ".join(raw.split())
        if len(sentence) > 20:
            offset = start + len(raw) - len(raw.lstrip())
            yield sentence, (offset, start + len(raw.rstrip()))
        start = end


def _parse(expression: str, published: date) -> date | None:
    import dateparser

    base = pd.Timestamp(published).to_pydatetime()
    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "PREFER_DAY_OF_MONTH": "first"}
    parsed = dateparser.parse(expression, languages=["en"], settings=settings)
    return parsed.date() if parsed else None


def _resolve_date(sentence: str, published: date, anchor: int = 0) -> tuple[date, str, bool] | None:
    """The date expression nearest ``anchor`` in the sentence, as (date, precision, explicit), or None.

    Relative phrases ("on Thursday", "last month", "earlier this week") resolve against ``published``.
    """
    found = []
    for order, (pattern, precision) in enumerate(_DATE_PATTERNS):
        for match in re.finditer(pattern, sentence, flags=0 if "[A-Z]" in pattern else re.IGNORECASE):
            found.append((abs(match.start() - anchor), order, match, precision))
    for _, _, match, precision in sorted(found, key=lambda item: (item[0], item[1])):
        expression = match.group(0)
        lowered = expression.lower()
        if re.search(r"the \d{1,2}(st|nd|rd|th)", lowered):
            day = int(re.findall(r"\d{1,2}", lowered)[0])
            candidate = published.replace(day=day) if day <= published.day else None
            if candidate is None:
                previous = published.replace(day=1) - timedelta(days=1)
                candidate = previous.replace(day=min(day, previous.day))
            return candidate, "day", True
        weekday = re.search(_WEEKDAYS, expression)
        if weekday:  # news convention: "on Thursday" in a Thursday paper is that day
            number = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].index(
                weekday.group(0).lower()
            )
            return published - timedelta(days=(published.weekday() - number) % 7), "day", True
        if "this week" in lowered:
            return published, "week", True
        if "this year" in lowered:
            month = _parse(lowered.replace("this year", str(published.year)), published)
            return (month.replace(day=1), "month", True) if month else None
        if precision == "year":
            year = int(re.findall(r"(?:19|20)\d\d", expression)[0])
            return date(year, 1, 1), "year", True
        parsed = _parse(re.sub(r"^(on|in|In) ", "", expression), published)
        if parsed is None or parsed > published + timedelta(days=1):
            continue
        if precision == "month":
            parsed = parsed.replace(day=1)
        return parsed, precision, True
    return None


def _countries(sentence: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    included: list[str] = []
    excluded: list[str] = []
    for code, pattern in _COUNTRIES.items():
        for match in re.finditer(pattern, sentence):
            before = sentence[max(0, match.start() - 30) : match.start()]
            if code == "CN" and not _TARGETED.search(before):
                continue
            after = sentence[match.end() : match.end() + 25]
            target = excluded if _EXCLUSION.search(before) or re.match(r"\s+(is|are)?\s*excluded", after) else included
            if code not in target:
                target.append(code)
    return tuple(c for c in included if c not in excluded), tuple(excluded)


def _window_end(sentence: str, start: date, published: date) -> date | None:
    until = re.search(rf"\b(until|through|to) ({_MONTHS} \d{{1,2}},? \d{{4}})", sentence)
    if until:
        return _parse(until.group(2), published)
    lowered = sentence.lower()
    if re.search(r"\b90[- ]days?\b", lowered):
        return start + timedelta(days=90)
    if re.search(r"\b(one[- ]year|for a year|1[- ]year)\b", lowered):
        return (pd.Timestamp(start) + pd.DateOffset(years=1)).date()
    return None


def extract_events(text: str, published: str | date | None = None) -> list[Candidate]:
    """Candidate events in ``text``; relative dates resolve against ``published`` (default: the dateline).

    Returns candidates sorted by date, each with its type, resolved date and precision (day, week,
    month or year), window end, countries, elements, a confidence in (0, 1) and the evidence
    sentence with its character span.
    """
    if published is None:
        published = find_dateline(text)
    published = pd.Timestamp(published).date() if published is not None else None
    # A dateline's date is the publication's, not an action's: blank it (spans stay valid).
    text = _DATELINE.sub(lambda match: " " * len(match.group(0)), text)
    found: list[Candidate] = []
    for sentence, span in _sentences(text):
        lowered = sentence.lower()
        main_clause = re.split(r"\s(?:that|which|who)\s|,\s(?:which|where|while)\s|\s[—–-]\s", sentence)[0]
        if not _ACTION.search(sentence) or (_SPECULATION.search(main_clause) and not _REPORTED.search(main_clause)):
            continue
        searched = ((kind, re.search(rule, lowered)) for kind, rule in _RULES)
        matches = [(kind, match) for kind, match in searched if match][:2]  # a sentence states one or two actions
        kinds = {kind for kind, _ in matches}
        if EventType.NEGOTIATION_WINDOW in kinds:  # a pause agreed in a truce is the window itself
            matches = [(kind, match) for kind, match in matches if kind is not EventType.EASING_PAUSE]
        if EventType.EASING_PAUSE in kinds:  # the controls a suspension names are its object, not news
            matches = [(kind, match) for kind, match in matches if kind is not EventType.RESTRICTION_TIGHTENING]
        for kind, match in matches:
            found.extend(_candidate(sentence, span, kind, match.start(), published, len(matches) > 1))
    return _merge(found)


def _candidate(
    sentence: str, span: tuple[int, int], kind: EventType, anchor: int, published: date | None, shared: bool
) -> list[Candidate]:
    """The candidate for one action of a sentence, dated by the date expression nearest to it."""
    lowered = sentence.lower()
    resolved = _resolve_date(sentence, published, anchor) if published is not None else None
    if resolved is None:
        if shared or published is None or not re.search(r"\b(has|have)\b", lowered):
            return []  # an undated action is only news when reported in the present perfect
        resolved = (published, "week", False)
    when, precision, explicit = resolved
    confidence = 0.45 + (0.2 if explicit else 0.0) + {"day": 0.15, "week": 0.05, "month": 0.05, "year": 0.0}[precision]
    confidence += 0.1 if re.search(r"ministry|mofcom|commerce|customs|state council|wto", lowered) else 0.0
    confidence -= 0.15 if _SPECULATION.search(sentence) else 0.0
    included, excluded = _countries(sentence)
    elements = tuple(element for element in _ELEMENTS if element in lowered)
    windowed = kind in (EventType.NEGOTIATION_WINDOW, EventType.EASING_PAUSE)
    window_end = _window_end(sentence, when, published or when) if windowed else None
    return [
        Candidate(
            kind, when, precision, min(confidence, 0.95), sentence, span, window_end, included, excluded, elements
        )
    ]


def _same_time(a: date, a_precision: str, b: date, b_precision: str) -> bool:
    """Whether two dates agree at the coarser of their precisions."""
    coarser = max(a_precision, b_precision, key=PRECISIONS.index)
    if coarser == "year":
        return a.year == b.year
    if coarser == "month":
        return (a.year, a.month) == (b.year, b.month)
    if coarser == "week":
        return abs((a - b).days) <= 6
    return a == b


def _merge(candidates: list[Candidate]) -> list[Candidate]:
    kept: list[Candidate] = []
    for candidate in sorted(candidates, key=lambda c: (PRECISIONS.index(c.precision), -c.confidence)):
        if not any(k.type == candidate.type and _same_time(k.date, k.precision, candidate.date, candidate.precision)
                   for k in kept):  # fmt: skip
            kept.append(candidate)
    return sorted(kept, key=lambda c: (c.date, str(c.type)))


def link_events(candidates: list[Candidate], calendar: EventCalendar) -> list[Candidate]:
    """Set ``calendar_id`` to the nearest calendar event of the same type within the date tolerance."""
    from dataclasses import replace

    linked = []
    for candidate in candidates:
        tolerance = _TOLERANCE_DAYS[candidate.precision]
        best, best_gap = None, None
        for event in calendar:
            if event.type != candidate.type:
                continue
            day = event.announced_at.date()
            close = (
                _same_time(day, "day", candidate.date, candidate.precision)
                or abs((day - candidate.date).days) <= tolerance
            )
            gap = abs((day - candidate.date).days)
            if close and (best_gap is None or gap < best_gap):
                best, best_gap = event.id, gap
        linked.append(replace(candidate, calendar_id=best))
    return linked


def find_dateline(text: str) -> date | None:
    """The publication date from a dateline near the top of an article, if there is one."""
    head = "\n".join(line for line in text.splitlines()[:12] if line.strip())
    for pattern in (
        r"\b\d{4}-\d{2}-\d{2}\b",
        rf"\b{_MONTHS} \d{{1,2}},? \d{{4}}\b",
        rf"\b\d{{1,2}} {_MONTHS},? \d{{4}}\b",
    ):
        match = re.search(pattern, head)
        if match:
            parsed = _parse(match.group(0), date(2100, 1, 1))
            if parsed:
                return parsed
    return None
