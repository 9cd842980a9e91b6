"""The scheduled signal job: idempotent, atomic, with a manifest and clear exit codes."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time as time_module
from datetime import date, time
from pathlib import Path

import pandas as pd
import pytest

from backtests.cli import main
from signals import SIGNALS, SignalParams, calendar_bound, event_file_template, load_universe, write_signals
from signals._io import PAUSE_ENV

pytestmark = pytest.mark.slow  # the signal job end to end

REELAB = Path(sys.executable).with_name("reelab")
ASOF = "2025-10-10"


def test_job_publishes_panel_and_manifest_together(tmp_path):
    manifest = write_signals(ASOF, tmp_path)
    folder = tmp_path / f"signals-{ASOF}"
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "signals.parquet"]
    panel = pd.read_parquet(folder / "signals.parquet")
    assert panel.index[-1] == pd.Timestamp(ASOF) and panel.shape[1] == len(load_universe()) * len(SIGNALS)
    assert manifest == json.loads((folder / "manifest.json").read_text())
    assert manifest["asof"] == ASOF and manifest["signals_file"] == "signals.parquet"
    assert manifest["sha256"] == hashlib.sha256((folder / "signals.parquet").read_bytes()).hexdigest()
    # As of 2025-10-10: the 10-09 controls are known, the 10-30 Busan truce is still to come.
    assert "2025-10-09-RT" in manifest["events_used"] and "2025-10-30-NW" not in manifest["events_used"]
    assert len(manifest["inputs"]["events"]["sha256"]) == 64 and len(manifest["inputs"]["universe"]["sha256"]) == 64
    assert set(manifest["versions"]) == {"reelab", "exchange-calendars", "pandas", "numpy", "pyarrow"}
    assert set(manifest["calendars"]) == {"XNYS", "XNAS", "XASE", "ARCX", "XASX", "XSHG", "XSHE", "XTSE"}
    assert manifest["calendars"]["XSHG"]["official_through"] == f"{calendar_bound('XSHG'):%Y-%m-%d}"
    assert manifest["calendars"]["XNYS"]["official_through"] == "rules"
    assert all(record["provisional"] is None for record in manifest["calendars"].values())
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_rerun_is_byte_identical(tmp_path, fmt):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert main(["signals", "build", "--asof", "2024-06-28", "--out", str(out), "--format", fmt, "--quiet"]) == 0
    for name in (f"signals.{fmt}", "manifest.json"):
        assert (first / "signals-2024-06-28" / name).read_bytes() == (second / "signals-2024-06-28" / name).read_bytes()


def test_csv_output_round_trips(tmp_path):
    write_signals("2024-06-28", tmp_path, fmt="csv", start="2024-01-01")
    panel = pd.read_csv(tmp_path / "signals-2024-06-28" / "signals.csv", header=[0, 1], index_col=0, parse_dates=True)
    assert panel.columns.names == ["asset", "signal"] and panel.index[0] >= pd.Timestamp("2024-01-01")


def test_user_events_replace_or_merge(tmp_path, write_events):
    path = write_events({"id": "mine", "announced": "2024-03-04"})
    replaced = write_signals("2024-06-28", tmp_path / "r", events=path)
    merged = write_signals("2024-06-28", tmp_path / "m", events=path, merge=True)
    assert replaced["events_used"] == ["mine"]
    assert "mine" in merged["events_used"] and "2023-12-21-RT" in merged["events_used"]  # a shipped event before 06-28
    assert "shipped_events" in merged["inputs"]


def test_events_used_follow_the_panels_own_time_of_day_rule(tmp_path, write_events):
    """A date-only event on the as-of day counts only if the panel's after_close makes it known before the open."""
    path = write_events({"id": "same-day", "announced": "2024-06-28", "tz": "America/New_York"})
    late = write_signals("2024-06-28", tmp_path / "late", events=path, tickers=["MP"])
    early = write_signals("2024-06-28", tmp_path / "early", events=path, tickers=["MP"],
                          params=SignalParams(after_close=time(8, 0)))  # fmt: skip
    assert late["events_used"] == [] and early["events_used"] == ["same-day"]


