"""Articles read from files: plain text, saved web pages and RSS/Atom feeds, with their publication.

The reader behind ``reelab events inbox``: :func:`read_articles` turns files (or an index of them)
into :class:`Article` records, the main text with its outlet, url and publication time, and lists
every file or feed item it could not date as :class:`Skipped`, with the reason. A publication is
never guessed (point-in-time rule 4: an event is knowable no earlier than its text's publication):
no dateline, no date in the visible text, no date in the url.

Where the publication time comes from:

* an index row's ``published`` (it overrides the file's own metadata; an empty value falls back to it);
* plain text: the YAML front matter at the top of the file (``published``, ``outlet``, ``url``,
  ``title`` between two ``---`` lines);
* a saved web page: explicit publication markup only, read with lxml, in this order: ``<meta>``
  ``article:published_time`` (and ``og:article:published_time``, ``og:published_time``,
  ``datePublished``, ``pubdate``, ``publishdate``, ``publish-date``, ``dc.date.issued``,
  ``dcterms.issued``, ``parsely-pub-date``), then an element with ``itemprop="datePublished"``
  (its ``content`` or ``datetime``), then JSON-LD ``datePublished`` (top-level objects and their
  ``@graph``, not lists of related stories), then a ``<time pubdate datetime>``, then the first
  ``<time datetime>`` inside the page's first ``<article>``. The first value that carries a time
  with its zone wins, else the first with a time, else the first date. trafilatura's own ``date``
  (htmldate) is not used: it is a day only, and may be guessed from the url or the visible text;
* a feed item: its ``published``, else its ``updated`` time.

A ``published`` value (index or front matter) and a time in page markup are read as
:mod:`signals._published` decides, in IANA zones. A feed's zoned times are given in UTC
(feedparser's reading); a feed date without a time stays a naive day rather than feedparser's
midnight UTC.
"""

from __future__ import annotations

import calendar
import importlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ._io import read_text_input, sha256_file
from ._published import UTC, _kind, _Listing, _markup_time, _parse_published, _precision, _read_index
from ._structured import read_yaml
from .errors import (
    DuplicateFieldError,
    InputFileError,
    InvalidFieldError,
    MalformedFileError,
    ParameterError,
    ReelabError,
)

__all__ = ["Article", "Skipped", "read_articles"]

KINDS = ("text", "html", "feed")
#: Why an article is skipped when nothing gives its publication.
NO_TIME = "no publication time: give it in the index or the file's front matter"
NO_PAGE_TIME = (
    "no publication time: the page has no publication markup (article:published_time, datePublished, "
    "<time datetime>); give it in the index"
)
INSTALL_HINT = 'pip install "reelab[news]"'
_PUBLISHED_META = ("article:published_time", "og:article:published_time", "og:published_time", "datepublished",
                   "pubdate", "publishdate", "publish-date", "dc.date.issued", "dcterms.issued",
                   "parsely-pub-date")  # fmt: skip
_BLOCKS = ("p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr",
           "table", "section", "article", "header", "footer", "figure", "figcaption", "dd", "dt", "hr")  # fmt: skip


@dataclass(frozen=True)
class Article:
    """One article: its main text (title on the first line, then the body) and metadata.

    ``published`` is a naive midnight for a date alone, a naive time for a time without zone, else
    tz-aware in an IANA zone (see :mod:`signals._published`). ``source`` is the path as given, and
    ``<path>#<n>`` for the n-th item (from 1) of a feed; ``sha256`` is of the file's bytes.
    """

    source: str
    text: str
    published: pd.Timestamp
    outlet: str  # "" when unknown
    url: str  # "" when unknown
    sha256: str
    kind: str  # "text", "html" or "feed"


@dataclass(frozen=True)
class Skipped:
    """A file or feed item left out, and why (no publication time, no text, an empty feed)."""

    source: str
    reason: str


