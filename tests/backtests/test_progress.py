"""Long work shows progress: the operations report to a hook, the command line draws it on a terminal.

The operations call a hook (``progress=`` or the enclosing ``reporting`` block's) once when a task
starts and once per finished piece; ``reelab run``, ``sweep`` and ``study`` draw tqdm bars on stderr
when it is a terminal (here a file that says it is one), and nothing when piped or with --quiet.
"""

from __future__ import annotations

import argparse
import io
import logging
import re
import subprocess
import sys

import pytest

from backtests import MarketData, RunSpec, StudySpec
from backtests.cli import _backtest as commands
from backtests.cli import configure_logging, main
from backtests.cli._console import duration
from backtests.cli._parser import build_parser
from backtests.ops._draws import placebo_sharpes
from backtests.ops._progress import Step, TqdmProgress, map_reported, reporting, track
from backtests.ops._run import backtest
from backtests.ops._study import run_study
from backtests.ops._sweep import run_sweep
from backtests.ops._walk_forward import run_walk_forward

pytestmark = pytest.mark.slow  # commands run with a fake terminal

TICKERS = ("MP", "LYC")
GRID = {"horizon": [3, 5], "stop_loss": [None, 0.05]}
SWEEP = ["sweep", "--tickers", "MP,LYC", "--start", "2024-01-01",
         "--grid", "horizon=3,5", "--grid", "stop_loss=none,0.05"]  # fmt: skip
STUDY = ["study", "--types", "restriction_tightening", "--tickers", "MP,LYC,600111", "--windows", "0:5"]
PLACEBO_RUN = ["run", "--tickers", "MP,LYC", "--start", "2022-01-01", "--placebo", "4"]
#: What a tqdm text bar looks like: ``desc:  50%|#####     | 2/4 [00:01<00:01, 1.9combination/s]``.
BAR = re.compile(r"(?P<task>[^\r]+):\s+\d+%\|.*?\| \d+/(?P<total>\d+) \[[^\]]*?(?P<unit>[a-z]+)/s")


class Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _on_terminal(monkeypatch) -> Terminal:
    """stderr is a terminal from now on in this test (set in the test itself: pytest's capture puts its own
    stderr back between a fixture's setup and the test's call)."""
    stream = Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


def _bars(shown: str) -> set[tuple[str, int, str]]:
    """The (task, total, unit) of every bar drawn in ``shown``."""
    return {(m["task"], int(m["total"]), m["unit"]) for m in BAR.finditer(shown)}


@pytest.fixture(scope="module")
def data() -> MarketData:
    return MarketData.load(RunSpec(tickers=TICKERS))


def _tasks(steps: list[Step]) -> dict[str, list[int]]:
    """Each task's ``done`` values, in the order reported."""
    done: dict[str, list[int]] = {}
    for step in steps:
        done.setdefault(step.task, []).append(step.done)
    return done


def _has_quiet(command: str) -> bool:
    subcommands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return "--quiet" in subcommands.choices[command]._option_string_actions


# -- the command line ------------------------------------------------------------------------------


def test_a_sweep_of_one_chunk_draws_a_bar_on_a_terminal(tmp_path, monkeypatch):
    terminal = _on_terminal(monkeypatch)
    assert main([*SWEEP, "--out", str(tmp_path)]) == 0
    assert _bars(terminal.getvalue()) == {("sweep of event_drift", 4, "combination")}
    assert terminal.getvalue().endswith("\r")  # erased when done: the summary follows on a clean line


def test_run_with_placebo_draws_the_backtest_and_the_draws(tmp_path, monkeypatch):
    terminal = _on_terminal(monkeypatch)
    assert main([*PLACEBO_RUN, "--out", str(tmp_path)]) == 0
    assert _bars(terminal.getvalue()) == {("backtest", 5, "stage"), ("placebo draws", 4, "draw")}


def test_a_study_draws_its_pairs_tests_and_placebo(tmp_path, monkeypatch):
    terminal = _on_terminal(monkeypatch)
    assert main([*STUDY, "--placebo", "3", "--out", str(tmp_path)]) == 0
    bars = {(task, unit) for task, _, unit in _bars(terminal.getvalue())}
    assert bars == {("event study", "pair"), ("group tests", "group"), ("placebo draws (3)", "asset")}


