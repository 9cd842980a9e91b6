from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from backtests.cli import main
from signals import event_file_template, load_events

REELAB = Path(sys.executable).with_name("reelab")
SMALL = ["run", "--tickers", "MP,LYC,300748", "--start", "2025-01-01"]


def test_console_script_help():
    shown = subprocess.run([REELAB, "--help"], capture_output=True, text=True, check=True).stdout
    assert "reelab" in shown and "run" in shown
    shown = subprocess.run([REELAB, "run", "--help"], capture_output=True, text=True, check=True).stdout
    for option in ("--tickers", "--start", "--horizon", "--out", "--events"):
        assert option in shown


def _exit_code(arguments) -> int:
    try:
        return main(arguments)
    except SystemExit as stop:  # argparse exits by itself on malformed arguments
        return stop.code


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["run", "--start", "2025-02-30"], "bad date '2025-02-30'"),
        (["run", "--horizon", "many"], "invalid int value"),
        (["run", "--tickers", "MP,NOPE"], "unknown ticker(s) 'NOPE'"),
        (["run", "--horizon", "400"], "'horizon' = 400"),
        (["run", "--template", "magic"], "'template' = 'magic'"),
        (["run", "--fees", "0.5"], "'fees' = 0.5"),
        (["run", "--events", "/no/such/events.csv"], "event file '/no/such/events.csv' not found"),
        (["run", "--close-margin", "-5"], "expected minutes 0 to 600 or 'none', got '-5'"),
        (["study", "--close-margin", "soon"], "expected minutes 0 to 600 or 'none', got 'soon'"),
        (["fly"], "invalid choice"),
    ],
)
def test_bad_arguments_print_one_line_and_exit_2(capsys, arguments, message):
    assert _exit_code(arguments) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("reelab: error:")


def test_close_margin_moves_a_morning_event_and_is_recorded(tmp_path, write_events):
    """MOFCOM at 10:00 Beijing: by default 600111 trades that day's close; ``none`` waits for the next open."""
    events = write_events({"id": "morning", "type": "restriction_tightening", "announced": "2025-10-09T10:00"})
    entries = {}  # the session each run places the event on
    for margin in ([], ["--close-margin", "none"], ["--close-margin", "360"]):
        out = tmp_path / f"run{len(entries)}"
        arguments = ["run", "--tickers", "600111", "--start", "2025-06-02", "--end", "2025-12-31"]
        arguments += ["--events", str(events)]
        assert main([*arguments, *margin, "--out", str(out)]) == 0
        config = json.loads((out / "config.json").read_text())
        entries[config["spec"]["close_margin"]] = pd.read_csv(out / "alignment.csv")["session"].tolist()
    # 30 minutes (the default): the 15:00 close; no margin rule, or 6 hours (before the 09:30 open): the next day
    assert entries == {30: ["2025-10-09"], None: ["2025-10-10"], 360: ["2025-10-10"]}
    study = tmp_path / "study"
    assert main(["study", "--tickers", "600111", "--events", str(events), "--out", str(study)]) == 0
    assert json.loads((study / "config.json").read_text())["spec"]["close_margin"] == 0


