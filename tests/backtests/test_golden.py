"""The redesign keeps every number: run, sweep and study folders against those saved before it.

``tests/backtests/golden/`` holds folders written by the CLI before the spec -> data -> result
redesign (see its README), and the calendar and universe they were written with (``golden/seeds``,
the files before their audit in issue 22): run on those, today's code must give the same numbers.
They were written under the open rule (``--close-margin none``: the close rule of issue 22 moves
an event known during a session onto it). The only allowed differences are the rename of
``exposure`` (time in market) to ``time_invested`` and the study's new ``confounded`` column (False
throughout: that calendar has no confounders).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import seeds
from backtests.cli import main
from backtests.measures._group_tests import size_note

GOLDEN = Path(__file__).parent / "golden"
SEEDS = GOLDEN / "seeds"
shipped = seeds.path
GRID = ["--grid", "horizon=5,10", "--grid", "stop_loss=none,0.05"]
#: The folders were written when every event traded from the first session opening after it was
#: known: the open rule, ``--close-margin none`` today.
OPEN_RULE = ["--close-margin", "none"]
COMMANDS = {
    "run": ["run", "--tickers", "MP,LYC,300748", "--start", "2023-01-01", *OPEN_RULE],
    "sweep": ["sweep", "--tickers", "MP,LYC,300748", "--start", "2023-01-01", *GRID, *OPEN_RULE],
    "study": ["study", "--types", "restriction_tightening", "--tickers", "MP,LYC,600111", "--windows", "-1:1,0:5",
              *OPEN_RULE],
}  # fmt: skip
RENAMED = {"exposure": "time_invested"}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("golden")
    with pytest.MonkeyPatch.context() as patch:  # the shipped calendar and universe as they were then
        patch.setattr(seeds, "path", lambda name: SEEDS / name if (SEEDS / name).exists() else shipped(name))
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
    if "confounded" in after and "confounded" not in before:
        assert not after.pop("confounded").any()
    if file == "trades.csv" and "name" not in before:  # added since: the company's name beside its ticker
        assert after.pop("name").notna().all()
    if file == "tests.csv" and "note" not in before:  # added since: a reference test's measured size, a new test
        assert set(after.pop("note").dropna()) <= {size_note(name) for name in after["statistic"]}
        after = after[after["statistic"].isin(set(before["statistic"]))].reset_index(drop=True)
    assert list(after.columns) == list(before.columns)
    pd.testing.assert_frame_equal(after, before, check_exact=False, rtol=1e-9, atol=1e-12)


def test_the_deflated_sharpe_ratio_is_the_same_without_rerunning(folders):
    before = json.loads((GOLDEN / "sweep" / "dsr.json").read_text())
    after = json.loads((folders / "sweep" / "dsr.json").read_text())
    assert after.keys() == before.keys()
    for key, value in before.items():
        assert after[key] == (pytest.approx(value, rel=1e-9) if isinstance(value, float) else value), key
