"""The review page of ``reelab events inbox`` (backtests.report.inbox): one offline document, every proposal and
source shown, untrusted article text escaped, highlights on the right words."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from backtests.report.inbox import inbox_page

ATTACK = "<script>alert(1)</script>"
FRIDAY = "China on Friday imposed export controls on seven rare earths."


def _article(source: str, outlet: str, evidence: str, marks: list, copy_of: str = "") -> dict:
    return {
        "source": source,
        "outlet": outlet,
        "url": f"https://news.example/{source.rsplit('/', 1)[-1]}",
        "published": "2025-04-04T14:00 Asia/Shanghai",
        "date_as_written": "on Friday",
        "evidence": evidence,
        "marks": marks,
        "confidence": 0.8,
        "copy_of": copy_of,
    }


def _proposal(ident: str, status: str, kind: str, articles: list[dict], **changes) -> dict:
    proposal = {
        "proposal": ident,
        "type": kind,
        "announced": "2025-04-04",
        "precision": "day",
        "known": "2025-04-04T14:00",
        "tz": "Asia/Shanghai",
        "sources": len(articles),
        "outlets": sorted({article["outlet"] for article in articles if not article["copy_of"]}),
        "calendar_id": "" if status == "new" else "2025-04-04-RT",
        "status": status,
        "calendar_note": "" if status == "new" else "calendar: 2025-04-04-RT announced 2025-04-03",
        "score": 0.83,
        "tier": "extracted",
        "evidence": articles[0]["evidence"],
        "articles": articles,
    }
    return {**proposal, **changes}


@pytest.fixture
def proposals() -> list[dict]:
    friday = [[9, 15], [16, 23]]  # "Friday", "imposed"
    return [
        _proposal(
            "P1",
            "new",
            "restriction_tightening",
            [
                _article("news/reuters.html", "Reuters", FRIDAY, friday),
                _article("news/xinhua.txt", "Xinhua", "Beijing announced licences on April 4.", [[18, 26], [27, 37]]),
                _article("news/wire.html", "Mining Weekly", FRIDAY, friday, copy_of="news/reuters.html"),
            ],
        ),
        _proposal(
            "P2",
            "new",
            "quota_change",
            [_article("news/lead.html", "Blog", "Quotas may be cut in May.", [[7, 10], [18, 24]])],
            tier="lead",
            score=0.2,
        ),
        _proposal(
            "P3",
            "differs",
            "negotiation_talks",
            [_article("news/ap.html", "AP", "Talks began in London on Monday.", [[0, 5], [22, 31]])],
        ),
        _proposal(
            "P4",
            "in calendar",
            "restriction_tightening",
            [_article("news/ft.html", "Financial Times", "Controls tightened on Friday.", [[9, 18]])],
        ),
    ]


@pytest.fixture
def manifest() -> dict:
    return {
        "inputs": [{"source": f"news/{name}", "sha256": "ab" * 32} for name in ("reuters.html", "xinhua.txt")],
        "skipped": [{"source": "news/paywall.html", "reason": "no article text (paywall)"}],
        "counts": {
            "articles": 12,
            "skipped": 1,
            "candidates": 30,
            "proposals": 4,
            "new": 2,
            "in_calendar": 1,
            "differs": 1,
        },
        "versions": {"reelab": "0.1"},
        "created": "2026-12-06T13:00:00Z",
        "calendar": "shipped calendar + my_events.csv",
    }


class _Parts(HTMLParser):
    """The tags, attributes and script/style text of a document (the standard library's parser)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.code: list[tuple[str, str]] = []  # (script or style, its text)
        self.text: list[str] = []
        self._inside: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._inside = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag):
        self._inside = None

    def handle_data(self, data):
        if self._inside:
            self.code.append((self._inside, data))
        else:
            self.text.append(data)


def _parse(document: str) -> _Parts:
    parts = _Parts()
    parts.feed(document)
    parts.close()
    return parts


def _words(document: str) -> str:
    """The page's visible text (outside scripts and styles), whitespace collapsed."""
    return " ".join("".join(_parse(document).text).split())


def _urls(proposals: list[dict]) -> set[str]:
    return {article["url"] for proposal in proposals for article in proposal["articles"]}


