"""Reading articles (text, saved pages, feeds, an index) with their publication: signals._articles."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pandas as pd
import pytest

from signals._articles import NO_TIME, Article, Skipped, read_articles
from signals.errors import (
    InvalidDateError,
    MalformedFileError,
    MissingColumnError,
    MissingFileError,
    ParameterError,
    ReelabError,
    UnknownTimeZoneError,
)

BODY = (
    "China's Ministry of Commerce on Thursday announced new export controls on rare earth technologies and five "
    "additional elements, broadening a licensing regime that has already disrupted supply chains for magnet makers.\n"
    "The measures take effect on December 1 and require foreign companies to obtain a licence for products holding "
    "even small amounts of Chinese-origin rare earths, the ministry said in a statement on its website.\n"
    "Analysts said the move raised the stakes ahead of planned talks later this month, and shares of rare earth "
    "producers outside China rose sharply in early trading on the news from Beijing.\n"
)


def page(head: str = "", visible: str = "") -> str:
    """A saved news page: navigation, scripts and a footer around the article."""
    paragraphs = "".join(f"<p>{line}</p>\n" for line in BODY.splitlines())
    return f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>China widens rare earth export controls | Example News</title>
<meta property="og:site_name" content="Example News">
<meta property="og:url" content="https://news.example.com/2025/10/09/rare-earths">
<link rel="canonical" href="https://news.example.com/2025/10/09/rare-earths">
{head}
<script>var tracking = "SCRIPTTEXT";</script>
<style>body {{ color: red; }}</style>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/markets">NAVMARKETS</a></li>
<li><a href="/w">NAVWORLD</a></li></ul></nav>
<article>
<h1>China widens rare earth export controls</h1>
{visible}
{paragraphs}
</article>
<footer>Copyright FOOTERTEXT. All rights reserved.</footer>
<script>console.log("SCRIPTTWO")</script>
</body></html>
"""


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Metals Wire</title><link>https://wire.example.com/</link><description>Metals news</description>
<item><title>China adds five rare earths to export controls</title>
<link>https://wire.example.com/a1</link>
<pubDate>Thu, 09 Oct 2025 14:30:00 +0800</pubDate>
<description>&lt;p&gt;Beijing &lt;b&gt;widened&lt;/b&gt; controls.&lt;/p&gt;&lt;p&gt;Magnets included.&lt;/p&gt;\
&lt;script&gt;alert("ITEMSCRIPT")&lt;/script&gt;</description>
</item>
<item><title>Undated item</title><link>https://wire.example.com/a2</link><description>No date here.</description></item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Atom Metals</title><id>urn:feed</id><updated>2025-10-10T00:00:00Z</updated>
<entry><title>Trade talks set</title><link href="https://atom.example.com/t1"/><id>urn:1</id>
<updated>2025-10-10T08:00:00+08:00</updated>
<source><title>Original Outlet</title><id>urn:src</id></source>
<content type="html">&lt;p&gt;Officials &lt;i&gt;will meet&lt;/i&gt; in Geneva.&lt;/p&gt;</content></entry>
</feed>
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_front_matter_gives_the_metadata_and_is_removed(tmp_path):
    path = write(
        tmp_path,
        "note.txt",
        "---\npublished: 2025-10-09 14:30 Asia/Shanghai\noutlet: Xinhua\nurl: https://x.example/1\n"
        "title: MOFCOM tightens controls\n---\nBEIJING, Oct 9 (Xinhua) -- China tightened controls.\n",
    )
    articles, skipped = read_articles([path])
    assert skipped == []
    [article] = articles
    assert article.text == "MOFCOM tightens controls\nBEIJING, Oct 9 (Xinhua) -- China tightened controls."
    assert article.published == pd.Timestamp("2025-10-09 06:30", tz="UTC")
    assert str(article.published.tz) == "Asia/Shanghai"
    assert (article.outlet, article.url, article.kind, article.source) == (
        "Xinhua", "https://x.example/1", "text", str(path),
    )  # fmt: skip
    assert article.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_front_matter_date_only_is_a_naive_day(tmp_path):
    path = write(tmp_path, "day.txt", "---\npublished: 2025-10-09\n---\nText.\n")
    [article], _ = read_articles([path])
    assert article.published == pd.Timestamp("2025-10-09") and article.published.tzinfo is None
    assert (article.text, article.outlet, article.url) == ("Text.", "", "")


