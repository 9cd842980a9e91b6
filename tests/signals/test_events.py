from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signals import Direction, EventType, load_events
from signals.errors import (
    DuplicateEventIdError,
    EventFileError,
    InvalidDateError,
    InvalidFieldError,
    MalformedFileError,
    MissingColumnError,
    UnknownColumnError,
    UnknownEventTypeError,
    UnknownTimeZoneError,
    UnsupportedFormatError,
    WindowOrderError,
)


@pytest.fixture(scope="module")
def shipped():
    return load_events()


def test_shipped_calendar_is_large_real_and_in_range(shipped):
    frame = shipped.to_frame()
    assert len(shipped) >= 60  # a floor: seeds/events.csv holds 106 policy events and 42 confounders
    years = frame["announced_at"].map(lambda stamp: stamp.year)
    # seeds/events.csv runs from 2010-07-08-QC (the H2-2010 export-quota cut) to 2026-06-22-RE.
    assert years.min() == 2010 and years.max() == 2026
    assert set(frame["type"]) <= {kind.value for kind in EventType}
    assert frame.index.is_unique
    assert frame["source"].str.startswith("http").all()
    assert set(frame["direction"]) == {"tightening", "easing", "none"}
    assert ((frame["direction"] == "none") == (frame["type"] == "confounder")).all()
    assert frame["severity"].between(1, 3).all()
    assert all(stamp.tzinfo is not None for stamp in frame["announced_at"])


def test_shipped_windows_match_the_record(shipped):
    def window_end(event_id):
        return shipped.get(event_id).window_end.strftime("%Y-%m-%d")

    assert window_end("2025-05-12-NW") == "2025-08-12"  # Geneva 90-day truce, from 05-14: 05-14 + 90 days
    assert window_end("2025-08-11-NW") == "2025-11-10"  # extended to Nov 10
    assert window_end("2025-11-07-NW") == "2026-11-10"  # October measures suspended for a year
    assert window_end("2025-10-30-NW") == "2026-11-10"
    for event in shipped:
        if event.type is EventType.NEGOTIATION_WINDOW:
            assert event.window_end is not None and event.window_end >= event.announced_at.normalize()


def test_shipped_key_events(shipped):
    # As recorded in seeds/events.csv: MOFCOM's 2025-04-04 controls on Sm, Gd, Tb, Dy, Lu, Sc and Y.
    april = shipped.get("2025-04-04-RT")
    assert april.direction is Direction.TIGHTENING and april.severity == 3
    assert april.tz == "Asia/Shanghai"
    assert "Dy" in april.elements and "Tb" in april.elements
    assert shipped.get("2025-05-13-PA").countries_excluded == ("US",)


def test_date_only_event_is_known_after_the_close_in_its_zone(shipped):
    event = shipped.get("2023-07-03-RT")  # the gallium/germanium controls: no source gives the hour
    assert not event.time_of_day_known
    assert event.knowable_at() == pd.Timestamp("2023-07-03 18:00", tz="Asia/Shanghai")


def test_morning_release_keeps_its_hour(shipped):
    # MOFCOM announcements No. 61/62 were published on the morning of 2025-10-09, Beijing time.
    event = shipped.get("2025-10-09-RT")
    assert event.time_of_day_known
    assert event.knowable_at() == pd.Timestamp("2025-10-09 09:00", tz="Asia/Shanghai")


def test_time_of_day_is_kept_when_known(write_events):
    calendar = load_events(write_events({"announced": "2025-02-04T13:30"}))
    event = calendar[0]
    assert event.time_of_day_known
    assert event.knowable_at() == pd.Timestamp("2025-02-04 05:30", tz="UTC")  # 13:30 Shanghai (UTC+8)


def test_filter_by_type_date_and_severity(shipped):
    chosen = shipped.filter(types=["permit_approval"], start="2025-06-01", end="2025-06-30")
    assert len(chosen) >= 4  # a floor: seeds/events.csv has six (06-06, 06-07, 06-11, 06-12, 06-19, 06-26)
    assert {event.type for event in chosen} == {EventType.PERMIT_APPROVAL}
    assert all(event.severity >= 3 for event in shipped.filter(min_severity=3))


