"""Results folders are published whole, replaced whole on a rerun, and refused when they hold anything else.

``run``, ``sweep`` and ``study`` write into a staging folder beside ``--out`` and swap it into place
(``backtests.results.publishing``); everything a command could refuse is checked before any work.
"""

from __future__ import annotations

import json

import pytest

from backtests import ops
from backtests.cli import main

RUN = ["run", "--tickers", "MP", "--start", "2025-01-01"]


def cli(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as stop:  # argparse rejects while parsing
        return int(stop.code or 0)


def listing(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_folder_holding_anything_else_is_refused_while_parsing(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert cli([*RUN, "--out", str(out)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "holds files reelab did not write (notes.txt)" in line
    assert listing(out) == {"notes.txt": b"mine"}  # never touched
    other = tmp_path / "other"
    other.mkdir()
    (other / "stats.csv").write_text("a,b\n")  # a reelab name, but no config.json: not a results folder
    assert cli(["sweep", "--grid", "horizon=5", "--out", str(other)]) == 2
    assert "not a reelab results folder" in capsys.readouterr().err


def test_a_rerun_replaces_a_results_folder_whole(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli(["sweep", "--tickers", "MP", "--start", "2025-01-01", "--grid", "horizon=5,10", "--out", str(out)]) == 0
    assert (out / "sweep.csv").is_file()
    assert cli([*RUN, "--out", str(out)]) == 0
    names = set(listing(out))
    assert "sweep.csv" not in names and "dsr.json" not in names  # no sweep file beside the run's
    assert {"stats.csv", "trades.csv", "config.json", "report.html", "attribution.csv"} <= names
    assert json.loads((out / "config.json").read_text())["command"] == "run"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left


def test_placebo_parameters_are_checked_before_any_work(tmp_path, monkeypatch, capsys, write_events):
    events = write_events({"announced": "2025-06-02"})
    ran = []
    monkeypatch.setattr(ops, "run", lambda *args, **kwargs: ran.append(1))
    out = tmp_path / "out"
    short = ["run", "--tickers", "MP", "--start", "2025-05-26", "--end", "2025-06-10"]  # every session near the event
    assert cli([*short, "--events", str(events), "--placebo", "5", "--out", str(out)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "candidate New York sessions" in line and "each of the 1 event)" in line
    assert ran == [] and not out.exists()
    assert cli(["study", "--tickers", "MP", "--events", str(events), "--placebo", "5", "--out", str(out)]) == 2
    assert "candidate New York sessions" in capsys.readouterr().err and not out.exists()


def test_a_run_that_fails_while_saving_leaves_the_previous_folder(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert cli([*RUN, "--out", str(out)]) == 0
    before = listing(out)
    import backtests.report as report

    def broken(folder, title=None):
        (folder / "report.html").write_text("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "write_report", broken)
    assert cli([*RUN, "--start", "2025-06-01", "--out", str(out)]) == 1
    assert listing(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("kind", ["run", "sweep", "study"])
def test_save_from_python_is_whole_too(tmp_path, kind):
    from backtests import RunSpec, StudySpec

    spec = RunSpec(tickers=("MP",), start="2025-01-01")
    result = {
        "run": lambda: ops.run(spec),
        "sweep": lambda: ops.sweep(spec, {"horizon": [5, 10]}),
        "study": lambda: ops.study(StudySpec(tickers=("MP",), windows=((0, 1),))),
    }[kind]()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "keep.txt").write_text("x")
    with pytest.raises(ValueError, match="holds files reelab did not write"):
        result.save(mine)
    assert listing(mine) == {"keep.txt": b"x"}
    result.save(tmp_path / "saved")
    assert (tmp_path / "saved" / "config.json").is_file()
