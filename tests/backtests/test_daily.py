"""The daily job, end to end: ``prices update && signals build && positions``, twice, on a fake Yahoo.

The fake stands in for the ``yfinance`` module itself, so the whole path runs: the command line,
the default downloader (:mod:`backtests._yahoo`), the store and the readers. Its frames have what
``yfinance.download`` returns on real days: ``(Price, Ticker)`` columns, a time-zone-aware index,
rows of NaN where one symbol's exchange was closed and an all-NaN row, a split inside the new data
(Yahoo rebases the whole history) and a session Yahoo lacks. No test touches the network.
"""

from __future__ import annotations

import sys
import types
import zlib

import numpy as np
import pandas as pd
import pytest

import seeds
from backtests import MarketData, RunSpec, ops
from backtests.cli import main
from backtests.spec import EventSource
from signals import exchange_sessions, load_universe

ASOF = "2026-08-14"
TICKERS = "MP,LYC"
SYMBOLS = {"MP": "MP", "LYC.AX": "LYC"}
ZONES = {"XNYS": "America/New_York", "XASX": "Australia/Sydney"}
#: MP splits 2:1 on this day; Yahoo then halves every earlier MP price.
SPLIT = pd.Timestamp("2026-08-10")
#: A LYC session that Yahoo does not have.
MISSING = pd.Timestamp("2026-07-01")
FIELDS = ["Adj Close", "Close", "High", "Low", "Open", "Volume"]


def economic_path(ticker: str) -> pd.Series:
    """What really traded: the bundled adjusted closes, then a seeded walk on the exchange's sessions to ASOF."""
    bundled = pd.read_parquet(seeds.path("prices.parquet"))
    history = bundled[bundled["ticker"] == ticker].set_index("date")["adj_close"]
    exchange = load_universe().at[ticker, "exchange"]
    sessions = exchange_sessions(exchange, pd.Timestamp(ASOF))
    new = sessions[(sessions > history.index[-1]) & (sessions <= pd.Timestamp(ASOF))]
    steps = np.random.default_rng(zlib.crc32(ticker.encode())).normal(0.0, 0.02, len(new))
    walk = history.iloc[-1] * np.exp(np.cumsum(steps))
    return pd.concat([history, pd.Series(walk, index=new)])


class FakeYfinance(types.ModuleType):
    """``yfinance`` with one function, ``download``, answering from :func:`economic_path`."""

    def __init__(self) -> None:
        super().__init__("yfinance")
        self.paths = {symbol: economic_path(ticker) for symbol, ticker in SYMBOLS.items()}
        self.calls: list[tuple[list[str], str, str]] = []

    def yahoo_close(self, symbol: str) -> pd.Series:
        path = self.paths[symbol]
        if symbol == "MP":
            printed = path.where(path.index < SPLIT, path / 2)  # a share is two shares from the split on
            path = printed.where(path.index >= SPLIT, printed / 2)  # Yahoo restates earlier prices in new shares
        return path.drop(MISSING, errors="ignore")

    def download(self, tickers, start, end, **options):
        self.calls.append((list(tickers), start, end))
        closes = {
            symbol: self.yahoo_close(symbol).loc[pd.Timestamp(start) : pd.Timestamp(end) - pd.Timedelta(days=1)]
            for symbol in tickers
        }
        days = sorted(set().union(*(close.index for close in closes.values())) | {pd.Timestamp("2026-08-09")})
        zone = ZONES[load_universe().at[SYMBOLS[tickers[0]], "exchange"]]
        columns = pd.MultiIndex.from_product([FIELDS, sorted(tickers)], names=["Price", "Ticker"])
        frame = pd.DataFrame(np.nan, index=pd.DatetimeIndex(days, name="Date").tz_localize(zone), columns=columns)
        for symbol, close in closes.items():
            at = close.index.tz_localize(zone)
            for field, factor in zip(FIELDS, (1.0, 1.0, 1.01, 0.98, 0.995)):
                frame.loc[at, (field, symbol)] = close.to_numpy() * factor
            frame.loc[at, ("Volume", symbol)] = 1e6
        return frame


@pytest.fixture
def yahoo(monkeypatch, tmp_path):
    fake = FakeYfinance()
    monkeypatch.setitem(sys.modules, "yfinance", fake)
    monkeypatch.setenv("REELAB_DATA", str(tmp_path / "data"))
    return fake