@pytest.mark.parametrize(
    ("row", "error", "column", "value"),
    [
        ({"type": "permit"}, UnknownEventTypeError, "type", "permit"),
        ({"announced": "2025-13-45"}, InvalidDateError, "announced", "2025-13-45"),
        ({"announced": "04/04/2025"}, InvalidDateError, "announced", "04/04/2025"),
        ({"tz": "Beijing"}, UnknownTimeZoneError, "tz", "Beijing"),
        ({"window_end": "2025-03-01"}, WindowOrderError, "window_end", "2025-03-01"),
        ({"direction": "up"}, InvalidFieldError, "direction", "up"),
        ({"severity": "5"}, InvalidFieldError, "severity", "5"),
        ({"type": "negotiation_window", "window_end": ""}, InvalidFieldError, "window_end", ""),
    ],
)
def test_each_validation_error_names_file_line_column_value(write_events, row, error, column, value):
    path = write_events({}, row)  # the bad row is the second record: line 3 of the file
    with pytest.raises(error) as caught:
        load_events(path)
    message = str(caught.value)
    assert str(path) in message
    assert "line 3" in message
    assert f"column {column!r}" in message
    assert repr(value) in message
    assert caught.value.line == 3 and caught.value.column == column


def test_unknown_type_lists_the_valid_choices(write_events):
    with pytest.raises(UnknownEventTypeError, match="expected one of: restriction_tightening, permit_approval"):
        load_events(write_events({"type": "permit"}))


def test_duplicate_id_names_both_lines(write_events):
    with pytest.raises(DuplicateEventIdError, match=r"line 3, column 'id': duplicate id \(first on line 2;"):
        load_events(write_events({"id": "same"}, {"id": "same"}))


def test_missing_and_unknown_columns(write_events):
    header = ["id", "type", "announced", "tz", "direction"]
    with pytest.raises(MissingColumnError, match="severity"):
        load_events(write_events({}, header=header))
    with pytest.raises(UnknownColumnError, match="unknown column 'colour'"):
        load_events(write_events({}, header=[*header, "severity", "colour"]))


def test_known_before_announced_is_rejected(write_events):
    path = write_events(
        {"known": "2025-04-03"}, header=["id", "type", "announced", "tz", "known", "direction", "severity"]
    )
    with pytest.raises(InvalidDateError, match="known before announced"):
        load_events(path)


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet="0123456789-T: /aZ", max_size=20))
def test_any_announced_text_either_parses_or_raises_a_located_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("events") / "events.csv"
    path.write_text(
        f"id,type,announced,tz,direction,severity\ne1,restriction_tightening,{text},Asia/Shanghai,tightening,2\n"
    )
    try:
        calendar = load_events(path)
    except EventFileError as error:
        assert error.line == 2 and error.column == "announced"
    else:
        assert calendar[0].announced_at.strftime("%Y-%m-%d") == text.strip()[:10]


def test_json_and_yaml_files_load_like_csv(tmp_path, write_events):
    csv_calendar = load_events(write_events({"announced": "2025-04-04T09:15", "window_end": "2025-05-01"}))
    record = {
        "id": "e1",
        "type": "restriction_tightening",
        "announced": "2025-04-04T09:15",
        "tz": "Asia/Shanghai",
        "window_end": "2025-05-01",
        "direction": "tightening",
        "severity": 3,
        "source": "https://example.org",
    }
    (tmp_path / "events.json").write_text(json.dumps({"events": [record]}))
    (tmp_path / "events.yaml").write_text(
        "- id: e1\n  type: restriction_tightening\n  announced: 2025-04-04 09:15\n  tz: Asia/Shanghai\n"
        "  window_end: 2025-05-01\n  direction: tightening\n  severity: 3\n  source: https://example.org\n"
    )
    for name in ("events.json", "events.yaml"):
        assert load_events(tmp_path / name).to_frame().equals(csv_calendar.to_frame())


def test_yaml_errors_carry_real_line_numbers(tmp_path):
    (tmp_path / "events.yaml").write_text(
        "- id: a\n  type: restriction_tightening\n  announced: 2025-04-04\n  tz: UTC\n  direction: tightening\n"
        "  severity: 2\n- id: b\n  type: permit\n  announced: 2025-04-05\n  tz: UTC\n  direction: easing\n"
        "  severity: 2\n"
    )
    with pytest.raises(UnknownEventTypeError, match="line 7, column 'type'"):
        load_events(tmp_path / "events.yaml")


