"""The countries an event names, and what event_drift does with them (``target_countries``); example events."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from signals import Direction, Event, EventType, exchange_calendar, load_events, load_universe
from signals.errors import ExampleEventWarning, ParameterError
from strategies import EventDriftParams, build_context, event_drift
from strategies._countries import aimed_rows, aims_at, listing_country, reached_assets
from strategies._event_drift import event_drift_plan

UNIVERSE = load_universe()
HEADER = ["id", "type", "announced", "tz", "known", "direction", "severity", "countries_included",
          "countries_excluded", "example"]  # fmt: skip


@pytest.fixture(scope="module")
def close():
    """A US, an Australian and a Chinese listing on their own sessions, 2025-03-03..2025-06-30, rising."""
    frames = {}
    for asset, code in (("MP", "XNYS"), ("LYC", "XASX"), ("600111", "XSHG")):
        sessions = exchange_calendar(code).sessions_in_range("2025-03-03", "2025-06-30")
        frames[asset] = pd.Series(np.linspace(10, 20, len(sessions)), index=sessions)
    return pd.DataFrame(frames)


def _event(included: str = "", excluded: str = "") -> Event:
    return Event("e", EventType.RESTRICTION_TIGHTENING, pd.Timestamp("2025-04-04", tz="Asia/Shanghai"),
                 Direction.TIGHTENING, 3, countries_included=tuple(filter(None, included.split(";"))),
                 countries_excluded=tuple(filter(None, excluded.split(";"))))  # fmt: skip


def test_each_asset_is_in_the_country_of_its_exchange():
    assert [listing_country(UNIVERSE, asset) for asset in ("MP", "REMX", "LYC", "NEO.TO", "600111", "300748")] == [
        "US", "US", "AU", "CA", "CN", "CN",
    ]  # fmt: skip
    odd = UNIVERSE.copy()
    odd.loc["MP", "exchange"] = "XMAR"
    with pytest.raises(ParameterError, match=r"'target_countries' = 'listing'.*MP trades on XMAR"):
        listing_country(odd, "MP")


@pytest.mark.parametrize(
    ("included", "excluded", "aimed"),
    [
        ("US", "", {"US", "CN"}),  # the target, and China's listings, on the other side of every measure
        ("ALL", "", {"US", "AU", "CA", "CN", "DE"}),
        ("", "", {"US", "AU", "CA", "CN", "DE"}),  # no country named: every one
        ("ALL", "US", {"AU", "CA", "CN", "DE"}),
        ("EU", "", {"DE", "CN"}),  # EU names its members
        ("JP;AU", "", {"AU", "CN"}),
        ("us", "", {"US", "CN"}),  # codes in any case
    ],
)
def test_an_event_is_aimed_at_its_targets_and_always_at_china(included, excluded, aimed):
    event = _event(included, excluded)
    assert {country for country in ("US", "AU", "CA", "CN", "DE") if aims_at(event, country)} == aimed


def test_reached_assets_of_an_event_aimed_at_the_us():
    reached = reached_assets(_event("US"), UNIVERSE, ["MP", "LYC", "ILU", "600111", "NEO.TO"])
    assert reached == ["MP", "600111"]


def _calendar(write_events, *rows):
    return load_events(write_events(*rows, header=HEADER))


def test_an_event_aimed_at_the_us_trades_every_asset_by_default_and_only_us_and_china_listings_with_listing(
    write_events, close
):
    context = build_context(_calendar(write_events, {"announced": "2025-04-04", "countries_included": "US"}),
                            UNIVERSE, close)  # fmt: skip
    china_long = {"china_producer": 1}  # 600111 long on a tightening: A-shares are not shorted
    every = event_drift(context, EventDriftParams(exposure=china_long))  # target_countries="ignore": today's results
    assert every.entries.loc["2025-04-04", "MP"] and every.entries.loc["2025-04-07", "LYC"]
    assert every.entries.loc["2025-04-07", "600111"]  # Qingming closed Shanghai on 04-04
    aimed = event_drift(context, EventDriftParams(exposure=china_long, target_countries="listing"))
    assert aimed.entries.loc["2025-04-04", "MP"] and aimed.entries.loc["2025-04-07", "600111"]
    assert not aimed.entries["LYC"].any() and not aimed.short_entries["LYC"].any()
    skipped = aimed.skipped.set_index("asset")
    assert skipped.loc["LYC", "reason"] == "not aimed at AU, where it is listed (target_countries=listing)"
    assert skipped.loc["LYC", "event_id"] == "e1" and "MP" not in skipped.index
    assert EventDriftParams().target_countries == "ignore"


def test_a_placebo_plan_leaves_out_the_assets_an_event_is_not_aimed_at(write_events, close):
    context = build_context(_calendar(write_events, {"announced": "2025-04-04", "countries_included": "AU"}),
                            UNIVERSE, close)  # fmt: skip
    table = context.alignment.table
    plan = event_drift_plan(context, EventDriftParams(target_countries="listing"), table)
    assert plan is not None and sorted(plan.plan["asset"]) == ["600111", "LYC"]
    ignored = event_drift_plan(context, EventDriftParams(), table)
    assert ignored is not None and sorted(ignored.plan["asset"]) == ["600111", "LYC", "MP"]


def test_a_revision_naming_other_countries_counts_only_from_when_it_was_known(write_events, close):
    """Point-in-time: the version known before a row's session day began on its exchange decides."""
    calendar = _calendar(
        write_events,
        {"id": "r", "announced": "2025-04-04", "countries_included": "US"},
        {"id": "r", "announced": "2025-04-04", "known": "2025-04-10", "countries_included": "AU"},
    )
    context = build_context(calendar, UNIVERSE, close)
    rows = context.alignment.table  # the event lands on 04-04 (MP) and 04-07 (LYC, 600111): version 1 then
    aimed = dict(zip(rows["asset"], aimed_rows(calendar, UNIVERSE, rows), strict=True))
    assert aimed == {"MP": True, "LYC": False, "600111": True}  # the revision to AU is not known yet
    later = pd.DataFrame({"event_id": "r", "asset": ["MP", "LYC", "LYC"], "exchange": ["XNYS", "XASX", "XASX"],
                          "session": pd.to_datetime(["2025-04-14", "2025-04-14", "2024-01-02"])})  # fmt: skip
    # after the revision: AU, not the US; before any version was known (a placebo moved it): the first, US
    assert aimed_rows(calendar, UNIVERSE, later).tolist() == [False, True, False]


