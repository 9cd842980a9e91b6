"""Events taken from news text: knowable from publication (never earlier), zone, severity, targets."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backtests.cli import main
from signals import align_events, event_file_template, exchange_calendar, extract_events, load_events, load_universe
from signals._event_files import parse_events
from signals._news import append_candidates, find_publication, plan_append
from signals.errors import UnknownEventTypeError, UnknownTimeZoneError, UnsupportedFormatError

UNIVERSE = load_universe()
ACTIONS = [
    ("China approved a new batch of rare earth export licences {when}, the commerce ministry said.",
     "permit_approval"),
    ("The commerce ministry imposed export controls on rare earth magnets {when}.", "restriction_tightening"),
    ("Beijing suspended its export controls on gallium {when}, officials said.", "easing_pause"),
]  # fmt: skip
WHEN = ["last week", "on Monday", "on Thursday", "last month", "earlier this week", "yesterday", "on the 7th"]
PLACES = {"BEIJING": "Asia/Shanghai", "SYDNEY": "Australia/Sydney", "WASHINGTON": "America/New_York"}


def _article(published: date, place: str | None, body: str) -> str:
    dateline = f"{place}, {published:%B} {published.day}, {published.year} (Reuters) - " if place else ""
    return f"Rare earths update\n\n{dateline}{body}\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    published=st.dates(date(2019, 1, 7), date(2026, 6, 30)),
    place=st.sampled_from([None, *PLACES]),
    given_zone=st.sampled_from([None, "Europe/London", "Asia/Tokyo"]),
    action=st.sampled_from(ACTIONS),
    when=st.sampled_from(WHEN),
)
def test_no_appended_event_is_tradable_before_its_article_existed(tmp_path, published, place, given_zone, action,
                                                                 when):  # fmt: skip
    text = _article(published, place, action[0].format(when=when))
    publication = find_publication(text, None if place else published, given_zone)
    zone = PLACES[place] if place else given_zone or "America/New_York"
    assert (publication.day, publication.tz) == (published, zone)
    candidates = extract_events(text, publication.day)
    target = tmp_path / f"events-{published}-{place}-{given_zone}-{when.replace(' ', '_')}.csv"
    added = append_candidates(target, [("article.txt", candidate, publication) for candidate in candidates])
    if not added:
        return
    calendar = load_events(target)
    # The article became knowable at 18:00 on its publication day in its zone (the time is unknown).
    knowable = pd.Timestamp(published).tz_localize(zone) + pd.Timedelta(hours=18)
    table = align_events(calendar, UNIVERSE).table
    for row in table.itertuples():
        opens = exchange_calendar(row.exchange).session_open(row.session)
        assert opens > knowable, (row.event_id, row.asset, row.session, knowable)
    for event in calendar:
        assert event.announced_at.date() <= published  # the action's own date is kept


def test_the_issue_example_is_not_tradable_before_the_article(tmp_path):
    article = tmp_path / "article.txt"
    article.write_text("China approved a fresh batch of rare earth export licences last week, the ministry said.\n")
    target = tmp_path / "mine.csv"
    assert main(["events", "extract", str(article), "--published", "2026-03-03", "--append-to", str(target)]) == 0
    (event,) = load_events(target)
    # "last week": the action's date, week precision: the Monday of the week before Tuesday 03-03 (GUIDE.md).
    assert event.announced_at.date() == date(2026, 2, 23)
    assert event.known_at.date() == date(2026, 3, 3) and event.tz == "America/New_York"
    (row,) = align_events(load_events(target), UNIVERSE, ["MP"]).table.itertuples()
    assert row.session == pd.Timestamp("2026-03-04")  # 18:00 New York on 03-03 is after that day's close


@pytest.mark.parametrize(
    ("head", "zone", "source"),
    [
        ("BEIJING, Oct 9 (Reuters) - ", "Asia/Shanghai", "dateline BEIJING"),
        ("SYDNEY, Oct 9, 2025 (Reuters) - ", "Australia/Sydney", "dateline SYDNEY"),
        ("Beijing, Oct. 9 (Xinhua) -- ", "Asia/Shanghai", "outlet Xinhua"),
        ("", "America/New_York", "latest plausible zone"),
    ],
)
def test_zone_from_dateline_or_outlet(head, zone, source):
    publication = find_publication(head + "China imposed export controls on rare earths.", "2025-10-09")
    assert (publication.tz, publication.tz_source) == (zone, source)
    if not head:
        assert find_publication("no dateline here", "2025-10-09", tz="Europe/Berlin").tz == "Europe/Berlin"


def test_a_dateline_date_is_the_publication_not_the_action():
    text = "BEIJING, March 3, 2026 (Reuters) - China approved a fresh batch of rare earth export licences last week."
    (candidate,) = extract_events(text)
    assert (candidate.date, candidate.precision) == (date(2026, 2, 23), "week")
    assert find_publication(text).day == date(2026, 3, 3)


# The rules of the signals._news docstring: severity 3 for tightenings and suspensions that name rare
# earths or magnets (graphite does not: 2), 1 for talks, 2 for everything else; only restrictions tighten.
@pytest.mark.parametrize(
    ("text", "severity", "direction"),
    [
        ("The commerce ministry imposed export controls on rare earth magnets on Monday.", 3, "tightening"),
        ("The commerce ministry imposed export controls on graphite on Monday.", 2, "tightening"),
        ("China approved rare earth export licences on Monday.", 2, "easing"),
        ("Officials from both countries met in Geneva on Monday to discuss rare earths.", 1, "easing"),
        ("China suspended its rare earth export controls on Monday.", 3, "easing"),
    ],
)
def test_severity_and_direction_follow_the_documented_rules(tmp_path, text, severity, direction):
    publication = find_publication(text, "2025-06-13")
    (candidate,) = extract_events(text, publication.day)
    (row,) = append_candidates(tmp_path / "e.csv", [("a", candidate, publication)])
    assert (int(row["severity"]), row["direction"]) == (severity, direction)


def test_countries_are_the_targets_not_the_issuer():
    (candidate,) = extract_events(
        "China imposed export controls on rare earths against the United States and Japan on Monday.", "2025-06-13"
    )
    assert set(candidate.countries_included) == {"US", "JP"}
    (targeted,) = extract_events("Washington added Chinese firms to the entity list, targeting China, on Monday.",
                                 "2025-06-13")  # fmt: skip
    assert "CN" in targeted.countries_included


def test_events_below_the_default_threshold_are_named(tmp_path, capsys):
    article = tmp_path / "talks.txt"
    article.write_text("Officials from both countries met in Geneva on Monday to discuss rare earths.\n")
    target = tmp_path / "mine.csv"
    assert main(["events", "extract", str(article), "--published", "2025-06-13", "--append-to", str(target)]) == 0
    error = capsys.readouterr().err
    assert "will not trade under event_drift's defaults" in error
    assert "severity 1 is below min_severity 2" in error and "negotiation_talks is not in its event_types" in error


def test_appending_adds_a_missing_known_column(tmp_path):
    target = tmp_path / "old.csv"
    target.write_text("id,type,announced,tz,direction,severity\nx1,restriction_tightening,2025-04-04,Asia/Shanghai,"
                      "tightening,3\n")  # fmt: skip
    text = "China approved rare earth export licences last week."
    publication = find_publication(text, "2025-06-13")
    (candidate,) = extract_events(text, publication.day)
    append_candidates(target, [("a", candidate, publication)])
    events = {event.id: event for event in load_events(target)}
    assert events["x1"].known_at is None
    added = next(event for key, event in events.items() if key != "x1")
    # Known on publication (06-13); "last week" is the Monday of the week before. Knowable 18:00 New York = 22:00 UTC.
    assert added.known_at.date() == date(2025, 6, 13) and added.announced_at.date() == date(2025, 6, 2)
    assert added.knowable_at() > pd.Timestamp("2025-06-13", tz="UTC") + timedelta(hours=12)


# Appending keeps the file's format and shape: one event (x1) in each, the last record of a YAML
# mapping's events followed by 'reviewed_through' (so the rows cannot just follow the text).
OLD = {"id": "x1", "type": "restriction_tightening", "announced": "2025-04-04", "tz": "Asia/Shanghai",
       "direction": "tightening", "severity": 3, "elements": "Dy;Tb"}  # fmt: skip
EVENT_FILES = {
    "list.csv": "id,type,announced,tz,direction,severity,elements\nx1,restriction_tightening,2025-04-04,Asia/Shanghai,"
                "tightening,3,Dy;Tb\n",
    "list.json": json.dumps([OLD]),
    "mapping.json": json.dumps({"reviewed_through": "2025-05-31", "events": [OLD]}, indent=4),
    "list.yaml": "# my events\n" + yaml.safe_dump([OLD], sort_keys=False),
    "mapping.yml": "# my events\nevents:\n" + yaml.safe_dump([OLD], sort_keys=False, indent=4)
                   + "reviewed_through: 2025-05-31  # looked through May\n",
}  # fmt: skip
LICENCES = "China approved rare earth export licences last week."


def _found(text: str = LICENCES, tz: str | None = None) -> list:
    publication = find_publication(text, "2025-06-13", tz)
    return [("a", candidate, publication) for candidate in extract_events(text, publication.day)]


def _document(path):
    return json.loads(path.read_text()) if path.suffix == ".json" else yaml.safe_load(path.read_text())


@pytest.mark.parametrize("file", EVENT_FILES)
def test_appending_keeps_the_file_format_shape_and_records(tmp_path, file):
    target = tmp_path / file
    target.write_text(EVENT_FILES[file])
    (found,) = _found()
    plan = plan_append(target, [found, found])  # the second is the first, appended earlier in the plan
    (row,) = plan.write()
    assert plan.present == [None, row["id"]]
    calendar = load_events(target)
    assert {event.id for event in calendar} == {"x1", row["id"]}
    assert list(calendar) == list(parse_events(target.read_text(), file, target.suffix))
    assert calendar.get("x1").elements == ("Dy", "Tb")
    added = calendar.get(row["id"])
    assert (added.known_at.date(), added.announced_at.date()) == (date(2025, 6, 13), date(2025, 6, 2))
    assert added.severity == 2
    if file == "list.yaml":  # its events end it: the rows follow its text, its comment kept
        assert target.read_text().startswith(EVENT_FILES[file])
    if target.suffix != ".csv":
        document = _document(target)
        assert isinstance(document, dict) == file.startswith("mapping")
        records = document["events"] if isinstance(document, dict) else document
        assert records[0] == OLD and records[1]["severity"] == 2  # kept as they were; a number, as x1's
        if isinstance(document, dict):
            assert str(document["reviewed_through"]) == "2025-05-31" and calendar.reviewed_through is not None
    before = target.read_bytes()
    assert append_candidates(target, _found()) == [] and target.read_bytes() == before


def test_a_yaml_file_keeps_its_comments_when_the_events_end_it(tmp_path):
    target = tmp_path / "starter.yaml"
    target.write_text(event_file_template("yaml"))
    (row,) = append_candidates(target, _found())
    text = target.read_text()
    assert text.startswith(event_file_template("yaml"))  # every comment and record as it was
    assert {event.id for event in load_events(target)} == {"2026-01-15-RT", "2026-03-02-NW", row["id"]}


@pytest.mark.parametrize("suffix", [".csv", ".json", ".yaml", ".yml"])
def test_a_new_file_gets_the_format_its_suffix_names(tmp_path, suffix):
    target = tmp_path / f"new{suffix}"
    (row,) = append_candidates(target, _found())
    assert [event.id for event in parse_events(target.read_text(), target.name, suffix)] == [row["id"]]
    if suffix != ".csv":
        assert _document(target)["events"][0]["id"] == row["id"]
    assert append_candidates(target, _found()) == []


@pytest.mark.parametrize("suffix", [".csv", ".json", ".yaml"])
def test_a_file_that_would_not_validate_raises_and_is_not_touched(tmp_path, suffix):
    bad = {**OLD, "type": "permit"}
    target = tmp_path / f"bad{suffix}"
    target.write_text(EVENT_FILES["list.csv"].replace("restriction_tightening", "permit") if suffix == ".csv"
                      else json.dumps([bad]) if suffix == ".json" else yaml.safe_dump([bad]))  # fmt: skip
    before = target.read_bytes()
    with pytest.raises(UnknownEventTypeError, match="permit"):
        append_candidates(target, _found())
    assert target.read_bytes() == before
    # A file whose own rows are valid, but the new one (an unknown zone) is not: checked before writing.
    good, new = tmp_path / f"good{suffix}", tmp_path / f"new{suffix}"
    good.write_text(EVENT_FILES[f"list{suffix}"])
    before = good.read_bytes()
    for path in (good, new):
        with pytest.raises(UnknownTimeZoneError, match="Mars/Base"):
            plan_append(path, _found(tz="Mars/Base"))
    assert good.read_bytes() == before and not new.exists()


def test_an_unsupported_suffix_is_named_with_the_formats(tmp_path):
    target = tmp_path / "events.txt"
    with pytest.raises(UnsupportedFormatError, match=r"events\.txt.*'\.txt'.*\.csv, \.json, \.yaml, \.yml"):
        append_candidates(target, _found())
    assert not target.exists()