def test_one_offline_document_whose_only_links_are_the_articles(proposals, manifest):
    document = inbox_page(proposals, manifest)
    assert document.startswith("<!DOCTYPE html>")
    assert document.count("<html") == 1 and document.rstrip().endswith("</html>")
    assert document.count("<body") == 1 and document.count("</body>") == 1
    lowered = document.lower()
    for external in ("<script src", "<link", "<img", "<iframe", "@import", "url("):
        assert external not in lowered, external
    parts = _parse(document)
    assert {kind for kind, _ in parts.code} == {"script", "style"}
    assert not any("http" in code.lower() for _, code in parts.code)
    assert all("src" not in attributes for _, attributes in parts.tags)
    links = [attributes for tag, attributes in parts.tags if "href" in attributes]
    assert {link["href"] for link in links} == _urls(proposals)  # every source linked, nothing else
    assert all(tag == "a" for tag, attributes in parts.tags if "href" in attributes)
    assert all("noopener" in (link.get("rel") or "") for link in links)
    assert len([tag for tag, _ in parts.tags if tag == "script"]) == 2  # the sorting script and the inbox script


def test_every_proposal_has_a_row_and_a_card_per_source(proposals, manifest):
    parts = _parse(inbox_page(proposals, manifest))
    rows = [attributes for tag, attributes in parts.tags if tag == "tr" and "data-proposal" in attributes]
    assert [row["data-proposal"] for row in rows] == ["P1", "P2", "P3", "P4"]  # the given (queue) order
    assert [row["data-status"] for row in rows] == ["new", "new", "differs", "in calendar"]
    for row in rows:
        detail = next(attrs for tag, attrs in parts.tags if tag == "tr" and attrs.get("id") == row["data-detail"])
        assert "hidden" in detail
    cards = [attrs for tag, attrs in parts.tags if tag == "div" and "card" in (attrs.get("class") or "").split()]
    assert len(cards) == sum(len(proposal["articles"]) for proposal in proposals)
    headers = [text for text in parts.text if text.strip()]
    for column in ("proposal", "status", "type", "announced", "precision", "known", "sources", "outlets", "calendar",
                   "score", "evidence"):  # fmt: skip
        assert column in headers


def test_new_and_differs_rows_are_marked_and_counted(proposals, manifest):
    document = inbox_page(proposals, manifest)
    text = _words(document)
    assert "12 articles read · 1 skipped · 30 candidates · 4 proposals: 2 NEW would add to the calendar" in text
    assert "1 differs from it · 1 already in it" in text
    assert "news/paywall.html: no article text (paywall)" in text
    assert len(re.findall(r'<tr class="proposal st-new[ "]', document)) == 2
    assert len(re.findall(r'<tr class="proposal st-differs[ "]', document)) == 1
    assert text.count("would add to the calendar") == 3  # the headline and the two NEW rows
    assert "calendar: 2025-04-04-RT announced 2025-04-03" in text  # what the calendar says, on the differs row
    assert "reelab events accept DIR/review.csv --append-to my_events.csv" in text
    assert "decision" in text


def test_counts_fall_back_to_the_proposals_when_the_manifest_has_none(proposals):
    text = _words(inbox_page(proposals, {}))
    assert "0 articles read · 0 skipped · 4 proposals: 2 NEW would add" in text
    assert "1 differs from it" in text


def test_article_text_is_escaped_everywhere(proposals, manifest):
    hostile = copy.deepcopy(proposals)
    article = hostile[0]["articles"][0]
    for key in ("evidence", "outlet", "source", "date_as_written", "published", "copy_of"):
        article[key] = f"{key} {ATTACK}"
    article["url"] = "javascript:alert(1)"
    article["marks"] = [[0, 4], [9, 17]]
    hostile[0].update(evidence=ATTACK, calendar_note=ATTACK, type=ATTACK, outlets=[ATTACK], known=ATTACK, tz=ATTACK)
    manifest["skipped"][0]["reason"] = ATTACK
    document = inbox_page(hostile, manifest)
    assert ATTACK not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert document.lower().count("<script") == 2
    parts = _parse(document)
    assert not any("javascript" in (attributes.get("href") or "") for _, attributes in parts.tags)
    assert "(not linked: javascript:alert(1))" in _words(document)
    assert len([tag for tag, _ in parts.tags if tag == "script"]) == 2
    # the hostile text reads as text; a mark through the middle of '<script>' stays text too
    assert "<mark>evid</mark>ence <mark>&lt;script&gt;</mark>alert(1)" in document


