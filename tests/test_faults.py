"""Faults leave nothing broken: each command is killed (SIGKILL) at 20 random moments of its run.

After every kill, every file a reader can see (names not starting with '.') must parse, and what
belongs together must agree (a signal panel and its manifest's sha256; an appended calendar that
validates and holds either the old or the new rows). Hidden temporary files of a killed writer are
allowed until the next successful run, which must remove them. The kill moments are drawn from a
seeded generator over each command's measured duration; ``benchmarks/faults.py`` runs more of them.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from signals import event_file_template, validate_events
from signals._io import PAUSE_ENV

pytestmark = pytest.mark.slow  # kill campaigns and concurrent commands: minutes

KILLS = int(os.environ.get("REELAB_FAULT_KILLS", "20"))
REELAB = [sys.executable, "-c", "from backtests.cli import main; raise SystemExit(main())"]


def _duration(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([*REELAB, *argv], check=True, capture_output=True)
    return time.perf_counter() - started


def _killed_at_random(argv: list[str], duration: float, rng: random.Random) -> bool:
    """Start the command and SIGKILL it after a random share of its duration; whether it was killed."""
    process = subprocess.Popen([*REELAB, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=rng.uniform(0.0, duration * 1.1))
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return True


def _kill_repeatedly(command: str, argv, duration: float, seed: int, before=None, check=None, kills=None) -> None:
    """Run ``argv(attempt)`` until ``kills`` (default KILLS) runs were killed (runs that finish first are
    extra checks); ``before()`` resets the state and ``check()`` asserts it after every run."""
    kills = KILLS if kills is None else kills
    rng = random.Random(seed)
    killed = attempts = 0
    while killed < kills:
        assert attempts < 5 * kills, f"{command}: only {killed} of {attempts} runs could be killed"
        if before is not None:
            before()
        killed += _killed_at_random(argv(attempts), duration, rng)
        attempts += 1
        if check is not None:
            check()
    print(f"fault test: {command}: {killed} runs killed at random moments ({attempts - killed} finished first); "
          "nothing broken")  # fmt: skip


def _visible(folder: Path) -> list[Path]:
    """The files a reader sees: none whose name, or a folder above it, starts with '.'."""
    files = [path for path in folder.rglob("*") if path.is_file()]
    return [path for path in files if not any(part.startswith(".") for part in path.relative_to(folder).parts)]


def _hidden(folder: Path) -> list[Path]:
    return [path for path in folder.rglob(".*") if path.name.endswith(".tmp")]


def _check_signal_folders(out: Path) -> int:
    folders = sorted(out.glob("signals-*"))
    for folder in folders:
        assert sorted(path.name for path in folder.iterdir()) == ["manifest.json", "signals.parquet"], folder
        manifest = json.loads((folder / "manifest.json").read_text())
        data = (folder / "signals.parquet").read_bytes()
        assert manifest["sha256"] == hashlib.sha256(data).hexdigest()  # the panel and its manifest agree
        pd.read_parquet(folder / "signals.parquet")
    return len(folders)


def test_signals_build_killed_at_random_never_leaves_a_broken_folder(tmp_path):
    header, *rows = event_file_template().splitlines()
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    one.write_text(f"{header}\n{rows[0]}\n")
    two.write_text(f"{header}\n{rows[0]}\n{rows[1]}\n")  # two different panels: each kill may replace the folder
    out = tmp_path / "out"
    base = ["signals", "build", "--asof", "2026-06-30", "--tickers", "MP,LYC", "--out", str(out), "--quiet"]
    duration = _duration([*base, "--events", str(one)])
    _kill_repeatedly("signals build", lambda attempt: [*base, "--events", str(two if attempt % 2 else one)],
                     duration, seed=14, check=lambda: _check_signal_folders(out))  # fmt: skip
    subprocess.run([*REELAB, *base, "--events", str(two)], check=True, capture_output=True)
    assert _check_signal_folders(out) == 1
    assert _hidden(out) == []  # the next run removed every leftover of the killed ones


def test_events_extract_append_killed_at_random_leaves_the_old_or_the_new_calendar(tmp_path):
    header, *rows = event_file_template().splitlines()
    calendar = tmp_path / "calendar.csv"
    calendar.write_text(f"{header}\n{rows[0]}\n")
    original = calendar.read_bytes()
    article = tmp_path / "article.txt"
    article.write_text(
        "BEIJING, Oct 9, 2025 (Reuters) - China's commerce ministry on Thursday announced export controls "
        "on rare earth technologies and on equipment to process rare earths, tightening its grip on the sector.\n"
    )
    argv = ["events", "extract", str(article), "--append-to", str(calendar)]
    duration = _duration(argv)
    appended = calendar.read_bytes()
    assert appended != original  # the command does append

    def check() -> None:
        assert calendar.read_bytes() in (original, appended)
        assert validate_events(calendar) == []
        assert sorted(path.name for path in _visible(tmp_path)) == ["article.txt", "calendar.csv"]

    _kill_repeatedly("events extract --append-to", lambda _: argv, duration, seed=9,
                     before=lambda: calendar.write_bytes(original), check=check)  # fmt: skip
    calendar.write_bytes(original)
    subprocess.run([*REELAB, *argv], check=True, capture_output=True)
    assert calendar.read_bytes() == appended
    assert _hidden(tmp_path) == []  # the next run removed every leftover of the killed ones


def test_run_killed_at_random_leaves_the_previous_folder_or_the_new_one_whole(tmp_path):
    out = tmp_path / "out"
    argv = ["run", "--tickers", "MP", "--start", "2024-01-01", "--out", str(out)]
    duration = _duration(argv)
    whole = sorted(str(path.relative_to(out)) for path in _visible(out))
    assert "report.html" in whole and "stats.csv" in whole

    def check() -> None:
        assert sorted(str(path.relative_to(out)) for path in _visible(out)) == whole  # never a mix, never missing
        for path in _visible(out):
            if path.suffix == ".csv":
                pd.read_csv(path)
            elif path.suffix == ".json":
                json.loads(path.read_text())
            elif path.suffix == ".html":
                assert path.read_text().rstrip().endswith("</html>")
            elif path.suffix == ".png":
                assert path.read_bytes()[-8:] == b"IEND\xaeB`\x82"  # a PNG's last chunk

    # each run takes seconds: half the kills of the quick commands
    _kill_repeatedly("run --out", lambda _: argv, duration, seed=3, check=check, kills=max(5, KILLS // 2))
    subprocess.run([*REELAB, *argv], check=True, capture_output=True)
    assert _hidden(tmp_path) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


#: A stand-in for the ``yfinance`` module in the killed processes: seeded closes on each exchange's
#: real sessions, in Yahoo's shape ((Price, Ticker) columns, a time-zone-aware index).
FAKE_YFINANCE = """
import zlib
import numpy as np
import pandas as pd
import pytest
from signals import exchange_sessions, load_universe

