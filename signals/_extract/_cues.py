"""Event cues and types: which words name a policy action, of which type, and which mentions are no action.

Decides: the vocabulary (a verb and the object that gives the type, in active or passive voice),
the priorities between types found in one clause (a WTO clause is about the WTO case, abolishing
quotas is a quota change, a suspension agreed in a truce is the window ...), the words that make a
mention speculation, negation, a citation, out of scope or a headline, whether a sentence is on
topic at all, and the countries and elements a sentence names.
"""

from __future__ import annotations

import re

from .._events import EventType

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
_PERFECT = re.compile(
    r"\b(?:has|have)\s+(?:(?:\w+ly|now|already|just|also|since|finally)\s+)*(?:been\s+)?\w+(?:ed|en|t|wn|ung)\b",
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


#: Topic words of each type, most specific first: a sentence's dated mention of a policy that no
#: action phrase names is a lead of the first type whose words it has.
_CUES = [
    (
        EventType.WTO_RULING,
        r"\bwto\b.*\b(?:rul\w*|found|verdict|upheld|report)\b|\b(?:rul\w*|verdict|upheld)\b.*\bwto\b",
    ),
    (EventType.WTO_DISPUTE, r"\bwto\b|dispute settlement|\bpanel\b|consultations"),
    (EventType.QUOTA_CHANGE, r"\bquotas?\b"),
    (EventType.RETALIATION_ESCALATION, r"retaliat\w*|unreliable entity|blacklist\w*|countermeasures?|sanction\w*"),
    (EventType.NEGOTIATION_WINDOW, r"\btruce\b|\bframework\b|\bdeal\b|\bagreement\b|\bconsensus\b|\bceasefire\b"),
    (EventType.PERMIT_APPROVAL, r"licen[cs]\w*|permits?|approv\w*|permission"),
    (EventType.LICENSING_REFORM, r"\brules?\b|regulations?|\blaw\b|procedures?|conditions|management|system"),
    (EventType.EASING_PAUSE, r"\blift\w*|suspen\w*|resum\w*|\beas\w*|relax\w*|remov\w*|pause\w*"),
    (EventType.NEGOTIATION_TALKS, r"\btalks?\b|\bmet\b|meeting|visit\w*|\bcall\b|protest\w*|concerns?|negotiat\w*"),
    (
        EventType.RESTRICTION_TIGHTENING,
        r"control\w*|restrict\w*|\bbans?\b|banned|halt\w*|curbs?|block\w*|tighten\w*|stopp\w*",
    ),
]
_CUES_COMPILED = [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _CUES]


def _cue_types(sentence: str, limit: int = 2) -> list[EventType]:
    """The types a sentence's topic words suggest: the first ``limit`` of :data:`_CUES` it has."""
    return [kind for kind, pattern in _CUES_COMPILED if pattern.search(sentence)][:limit]
