"""The shipped data, audited like a dataset: every event and every asset carries its sources.

``seeds/events.csv`` is built from the reference timeline and ``seeds/events_audit.csv`` by the rules of
``seeds/AUDIT.md``; ``seeds/universe.csv`` rests on ``seeds/universe_audit.csv``. Each audit rule is a
test here, so a row that breaks one cannot ship.
"""

from __future__ import annotations

import csv
import re

import pytest

import seeds
from signals import load_events, load_universe
from tools.build_events import AUDIT_COLUMNS, build_rows, read_audit, render

from .conftest import SHARED

URL = re.compile(r"https?://\S+")
EVENTS = list(csv.DictReader(seeds.path("events.csv").open(encoding="utf-8")))
AUDIT = read_audit(seeds.path("events_audit.csv"))
LIVE = [row for row in AUDIT if row["status"] != "removed"]


def test_the_calendar_is_the_reference_and_the_audit_joined():
    reference = SHARED / "reference" / "policy_events.csv"
    if not reference.is_file():
        pytest.skip("shared/reference is not beside this checkout")
    assert render(build_rows(reference, seeds.path("events_audit.csv"))) == seeds.path("events.csv").read_text()


def test_every_event_has_exactly_one_audit_row_and_every_row_an_event():
    ids = [row["id"] for row in LIVE]
    assert len(ids) == len(set(ids)) == len(EVENTS)
    assert set(ids) == {event["id"] for event in EVENTS}
    assert list(AUDIT[0]) == list(AUDIT_COLUMNS)


def test_every_graded_event_cites_a_source_for_its_date_and_for_known_time_and_effective():
    for row in LIVE:
        if int(row["severity"]) >= 2:
            assert URL.search(row["date_source"]), f"{row['id']}: severity {row['severity']} without a date source"
        for field in ("known", "time", "effective"):
            if row[field]:
                assert URL.search(row[f"{field}_source"]), f"{row['id']}: {field} {row[field]!r} without a source"


def test_every_doubt_is_said_and_every_removal_explained():
    for row in AUDIT:
        if row["status"] in ("doubtful", "removed", "unverified"):
            assert row["doubt"].strip(), f"{row['id']}: {row['status']} without saying why"
        assert row["classification"].strip(), f"{row['id']}: no rule named"


@pytest.mark.parametrize(
    ("kind", "directions", "severities"),
    [
        ("restriction_tightening", {"tightening"}, {1, 2, 3}),
        ("retaliation_escalation", {"tightening"}, {1, 2, 3}),
        ("permit_approval", {"easing"}, {2, 3}),
        ("easing_pause", {"easing"}, {2, 3}),
        ("negotiation_window", {"easing"}, {2, 3}),
        ("negotiation_talks", {"easing", "tightening"}, {1}),
        ("wto_dispute", {"easing", "tightening"}, {1}),
        ("confounder", {"none"}, {1, 2, 3}),
    ],
)
def test_types_directions_and_severities_follow_the_written_rules(kind, directions, severities):
    """seeds/AUDIT.md sections 2-4: e.g. talks and WTO steps are severity 1, a confounder signs nothing."""
    rows = [row for row in EVENTS if row["type"] == kind]
    assert rows, kind
    for row in rows:
        assert row["direction"] in directions and int(row["severity"]) in severities, row["id"]


def test_the_fixes_the_external_audit_named():
    calendar = load_events()
    halt = calendar.get("2010-10-18-RT")  # first reported by the NYT on 10-19: not tradable on 10-18 in New York
    assert halt.knowable_at() >= halt.announced_at.tz_convert("UTC") + __import__("pandas").Timedelta(hours=12)
    morning = calendar.get("2025-10-09-RT")  # MOFCOM Nos. 61 and 62, issued in the morning, Beijing time
    assert morning.time_of_day_known and morning.announced_at.hour < 12
    assert f"{morning.effective_at:%Y-%m-%d}" == "2025-12-01"
    assert "2025-10-20-RT" not in {event.id for event in calendar} and calendar.get("2025-10-14-RT")
    assert "Southeast Asia" not in " ".join(";".join(e.countries_included) for e in calendar)
    assert calendar.get("2025-07-10-CF").type == "confounder"  # the DoD-MP deal: not China's act
    quotas = [e.announced_at.year for e in calendar if e.type == "quota_change"]
    assert {2013, 2014} <= set(quotas)


def test_every_asset_of_the_universe_has_its_audit_row_and_sources():
    universe = load_universe()
    rows = {row["ticker"]: row for row in csv.DictReader(seeds.path("universe_audit.csv").open(encoding="utf-8"))}
    assert set(rows) == set(universe.index)
    for ticker, asset in universe.iterrows():
        source = rows[ticker]["source"]
        assert URL.search(source) or "MANIFEST.md" in source, ticker  # a page, or the data's own provenance
        assert asset["exchange"] == rows[ticker]["exchange"], ticker
        assert asset["valid_from"] in ("", rows[ticker]["valid_from"]), ticker
    assert universe.at["000831", "valid_from"] == "2013-02-08"  # an aluminium company before
    assert set(universe.loc[["000831", "000970", "300748", "300127"], "exchange"]) == {"XSHE"}
    assert universe.loc[["300748", "300127"], "board"].tolist() == ["ChiNext", "ChiNext"]
    for ticker, board in universe["board"].items():  # strategies.price_limit reads the board from the code
        assert (board == "ChiNext") == ticker.startswith(("300", "301")), ticker
        assert (board == "STAR") == ticker.startswith("688"), ticker
    assert universe.loc[["TMC", "IPX", "UAMY", "603993"], "exposure"].tolist() == [0, 0, 0, 0]  # not rare earths
    assert universe.at["NEO.TO", "benchmark"] == ""  # no Canadian index is bundled: no cross-market stand-in


#: Exchanges that share a market: one session calendar, one currency, one benchmark.
MARKETS = {"XNYS": "New York", "XNAS": "New York", "XASE": "New York", "ARCX": "New York", "XASX": "Sydney",
           "XTSE": "Toronto", "XSHG": "China A", "XSHE": "China A"}  # fmt: skip


def test_every_benchmark_is_on_its_assets_market_and_in_their_currency():
    universe = load_universe()
    assert set(universe["exchange"]) <= set(MARKETS)
    for ticker, asset in universe.iterrows():
        assert URL.search(asset["source"]) or "MANIFEST.md" in asset["source"], ticker  # every datum its source
        if not asset["benchmark"]:
            continue
        benchmark = universe.loc[asset["benchmark"]]
        assert MARKETS[benchmark["exchange"]] == MARKETS[asset["exchange"]], ticker
        assert benchmark["currency"] == asset["currency"], ticker
