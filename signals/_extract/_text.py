"""Sentences, clauses and dates: where a text's sentences are, and which day each date expression names.

Decides: sentence and clause boundaries (abbreviations, headlines, wrapped lines); every date
expression of a clause resolved against the publication date with its precision (day, week,
month, year), whether it lies ahead (scheduled) or is only vague ("a decade ago"); whether two
dates agree at their precisions; the dateline's date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from datetime import date, timedelta

PRECISIONS = ("day", "week", "month", "year")

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
_REPORTING = re.compile(
    r"\b(?:said|says|announced|announces|confirmed|stated|told|according to|statement|notice|showed)\b", re.IGNORECASE
)
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


def _clauses(sentence: str) -> list[tuple[int, str]]:
    """(offset, clause) pairs of a sentence."""
    clauses, start = [], 0
    for match in _CLAUSE.finditer(sentence):
        clauses.append((start, sentence[start : match.start()]))
        start = match.end()
    clauses.append((start, sentence[start:]))
    return [(offset, clause) for offset, clause in clauses if clause.strip()]


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


def find_dateline(text: str) -> date | None:
    """The publication date from a dateline near the top of an article, if there is one."""
    head = "\n".join(line for line in text.splitlines()[:12] if line.strip())
    explicit = [
        d for d in _dates(head, date(2100, 1, 1)) if d.precision == "day" and re.search(r"\d{4}", head[d.start : d.end])
    ]
    return explicit[0].day if explicit else None