def read_articles(
    files: Sequence[str | Path] = (), index: str | Path | None = None
) -> tuple[list[Article], list[Skipped]]:
    """The articles in ``files``, or in the files an index CSV lists, and those skipped.

    Parameters
    ----------
    files
        Article files: plain text (with optional YAML front matter), saved HTML pages, RSS/Atom
        feeds (one article per item, in order). The kind is read from the content: a document whose
        root is ``rss``, ``feed`` or ``rdf:RDF`` is a feed, an HTML document (or markup in a file
        named ``.html``/``.htm``) is a page, anything else is text.
    index
        A CSV with a header and columns ``file`` and ``published`` (``outlet`` and ``url``
        optional, any other column ignored); ``file`` is relative to the index's folder. Its
        values override the file's own; empty ones fall back to them. A feed's row may give an
        outlet only (its items carry their own times and links).

    Returns
    -------
    (articles, skipped)
        Articles in the order of the files (and of a feed's items); ``skipped`` lists every file
        or item with no publication time anywhere (never guessed) or no text.

    Raises
    ------
    ParameterError
        Both or neither of ``files`` and ``index`` given.
    MissingFileError, InputFileError
        A file that does not exist, is a folder, not text or not UTF-8 (an index's names its line).
    MissingColumnError, DuplicateFieldError, MalformedFileError, InvalidFieldError
        An index without ``file`` or ``published`` in its header, a malformed row, or malformed
        front matter.
    InvalidDateError, UnknownTimeZoneError
        A ``published`` value (index or front matter) that is not a date or a time with a valid zone,
        naming the file, line and value.
    ReelabError
        A page or feed to read, but trafilatura or feedparser not installed (``pip install "reelab[news]"``).
    """
    if isinstance(files, str | Path):
        files = [files]
    if bool(files) == (index is not None):
        given = "both" if files else "neither"
        raise ParameterError("files/index", given, "article files or an index CSV (--index), exactly one of them")
    listings = _read_index(Path(index)) if index is not None else [_Listing(Path(file)) for file in files]
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for listing in listings:
        for item in _read_file(listing):
            if isinstance(item, Article):
                articles.append(item)
            else:
                skipped.append(item)
    return articles, skipped


# --- optional packages -------------------------------------------------------------------------