def files(folder) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder``: its bytes and modification time (the empty lock files aside)."""
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.endswith(".lock")
    }


#: The user's own calendar: a tightening on the Tuesday of the last week, added to the shipped one.
NEWS = (
    "id,type,announced,tz,direction,severity\n"
    "2026-08-11-RT,restriction_tightening,2026-08-11,Asia/Shanghai,tightening,3\n"
)


def daily_job(out, events) -> None:
    assert main(["events", "validate", str(events)]) == 0
    assert main(["prices", "update", "--tickers", TICKERS]) == 0
    mine = ["--tickers", TICKERS, "--events", str(events), "--merge"]
    assert main(["signals", "build", "--asof", ASOF, *mine, "--out", str(out), "--quiet"]) == 0
    assert main(["positions", "--template", "event_drift", *mine, "--asof", ASOF, "--out", str(out)]) == 0


def test_the_daily_job_twice_is_byte_identical_and_holds_the_backtests_positions(yahoo, tmp_path, capsys):
    data, out, events = tmp_path / "data", tmp_path / "out", tmp_path / "news.csv"
    events.write_text(NEWS)
    daily_job(out, events)
    first = files(tmp_path)
    assert sorted(first) == [
        "data/prices/LYC.parquet",
        "data/prices/MP.parquet",
        "news.csv",
        "out/positions-event_drift-2026-08-14/manifest.json",
        "out/positions-event_drift-2026-08-14/positions.csv",
        "out/signals-2026-08-14/manifest.json",
        "out/signals-2026-08-14/signals.parquet",
    ]  # fmt: skip  (no temporary file left anywhere)
    requested = [call[:2] for call in yahoo.calls]
    capsys.readouterr()

    daily_job(out, events)
    assert files(tmp_path) == first  # not a byte, not a modification time changed
    assert "already up to date" in capsys.readouterr().out
    # per ticker, only the sessions after the last stored one, from OVERLAP (5) stored sessions back
    assert requested == [(["LYC.AX"], "2026-05-29"), (["MP"], "2026-07-27")]  # bundled LYC ends 06-04, MP 07-31
    assert [(sorted(call[0]), call[1]) for call in yahoo.calls[len(requested) :]] == [(["LYC.AX", "MP"], "2026-08-10")]

    # the store continues the history by returns: the split and the missing session leave no jump
    for symbol, ticker in SYMBOLS.items():
        stored = pd.read_parquet(data / "prices" / f"{ticker}.parquet").set_index("date")["adj_close"]
        np.testing.assert_allclose(stored.to_numpy(), yahoo.paths[symbol].loc[stored.index].to_numpy(), rtol=1e-9)
        assert stored.index[-1] == pd.Timestamp(ASOF)
    lyc = pd.read_parquet(data / "prices" / "LYC.parquet")["date"]
    assert MISSING not in set(lyc) and len(lyc) == len(yahoo.paths["LYC.AX"]) - 1  # a gap, not a made-up close

    # the positions are the backtest's on the same (layered) prices, and the manifest says so
    spec = RunSpec("event_drift", {}, ("MP", "LYC"), events=EventSource(events, merge=True))
    full = ops.run(spec, MarketData.load(spec))
    positions = pd.read_csv(out / "positions-event_drift-2026-08-14" / "positions.csv").set_index("column")
    expected = full.holdings.loc[pd.Timestamp(ASOF)]
    np.testing.assert_allclose(positions.loc[expected.index, "units"], expected.to_numpy(), atol=1e-9)
    assert (positions["position"] == "long").all()  # the user's event of 08-11 is held by both
    assert positions["reason"].str.contains("2026-08-11-RT").all()
    manifest = ops.PositionsResult.load(out / "positions-event_drift-2026-08-14").manifest
    assert manifest["inputs"]["prices"]["source"] == "store"
    assert manifest["inputs"]["prices"]["files"] == "LYC.parquet,MP.parquet"
    assert manifest["last_session"] == ASOF and "2026-08-11-RT" in manifest["events_used"]


def test_a_run_on_a_price_folder_and_on_the_layered_store_from_the_command_line(yahoo, tmp_path, capsys):
    assert main(["prices", "update", "--tickers", TICKERS]) == 0
    arguments = ["run", "--tickers", TICKERS, "--start", "2026-01-01", "--placebo", "0"]
    assert main([*arguments, "--out", str(tmp_path / "store")]) == 0
    layered = pd.read_csv(tmp_path / "store" / "equity.csv")
    assert layered.iloc[-1, 0] == ASOF  # through the updated sessions

    folder = tmp_path / "mine"
    folder.mkdir()
    for symbol, ticker in SYMBOLS.items():  # the user's own Yahoo CSVs, as Yahoo's site saves them
        close = yahoo.yahoo_close(symbol).loc["2025-06-01":]
        csv = pd.DataFrame({"Date": close.index.strftime("%Y-%m-%d"), "Open": close, "High": close, "Low": close,
                            "Close": close, "Adj Close": close, "Volume": 1000})  # fmt: skip
        csv.to_csv(folder / f"{ticker}.csv", index=False)
    assert main([*arguments, "--prices", str(folder), "--out", str(tmp_path / "folder")]) == 0
    config = (tmp_path / "folder" / "config.json").read_text()
    assert '"source": "folder"' in config and str(folder) in config
    assert main(["study", "--tickers", "MP", "--prices", str(folder), "--out", str(tmp_path / "study")]) == 2
    assert "SPY" in capsys.readouterr().err  # a study needs the benchmark, and the folder has none
