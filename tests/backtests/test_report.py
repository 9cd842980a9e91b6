"""The report renders a saved results folder, never recomputes, and reads well (backtests.report)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import backtests._prices
import signals
import signals._align
import signals._event_files
import signals._universe
from backtests.cli import main
from backtests.report import summary as numbers
from backtests.report import write_report
from backtests.report.draw import to_matplotlib
from backtests.report.figures import sweep_heatmap
from signals.errors import ReelabError

GOLDEN = Path(__file__).parent / "golden"
PNG = b"\x89PNG\r\n\x1a\n"


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
    assert '<table class="sortable"><thead>' in trades and "data-v=" in trades
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

    for module, name in [(backtests._prices, "load_prices"), (signals, "load_events"), (signals, "align_events"),
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
        "loaders = ('backtests._prices', 'backtests._study', 'backtests._sweep', 'backtests._run', "
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
