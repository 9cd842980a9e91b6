"""Sweeps, placebo draws and walk-forward folds on Dask give exactly the numbers of one process.

A ``LocalCluster`` of two worker processes (as ``--workers 2`` starts) runs each; the tables must
be equal value for value, in the same order. Dask is the ``distributed`` extra, part of ``test``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import suppress

import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster

import backtests.data
import backtests.ops
import backtests.ops._draws
import backtests.ops._sweep
from backtests import placebo_sharpe, sweep, walk_forward
from backtests.cli import main
from backtests.cli._parser import build_parser
from backtests.simulation._distributed import TIMEOUT_ENV, address_problem, check_scheduler, connect
from signals.errors import ParameterError

pytestmark = pytest.mark.slow  # local Dask clusters

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
    monkeypatch.setattr(backtests.ops._draws, "DRAW_CELLS", 4569 * len(TICKERS) * 3)  # three draws per task
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


# ---- The Dask options are checked before any work: their syntax while parsing, then whether a scheduler
# answers. Test servers listen on 127.0.0.1 only, and no test traffic goes anywhere else.


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("", "it is empty"),
        ("   ", "it is empty"),
        ("notanaddress", "missing port number"),
        ("tcp://", "nothing after tcp://"),
        ("tcp://host:99999", "port 99999 is not in 1-65535"),
        ("tcp://host:0", "port 0 is not in 1-65535"),
        ("host:abc", "the port is not a number"),
        ("tcp://:8786", "no host"),
        ("http://host:80", "unknown address scheme 'http'"),
        ("::1:8786", "ipv6 needs brackets"),
    ],
)
def test_a_malformed_scheduler_address_is_named_without_connecting(address, problem):
    assert problem in address_problem(address)


@pytest.mark.parametrize(
    "address",
    ["tcp://10.0.0.5:8786", "10.0.0.5:8786", "localhost:1", "tls://h:65535", "ws://h:80", "wss://h:443",
     "ucx://h:13337", "tcp://[::1]:8786", " tcp://h:8786 ", "inproc://10.0.0.5/123/1"],
)  # fmt: skip
def test_the_addresses_distributed_reads_are_accepted(address):
    assert address_problem(address) is None


@pytest.fixture
def no_backtest(monkeypatch):
    """Fails the test if any data is loaded or any backtest starts."""
    loaded: list = []

    def refuse(*args, **kwargs):
        loaded.append(args)
        raise AssertionError("a backtest started")

    monkeypatch.setattr(backtests.data.MarketData, "load", classmethod(refuse))
    monkeypatch.setattr(backtests.ops, "sweep", refuse)
    monkeypatch.setattr(backtests.ops, "placebo", refuse)
    return loaded


@pytest.fixture
def closed_port():
    """A port of 127.0.0.1 that nothing listens on (it was bound, read and closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_server():
    """A server on 127.0.0.1 that accepts connections and never answers; yields its port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted = []

    def accept() -> None:
        with suppress(OSError):
            while True:
                accepted.append(server.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1]
    server.close()
    for connection in accepted:
        connection.close()


def _reelab(argv: list[str], capsys) -> tuple[int, list[str], float]:
    started = time.perf_counter()
    code = main(argv)
    return code, capsys.readouterr().err.strip().splitlines(), time.perf_counter() - started


COMMANDS = {
    "sweep": ["sweep", "--tickers", "MP", "--grid", "horizon=3,5"],
    "run --placebo": ["run", "--tickers", "MP", "--placebo", "5"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unreachable_scheduler_stops_the_command_before_any_work(command, closed_port, no_backtest, tmp_path,
                                                                    capsys):  # fmt: skip
    out = tmp_path / "out"
    address = f"127.0.0.1:{closed_port}"
    code, lines, seconds = _reelab([*COMMANDS[command], "--scheduler", address, "--out", str(out)], capsys)
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith("reelab: error:") and address in lines[0] and "connection refused" in lines[0]
    assert no_backtest == [] and not out.exists()
    assert seconds < 2  # a refused connection is known at once: no timeout is waited for


@pytest.mark.parametrize("command", COMMANDS)
def test_a_silent_scheduler_stops_the_command_after_the_timeout(command, silent_server, no_backtest, tmp_path,
                                                                capsys, monkeypatch):  # fmt: skip
    monkeypatch.setenv(TIMEOUT_ENV, "1")
    out = tmp_path / "out"
    address = f"tcp://127.0.0.1:{silent_server}"
    code, lines, seconds = _reelab([*COMMANDS[command], "--scheduler", address, "--out", str(out)], capsys)
    assert code == 2 and len(lines) == 1, lines
    assert address in lines[0] and "did not answer as a Dask scheduler within 1 s" in lines[0]
    assert no_backtest == [] and not out.exists()
    assert 1 <= seconds < 4


def test_a_live_scheduler_passes_the_check_and_a_worker_does_not(client):
    address = client.scheduler.address
    assert address.startswith("tcp://127.0.0.1:")  # the test cluster listens on the loopback only
    check_scheduler(address)
    check_scheduler(address.removeprefix("tcp://"))  # host:port is tcp
    worker = next(iter(client.scheduler_info()["workers"]))
    assert worker.startswith("tcp://127.0.0.1:")
    with pytest.raises(ParameterError, match="answered as a Dask Worker, not a scheduler"):
        check_scheduler(worker)


def test_a_sweep_on_a_scheduler_address_equals_the_sweep_in_one_process(client, tmp_path):
    args = ["sweep", "--tickers", "MP", "--grid", "horizon=3,5"]
    assert main([*args, "--out", str(tmp_path / "here")]) == 0
    assert main([*args, "--scheduler", client.scheduler.address, "--out", str(tmp_path / "there")]) == 0
    here, there = (pd.read_csv(tmp_path / name / "sweep.csv") for name in ("here", "there"))
    pd.testing.assert_frame_equal(there, here)


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf"])
def test_a_bad_scheduler_timeout_is_one_line_and_exit_2(value, closed_port, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(TIMEOUT_ENV, value)
    code, lines, _ = _reelab(["sweep", "--scheduler", f"127.0.0.1:{closed_port}", "--out", str(tmp_path)], capsys)
    assert code == 2 and len(lines) == 1 and TIMEOUT_ENV in lines[0]


def test_more_workers_than_four_per_cpu_need_force_workers(tmp_path):
    limit = 4 * (os.cpu_count() or 1)
    base = ["sweep", "--grid", "horizon=3", "--out", str(tmp_path / "out")]
    done = subprocess.run(
        [sys.executable, "-c", "from backtests.cli import main; main()", *base, "--workers", str(limit + 1)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert f"more than 4 per CPU ({limit}" in done.stderr and "--force-workers" in done.stderr
    assert not (tmp_path / "out").exists()
    parser = build_parser()  # accepted with the flag (parsed only: no cluster is started here)
    assert parser.parse_args([*base, "--workers", str(limit + 1), "--force-workers"]).workers == limit + 1
    assert parser.parse_args([*base, "--force-workers", "--workers", str(limit + 1)]).workers == limit + 1
    assert parser.parse_args([*base, "--workers", str(limit)]).workers == limit


@pytest.mark.parametrize("size", [0, -5, 1.5, True, "3"])
def test_a_sweep_refuses_a_chunk_size_that_is_not_a_whole_number_above_0(size):
    with pytest.raises(ParameterError, match="'chunk_size'"):
        sweep("event_drift", {"horizon": [3]}, tickers=["MP"], chunk_size=size)


def test_a_local_cluster_leaves_no_scratch_space_and_restores_the_signal_handlers(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with connect(1) as local:
        assert local.submit(int, "7").result() == 7
        assert [path.name[:12] for path in tmp_path.iterdir()] == ["reelab-dask-"]  # its scratch lives here
    assert list(tmp_path.iterdir()) == []
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == set()  # nothing left blocked in this thread