def test_unknown_format_and_bad_json(tmp_path):
    (tmp_path / "events.txt").write_text("x")
    with pytest.raises(UnsupportedFormatError, match="unknown event-file format"):
        load_events(tmp_path / "events.txt")
    (tmp_path / "events.json").write_text("[{oops")
    with pytest.raises(MalformedFileError, match="not valid JSON"):
        load_events(tmp_path / "events.json")


def test_revisions_are_kept_and_asof_sees_what_was_known(write_events):
    header = ["id", "type", "announced", "tz", "known", "direction", "severity"]
    path = write_events(
        {"id": "r", "announced": "2025-04-04", "severity": "2"},
        {"id": "r", "announced": "2025-04-04", "known": "2025-04-10T09:00", "severity": "3"},
        header=header,
    )
    calendar = load_events(path)
    assert len(calendar) == 1 and [v.severity for v in calendar.versions("r")] == [2, 3]
    assert calendar.get("r").severity == 3
    assert calendar.asof(pd.Timestamp("2025-04-05", tz="UTC")).get("r").severity == 2
    assert len(calendar.asof("2025-04-01")) == 0
    assert len(calendar.to_frame(versions=True)) == 2


def test_merge_with_the_shipped_calendar(write_events):
    path = write_events({"id": "mine", "announced": "2026-09-01"})
    merged = load_events(path, merge=True)
    assert len(merged) == len(load_events()) + 1 and merged.get("mine").severity == 3
    clash = write_events({"id": "2025-04-04-RT", "announced": "2025-04-04"}, name="clash.csv")
    with pytest.raises(DuplicateEventIdError, match="'2025-04-04-RT'"):
        load_events(clash, merge=True)


def test_validate_reports_every_problem_with_its_line(write_events):
    from signals import validate_events

    path = write_events({}, {"type": "permit"}, {"tz": "Mars"}, {"id": "e1"}, {"severity": "9"})
    problems = validate_events(path)
    assert [(problem.line, problem.column) for problem in problems] == [
        (3, "type"), (4, "tz"), (5, "id"), (6, "severity"),
    ]  # fmt: skip
    assert validate_events(write_events({}, name="ok.csv")) == []


def test_validate_reports_every_missing_column_and_every_problem_of_a_row(tmp_path):
    from signals import validate_events

    path = tmp_path / "bad.csv"
    path.write_text("id,type,announced,colour\nx y,bogus,2025-02-30,red\ne2,permit_approval,2025-02-01,blue\n")
    problems = validate_events(path)
    assert [(problem.line, problem.column) for problem in problems] == [
        (1, "tz"), (1, "direction"), (1, "severity"), (1, "colour"),  # the header: all at once
        (2, "id"), (2, "type"), (2, "announced"),  # a row: every problem, not the first
    ]  # fmt: skip
    assert all(isinstance(problem, MissingColumnError) for problem in problems[:3])
    with pytest.raises(MissingColumnError, match="'tz'"):  # loading still stops at the first
        load_events(path)
    everything = tmp_path / "row.csv"
    everything.write_text(
        "id,type,announced,tz,known,window_end,direction,severity,confidence\n"
        "ok,negotiation_window,2025-13-01,Mars/Base,2024-01-01,,up,7,sure\n"
    )
    assert [problem.column for problem in validate_events(everything)] == [
        "tz", "announced", "window_end", "direction", "severity", "confidence",
    ]  # fmt: skip


def test_yaml_records_that_are_not_mappings_do_not_hide_the_others(tmp_path):
    from signals import validate_events

    path = tmp_path / "bad.yaml"
    path.write_text("- just text\n- id: a\n  type: permit\n")
    problems = validate_events(path)
    assert [(type(problem), problem.line, problem.column) for problem in problems] == [
        (MalformedFileError, 1, "event"),
        (MissingColumnError, 2, "announced"), (MissingColumnError, 2, "tz"), (MissingColumnError, 2, "direction"),
        (MissingColumnError, 2, "severity"), (UnknownEventTypeError, 2, "type"),
    ]  # fmt: skip


@pytest.mark.parametrize("form", ["csv", "yaml"])
def test_the_starter_file_is_valid_and_names_every_column(tmp_path, form):
    from signals import event_file_template
    from signals._event_files import COLUMNS, SCHEMA

    text = event_file_template(form)
    path = tmp_path / f"starter.{form}"
    path.write_text(text)
    calendar = load_events(path)
    assert list(calendar.to_frame().index) == ["2026-01-15-RT", "2026-03-02-NW"]
    assert calendar.get("2026-03-02-NW").window_end is not None
    assert set(SCHEMA) == set(COLUMNS) and all(column in text for column in COLUMNS)