ZONES = {"XNYS": "America/New_York", "XASX": "Australia/Sydney"}
TICKERS = {"MP": "MP", "LYC.AX": "LYC"}
FIELDS = ["Adj Close", "Close", "High", "Low", "Open", "Volume"]


def download(tickers, start, end, **options):
    exchange = load_universe().at[TICKERS[tickers[0]], "exchange"]
    sessions = exchange_sessions(exchange, pd.Timestamp("2026-11-30"))
    days = sessions[(sessions >= pd.Timestamp(start)) & (sessions < pd.Timestamp(end))]
    columns = pd.MultiIndex.from_product([FIELDS, sorted(tickers)], names=["Price", "Ticker"])
    frame = pd.DataFrame(np.nan, index=pd.DatetimeIndex(days, name="Date").tz_localize(ZONES[exchange]),
                         columns=columns)
    for symbol in tickers:
        walk = 20 * np.exp(np.cumsum(np.random.default_rng(zlib.crc32(symbol.encode())).normal(0, 0.02, len(days))))
        for field in FIELDS:
            frame[(field, symbol)] = 1e6 if field == "Volume" else walk
    return frame
"""


@pytest.fixture
def fake_yahoo(tmp_path, monkeypatch):
    """Commands started from here import FAKE_YFINANCE as ``yfinance``."""
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "yfinance.py").write_text(FAKE_YFINANCE)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(fake), os.environ.get("PYTHONPATH")])))


def test_prices_update_killed_at_random_leaves_whole_price_files(tmp_path, fake_yahoo):
    store = tmp_path / "store"
    argv = ["prices", "update", "--tickers", "MP,LYC", "--data-dir", str(store)]

    def reset() -> None:  # every run starts from an empty store, so every run writes
        shutil.rmtree(store, ignore_errors=True)

    reset()
    duration = _duration(argv)
    written = {path.name: path.read_bytes() for path in _visible(store)}
    assert sorted(written) == ["LYC.parquet", "MP.parquet"]

    def check() -> None:
        for path in _visible(store):
            assert path.read_bytes() == written[path.name]  # a whole file, or none

    _kill_repeatedly("prices update", lambda _: argv, duration, seed=5, before=reset, check=check)
    subprocess.run([*REELAB, *argv], check=True, capture_output=True)
    assert {path.name: path.read_bytes() for path in _visible(store)} == written
    assert _hidden(store) == []


@pytest.fixture
def full_disk(tmp_path):
    """A 256 KB tmpfs: too small for any output (skipped where tmpfs cannot be mounted)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


