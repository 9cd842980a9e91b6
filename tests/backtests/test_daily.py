"""The daily job, end to end: ``reelab daily`` across a year boundary, on a fake Yahoo, twice each day.

The fake stands in for the ``yfinance`` module itself, so the whole path runs: the command line,
the default downloader (:mod:`backtests.prices._yahoo`), the store and the readers. Its frames have what
``yfinance.download`` returns on real days: ``(Price, Ticker)`` columns, a time-zone-aware index,
rows of NaN where one symbol's exchange was closed and an all-NaN row, a split inside the new data
(Yahoo rebases the whole history) and a session Yahoo lacks. Shanghai's sessions of 2027 are
provisional (exchange-calendars 4.13.2 records them through 2026). No test touches the network.
"""

from __future__ import annotations

import json
import sys
import types
import zlib

import numpy as np
import pandas as pd
import pytest

import seeds
from backtests import Costs, MarketData, RunSpec, ops
from backtests.cli import main
from backtests.spec import EventSource
from signals import exchange_sessions, load_universe
from signals.errors import PriceSourceUnavailable

pytestmark = pytest.mark.slow  # the daily job end to end, several evenings

END = "2027-01-08"  # the fake's last day
DAYS = ("2026-12-31", "2027-01-05")  # the two evenings, on either side of the year boundary
TICKERS = "MP,LYC,600111"
SYMBOLS = {"MP": "MP", "LYC.AX": "LYC", "600111.SS": "600111"}
ZONES = {"XNYS": "America/New_York", "XASX": "Australia/Sydney", "XSHG": "Asia/Shanghai"}
#: MP splits 2:1 on this day; Yahoo then halves every earlier MP price.
SPLIT = pd.Timestamp("2026-08-10")
#: A LYC session that Yahoo does not have.
MISSING = pd.Timestamp("2026-07-01")
FIELDS = ["Adj Close", "Close", "High", "Low", "Open", "Volume"]


def economic_path(ticker: str) -> pd.Series:
    """What really traded: the bundled adjusted closes, then a seeded walk on the exchange's sessions to END."""
    bundled = pd.read_parquet(seeds.path("prices.parquet"))
    history = bundled[bundled["ticker"] == ticker].set_index("date")["adj_close"]
    exchange = load_universe().at[ticker, "exchange"]
    sessions = exchange_sessions(exchange, pd.Timestamp(END))  # Shanghai's 2027: provisional
    new = sessions[(sessions > history.index[-1]) & (sessions <= pd.Timestamp(END))]
    steps = np.random.default_rng(zlib.crc32(ticker.encode())).normal(0.0, 0.015, len(new))
    walk = history.iloc[-1] * np.exp(np.cumsum(steps))
    return pd.concat([history, pd.Series(walk, index=new)])


class FakeYfinance(types.ModuleType):
    """``yfinance`` with one function, ``download``, answering from :func:`economic_path`."""

    def __init__(self) -> None:
        super().__init__("yfinance")
        self.paths = {symbol: economic_path(ticker) for symbol, ticker in SYMBOLS.items()}
        self.calls: list[tuple[list[str], str, str]] = []
        self.unreachable = False

    def yahoo_close(self, symbol: str) -> pd.Series:
        path = self.paths[symbol]
        if symbol == "MP":
            printed = path.where(path.index < SPLIT, path / 2)  # a share is two shares from the split on
            path = printed.where(path.index >= SPLIT, printed / 2)  # Yahoo restates earlier prices in new shares
        return path.drop(MISSING, errors="ignore")

    def download(self, tickers, start, end, **options):
        if self.unreachable:
            import logging

            logging.getLogger("yfinance").error("['MP']: curl: (6) Could not resolve host: query2.finance.yahoo.com")
            return pd.DataFrame()
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
    """Every file under ``folder``: its bytes and modification time."""
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


#: The user's own calendar: a tightening on the Monday of the last week of 2026, added to the shipped one.
NEWS = (
    "id,type,announced,tz,direction,severity\n"
    "2026-12-28-RT,restriction_tightening,2026-12-28,Asia/Shanghai,tightening,3\n"
)


def daily(out, events, day) -> int:
    return main(["daily", "--template", "event_drift", "--tickers", TICKERS, "--events", str(events), "--merge",
                 "--asof", day, "--out", str(out), "--quiet"])  # fmt: skip