def test_past_the_calendar_horizon_the_job_runs_on_provisional_sessions_and_says_so(tmp_path):
    """As of a date past exchange_calendars' XSHG horizon: exit 0, and the manifest states the provisional range."""
    bound = calendar_bound("XSHG")
    beyond = f"{bound + pd.Timedelta(days=152):%Y-%m-%d}"  # any day past the bound; XNYS and XASX have none
    out = tmp_path / "out"
    shown = subprocess.run([REELAB, "signals", "build", "--asof", beyond, "--out", str(out), "--quiet"],
                           capture_output=True, text=True)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    manifest = json.loads((out / f"signals-{beyond}" / "manifest.json").read_text())
    provisional = manifest["calendars"]["XSHG"]["provisional"]
    assert provisional["from"] == f"{bound + pd.Timedelta(days=1):%Y-%m-%d}" and provisional["through"] == beyond
    assert provisional["source"].startswith("holidays ")
    assert manifest["calendars"]["XNYS"]["provisional"] is None
    panel = pd.read_parquet(out / f"signals-{beyond}" / "signals.parquet")
    assert panel["600111"].dropna(how="all").index[-1] <= pd.Timestamp(beyond)
    assert panel["600111"].dropna(how="all").index[-1] > bound  # A-share sessions past the horizon


def test_asof_today(tmp_path):
    assert main(["signals", "build", "--asof", "today", "--out", str(tmp_path), "--tickers", "MP", "--quiet"]) == 0
    assert (tmp_path / f"signals-{date.today():%Y-%m-%d}" / "manifest.json").is_file()


def test_killing_the_job_midway_leaves_no_partial_output(tmp_path):
    out = tmp_path / "out"
    job = subprocess.Popen(
        [REELAB, "signals", "build", "--asof", ASOF, "--out", str(out), "--quiet"],
        env=os.environ | {PAUSE_ENV: "60"},
    )
    try:
        deadline = time_module.monotonic() + 60
        while not list(out.glob(f".signals-{ASOF}.*.tmp")):  # the staging folder, complete, not yet renamed
            assert job.poll() is None and time_module.monotonic() < deadline
            time_module.sleep(0.05)
        job.send_signal(signal.SIGKILL)
        job.wait(timeout=10)
    finally:
        job.kill()
    assert not (out / f"signals-{ASOF}").exists()
    # A rerun completes normally and clears the leftovers.
    assert main(["signals", "build", "--asof", ASOF, "--out", str(out), "--quiet"]) == 0
    assert sorted(p.name for p in (out / f"signals-{ASOF}").iterdir()) == ["manifest.json", "signals.parquet"]
    assert not list(out.glob("*.tmp"))


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["signals", "build", "--asof", "2025-02-30", "--out", "x"], 2, "bad date"),
        (["signals", "build", "--out", "x"], 2, "--asof"),
        (["signals", "build", "--asof", "2009-01-05", "--out", "OUT"], 2, "'asof'"),  # before the 2010-01-01 start
        (["signals", "build", "--asof", ASOF, "--out", "OUT", "--format", "xlsx"], 2, "invalid choice"),
        (["signals", "build", "--asof", ASOF, "--out", "OUT", "--events", "/nope.csv"], 2, "'/nope.csv' not found"),
        (["signals", "build", "--asof", ASOF, "--out", "OUT", "--merge"], 2, "--merge needs --events"),
        (["signals"], 2, "needs an action: build"),
    ],
)
def test_job_exit_codes_and_one_line_errors(tmp_path, arguments, code, message):
    arguments = [str(tmp_path / "o") if item == "OUT" else item for item in arguments]
    shown = subprocess.run([REELAB, *arguments], capture_output=True, text=True, cwd=tmp_path)
    assert shown.returncode == code
    lines = shown.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_unexpected_failure_exits_1_in_one_line_and_shows_a_traceback_only_with_verbose(tmp_path, monkeypatch, capsys):
    import signals
    from backtests.cli import main

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(signals, "write_signals", broken)  # the command imports it when it runs
    argv = ["signals", "build", "--asof", ASOF, "--out", str(tmp_path), "--quiet"]
    assert main(argv) == 1
    assert capsys.readouterr().err == "reelab: unexpected error: RuntimeError: disk on fire\n"
    with pytest.raises(RuntimeError, match="disk on fire"):
        main(["--verbose", *argv])


