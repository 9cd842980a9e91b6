"""The report renders a saved results folder, never recomputes, and reads well (backtests.report)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import backtests.prices._load
import signals
import signals._align
import signals._event_files
import signals._universe
from backtests.cli import main
from backtests.report import html as html_module
from backtests.report import summary as numbers
from backtests.report import write_report
from backtests.report.draw import to_matplotlib
from backtests.report.figures import sweep_heatmap
from backtests.results import read_frame
from signals.errors import ReelabError, ResultsFileError

GOLDEN = Path(__file__).parent / "golden"
PNG = b"\x89PNG\r\n\x1a\n"
CORPUS = Path(__file__).resolve().parents[1] / "bad_inputs"
REFUSED = [case for case in json.loads((CORPUS / "cases.json").read_text()) if case["kind"] == "results folder"]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "run"
    assert main(["run", "--tickers", "MP,LYC", "--start", "2023-06-03", "--placebo", "3", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "sweep"
    arguments = ["sweep", "--tickers", "MP,LYC", "--start", "2024-06-01", "--grid", "horizon=5,10"]
    assert main([*arguments, "--grid", "stop_loss=none,0.05", "--out", str(out)]) == 0
    return out


def _copy(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / folder.name
    shutil.copytree(folder, target)
    shutil.rmtree(target / "figures", ignore_errors=True)
    for name in ("report.html", "summary.json"):
        (target / name).unlink(missing_ok=True)
    return target


def test_header_shows_period_parameters_and_costs(run_folder):
    config = json.loads((run_folder / "config.json").read_text())
    page = (run_folder / "report.html").read_text()
    header = re.sub(r"<[^>]+>", "", page[page.index("<body>") : page.index("<h2>")])  # the text a reader sees
    assert f"{config['start']} to {config['end']}" in header  # the sessions the run used, not the ones asked for
    assert config["start"] != "2023-06-03" and "asked: 2023-06-03" in header
    for shown in ("horizon 10", "min_severity 2", "stop_loss none", "allow_short no", "fees 10 bp", "slippage 10 bp"):
        assert shown in header, shown
    assert "event_drift" in header and "MP, LYC" in header


def test_trades_table_sorts_by_clicking_a_header(run_folder):
    page = (run_folder / "report.html").read_text()
    trades = page[page.index("<h2>Trades</h2>") :]
    assert '<table class="sortable" id="trades"><thead>' in trades and "data-v=" in trades
    assert 'querySelectorAll("table.sortable th")' in page and "<script src=" not in page
    assert "white-space: nowrap" in page  # ids and dates never wrap


def test_equity_has_a_strategy_only_view(run_folder):
    page = (run_folder / "report.html").read_text()
    assert "event_drift alone: return since the start (its own scale)" in page
    text = re.sub(r"<[^>]+>", "", re.sub(r"<script.*?</script>", "", page[page.index("<body>") :], flags=re.S))
    assert re.search(r"time invested \d+% of sessions", text)  # time in market: "time invested", never "exposure"
    assert "exposure" not in text.replace("exposure none", "")  # only the template's China-exposure parameter
    assert (run_folder / "figures" / "equity.png").read_bytes().startswith(PNG)
    assert "Placebo events: Sharpe ratio (annualized)" in page


def test_summary_has_the_headline_numbers_of_stats_csv(run_folder):
    summary = json.loads((run_folder / "summary.json").read_text())
    stats = pd.read_csv(run_folder / "stats.csv", index_col=[0, 1])
    for series in ("strategy", "benchmark"):
        row = stats.loc[("portfolio", series)]
        assert summary["run"][series], series
        for key, value in summary["run"][series].items():
            assert value == pytest.approx(row[key]), (series, key)
    assert set(summary["run"]["strategy"]) >= {"total_return", "sharpe", "max_drawdown", "trades", "time_invested"}
    config = json.loads((run_folder / "config.json").read_text())
    assert summary["period"] == {"start": config["start"], "end": config["end"]}
    assert set(summary["placebo"]) == {"run:all"}


def test_the_report_never_loads_prices_or_events(run_folder, tmp_path, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the report must render the saved folder, not reload or realign")

    for module, name in [(backtests.prices._load, "load_prices"), (signals, "load_events"), (signals, "align_events"),
                         (signals, "load_universe"), (signals._event_files, "load_events"),
                         (signals._align, "align_events"), (signals._universe, "load_universe")]:  # fmt: skip
        monkeypatch.setattr(module, name, forbidden, raising=False)
    folder = _copy(run_folder, tmp_path)
    page = write_report(folder).read_text()
    assert "Prices, policy events and trades: MP" in page and "Not drawn" not in page
    assert "entered" in page  # hover: what became of each event (events.csv)


def test_rendering_imports_no_simulator_statistics_or_loaders(run_folder, tmp_path):
    folder = _copy(run_folder, tmp_path)
    code = (
        "import sys\nfrom backtests.report import write_report\n"
        f"write_report({str(folder)!r})\n"
        "heavy = ('vectorbt', 'statsmodels', 'numba')\n"
        "loaders = ('backtests.prices._load', 'backtests.ops._study', 'backtests.ops._sweep', 'backtests.ops._run', "
        "'signals._event_files', 'signals._align', 'signals._universe')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in loaders))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_folder_without_close_csv_renders_with_a_note(tmp_path):
    folder = _copy(GOLDEN / "run", tmp_path)  # written before close.csv, alignment.csv and config.json existed
    page = write_report(folder).read_text()
    assert "Not drawn: this folder has no <code>close.csv</code> and <code>alignment.csv</code>" in page
    assert "Prices, policy events and trades:" not in page and "Equity and drawdown" in page
    summary = json.loads((folder / "summary.json").read_text())
    stats = pd.read_csv(folder / "stats.csv", index_col=[0, 1])
    assert summary["run"]["strategy"]["time_invested"] == pytest.approx(
        stats.loc[("portfolio", "strategy"), "exposure"]
    )
    assert "time invested" in page and "reelab run report" in page


def test_sweep_heatmap_is_centred_annotated_and_in_the_html_order(sweep_folder):
    assert (sweep_folder / "figures" / "sweep_heatmap.png").read_bytes().startswith(PNG)
    table = pd.read_csv(sweep_folder / "sweep.csv")
    grid, x, y, others = numbers.sweep_grid(table)
    assert (x, y, others) in {("horizon", "stop_loss", False), ("stop_loss", "horizon", False)}
    order = list(grid.index) if y == "stop_loss" else list(grid.columns)
    assert order == ["none", "0.05"]
    figure = to_matplotlib(sweep_heatmap(grid, x, y, others))
    axis = figure.axes[0]
    norm = axis.images[0].norm
    assert norm.vcenter == 0 and norm.vmin == -norm.vmax
    assert [t.get_text() for t in axis.get_yticklabels()] == list(grid.index)  # top to bottom
    shown = {t.get_text() for t in axis.texts}
    assert {f"{v:.2f}" for v in grid.to_numpy().ravel()} <= shown
    page = (sweep_folder / "report.html").read_text()
    assert '"autorange":"reversed"' in page  # the HTML heatmap's first row is on top too


def test_sweep_sharpe_is_annualized_everywhere(sweep_folder):
    summary = json.loads((sweep_folder / "summary.json").read_text())["sweep"]
    deflated = summary["deflated_sharpe"]
    assert deflated["sharpe_annualized"] == pytest.approx(summary["best_sharpe"], rel=1e-6)
    assert "sharpe" not in deflated and "expected_max_sharpe" not in deflated  # no per-session numbers
    page = (sweep_folder / "report.html").read_text()
    assert "per-session" not in page and f"Sharpe {summary['best_sharpe']:.2f} against an expected maximum" in page


def test_study_statistics_come_from_tests_csv(tmp_path):
    folder = _copy(GOLDEN / "study", tmp_path)
    tests = pd.read_csv(folder / "tests.csv")
    tests["statistic"] = tests["statistic"].replace({"portfolio_t": "brand_new_t"})
    tests.to_csv(folder / "tests.csv", index=False)
    page = write_report(folder).read_text()
    assert "brand_<wbr>new_<wbr>t" in page and (folder / "figures" / "car_paths.png").is_file()
    summary = json.loads((folder / "summary.json").read_text())["study"]
    assert summary["pairs"] == 44 and "-1:1 brand_new_t" in summary["tests_all"]


def test_an_empty_folder_is_an_error(tmp_path):
    with pytest.raises(ReelabError, match="no results to report"):
        write_report(tmp_path)


def test_a_run_without_trades_is_a_result_and_its_report_says_so(tmp_path):
    from backtests.cli import main

    out = tmp_path / "run"
    assert main(["run", "--event-types", "wto_ruling", "--tickers", "MP", "--out", str(out)]) == 0
    trades = pd.read_csv(out / "trades.csv")
    assert len(trades) == 0 and "asset" in trades.columns  # an empty table, with its columns
    stats = pd.read_csv(out / "stats.csv")
    assert (stats.loc[stats["series"] == "strategy", "trades"] == 0).all()
    assert "No trades: no event gave an entry" in (out / "report.html").read_text()


# ---------------------------------------------------------------------------------------------
# Wrong content is refused in one line, and a refused report writes nothing


def _corpus_folder(name: str, tmp_path: Path) -> Path:
    folder = tmp_path / name
    shutil.copytree(CORPUS / "files" / "results" / name, folder)
    return folder


def _listing(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` (hidden temporary files included) with its bytes (None: a folder)."""
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


