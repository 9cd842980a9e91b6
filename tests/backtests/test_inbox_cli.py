"""reelab events inbox and events accept, as a reviewer uses them: a folder of news to a merged event file."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from backtests.cli import main
from signals import load_events, sha256_file

REELAB = Path(sys.executable).with_name("reelab")
REVIEW_COLUMNS = ["proposal", "type", "announced", "precision", "known", "sources", "outlets", "calendar_id",
                  "score", "evidence", "decision"]  # fmt: skip

TEXT = """---
published: 2025-10-09 15:00 Asia/Shanghai
outlet: Reuters
url: https://example.com/reuters/controls
---
China expands rare earth export controls

BEIJING, Oct 9 (Reuters) - China's Ministry of Commerce on Thursday imposed export controls on five more rare
earth elements and on the equipment and technology used to refine them.
"""
PAGE = """<!DOCTYPE html><html><head><title>China widens rare earth curbs</title>
<meta property="og:site_name" content="Caixin Global">
<meta property="article:published_time" content="2025-10-09T21:40:00+08:00">
<link rel="canonical" href="https://example.com/caixin/curbs"></head>
<body><nav>Home | Markets | Subscribe</nav><article><h1>China widens rare earth curbs</h1>
<p>The Ministry of Commerce announced on Thursday that it imposed export controls on five more rare earth elements,
extending the regime it set up in April.</p>
<p>Officials said licences would be reviewed case by case, and that exports for civilian use would be allowed.</p>
</article><script>track()</script></body></html>"""
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Mining Weekly</title><link>https://example.com</link>
<item><title>Beijing halts rare earth magnet shipments</title><link>https://example.com/mw/1</link>
<pubDate>Mon, 14 Apr 2025 08:00:00 +0000</pubDate>
<description>&lt;p&gt;China halted exports of rare earth magnets on Monday while customs officers applied the new
licence rules, exporters said.&lt;/p&gt;</description></item>
<item><title>Undated item about rare earths</title><link>https://example.com/mw/2</link>
<description>China imposed export controls on rare earths.</description></item>
</channel></rss>"""


@pytest.fixture
def news(tmp_path) -> Path:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "reuters.txt").write_text(TEXT, encoding="utf-8")
    (folder / "caixin.html").write_text(PAGE, encoding="utf-8")
    (folder / "mining.xml").write_text(FEED, encoding="utf-8")
    (folder / "undated.txt").write_text("China imposed export controls on rare earths on Thursday.\n", encoding="utf-8")
    return folder


def _inbox(news: Path, out: Path, *extra: str) -> int:
    try:
        return main(["events", "inbox", *(str(p) for p in sorted(news.iterdir())), "--out", str(out), *extra])
    except SystemExit as stop:  # argparse exits by itself on a bad --out
        return int(stop.code or 0)