# ---- a field given twice: every reader would keep one value and drop the other without a word

#: A JSON file whose second record gives 'type' twice: on line 12 and line 13 (json keeps the last).
JSON_TYPE_TWICE = """[
  {"id": "a",
   "type": "restriction_tightening",
   "announced": "2025-04-04",
   "tz": "Asia/Shanghai",
   "direction": "tightening",
   "severity": 3
  },
  {
    "id": "b",
    "announced": "2025-04-05",
    "type": "restriction_tightening",
    "type": "permit_approval",
    "tz": "Asia/Shanghai",
    "direction": "easing",
    "severity": 2
  }
]
"""
#: The same in YAML, 'type' on line 10 and line 13, under a top-level 'events' (PyYAML keeps the last).
YAML_TYPE_TWICE = """events:
  - id: a
    type: restriction_tightening
    announced: 2025-04-04
    tz: Asia/Shanghai
    direction: tightening
    severity: 3
  - id: b
    announced: 2025-04-05
    type: restriction_tightening
    tz: Asia/Shanghai
    direction: easing
    "type": permit_approval
    severity: 2
"""
#: A valid record on one line (JSON) and as a YAML list item.
JSON_ONE_LINE = (
    '{"id": "a", "type": "restriction_tightening", "announced": "2025-04-04", "tz": "UTC", '
    '"direction": "tightening", "severity": 3}'
)
YAML_ITEM = (
    "  - id: a\n    type: restriction_tightening\n    announced: 2025-04-04\n    tz: UTC\n"
    "    direction: tightening\n    severity: 3\n"
)


def test_a_repeated_csv_column_is_refused_at_the_header(tmp_path):
    from signals import validate_events
    from signals.errors import DuplicateFieldError

    path = tmp_path / "events.csv"
    # csv.DictReader would give the record the last 'type' (permit_approval) and drop the first
    path.write_text(
        "id,type,announced,tz,direction,severity,type\n"
        "a,restriction_tightening,2025-04-04,Asia/Shanghai,tightening,3,permit_approval\n"
    )
    with pytest.raises(DuplicateFieldError) as caught:
        load_events(path)
    assert (caught.value.line, caught.value.column) == (1, "type")
    assert "duplicate column (header fields 2 and 7" in str(caught.value) and "'type'" in str(caught.value)
    assert [(type(p), p.line, p.column) for p in validate_events(path)] == [(DuplicateFieldError, 1, "type")]


def test_every_repeat_of_a_csv_column_is_reported_with_the_other_header_problems(tmp_path):
    from signals import validate_events

    path = tmp_path / "events.csv"
    path.write_text("id,type,announced,tz,direction,id,colour,id\na,b,c,d,e,f,g,h\n")
    problems = [(p.line, p.column, type(p).__name__) for p in validate_events(path)][:5]
    assert problems == [
        (1, "severity", "MissingColumnError"),
        (1, "id", "DuplicateFieldError"), (1, "id", "DuplicateFieldError"),  # fields 6 and 8 repeat field 1
        (1, "colour", "UnknownColumnError"),
        (2, "type", "UnknownEventTypeError"),
    ]  # fmt: skip


def test_a_repeated_json_key_is_refused_at_the_line_of_its_second_occurrence(tmp_path):
    from signals.errors import DuplicateFieldError

    path = tmp_path / "events.json"
    path.write_text(JSON_TYPE_TWICE)
    assert JSON_TYPE_TWICE.splitlines()[13 - 1].strip() == '"type": "permit_approval",'
    with pytest.raises(DuplicateFieldError) as caught:
        load_events(path)
    assert (caught.value.line, caught.value.column, caught.value.value) == (13, "type", "type")
    assert "line 13, column 'type': duplicate key (first on line 12;" in str(caught.value)