def test_logs_go_to_stderr_and_respect_quiet_and_verbose(tmp_path):
    def run(*flags):
        return subprocess.run(
            [REELAB, "signals", "build", "--asof", "2024-06-28", "--out", str(tmp_path), *flags],
            capture_output=True, text=True, check=True,
        )  # fmt: skip

    normal, quiet, verbose = run(), run("--quiet"), run("--verbose")
    assert normal.stdout == quiet.stdout == "" and "published" in normal.stderr
    assert quiet.stderr == "" and len(verbose.stderr) >= len(normal.stderr)


def test_job_never_imports_vectorbt_or_numba(tmp_path):
    code = (
        "import sys\nfrom backtests.cli import main\n"
        f"assert main(['signals', 'build', '--asof', '{ASOF}', '--out', {str(tmp_path)!r}, '--quiet']) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('vectorbt', 'numba')))\n"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "[]"


def test_an_event_file_without_events_is_a_warning_on_stderr_and_in_the_manifest(tmp_path):
    header_only = tmp_path / "events.csv"
    header_only.write_text(event_file_template().splitlines()[0] + "\n")
    shown = subprocess.run(
        [REELAB, "signals", "build", "--asof", ASOF, "--tickers", "MP", "--events", str(header_only),
         "--out", str(tmp_path), "--quiet"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "holds no events: every signal is zero" in shown.stderr
    manifest = json.loads(next(tmp_path.glob("signals-*/manifest.json")).read_text())
    assert manifest["warnings"] == [f"the event file {header_only} holds no events: every signal is zero"]


@pytest.mark.parametrize(
    ("name", "text"), [("header_only.csv", None), ("events.yaml", "events: []\n"), ("list.json", "[]")]
)
def test_an_event_file_without_events_merged_into_the_shipped_calendar_is_a_warning_too(tmp_path, name, text):
    """Merged, the calendar is never empty: the warning is about the file, which holds no events."""
    path = tmp_path / name
    path.write_text(text if text is not None else event_file_template().splitlines()[0] + "\n")
    merged = write_signals(ASOF, tmp_path / "merged", events=path, merge=True, tickers=["MP"])
    shipped = write_signals(ASOF, tmp_path / "shipped", tickers=["MP"])
    assert merged["warnings"] == [f"the event file {path} holds no events: only the shipped calendar's events are used"]
    assert merged["events_used"] == shipped["events_used"] != [] and shipped["warnings"] == []
    alone = write_signals(ASOF, tmp_path / "alone", events=path, tickers=["MP"])
    assert alone["warnings"] == [f"the event file {path} holds no events: every signal is zero"]
    assert alone["events_used"] == []


def test_signals_build_merged_with_an_empty_yaml_file_warns_once_on_stderr_even_quiet(tmp_path):
    path = tmp_path / "events.yaml"
    path.write_text("events: []\n")
    shown = subprocess.run(
        [REELAB, "signals", "build", "--asof", ASOF, "--tickers", "MP", "--events", str(path), "--merge",
         "--out", str(tmp_path), "--quiet"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    lines = shown.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith(
        f"WARNING reelab.signals: the event file {path} holds no events: only the shipped calendar's events are used"
    )
    manifest = json.loads(next(tmp_path.glob("signals-*/manifest.json")).read_text())
    assert len(manifest["warnings"]) == 1 and "holds no events" in manifest["warnings"][0]


def test_positions_with_an_empty_event_file_say_so_in_one_line_and_exit_0(tmp_path):
    """Before, a header-only file merged into the shipped calendar went by without a word."""
    path = tmp_path / "events.csv"
    path.write_text(event_file_template().splitlines()[0] + "\n")
    shown = subprocess.run(
        [REELAB, "positions", "--asof", "2025-06-02", "--tickers", "MP", "--events", str(path), "--merge",
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    (line,) = shown.stderr.splitlines()  # one line, with its UTC time
    assert line.endswith(f"the event file {path} holds no events: only the shipped calendar's events are used")
