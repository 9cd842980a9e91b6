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
from dataclasses import dataclass, field
from datetime import date, timedelta

from ._events import EventCalendar, EventType

__all__ = ["PRECISIONS", "Candidate", "extract_events", "find_dateline", "link_events"]

PRECISIONS = ("day", "week", "month", "year")
_TOLERANCE_DAYS = {"day": 3, "week": 7, "month": 31, "year": 366}

# ---------------------------------------------------------------------------------------------
# Dates: every date expression of a clause, resolved against the publication date

_MONTH_NAMES = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
    "nov": 11, "dec": 12,
}  # fmt: skip
_MONTHS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
)
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "several": 3, "a few": 3}
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_PART = r"(?:(?:early|mid|late|the end of|end of|the start of|start of|the beginning of|beginning of)[- ])?"
#: Words that place a clause's action in the future: a scheduled meeting, a truce to be signed.
_FUTURE = re.compile(
    r"\b(will|would|shall|due to|scheduled|slated|set to|to be held|is to|are to|next|upcoming|later this|plans? to"
    r"|ahead of"
    r"|expected to|going to)\b",
    re.IGNORECASE,
)


def _scheduled(clause: str, start: int, end: int) -> bool | None:
    """Whether a date expression at ``start:end`` is ahead: "due to meet on", "in April he will".

    A date right after a reporting verb ("said on Friday that ... will") is when it was said (False);
    one a measure takes effect on ("from Dec. 1", "as of May 14") may be either side (None: the
    nearest such day).
    """
    before, after = clause[max(0, start - 60) : start], clause[end : end + 40]
    if re.search(r"\b(?:said|says|announced|told|reported|stated|confirmed|statement)\b[^,;]{0,15}$", before):
        return False
    if re.search(
        r"\b(?:from|starting|effective|beginning|as of|tak\w+ effect)(?:\s+(?:on|from))?\s+$", before, re.IGNORECASE
    ):
        return None
    if re.match(r"[^.;]{0,30}?\b(?:will|is due|are due|is scheduled|are scheduled|(?:is|are) set to|slated)\b", after):
        return not _REPORTING.search(before)
    # the nearer cue decides: "said he would visit China in April" is ahead, "would ... said on Friday" is not
    cues = [(m.end(), True) for m in _FUTURE.finditer(before)] + [(m.end(), False) for m in _REPORTING.finditer(before)]
    return max(cues)[1] if cues else False


@dataclass(frozen=True)
class _Date:
    start: int
    end: int
    day: date
    precision: str
    vague: bool = False  # "a decade ago", "years ago": an action dated so has no date to give

    def shifted(self, offset: int) -> _Date:
        return _Date(self.start + offset, self.end + offset, self.day, self.precision, self.vague)

    def after(self, published: date) -> bool:
        """Whether the expression lies wholly after the publication date (a future date)."""
        if self.precision == "year":
            return self.day.year > published.year
        if self.precision == "month":
            return (self.day.year, self.day.month) > (published.year, published.month)
        if self.precision == "week":
            return self.day > published + timedelta(days=6)
        return self.day > published + timedelta(days=1)