def test_a_repeated_json_key_on_one_line_and_a_repeated_top_level_events(tmp_path):
    from signals.errors import DuplicateFieldError

    path = tmp_path / "one_line.json"
    severity_twice = JSON_ONE_LINE.replace("}", ', "severity": 1}')
    path.write_text(f"[{severity_twice}]")
    with pytest.raises(DuplicateFieldError, match="line 1, column 'severity': duplicate key"):
        load_events(path)
    twice = tmp_path / "twice.json"  # the first list of events would vanish: json keeps the last 'events'
    twice.write_text(f'{{\n  "events": [{JSON_ONE_LINE}],\n  "events": []\n}}\n')
    with pytest.raises(DuplicateFieldError) as caught:
        load_events(twice)
    assert (caught.value.line, caught.value.column) == (3, "events")
    assert "first on line 2" in str(caught.value)


def test_keys_escaped_differently_are_the_same_key(tmp_path):
    from signals.errors import DuplicateFieldError

    path = tmp_path / "escaped.json"
    path.write_text('[{"id": "a",\n  "typ\\u0065": "x",\n  "type": "y"}]')
    with pytest.raises(DuplicateFieldError, match="line 3, column 'type'"):
        load_events(path)


def test_a_repeated_yaml_key_is_refused_at_the_line_of_its_second_occurrence(tmp_path):
    from signals.errors import DuplicateFieldError

    path = tmp_path / "events.yaml"
    path.write_text(YAML_TYPE_TWICE)
    assert YAML_TYPE_TWICE.splitlines()[13 - 1].strip() == '"type": permit_approval'  # quoted: the same key
    with pytest.raises(DuplicateFieldError) as caught:
        load_events(path)
    assert (caught.value.line, caught.value.column) == (13, "type")
    assert "line 13, column 'type': duplicate key (first on line 10;" in str(caught.value)


def test_a_repeated_top_level_events_key_and_a_flow_mapping_in_yaml(tmp_path):
    from signals.errors import DuplicateFieldError

    twice = tmp_path / "twice.yaml"
    twice.write_text(f"events:\n{YAML_ITEM}events:\n{YAML_ITEM.replace('id: a', 'id: b')}")
    with pytest.raises(DuplicateFieldError) as caught:
        load_events(twice)
    assert (caught.value.line, caught.value.column) == (8, "events")
    assert "first on line 1" in str(caught.value)
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "- {id: a, type: restriction_tightening, announced: 2025-04-04, tz: UTC,\n"
        "   direction: tightening, severity: 3, severity: 1}\n"
    )
    with pytest.raises(DuplicateFieldError, match="line 2, column 'severity'"):
        load_events(flow)


VALID = '"type": "restriction_tightening", "announced": "2025-04-04", "direction": "tightening", "severity": 3'
REPEATS_AMONG_OTHER_PROBLEMS = {
    ".json": (
        "[\n"
        f'  {{"id": "a", "tz": "UTC", {VALID}}},\n'
        f'  {{"id": "b", {VALID},\n'
        '   "tz": "UTC",\n'
        '   "source": "https://example.org",\n'
        '   "tz": "Mars"},\n'
        f'  {{"id": "c", "tz": "UTC", {VALID.replace("restriction_tightening", "permit")}}}\n'
        "]\n",
        [3, 6, 7],  # the lines of b, of its second 'tz', and of c
    ),
    ".yaml": (
        "- id: a\n  type: restriction_tightening\n  announced: 2025-04-04\n  tz: UTC\n  direction: tightening\n"
        "  severity: 3\n"
        "- id: b\n  type: restriction_tightening\n  announced: 2025-04-04\n  tz: UTC\n  direction: tightening\n"
        "  severity: 3\n  tz: Mars\n"
        "- id: c\n  type: permit\n  announced: 2025-04-04\n  tz: UTC\n  direction: tightening\n  severity: 3\n",
        [7, 13, 14],
    ),
}


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_validate_reports_repeated_keys_among_the_other_problems_at_real_lines(tmp_path, suffix):
    from signals import validate_events
    from signals.errors import DuplicateFieldError

    text, (b, repeat, c) = REPEATS_AMONG_OTHER_PROBLEMS[suffix]
    path = tmp_path / f"events{suffix}"
    path.write_text(text)
    assert [(type(p), p.line, p.column) for p in validate_events(path)] == [
        (DuplicateFieldError, repeat, "tz"),  # in b: before b's own problems
        (UnknownTimeZoneError, b, "tz"),  # b is still checked, with the value its reader kept: the later one
        (UnknownEventTypeError, c, "type"),
    ]
    with pytest.raises(DuplicateFieldError, match=f"line {repeat}, column 'tz'"):  # loading stops at the first
        load_events(path)