def test_marks_wrap_the_right_words(proposals, manifest):
    document = inbox_page(proposals, manifest)
    assert "China on <mark>Friday</mark> <mark>imposed</mark> export controls on seven rare earths." in document
    assert "Beijing announced <mark>licences</mark> <mark>on April 4</mark>." in document
    marked = re.findall(r"<mark>(.*?)</mark>", document)
    assert marked.count("Friday") == 2  # Reuters and its wire copy
    assert {"Talks", "on Monday", "may", "in May", "tightened"} <= set(marked)


@pytest.mark.parametrize(
    "marks, expected",
    [
        ([[9, 15], [12, 23]], "China on <mark>Friday imposed</mark> export"),  # overlapping: merged
        (
            [[-5, 5], [54, 500]],
            "<mark>China</mark> on Friday imposed export controls on seven rare <mark>earths.</mark>",
        ),
        ([[15, 9], [3, 3], ["9", 15], [9], None, [True, 5], [2.0, 4]], "China on Friday imposed export"),  # ignored
        ("9-15", "China on Friday imposed export"),
        (None, "China on Friday imposed export"),
    ],
)
def test_marks_outside_or_overlapping_are_clipped_or_ignored(proposals, manifest, marks, expected):
    proposals[0]["articles"][0]["marks"] = marks
    document = inbox_page(proposals, manifest)
    blockquote = re.search(r"<blockquote>(.*?)</blockquote>", document)
    assert blockquote is not None
    assert blockquote.group(1).startswith(expected)
    assert blockquote.group(1).count("<mark>") == blockquote.group(1).count("</mark>")
    assert re.sub(r"</?mark>", "", blockquote.group(1)) == FRIDAY


def test_a_wire_copy_is_labelled(proposals, manifest):
    document = inbox_page(proposals, manifest)
    assert document.count('<div class="card copy">') == 1
    assert "copy of Reuters · news/reuters.html" in document


def test_filters_offer_each_status_type_and_tier(proposals, manifest):
    parts = _parse(inbox_page(proposals, manifest))
    tags = parts.tags
    assert any(tag == "input" and attributes.get("id") == "filter-text" for tag, attributes in tags)
    options: dict[str, list[str]] = {}
    current = None
    for tag, attributes in tags:
        if tag == "select":
            current = attributes["data-filter"]
            options[current] = []
        elif tag == "option" and current is not None:
            options[current].append(attributes["value"] or "")
    assert options == {
        "status": ["", "new", "in calendar", "differs"],
        "type": ["", "negotiation_talks", "quota_change", "restriction_tightening"],
        "tier": ["", "extracted", "lead"],
    }
    assert [tag for tag, attributes in tags if "sortable" in (attributes.get("class") or "")] == ["table"]


def test_rows_sort_by_queue_position_score_and_utc_known_time(proposals, manifest):
    proposals[1].update(known="2025-04-04T08:00", tz="Europe/London", score=None)
    document = inbox_page(proposals, manifest)
    assert re.findall(r'<td class="id" data-v="(\d+)">', document) == ["1", "2", "3", "4"]
    assert 'data-v="1743746400"' in document  # 2025-04-04 14:00 Shanghai = 06:00 UTC
    assert 'data-v="1743750000"' in document  # 2025-04-04 08:00 London (BST) = 07:00 UTC
    assert re.search(r'<td class="" data-v="-Infinity">–<br><span class="badge lead">lead</span>', document)


def test_no_proposals_says_so(manifest):
    manifest["counts"].update(proposals=0, new=0, in_calendar=0, differs=0)
    document = inbox_page([], manifest)
    text = _words(document)
    assert "No proposals were found" in text
    assert "12 articles read · 1 skipped" in text and "news/paywall.html" in text
    assert 'id="proposals"' not in document and '<tr class="proposal' not in document
    assert "review.csv" not in text  # nothing to decide


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_inline_scripts_parse(proposals, manifest, tmp_path: Path):
    scripts = [code for kind, code in _parse(inbox_page(proposals, manifest)).code if kind == "script"]
    assert len(scripts) == 2
    for number, code in enumerate(scripts):
        script = tmp_path / f"script{number}.js"
        script.write_text(code)
        result = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