def _month(name: str) -> int:
    return _MONTH_NAMES[name.lower()[:3]]


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year_for(month: int, day: int, published: date, future: bool | None) -> int:
    """The year of a month (and day) given without one: the latest on or before publication, the next
    (``future``), or the nearest to publication (``None``)."""
    if future is None:
        return min((published.year + shift for shift in (-1, 0, 1)),
                   key=lambda year: abs((_valid(year, month, min(day, 28)) or published) - published))  # fmt: skip
    if future:
        return published.year if (month, day) >= (published.month, published.day) else published.year + 1
    return published.year if (month, day) <= (published.month, published.day) else published.year - 1


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _dates(clause: str, published: date) -> list[_Date]:
    """Every date expression of ``clause``, resolved; overlapping expressions keep the most specific."""
    found: list[_Date] = []

    def future(match: re.Match) -> bool | None:
        """Whether the words just before a date place it ahead ("due to meet on", "will visit in")."""
        return _scheduled(clause, match.start(), match.end())

    def add(match: re.Match, day: date | None, precision: str) -> None:
        if day is not None and 1990 <= day.year <= 2100:
            found.append(_Date(match.start(), match.end(), day, precision))

    for match in re.finditer(r"\b(\d{4})-(\d{2})-(\d{2})\b", clause):
        add(match, _valid(int(match[1]), int(match[2]), int(match[3])), "day")
    for match in re.finditer(rf"\b({_MONTHS}) {_DAY}(?: and {_DAY})?,? ((?:19|20)\d\d)\b", clause):
        add(match, _valid(int(match[4]), _month(match[1]), int(match[2])), "day")
        if match[3]:
            add(match, _valid(int(match[4]), _month(match[1]), int(match[3])), "day")
    for match in re.finditer(rf"\b{_DAY}(?: and {_DAY})? (?:of )?({_MONTHS}),? ((?:19|20)\d\d)\b", clause):
        add(match, _valid(int(match[4]), _month(match[3]), int(match[1])), "day")
        if match[2]:
            add(match, _valid(int(match[4]), _month(match[3]), int(match[2])), "day")
    for match in re.finditer(rf"\b({_MONTHS}) {_DAY}\b(?!,? (?:19|20)\d\d)(?![\d%,.]\d)( this year)?", clause):
        month, day = _month(match[1]), int(match[2])
        year = published.year if match[3] else _year_for(month, day, published, future(match))
        add(match, _valid(year, month, day), "day")
    for match in re.finditer(rf"\b{_DAY} ({_MONTHS})\b(?!,? (?:19|20)\d\d)( this year)?", clause):
        month, day = _month(match[2]), int(match[1])
        year = published.year if match[3] else _year_for(month, day, published, future(match))
        add(match, _valid(year, month, day), "day")
    # seasons: the month that opens them ("in the spring" of a 2025 paper: April 2025)
    for match in re.finditer(
        r"\b(?i:in|during|over|this|last|since) (?:the )?(spring|summer|autumn|fall|winter)(?: of ((?:19|20)\d\d))?\b",
        clause,
    ):
        month = {"spring": 4, "summer": 7, "autumn": 10, "fall": 10, "winter": 1}[match[1]]
        year = int(match[2]) if match[2] else _year_for(month, 1, published, future(match))
        add(match, date(year, month, 1), "month")
    # "the October summit", "its April controls": a month naming the event it is the date of
    for match in re.finditer(rf"\b(?:the|its|last|this|an?) ({_MONTHS}) (?=[a-z])", clause):
        month = _month(match[1])
        add(match, date(_year_for(month, 1, published, future(match)), month, 1), "month")
    for match in re.finditer(rf"\b{_PART}({_MONTHS}),? ((?:19|20)\d\d)\b", clause):
        add(match, date(int(match[2]), _month(match[1]), 1), "month")
    for match in re.finditer(
        rf"\b(?i:in|since|from|by|until|during|through|this|last|before|after|early|mid|late|end of|start of"
        rf"|beginning of)[- ]+(?i:(?:this|last) )?(?i:(?:early|mid|late)[- ])?({_MONTHS})(?![ ,]+(?:\d|(?:19|20)\d\d))"
        rf"( this year| last year)?",
        clause,
    ):
        month = _month(match[1])
        year = (
            (published.year - (match[2] == " last year")) if match[2] else _year_for(month, 1, published, future(match))
        )
        add(match, date(year, month, 1), "month")
    for match in re.finditer(rf"\b(?:(last|next|this) )?({_WEEKDAYS})\b", clause):
        number = _WEEKDAY_NAMES.index(match[2].lower())
        if match[1] == "next" or (future(match) and match[1] != "last"):
            ahead = (number - published.weekday()) % 7 or 7
            add(match, published + timedelta(days=ahead), "day")
        else:  # "on Thursday" in a Thursday paper is that day
            add(match, published - timedelta(days=(published.weekday() - number) % 7), "day")
    for match in re.finditer(
        r"\bthe (\d{1,2})(?:st|nd|rd|th)\b(?=\s*[,.;)]|\s*$| of (?:this|last) month| (?:to|and|when|after) )", clause
    ):
        day = int(match[1])
        if day <= published.day:
            add(match, _valid(published.year, published.month, day), "day")
        else:
            previous = published.replace(day=1) - timedelta(days=1)
            add(match, _valid(previous.year, previous.month, day), "day")
    lowered = clause.lower()
    relative: list[tuple[str, date, str]] = [
        (r"\byesterday\b", published - timedelta(days=1), "day"),
        (
            r"\b(today|earlier (in the day|today)|later (in the day|today)|this (morning|afternoon|evening)"
            r"|tonight)\b",
            published,
            "day",
        ),
        (r"\b(earlier|later) (this|in the) week\b|\bthis week\b|\bthis weekend\b", published, "week"),
        (
            r"\blast week\b|\bthe previous week\b|\bthe week before\b",
            published - timedelta(days=published.weekday() + 7),
            "week",
        ),
        (r"\blast weekend\b", published - timedelta(days=(published.weekday() - 5) % 7 or 7), "week"),
        (r"\bnext week\b", published + timedelta(days=7 - published.weekday()), "week"),
        (r"\b(earlier|later) (this|in the) month\b|\bthis month\b", published.replace(day=1), "month"),
        (r"\blast month\b|\bthe previous month\b|\ba month ago\b", _shift_months(published, -1), "month"),
        (r"\bnext month\b", _shift_months(published, 1), "month"),
        (
            r"\b(earlier|later) this year\b|\bthis year\b",
            date(published.year, 1, 1),
            "year",
        ),
        (r"\blast year\b(?!'s)|\bthe previous year\b|\ba year ago\b", date(published.year - 1, 1, 1), "year"),
        (r"\bnext year\b", date(published.year + 1, 1, 1), "year"),
    ]
    for pattern, moment, precision in relative:
        for match in re.finditer(pattern, lowered):
            add(match, moment, precision)
    for match in re.finditer(r"\b(?:a decade|decades|(?:many|several|a few|some) years|years|long) ago\b", lowered):
        found.append(_Date(match.start(), match.end(), published, "year", vague=True))
    for match in re.finditer(
        r"\b(a few|several|a|one|two|three|four|five|six|\d+) (day|week|month|year)s? ago\b", lowered
    ):
        count = int(match[1]) if match[1].isdigit() else _NUMBERS[match[1]]
        if match[2] == "day":
            add(match, published - timedelta(days=count), "day")
        elif match[2] == "week":
            add(match, published - timedelta(days=7 * count), "week" if count < 3 else "month")
        elif match[2] == "month":
            add(match, _shift_months(published, -count), "month")
        elif match[1] not in ("a few", "several"):
            add(match, date(published.year - count, 1, 1), "year")
    # dates told from the one before them: "announced on Oct. 9 ... responded the next day"
    for match in re.finditer(
        r"\b(the next day|the following day|a day later|the day before|the previous day|a day earlier"
        r"|(?:two|three|four|five|six|\d+) days (?:later|earlier)"
        r"|(?:earlier|later) (?:in|that) "
        r"(?:the )?year|that year|the same year)\b",
        lowered,
    ):
        before = [d for d in found if d.end <= match.start() and not d.vague]
        if before:
            anchor = max(before, key=lambda d: d.end)
            if "day" in match[1] and anchor.precision == "day":
                word = match[1].split()[0]
                days = int(word) if word.isdigit() else _NUMBERS.get(word, 1)  # "the next day", "two days later"
                shift = -days if re.search(r"before|previous|earlier", match[1]) else days
                add(match, anchor.day + timedelta(days=shift), "day")
            elif "year" in match[1]:
                add(match, date(anchor.day.year, 1, 1), "year")
        elif "in the year" in match[1]:  # "earlier in the year", with no date before it: the publication's
            add(match, date(published.year, 1, 1), "year")
        elif match[1] in ("a day earlier", "the day before", "the previous day"):
            add(match, published - timedelta(days=1), "day")
    # a year dates an action after a preposition or before punctuation; "2012 export quotas" and
    # "quotas for 2013" name what the action concerns, "GATT 1994" a text
    for match in re.finditer(
        r"\b(?i:in|since|from|as early as|by|during|until|before|after|through|early|late|mid-?"
        r"|(?:first|second) half of"
        r"|(?:first|second|third|fourth|last) quarter of)\s+((?:19|20)\d\d)\b"
        r"(?![\d-])|(?<![A-Z][A-Z] )(?<!for )(?<!as )(?<!than )(?<!GATT )\b((?:19|20)\d\d)(?=\s*[,.;)]|\s*$)(?![,.]\d)",
        clause,
    ):
        add(match, date(int(match[1] or match[2]), 1, 1), "year")
    kept: list[_Date] = []
    for item in sorted(found, key=lambda d: (PRECISIONS.index(d.precision), d.start - d.end)):
        # inside or across a more specific expression ("2025" in "April 4, 2025"): not a date of its own
        if not any(item.start < k.end and k.start < item.end and (k.start, k.end) != (item.start, item.end)
                   for k in kept) and item not in kept:  # fmt: skip
            kept.append(item)
    return sorted(kept, key=lambda d: d.start)


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
    rf"(?:,?\s*(?:{_MONTHS}\s+\d{{1,2}}(?:,\s*\d{{4}})?|\d{{1,2}}\s+{_MONTHS}(?:\s+\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}}))?"
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