def test_the_same_keys_in_different_records_are_no_repeat(tmp_path):
    path = tmp_path / "events.json"
    text, _ = REPEATS_AMONG_OTHER_PROBLEMS[".json"]
    path.write_text(text.replace('"tz": "Mars"}', '"elements": ["Dy", "Tb"]}').replace('"permit"', '"permit_approval"'))
    assert [event.id for event in load_events(path)] == ["a", "b", "c"]
    assert load_events(path).get("b").elements == ("Dy", "Tb")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(value=JSON_VALUES, indent=st.sampled_from([None, 0, 2]))
def test_the_line_noting_json_decoder_reads_what_json_reads(value, indent):
    from signals._structured import _LineNotingDecoder

    text = json.dumps(value, indent=indent)
    decoder = _LineNotingDecoder(text)
    assert decoder.decode(text) == json.loads(text) and decoder.repeats == []


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(st.sampled_from(["id", "type", "t\u00e9", 'a"b', "\\"]), min_size=1, max_size=8))
def test_the_line_noting_json_decoder_finds_every_repeated_key_at_its_line(keys):
    from signals._structured import _LineNotingDecoder

    # one pair a line: the object opens on line 1, so key number k (from 0) is on line k + 2
    text = "{\n" + ",\n".join(f"  {json.dumps(key)}: [{number}, {{}}]" for number, key in enumerate(keys)) + "\n}"
    expected = [(number + 2, keys.index(key) + 2, key) for number, key in enumerate(keys) if key in keys[:number]]
    decoder = _LineNotingDecoder(text)
    assert decoder.decode(text) == json.loads(text)
    assert decoder.repeats == expected


#: Every way to write an event file with no events: each is valid, and each is a warning.
NO_EVENTS = {
    "header_only.csv": "id,type,announced,tz,direction,severity\n",
    "list.json": "[]\n",
    "events.json": '{"events": []}\n',
    "list.yaml": "[]\n",
    "events.yaml": "# nothing yet\nevents: []\n",
}


@pytest.mark.parametrize("name", NO_EVENTS)
@pytest.mark.parametrize("merge", [False, True])
def test_a_file_with_no_events_is_valid_but_a_warning_merged_or_not(tmp_path, caplog, name, merge):
    from signals import validate_events
    from signals._event_files import read_calendar

    path = tmp_path / name
    path.write_text(NO_EVENTS[name])
    consequence = "only the shipped calendar's events are used" if merge else "every signal is zero"
    expected = f"the event file {path} holds no events: {consequence}"
    assert validate_events(path) == []
    calendar, warnings = read_calendar(path, merge=merge)
    assert warnings == [expected]
    assert len(calendar) == (len(load_events()) if merge else 0)
    caplog.clear()
    assert len(load_events(path, merge=merge)) == len(calendar)
    assert [(record.name, record.levelname, record.getMessage()) for record in caplog.records] == [
        ("reelab.signals", "WARNING", expected)
    ]


def test_a_file_with_events_or_the_shipped_calendar_is_no_warning(write_events):
    from signals._event_files import read_calendar

    assert read_calendar()[1] == [] and read_calendar(write_events({}), merge=True)[1] == []


# ---- repeated ids, checked with every other problem; and against the shipped calendar (--merge)


