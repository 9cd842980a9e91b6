"""The CLI contract, for every subcommand: bad input gives exit 2 and exactly one line on stderr,
never a traceback, and writes nothing (no output folder is left behind)."""

from __future__ import annotations

import pytest

from backtests.cli import COMMANDS, main

MISSING = "/nonexistent/reelab/file.csv"

# (command words, bad arguments): {out} is a fresh output folder, {file} an existing plain file.
BAD = [
    ([], []),
    (["nope"], []),
    (["run"], ["--tickers", "NOPE", "--out", "{out}"]),
    (["run"], ["--template", "nope", "--out", "{out}"]),
    (["run"], ["--param", "bogus=1", "--out", "{out}"]),
    (["run"], ["--param", "GRID=1", "--out", "{out}"]),
    (["run"], ["--param", "horizon=0", "--out", "{out}"]),
    (["run"], ["--param", "horizon", "--out", "{out}"]),
    (["run"], ["--event-types", "bogus", "--out", "{out}"]),
    (["run"], ["--placebo", "-1", "--out", "{out}"]),
    (["run"], ["--placebo", "many", "--out", "{out}"]),
    (["run"], ["--start", "2025-02-30", "--out", "{out}"]),
    (["run"], ["--start", "2025-06-01", "--end", "2025-01-01", "--out", "{out}"]),
    (["run"], ["--fees", "abc", "--out", "{out}"]),
    (["run"], ["--fees", "0.5", "--out", "{out}"]),
    (["run"], ["--engine", "numpy", "--out", "{out}"]),
    (["run"], ["--workers", "0", "--out", "{out}"]),
    (["run"], ["--workers", "2", "--out", "{out}"]),  # nothing to spread without --placebo
    (["run"], ["--placebo", "5", "--workers", "100000", "--out", "{out}"]),
    (["run"], ["--placebo", "5", "--scheduler", "", "--out", "{out}"]),
    (["run"], ["--placebo", "5", "--scheduler", "tcp://host:99999", "--out", "{out}"]),
    (["run"], ["--placebo", "5", "--workers", "2", "--scheduler", "tcp://host:8786", "--out", "{out}"]),
    (["run"], ["--events", MISSING, "--out", "{out}"]),
    (["run"], ["--prices", MISSING, "--out", "{out}"]),
    (["run"], ["--merge", "--out", "{out}"]),
    (["run"], ["--out", "{file}"]),
    (["run"], ["--out", "{file}/below"]),
    (["sweep"], ["--grid", "horizon", "--out", "{out}"]),
    (["sweep"], ["--grid", "bogus=1,2", "--out", "{out}"]),
    (["sweep"], ["--grid", "horizon=0,5", "--out", "{out}"]),
    (["sweep"], ["--chunk-size", "x", "--out", "{out}"]),
    (["sweep"], ["--chunk-size", "-5", "--out", "{out}"]),
    (["sweep"], ["--chunk-size", "0", "--out", "{out}"]),
    (["sweep"], ["--workers", "-1", "--out", "{out}"]),
    (["sweep"], ["--scheduler", "notanaddress", "--out", "{out}"]),
    (["sweep"], ["--scheduler", "   ", "--out", "{out}"]),
    (["sweep"], ["--grid", "horizon=5", "--out", "{file}"]),
    (["sweep"], ["--grid", "horizon=5"]),
    (["study"], ["--types", "bogus", "--out", "{out}"]),
    (["study"], ["--windows", "5:1", "--out", "{out}"]),
    (["study"], ["--model", "nope", "--out", "{out}"]),
    (["study"], ["--placebo", "-5", "--out", "{out}"]),
    (["report"], [MISSING]),
    (["signals", "build"], ["--asof", "notadate", "--out", "{out}"]),
    (["signals", "build"], ["--asof", "2025-10-10", "--tickers", "NOPE", "--out", "{out}"]),
    (["signals", "build"], ["--asof", "2025-10-10", "--events", MISSING, "--out", "{out}"]),
    (["signals", "build"], ["--asof", "2025-10-10", "--out", "{file}"]),
    (["signals"], []),
    (["events", "list"], ["--type", "bogus"]),
    (["events", "list"], ["--start", "yesterday-ish"]),
    (["events", "show"], ["no-such-event"]),
    (["events", "validate"], [MISSING]),
    (["events", "extract"], [MISSING]),
    (["events", "template"], ["--format", "xml"]),
    (["events", "inbox"], ["--out", "{out}"]),  # neither articles nor --index
    (["events", "inbox"], [MISSING, "--out", "{out}"]),
    (["events", "inbox"], ["--index", MISSING, "--out", "{out}"]),
    (["events", "inbox"], ["{file}", "--index", "{file}", "--out", "{out}"]),
    (["events", "inbox"], ["{file}", "--out", "{file}"]),
    (["events", "inbox"], ["{file}", "--min-score", "2", "--out", "{out}"]),
    (["events", "inbox"], ["{file}", "--merge", "--out", "{out}"]),
    (["events", "accept"], [MISSING, "--append-to", "{out}.csv"]),
    (["events", "accept"], ["{file}", "--append-to", "{out}.csv"]),
    (["events"], []),
    (["positions"], ["--asof", "2025-13-01", "--out", "{out}"]),
    (["positions"], ["--tickers", "NOPE", "--asof", "2025-10-10", "--out", "{out}"]),
    (["positions"], ["--template", "nope", "--asof", "2025-10-10", "--out", "{out}"]),
    (["positions"], ["--asof", "2025-10-10", "--out", "{file}"]),
    (["prices", "update"], ["--tickers", "NOPE"]),
    (["prices", "update"], ["--start", "notadate"]),
    (["prices", "update"], ["--accept", "MP"]),
    (["prices", "update"], ["--accept", "MP:2026-02-30"]),
    (["prices", "update"], ["--wait", "forever"]),
    (["prices", "update"], ["--data-dir", "{file}"]),
    (["prices", "verify"], ["--tickers", "NOPE"]),
    (["prices", "verify"], ["--data-dir", "{file}"]),
    (["prices"], []),
    (["positions"], ["--wait", "-3", "--asof", "2025-10-10", "--out", "{out}"]),
    (["daily"], ["--out", "{file}"]),
    (["daily"], ["--tickers", "NOPE", "--out", "{out}"]),
    (["daily"], ["--merge", "--out", "{out}"]),
    (["daily"], ["--template", "nope", "--out", "{out}"]),
    (["daily"], ["--asof", "2026-13-01", "--out", "{out}"]),
    (["daily"], ["--wait", "-1", "--out", "{out}"]),
    (["daily"], ["--data-dir", "{file}", "--out", "{out}"]),
    (["daily"], ["--events", MISSING, "--out", "{out}"]),
    (["status"], ["--tickers", "NOPE"]),
    (["status"], ["--data-dir", "{file}"]),
]


def test_the_table_covers_every_subcommand():
    covered = {tuple(words) for words, _ in BAD}
    assert {(name,) if action is None else (name, action) for name, action in COMMANDS} <= covered


@pytest.mark.parametrize(("words", "arguments"), BAD, ids=[" ".join(w + a)[:60] for w, a in BAD])
def test_bad_input_is_one_line_and_exit_2(words, arguments, tmp_path, capsys):
    out = tmp_path / "out"
    afile = tmp_path / "afile.txt"
    afile.write_text("not a folder\n")
    argv = [*words, *(a.replace("{out}", str(out)).replace("{file}", str(afile)) for a in arguments)]
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own exit
        code = stop.code
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2, captured.err
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("reelab: error:") and "Traceback" not in captured.err
    assert not out.exists()  # nothing written, no folder left behind