def _optional(module: str, reading: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ReelabError(
            f"reading {reading} needs {module.split('.')[0]} ({error}), which the 'news' extra installs: {INSTALL_HINT}"
        ) from None


# --- one file ----------------------------------------------------------------------------------


def _read_file(listing: _Listing) -> Iterator[Article | Skipped]:
    path = listing.path
    text = read_text_input(path, "article")
    digest = sha256_file(path)
    kind = _kind(text, path)
    if kind == "feed":
        yield from _read_feed(text, listing, digest)
        return
    source = str(path)
    if kind == "html":
        body, published, outlet, url, problem = _read_page(text)
    else:
        body, published, outlet, url = _read_text(text, source)
        problem = ""
    published = listing.published if listing.published is not None else published
    if not body.strip():
        yield Skipped(source, problem or "no text")
    elif published is None:
        reason = NO_TIME if kind == "text" else NO_PAGE_TIME
        yield Skipped(source, reason + (f" ({problem})" if problem else ""))
    else:
        yield Article(source, body, published, listing.outlet or outlet, listing.url or url, digest, kind)


def _read_text(text: str, name: str) -> tuple[str, pd.Timestamp | None, str, str]:
    """(text, published, outlet, url) of a plain-text article, from its front matter if it has one."""
    values, lines, body = _front_matter(text, name)
    published = None
    if values.get("published"):
        published = _parse_published(values["published"], name, lines.get("published"))
    title, body = values.get("title", ""), body.strip()
    return (f"{title}\n{body}" if title else body), published, values.get("outlet", ""), values.get("url", "")


def _front_matter(text: str, name: str) -> tuple[dict[str, str], dict[str, int], str]:
    """(values, the line of each key, the text after it) of YAML front matter between ``---`` lines."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return {}, {}, text
    end = next((number for number in range(1, len(lines)) if lines[number].rstrip() in ("---", "...")), None)
    if end is None:
        raise MalformedFileError(
            name, 1, "front matter", "---", "front matter never closed (end it with a '---' line):"
        )
    document, _, repeats = read_yaml("\n" + "".join(lines[1:end]), name)  # "\n": line numbers are the file's
    if repeats:
        line, first, key = repeats[0]
        raise DuplicateFieldError(name, line, str(key), str(key), f"front matter gives a key twice (line {first}):")
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise MalformedFileError(name, 2, "front matter", str(document)[:80], "front matter is not 'key: value' lines:")
    key_lines: dict[str, int] = {}
    for number in range(1, end):
        found = re.match(r"([^\s:#][^:]*?)\s*:", lines[number])
        if found:
            key_lines.setdefault(found[1].strip("'\""), number + 1)
    values: dict[str, str] = {}
    for key, value in document.items():
        if isinstance(value, dict | list):
            raise InvalidFieldError(
                name, key_lines.get(str(key)), str(key), value, "front matter value is not a single value:"
            )
        values[str(key)] = "" if value is None else str(value).strip()
    return values, key_lines, "".join(lines[end + 1 :])


def _read_page(html: str) -> tuple[str, pd.Timestamp | None, str, str, str]:
    """(text, published, outlet, url, problem) of a saved web page: text and metadata by trafilatura,
    the publication from explicit markup only (the module docstring lists it)."""
    trafilatura = _optional("trafilatura", "saved web pages")
    tree = trafilatura.load_html(html)
    published, unreadable = _page_published(tree) if tree is not None else (None, [])
    document = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=True)
    if document is None or not (document.text or "").strip():
        return "", published, "", "", "no article text found in the page"
    title, body = (document.title or "").strip(), (document.text or "").strip()
    if title and body.splitlines()[0].strip() != title:
        body = f"{title}\n{body}"
    outlet = (document.sitename or document.hostname or "").strip()
    problem = f"unreadable publication markup {', '.join(map(repr, unreadable))}" if unreadable else ""
    return body, published, outlet, (document.url or "").strip(), problem


def _page_published(tree: Any) -> tuple[pd.Timestamp | None, list[str]]:
    """(publication, values that could not be read) from a page's explicit publication markup."""
    values: list[str] = []
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if key in _PUBLISHED_META and meta.get("content"):
            values.append(meta.get("content"))
    for element in tree.xpath('//*[@itemprop="datePublished"][not(self::meta)]'):
        if element.get("content") or element.get("datetime"):
            values.append(element.get("content") or element.get("datetime"))
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        values += _json_ld_published(script.text or "")
    values += [element.get("datetime") for element in tree.xpath("//time[@pubdate][@datetime]")]
    values += [element.get("datetime") for element in tree.xpath("((//article)[1]//time[@datetime])[1]")]
    best: pd.Timestamp | None = None
    unreadable = []
    for value in values:
        stamp = _markup_time(value)
        if stamp is None:
            unreadable.append(value)
        elif best is None or _precision(stamp) > _precision(best):
            best = stamp
    return best, unreadable


def _json_ld_published(text: str) -> list[str]:
    try:
        data = json.loads(text)
    except ValueError:
        return []
    objects = list(data) if isinstance(data, list) else [data]
    objects += [node for item in objects if isinstance(item, dict) for node in item.get("@graph", []) or []]
    dated = (item.get("datePublished") for item in objects if isinstance(item, dict))
    return [value for value in dated if isinstance(value, str)]


# --- feeds ---------------------------------------------------------------------------------------


def _read_feed(text: str, listing: _Listing, digest: str) -> Iterator[Article | Skipped]:
    feedparser = _optional("feedparser", "RSS/Atom feeds")
    # bytes, never a str: feedparser would take a str that looks like a url or a path for one to open
    parsed = feedparser.parse(text.encode("utf-8"))
    if not parsed.entries:
        if parsed.get("bozo"):
            raise InputFileError(
                f"feed {str(listing.path)!r} is not a valid RSS/Atom document: {parsed.bozo_exception}"
            )
        yield Skipped(str(listing.path), "the feed has no items")
        return
    feed_title = (parsed.feed.get("title") or "").strip()
    for number, entry in enumerate(parsed.entries, start=1):
        source = f"{listing.path}#{number}"
        title = (entry.get("title") or "").strip()
        body = _entry_text(entry)
        article_text = "\n".join(part for part in (title, body) if part)
        published = _entry_published(entry)
        if not article_text:
            yield Skipped(source, "no text")
        elif published is None:
            yield Skipped(source, "no publication time: the item has no published or updated time")
        else:
            outlet = listing.outlet or (entry.get("source") or {}).get("title", "").strip() or feed_title
            yield Article(source, article_text, published, outlet, (entry.get("link") or "").strip(), digest, "feed")


def _entry_text(entry: Any) -> str:
    """The item's content (else its summary) as text: HTML through lxml, plain text as it is."""
    details = [*entry.get("content", []), entry.get("summary_detail")]
    detail = next((item for item in details if item and (item.get("value") or "").strip()), None)
    if detail is None:
        return ""
    if detail.get("type") in ("text/plain", "text"):
        return str(detail["value"]).strip()
    return _html_text(detail["value"])


def _html_text(fragment: str) -> str:
    """The text of an HTML fragment, a line per block, without scripts and styles."""
    lxml_html = _optional("lxml.html", "RSS/Atom feeds")
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    for element in root.xpath(".//script|.//style|.//noscript"):
        element.drop_tree()
    for element in root.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def _entry_published(entry: Any) -> pd.Timestamp | None:
    """The item's published (else updated) time: a zoned time in UTC, a time or date without zone naive."""
    for field in ("published", "updated"):
        raw = (entry.get(field) or "").strip()
        own = _markup_time(raw) if raw else None
        if own is not None:
            # feedparser would read a date alone as midnight UTC and a time without zone as UTC: keep them naive
            return own.tz_convert(UTC) if own.tzinfo is not None else own
        moment = entry.get(f"{field}_parsed")
        if moment is not None:
            if raw and ":" not in raw:  # a date without a time (e.g. "Thu, 09 Oct 2025")
                return pd.Timestamp(moment.tm_year, moment.tm_mon, moment.tm_mday)
            return pd.Timestamp(calendar.timegm(moment), unit="s", tz=UTC)
    return None