def test_a_repeated_id_is_reported_with_the_other_problems_of_its_rows(write_events):
    """Before, a row with another problem was never checked for a repeated id (and so never one repeating it)."""
    from signals import validate_events

    header = ["id", "type", "announced", "tz", "known", "direction", "severity"]
    path = write_events(
        {"id": "a", "type": "permit"},  # line 2: a bad type
        {"id": "a"},  # line 3: repeats line 2's id, itself valid
        {"id": "b", "severity": "9"},  # line 4: a bad severity
        {"id": "b", "tz": "Mars", "severity": "9"},  # line 5: a bad zone and severity, and repeats b
        {"id": "c", "type": "permit"},  # line 6
        {"id": "c", "known": "2025-04-09", "type": "permit"},  # line 7: a revision (a later 'known'): no repeat
        {"id": "d", "known": "2025-04-06"},  # line 8
        {"id": "d", "known": "2025-04-05", "severity": "0"},  # line 9: a 'known' not later: a repeat
        header=header,
    )
    problems = [(problem.line, problem.column, type(problem).__name__) for problem in validate_events(path)]
    assert problems == [
        (2, "type", "UnknownEventTypeError"),
        (3, "id", "DuplicateEventIdError"),
        (4, "severity", "InvalidFieldError"),
        (5, "tz", "UnknownTimeZoneError"), (5, "severity", "InvalidFieldError"), (5, "id", "DuplicateEventIdError"),
        (6, "type", "UnknownEventTypeError"),
        (7, "type", "UnknownEventTypeError"),
        (9, "severity", "InvalidFieldError"), (9, "id", "DuplicateEventIdError"),
    ]  # fmt: skip
    messages = [str(problem) for problem in validate_events(path) if isinstance(problem, DuplicateEventIdError)]
    first = "line 3, column 'id': duplicate id (first on line 2; a revision needs a 'known' later than 2025-04-04"
    assert f"{first} 18:00 Asia/Shanghai, or give it another id): 'a'" in messages[0]
    assert "a revision needs a 'known' later than 2025-04-06 18:00 Asia/Shanghai, got 2025-04-05): 'd'" in messages[2]


def test_validate_merge_checks_the_file_against_the_shipped_calendar(write_events):
    from signals import validate_events

    header = ["id", "type", "announced", "tz", "known", "direction", "severity"]
    revision = {"id": "2025-05-12-NW", "type": "negotiation_window", "direction": "easing", "announced": "2025-05-12",
                "known": "2025-06-01", "window_end": "2025-09-01"}  # later than the shipped one  # fmt: skip
    path = write_events(
        {"id": "2025-04-04-RT", "announced": "2025-04-04"},  # the shipped id, no 'known': a clash
        {"id": "2025-10-09-RT", "announced": "2025-10-09", "known": "2025-10-09T08:00"},  # known before the shipped
        revision,
        {"id": "mine", "announced": "2026-09-01"},
        header=[*header, "window_end"],
    )
    assert validate_events(path) == []  # alone, the file is valid
    problems = validate_events(path, merge=True)
    assert [(problem.line, problem.column) for problem in problems] == [(2, "id"), (3, "id")]
    assert "duplicate id (first in the shipped calendar; a revision needs a 'known' later than" in str(problems[0])
    assert "2025-10-09 09:00 Asia/Shanghai, got 2025-10-09T08:00)" in str(problems[1])


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Beijing", "'Beijing' is not an IANA zone; did you mean Asia/Shanghai?"),
        ("new york", "'new york' is not an IANA zone; did you mean America/New_York?"),
        ("Asia/Shangai", "'Asia/Shangai' is not an IANA zone; did you mean Asia/Shanghai?"),
        ("Tokyo", "'Tokyo' is not an IANA zone; did you mean Asia/Tokyo?"),
        ("Mars/Olympus", "'Mars/Olympus' is not an IANA zone; use one like Asia/Shanghai, America/New_York, "
                         "Europe/Brussels, Asia/Tokyo or UTC"),
    ],
)  # fmt: skip
def test_a_bad_time_zone_says_what_was_typed_then_what_it_likely_means(write_events, typed, message):
    with pytest.raises(UnknownTimeZoneError) as caught:
        load_events(write_events({"tz": typed}))
    assert str(caught.value).endswith(f"events.csv line 2, column 'tz': {message}")
    assert caught.value.value == typed


# ---- the starter file's made-up events


def test_the_starter_files_mark_their_events_as_examples(tmp_path, write_events):
    from signals import event_file_template

    for form in ("csv", "yaml"):
        path = tmp_path / f"starter.{form}"
        path.write_text(event_file_template(form))
        calendar = load_events(path)
        assert calendar.examples == ("2026-01-15-RT", "2026-03-02-NW") and all(event.example for event in calendar)
    header = ["id", "type", "announced", "tz", "direction", "severity", "example"]
    mine = load_events(write_events({"example": ""}, {"example": "no"}, {"example": "Yes"}, header=header))
    assert [event.example for event in mine.all_versions] == [False, False, True] and mine.examples == ("e3",)
    with pytest.raises(InvalidFieldError, match=r"line 2, column 'example': unknown value 'maybe'; expected one of"):
        load_events(write_events({"example": "maybe"}, header=header, name="bad.csv"))
    assert repr(mine[:1]) == f"EventCalendar(1 event, 0 revised, from {tmp_path / 'events.csv'})"
