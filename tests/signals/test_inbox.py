"""The inbox: candidates of many articles grouped into proposals, point-in-time, independent outlets, ranking."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from signals import AFTER_CLOSE, build_inbox, extract_events, load_events
from signals._extract._group import SCHEDULED
from signals._extract._text import PRECISIONS, _same_time
from signals._inbox import knowable
from signals._news import Publication

CORPUS = Path(__file__).resolve().parents[2] / "benchmarks" / "extraction" / "corpus"


@dataclass(frozen=True)
class Article:
    source: str
    text: str
    published: pd.Timestamp
    outlet: str
    url: str = ""


def _at(when: str, zone: str | None = None) -> pd.Timestamp:
    return pd.Timestamp(when, tz=zone)


REUTERS = ("BEIJING, April 4 (Reuters) - China's Ministry of Commerce on Friday imposed export controls on seven "
           "rare earth elements, including dysprosium and terbium, in response to U.S. tariffs.")  # fmt: skip
XINHUA = ("The Ministry of Commerce announced on Friday that export controls will be imposed on seven medium and "
          "heavy rare earth items, a move officials said was in line with international practice.")  # fmt: skip


def test_one_event_told_by_two_outlets_is_one_corroborated_proposal_known_at_the_first():
    articles = [
        Article("xinhua.txt", XINHUA, _at("2025-04-04T20:30", "Asia/Shanghai"), "Xinhua"),
        Article("reuters.txt", REUTERS, _at("2025-04-04T17:05", "Asia/Shanghai"), "Reuters"),
    ]
    inbox = build_inbox(articles, load_events())
    [entry] = [e for e in inbox.entries if e.proposal.type == "restriction_tightening"]
    proposal = entry.proposal
    assert (proposal.date, proposal.precision) == (dt.date(2025, 4, 4), "day")
    assert proposal.articles == ["reuters.txt", "xinhua.txt"] and proposal.outlets == ["Reuters", "Xinhua"]
    assert proposal.corroborated and proposal.first.article == "reuters.txt"  # 17:05 Beijing, before 20:30
    singles = [build_inbox([a], load_events()).entries for a in articles]
    alone = [next(e.proposal.score for e in entries if e.proposal.type == proposal.type) for entries in singles]
    assert proposal.score > max(alone)  # two independent outlets agree: stronger than either alone
    assert entry.calendar_id == "2025-04-04-RT" and entry.status == "in calendar"
    row = next(r for r in inbox.review_rows() if r["proposal"] == entry.id)
    assert (
        row["known"] == "2025-04-04T17:05 Asia/Shanghai"
        and row["sources"] == "2"
        and row["outlets"] == "Reuters;Xinhua"
    )


def test_a_wire_copy_and_a_second_article_of_one_outlet_count_once():
    copy = REUTERS.replace("BEIJING, April 4 (Reuters) - ", "")  # the same story on a syndicating site
    articles = [
        Article("reuters.txt", REUTERS, _at("2025-04-04T17:05", "Asia/Shanghai"), "Reuters"),
        Article("mining.txt", copy, _at("2025-04-04T19:00", "Asia/Shanghai"), "Mining.com"),
        Article("reuters-2.txt", XINHUA, _at("2025-04-05T09:00", "Asia/Shanghai"), "Reuters"),
    ]
    inbox = build_inbox(articles, load_events())
    proposal = next(e.proposal for e in inbox.entries if e.proposal.type == "restriction_tightening")
    assert len(proposal.articles) == 3 and proposal.outlets == ["Reuters"] and not proposal.corroborated
    assert inbox.counts["corroborated"] == 0


def test_knowable_follows_the_event_files_rule():
    with_time = Publication(dt.date(2025, 4, 4), "Asia/Shanghai", "given", dt.time(9, 30))
    assert knowable(with_time) == pd.Timestamp("2025-04-04T01:30Z")
    day_only = Publication(dt.date(2025, 4, 4), "America/New_York", "latest plausible zone")
    assert knowable(day_only) == pd.Timestamp(dt.datetime.combine(dt.date(2025, 4, 4), AFTER_CLOSE),
                                              tz="America/New_York").tz_convert("UTC")  # fmt: skip


@pytest.fixture(scope="module")
def dev_inbox():
    """One inbox over 80 dev-split articles of the corpus (many outlets telling the same events)."""
    corpus = json.loads((CORPUS / "corpus.json").read_text(encoding="utf-8"))["documents"]
    dev = set(json.loads((CORPUS / "split.json").read_text(encoding="utf-8"))["dev"])
    articles = []
    for document in [d for d in corpus if d["id"] in dev][:80]:
        published = _at(document["published"])
        if document.get("published_time") and document.get("published_tz"):
            published = _at(f"{document['published']}T{document['published_time']}", document["published_tz"])
        text = (CORPUS / document["file"]).read_text(encoding="utf-8")
        articles.append(Article(document["id"], text, published, document["outlet"]))
    return build_inbox(articles, load_events())


def test_no_proposal_is_known_before_any_of_its_sources_could_tell_it(dev_inbox):
    """Point-in-time by construction, on real articles: known is the earliest source's publication, and no
    source published before a (not scheduled) event's date supports it."""
    assert dev_inbox.entries
    for entry in dev_inbox.entries:
        proposal = entry.proposal
        assert proposal.first.knowable == min(s.knowable for s in proposal.sightings)
        for sighting in proposal.sightings:
            published = dev_inbox.publications[sighting.article]
            assert sighting.knowable == knowable(published)
            if proposal.date > published.day:  # only talks or a window the article tells of ahead
                assert proposal.type in SCHEDULED and sighting.candidate.date > published.day, entry.id
            candidate = sighting.candidate
            assert str(candidate.type) == proposal.type
            assert _same_time(proposal.date, proposal.precision, candidate.date, candidate.precision)
            assert PRECISIONS.index(candidate.precision) >= PRECISIONS.index(proposal.precision)


