"""The project as a whole: packaging, import hygiene, README and CI agree."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-w", str(out), "-q"],
        check=True,
        capture_output=True,
    )
    return next(out.glob("reelab-*.whl"))


def test_wheel_holds_exactly_the_four_packages_and_the_seeds_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"signals", "strategies", "backtests", "seeds"}
    for data in ("seeds/events.csv", "seeds/universe.csv", "seeds/prices.parquet", "signals/py.typed"):
        assert data in names
    assert [name for name in names if name.startswith("seeds/") and name.endswith(".py")] == ["seeds/__init__.py"]
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "reelab = backtests.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_signals_and_loaders_never_import_vectorbt_or_numba():
    code = (
        "import sys, signals, strategies, backtests\n"
        "calendar = signals.load_events(); universe = signals.load_universe()\n"
        "close = backtests.load_prices(['MP', 'LYC'])\n"
        "alignment = signals.align_events(calendar, universe, ['MP', 'LYC']); alignment.impulses()\n"
        "context = backtests.build_context(calendar, universe, close)\n"
        "for name in strategies.available():\n"
        "    strategies.get(name).build(context, strategies.get(name).params())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('vectorbt', 'numba')))\n"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "[]"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci in readme
    assert "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/reelab run" in readme


#: The figures the quickstart shows, by the start of their plotly title: each must be drawn at least once.
NOTEBOOK_FIGURES = {
    "equity and drawdown": "Portfolio value and drawdown",
    "positions over time": "Positions held",
    "sweep heat map": "Portfolio Sharpe",
    "CAR paths and bands": "Mean cumulative abnormal return",
    "placebo distribution": "Placebo Sharpe",
    "positions on a day": "Positions of event_drift",
}


@pytest.mark.slow
def test_quickstart_notebook_runs_and_shows_its_figures(tmp_path):
    """examples/quickstart.ipynb executes from top to bottom (nbclient, a fresh kernel, no network) and draws
    each of its figures inline (plotly's JSON output), and its results show as HTML tables."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(ROOT / "examples" / "quickstart.ipynb", as_version=4)
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("empirical p" in str(o.get("text", "")) for o in outputs)
    figures = [o.data["application/vnd.plotly.v1+json"] for o in outputs if "application/vnd.plotly.v1+json"
               in o.get("data", {})]  # fmt: skip
    titles = [str(figure["layout"].get("title", {}).get("text", "")) for figure in figures]
    missing = [name for name, start in NOTEBOOK_FIGURES.items() if not any(t.startswith(start) for t in titles)]
    assert missing == [], f"figures not shown: {missing} (titles shown: {titles})"
    assert all(figure["data"] for figure in figures)  # every figure has traces
    pages = [str(o.get("data", {}).get("text/html", "")) for o in outputs]
    summaries = " ".join(page for page in pages if "reelab-result" in page)  # the results' _repr_html_
    for result in ("BacktestResult", "SweepResult", "Positions of event_drift"):
        assert result in summaries
    assert "<script" not in summaries  # the summaries are plain HTML: no plotly JavaScript


@pytest.mark.slow
def test_seed_claims_script_runs():
    shown = subprocess.run([sys.executable, str(ROOT / "examples" / "seed_claims.py")], capture_output=True, text=True,
                           check=True).stdout  # fmt: skip
    assert "largest one-session move: +7.88% on 2025-06-11" in shown  # quoted in the README
    assert "2025-10-09-RT" in shown and "2025-11-07-NW" in shown


@pytest.mark.slow
def test_exposure_evidence_script_prints_the_readme_table():
    shown = subprocess.run([sys.executable, str(ROOT / "examples" / "exposure_evidence.py")], capture_output=True,
                           text=True, check=True).stdout.splitlines()  # fmt: skip
    section = (ROOT / "README.md").read_text().split("### Exposure signs: the evidence", 1)[1].split("\n## ", 1)[0]
    rows = [line.replace("**", "") for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 16 and set(rows) <= set(shown)  # the header and 15 rows, as measured
    assert any(line.startswith("china_producer: default -1") and "CONTRADICTS the default" in line for line in shown)


def test_readme_event_file_examples_are_the_starter_files_and_the_table_names_every_column(tmp_path):
    from signals import event_file_template, load_events
    from signals._event_files import COLUMNS, REQUIRED_COLUMNS

    section = (ROOT / "README.md").read_text().split("## Event files", 1)[1].split("\n## ", 1)[0]
    csv_example = section.split("```csv\n", 1)[1].split("```", 1)[0]
    yaml_example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert csv_example == event_file_template("csv")
    assert yaml_example in event_file_template("yaml")  # the starter adds the comments
    table = {line.split("|")[1].strip(" `"): line.split("|")[3].strip() for line in section.splitlines()
             if line.startswith("| `")}  # fmt: skip
    assert list(table) == list(COLUMNS)
    assert [column for column, required in table.items() if required == "yes"] == list(REQUIRED_COLUMNS)
    (tmp_path / "example.yaml").write_text(yaml_example)
    assert len(load_events(tmp_path / "example.yaml")) == 2