def test_the_daily_job_across_a_year_boundary_twice_each_day(yahoo, tmp_path, capsys):
    out, events = tmp_path / "out", tmp_path / "news.csv"
    events.write_text(NEWS)
    for day in DAYS:
        assert daily(out, events, day) == 0, capsys.readouterr().err
        first = files(tmp_path)
        calls = len(yahoo.calls)
        assert daily(out, events, day) == 0  # the rerun of the evening
        assert files(tmp_path) == first  # not a byte, not a modification time changed
        assert len(yahoo.calls) > calls  # it did ask Yahoo again, and found nothing new
    assert capsys.readouterr().err == ""  # --quiet, and nothing went wrong
    assert sorted(first) == [
        "data/calendars/XSHG.json",
        "data/last-daily.json",
        "data/prices/600111.parquet",
        "data/prices/LYC.parquet",
        "data/prices/MP.parquet",
        "news.csv",
        "out/daily.jsonl",
        "out/positions-event_drift-2026-12-31/manifest.json",
        "out/positions-event_drift-2026-12-31/positions.csv",
        "out/positions-event_drift-2027-01-05/manifest.json",
        "out/positions-event_drift-2027-01-05/positions.csv",
        "out/signals-2026-12-31/manifest.json",
        "out/signals-2026-12-31/signals.parquet",
        "out/signals-2027-01-05/manifest.json",
        "out/signals-2027-01-05/signals.parquet",
    ]  # no temporary file and no lock file left anywhere

    # one line per step and day: the reruns added none
    records = [json.loads(line) for line in (out / "daily.jsonl").read_text().splitlines()]
    assert [(r["asof"], r["step"], r["exit"]) for r in records] == [
        (day, step, 0) for day in DAYS for step in ("prices", "signals", "positions")
    ]
    prices, signals, positions = records[3:]
    assert prices["last_sessions"] == {"MP": "2027-01-05", "LYC": "2027-01-05", "600111": "2027-01-05"}
    assert prices["added"] == {"MP": 2, "LYC": 2, "600111": 2}  # since 12-31: 01-04 and 01-05 (01-01 closed)
    assert signals["new_events"] == [] and records[1]["new_events"] is None  # the first run has no "before"
    # the user's 12-28 event keeps the merged calendar current, and follows the windows that ended in November
    assert signals["calendar"] == {"covered_through": "2026-12-28", "stale": False} and signals["warnings"] == []
    assert positions["excluded"] == [] and positions["folder"] == "positions-event_drift-2027-01-05"
    assert all(order["next_session"] > DAYS[1] for order in positions["orders"])
    assert signals["calendars"]["XSHG"]["provisional"]["from"] == "2027-01-01"
    assert records[2]["calendars"]["XSHG"]["provisional"] == {
        "from": "2027-01-01",
        "through": "2027-01-04",
        "source": signals["calendars"]["XSHG"]["provisional"]["source"],
    }  # fmt: skip  (on 12-31 only the next session, 2027-01-04, is provisional)
    assert all(set(r) >= {"utc", "seconds"} and r["utc"].endswith("Z") for r in records)

    # the store continues the history by returns: the split and the missing session leave no jump
    for symbol, ticker in SYMBOLS.items():
        stored = pd.read_parquet(tmp_path / "data" / "prices" / f"{ticker}.parquet").set_index("date")["adj_close"]
        np.testing.assert_allclose(stored.to_numpy(), yahoo.paths[symbol].loc[stored.index].to_numpy(), rtol=1e-9)
    lyc = pd.read_parquet(tmp_path / "data" / "prices" / "LYC.parquet")["date"]
    assert MISSING not in set(lyc)  # a gap, not a made-up close

    # the positions are the backtest's on the same (layered) prices, and the manifest says where from
    spec = RunSpec("event_drift", {}, ("MP", "LYC", "600111"), events=EventSource(events, merge=True),
                   costs=Costs(lots=True))  # positions trade whole lots: the backtest with --lots  # fmt: skip
    full = ops.run(spec, MarketData.load(spec))
    for day in DAYS:
        folder = out / f"positions-event_drift-{day}"
        table = pd.read_csv(folder / "positions.csv", dtype={"column": str}).set_index("column")
        expected = full.holdings.loc[: pd.Timestamp(day)].iloc[-1]
        np.testing.assert_allclose(table.loc[expected.index, "units"], expected.to_numpy(), atol=1e-9)
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["inputs"]["prices"]["source"] == "store" and manifest["excluded"] == []
        assert manifest["calendars"]["XSHG"]["provisional"]["from"] == "2027-01-01"
        assert "2026-12-28-RT" in manifest["events_used"]
    assert table.at["600111", "next_session"] == "2027-01-06"  # a provisional Shanghai session