# ---------------------------------------------------------------------------------------------
# Actions: a verb and the object that gives the type, in active or passive voice


def _gap(limit: int, forbidden: str = "") -> str:
    """Up to ``limit`` characters inside a clause, none of them starting a ``forbidden`` word."""
    return rf"(?:(?!\b(?:{forbidden}))[^;]){{0,{limit}}}?" if forbidden else rf"[^;]{{0,{limit}}}?"


_BE = (
    r"(?:(?:were|was|is|are|have|has|had|been|being|will|would|to)\s+(?:(?:\w+ly|also|now|already|since|just)\s+)*"
    r"(?:been\s+|be\s+)?)?"
)
_EASING_VERBS = (
    r"suspen\w*|lift\w*|remov\w*|scrap\w*|abolish\w*|cancel\w*|drop\w*|eas\w*|relax\w*|roll\w* back|postpon\w*"
    r"|delay\w*|paus\w*|exempt\w*|waiv\w*|withdr[ae]w\w*|rescind\w*|revok\w*|end|ended|ends|ending|halt\w*"
    r"|eliminat\w*|abandon\w*|ax(?:e|ed|es|ing)|dismantl\w*|revers\w*"
)
_CONTROLS = (
    r"export[- ]control\w*(?: measures| rules| regime)?|controls?|restrictions?|curbs?|limits|bans?|embargo"
    r"|licen[cs](?:e|ing) (?:requirements?|rules|regime|system|controls?)|requirements? for (?:export )?"
    r"(?:permits|licen[cs]es)|new rules|reporting (?:criteria|requirements?|rules)|stricter (?:rules|inspections)"
    r"|export dut(?:y|ies)|export tax\w*|oversight|licensing (?:procedures?|process)|catalogue|catalog"
    r"|(?:tighter|stricter) (?:regulation|rules|controls|requirements)|regulation of (?:\w+ )?exports"
)
_GOODS = r"exports?|shipments?|deliveries|sales|supplies|supply"
_PERMITS = r"(?:export |import )?(?:licen[cs]es?|permits?|applications?|approvals?|customs approval|clearances?)"
_WTO = r"\bwto\b|world trade organi[sz]ation|dispute settlement|\bdsb\b|appellate body|dispute panel|\bpanel\b"
_TARGETS = r"entities|companies|firms|contractors|end[- ]users|military users|defen[cs]e (?:firms|companies|industry)"
_US_OR_JAPAN = r"japan|the us|the u\.s\.|the united states|us|u\.s\."
#: Legal and licensing frameworks: their adoption or change is a licensing reform.
_FRAMEWORKS = "|".join(
    [
        r"export control law|\w+ law on export control|(?:into|a) law\b",
        r"(?:export control|management|dual-use[\w ]{0,20}) regulations?|regulations? (?:on|governing|for) ",
        r"regulations? (?:of|on) (?:the )?[\w' ]{0,40}(?:export control|dual-use)",
        r"general (?:[\w-]+ ){0,3}licen[cs]\w*|streamlined (?:\w+ ){0,3}licen[cs]\w*",
        r"expedited (?:process|procedure|review|channel|approval)|fast[- ]track\w*|green channel|white ?list",
        r"licensing (?:system|framework|mechanism|reform|procedures?|process|guidance)",
        r"control list (?:for|of) dual-use|guidelines? (?:on|for) (?:export|licen)",
    ]
)
_LR_VERBS = (
    r"adopt\w*|pass\w*|enact\w*|approv\w*|releas\w*|issu\w*|publish\w*|promulgat\w*|introduc\w*|unveil\w*|launch\w*"
    r"|announc\w*|set up|establish\w*|creat\w*|revis\w*|amend\w*|updat\w*|grant\w*|runs|ran|began|start\w*"
    r"|implement\w*|streamlin\w*|simplif\w*|obtain\w*|roll\w* out"
)
_TIGHTENING_VERBS = (
    r"impos\w*|introduc\w*|announc\w*|unveil\w*|order\w*|issu\w*|roll\w* out|tighten\w*|widen\w*|expand\w*"
    r"|brought in|bring\w* in|extend\w*|add(?:ed|s|ing)?|slap\w*|adopt\w*|implement\w*|enact\w*|launch\w*|step\w* up"
    r"|beg[au]n|start(?:ed|ing)"
    r"|strengthen\w*|put|plac\w*|appl(?:y|ied|ies)|broaden\w*|escalat\w*"
)
#: Per type, the alternative phrasings of its action, on the lowercased clause (a clause may hold several).
_ACTIONS: dict[EventType, list[str]] = {
    EventType.WTO_RULING: [
        rf"(?:{_WTO}|ruling)[^;]{{0,80}}?\b(?:ruled|rules against|found|finds|finding|upheld|uphold\w*|confirm\w*"
        r"|concluded"
        r"|sided|broke|breached|violated|inconsistent|report (?:found|said)|defeated|rejected"
        r"|(?:issued|handed down|published|released|delivered|circulated) (?:a |an |its |the )?(?:final )?"
        r"(?:ruling|report|decision|verdict)|ruling (?:issued|handed down|published|released|delivered)"
        r"|reports?\b[^;]{0,30}\b(?:was |were )?(?:circulated|adopted))\b",
        r"\b(?:lost|won)\b[^;]{0,60}\b(?:wto|world trade|appeal)",
        rf"\b(?:ruled|found)\b[^;]{{0,60}}(?:{_WTO})",
        r"\bruling\b[^;]{0,50}?\b(?:issued|handed down|published|released|delivered|circulated"
        r"|in (?:\w+'s )?favou?r|against china)\b",
        r"\bruling (?:from|in|of) (?:last year|(?:19|20)\d\d|earlier)",
    ],
    EventType.WTO_DISPUTE: [
        r"\b(?:fil\w*|lodg\w*|launch\w*|brought|bring\w*|submit\w*|initiat\w*|made|notif\w*)\b[^;]{0,40}?"
        rf"\b(?:complaints?|cases?|challenges?|disputes?|requests?|appeals?|notices?)\b[^;]{{0,80}}?(?:{_WTO})",
        rf"(?:{_WTO})[^;]{{0,80}}?\b(?:fil\w*|lodg\w*|launch\w*|brought|initiat\w*)\b[^;]{{0,30}}?"
        r"\b(?:complaint|case|challenge|dispute|appeal)\b",
        r"\b(?:fil\w*|lodg\w*|launch\w*|brought)\b[^;]{0,10}?\b(?:a |an |the )?(?:wto|world trade organi[sz]ation)\b"
        r"[^;]{0,20}?\b(?:complaint|case|challenge|dispute)",
        r"\b(?:complained|challeng(?:ed|es|ing)|contest(?:ed|s|ing)|sued|teamed up|joined forces|asked"
        rf"|request(?:ed|s|ing)|appealed|alleged|accused|took \w+ to|turned to)\b[^;]{{0,80}}?(?:{_WTO})",
        rf"(?:{_WTO})[^;]{{0,60}}?\b(?:established|set up|formed|blocked|agreed to (?:set up|establish))\b"
        r"[^;]{0,30}\bpanels?\b",
        r"\brequest\w* (?:for )?(?:the )?(?:establishment of (?:a )?)?(?:dispute )?(?:panels?|consultations)\b",
        r"\bconsultations\b[^;]{0,30}\b(?:held|were held|took place)\b",
        r"\b(?:complaints?|cases?|challenges?|disputes?)\b[^;]{0,20}\b(?:was|were) (?:lodged|filed|brought|launched)\b",
        r"\bappeal(?:ed|s|ing)?\b[^;]{0,30}\b(?:the |a |an |its )?(?:\w+ )?(?:ruling|decision|verdict|panel report)\b",
        r"\b(?:contest\w*|challeng\w*)\b[^;]{0,30}\b(?:china's|beijing's) (?:curbs|restrictions|export|quotas)",
    ],
    EventType.QUOTA_CHANGE: [
        r"\b(?:set|fix\w*|cut\w*|issu\w*|announc\w*|rais\w*|reduc\w*|slash\w*|abolish\w*|scrap\w*|end\w*|releas\w*"
        r"|allocat\w*|lower\w*|increas\w*|lift\w*|remov\w*|grant\w*|unveil\w*|publish\w*|tighten\w*|trim\w*|batch"
        r"|gone|kept|keep\w*|maintain\w*)\b[^;]{0,80}?\b(?:quotas?|export cuts?|export (?:quota )?allocations?)\b",
        r"\b\d+\s?(?:pc|%|percent|per cent) (?:reduction|cut|increase|rise) in (?:\w+ ){0,3}"
        r"(?:export quotas?|exports)\b",
        r"\bquotas?\b[^;]{0,60}?\b(?:set|fixed|cut|issued|announced|raised|reduced|slashed|abolished|scrapped|ended"
        r"|released|allocated|lowered|increased|lifted|removed|gone|at [\d,]+|unchanged)\b",
    ],
    EventType.LICENSING_REFORM: [
        rf"\b(?:{_LR_VERBS})\b[^;]{{0,80}}?\b(?:{_FRAMEWORKS})",
        rf"\b(?:{_FRAMEWORKS})[^;]{{0,60}}?\b{_BE}(?:adopted|passed|enacted|approved|released|issued|published|announced"
        r"|promulgated|introduced|unveiled|launched|established|revised|amended|took effect|came into (?:force|effect)"
        r"|granted|obtained)\b",
    ],
    EventType.NEGOTIATION_WINDOW: [
        r"\b(?:truce|ceasefire|trade pact|joint statement|deal|agreement|arrangement|accord|consensus)\b[^;]{0,120}?"
        r"\b(?:90[- ]days?|ninety[- ]day|one[- ]year|1[- ]year|12[- ]months?|for (?:a|one) year|for 90 days"
        r"|until (?:\w+ \d|\w+ (?:19|20)\d\d)|expir\w+|extend\w*)\b",
        r"\b(?:90[- ]day|one[- ]year|1[- ]year|12[- ]month)\b[^;]{0,60}?\b(?:truce|deal|agreement|pact|ceasefire)\b",
        r"\b(?:reach\w*|agre\w*|struck|strike|sign\w*|issu\w*|seal\w*|clinch\w*|extend\w*)\b[^;]{0,60}?"
        r"\b(?:truce|ceasefire|trade pact|joint statement)\b",
        r"\b(?:truce|ceasefire|trade pact|accord)\b[^;]{0,60}?\b(?:reached|agreed|struck|signed|sealed|extended)\b",
        r"\b(?:geneva|busan|kuala lumpur) (?:agreement|accord|deal|truce|consensus)\b",
        r"\bagree\w*\b[^;]{0,40}\b(?:to |on )?(?:a |an )?(?:90[- ]day|one[- ]year|1[- ]year|\d+[- ](?:day|month))\b"
        r"[^;]{0,20}\b(?:pause|truce|suspension|reprieve|extension|window|deal)",
        r"\bagree\w*\b[^;]{0,30}\bto (?:pause|suspend|delay|extend|halt|postpone)\w*\b[^;]{0,80}"
        r"\b(?:for (?:a|one) year|for 90 days|90[- ]day|one[- ]year|until)\b",
        # a pause of controls agreed with another government is the window itself (GUIDE.md, section 5)
        r"\bagree\w*(?: \w+){0,3} to (?:pause|suspend|delay|postpone|roll back|ease|lift)\b[^;]{0,60}"
        r"\b(?:controls?|restrictions"
        r"|curbs|measures)\b",
    ],
    EventType.EASING_PAUSE: [
        rf"\b(?:{_EASING_VERBS})\b{_gap(70, 'quota')}\b(?:{_CONTROLS}|measures|countermeasures|tariffs?|duties|duty"
        r"|implementation|announcements?|unreliable entity list)\b(?! (?:on|of) (?:chip|semiconductor))",
        rf"\b(?:resum\w*|restor\w*|reopen\w*|let|allow\w*|restart\w*)\b[^;]{{0,50}}?\b(?:{_GOODS})\b",
        rf"\b(?:{_GOODS})\b[^;]{{0,40}}?\b(?:resum\w*|restart\w*|flowing again)\b",
        rf"\b(?:{_CONTROLS}|measures|countermeasures|tariffs?|duties|duty)\b[^;]{{0,50}}?\b{_BE}(?:lifted|suspended"
        r"|removed|scrapped|eased|abolished|paused|postponed|waived|cancel+ed|dropped|rescinded|relaxed|halted)\b",
    ],
    EventType.PERMIT_APPROVAL: [
        r"\b(?:approv\w*|grant\w*|issu\w*|award\w*|clear\w*|receiv\w*|green-?light\w*|sign\w* off|giv\w*|secur\w*)\b"
        rf"{_gap(60, 'requir|apply|applie|seek|general|need')}\b{_PERMITS}\b",
        rf"\b{_PERMITS}\b[^;]{{0,50}}?\b{_BE}(?:approved|granted|issued|cleared|awarded)\b",
    ],
    EventType.RESTRICTION_TIGHTENING: [
        r"\b(?:introduc\w*|impos\w*|requir\w*|adopt\w*|brought in|bring\w* in)\b[^;]{0,30}"
        r"\bexport (?:permits?|licen[cs]\w*)\b",
        rf"\b(?:{_TIGHTENING_VERBS})\b{_gap(80, _EASING_VERBS + '|general|lift')}\b(?:{_CONTROLS})\b",
        rf"\b(?:{_CONTROLS}|measures)\b[^;]{{0,50}}?\b{_BE}(?:imposed|introduced|announced|tightened|expanded"
        r"|widened|took effect|came into (?:effect|force)|went into effect|in place|kicked in|rolled out|issued"
        r"|published"
        r"|implemented)\b",
        r"\b(?:halt\w*|block\w*|stop\w*|suspend\w*|ban\w*|bar|barred|embargo\w*|withh[eo]ld\w*|cut\w* off|choke\w*"
        r"|restrict(?:ed|ing)|curb(?:ed|ing)|limit(?:ed|ing)|tighten(?:ed|ing)"
        rf"|freez\w*|prohibit\w*)\b[^;]{{0,50}}?\b(?:{_GOODS})\b",
        r"\b(?:exports?|shipments?) (?:ban|halt|embargo|freeze|suspension|stoppage)\b|\bembargo\b",
        rf"\b(?:{_GOODS})\b[^;]{{0,40}}\b(?:c[oa]me|ground|grinding) to a (?:\w+ )?(?:halt|standstill)\b",
        r"\b(?:which|that) (?:were|was|had been|have been) (?:imposed|introduced|announced|tightened)\b",
        rf"\b(?:pause|halt|suspension|stoppage|freeze) (?:in|of|on) (?:\w+ ){{0,3}}?(?:{_GOODS})\b",
        r"\b(?:licen[cs]\w*|permits?) (?:requirements? )?(?:in place|required)\b",
        r"\bcovered by\b[^;]{0,40}\b(?:licen|control)",
        r"\brequir\w*\b[^;]{0,50}?\b(?:export )?(?:permits?|licen[cs]es?|licensing|approval)\b",
        r"\bstop\w* (?:issuing|granting|approving) (?:export )?(?:licen|permit)",
        r"\b(?:need|needs|must|required|have|has) to report\b",
        r"\bexports?\b[^;]{0,60}\b(?:will be |would be |to be |are |is |be )?(?:controlled|restricted"
        r"|subject(?:ed)? to (?:export )?(?:controls?|licen\w*|restrictions))\b",
        r"\b(?:a )?(?:further )?tightening of\b[^;]{0,40}\b(?:controls?|regulations?|rules|restrictions|exports?)\b",
        r"\bdesignat\w* (?:\w+ ){0,3}as dual-use\b|\bon (?:its|the|china's) (?:export )?control list\b",
    ],
    EventType.RETALIATION_ESCALATION: [
        rf"\b(?:{_TARGETS})\b[^;]{{0,160}}?\b(?:export control list|unreliable entit\w* list|blacklist\w*"
        r"|entity list|control list)\b",
        rf"\b(?:export control list|unreliable entit\w* list|blacklist\w*)\b[^;]{{0,80}}?\b(?:{_TARGETS})",
        rf"\bban\w*\b[^;]{{0,60}}?\bexports?\b[^;]{{0,80}}?\bto (?:\d+ |more than \w+ )?(?:us |u\.s\. |american )?"
        rf"(?:{_TARGETS})",
        rf"\bban\w*\b[^;]{{0,60}}?\bexports?\b[^;]{{0,100}}?\bto (?:{_US_OR_JAPAN})",
        r"\b(?:ban|prohibit)\w*\b[^;]{0,80}\bdual-use (?:items?|goods)\b[^;]{0,80}\b(?:to|for) "
        r"(?:japan|the u|us|u\.s|military)",
        r"\b(?:hit back|hits back|hitting back|retaliat\w*)\b[^;]{0,40}\b(?:japan|tokyo|the us|the u\.s\.|washington)"
        r"\b",
        r"\bunreliable entit\w* list\b|\bblacklist\w*\b",
        r"\b(?:announc|impos|slap|levy|levied)\w*\b[^;]{0,40}\b(?:100|1[0-9]{2})(?:%| percent) tariffs?\b",
        r"\bxi\b[^;]{0,80}?\b(?:visit\w*|travel\w*|inspect\w*|tour\w*)\b[^;]{0,80}?"
        r"(?:jl mag|rare[- ]earth|jiangxi|ganzhou)",
        r"\b(?:visit|trip|tour|inspection)\w* by\b[^;]{0,40}\bxi\b[^;]{0,80}?(?:jl mag|rare[- ]earth|jiangxi|ganzhou)",
    ],
    EventType.NEGOTIATION_TALKS: [
        r"\b(?:talks|talked|meeting|meetings|summit|phone call|video call|consultations|dialogue|negotiations|visit"
        r"|visited|visits|travel(?:l?ed)? to|hosted|worked out|sat down|joint press conference)\b",
        r"\b(?:a|the|his|her|their) (?:\w+ ){0,2}(?:phone |video )?call with\b",
        r"\b(?:met|meet|meets|spoke|speak|called)\b(?= (?:with|in|on|at|his|her|their|by phone|(?:[\w.-]+ ){0,3}"
        r"(?:vice-)?(?:premier|president|minister|secretary|officials?|counterparts?|leaders?|negotiators?|chief"
        r"|representative|envoy|delegation)))",
    ],
}

