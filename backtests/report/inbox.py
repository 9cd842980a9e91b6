"""The review page of ``reelab events inbox``: proposals (candidate policy events grouped across articles)
for a quant to accept or reject.

:func:`inbox_page` renders one self-contained, offline document: the counts of the run (articles read,
skipped and why, proposals, how many are NEW or differ from the calendar), then one row per proposal in
queue order, sortable by any column (the report's sorting script) and filtered by free text, status, type
and tier. Clicking a row shows its sources side by side, with the words that made the candidate (the trigger
and the date as written) highlighted. The page makes no request: no external script, font, style or image;
article links open only when clicked.

Articles are untrusted input: every text is escaped, links are kept only for http(s) addresses, and
highlight spans that overlap or fall outside their sentence are merged or clipped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .html import CSS, SORT_JS, _escape

__all__ = ["inbox_page"]

#: The columns of the proposals table, in order, with their cells' class (alignment; html.CSS).
ALIGN = {"proposal": "id", "status": "text", "type": "text nw", "announced": "date", "precision": "text",
         "known": "date", "sources": "", "outlets": "text", "calendar": "text", "score": "",
         "evidence": "text evidence"}  # fmt: skip
COLUMNS = tuple(ALIGN)
#: How each status reads in the table, and its rank when the status column is sorted (NEW first).
STATUSES = {
    "new": ("NEW", "would add to the calendar", 0),
    "in calendar": ("in calendar", "", 2),
    "differs": ("differs", "from the calendar's event", 1),
}
EVIDENCE_CHARS = 140

DECIDE = (
    "How to decide: open <code>review.csv</code> beside this page and fill its <code>decision</code> column for "
    "each proposal: <code>accept</code>, <code>reject</code>, or an edited type or date (e.g. "
    "<code>quota_change</code> or <code>2025-04-07</code>); leave it empty to decide later. Then run "
    "<code>reelab events accept DIR/review.csv --append-to my_events.csv</code> (DIR: this page's folder). "
    "NEW rows would add an event to the calendar; <i>differs</i> rows point to a calendar event whose date or "
    "type differs at the proposal's precision; <i>lead</i> marks a low-confidence candidate kept so that no event "
    "is missed: rejecting a wrong one takes seconds."
)

INBOX_CSS = """
body { max-width: 1440px; }
.controls { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; font-size: 13px; margin: 14px 0 6px; }
.controls input[type=search] { width: 260px; padding: 3px 6px; } .controls select { padding: 2px 4px; }
.controls button { font-size: 12px; }
#proposals { width: 100%; }
#proposals td.evidence { min-width: 240px; }
tr.proposal { cursor: pointer; } tr.proposal:hover td { background: #f3f6f9; }
tr.st-new td { background: #f1f8f3; } tr.st-new td:first-child { box-shadow: inset 4px 0 #1e6b3a; }
tr.st-differs td { background: #fdf6ec; } tr.st-differs td:first-child { box-shadow: inset 4px 0 #e67e22; }
tr.lead td { color: #555; }
tr.open td { border-bottom: 0; }
button.toggle { border: 0; background: none; cursor: pointer; padding: 0 4px 0 0; font-size: 11px; width: 16px; }
.badge { display: inline-block; padding: 0 5px; border-radius: 3px; font-size: 11px; font-weight: 600; }
.badge.new { background: #1e6b3a; color: #fff; } .badge.differs { background: #e67e22; color: #fff; }
.badge.in { background: #e3e8ee; color: #333; } .badge.lead { background: #eee; color: #555; font-weight: 400; }
.badge.copy { background: #eee; color: #555; font-weight: 400; }
tr.detail > td { text-align: left; background: #fafbfc; padding: 8px 10px 14px; border-bottom: 2px solid #d5dce3; }
.detail .what { font-size: 13px; margin: 0 0 8px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 10px; }
.card { background: #fff; border: 1px solid #d5dce3; border-radius: 4px; padding: 8px 10px; font-size: 12px; }
.card.copy { border-style: dashed; background: #fcfcfc; }
.card .outlet { font-size: 14px; font-weight: 600; margin-bottom: 2px; }
.card .line { color: #555; margin: 2px 0; overflow-wrap: anywhere; }
.card blockquote { margin: 6px 0; padding: 4px 8px; border-left: 3px solid #1f4e79; background: #f7f9fb;
                   font-size: 13px; line-height: 1.45; overflow-wrap: anywhere; }
mark { background: #ffe08a; padding: 0 1px; border-radius: 2px; }
.empty { font-size: 15px; background: #fdf3e7; border-left: 4px solid #e67e22; padding: 10px 14px; }
ul.plain { font-size: 12px; margin: 4px 0; } details.list summary { cursor: pointer; font-size: 13px; }
"""

#: Expanding rows (each proposal row is followed by its hidden sources row), filters, and keeping each sources
#: row under its proposal when SORT_JS sorts the table: sources rows are taken out before its click handler
#: runs (capture phase on the table) and put back under their rows after it (bubble phase).
INBOX_JS = """
(function () {
  var table = document.getElementById("proposals");
  if (!table) { return; }
  var body = table.tBodies[0];
  var pairs = Array.prototype.map.call(body.querySelectorAll("tr.proposal"), function (row) {
    return { row: row, detail: document.getElementById(row.getAttribute("data-detail")), shown: true };
  });
  function show(pair) {
    var open = pair.row.classList.contains("open");
    pair.row.hidden = !pair.shown;
    pair.detail.hidden = !(pair.shown && open);
  }
  function setOpen(pair, open) {
    pair.row.classList.toggle("open", open);
    var button = pair.row.querySelector("button.toggle");
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? "\\u25BE" : "\\u25B8";
    show(pair);
  }
  pairs.forEach(function (pair) {
    pair.row.addEventListener("click", function () {
      if (String(window.getSelection ? window.getSelection() : "").length) { return; }  // selecting text
      setOpen(pair, !pair.row.classList.contains("open"));
    });
  });
  table.addEventListener("click", function (event) {
    if (event.target.closest("th")) { pairs.forEach(function (pair) { pair.detail.remove(); }); }
  }, true);
  table.addEventListener("click", function (event) {
    if (event.target.closest("th")) { pairs.forEach(function (pair) { pair.row.after(pair.detail); }); }
  });
  var text = document.getElementById("filter-text"), count = document.getElementById("shown");
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  function filter() {
    var words = text.value.toLowerCase().split(/\\s+/).filter(Boolean), shown = 0;
    pairs.forEach(function (pair) {
      var haystack = (pair.row.textContent + " " + pair.detail.textContent).toLowerCase();
      pair.shown = words.every(function (word) { return haystack.indexOf(word) >= 0; }) &&
        selects.every(function (select) {
          return !select.value || pair.row.getAttribute("data-" + select.getAttribute("data-filter")) === select.value;
        });
      shown += pair.shown ? 1 : 0;
      show(pair);
    });
    count.textContent = shown + " of " + pairs.length + " proposals shown";
  }
  text.addEventListener("input", filter);
  selects.forEach(function (select) { select.addEventListener("change", filter); });
  document.getElementById("expand-all").addEventListener("click", function () {
    pairs.forEach(function (pair) { setOpen(pair, true); });
  });
  document.getElementById("collapse-all").addEventListener("click", function () {
    pairs.forEach(function (pair) { setOpen(pair, false); });
  });
  var wanted = decodeURIComponent(window.location.hash.slice(1));  // review.html#P3 opens P3
  pairs.forEach(function (pair) {
    if (wanted && pair.row.getAttribute("data-proposal") === wanted) { setOpen(pair, true); pair.row.scrollIntoView(); }
  });
  filter();
})();
"""


def _marked(text: str, marks: Any) -> str:
    """``text`` escaped, with the character spans ``marks`` (``[[start, end], ...]``) wrapped in ``<mark>``.

    Spans are clipped to the text and overlapping ones merged; anything that is not a pair of integers is ignored.

    >>> _marked("China imposed <controls> on Friday", [[6, 13], [25, 99], [10, 12], ["a", 1], [5]])
    'China <mark>imposed</mark> &lt;controls&gt; <mark>on Friday</mark>'
    """
    spans = []
    for mark in marks if isinstance(marks, list | tuple) else ():
        if not (isinstance(mark, list | tuple) and len(mark) == 2):
            continue
        if not all(isinstance(edge, int) and not isinstance(edge, bool) for edge in mark):
            continue
        start, end = max(0, mark[0]), min(len(text), mark[1])
        if start < end:
            spans.append((start, end))
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts, position = [], 0
    for start, end in merged:
        parts += [_escape(text[position:start]), f"<mark>{_escape(text[start:end])}</mark>"]
        position = end
    return "".join([*parts, _escape(text[position:])])


def _text(value: Any) -> str:
    """A scalar as plain text ('' for None); lists and dicts are never expected here, but never crash the page."""
    return "" if value is None else str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _link(url: Any, label: str) -> str:
    """An article link that opens only when clicked (and only http(s): a ``javascript:`` address is shown as text)."""
    address = _text(url).strip()
    if not address.lower().startswith(("http://", "https://")):
        return _escape(label) + (f" <small>(not linked: {_escape(address)})</small>" if address else "")
    return f'<a href="{_escape(address)}" rel="noopener noreferrer" target="_blank">{_escape(label)}</a>'


def _known_key(known: Any, zone: Any) -> str:
    """When the proposal became known, as seconds since 1970 UTC for sorting ('-Infinity' when unreadable)."""
    try:
        moment = datetime.fromisoformat(_text(known))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(_text(zone) or "UTC"))
        return f"{moment.timestamp():.0f}"
    except (ValueError, ZoneInfoNotFoundError):
        return "-Infinity"


def _card(article: Mapping[str, Any], outlets: Mapping[str, str]) -> str:
    copy_of = _text(article.get("copy_of"))
    label = ""
    if copy_of:
        original = outlets.get(copy_of)
        named = f"{original} · {copy_of}" if original else copy_of
        label = f' <span class="badge copy">copy of {_escape(named)}</span>'
    confidence = _number(article.get("confidence"))
    published = _escape(_text(article.get("published")) or "–")
    lines = [
        f'<div class="outlet">{_escape(_text(article.get("outlet")) or "unknown outlet")}{label}</div>',
        f'<div class="line">published {published}'
        + (f" · confidence {confidence:.2f}" if confidence is not None else "")
        + "</div>",
        f'<div class="line">date as written: <b>{_escape(_text(article.get("date_as_written")) or "–")}</b></div>',
        _reading(article),
        f"<blockquote>{_marked(_text(article.get('evidence')), article.get('marks'))}</blockquote>",
        f'<div class="line">{_link(article.get("url"), _text(article.get("source")) or "article")}</div>',
    ]
    return f'<div class="card{" copy" if copy_of else ""}">{"".join(lines)}</div>'


def _reading(article: Mapping[str, Any]) -> str:
    """What this source says (its candidate's type and date) and, for a lead, why it is only one."""
    said = " ".join(_text(article.get(key)) for key in ("type", "date") if article.get(key))
    if article.get("precision"):
        said += f" ({_text(article.get('precision'))})"
    lead = article.get("lead")
    reason = f' · <span class="badge lead">lead: {_escape(_text(lead))}</span>' if lead and lead is not True else ""
    return f'<div class="line">says: {_escape(said)}{reason}</div>' if said or reason else ""


def _detail(proposal: Mapping[str, Any], articles: Sequence[Mapping[str, Any]], detail_id: str) -> str:
    outlets = {_text(article.get("source")): _text(article.get("outlet")) for article in articles}
    independent = sum(1 for article in articles if not article.get("copy_of"))
    what = (
        f"<b>{_escape(_text(proposal.get('proposal')))}</b> · {_escape(_text(proposal.get('type')))} announced "
        f"{_escape(_text(proposal.get('announced')))} ({_escape(_text(proposal.get('precision')))} precision) · known "
        f"{_escape(_text(proposal.get('known')))} {_escape(_text(proposal.get('tz')))} (the earliest publication) · "
        f"{len(articles)} source{'s' if len(articles) != 1 else ''}, {independent} independent"
    )
    note = _text(proposal.get("calendar_note"))
    if note:
        what += f" · {_escape(note)}"
    cards = "".join(_card(article, outlets) for article in articles) or "<p>No article is listed.</p>"
    return (
        f'<tr class="detail" id="{detail_id}" hidden><td colspan="{len(COLUMNS)}">'
        f'<p class="what">{what}</p><div class="cards">{cards}</div></td></tr>'
    )


def _row(position: int, proposal: Mapping[str, Any]) -> str:
    """A proposal's row and, after it, its hidden sources row."""
    ident, status, tier = (_text(proposal.get(key)) for key in ("proposal", "status", "tier"))
    kind = _text(proposal.get("type"))
    detail_id = f"sources-{position}"
    shown, why, rank = STATUSES.get(status, (status or "–", "", 3))
    badge = {"new": "new", "differs": "differs", "in calendar": "in"}.get(status, "in")
    status_cell = f'<span class="badge {badge}">{_escape(shown)}</span>' + (f"<br><small>{why}</small>" if why else "")
    known = _text(proposal.get("known")).replace("T", " ", 1)
    zone = _text(proposal.get("tz"))
    sources = _number(proposal.get("sources"))
    raw_outlets = proposal.get("outlets")
    outlets = [raw_outlets] if isinstance(raw_outlets, str) else list(raw_outlets or [])
    outlet_list = ", ".join(f'<span class="nw">{_escape(_text(outlet))}</span>' for outlet in outlets) or "–"
    calendar_id, note = _text(proposal.get("calendar_id")), _text(proposal.get("calendar_note"))
    calendar = _escape(calendar_id) or "–"
    if note and status == "differs":
        calendar += f"<br><small>{_escape(note)}</small>"
    score, lead = _number(proposal.get("score")), tier == "lead"
    evidence = _text(proposal.get("evidence"))
    short = evidence if len(evidence) <= EVIDENCE_CHARS else evidence[: EVIDENCE_CHARS - 1].rstrip() + "…"
    known_key = _known_key(proposal.get("known"), zone)
    cells = {  # column: (HTML, the number it sorts by or None to sort by its text)
        "proposal": (
            f'<button class="toggle" type="button" aria-expanded="false" aria-controls="{detail_id}" '
            f'title="show the sources">&#9656;</button>{_escape(ident)}',
            str(position),
        ),
        "status": (status_cell, str(rank)),
        "type": (_escape(kind), None),
        "announced": (_escape(_text(proposal.get("announced"))), None),
        "precision": (_escape(_text(proposal.get("precision"))), None),
        "known": (f"{_escape(known)}<br><small>{_escape(zone)}</small>", known_key),
        "sources": ("–" if sources is None else f"{sources:.0f}", "-Infinity" if sources is None else str(sources)),
        "outlets": (outlet_list, None),
        "calendar": (calendar, None),
        "score": (
            ("–" if score is None else f"{score:.2f}") + ('<br><span class="badge lead">lead</span>' if lead else ""),
            "-Infinity" if score is None else str(score),
        ),
        "evidence": (f'<span title="{_escape(evidence)}">{_escape(short)}</span>', None),
    }
    sort = {column: "" if key is None else f' data-v="{key}"' for column, (_, key) in cells.items()}
    row = "".join(f'<td class="{ALIGN[column]}"{sort[column]}>{shown}</td>' for column, (shown, _) in cells.items())
    classes = f"proposal st-{badge if status in STATUSES else 'other'}{' lead' if lead else ''}"
    attributes = (
        f'class="{classes}" data-detail="{detail_id}" data-proposal="{_escape(ident)}" data-status="{_escape(status)}" '
        f'data-type="{_escape(kind)}" data-tier="{_escape(tier)}"'
    )
    articles = [article for article in proposal.get("articles") or [] if isinstance(article, Mapping)]
    return f"<tr {attributes}>{row}</tr>\n{_detail(proposal, articles, detail_id)}"


def _select(name: str, label: str, values: Iterable[str]) -> str:
    options = "".join(f'<option value="{_escape(v)}">{_escape(v)}</option>' for v in values)
    return (
        f'<label>{label} <select id="filter-{name}" data-filter="{name}"><option value="">all</option>{options}'
        "</select></label>"
    )


def _controls(proposals: Sequence[Mapping[str, Any]]) -> str:
    def present(key: str, first: Sequence[str] = ()) -> list[str]:
        seen = {_text(proposal.get(key)) for proposal in proposals} - {""}
        return [value for value in first if value in seen] + sorted(seen - set(first))

    return (
        '<div class="controls"><label>Filter <input type="search" id="filter-text" '
        'placeholder="words in the row or its sources"></label>'
        + _select("status", "status", present("status", tuple(STATUSES)))
        + _select("type", "type", present("type"))
        + _select("tier", "tier", present("tier", ("extracted", "lead")))
        + '<button type="button" id="expand-all">show all sources</button>'
        '<button type="button" id="collapse-all">hide all sources</button><small id="shown"></small></div>'
    )


def _header(proposals: Sequence[Mapping[str, Any]], manifest: Mapping[str, Any]) -> str:
    counts = dict(manifest.get("counts") or {})
    inputs = [item for item in manifest.get("inputs") or [] if isinstance(item, Mapping)]
    skipped = [item for item in manifest.get("skipped") or [] if isinstance(item, Mapping)]
    statuses = [_text(proposal.get("status")) for proposal in proposals]
    fallback = {"articles": len(inputs), "skipped": len(skipped), "proposals": len(proposals),
                "new": statuses.count("new"), "differs": statuses.count("differs"),
                "in_calendar": statuses.count("in calendar")}  # fmt: skip
    count = {key: _escape(_text(counts.get(key, value))) for key, value in fallback.items()}
    candidates = f" · {_escape(_text(counts['candidates']))} candidates" if "candidates" in counts else ""
    headline = (
        f"{count['articles']} articles read · {count['skipped']} skipped{candidates} · {count['proposals']} "
        f'proposals: <span class="badge new">{count["new"]} NEW</span> would add to the calendar · '
        f'<span class="badge differs">{count["differs"]} {"differs" if count["differs"] == "1" else "differ"}</span> '
        f"from it · {count['in_calendar']} already in it"
    )
    versions = manifest.get("versions")
    meta = [
        ("created", _text(manifest.get("created"))),
        ("calendar", _text(manifest.get("calendar"))),
        ("versions", " · ".join(f"{k} {v}" for k, v in versions.items()) if isinstance(versions, Mapping) else ""),
    ]
    rows = "".join(f"<tr><td>{label}</td><td>{_escape(value)}</td></tr>" for label, value in meta if value)
    parts = [f'<table class="meta">{rows}</table>' if rows else "", f'<p class="headline">{headline}</p>']
    if skipped:
        items = "".join(
            f"<li><code>{_escape(_text(item.get('source')))}</code>: {_escape(_text(item.get('reason')))}</li>"
            for item in skipped
        )
        parts.append(f'<details class="list" open><summary>Skipped ({len(skipped)})</summary><ul class="plain">{items}'
                     "</ul></details>")  # fmt: skip
    if inputs:
        items = "".join(
            f"<li><code>{_escape(_text(item.get('source')))}</code> <small>sha256 {_escape(_text(item.get('sha256')))}"
            "</small></li>"
            for item in inputs
        )
        parts.append(f'<details class="list"><summary>Articles read ({len(inputs)})</summary><ul class="plain">{items}'
                     "</ul></details>")  # fmt: skip
    return "\n".join(part for part in parts if part)


def inbox_page(
    proposals: Sequence[Mapping[str, Any]],
    manifest: Mapping[str, Any],
    title: str = "reelab events inbox: proposals to review",
) -> str:
    """The review page of ``reelab events inbox`` as one self-contained, offline HTML document.

    Parameters
    ----------
    proposals : sequence of mapping
        The proposals in queue order (NEW first, then by score), each with the keys ``proposal``, ``type``,
        ``announced``, ``precision``, ``known``, ``tz``, ``sources``, ``outlets``, ``calendar_id``, ``status``
        (``new``, ``in calendar`` or ``differs``), ``calendar_note``, ``score``, ``tier`` (``extracted`` or
        ``lead``), ``evidence`` and ``articles`` (each with ``source``, ``outlet``, ``url``, ``published``,
        ``date_as_written``, ``evidence``, ``marks``, ``confidence`` and ``copy_of``). Missing keys show as a dash.
    manifest : mapping
        The run's manifest: ``inputs``, ``skipped``, ``counts``, ``versions``, ``created``, ``calendar``.
    title : str, optional
        The page's title.

    Returns
    -------
    str
        The document. Every text is escaped (articles are untrusted); the only links are the articles' own
        http(s) addresses, which the page never follows.

    Examples
    --------
    >>> document = inbox_page([], {"counts": {"articles": 3, "skipped": 0}})
    >>> "No proposals were found" in document and "3 articles read" in document
    True
    """
    if proposals:
        rows = "\n".join(_row(position, proposal) for position, proposal in enumerate(proposals, start=1))
        head = "".join(f'<th class="{ALIGN[column]}">{column}</th>' for column in COLUMNS)
        body = (
            f'<p class="note">{DECIDE}</p>'
            + _controls(proposals)
            + '<p class="note">Click a row to see its sources side by side; click a column '
            "header to sort (the proposal column restores the queue order).</p>"
            f'<table id="proposals" class="sortable"><thead><tr>{head}</tr></thead><tbody>\n{rows}\n</tbody></table>'
        )
    else:
        body = (
            '<p class="empty">No proposals were found: nothing in these articles reads as a rare-earth policy event '
            "(see the skipped articles above, if any).</p>"
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_escape(title)}</title><style>{CSS}{INBOX_CSS}</style></head>
<body><h1>{_escape(title)}</h1>
{_header(proposals, manifest)}
{body}
<p class="note">Written by reelab events inbox. This page is self-contained and makes no requests: article links
open only when clicked.</p>
<script>{SORT_JS}</script>
<script>{INBOX_JS}</script>
</body></html>
"""