def test_the_folder_the_corpus_breaks_renders_unbroken(tmp_path):
    """Each results case of the bad-input corpus breaks this folder in one way: as it is, it renders."""
    folder = _corpus_folder("valid", tmp_path)
    assert main(["report", str(folder)]) == 0
    assert (folder / "report.html").is_file() and (folder / "figures" / "equity.png").read_bytes().startswith(PNG)


@pytest.mark.parametrize("case", REFUSED, ids=[case["name"] for case in REFUSED])
def test_a_refused_report_writes_nothing_in_the_folder(case, tmp_path, capsys):
    folder = _corpus_folder(case["name"], tmp_path)
    before = _listing(folder)
    assert main(["report", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and case["error"].lower() in err.lower(), err
    assert _listing(folder) == before  # no report.html, summary.json, figures/*.png nor temporary file


def test_a_refused_report_leaves_the_previous_one_as_it_was(run_folder, tmp_path, capsys):
    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    equity = (folder / "equity.csv").read_text()
    (folder / "equity.csv").write_text(equity[: equity.rindex(",")])  # the last row cut in the middle
    before = _listing(folder)
    assert main(["report", str(folder)]) == 2
    last = len(equity.rstrip("\n").splitlines())
    assert f"equity.csv: line {last} has 2 fields where the header has 3 (cut short?)" in capsys.readouterr().err
    assert _listing(folder) == before and "report.html" in before and "figures/equity.png" in before


def test_a_read_only_folder_is_refused_before_its_files_are_read(tmp_path, monkeypatch, capsys):
    folder = _corpus_folder("word_in_sharpe", tmp_path)  # its stats.csv is wrong too: the folder comes first

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", refused)  # as the OS answers a user without write permission
    before = _listing(folder)
    assert main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"reelab: error: {folder}: read-only (Permission denied)" in err and "nothing was written" in err
    assert _listing(folder) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a folder without write permission")
def test_a_folder_without_write_permission_is_refused(tmp_path, capsys):
    folder = _corpus_folder("valid", tmp_path)
    before = _listing(folder)
    folder.chmod(0o555)
    try:
        assert main(["report", str(folder)]) == 2
    finally:
        folder.chmod(0o755)
    assert "read-only" in capsys.readouterr().err and _listing(folder) == before


def test_a_config_with_a_byte_order_mark_is_read(tmp_path):
    folder = _corpus_folder("valid", tmp_path)
    config = {"command": "run", "template": "event_drift", "start": "2025-01-02", "end": "2025-01-06"}
    (folder / "config.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(config).encode())  # as Notepad saves it
    page = write_report(folder).read_text()
    assert "<title>reelab event_drift report</title>" in page and "2025-01-02 to 2025-01-06" in page


def test_load_checks_the_files_it_reads_as_the_report_does(tmp_path):
    from backtests.ops._run import BacktestResult
    from backtests.ops._sweep import SweepResult

    for name, load in [("word_in_sharpe", BacktestResult.load), ("truncated_equity", BacktestResult.load),
                       ("config_template_list", BacktestResult.load), ("dsr_list", SweepResult.load)]:  # fmt: skip
        error = next(case["error"] for case in REFUSED if case["name"] == name)
        with pytest.raises(ResultsFileError, match=re.escape(error)):
            load(_corpus_folder(name, tmp_path))


# ---------------------------------------------------------------------------------------------
# Every table round-trips, empty ones included

LOOSE = dict(check_dtype=False, check_names=False, check_index_type=False, check_column_type=False)


def _same(loaded: pd.DataFrame, saved: pd.DataFrame) -> None:
    """``loaded`` holds what ``saved`` held, as far as a CSV can: an empty text ("" for none) reads back as
    missing, and dates may come back in another unit (pandas compares the raw numbers of two units)."""

    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.replace("", np.nan) if len(frame) else frame
        dates = [c for c in frame.columns if frame[c].dtype.kind == "M"]
        frame = frame.astype(dict.fromkeys(dates, "datetime64[ns]"))
        return frame.set_axis(frame.index.as_unit("ns")) if isinstance(frame.index, pd.DatetimeIndex) else frame

    pd.testing.assert_frame_equal(plain(loaded), plain(saved), **LOOSE)


@pytest.mark.parametrize(
    "events",
    [[], [{"type": "quota_change", "announced": "2024-03-04"}]],
    ids=["a calendar without events", "an event no template trades"],
)
def test_a_run_that_trades_nothing_saves_reports_and_loads_back(events, tmp_path, write_events):
    from backtests import ops
    from backtests.ops._run import BacktestResult
    from backtests.spec import EventSource, RunSpec

    spec = RunSpec(tickers=["MP"], start="2024-01-02", end="2024-06-28", events=EventSource(write_events(*events)))
    result = ops.run(spec)
    assert result.trades.empty and result.events.empty
    folder = result.save(tmp_path / "run")
    for path in folder.glob("*.csv"):  # every table has its header, rows or not
        assert path.read_text().split("\n")[0].count(",") >= 1, path.name
    header = (GOLDEN / "run" / "attribution.csv").read_text().splitlines()[0]  # written by an older reelab
    assert (folder / "attribution.csv").read_text().splitlines()[0] == header
    page = write_report(folder).read_text()
    assert "No trades: no event gave an entry" in page and "No policy event opened a trade" in page
    loaded = BacktestResult.load(folder)
    for name in ("stats", "trades", "equity", "asset_equity", "close", "events", "market_rules"):
        _same(getattr(loaded, name), getattr(result, name))
    attribution = read_frame(folder, "run", "attribution")
    assert list(attribution.columns) == header.split(",") and len(attribution) == len(events)
    assert attribution["trades"].dtype.kind in "if" and attribution["first_entry"].dtype.kind == "M"
    assert loaded.trades["entry_session"].dtype.kind == "M" and loaded.trades["pnl"].dtype.kind == "f"


def test_a_saved_run_loads_back_as_it_was(tmp_path):
    from backtests import ops
    from backtests.ops._run import BacktestResult
    from backtests.spec import RunSpec

    result = ops.run(RunSpec(tickers=["MP", "000831"], start="2024-01-02"))
    loaded = BacktestResult.load(result.save(tmp_path / "run"))
    for name in ("stats", "trades", "equity", "asset_equity", "close", "events", "market_rules"):
        _same(getattr(loaded, name), getattr(result, name))
    assert list(loaded.market_rules.index) == ["000831"]  # the A-share, its code as text (not 831)
    assert "000831" in set(loaded.stats.index.get_level_values("scope"))


def test_a_study_without_pairs_saves_reports_and_loads_back(tmp_path, write_events):
    from backtests import ops
    from backtests.ops._study import StudyResult
    from backtests.spec import EventSource, StudySpec

    events = write_events({"type": "quota_change", "announced": "1990-03-05"})  # before any price
    result = ops.study(StudySpec(tickers=["MP"], events=EventSource(events)))
    assert result.car.empty and result.abnormal_returns.empty and len(result.dropped) == 1
    folder = result.save(tmp_path / "study")
    page = write_report(folder).read_text()
    assert "No event-asset pairs: every pair was dropped" in page
    assert not (folder / "figures" / "car_paths.png").exists()
    assert json.loads((folder / "summary.json").read_text())["study"]["pairs"] == 0
    loaded = StudyResult.load(folder)
    for name in ("abnormal_returns", "car", "tests", "dropped"):
        saved = getattr(loaded, name)
        _same(saved, getattr(result, name)[list(saved.columns)])
    assert loaded.abnormal_returns["ar"].dtype.kind == "f" and loaded.car["window_start"].dtype.kind in "if"


def test_placebo_draws_without_a_sharpe_round_trip_and_render(tmp_path):
    from backtests.ops._placebo import PlaceboResult

    folder = _corpus_folder("valid", tmp_path)
    PlaceboResult(float("nan"), np.array([np.nan, 0.4, -0.2]), 1.0).save(folder)  # a run that never traded
    loaded = PlaceboResult.load(folder)
    assert np.isnan(loaded.actual) and loaded.p_value == 1.0
    np.testing.assert_array_equal(loaded.null, [np.nan, 0.4, -0.2])
    page = write_report(folder).read_text()
    assert "3 draws (1 without a value)" in page
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["placebo"]["run:all"] == {"actual": None, "p_value": 1.0, "draws": 3}


# ---------------------------------------------------------------------------------------------
# Reports that explain themselves


def test_study_tests_table_shows_each_windows_mean_car(tmp_path):
    folder = _copy(GOLDEN / "study", tmp_path)
    car = pd.read_csv(folder / "car.csv")
    tests = pd.read_csv(folder / "tests.csv")
    table = numbers.study_table(tests, car)
    assert list(table.frame.columns).index("mean CAR") < list(table.frame.columns).index(tests["statistic"].iloc[0])
    first = table.frame.iloc[0]
    start, end = map(int, str(first["window"]).split(":"))
    expected = car[(car["window_start"] == start) & (car["window_end"] == end)]["car"].mean()
    assert first["group"] == "all" and first["mean CAR"] == pytest.approx(expected)
    page = write_report(folder).read_text()
    assert ">mean CAR</th>" in page


def test_a_dash_says_what_it_means(tmp_path):
    tests = pd.DataFrame({"group": ["all", "all"], "window": ["-1:1", "0:5"], "n": [3, 3], "statistic": ["t", "z"],
                          "value": [1.0, 2.0], "p_value": [0.3, 0.04]})  # fmt: skip
    from backtests.report.html import table

    shown = table(numbers.study_table(tests))  # each window lacks one statistic: a dash
    assert f'title="{numbers.STUDY_MISSING}"' in shown.replace("&#x27;", "'")
    assert '<p class="legend">– (en dash): not computed' in shown
    complete = numbers.Table(pd.DataFrame({"x": [1.0]}), {"x": "number"})
    assert "legend" not in table(complete)  # no dash, no note


def test_every_event_type_has_one_fixed_colour_and_tightening_is_not_grey():
    from backtests.report.figures import EVENT_TYPE_COLORS, car_figure, type_color

    assert set(EVENT_TYPE_COLORS) == {kind.value for kind in signals.EventType}
    assert len(set(EVENT_TYPE_COLORS.values())) == len(EVENT_TYPE_COLORS)
    tightening = type_color("restriction_tightening")
    red, green, blue = (int(tightening[i : i + 2], 16) for i in (1, 3, 5))
    assert red > green + 60 and red > blue + 60  # red, not grey
    assert type_color(signals.EventType.RESTRICTION_TIGHTENING) == tightening

    def colours(kinds):
        paths = pd.DataFrame([(k, d, 0.0, 0.01, 5, -0.01, 0.01) for k in kinds for d in (0, 1)],
                             columns=["event_type", "rel_day", "mean", "std", "count", "low", "high"])  # fmt: skip
        return {t.label.split(" ")[0]: t.color for t in car_figure(paths).panels[0].traces}

    few, many = colours(["restriction_tightening", "easing_pause"]), colours(sorted(EVENT_TYPE_COLORS))
    assert few["restriction_tightening"] == many["restriction_tightening"] == tightening  # whatever else is drawn
    assert all(many[kind] == colour for kind, colour in EVENT_TYPE_COLORS.items())
    from backtests.ops._display import car_figure as notebook_car_figure  # the notebook's .plot() too

    paths = pd.DataFrame([(k, d, 0.0, 0.01, 5, -0.01, 0.01) for k in ("wto_ruling", "easing_pause") for d in (0, 1)],
                         columns=["event_type", "rel_day", "mean", "std", "count", "low", "high"])  # fmt: skip
    drawn = {trace.name.split(" ")[0]: trace.line.color for trace in notebook_car_figure(paths).data if trace.name}
    assert drawn == {"wto_ruling": EVENT_TYPE_COLORS["wto_ruling"], "easing_pause": EVENT_TYPE_COLORS["easing_pause"]}


def test_trades_table_has_pnl_in_currency_and_percent_names_and_filters(run_folder):
    trades = read_frame(run_folder, "run", "trades")
    table = numbers.trades_table(trades, {"MP": "MP Materials", "LYC": "Lynas Rare Earths"})
    frame = table.frame
    assert {"P&L", "P&L %", "company"} <= set(frame.columns)
    assert set(frame["company"]) <= {"MP Materials", "Lynas Rare Earths"}
    assert frame["P&L %"].tolist() == trades["return"].tolist()
    assert frame["P&L"].iloc[0] == f"{trades['currency'].iloc[0]}:{trades['pnl'].iloc[0]}"
    assert table.filters == ("asset", "events")
    named = numbers.trades_table(trades.assign(name="Some Company"))  # a trades.csv that saved the names
    assert set(named.frame["company"]) == {"Some Company"}
    assert set(numbers.trades_table(trades).frame["company"]) <= {"MP Materials", "Lynas Rare Earths"}  # saved
    assert "company" not in numbers.trades_table(trades.drop(columns="name")).frame  # older folders: no dashes
    page = (run_folder / "report.html").read_text()
    assert ">MP Materials</td>" in page
    section = page[page.index("<h2>Trades</h2>") :]
    assert '<div class="filters" data-table="trades">' in section and "<select data-column=" in section
    assert ">P&amp;L %</th>" in section and re.search(r">(USD|AUD) [+-][\d,]+</td>", section)


def test_run_report_states_the_portfolio_construction_above_its_chart(run_folder):
    page = (run_folder / "report.html").read_text()
    equity = page[page.index("<h2>Equity and drawdown</h2>") :]
    sentence = equity[: equity.index('<div class="plot">')]
    assert "value-weighted and never rebalanced" in sentence and "100,000" in sentence
    assert "sum of the sleeves' values" in sentence


def test_the_period_ends_where_the_data_ends(tmp_path):
    folder = _copy(GOLDEN / "study", tmp_path)
    config = json.loads((folder / "config.json").read_text()) if (folder / "config.json").exists() else {}
    last = pd.to_datetime(pd.read_csv(folder / "abnormal_returns.csv")["session"]).max()
    config = config or {"command": "study", "start": "2020-01-02"}
    (folder / "config.json").write_text(json.dumps(config | {"end": "2099-12-31"}))
    page = write_report(folder).read_text()
    assert "2099-12-31" not in page and f"to {last:%Y-%m-%d}" in page
    assert json.loads((folder / "summary.json").read_text())["period"]["end"] == f"{last:%Y-%m-%d}"


def test_a_desk_run_shows_its_cost_model_not_flat_fees():
    config = {"fees": 0.001, "slippage": 0.001, "costs": "desk", "trading_costs": {
        "model": "desk", "lots": True, "overrides": [], "slippage": 0.001, "fees": 0.001,
        "assets": {"MP": {"commission": 0.0005}, "600111": {"commission": 0.00025}}}}  # fmt: skip
    costs = dict(numbers.header(config))["costs"]
    assert "fees 10 bp" not in costs and costs.startswith("desk model")
    assert "2.5-5 bp by asset" in costs and "stamp duty" in costs and "whole board lots" in costs
    flat = {"fees": 0.001, "slippage": 0.001, "trading_costs": {"model": "flat", "fees": 0.001, "slippage": 0.001}}
    assert dict(numbers.header(flat))["costs"] == "fees 10 bp, slippage 10 bp per order"


def test_a_reference_tests_note_is_said_once_for_its_column():
    """Why a test is kept for reference only (its measured size) is a numbered note under the study table, once
    per column, not repeated in every row."""
    tests = pd.DataFrame({
        "group": ["all", "all", "all", "all"], "window": ["-1:1", "-1:1", "0:5", "0:5"], "n": [10, 10, 10, 10],
        "statistic": ["portfolio_t", "bmp_t", "portfolio_t", "bmp_t"], "value": [2.5, 4.0, 1.0, 3.0],
        "p_value": [0.01, 0.001, 0.3, 0.003], "note": [None, "assumes independent events", None,
                                                    "assumes independent events"],
    })  # fmt: skip
    markup = html_module.table(numbers.study_table(tests))
    assert markup.count("assumes independent events") == 2  # the header's title and the note under the table
    assert "<sup>1</sup>" in markup and '<p class="legend"><sup>1</sup> bmp_t: assumes independent events</p>' in markup