def test_front_matter_bad_value_names_the_file_and_line(tmp_path):
    path = write(tmp_path, "bad.txt", "---\noutlet: Reuters\npublished: 2025-02-30\n---\nText.\n")
    with pytest.raises(InvalidDateError, match=r"bad\.txt line 3, column 'published'.*'2025-02-30'"):
        read_articles([path])


def test_text_without_front_matter_is_skipped_not_dated_from_its_dateline(tmp_path):
    path = write(tmp_path, "plain.txt", "BEIJING, Oct 9, 2025 (Reuters) - China tightened export controls.\n")
    articles, skipped = read_articles([path])
    assert articles == []
    assert skipped == [Skipped(str(path), NO_TIME)]


def test_page_with_published_time_and_zone(tmp_path):
    head = '<meta property="article:published_time" content="2025-10-09T14:30:00+08:00">'
    path = write(tmp_path, "page.html", page(head))
    articles, skipped = read_articles([path])
    assert skipped == []
    [article] = articles
    assert article.kind == "html"
    assert article.published == pd.Timestamp("2025-10-09 06:30", tz="UTC")  # the same instant
    assert str(article.published.tz) == "Etc/GMT-8"  # +08:00, in the IANA zone of that offset
    assert article.outlet == "Example News"
    assert article.url == "https://news.example.com/2025/10/09/rare-earths"
    assert article.text.splitlines()[0] == "China widens rare earth export controls"
    assert "five additional elements" in article.text and "early trading" in article.text
    for noise in ("SCRIPTTEXT", "SCRIPTTWO", "color: red", "NAVMARKETS", "NAVWORLD", "FOOTERTEXT", "<p>", "</"):
        assert noise not in article.text


def test_page_time_from_json_ld_keeps_the_time_that_the_day_only_meta_lacks(tmp_path):
    head = (
        '<meta property="article:published_time" content="2025-10-09">'
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",'
        ' "datePublished": "2025-10-09T08:15:00Z"}</script>'
    )
    path = write(tmp_path, "ld.html", page(head))
    [article], _ = read_articles([path])
    assert article.published == pd.Timestamp("2025-10-09 08:15", tz="UTC")
    assert str(article.published.tz) == "UTC"


def test_page_with_a_date_only_in_its_visible_text_is_skipped(tmp_path):
    visible = "<p class='byline'>Published October 9, 2025 at 14:30 Beijing time</p>"
    path = write(tmp_path, "undated.html", page(visible=visible))
    articles, skipped = read_articles([path])
    assert articles == []
    assert [item.source for item in skipped] == [str(path)]
    assert skipped[0].reason.startswith("no publication time")


def test_rss_items_in_order_and_an_undated_item_skipped(tmp_path):
    path = write(tmp_path, "wire.rss", RSS)
    articles, skipped = read_articles([path])
    [article] = articles
    assert article.source == f"{path}#1" and article.kind == "feed"
    title = "China adds five rare earths to export controls"
    assert article.text == f"{title}\nBeijing widened controls.\nMagnets included."
    assert article.published == pd.Timestamp("2025-10-09 06:30", tz="UTC")
    assert str(article.published.tz) == "UTC"
    assert (article.outlet, article.url) == ("Metals Wire", "https://wire.example.com/a1")
    assert article.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [item.source for item in skipped] == [f"{path}#2"]
    assert "no publication time" in skipped[0].reason


def test_atom_entry_with_its_source_outlet(tmp_path):
    path = write(tmp_path, "metals.xml", ATOM)
    [article], skipped = read_articles([path])
    assert skipped == []
    assert article.source == f"{path}#1" and article.kind == "feed"
    assert article.text == "Trade talks set\nOfficials will meet in Geneva."
    assert article.published == pd.Timestamp("2025-10-10 00:00", tz="UTC")
    assert (article.outlet, article.url) == ("Original Outlet", "https://atom.example.com/t1")


def test_kind_comes_from_the_content_not_the_suffix(tmp_path):
    feed = write(tmp_path, "feed.txt", ATOM)
    text = write(tmp_path, "notes.html", "---\npublished: 2025-10-09\n---\nNot markup at all.\n")
    articles, _ = read_articles([feed, text])
    assert [article.kind for article in articles] == ["feed", "text"]