#: A tightening told as a reprisal against one country is a retaliation (GUIDE.md, section 5).
_RETALIATORY = re.compile(
    r"\b(?:in retaliation|as retaliation|retaliation for|in response to (?:washington|the us|the u\.s\.|japan|tokyo))"
)
_COMPLAINT = re.compile(
    r"\b(?:complained|(?:filed|lodged|launched) (?:a |an |the )?complaint|challenged|contested|accused"
    r"|brought (?:\w+ ){0,2}cases?|appealed|appealing|(?:notice|decision) to appeal|notice of appeal"
    r"|establish\w* (?:a |the )?(?:dispute settlement |dispute )?panel|request\w* (?:for )?(?:the "
    r"establishment of )?(?:a )?panel)\b"
)
_TIGHTENED = re.compile(
    r"\b(?:impos|introduc|announc|unveil|order|tighten|widen|expand|slap|adopt|implement|enact|launch|requir"
    r"|designat)\w*|\badd(?:ed|s|ing)?\b|\b(?:halted|blocked|stopped|suspended|banned|barred|prohibited|put|placed)\b"
)
_EASED = re.compile(rf"\b(?:{_EASING_VERBS}|resum\w*|restor\w*)\b")
_COMPILED = [
    (kind, re.compile("|".join(f"(?:{phrasing})" for phrasing in phrasings))) for kind, phrasings in _ACTIONS.items()
]
#: Types whose action may lie after publication (a scheduled meeting, a truce to be signed).
_SCHEDULED = {EventType.NEGOTIATION_TALKS, EventType.NEGOTIATION_WINDOW}
_SPECULATION = re.compile(
    r"\b(?:could|might|considering|consider|mull\w*|weigh\w*|expects?|expected|anticipat\w*|likely|possibl\w*"
    r"|potential\w*|threat\w*|warn\w*|hopes?|hoped|aims? to|seeks?|sought|propos\w*|if|whether|unless|reportedly"
    r"|rumou?r\w*|plans? to|planning|intends?|would like|wants? to|ready to|prepared to|vow\w*|pledg\w*|promis\w*"
    r"|urg\w*|called on|calls? for|asked (?:china|beijing)|should|speculat\w*|predict\w*"
    r"|forecast\w*|estimat\w*|analysts?|observers|touted|mooted)\b|(?-i:\bmay\b)(?! \d)",
    re.IGNORECASE,
)
#: An action just after these words is a possibility, not a fact ("a deal that would pause tariffs").
_HYPOTHETICAL = re.compile(
    r"\b(?:would|could|might|may|can|to be|able to|meant to|designed to|intended to|aimed at)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
#: A relative clause describing an object ("dual-use items that could be used for ..."): not the action's mood.
_RELATIVE = re.compile(
    r"(?<!said )(?<!says )(?<!announced )\b(?:that|which|who)\s+(?:could|can|may|might|would)\b.*$", re.IGNORECASE
)
#: A law or measure cited as the basis of another act ("acting under the Export Control Law"): not an action.
_CITATION = re.compile(
    r"\b(?:under|including|in accordance with|pursuant to|based on)\b"
    r"(?: the| its| relevant| china's| \w+'s)*[^;,]{0,40}$",
    re.IGNORECASE,
)
#: "said on Tuesday it would require ...": the announcement is the action, dated when it was said.
_REPORTED_MODAL = re.compile(
    r"\b(?:said|says|announced|announces|confirmed|stated|declar\w*|announcement|statement|notice|decision)\b[^;]{0,60}?"
    r"\b(?:would|will)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
#: "confirmed plans to eliminate tariffs": a plan announced is a decision, not an intention.
_DECIDED = re.compile(r"\b(confirmed|announced|unveiled|approved|outlined|detailed)\s+(?:its\s+|the\s+)?plans?\s+to\b")
#: Actions on these objects are outside the vocabulary (US chip export controls, for one).
_OUT_OF_SCOPE = re.compile(
    r"\b(?:semiconductor|chip|chips|chipmaking equipment|fentanyl|soybeans?|steel|tourism|seafood|visas?)\b"
    r"|\b(?:state council|cabinet|politburo|standing committee|executive) meeting\b",  # domestic, not talks
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:no|not|never|nothing|none|neither|nor|denied|deny|denies|without|fail\w* to|refus\w* to)\b|n't\b"
    r"|(?:twice|half|higher|lower|larger|smaller) (?:than|the)\b|\bcompared (?:with|to)\b|\bversus\b"
    r"|\bsame (?:level )?as\b",
    re.IGNORECASE,
)
#: A headline, a caption or a byline: no sentence ending, or a bracketed note. Their news is in the body.
_HEADLINE = re.compile(
    r"^\[.*\]$|[^.!?\"'”’:)]$|^\(?photo\b|\b(?:left|right|centre|center), (?:and|shake|speak|talk)", re.IGNORECASE
)
_REPORTING = re.compile(
    r"\b(?:said|says|announced|announces|confirmed|stated|told|according to|statement|notice|showed)\b", re.IGNORECASE
)
_PERFECT = re.compile(
    r"\b(?:has|have)\s+(?:(?:\w+ly|now|already|just|also|since|finally)\s+)*(?:been\s+)?\w+(?:ed|en|t|wn|ung)\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(
    r";\s+|,\s+(?:and\s+)?(?=(?:but|while|whereas|although|though|after|before|following|when|where|who|even as"
    r"|which(?! (?:was|were|is|are|had|has|have)\b)"
    r"|and then)\b)"
    r"|\s+(?=(?:but|while|whereas|after|before|following)\s)"
    r"|\s+and\s+(?=(?:also\s+|then\s+|later\s+)?(?:added|put|placed|imposed|banned|suspended|halted|announced|issued"
    r"|approved|granted|widened|extended|lifted|removed|resumed|agreed|reached|signed|filed|ruled|said|adopted"
    r"|passed|released|blacklisted)\b)",
    re.IGNORECASE,
)
_CONTEXT = re.compile(
    r"rare[- ]earth|export|mineral|magnet|gallium|germanium|graphite|antimony|tungsten|tariff|trade|quota|wto"
    r"|dual-use|licen[cs]|permit|xi\b|trump|commerce|beijing|washington|china|chinese|dispute settlement|appellate"
    r"|\bpanel\b|\bdsb\b",
    re.IGNORECASE,
)


#: Talks are told by who met whom: officials' titles stand in for the topic words.
_OFFICIALS = re.compile(
    r"\b(?:premier|president|minister|secretary|commissioner|trade chief|negotiator)\b", re.IGNORECASE
)


def _clauses(sentence: str) -> list[tuple[int, str]]:
    """(offset, clause) pairs of a sentence."""
    clauses, start = [], 0
    for match in _CLAUSE.finditer(sentence):
        clauses.append((start, sentence[start : match.start()]))
        start = match.end()
    clauses.append((start, sentence[start:]))
    return [(offset, clause) for offset, clause in clauses if clause.strip()]


def _actions(clause: str, wto_story: bool = False) -> list[tuple[EventType, int, int]]:
    """The typed actions of a clause, (type, start, end), after the object-based priorities between types.

    In a story about a WTO case (``wto_story``), complaining about or challenging China's measures is
    the dispute even where the clause does not name the WTO ("the three complained in March").
    """
    lowered = clause.lower()
    spans = {kind: [match.span() for match in pattern.finditer(lowered)] for kind, pattern in _COMPILED}
    if wto_story and not spans[EventType.WTO_DISPUTE]:
        spans[EventType.WTO_DISPUTE] = [match.span() for match in _COMPLAINT.finditer(lowered)]
    found = {kind: matches[0] for kind, matches in spans.items() if matches}
    kinds = set(found)
    drop: set[EventType] = set()
    if kinds & {EventType.WTO_DISPUTE, EventType.WTO_RULING}:  # a WTO clause is about the WTO case
        drop |= kinds - {EventType.WTO_DISPUTE, EventType.WTO_RULING, EventType.QUOTA_CHANGE}
        if EventType.WTO_RULING in kinds and not re.search(
            r"complained|challenged|contested|consultations|request|filed|lodg|alleg|teamed up|took|brought", lowered
        ):
            drop.add(EventType.WTO_DISPUTE)
        elif (
            EventType.WTO_RULING in kinds and not re.search(r"ruled|ruling|found|upheld|verdict|lost|won", lowered)
        ) or (
            EventType.WTO_RULING in kinds and re.search(r"to rule\b|seeking a ruling|asked[^;]{0,60}to rule", lowered)
        ):
            drop.add(EventType.WTO_RULING)
    if EventType.QUOTA_CHANGE in kinds:  # abolishing quotas is a quota change, not an easing
        drop |= {EventType.EASING_PAUSE, EventType.RESTRICTION_TIGHTENING}
    if EventType.NEGOTIATION_WINDOW in kinds:  # a suspension agreed in a truce is the window itself
        drop |= {EventType.EASING_PAUSE, EventType.NEGOTIATION_TALKS}
    if EventType.LICENSING_REFORM in kinds:  # general licences, new frameworks: not ordinary permits
        drop |= {EventType.PERMIT_APPROVAL, EventType.RESTRICTION_TIGHTENING}
    if EventType.RETALIATION_ESCALATION in kinds and EventType.RESTRICTION_TIGHTENING in kinds:
        retaliation, tightening = found[EventType.RETALIATION_ESCALATION], found[EventType.RESTRICTION_TIGHTENING]
        if retaliation[0] < tightening[1]:  # "hit back at Japan by banning exports", "a ban aimed at 16 US firms"
            drop.add(EventType.RESTRICTION_TIGHTENING)
    easing_first = (
        EventType.EASING_PAUSE in kinds
        and EventType.RETALIATION_ESCALATION in kinds
        and (found[EventType.EASING_PAUSE][0] < found[EventType.RETALIATION_ESCALATION][0])
    )
    if easing_first:  # lifting a blacklist eases
        drop.add(EventType.RETALIATION_ESCALATION)
    if EventType.EASING_PAUSE in kinds and EventType.RESTRICTION_TIGHTENING in kinds:
        easing, tightening = found[EventType.EASING_PAUSE], found[EventType.RESTRICTION_TIGHTENING]
        # the tightening is what the easing lifts ("lifted its ban on exports"), unless it has a verb of its
        # own ("the removal of the controls China imposed in April")
        if easing[0] <= tightening[0] < easing[1] and not _TIGHTENED.search(lowered, easing[1], tightening[1]):
            drop.add(EventType.RESTRICTION_TIGHTENING)
        elif tightening[0] <= easing[0] < tightening[1] and not _EASED.search(lowered, tightening[1], easing[1]):
            drop.add(EventType.EASING_PAUSE)
    if EventType.PERMIT_APPROVAL in kinds and EventType.RESTRICTION_TIGHTENING in kinds:
        approving = re.search(r"approv|grant|issued (?:export )?(?:licen|permit)|receiv|clear", lowered)
        drop.add(EventType.RESTRICTION_TIGHTENING if approving else EventType.PERMIT_APPROVAL)
    kept = kinds - drop
    if EventType.RESTRICTION_TIGHTENING in kept and _RETALIATORY.search(lowered):  # "measures seen as retaliation"
        kept = (kept - {EventType.RESTRICTION_TIGHTENING}) | {EventType.RETALIATION_ESCALATION}
        spans[EventType.RETALIATION_ESCALATION] = spans[EventType.RESTRICTION_TIGHTENING]
    return sorted((kind, *span) for kind in kept for span in spans[kind])


# ---------------------------------------------------------------------------------------------
# Extraction


def extract_events(text: str, published: str | date | None = None) -> list[Candidate]:
    """Candidate events in ``text``; relative dates resolve against ``published`` (default: the dateline).

    Returns candidates sorted by date, each with its type, resolved date and precision (day, week,
    month or year), window end, countries, elements, a confidence in (0, 1) and the evidence
    sentence with its character span. ``extra`` holds ``trigger`` and ``date_span``: the character
    spans (in ``text``) of the words naming the action and of the date expression (absent when the
    date is the publication's).
    """
    if published is None:
        published = find_dateline(text)
    if published is None:
        return []
    published = _as_date(published)
    # A dateline's date is the publication's, not an action's: blank it (spans stay valid).
    text = _DATELINE.sub(lambda match: " " * len(match.group(0)), text)
    found: list[Candidate] = []
    wto_story = bool(re.search(_WTO, text, re.IGNORECASE))
    body = 0  # sentences of the body so far (headlines, captions and bylines are not the body)
    for sentence, span in _sentences(text):
        if _HEADLINE.search(sentence):
            continue
        body += 1
        if not _CONTEXT.search(sentence) and not _OFFICIALS.search(sentence):
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
        for start, clause, actions, dates in clauses:
            kept = []
            for kind, first, last in actions:
                stated = _DECIDED.sub(r"\1", _RELATIVE.sub("", clause[:last]))  # the words up to the action
                if (
                    _SPECULATION.search(stated)
                    or _NEGATION.search(clause, max(0, first - 40), last)
                    or _CITATION.search(clause[:first])
                ):
                    continue
                if _OUT_OF_SCOPE.search(clause, max(0, first - 30), last + 40):  # chip controls, general tariffs
                    continue
                ahead = bool(_scheduled(clause, first, last))
                hypothetical = _HYPOTHETICAL.search(clause[:first]) and not _REPORTED_MODAL.search(clause[:first])
                if hypothetical and not (ahead and kind in _SCHEDULED):
                    continue
                kept.append((kind, first, last, ahead))
            if len(kept) > 1 and any(kind is not EventType.NEGOTIATION_TALKS for kind, *_ in kept):
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
                    if (ahead and not reported) or not (body <= 2 or _PERFECT.search(clause)):
                        continue  # undated background, or a promise without a date
                    chosen = [_Date(-1, -1, published, "week")]
                found += [_candidate(sentence, span, offsets, kind, action, day, published) for day in chosen]
    return _merge(found, published)


def _as_date(value: str | date) -> date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _offsets(text: str, span: tuple[int, int], sentence: str) -> list[int]:
    """For each character of the normalised ``sentence``, its offset in ``text`` (whitespace was collapsed)."""
    positions, cursor = [], span[0]
    for character in sentence:
        while cursor < span[1] and text[cursor] != character and (character != " " or not text[cursor].isspace()):
            cursor += 1
        positions.append(cursor)
        if character == " ":
            while cursor < span[1] and text[cursor].isspace():
                cursor += 1
        else:
            cursor += 1
    positions.append(span[1])
    return positions


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
    explicit = [
        d for d in _dates(head, date(2100, 1, 1)) if d.precision == "day" and re.search(r"\d{4}", head[d.start : d.end])
    ]
    return explicit[0].day if explicit else None