def test_target_countries_is_validated():
    with pytest.raises(ParameterError, match=r"'target_countries' = 'sometimes'.*one of ignore, listing"):
        EventDriftParams(target_countries="sometimes")


def test_example_events_landing_on_the_prices_warn_naming_them(write_events, close):
    calendar = _calendar(
        write_events,
        {"id": "mine", "announced": "2025-04-04"},
        {"id": "ex-1", "announced": "2025-04-10", "example": "yes"},
        {"id": "ex-2", "announced": "2025-05-12", "example": "yes"},
        {"id": "ex-late", "announced": "2025-09-01", "example": "yes"},  # after the prices end: it trades nothing
    )
    assert calendar.examples == ("ex-1", "ex-2", "ex-late")
    with pytest.warns(ExampleEventWarning) as caught:
        build_context(calendar, UNIVERSE, close)
    (warning,) = caught
    message = str(warning.message)
    assert "2 example events of" in message and "(ex-1, ex-2: 'example: yes'" in message and "ex-late" not in message
    assert "clear 'example' once a row is an event of your own" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_context(calendar, UNIVERSE, close.loc[:"2025-04-08"])  # no example lands: no warning
        build_context(_calendar(write_events, {"id": "mine", "announced": "2025-04-04", "example": "no"}),
                      UNIVERSE, close)  # fmt: skip