@pytest.mark.parametrize(
    "argv",
    [
        ["signals", "build", "--asof", "2026-06-30", "--quiet"],
        ["run", "--tickers", "MP,LYC", "--start", "2024-01-01"],
    ],
    ids=["signals build", "run"],
)
def test_a_full_disk_is_one_line_exit_1_and_leaves_no_broken_file(argv, full_disk):
    out = full_disk / "out"
    done = subprocess.run([*REELAB, *argv, "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "No space left" in done.stderr
    for path in _visible(full_disk):  # whatever was written before the disk filled is whole
        if path.suffix == ".csv":
            pd.read_csv(path)
        elif path.suffix == ".json":
            json.loads(path.read_text())
    assert _hidden(full_disk) == []


def test_two_signal_jobs_at_once_on_one_folder_publish_one_whole_folder(tmp_path):
    header, *rows = event_file_template().splitlines()
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    one.write_text(f"{header}\n{rows[0]}\n")
    two.write_text(f"{header}\n{rows[0]}\n{rows[1]}\n")
    out = tmp_path / "out"
    base = ["signals", "build", "--asof", "2026-06-30", "--tickers", "MP,LYC", "--out", str(out), "--quiet"]
    for _ in range(3):
        jobs = [subprocess.Popen([*REELAB, *base, "--events", str(events)]) for events in (one, two)]
        assert [job.wait() for job in jobs] == [0, 0]
        assert _check_signal_folders(out) == 1
        assert _hidden(out) == []


def test_two_runs_at_once_on_one_out_folder_leave_whole_files(tmp_path):
    out = tmp_path / "out"
    argv = [*REELAB, "run", "--tickers", "MP", "--start", "2024-01-01", "--out", str(out)]
    jobs = [subprocess.Popen([*argv, "--horizon", str(horizon)], stdout=subprocess.DEVNULL) for horizon in (5, 10)]
    assert [job.wait() for job in jobs] == [0, 0]
    for path in _visible(out):
        if path.suffix == ".csv":
            pd.read_csv(path)
        elif path.suffix == ".json":
            json.loads(path.read_text())
    assert _hidden(out) == []


def test_two_price_updates_at_once_on_one_store_write_whole_files(tmp_path, fake_yahoo):
    store = tmp_path / "store"
    argv = [*REELAB, "prices", "update", "--tickers", "MP,LYC", "--data-dir", str(store)]
    subprocess.run(argv, check=True, capture_output=True)
    written = {path.name: path.read_bytes() for path in _visible(store)}
    shutil.rmtree(store)
    jobs = [subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    assert [job.wait() for job in jobs] == [0, 0]
    assert {path.name: path.read_bytes() for path in _visible(store)} == written
    assert _hidden(store) == []


def test_two_appends_at_once_to_one_calendar_keep_both(tmp_path):
    header, *rows = event_file_template().splitlines()
    calendar = tmp_path / "calendar.csv"
    calendar.write_text(f"{header}\n{rows[0]}\n")
    articles = []
    for day, measure in (("Oct 9", "export controls on rare earth technologies"),
                         ("Apr 4", "export controls on seven medium and heavy rare earths")):  # fmt: skip
        article = tmp_path / f"{len(articles)}.txt"
        article.write_text(f"BEIJING, {day}, 2025 (Reuters) - China's commerce ministry on Friday announced "
                           f"{measure}.\n")  # fmt: skip
        articles.append(article)
    slow = os.environ | {PAUSE_ENV: "0.5"}  # each writer waits before its rename: without a lock, one append is lost
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": slow}
    command = [*REELAB, "events", "extract"]
    jobs = [subprocess.Popen([*command, str(article), "--append-to", str(calendar)], **quiet) for article in articles]
    assert [job.wait() for job in jobs] == [0, 0]
    assert validate_events(calendar) == []
    assert len(calendar.read_text().splitlines()) == 4  # the header, the row it had, and both appended rows


def _check_daily(out: Path, store: Path) -> None:
    """What a killed daily job may leave: whole store files, whole folders, a log of whole JSON lines."""
    for path in _visible(store):
        pd.read_parquet(path)
    for folder in out.glob("signals-*"):
        assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "signals.parquet"]
    for folder in out.glob("positions-*"):
        assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "positions.csv"]
        pd.read_csv(folder / "positions.csv")
    log = out / "daily.jsonl"
    if log.exists():
        for line in log.read_text().splitlines():
            assert json.loads(line)["step"] in ("prices", "signals", "positions")


DAILY = ["daily", "--template", "event_drift", "--tickers", "MP,LYC", "--asof", "2026-11-30", "--quiet"]


def test_the_daily_job_killed_at_random_leaves_whole_files_and_the_next_run_completes(tmp_path, fake_yahoo):
    out, store = tmp_path / "out", tmp_path / "data"
    argv = [*DAILY, "--out", str(out), "--data-dir", str(store)]
    duration = _duration(argv)
    finished = json.loads((out / "daily.jsonl").read_text().splitlines()[-1])
    assert finished["step"] == "positions" and finished["exit"] == 0

    def reset() -> None:  # each run starts from nothing, so each kill can land in any step
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(store, ignore_errors=True)

    # each run takes ten seconds or more (positions in whole lots): a quarter of the kills (benchmarks/faults.py
    # runs more)
    _kill_repeatedly("daily", lambda _: argv, duration, seed=21, before=reset,
                     check=lambda: _check_daily(out, store / "prices"), kills=max(5, KILLS // 4))  # fmt: skip
    subprocess.run([*REELAB, *argv], check=True, capture_output=True)
    _check_daily(out, store / "prices")
    assert _hidden(tmp_path) == []


def test_two_daily_jobs_at_once_on_one_folder_run_one_after_the_other(tmp_path, fake_yahoo):
    out, store = tmp_path / "out", tmp_path / "data"
    argv = [*REELAB, *DAILY, "--out", str(out), "--data-dir", str(store)]
    jobs = [subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [(job.wait(), job.stderr.read()) for job in jobs]
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    records = [json.loads(line) for line in (out / "daily.jsonl").read_text().splitlines()]
    assert [record["step"] for record in records] == ["prices", "signals", "positions"]  # the second changed nothing
    _check_daily(out, store / "prices")
    assert _hidden(tmp_path) == []


# ---- Interrupts: Ctrl-C (SIGINT to the whole process group, as a terminal sends it) and SIGTERM (to the
# main process only, as systemd's KillMode=mixed sends it) end every command in one line, exit 130 or 143,
# after it has removed what it made: no process of its group left, nothing in TMPDIR, no output.

GRID = ["--grid", "horizon=" + ",".join(str(horizon) for horizon in range(1, 41))]  # ~20 s on two workers


def _group(leader: int) -> list[str]:
    """The live processes of the process group ``leader`` leads (zombies are gone processes)."""
    members = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if entry.name.isdigit() and int(fields[2]) == leader and fields[0] != "Z":
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")[:120]
                members.append(f"{entry.name}: {command!r}")
        except (OSError, IndexError):
            continue  # it ended while being read
    return members


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _handles_sigterm(pid: int) -> bool:
    """Whether ``pid`` has a SIGTERM handler (reelab's main() installs one first thing)."""
    status = Path(f"/proc/{pid}/status").read_text()
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:")).split()[1]
    return bool(int(caught, 16) >> (signal.SIGTERM - 1) & 1)


def _interrupt(argv: list[str], tmp_path: Path, ready, number: int, env: dict | None = None):
    """Start reelab with a fresh TMPDIR in a new session, wait until ``ready(process)``, send ``number``
    (SIGINT to the whole group, SIGTERM to the main process), and return (process, stderr, seconds to exit)."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    variables = os.environ | {"TMPDIR": str(temporary)} | (env or {})
    process = subprocess.Popen([*REELAB, *argv], env=variables, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert _wait_for(lambda: process.poll() is not None or ready(process), 60), "never ready"
        assert process.poll() is None, f"ended before the signal: {process.stderr.read()}"
        sent = time.perf_counter()
        if number == signal.SIGINT:
            os.killpg(process.pid, number)
        else:
            os.kill(process.pid, number)
        _, err = process.communicate(timeout=60)  # EOF on stderr: every process that held it has ended
        return process, err, time.perf_counter() - sent
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _check_interrupted(process, err: str, number: int, tmp_path: Path) -> None:
    name = signal.Signals(number).name
    assert process.returncode == 128 + number, err
    assert err.splitlines() == [f"reelab: interrupted ({name})"], err  # no traceback, no log, no warning
    assert _wait_for(lambda: not _group(process.pid), 2), _group(process.pid)
    # no Dask scratch space, no temporary file, no lock file: at most reelab's (documented) lock folder, empty
    left = [path for path in (tmp_path / "tmp").iterdir() if path.name != f"reelab-locks-{os.getuid()}"]
    assert left == [] and not list((tmp_path / "tmp").rglob("*.lock"))


SIGNALS = pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])


def _scratch(tmp_path: Path, pattern: str) -> int:
    return len(list((tmp_path / "tmp").glob(pattern)))


@SIGNALS
@pytest.mark.parametrize("moment", ["workers running", "workers starting"])
def test_an_interrupted_dask_sweep_ends_in_one_line_and_leaves_nothing(number, moment, tmp_path):
    out = tmp_path / "out"
    argv = ["sweep", "--tickers", "MP", "--workers", "2", "--chunk-size", "1", *GRID, "--out", str(out)]
    if moment == "workers running":  # each worker has made its folder in the cluster's scratch space, and works
        started: list[float] = []

        def ready(process) -> bool:
            if not started and _scratch(tmp_path, "reelab-dask-*/dask-scratch-space/worker-*") >= 2:
                started.append(time.monotonic())
            return bool(started) and time.monotonic() > started[0] + 1.0

    else:  # the scratch folder is made just before the cluster starts

        def ready(process) -> bool:
            return _scratch(tmp_path, "reelab-dask-*") >= 1

    process, err, seconds = _interrupt(argv, tmp_path, ready, number)
    _check_interrupted(process, err, number, tmp_path)
    assert not out.exists()
    print(f"interrupt test: Dask sweep, {signal.Signals(number).name} with the {moment}: exit in {seconds:.1f} s")


@SIGNALS
def test_an_interrupted_run_ends_in_one_line_and_leaves_nothing(number, tmp_path):
    out = tmp_path / "out"
    started: list[float] = []

    def ready(process) -> bool:  # a second into its work: the whole universe takes several seconds more
        if not started and _handles_sigterm(process.pid):
            started.append(time.monotonic())
        return bool(started) and time.monotonic() > started[0] + 1.0

    process, err, _ = _interrupt(["run", "--out", str(out)], tmp_path, ready, number)
    _check_interrupted(process, err, number, tmp_path)
    assert not out.exists()


@SIGNALS
def test_signals_build_interrupted_before_its_rename_leaves_no_folder(number, tmp_path):
    out = tmp_path / "out"
    base = ["signals", "build", "--asof", "2026-06-30", "--tickers", "MP,LYC", "--quiet", "--out"]
    argv = [*base, str(out)]
    # first fill the session's calendar cache: it is written atomically too, and would pause
    subprocess.run([*REELAB, *base, str(tmp_path / "warm")], check=True, capture_output=True)
    staged = lambda process: any(out.glob(".signals-*.tmp"))  # noqa: E731  the whole folder, paused before its rename
    process, err, _ = _interrupt(argv, tmp_path, staged, number, env={PAUSE_ENV: "60"})
    _check_interrupted(process, err, number, tmp_path)
    assert _visible(out) == [] and _hidden(out) == [] and not any(out.glob("*.tmp"))  # staging folder removed


# ---- A reader that leaves early (reelab events list | head): the command ends quietly, exit 141.


def test_a_reader_that_closes_after_one_line_ends_the_command_quietly(tmp_path):
    header, row, *_ = event_file_template().splitlines()
    many = tmp_path / "many.csv"  # a table far larger than a pipe's buffer, so the writer is still writing
    many.write_text("\n".join([header, *(row.replace(row.split(",")[0], f"2026-01-15-RT{n}") for n in range(2000))]))
    process = subprocess.Popen([*REELAB, "events", "list", "--events", str(many)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert "announced" in process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read()
    assert process.wait(timeout=60) == 141 and err == ""  # no BrokenPipeError, no "Exception ignored"


@pytest.mark.parametrize(
    ("argv", "code"),
    [(["events", "list"], 141), (["events", "template", "--format", "yaml"], 141),
     (["events", "show", "2025-10-09-RT"], 141),
     (["--help"], 0), (["sweep", "--help"], 0)],  # argparse ignores a failed write of its help, and exits 0
    ids=lambda value: " ".join(value) if isinstance(value, list) else str(value),
)  # fmt: skip
def test_a_stdout_closed_before_the_first_line_ends_every_command_quietly(argv, code):
    read, write = os.pipe()
    os.close(read)  # every write fails with EPIPE
    try:
        done = subprocess.run([*REELAB, *argv], stdout=write, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)
    assert done.returncode == code and done.stderr == ""


def test_sigterm_unwinds_through_finally_blocks_and_its_handler_is_restored(monkeypatch, capsys):
    import backtests.cli

    unwound = []

    def command(args) -> int:
        try:
            os.kill(os.getpid(), signal.SIGTERM)  # as a service manager stopping reelab
            time.sleep(10)  # the handler raises here
            return 0
        finally:
            unwound.append("finally")

    monkeypatch.setattr(backtests.cli, "_command", lambda name: command)
    before = signal.getsignal(signal.SIGTERM)
    started = time.perf_counter()
    assert backtests.cli.main(["events", "template"]) == 143
    assert time.perf_counter() - started < 5 and unwound == ["finally"]
    assert capsys.readouterr().err == "reelab: interrupted (SIGTERM)\n"
    assert signal.getsignal(signal.SIGTERM) is before
