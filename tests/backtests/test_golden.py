"""The redesign keeps every number: run, sweep and study folders against those saved before it.

``tests/backtests/golden/`` holds folders written by the CLI before the spec -> data -> result
redesign (see its README); the only allowed difference is the rename of ``exposure`` (time in
market) to ``time_invested``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from backtests.cli import main

GOLDEN = Path(__file__).parent / "golden"
GRID = ["--grid", "horizon=5,10", "--grid", "stop_loss=none,0.05"]
COMMANDS = {
    "run": ["run", "--tickers", "MP,LYC,300748", "--start", "2023-01-01"],
    "sweep": ["sweep", "--tickers", "MP,LYC,300748", "--start", "2023-01-01", *GRID],
    "study": ["study", "--types", "restriction_tightening", "--tickers", "MP,LYC,600111", "--windows", "-1:1,0:5"],
}
RENAMED = {"exposure": "time_invested"}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("golden")
    for name, arguments in COMMANDS.items():
        assert main([*arguments, "--out", str(root / name)]) == 0
    return root


@pytest.mark.parametrize(
    "kind, file",
    [(kind, path.name) for kind in COMMANDS for path in sorted((GOLDEN / kind).glob("*.csv"))],
)
def test_saved_frames_have_the_same_numbers(folders, kind, file):
    before = pd.read_csv(GOLDEN / kind / file).rename(columns=RENAMED)
    after = pd.read_csv(folders / kind / file)
    assert list(after.columns) == list(before.columns)
    pd.testing.assert_frame_equal(after, before, check_exact=False, rtol=1e-9, atol=1e-12)


def test_the_deflated_sharpe_ratio_is_the_same_without_rerunning(folders):
    before = json.loads((GOLDEN / "sweep" / "dsr.json").read_text())
    after = json.loads((folders / "sweep" / "dsr.json").read_text())
    assert after.keys() == before.keys()
    for key, value in before.items():
        assert after[key] == (pytest.approx(value, rel=1e-9) if isinstance(value, float) else value), key