def test_malformed_event_file_is_reported_with_its_line(tmp_path, capsys, write_events):
    path = write_events({}, {"tz": "Mars/Olympus"})
    assert main([*SMALL, "--events", str(path), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err.strip()
    assert "line 3" in error and "'Mars/Olympus'" in error and "\n" not in error
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_run_writes_outputs_and_is_byte_identical_across_runs(tmp_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    assert main([*SMALL, "--out", str(first)]) == 0
    printed = capsys.readouterr().out
    assert "portfolio" in printed and "B&H" in printed and "MP" in printed
    assert main([*SMALL, "--out", str(second)]) == 0
    for name in ("stats.csv", "trades.csv", "equity.csv", "config.json", "attribution.csv", "summary.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    stats = pd.read_csv(first / "stats.csv", index_col=[0, 1])
    assert {"portfolio", "MP", "LYC", "300748"} <= set(stats.index.get_level_values(0))
    report = (first / "report.html").read_text()
    assert "<script src=" not in report  # plotly is inlined: the report works offline
    assert "Plotly.newPlot" in report and "Strategy against buy &amp; hold" in report
    assert not list(first.glob(".*.tmp"))


def test_events_list_filters_by_type_and_dates(capsys):
    assert main(["events", "list", "--type", "permit_approval", "--start", "2025-06-01", "--end", "2025-06-30"]) == 0
    shown = capsys.readouterr().out
    assert "2025-06-11-PA" in shown and "2025-04-04-RT" not in shown and "6 events" in shown


def test_events_show_prints_fields_and_versions(capsys, write_events):
    assert main(["events", "show", "2025-10-30-NW"]) == 0
    shown = capsys.readouterr().out
    assert "negotiation_window" in shown and "2026-11-10" in shown and "Busan" in shown
    assert main(["events", "list", "--type", "permit_approval", "--start", "2025-06-26", "--end", "2025-06-26"]) == 0
    assert "\n1 event from events.csv\n" in capsys.readouterr().out
    assert main(["events", "show", "no-such-id"]) == 2
    assert "no event with id 'no-such-id'" in capsys.readouterr().err


def test_events_validate_reports_each_problem(capsys, write_events):
    bad = write_events({}, {"type": "permit"}, {"announced": "2025-02-30"})
    assert main(["events", "validate", str(bad)]) == 2
    shown = capsys.readouterr()
    problems, error = shown.out.strip().splitlines(), shown.err.strip().splitlines()
    assert "line 3" in problems[0] and "line 4" in problems[1] and len(problems) == 2
    assert len(error) == 1 and "2 problems; the first:" in error[0] and "line 3" in error[0]
    good = write_events({}, name="good.csv")
    assert main(["events", "validate", str(good)]) == 0
    assert capsys.readouterr().out == f"{good}: 1 event, valid\n"
    one = write_events({"tz": "Beijing"}, name="one.csv")
    assert main(["events", "validate", str(one)]) == 2
    shown = capsys.readouterr()
    assert shown.out == f"{one} line 2, column 'tz': 'Beijing' is not an IANA zone; did you mean Asia/Shanghai?\n"
    assert shown.err.startswith(f"reelab: error: {one}: 1 problem: {one} line 2")


def test_events_validate_merge_reports_clashes_with_the_shipped_calendar(capsys, write_events):
    header = ["id", "type", "announced", "tz", "known", "direction", "severity"]
    mine = write_events({"id": "2025-04-04-RT"}, {"id": "2025-10-09-RT", "known": "2025-10-01"}, header=header)
    assert main(["events", "validate", str(mine)]) == 0  # alone, valid
    assert capsys.readouterr().out == f"{mine}: 2 events, valid\n"
    assert main(["events", "validate", "--merge", str(mine)]) == 2
    shown = capsys.readouterr()
    lines = shown.out.strip().splitlines()
    assert len(lines) == 2 and all("duplicate id (first in the shipped calendar" in line for line in lines)
    assert "or give it another id): '2025-04-04-RT'" in lines[0] and "got 2025-10-01): '2025-10-09-RT'" in lines[1]
    assert "2 problems; the first:" in shown.err
    revision = write_events({"id": "2025-04-04-RT", "known": "2025-04-20"}, header=header, name="revision.csv")
    assert main(["events", "validate", "--merge", str(revision)]) == 0
    assert capsys.readouterr().out == (
        f"{revision}: 1 event, valid merged into the shipped calendar (1 revising its events: 2025-04-04-RT)\n"
    )


def test_the_starter_file_says_its_events_are_examples(tmp_path, capsys):
    starter = tmp_path / "starter.csv"
    assert main(["events", "template"]) == 0
    starter.write_text(capsys.readouterr().out)
    assert main(["events", "validate", str(starter)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{starter}: 2 events, valid",
        "2 examples (2026-01-15-RT, 2026-03-02-NW: 'example: yes', made up by reelab events template): a backtest "
        "that trades them warns; delete their rows, or clear 'example' once a row is an event of your own",
    ]
    assert main(["events", "show", "2026-01-15-RT", "--events", str(starter)]) == 0
    assert "example: yes: made up by reelab events template" in capsys.readouterr().out
    assert main(["events", "list", "--events", str(starter)]) == 0
    assert "\n2 examples (2026-01-15-RT, 2026-03-02-NW:" in capsys.readouterr().out


def test_a_backtest_merging_the_starter_file_warns_naming_its_examples(tmp_path):
    """What ``reelab run --events starter.csv --merge`` reads, up to the aligned events every template trades."""
    from backtests import MarketData, RunSpec
    from backtests.spec import EventSource
    from signals.errors import ExampleEventWarning

    starter = tmp_path / "starter.csv"
    starter.write_text(event_file_template())
    spec = RunSpec(tickers=("MP",), start=pd.Timestamp("2025-12-01"), events=EventSource(starter, merge=True))
    data = MarketData.load(spec)
    with pytest.warns(ExampleEventWarning, match=r"2 example events of .*starter\.csv \(2026-01-15-RT, 2026-03-02-NW"):
        data.context(spec)
    early = replace(spec, end=pd.Timestamp("2025-12-31"))  # before the examples: nothing to warn of
    MarketData.load(early).context(early)


def test_run_any_template_with_params(tmp_path, capsys):
    out = tmp_path / "wo"
    arguments = ["run", "--template", "window_optionality", "--param", "leg=call", "--param", "expiry=15"]
    assert main([*arguments, "--tickers", "MP,LYC", "--start", "2024-06-01", "--out", str(out)]) == 0
    assert "window_optionality" in capsys.readouterr().out
    trades = pd.read_csv(out / "trades.csv")
    assert trades["asset"].str.contains(r"\|call\|").all()
    assert main(["run", "--template", "regime_tilt", "--param", "tilt=2", "--out", str(tmp_path / "x")]) == 2
    assert "'tilt' = 2" in capsys.readouterr().err


def test_sweep_command_writes_a_tidy_csv(tmp_path, capsys):
    arguments = ["sweep", "--template", "event_drift", "--grid", "horizon=5,10", "--grid", "stop_loss=none,0.05"]
    assert main([*arguments, "--tickers", "MP,LYC", "--start", "2024-01-01", "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "sweep.csv")
    assert list(table.columns[:3]) == ["horizon", "stop_loss", "scope"]
    assert len(table) == 4 * 3 and set(table["scope"]) == {"MP", "LYC", "portfolio"}
    assert "best combinations" in capsys.readouterr().out
    assert _exit_code(["sweep", "--grid", "horizon", "--out", str(tmp_path)]) == 2
    assert "expected NAME=V1,V2" in capsys.readouterr().err


def test_study_command_writes_the_study_files(tmp_path, capsys):
    arguments = ["study", "--types", "restriction_tightening", "--tickers", "MP,LYC,600111", "--windows", "0:5,-1:1"]
    assert main([*arguments, "--out", str(tmp_path)]) == 0
    assert "mean CAR" in capsys.readouterr().out
    ars = pd.read_csv(tmp_path / "abnormal_returns.csv")
    assert list(ars.columns[:5]) == ["event_id", "ticker", "session", "rel_day", "ar"]
    car = pd.read_csv(tmp_path / "car.csv")
    assert list(car.columns) == [
        "event_id",
        "event_type",
        "ticker",
        "group",
        "window_start",
        "window_end",
        "car",
        "t_stat",
        "confounded",
    ]
    tests = pd.read_csv(tmp_path / "tests.csv")
    assert {"group", "window", "statistic", "value", "p_value"} <= set(tests.columns)
    assert set(tests["window"]) == {"0:5", "-1:1"}
    for name in ("report.html", "summary.json", "figures/car_paths.png"):
        assert (tmp_path / name).is_file()
    assert _exit_code(["study", "--windows", "5", "--out", str(tmp_path)]) == 2


def test_report_command_rebuilds_a_folder(tmp_path, capsys):
    assert main(["run", "--tickers", "MP,LYC", "--start", "2024-06-01", "--out", str(tmp_path)]) == 0
    (tmp_path / "report.html").unlink()
    assert main(["report", str(tmp_path)]) == 0
    report = (tmp_path / "report.html").read_text()
    assert "Per-event attribution" in report and "Equity and drawdown" in report and "<script src=" not in report
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary["run"]["strategy"]) >= {"total_return", "sharpe", "max_drawdown"}
    assert (tmp_path / "figures" / "equity.png").is_file()
    assert main(["report", str(tmp_path / "nothing")]) == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["report", str(empty)]) == 2
    assert "no results to report" in capsys.readouterr().err


ARTICLE = """China approves more rare earth export permits
By Staff / 2025-06-13
China has approved a number of export license applications for rare earth-related items, the Ministry of
Commerce said on Thursday. On March 3, 2025, MOFCOM imposed export controls on graphite anodes.
Beijing is considering new export controls on magnets.
"""


def test_events_extract_csv_uses_the_dateline_and_links(tmp_path, capsys):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE)
    assert main(["events", "extract", str(article), "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    assert list(table.columns[:8]) == [
        "number", "file", "date", "precision", "type", "confidence", "calendar_id", "window_end"
    ]  # fmt: skip
    assert list(table["number"]) == list(range(1, len(table) + 1))
    assert {"file", "date", "precision", "type", "confidence", "calendar_id", "evidence"} <= set(table.columns)
    rows = {(r.date, r.type): r.calendar_id for r in table.itertuples()}
    assert rows == {("2025-06-12", "permit_approval"): "2025-06-12-PA", ("2025-03-03", "restriction_tightening"): ""}
    assert main(["events", "extract", str(article), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["type"]


def test_events_extract_appends_new_events_once(tmp_path, capsys, write_events):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE)
    target = write_events({"id": "known", "type": "permit_approval", "direction": "easing", "announced": "2025-06-12"})
    before = load_events(target).get("known")
    for _ in range(2):  # the second run finds nothing new
        assert main(["events", "extract", str(article), "--append-to", str(target), "--format", "csv"]) == 0
    capsys.readouterr()
    calendar = load_events(target)
    # The file had no 'known' column: it was added (empty for its own rows), the rows are unchanged.
    assert calendar.get("known") == before
    assert next(csv.reader(io.StringIO(target.read_text())))[-3:] == ["known", "effective", "description"]
    assert sorted(e.id for e in calendar) == ["2025-03-03-RT", "known"]  # the permit news was already there
    assert calendar.get("2025-03-03-RT").source == str(article)
    bad = tmp_path / "bad.csv"
    bad.write_text("id,type\nx,nope\n")
    assert main(["events", "extract", str(article), "--append-to", str(bad)]) == 2
    assert bad.read_text() == "id,type\nx,nope\n"  # nothing half-written


REUTERS = """Rare earths update

BEIJING, April 4 (Reuters) - China's commerce ministry on Friday announced export controls on seven rare earth
elements.
"""


def _extract(capsys, *arguments: str) -> tuple[int, str, str]:
    code = main(["events", "extract", *arguments])
    out, err = capsys.readouterr()
    return code, out, err


def _candidates(capsys, *arguments: str) -> pd.DataFrame:
    """The CSV output: one row per candidate, with the numbers the table and --only use."""
    code, out, _ = _extract(capsys, *arguments, "--format", "csv")
    assert code == 0
    return pd.read_csv(io.StringIO(out), keep_default_na=False, dtype=str)


@pytest.fixture
def articles(tmp_path) -> list[str]:
    """Two files with the same clear sentence, published on the Friday it names: at least two candidates."""
    paths = [tmp_path / "first.txt", tmp_path / "second.txt"]
    for path in paths:
        path.write_text(REUTERS)
    return [*map(str, paths), "--published", "2025-04-04"]


def test_events_extract_table_numbers_highlights_and_shows_the_row_to_write(tmp_path, capsys, articles):
    rows = _candidates(capsys, *articles)
    assert len(rows) >= 2 and list(rows["number"]) == [str(n) for n in range(1, len(rows) + 1)]
    assert "2025-04-04-RT" in set(rows["calendar_id"])  # the clear sentence links to the shipped calendar
    code, out, _ = _extract(capsys, *articles)
    assert code == 0 and "\033" not in out  # not a terminal: plain text
    for row in rows.itertuples():
        assert f"#{row.number}  {row.file}" in out
    assert out.count("calendar: ") == len(rows)
    assert "calendar: 2025-04-04-RT" in out and "[[" in out and "]]" in out
    plain = " ".join(out.replace("[[", "").replace("]]", "").split())
    assert "China's commerce ministry on Friday announced export controls on seven rare earth elements." in plain
    for field in ("type=restriction_tightening", "announced=2025-04-04", "known=2025-04-04", "tz=Asia/Shanghai",
                  "direction=tightening", "severity=3", "elements=rare earth", "confidence=single_source",
                  f"source={rows.file[0]}"):  # fmt: skip
        assert field in out
    assert " id=" not in out and "append:" not in out  # ids and the append status need --append-to
    _, later, _ = _extract(capsys, *articles[:1], "--published", "2030-01-11")
    assert "calendar: NEW" in later  # a Friday long after the shipped calendar ends

    target = tmp_path / "mine.csv"
    code, out, err = _extract(capsys, *articles, "--append-to", str(target))
    assert code == 0 and "id=2025-04-04-RT" in out and "append: yes" in out
    appended = len(load_events(target).all_versions)
    assert f"{len(rows)} selected, {appended} appended, {len(rows) - appended} skipped as already there" in err
    assert appended < len(rows)  # the second file repeats the first: reported, never silently dropped
    code, out, err = _extract(capsys, *articles, "--append-to", str(target))
    assert code == 0 and out.count(f"append: no, {target} already has it as ") == len(rows)
    assert f"{len(rows)} selected, 0 appended, {len(rows)} skipped" in err


@pytest.mark.parametrize(
    ("words", "shown"),
    [
        ({"trigger": "announced export controls", "date_span": "Friday"},
         "on [[Friday]] [[announced export controls]] on seven"),
        ({"trigger": "announced export controls"}, "on Friday [[announced export controls]] on seven"),
        ({}, "[[China's commerce ministry on Friday announced export controls on seven rare earth elements.]]"),
    ],
)  # fmt: skip
def test_events_extract_highlights_the_trigger_and_date_words(tmp_path, capsys, monkeypatch, words, shown):
    import signals

    real = signals.extract_events

    def with_offsets(text, published=None):  # the offsets extract_events may give, or none at all
        offsets = {key: (text.index(value), text.index(value) + len(value)) for key, value in words.items()}
        return [replace(candidate, extra=offsets) for candidate in real(text, published)]

    monkeypatch.setattr(signals, "extract_events", with_offsets)
    article = tmp_path / "article.txt"
    article.write_text(REUTERS)
    _, out, _ = _extract(capsys, str(article), "--published", "2025-04-04")
    assert shown in " ".join(out.split())  # the evidence is wrapped at 100 columns
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    _, out, _ = _extract(capsys, str(article), "--published", "2025-04-04")
    assert "[[" not in out
    assert shown.replace("[[", "\033[1;33m").replace("]]", "\033[0m") in " ".join(out.split())


def test_events_extract_only_appends_the_selected_candidates(tmp_path, capsys, articles):
    rows = _candidates(capsys, *articles)
    target = tmp_path / "mine.csv"
    code, out, err = _extract(capsys, *articles, "--append-to", str(target), "--only", "2")
    assert code == 0 and "append: no, not selected by --only" in out
    (event,) = load_events(target)
    second = rows.iloc[1]
    assert (event.source, str(event.type), f"{event.announced_at:%Y-%m-%d}") == (second.file, second.type, second.date)
    assert "1 selected, 1 appended, 0 skipped" in err


@pytest.mark.parametrize("only", ["{past}", "1,{past}", "0", "1;2", "two", ""])
def test_events_extract_only_outside_the_candidates_is_one_line_and_writes_nothing(tmp_path, capsys, articles,
                                                                                     only):  # fmt: skip
    count = len(_candidates(capsys, *articles))
    target = tmp_path / "mine.csv"
    code, out, err = _extract(capsys, *articles, "--append-to", str(target), "--only", only.format(past=count + 1))
    assert code == 2 and out == "" and not target.exists()
    (line,) = err.strip().splitlines()
    assert line.startswith("reelab: error: parameter '--only'") and f"from 1 to {count}" in line


def test_events_extract_only_needs_append_to(capsys, articles):
    code, out, err = _extract(capsys, *articles, "--only", "1")
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert line == (
        "reelab: error: --only needs --append-to EVENTS (CSV, YAML or JSON): it selects the candidates to append"
    )


def test_events_template_prints_a_file_that_validates(tmp_path, capsys):
    for form in ("csv", "yaml"):
        assert main(["events", "template", "--format", form]) == 0
        path = tmp_path / f"starter.{form}"
        path.write_text(capsys.readouterr().out)
        assert main(["events", "validate", str(path)]) == 0
        assert "2 events, valid" in capsys.readouterr().out


def test_a_missing_price_folder_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["run", "--tickers", "MP", "--prices", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "price folder" in error and "does not exist" in error
    assert not (tmp_path / "o").exists()


def test_append_to_a_calendar_with_a_bom_and_no_final_newline(tmp_path, capsys):
    header, row = event_file_template().splitlines()[:2]
    calendar = tmp_path / "calendar.csv"
    calendar.write_bytes(b"\xef\xbb\xbf" + f"{header}\n{row}".encode())  # BOM, and no newline after the last row
    article = tmp_path / "article.txt"
    article.write_text("BEIJING, Oct 9, 2025 (Reuters) - China on Thursday announced export controls on rare "
                       "earth technologies.\n")  # fmt: skip
    assert main(["events", "extract", str(article), "--append-to", str(calendar)]) == 0
    assert "1 appended" in capsys.readouterr().err
    assert main(["events", "validate", str(calendar)]) == 0
    assert "2 events, valid" in capsys.readouterr().out
    assert calendar.read_text(encoding="utf-8-sig").splitlines()[1] == row  # the last row kept whole


def test_events_show_says_what_each_template_does_with_the_countries(capsys):
    """2025-05-13-PA: licences for European and Vietnamese buyers, the US excluded."""
    assert main(["events", "show", "2025-05-13-PA"]) == 0
    shown = " ".join(capsys.readouterr().out.split())  # the lines are wrapped
    assert "countries included: EU; DE; VN" in shown and "countries excluded: US" in shown
    assert (
        "event_drift: trades it on every asset with target_countries=ignore (the default); with --param "
        "target_countries=listing only on the assets listed in CN (not AU, CA, US): China's always" in shown
    )
    assert "others: ignore them, trading it on every asset: permit_fade, regime_tilt, relative_value," in shown


def test_a_start_past_the_data_names_the_last_date_of_the_data(tmp_path, capsys):
    from backtests import load_prices

    last = load_prices(["MP"]).dropna().index[-1]
    assert main(["run", "--tickers", "MP", "--start", "2031-01-02", "--out", str(tmp_path / "out")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.endswith(f"from 2031-01-02 to the end of the data: start 2031-01-02 is after the last date of the "
                         f"data, {last:%Y-%m-%d}")  # fmt: skip
    assert not (tmp_path / "out").exists()