def test_status_reads_the_last_daily_run_and_says_what_is_not_current(yahoo, tmp_path, capsys):
    out, events = tmp_path / "out", tmp_path / "news.csv"
    events.write_text(NEWS)
    assert daily(out, events, DAYS[1]) == 0
    capsys.readouterr()
    recent = tmp_path / "recent.csv"  # a calendar kept up to date: its last event a few days ago
    day = pd.Timestamp.today().normalize() - pd.Timedelta(days=3)
    recent.write_text(f"id,type,announced,tz,direction,severity\nlast,negotiation_talks,{day:%Y-%m-%d},UTC,easing,1\n")
    assert main(["status", "--tickers", TICKERS, "--events", str(recent)]) == 0  # the fake's prices run past today
    shown = capsys.readouterr().out
    assert "XSHG     2026-12-31" in shown and "holidays" in shown and f"{DAYS[1]} ({out.resolve()})" in shown
    assert "last event last" in shown
    assert main(["status", "--tickers", "MP,NEO.TO", "--events", str(recent)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line == "reelab: error: not current: NEO.TO ends 2020-10-09"
    stale = tmp_path / "stale.csv"
    stale.write_text("id,type,announced,tz,direction,severity\nold,negotiation_talks,2025-01-06,UTC,easing,1\n")
    assert main(["status", "--tickers", "MP", "--events", str(stale)]) == 2
    shown = capsys.readouterr()
    assert "  STALE: speaks for the days through 2025-01-06" in shown.out
    days = (pd.Timestamp.today().normalize() - pd.Timestamp("2025-01-06")).days
    assert (
        shown.err
        == f"reelab: error: not current: the event calendar speaks for the days through 2025-01-06 ({days} days)\n"
    )


def test_when_yahoo_is_unreachable_the_evening_still_says_everything(yahoo, tmp_path, capsys):
    out, events = tmp_path / "out", tmp_path / "news.csv"
    events.write_text(NEWS)
    yahoo.unreachable = True
    assert daily(out, events, DAYS[0]) == 1  # the first failing step's code: retry later
    records = [json.loads(line) for line in (out / "daily.jsonl").read_text().splitlines()]
    assert [(r["step"], r["exit"]) for r in records] == [("prices", 1), ("signals", 0), ("positions", 2)]
    assert "could not be reached" in records[0]["error"] and "no asset has current prices" in records[2]["error"]
    errors = capsys.readouterr().err.strip().splitlines()
    assert [line.split(":")[1].strip() for line in errors] == ["error", "error"]
    assert errors[0].startswith("reelab: error: prices: Yahoo Finance could not be reached")
    assert PriceSourceUnavailable.exit_code == 1


def test_a_run_on_a_price_folder_and_on_the_layered_store_from_the_command_line(yahoo, tmp_path, capsys):
    assert main(["prices", "update", "--tickers", "MP,LYC", "--start", "2026-07-20"]) == 0
    arguments = ["run", "--tickers", "MP,LYC", "--start", "2026-01-01", "--placebo", "0"]
    assert main([*arguments, "--out", str(tmp_path / "store")]) == 0
    layered = pd.read_csv(tmp_path / "store" / "equity.csv")
    assert layered.iloc[-1, 0] > "2026-07-31"  # through the updated sessions (those closed by now), not the bundled

    folder = tmp_path / "mine"
    folder.mkdir()
    for symbol, ticker in list(SYMBOLS.items())[:2]:  # the user's own Yahoo CSVs, as Yahoo's site saves them
        close = yahoo.yahoo_close(symbol).loc["2025-06-01":]
        csv = pd.DataFrame({"Date": close.index.strftime("%Y-%m-%d"), "Open": close, "High": close, "Low": close,
                            "Close": close, "Adj Close": close, "Volume": 1000})  # fmt: skip
        csv.to_csv(folder / f"{ticker}.csv", index=False)
    assert main([*arguments, "--prices", str(folder), "--out", str(tmp_path / "folder")]) == 0
    config = (tmp_path / "folder" / "config.json").read_text()
    assert '"source": "folder"' in config and str(folder) in config
    assert main(["study", "--tickers", "MP", "--prices", str(folder), "--out", str(tmp_path / "study")]) == 2
    assert "SPY" in capsys.readouterr().err  # a study needs the benchmark, and the folder has none


def test_a_refused_ticker_needs_a_person_and_the_evening_goes_on_without_it(yahoo, tmp_path, capsys):
    out, events = tmp_path / "out", tmp_path / "news.csv"
    events.write_text(NEWS)
    yahoo.paths["LYC.AX"].loc[pd.Timestamp("2026-12-01") :] *= 0.1  # an unadjusted 10:1 split on Yahoo's side
    assert daily(out, events, DAYS[0]) == 2
    records = [json.loads(line) for line in (out / "daily.jsonl").read_text().splitlines()]
    assert [(r["step"], r["exit"]) for r in records] == [("prices", 2), ("signals", 0), ("positions", 0)]
    assert "looks like a 10:1 split" in records[0]["refused"]["LYC"]
    assert "--accept LYC:2026-12-01" in records[0]["error"]
    (left_out,) = records[2]["excluded"]  # LYC's prices stop before 12-31: the positions leave it out by name
    assert left_out.startswith("LYC (prices end")
    warning, error = capsys.readouterr().err.strip().splitlines()  # the asset left out, and why the job needs a person
    assert warning.endswith(f"WARNING reelab.positions: excluded: {left_out}")
    assert error.startswith("reelab: error: prices: refused LYC: LYC 2026-12-01: close x0.1")