def test_inbox_writes_a_review_folder_and_reports_what_it_skipped(news, tmp_path, capsys):
    out = tmp_path / "inbox"
    assert _inbox(news, out) == 0
    captured = capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "proposals.json", "review.csv", "review.html"]
    skipped = [line for line in captured.err.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 2 and any("undated.txt" in line for line in skipped)
    assert any("mining.xml#2" in line for line in skipped)
    with (out / "review.csv").open(newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        rows = list(reader)
    assert reader.fieldnames == REVIEW_COLUMNS and rows and all(row["decision"] == "" for row in rows)
    october = next(r for r in rows if (r["type"], r["announced"]) == ("restriction_tightening", "2025-10-09"))
    assert october["calendar_id"] == "2025-10-09-RT" and october["sources"] == "2"
    assert october["outlets"] == "Reuters;Caixin Global" and october["known"] == "2025-10-09T15:00 Asia/Shanghai"
    news_rows = [row for row in rows if row["calendar_id"] == "NEW"]
    assert rows[: len(news_rows)] == news_rows  # NEW first
    manifest = json.loads((out / "manifest.json").read_text())
    assert {item["source"]: item["sha256"] for item in manifest["inputs"]}[str(news / "caixin.html")] == sha256_file(
        news / "caixin.html"
    )
    assert manifest["counts"]["articles"] == 3 and manifest["counts"]["skipped"] == 2
    assert manifest["counts"]["proposals"] == len(rows) and {"trafilatura", "feedparser"} <= set(manifest["versions"])
    page = (out / "review.html").read_text()
    assert "<script src" not in page and "track()" not in page and october["proposal"] in page
    assert "Commerce Ministry" in captured.out or "proposals from 3 articles" in captured.out


def _decide(review: Path, decisions: dict[str, str]) -> None:
    with review.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    for row in rows:
        row["decision"] = decisions.get(row["proposal"], row["decision"])
    with review.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=REVIEW_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def _proposal(review: Path, kind: str, announced: str) -> str:
    with review.open(newline="", encoding="utf-8") as stream:
        return next(r["proposal"] for r in csv.DictReader(stream) if (r["type"], r["announced"]) == (kind, announced))


@pytest.mark.parametrize("suffix", [".csv", ".yaml", ".json"])
def test_accept_appends_accepted_and_edited_proposals_known_at_their_first_source(news, tmp_path, capsys, suffix):
    out = tmp_path / "inbox"
    assert _inbox(news, out) == 0
    review = out / "review.csv"
    october = _proposal(review, "restriction_tightening", "2025-10-09")
    april = _proposal(review, "restriction_tightening", "2025-04-14")
    _decide(review, {october: "accept", april: "retaliation_escalation 2025-04-13"})
    target = tmp_path / f"my_events{suffix}"
    capsys.readouterr()
    assert main(["events", "accept", str(review), "--append-to", str(target)]) == 0
    printed = capsys.readouterr().out
    assert f"{october}: appended as 2025-10-09-RT" in printed and f"{april}: appended as 2025-04-13-RE" in printed
    events = {event.id: event for event in load_events(target)}
    assert set(events) == {"2025-10-09-RT", "2025-04-13-RE"}
    first = events["2025-10-09-RT"]
    assert first.knowable_at() == pd.Timestamp("2025-10-09T07:00Z")  # 15:00 Beijing: Reuters, before Caixin
    assert "example.com/reuters/controls" in first.source and "example.com/caixin/curbs" in first.source
    edited = events["2025-04-13-RE"]
    assert edited.knowable_at() == pd.Timestamp("2025-04-14T08:00Z")  # the feed item's time, never earlier
    assert edited.announced_at.date().isoformat() == "2025-04-13"
    merged = load_events(target, merge=True)  # the shipped calendar plus the user's file, as a backtest reads it
    assert "2025-04-13-RE" in {event.id for event in merged}
    before = target.read_bytes()
    assert main(["events", "accept", str(review), "--append-to", str(target)]) == 0  # a second time: nothing new
    assert target.read_bytes() == before and "already in" in capsys.readouterr().out


def test_only_overrides_the_decisions_and_bad_decisions_are_one_line(news, tmp_path, capsys):
    out = tmp_path / "inbox"
    assert _inbox(news, out) == 0
    review = out / "review.csv"
    october = _proposal(review, "restriction_tightening", "2025-10-09")
    target = tmp_path / "mine.csv"
    assert main(["events", "accept", str(review), "--append-to", str(target), "--only", october]) == 0
    assert [event.id for event in load_events(target)] == ["2025-10-09-RT"]
    capsys.readouterr()
    before = target.read_bytes()
    for decisions, only, message in [
        ({october: "maybe"}, None, "decision"),
        ({october: "bogus_type"}, None, "decision"),
        ({october: "2025-02-30"}, None, "2025-02-30"),
        ({}, "P999", "P999"),
    ]:
        _decide(review, {october: ""} | decisions)
        arguments = ["events", "accept", str(review), "--append-to", str(target)] + (["--only", only] if only else [])
        assert main(arguments) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], lines
        assert target.read_bytes() == before  # nothing half-written


def test_a_rerun_never_loses_decisions_or_foreign_files(news, tmp_path, capsys):
    out = tmp_path / "inbox"
    assert _inbox(news, out) == 0
    review = out / "review.csv"
    _decide(review, {"P1": "reject"})
    decided = review.read_bytes()
    assert _inbox(news, out) == 2
    assert "would lose" in capsys.readouterr().err and review.read_bytes() == decided
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    assert _inbox(news, foreign) == 2 and (foreign / "notes.txt").read_text() == "mine"
    assert main(["events", "inbox", str(news / "undated.txt"), "--out", str(tmp_path / "none")]) == 2
    assert "nothing to review" in capsys.readouterr().err and not (tmp_path / "none").exists()


def test_an_index_gives_the_publication_outlet_and_url(news, tmp_path):
    index = tmp_path / "articles.csv"
    index.write_text("file,published,outlet,url\nnews/undated.txt,2025-10-09T16:00+08:00,AP,https://example.com/ap\n")
    out = tmp_path / "inbox"
    assert main(["events", "inbox", "--index", str(index), "--out", str(out)]) == 0
    records = json.loads((out / "proposals.json").read_text())
    october = next(r for r in records if (r["type"], r["announced"]) == ("restriction_tightening", "2025-10-09"))
    [source] = october["articles"]
    assert (source["outlet"], source["url"]) == ("AP", "https://example.com/ap")
    assert october["known"] == "2025-10-09T16:00" and october["tz"] == "Etc/GMT-8"
    assert [item["kind"] for item in json.loads((out / "manifest.json").read_text())["inputs"]] == ["index", "text"]


def test_two_accepts_at_once_both_land(news, tmp_path):
    """Each accept reads, plans and writes under the target's lock: neither append is lost."""
    reviews = []
    for name in ("a", "b"):
        out = tmp_path / name
        files = [news / "reuters.txt"] if name == "a" else [news / "mining.xml"]
        assert main(["events", "inbox", *map(str, files), "--out", str(out)]) == 0
        kind, day = (
            ("restriction_tightening", "2025-10-09") if name == "a" else ("restriction_tightening", "2025-04-14")
        )
        _decide(out / "review.csv", {_proposal(out / "review.csv", kind, day): "accept"})
        reviews.append(out / "review.csv")
    target = tmp_path / "shared.csv"
    runs = [subprocess.Popen([REELAB, "events", "accept", str(r), "--append-to", str(target)]) for r in reviews]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    assert {event.id for event in load_events(target)} == {"2025-10-09-RT", "2025-04-14-RT"}


def test_decisions_written_while_the_inbox_ran_are_kept(news, tmp_path, monkeypatch):
    """The check runs again under the folder's lock when publishing: decisions saved after the first check
    (a reviewer working on the previous queue while a rerun computes) still stop the rerun."""
    import signals

    out = tmp_path / "inbox"
    assert _inbox(news, out) == 0
    review = out / "review.csv"
    real = signals.build_inbox

    def reviewer_saves_meanwhile(*args, **kwargs):
        _decide(review, {"P1": "accept"})
        return real(*args, **kwargs)

    monkeypatch.setattr(signals, "build_inbox", reviewer_saves_meanwhile)
    assert _inbox(news, out) == 2
    decided = review.read_bytes()
    assert b"P1" in decided and b"accept" in decided