@pytest.mark.parametrize("arguments", [SWEEP, STUDY, PLACEBO_RUN])
def test_piped_nothing_is_drawn(arguments, tmp_path, capsys):
    assert main([*arguments, "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert not BAR.search(err) and "\r" not in err


def test_quiet_draws_nothing_on_a_terminal(tmp_path, monkeypatch):
    terminal = _on_terminal(monkeypatch)
    args = build_parser().parse_args([*SWEEP, "--out", str(tmp_path)])
    args.quiet = True  # what --quiet sets (see the next test)
    assert commands.sweep(args) == 0
    assert terminal.getvalue() == ""


@pytest.mark.skipif(not all(map(_has_quiet, ("run", "sweep", "study"))), reason="the parser has no --quiet there yet")
@pytest.mark.parametrize("arguments", [SWEEP, STUDY, PLACEBO_RUN])
def test_the_quiet_flag_draws_nothing_on_a_terminal(arguments, tmp_path, monkeypatch):
    terminal = _on_terminal(monkeypatch)
    assert main([*arguments, "--quiet", "--out", str(tmp_path)]) == 0
    assert not BAR.search(terminal.getvalue())


def test_bars_are_erased_before_the_one_line_error(tmp_path, monkeypatch):
    """A failure inside the work: the bar started, then vanished, then the one error line (exit 2)."""
    terminal = _on_terminal(monkeypatch)
    arguments = ["run", "--template", "window_optionality", "--tickers", "MP", "--start", "2026-07-20"]
    assert main([*arguments, "--out", str(tmp_path / "out")]) == 2
    shown = terminal.getvalue()
    assert _bars(shown) == {("backtest", 5, "stage")}  # the backtest had started
    last = shown.split("\r")[-1]  # what stays on the line once the bar was cleared
    assert last.startswith("reelab: error: window_optionality traded nothing") and last.count("\n") == 1
    assert last.endswith("\n") and not (tmp_path / "out").exists()


def test_a_log_line_during_a_bar_is_written_above_it_with_its_utc_time(monkeypatch):
    terminal = _on_terminal(monkeypatch)
    configure_logging("run")
    with reporting(TqdmProgress(file=terminal, leave=False)) as hook:
        assert hook is not None
        hook(Step("work", 0, 2, "piece"))
        logging.getLogger("reelab.test").warning("a warning")
        hook(Step("work", 2, 2, "piece"))
    shown = terminal.getvalue()
    line = re.search(r"\n?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ WARNING reelab.test: a warning\n", shown)
    assert line is not None
    assert BAR.search(shown[: line.start()]) and BAR.search(shown[line.end() :])  # cleared, then drawn below


def test_error_lines_carry_a_utc_time_in_a_cron_log(capsys):
    configure_logging("sweep")
    logging.getLogger("reelab.test").error("failed")
    err = capsys.readouterr().err
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ERROR reelab.test: failed\n", err)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0.04, "0.0 s"), (59.94, "59.9 s"), (59.96, "1 min 0 s"), (192.4, "3 min 12 s"), (3900, "1 h 05 min")],
)
def test_durations_read_as_seconds_minutes_or_hours(seconds, shown):
    assert duration(seconds) == shown


class _Clock:
    """``time`` for the command module: a clock that only moves when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def perf_counter(self) -> float:
        return self.now


def test_the_run_header_counts_the_placebo_and_the_report(tmp_path, capsys, monkeypatch):
    """The header's time covers the whole command: a placebo of 70 s and a report of 5 s are in it."""
    import backtests.ops
    import backtests.report

    clock = _Clock()
    monkeypatch.setattr(commands, "time", clock)
    write_report = backtests.report.write_report

    def placebo(*args, **kwargs):
        clock.now += 70

    def report(*args, **kwargs):
        clock.now += 5
        return write_report(*args, **kwargs)

    monkeypatch.setattr(backtests.ops, "placebo", placebo)
    monkeypatch.setattr(backtests.report, "write_report", report)
    assert main([*PLACEBO_RUN, "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("(1 min 15 s)")


# -- the operations' hook --------------------------------------------------------------------------


def test_a_sweep_reports_each_chunk_as_combinations_done(data):
    steps: list[Step] = []
    spec = RunSpec(tickers=TICKERS)
    run_sweep(spec, data, GRID, chunk_size=3, progress=steps.append)
    assert _tasks(steps) == {"sweep of event_drift": [0, 3, 4]}
    assert {(step.total, step.unit) for step in steps} == {(4, "combination")}
    with reporting(steps.append):  # the enclosing block's hook, when none is given
        run_sweep(spec, data, GRID, chunk_size=1)
    assert len(steps) == 3 + 5
    with reporting(steps.append):
        run_sweep(spec, data, GRID, progress=False)
    assert len(steps) == 8


def test_placebo_draws_report_each_chunk(data):
    steps: list[Step] = []
    placebo_sharpes(RunSpec(tickers=TICKERS), data, 5, chunk_size=2, progress=steps.append)
    assert _tasks(steps) == {"placebo draws": [0, 2, 4, 5]}
    assert steps[-1] == Step("placebo draws", 5, 5, "draw")


def test_placebo_draws_built_one_by_one_report_too(data):
    """A template that reads the calendar itself: one build per draw, the sweep's path."""
    steps: list[Step] = []
    spec = RunSpec(params={"exit_before_window_end": 2}, tickers=TICKERS)
    placebo_sharpes(spec, data, 3, chunk_size=2, progress=steps.append)
    assert _tasks(steps) == {"placebo draws": [0, 2, 3]}


def test_the_placebo_operation_reports_only_its_draws(data):
    from backtests.ops._placebo import run_placebo

    steps: list[Step] = []
    run_placebo(RunSpec(tickers=TICKERS), data, 3, progress=steps.append)
    assert _tasks(steps) == {"placebo draws": [0, 3]}  # the real run is not a task of its own


def test_walk_forward_reports_each_fold(data):
    steps: list[Step] = []
    run_walk_forward(RunSpec(tickers=TICKERS), data, {"horizon": [5, 10]}, folds=2, progress=steps.append)
    assert _tasks(steps) == {"walk-forward folds": [0, 1, 2]}
    assert steps[-1].unit == "fold"


def test_a_backtest_reports_its_five_stages(data):
    steps: list[Step] = []
    backtest(RunSpec(tickers=TICKERS, start="2024-01-01"), data, progress=steps.append)
    assert [(step.done, step.detail) for step in steps] == [
        (0, "aligning events"), (1, "building signals"), (2, "simulating"), (3, "measuring"), (4, "attributing"),
        (5, ""),
    ]  # fmt: skip


def test_a_study_reports_pairs_groups_and_placebo_assets():
    spec = StudySpec(types=("restriction_tightening",), tickers=("MP", "LYC", "600111"), windows=((0, 5),))
    steps: list[Step] = []
    result = run_study(spec, MarketData.for_study(spec), placebo=2, progress=steps.append)
    done = _tasks(steps)
    assert list(done) == ["event study", "group tests", "placebo draws (2)"]
    pairs = next(step.total for step in steps if step.task == "event study")
    assert done["event study"] == list(range(pairs + 1)) and pairs >= result.car.groupby(["event_id", "ticker"]).ngroups
    groups = 1 + result.car["event_type"].nunique() + result.car["group"].nunique()
    assert done["group tests"] == list(range(groups + 1))
    assert done["placebo draws (2)"][-1] == len(result.car["ticker"].unique())
    steps.clear()
    run_study(spec, MarketData.for_study(spec), tests=False, progress=steps.append)
    assert list(_tasks(steps)) == ["event study"]


def test_on_dask_each_finished_chunk_is_reported(data):
    distributed = pytest.importorskip("distributed")
    steps: list[Step] = []
    spec = RunSpec(tickers=TICKERS)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=":0") as client:
        there = run_sweep(spec, data, GRID, chunk_size=1, progress=steps.append, scheduler=client).table
        done = track(steps.append, "squares", 3, "item")
        assert map_reported(client, pow, 2, [1, 2, 3], done, [1, 1, 1]) == [2, 4, 8]
    here = run_sweep(spec, data, GRID, chunk_size=1, progress=False).table
    assert there.equals(here)
    tasks = _tasks(steps)
    assert sorted(tasks["sweep of event_drift"]) == [0, 1, 2, 3, 4] and tasks["squares"] == [0, 1, 2, 3]


# -- the hook itself -------------------------------------------------------------------------------


def test_silent_tracking_costs_an_iterator():
    items = [1, 2, 3]
    tracker = track(None, "nothing", len(items))
    assert tracker.silent and type(tracker.over(items)) is type(iter(items))
    tracker.advance()  # nobody listens: nothing happens
    assert tracker.done == 0


def test_a_tqdm_hook_closes_its_bars_and_reporting_closes_the_unfinished():
    stream = io.StringIO()
    bars = TqdmProgress(file=stream, mininterval=0)
    bars(Step("done soon", 0, 2, "piece"))
    bars(Step("done soon", 2, 2, "piece"))
    assert bars._bars == {} and "2/2" in stream.getvalue()
    with pytest.raises(RuntimeError), reporting(bars):
        bars(Step("never done", 0, 9, "piece"))
        raise RuntimeError("stopped")
    assert bars._bars == {}


def test_each_new_stage_is_drawn_at_once():
    """A bar is drawn at most every ``mininterval`` seconds, but a stage that starts always shows."""
    stream = io.StringIO()
    bars = TqdmProgress(file=stream, mininterval=60)
    for done, detail in enumerate(["aligning", "simulating", "measuring", ""]):
        bars(Step("backtest", done, 3, "stage", detail))
    for shown in ("0/3 [00:00<?, ?stage/s, aligning]", "1/3", "simulating", "2/3", "measuring", "3/3"):
        assert shown in stream.getvalue()


def test_an_explicit_hook_wins_over_the_block_and_false_silences_it():
    outer: list[Step] = []
    mine: list[Step] = []
    with reporting(outer.append):
        track(mine.append, "mine", 1).advance()
        track(False, "none", 1).advance()
        with reporting(False):
            track(None, "silenced", 1).advance()
    assert _tasks(mine) == {"mine": [0, 1]} and outer == []


def test_the_progress_module_imports_nothing_heavy():
    code = "import sys, backtests.ops._progress\nprint(sorted({'tqdm', 'vectorbt', 'numba'} & set(sys.modules)))"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "[]"
