"""Sweeps, placebo draws and walk-forward folds on Dask give exactly the numbers of one process.

A ``LocalCluster`` of two worker processes (as ``--workers 2`` starts) runs each; the tables must
be equal value for value, in the same order. Dask is the ``distributed`` extra, part of ``test``.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster

import backtests._sweep
from backtests import placebo_sharpe, sweep, walk_forward
from backtests._distributed import connect
from backtests.cli import main
from signals.errors import ParameterError

TICKERS = ["MP", "LYC", "600111"]


@pytest.fixture(scope="module")
def client():
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    with cluster, Client(cluster) as client:
        yield client


def test_a_sweep_on_two_workers_equals_the_sweep_in_one_process(client):
    grid = {"horizon": [3, 5, 10], "stop_loss": [None, 0.05]}
    here = sweep("event_drift", grid, tickers=TICKERS, chunk_size=2)
    there = sweep("event_drift", grid, tickers=TICKERS, chunk_size=2, scheduler=client)
    assert len(client.scheduler_info()["workers"]) == 2
    assert len(here) == 6 * (len(TICKERS) + 1)
    pd.testing.assert_frame_equal(there, here)


def test_placebo_draws_on_two_workers_equal_the_draws_in_one_process(client, monkeypatch):
    monkeypatch.setattr(backtests._sweep, "CHUNK_CELLS", 4569 * len(TICKERS) * 3)  # three draws per task
    here = placebo_sharpe(draws=10, seed=7, tickers=TICKERS)
    there = placebo_sharpe(draws=10, seed=7, tickers=TICKERS, scheduler=client)
    assert there[0] == here[0]
    np.testing.assert_array_equal(there[1], here[1])
    assert there[2] == here[2]
    assert len(np.unique(here[1])) > 5  # the draws differ from each other


def test_walk_forward_folds_on_two_workers_equal_the_folds_in_one_process(client):
    grid = {"horizon": [5, 10]}
    here = walk_forward("event_drift", grid, folds=2, tickers=TICKERS)
    there = walk_forward("event_drift", grid, folds=2, tickers=TICKERS, scheduler=client)
    pd.testing.assert_frame_equal(there, here)


def test_the_cli_starts_a_local_cluster_with_workers(tmp_path):
    args = ["sweep", "--tickers", "MP,LYC", "--grid", "horizon=3,5", "--grid", "stop_loss=none,0.05"]
    assert main([*args, "--out", str(tmp_path / "here")]) == 0
    assert main([*args, "--workers", "2", "--out", str(tmp_path / "there")]) == 0
    here, there = (pd.read_csv(tmp_path / name / "sweep.csv") for name in ("here", "there"))
    pd.testing.assert_frame_equal(there, here)


@pytest.mark.parametrize("scheduler", [0, -2, "", True, 1.5])
def test_a_scheduler_that_is_none_of_the_three_kinds_is_refused(scheduler):
    with pytest.raises(ParameterError, match="'scheduler'"), connect(scheduler):
        pass


def test_workers_must_be_a_positive_count():
    done = subprocess.run(
        [sys.executable, "-c", "from backtests.cli import main; main()", "sweep", "--workers", "0", "--out", "x"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "--workers" in done.stderr


def test_nothing_imports_dask_unless_asked():
    code = "from backtests import sweep; sweep('event_drift', {'horizon': [5]}, tickers=['MP'])"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    names = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "import time:" in line}
    assert "vectorbt" in names  # the check sees what the sweep imported
    assert not names & {"dask", "distributed"}