def test_index_with_day_offset_and_zone_name(tmp_path):
    (tmp_path / "news").mkdir()
    write(tmp_path / "news", "a.txt", "Alpha.\n")
    write(tmp_path / "news", "b.txt", "Bravo.\n")
    write(
        tmp_path / "news",
        "c.txt",
        "---\npublished: 2020-01-01\noutlet: Own Outlet\nurl: https://own/c\n---\nCharlie.\n",
    )
    write(tmp_path / "news", "d.txt", "Delta.\n")
    write(tmp_path / "news", "e.txt", "Echo.\n")
    index = write(
        tmp_path,
        "articles.csv",
        "file,published,outlet,url,note\n"
        "news/a.txt,2025-10-09,Reuters,https://r/a,first\n"
        "news/b.txt,2025-10-09T14:30+08:00,,,\n"
        "news/c.txt,2025-10-09 14:30 Asia/Shanghai,,,\n"
        "news/d.txt,2025-10-09T14:30+05:30,,,\n"
        "news/e.txt,,,,no time\n",
    )
    articles, skipped = read_articles(index=index)
    by_text = {article.text: article for article in articles}
    day = by_text["Alpha."].published
    assert day == pd.Timestamp("2025-10-09") and day.tzinfo is None
    assert (by_text["Alpha."].outlet, by_text["Alpha."].url) == ("Reuters", "https://r/a")
    offset = by_text["Bravo."].published
    assert offset == pd.Timestamp("2025-10-09 06:30", tz="UTC") and str(offset.tz) == "Etc/GMT-8"
    named = by_text["Charlie."].published  # the index overrides the front matter's 2020-01-01
    assert named == pd.Timestamp("2025-10-09 06:30", tz="UTC") and str(named.tz) == "Asia/Shanghai"
    assert (by_text["Charlie."].outlet, by_text["Charlie."].url) == ("Own Outlet", "https://own/c")
    half_hour = by_text["Delta."].published  # no Etc zone for +05:30: converted to UTC
    assert half_hour == pd.Timestamp("2025-10-09 09:00", tz="UTC") and str(half_hour.tz) == "UTC"
    assert by_text["Alpha."].source == str(tmp_path / "news" / "a.txt")
    assert skipped == [Skipped(str(tmp_path / "news" / "e.txt"), NO_TIME)]


LINE_3 = r"articles\.csv line 3, column 'published'"


@pytest.mark.parametrize(
    ("header", "row", "error", "pattern"),
    [
        ("file,outlet,url", "a.txt,Reuters,", MissingColumnError, r"articles\.csv line 1, column 'published': missing"),
        ("file,published", "gone.txt,2025-10-09", MissingFileError, r"articles\.csv line 3: article .*gone\.txt"),
        ("file,published", "a.txt,09/10/2025", InvalidDateError, LINE_3 + r".*'09/10/2025'"),
        ("file,published", "a.txt,2025-13-01", InvalidDateError, LINE_3 + r".*'2025-13-01'"),
        ("file,published", "a.txt,2025-10-09,Reuters, London", MalformedFileError, r"line 3.*more fields than columns"),
        (
            "file,published", "a.txt,2025-10-09 14:30 Asia/Shangai", UnknownTimeZoneError,
            LINE_3 + r": unknown time zone 'Asia/Shangai'.*expected one of: Asia/Shanghai",
        ),
    ],
)  # fmt: skip
def test_index_errors_name_the_index_and_line(tmp_path, header, row, error, pattern):
    write(tmp_path, "a.txt", "Alpha.\n")
    index = write(tmp_path, "articles.csv", f"{header}\na.txt,2025-10-09{',' * (header.count(',') - 1)}\n{row}\n")
    with pytest.raises(error, match=pattern):
        read_articles(index=index)


def test_files_and_index_are_exclusive(tmp_path):
    path = write(tmp_path, "a.txt", "---\npublished: 2025-10-09\n---\nAlpha.\n")
    index = write(tmp_path, "articles.csv", "file,published\na.txt,2025-10-09\n")
    with pytest.raises(ParameterError, match="exactly one"):
        read_articles([path], index=index)
    with pytest.raises(ParameterError, match="exactly one"):
        read_articles()


def test_plain_text_needs_no_optional_package_and_a_page_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # import trafilatura now raises ImportError
    monkeypatch.setitem(sys.modules, "feedparser", None)
    text = write(tmp_path, "a.txt", "---\npublished: 2025-10-09\n---\nAlpha.\n")
    [article], _ = read_articles([text])
    assert isinstance(article, Article)
    html = write(tmp_path, "page.html", page())
    with pytest.raises(ReelabError, match=r'pip install "reelab\[news\]"'):
        read_articles([html])
    feed = write(tmp_path, "feed.xml", RSS)
    with pytest.raises(ReelabError, match=r'pip install "reelab\[news\]"'):
        read_articles([feed])
