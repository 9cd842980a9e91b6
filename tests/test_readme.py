"""Every example in the README runs as printed.

In one fresh folder (the current directory and ``$HOME``), with its own data dir and a fake Yahoo:
each command of a ``bash`` block exits 0, and each ``python`` block runs, in the README's order, in
one namespace (a later block may use what an earlier one made). A command whose line says
``# exit N`` must exit N instead (``reelab status`` on a calendar the README says is stale).
Other blocks are not examples: ``text`` (synopses with ``[options]`` and placeholders), ``ini``,
``csv`` and ``yaml`` (file contents; the event files are validated in tests/test_project.py).
Set-up commands (a venv, pip, the test command itself) are the only commands not run, and they are
listed here by name.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import shutil
import sys
import types
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import seeds
from backtests.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: Commands of the set-up lines, run by CI itself or by a newcomer once, not by this test.
SETUP = ("python3 -m venv", ".venv/bin/pip install", "pip install", ".venv/bin/python -m mypy",
         ".venv/bin/python -m pytest", "systemctl")  # fmt: skip
FIELDS = ["Adj Close", "Close", "High", "Low", "Open", "Volume"]


def blocks() -> list[tuple[str, str]]:
    return [(language, body) for language, body in BLOCK.findall(README.read_text(encoding="utf-8"))]


#: A command the README prints with its exit code, e.g. ``reelab status  # exit 2: ...``.
EXIT = re.compile(r"#\s*exit (\d+)\b")


def commands(body: str) -> list[tuple[list[str], int]]:
    """The commands of a bash block, as words and the exit code the README gives them (0 unless a
    ``# exit N`` comment says otherwise): continued lines joined, comments dropped, ``&&`` chains split."""
    found = []
    for line in body.replace("\\\n", " ").splitlines():
        said = EXIT.search(line)
        for part in line.split(" && "):
            words = shlex.split(part, comments=True)
            if words:
                found.append((words, int(said.group(1)) if said else 0))
    return found


class FakeYfinance(types.ModuleType):
    """``yfinance.download`` for every universe symbol: the bundled closes, then a seeded walk on the
    exchange's sessions to today, shaped as yfinance shapes it (ignore_tz: naive local dates)."""

    def __init__(self) -> None:
        super().__init__("yfinance")
        from signals import exchange_sessions, load_universe

        universe = load_universe()
        bundled = pd.read_parquet(seeds.path("prices.parquet"))
        today = pd.Timestamp.today().normalize()
        self.paths = {}
        for ticker, symbol in universe["yahoo"].items():
            history = bundled[bundled["ticker"] == ticker].set_index("date")["adj_close"]
            sessions = exchange_sessions(universe.at[ticker, "exchange"], today)
            new = sessions[(sessions > history.index[-1]) & (sessions <= today)]
            steps = np.random.default_rng(zlib.crc32(str(ticker).encode())).normal(0.0, 0.01, len(new))
            self.paths[symbol] = pd.concat([history.iloc[-30:], pd.Series(history.iloc[-1] * np.exp(np.cumsum(steps)),
                                                                          index=new)])  # fmt: skip

    def download(self, tickers, start, end, **options):
        closes = {s: self.paths[s].loc[pd.Timestamp(start) : pd.Timestamp(end) - pd.Timedelta(days=1)] for s in tickers}
        days = sorted(set().union(*(close.index for close in closes.values())))
        columns = pd.MultiIndex.from_product([FIELDS, sorted(tickers)], names=["Price", "Ticker"])
        frame = pd.DataFrame(np.nan, index=pd.DatetimeIndex(days, name="Date"), columns=columns)
        for symbol, close in closes.items():
            for field in FIELDS:
                frame.loc[close.index, (field, symbol)] = close.to_numpy() if field != "Volume" else 1e6
        return frame


def run_command(command: list[str], home: Path, expected: int = 0) -> None:
    words = [word.replace("~", str(home), 1) if word.startswith("~") else word for word in command]
    if words[0] not in ("reelab", ".venv/bin/reelab"):
        raise AssertionError(f"README command {command!r} is neither reelab nor a set-up step")
    words = words[1:]
    target = None
    if ">" in words:
        words, target = words[: words.index(">")], words[words.index(">") + 1]
    stream = open(target, "w", encoding="utf-8") if target else contextlib.nullcontext(sys.stdout)  # noqa: SIM115
    with stream as output, contextlib.redirect_stdout(output):
        try:
            code = main(words)
        except SystemExit as stop:
            code = stop.code
    assert code == expected, f"README command {command!r} exited {code}, the README says {expected}"


def test_the_readme_has_examples_of_each_kind():
    languages = [language for language, _ in blocks()]
    assert languages.count("bash") >= 6 and languages.count("python") >= 4
    assert set(languages) <= {"bash", "python", "text", "ini", "csv", "yaml"}, set(languages)


@pytest.mark.slow
def test_every_readme_example_runs_as_printed(tmp_path, monkeypatch, capsys):
    shutil.copytree(README.parent / "examples" / "news", tmp_path / "examples" / "news")  # as in a checkout
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("REELAB_DATA", str(tmp_path / "data"))
    monkeypatch.setitem(sys.modules, "yfinance", FakeYfinance())
    namespace: dict = {}
    ran = skipped = 0
    for language, body in blocks():
        if language == "python":
            exec(compile(body, f"README python block {ran + 1}", "exec"), namespace)
            ran += 1
        elif language == "bash":
            for command, expected in commands(body):
                if " ".join(command).startswith(SETUP):
                    skipped += 1
                    continue
                run_command(command, tmp_path, expected)
                ran += 1
    capsys.readouterr()
    assert ran >= 20 and skipped <= 6
    # the tour's own results: a backtest that traded, and the starter file merged into the shipped calendar
    assert namespace["result"].summary().loc["portfolio", "trades:strategy"] > 0
    assert {"2026-01-15-RT", "2026-03-02-NW"} <= {event.id for event in namespace["mine"]}