def test_every_candidate_is_in_one_proposal_and_the_queue_is_new_first_then_by_score(dev_inbox):
    sightings = [s for entry in dev_inbox.entries for s in entry.proposal.sightings]
    assert len(sightings) == dev_inbox.counts["candidates"]  # nothing silently dropped
    assert len({id(s) for s in sightings}) == len(sightings)
    expected = sum(len(extract_events(a.text, dev_inbox.publications[a.source].day, leads=True))
                   for a in dev_inbox.articles.values())  # fmt: skip
    assert len(sightings) == expected
    order = [(entry.status != "new", -entry.proposal.score) for entry in dev_inbox.entries]
    assert order == sorted(order)
    assert [entry.id for entry in dev_inbox.entries] == [f"P{n}" for n in range(1, len(dev_inbox.entries) + 1)]
    counts = dev_inbox.counts
    assert counts["new"] + counts["in_calendar"] + counts["differs"] == counts["proposals"] == len(dev_inbox.entries)


def test_leads_add_to_the_rules_candidates_without_changing_them():
    text = (CORPUS / "articles" / "ap-2010-09-24-china-halts-rare-earth-exports-japan.txt").read_text(encoding="utf-8")
    strict = extract_events(text, "2010-09-24")
    everything = extract_events(text, "2010-09-24", leads=True)
    assert [c for c in everything if not c.extra.get("lead")] == strict
    leads = [c for c in everything if c.extra.get("lead")]
    assert leads and max(c.confidence for c in leads) < min(c.confidence for c in strict)
    assert {c.extra["lead"].split()[0] for c in leads} <= {"doubted", "topic", "sibling"}


def test_min_score_drops_are_counted_and_a_scorer_replaces_the_rules():
    articles = [Article("reuters.txt", REUTERS, _at("2025-04-04T17:05", "Asia/Shanghai"), "Reuters")]
    everything = build_inbox(articles, load_events())
    cut = build_inbox(articles, load_events(), min_score=0.5)
    assert cut.counts["below_min_score"] == len(everything.entries) - len(cut.entries) > 0
    assert all(entry.proposal.score >= 0.5 for entry in cut.entries)
    flipped = build_inbox(articles, load_events(), scorer=lambda c: 5.0 if c.extra.get("lead") else -1.0)
    assert {entry.proposal.score for entry in flipped.entries} <= {0.0, 1.0}  # clipped to [0, 1]
    assert all(entry.proposal.lead == (entry.proposal.score == 1.0) for entry in flipped.entries)
