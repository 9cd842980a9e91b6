"""The price store: ``reelab prices update``, stitching by returns, the layered price source.

Every test runs on a fake Yahoo Finance (:class:`FakeYahoo`) that returns the shapes
``yfinance.download`` returns; only the one test marked ``network`` calls the real Yahoo, and
only with ``REELAB_NETWORK_TESTS=1``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
import types

import numpy as np
import pandas as pd
import pytest

import backtests.prices._store as store_module
import backtests.prices._update as update_module
import seeds
from backtests.cli import main
from backtests.prices import _yahoo
from backtests.prices._load import load_prices, price_inputs
from backtests.prices._store import data_dir, store_dir
from backtests.prices._update import OVERLAP, UpdateRefused, update_prices
from signals import load_universe
from signals._io import locked
from signals.errors import PriceDataError, PriceSourceUnavailable, ReelabError, UniverseError

NEW_YORK = "America/New_York"
BUNDLED = pd.read_parquet(seeds.path("prices.parquet"))
#: New York sessions after the bundled snapshot's last US session (2026-07-31); no holiday in between.
NEW_SESSIONS = pd.bdate_range("2026-08-03", "2026-08-14")
#: MP splits 2:1 on this day: Yahoo's split-adjusted history halves every earlier price.
SPLIT = pd.Timestamp("2026-08-10")
#: Yahoo's MP close disagrees with the bundled one by this much on 2026-07-29.
DISAGREEMENT = 0.003
FIELDS = ["Adj Close", "Close", "High", "Low", "Open", "Volume"]


def bundled(ticker: str) -> pd.DataFrame:
    return BUNDLED[BUNDLED["ticker"] == ticker].set_index("date")


def economic_path(ticker: str, returns: list[float]) -> dict[pd.Timestamp, float]:
    """The price that really traded: the bundled closes of the last 10 sessions, then ``returns``."""
    history = bundled(ticker)["close"].iloc[-10:]
    path = {day: float(value) for day, value in history.items()}
    level = path[history.index[-1]]
    for day, change in zip(NEW_SESSIONS, returns):
        level *= 1 + change
        path[day] = level
    return path


class FakeYahoo:
    """A stand-in for ``yfinance.download``: MP and SPY, yfinance-shaped, with what real data has.

    Columns are ``(Price, Ticker)`` pairs, the index is midnight New York (tz-aware), Sunday
    2026-08-09 is an all-NaN row, Saturday 2026-08-08 a stray MP row (not a session), SPY misses
    2026-08-05 (NaN while MP trades), and MP splits 2:1 inside the new data. Every request is
    recorded; ``broken`` symbols return nothing and ``mutate`` alters the frame (bad data).
    """

    def __init__(self) -> None:
        self.requests: list[tuple[list[str], pd.Timestamp, pd.Timestamp]] = []
        self.paths = {
            "MP": economic_path("MP", [0.02, -0.01, 0.015, 0.03, -0.02, 0.01, 0.005, -0.015, 0.02, 0.01]),
            "SPY": economic_path("SPY", [0.001, 0.002, -0.003, 0.004, 0.0, 0.001, -0.002, 0.003, 0.001, 0.002]),
        }
        del self.paths["SPY"][pd.Timestamp("2026-08-05")]  # a missing day
        self.broken: set[str] = set()
        self.mutate = None
        self.unadjusted = False  # Yahoo has not restated MP's history for the split yet
        self.split_column = False  # the frame carries yfinance's "Stock Splits" (actions=True)

    def close(self, symbol: str, day: pd.Timestamp) -> float:
        """Yahoo's ``Close``: split-adjusted, so the whole MP history is in post-split shares."""
        price = self.paths[symbol][day]
        if symbol == "MP":
            raw = price if day < SPLIT else price / 2  # what the exchange printed
            price = raw if self.unadjusted else raw / 2 if day < SPLIT else raw  # Yahoo's adjustment of earlier days
            if day == pd.Timestamp("2026-07-29"):
                price *= 1 + DISAGREEMENT
        return price

    def yfinance_frame(self, symbols, start, end) -> pd.DataFrame:
        days = sorted({day for symbol in symbols if symbol in self.paths for day in self.paths[symbol]})
        days += [pd.Timestamp("2026-08-08"), pd.Timestamp("2026-08-09")]
        days = sorted(day for day in days if pd.Timestamp(start) <= day < pd.Timestamp(end))
        fields = [*FIELDS, "Stock Splits"] if self.split_column else FIELDS
        columns = pd.MultiIndex.from_product([fields, sorted(symbols)], names=["Price", "Ticker"])
        frame = pd.DataFrame(np.nan, index=pd.DatetimeIndex(days).tz_localize(NEW_YORK), columns=columns)
        frame.index.name = "Date"
        for symbol in symbols:
            if symbol in self.broken or symbol not in self.paths:
                continue
            for day in days:
                if day == pd.Timestamp("2026-08-08") and symbol == "MP":
                    close = self.close("MP", pd.Timestamp("2026-08-07"))  # Yahoo's stray weekend row
                elif day in self.paths[symbol]:
                    close = self.close(symbol, day)
                else:
                    continue
                stamp = day.tz_localize(NEW_YORK)
                values = [close, close, close * 1.01, close * 0.98, close * 0.99, 1_000_000.0]
                for field, value in zip(FIELDS, values):
                    frame.loc[stamp, (field, symbol)] = value
                if self.split_column:
                    frame.loc[stamp, ("Stock Splits", symbol)] = 2.0 if symbol == "MP" and day == SPLIT else 0.0
        return self.mutate(frame) if self.mutate else frame

    def __call__(self, symbols, start, end) -> pd.DataFrame:
        self.requests.append((sorted(symbols), pd.Timestamp(start), pd.Timestamp(end)))
        return _yahoo.from_yfinance(self.yfinance_frame(symbols, start, end), symbols)


@pytest.fixture
def fake():
    return FakeYahoo()


@pytest.fixture
def data(tmp_path, monkeypatch):
    """An empty data dir, also the default one ($REELAB_DATA)."""
    folder = tmp_path / "data"
    monkeypatch.setenv("REELAB_DATA", str(folder))
    return folder


def stored(folder, ticker: str) -> pd.DataFrame:
    return pd.read_parquet(folder / "prices" / f"{ticker}.parquet").set_index("date")


def snapshot_of(folder) -> dict[str, bytes]:
    """Every file of the store, by name (temporary files included)."""
    prices = folder / "prices"
    return {f.name: f.read_bytes() for f in sorted(prices.iterdir())} if prices.is_dir() else {}


def expected_stitch(old_anchor: float, yahoo: dict, anchor: pd.Timestamp, days) -> dict:
    """The stitched closes, computed independently: chain Yahoo's daily returns onto the stored anchor."""
    level, previous, out = old_anchor, yahoo[anchor], {}
    for day in days:
        level = level * (yahoo[day] / previous)
        previous = yahoo[day]
        out[day] = level
    return out


def test_data_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("REELAB_DATA", str(tmp_path / "env"))
    assert data_dir(tmp_path / "given") == tmp_path / "given"
    assert data_dir() == tmp_path / "env"
    assert store_dir() == tmp_path / "env" / "prices"
    monkeypatch.delenv("REELAB_DATA")
    import platformdirs

    assert data_dir() == __import__("pathlib").Path(platformdirs.user_data_dir("reelab"))


def test_only_the_missing_sessions_are_requested(data, fake):
    update_prices(["MP", "SPY"], downloader=fake, today="2026-08-07")
    # one request for both (same last session); it starts OVERLAP stored sessions back, to stitch
    overlap_start = bundled("MP").index[-OVERLAP]
    assert fake.requests == [(["MP", "SPY"], overlap_start, pd.Timestamp("2026-08-08"))]
    assert stored(data, "MP").index[-1] == pd.Timestamp("2026-08-07")
    fake.requests.clear()
    update_prices(["MP"], downloader=fake, today="2026-08-14")
    assert fake.requests == [(["MP"], stored(data, "MP").index[-OVERLAP - 5], pd.Timestamp("2026-08-15"))]
    assert fake.requests[0][1] == pd.Timestamp("2026-08-03")  # 5 sessions before 08-10, not the bundled start


def test_new_closes_are_stitched_by_returns_not_levels(data, fake):
    report = update_prices(["MP", "SPY"], downloader=fake, today="2026-08-14")
    mp, old = stored(data, "MP"), bundled("MP")
    # the bundled history is kept as it is
    pd.testing.assert_frame_equal(mp.loc[: old.index[-1]].drop(columns="adjustment"), old.drop(columns="adjustment"))
    anchor = old.index[-1]
    yahoo = {day: fake.close("MP", day) for day in [anchor, *NEW_SESSIONS]}
    expected = expected_stitch(float(old.at[anchor, "close"]), yahoo, anchor, NEW_SESSIONS)
    assert list(mp.loc[NEW_SESSIONS[0] :].index) == list(NEW_SESSIONS)  # no weekend row, no NaN row
    for day, value in expected.items():
        assert mp.at[day, "close"] == pytest.approx(value, rel=1e-12), day
        assert mp.at[day, "adj_close"] == pytest.approx(value, rel=1e-12), day
    # the split inside the new data is no jump: the first new close continues the economic path
    assert mp.at[NEW_SESSIONS[0], "close"] / old.at[anchor, "close"] == pytest.approx(1.02)
    assert mp.at[SPLIT, "close"] / mp.at[NEW_SESSIONS[4], "close"] == pytest.approx(1.01)  # the return on 08-10
    assert mp.at[NEW_SESSIONS[0], "open"] == pytest.approx(expected[NEW_SESSIONS[0]] * 0.99)
    assert set(mp.loc[NEW_SESSIONS[0] :, "adjustment"]) == {"yahoo_returns"}
    # SPY's missing day stays missing, and the next close chains straight from the one before
    spy = stored(data, "SPY")
    assert pd.Timestamp("2026-08-05") not in spy.index
    assert spy.at[pd.Timestamp("2026-08-06"), "close"] / spy.at[pd.Timestamp("2026-08-04"), "close"] == pytest.approx(
        fake.close("SPY", pd.Timestamp("2026-08-06")) / fake.close("SPY", pd.Timestamp("2026-08-04"))
    )
    assert {update.ticker: update.added for update in report.updates} == {"MP": 10, "SPY": 9}


def test_the_overlaps_largest_difference_is_reported(data, fake):
    report = update_prices(["MP", "SPY"], downloader=fake, today="2026-08-14")
    by_ticker = {update.ticker: update for update in report.updates}
    # Yahoo's 07-29 close is 0.3% above the bundled one once both agree at the anchor (07-31)
    assert by_ticker["MP"].overlap_sessions == OVERLAP
    assert by_ticker["MP"].overlap_max_difference == pytest.approx(DISAGREEMENT, rel=1e-9)
    assert by_ticker["SPY"].overlap_max_difference == pytest.approx(0, abs=1e-12)
    summary = report.summary()
    assert str(data / "prices") in summary
    line = next(line for line in summary.splitlines() if line.startswith("MP "))
    assert "10" in line and "2026-08-14" in line and "0.3000%" in line


def test_start_refetches_and_replaces_from_that_day(data, fake):
    update_prices(["MP"], downloader=fake, today="2026-08-14", start="2026-07-29")
    old = bundled("MP")
    assert fake.requests[0][1] == old.index[old.index < "2026-07-29"][-OVERLAP]
    mp = stored(data, "MP")
    anchor = pd.Timestamp("2026-07-28")
    days = [day for day in mp.index if day > anchor]
    yahoo = {day: fake.close("MP", day) for day in [anchor, *days]}
    expected = expected_stitch(float(old.at[anchor, "close"]), yahoo, anchor, days)
    disputed = pd.Timestamp("2026-07-29")  # replaced by Yahoo's value, 0.3% off the bundled one
    assert mp.at[disputed, "close"] == pytest.approx(old.at[disputed, "close"] * (1 + DISAGREEMENT))
    for day, value in expected.items():
        assert mp.at[day, "close"] == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("Close", -1.0, "close must be positive"), ("Adj Close", np.inf, "adj_close must be positive"),
     ("Close", 0.0, "close must be positive"), ("Open", -3.0, "open must be positive")],
)  # fmt: skip
def test_bad_data_refuses_that_ticker_and_leaves_its_file_unchanged(data, fake, field, value, message):
    update_prices(["MP", "SPY"], downloader=fake, today="2026-08-07")
    before = snapshot_of(data)

    def corrupt(frame):
        frame.loc[pd.Timestamp("2026-08-12", tz=NEW_YORK), (field, "MP")] = value
        return frame

    fake.mutate = corrupt
    with pytest.raises(UpdateRefused, match=message) as error:
        update_prices(["SPY", "MP"], downloader=fake, today="2026-08-14")
    assert "refused MP" in str(error.value) and "2026-08-12" in str(error.value)
    after = snapshot_of(data)
    assert after["MP.parquet"] == before["MP.parquet"]  # the refused ticker's file is as it was
    assert after["SPY.parquet"] != before["SPY.parquet"]  # the others go on
    assert [update.ticker for update in error.value.report.updates] == ["SPY"]
    assert error.value.report.refused[0][0] == "MP"


def test_a_symbol_returning_nothing_refuses_that_ticker_only(data, fake):
    fake.broken = {"SPY"}
    with pytest.raises(UpdateRefused, match=r"no prices for SPY \(SPY\)"):
        update_prices(["MP", "SPY"], downloader=fake, today="2026-08-14")
    assert sorted(snapshot_of(data)) == ["MP.parquet"]


def test_a_second_update_with_nothing_new_changes_no_byte(data, fake):
    update_prices(["MP", "SPY"], downloader=fake, today="2026-08-14")
    files = sorted((data / "prices").glob("*.parquet"))
    before = {file.name: (file.read_bytes(), file.stat().st_mtime_ns) for file in files}
    report = update_prices(["MP", "SPY"], downloader=fake, today="2026-08-14")
    assert not any(update.written for update in report.updates)
    assert [update.added for update in report.updates] == [0, 0]
    assert {file.name: (file.read_bytes(), file.stat().st_mtime_ns) for file in files} == before
    assert "(0 of 2 tickers updated)" in report.summary()


def test_a_second_update_waits_for_the_lock(data, fake):
    store = data / "prices"
    store.mkdir(parents=True)
    outcome: list[object] = []

    def run():
        try:
            outcome.append(update_prices(["MP"], downloader=fake, today="2026-08-14"))
        except Exception as error:  # pragma: no cover - reported below
            outcome.append(error)

    with locked(store):
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(0.5)
        assert worker.is_alive() and not fake.requests and not (store / "MP.parquet").exists()
    worker.join(60)
    assert not worker.is_alive() and type(outcome[0]).__name__ == "UpdateReport"
    assert (store / "MP.parquet").is_file()


def test_a_failure_while_writing_leaves_no_partial_file(data, fake, monkeypatch):
    real_stage, calls = store_module.stage_file, []

    def failing_stage(final, payload):
        calls.append(final.name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_stage(final, payload)

    monkeypatch.setattr(store_module, "stage_file", failing_stage)
    with pytest.raises(OSError, match="No space left"):
        update_prices(["MP", "SPY"], downloader=fake, today="2026-08-14")
    assert calls == ["MP.parquet", "SPY.parquet"]
    assert snapshot_of(data) == {}  # neither MP's staged file nor a temporary one is left


def test_a_session_still_trading_is_not_taken(data, fake):
    during = pd.Timestamp("2026-08-14 15:00", tz=NEW_YORK)
    update_prices(["MP"], downloader=fake, today=during)
    assert stored(data, "MP").index[-1] == pd.Timestamp("2026-08-13")
    update_prices(["MP"], downloader=fake, today=pd.Timestamp("2026-08-14 16:30", tz=NEW_YORK))
    assert stored(data, "MP").index[-1] == pd.Timestamp("2026-08-14")


def test_without_a_store_load_prices_is_the_bundled_snapshot_exactly(tmp_path, monkeypatch):
    for folder in (tmp_path / "missing", tmp_path / "empty"):
        (tmp_path / "empty" / "prices").mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv("REELAB_DATA", str(folder))
        pd.testing.assert_frame_equal(load_prices(), load_prices(source="bundled"))
        pd.testing.assert_frame_equal(load_prices(["MP", "LYC"], field="adj_close"),
                                      load_prices(["MP", "LYC"], field="adj_close", source="bundled"))  # fmt: skip
        wide = BUNDLED.pivot(index="date", columns="ticker", values="close")[list(load_universe().index)]
        np.testing.assert_array_equal(load_prices().to_numpy(), wide.to_numpy())
        shipped = hashlib.sha256(seeds.path("prices.parquet").read_bytes()).hexdigest()
        assert price_inputs() == {
            "prices": {"source": "bundled", "path": "shipped:seeds/prices.parquet", "sha256": shipped}
        }


def test_the_layered_store_extends_the_history(data, fake):
    before = load_prices(["MP", "LYC"])
    update_prices(["MP"], downloader=fake, today="2026-08-14")
    after = load_prices(["MP", "LYC"])
    assert after.index[-1] == pd.Timestamp("2026-08-14") and list(after.columns) == ["MP", "LYC"]
    pd.testing.assert_frame_equal(after.loc[: before.index[-1]], before)  # the past is unchanged
    assert after.loc["2026-08-03":, "LYC"].isna().all()  # LYC still comes from the snapshot
    assert list(load_prices().columns) == list(load_universe().index)
    pd.testing.assert_frame_equal(load_prices(["MP"], source="bundled"), before[["MP"]].dropna())
    # the manifest records the store's file and, as LYC is bundled, the snapshot
    mp_file = data / "prices" / "MP.parquet"
    line = f"{hashlib.sha256(mp_file.read_bytes()).hexdigest()}  MP.parquet\n"
    inputs = price_inputs(tickers=["MP", "LYC"])
    assert inputs["prices"] == {
        "source": "store",
        "path": str(data / "prices"),
        "sha256": hashlib.sha256(line.encode()).hexdigest(),
        "files": "MP.parquet",
    }
    assert inputs["bundled_prices"]["source"] == "bundled"
    assert set(price_inputs(tickers=["MP"])) == {"prices"}
    assert price_inputs(tickers=["LYC"])["prices"]["source"] == "bundled"


def test_a_folder_of_yahoo_csvs_is_a_price_source(tmp_path):
    folder = tmp_path / "my_prices"
    folder.mkdir()
    (folder / "MP.csv").write_text(
        "Date,Open,High,Low,Close,Adj Close,Volume\n"
        "2026-08-03,41.0,42.5,40.8,42.2,42.2,1000\n"
        "2026-08-04,42.2,43.0,41.9,42.9,42.9,1200\n"
    )
    close = load_prices(["MP"], source=folder, field="adj_close")
    assert list(close["MP"]) == [42.2, 42.9] and list(close.index.strftime("%Y-%m-%d")) == ["2026-08-03", "2026-08-04"]
    pd.testing.assert_frame_equal(load_prices(["MP"], source=str(folder)), load_prices(["MP"], source=folder))
    record = price_inputs(source=folder, tickers=["MP"])["prices"]
    assert record["source"] == "folder" and record["files"] == "MP.csv" and record["path"] == str(folder)


def test_a_universe_without_yahoo_symbols_still_loads(tmp_path, data, fake):
    shipped = pd.read_csv(seeds.path("universe.csv"), dtype=str, keep_default_na=False)
    path = tmp_path / "universe.csv"
    shipped.drop(columns="yahoo").to_csv(path, index=False)
    universe = load_universe(path)
    assert "yahoo" not in universe.columns and list(universe.index) == list(load_universe().index)
    with pytest.raises(UniverseError, match="no Yahoo Finance symbol for ticker\\(s\\) MP, LYC"):
        update_prices(["MP", "LYC"], downloader=fake, universe=universe, today="2026-08-14")
    assert not fake.requests


def test_shipped_yahoo_symbols():
    symbols = load_universe()["yahoo"]
    assert symbols.str.len().gt(0).all() and symbols.is_unique
    assert symbols[["LYC", "ASX200", "CSI300", "000831", "300748", "600111", "NEO.TO"]].tolist() == [
        "LYC.AX", "^AXJO", "000300.SS", "000831.SZ", "300748.SZ", "600111.SS", "NEO.TO",
    ]  # fmt: skip
    universe = load_universe()
    for ticker, symbol in symbols.items():  # Shanghai codes start with 6, Shenzhen's with 0 or 3
        exchange = universe.at[ticker, "exchange"]
        if exchange in ("XSHG", "XSHE") and ticker != "CSI300":
            assert exchange == ("XSHG" if ticker.startswith("6") else "XSHE"), ticker
            assert symbol == f"{ticker}.{'SS' if exchange == 'XSHG' else 'SZ'}", ticker


# ---- the default downloader: yfinance's shapes, without yfinance --------------------------------


def fake_yfinance(download) -> types.ModuleType:
    module = types.ModuleType("yfinance")
    module.download = download  # type: ignore[attr-defined]
    return module


def test_yahoo_download_converts_yfinance_shapes(monkeypatch, fake):
    calls = []

    def download(symbols, **options):
        calls.append((symbols, options))
        frame = fake.yfinance_frame(symbols, options["start"], options["end"])
        frame.index = frame.index.tz_localize(None)  # ignore_tz=True: each session's local date
        return frame

    monkeypatch.setitem(sys.modules, "yfinance", fake_yfinance(download))
    long = _yahoo.download(["MP", "SPY"], pd.Timestamp("2026-08-03"), pd.Timestamp("2026-08-08"))
    symbols, options = calls[0]
    assert symbols == ["MP", "SPY"] and (options["start"], options["end"]) == ("2026-08-03", "2026-08-08")
    assert {key: options[key] for key in ("auto_adjust", "actions", "group_by", "progress", "ignore_tz")} == {
        "auto_adjust": False, "actions": True, "group_by": "column", "progress": False, "ignore_tz": True,
    }  # fmt: skip
    assert list(long.columns) == _yahoo.COLUMNS
    mp = long[long["symbol"] == "MP"].set_index("date")
    assert list(mp.index.strftime("%Y-%m-%d")) == [f"2026-08-0{day}" for day in range(3, 8)]  # local dates kept
    assert mp.at[pd.Timestamp("2026-08-03"), "close"] == fake.close("MP", pd.Timestamp("2026-08-03"))
    spy = long[long["symbol"] == "SPY"]
    assert pd.Timestamp("2026-08-05") not in set(spy["date"]) and len(spy) == 4  # its NaN row is dropped


@pytest.mark.parametrize(
    ("log", "raised", "error", "message"),
    [
        ("Failed to get ticker 'MP' reason: curl: (6) Could not resolve host: query2.finance.yahoo.com", None,
         PriceSourceUnavailable, "could not be reached"),
        ("['MP']: YFRateLimitError('Too Many Requests. Rate limited. Try after a while.')", None,
         PriceSourceUnavailable, "could not be reached"),
        (None, ConnectionError("connection reset"), PriceSourceUnavailable, "ConnectionError"),
        ("['MP']: possibly delisted; no price data found", None, ReelabError, "no prices for 'MP'"),
    ],
)  # fmt: skip
def test_yahoo_download_tells_an_unreachable_source_from_a_bad_symbol(monkeypatch, fake, log, raised, error, message):
    def download(symbols, **options):
        if raised is not None:
            raise raised
        logging.getLogger("yfinance").error(log)
        frame = fake.yfinance_frame(symbols, options["start"], options["end"])
        return frame.iloc[:0]

    monkeypatch.setitem(sys.modules, "yfinance", fake_yfinance(download))
    with pytest.raises(error, match=message) as caught:
        _yahoo.download(["MP"], pd.Timestamp("2026-08-03"), pd.Timestamp("2026-08-08"))
    assert "\n" not in str(caught.value)
    if error is ReelabError:
        assert not isinstance(caught.value, PriceSourceUnavailable)


# ---- the command line -----------------------------------------------------------------------------


def test_cli_update_prints_the_summary_and_the_store(data, fake, monkeypatch, capsys):
    monkeypatch.setattr(_yahoo, "download", fake)
    assert main(["prices", "update", "--tickers", "MP,SPY", "--data-dir", str(data)]) == 0
    shown = capsys.readouterr().out
    assert str(data / "prices") in shown and "MP" in shown and "2026-08-14" in shown
    assert sorted(f.name for f in (data / "prices").glob("*.parquet")) == ["MP.parquet", "SPY.parquet"]
    assert main(["prices", "update", "--tickers", "MP,SPY"]) == 0  # $REELAB_DATA: the same store
    assert "already up to date" in capsys.readouterr().out


def test_cli_exit_codes(data, fake, monkeypatch, capsys):
    def unreachable(symbols, start, end):
        raise PriceSourceUnavailable("Yahoo Finance could not be reached (DNSError)")

    monkeypatch.setattr(_yahoo, "download", unreachable)
    assert main(["prices", "update", "--tickers", "MP"]) == 1
    assert capsys.readouterr().err.strip() == "reelab: error: Yahoo Finance could not be reached (DNSError)"
    assert snapshot_of(data) == {}

    monkeypatch.setattr(_yahoo, "download", fake)
    assert main(["prices", "update", "--tickers", "MP,NOPE"]) == 2
    assert "unknown ticker(s) 'NOPE'" in capsys.readouterr().err

    fake.broken = {"MP"}
    assert main(["prices", "update", "--tickers", "MP"]) == 2
    assert "no prices for MP (MP)" in capsys.readouterr().err
    fake.broken = set()

    universe = load_universe().assign(yahoo=lambda frame: frame["yahoo"].where(frame.index != "LYC", ""))
    monkeypatch.setattr(update_module, "load_universe", lambda: universe)
    assert main(["prices", "update", "--tickers", "MP,LYC"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "no Yahoo Finance symbol for ticker(s) LYC" in error[0]
    assert snapshot_of(data) == {}


def test_cli_without_yfinance_says_how_to_install_it(data, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "yfinance", None)  # import yfinance -> ImportError
    assert main(["prices", "update", "--tickers", "MP"]) == 2
    assert "pip install -e '.[yahoo]'" in capsys.readouterr().err
    assert snapshot_of(data) == {}


# ---- the real Yahoo Finance (skipped unless asked for) --------------------------------------------


@pytest.mark.network
@pytest.mark.skipif(os.environ.get("REELAB_NETWORK_TESTS") != "1", reason="set REELAB_NETWORK_TESTS=1 to call Yahoo")
def test_real_yahoo_finance_for_mp(tmp_path):
    pytest.importorskip("yfinance")
    long = _yahoo.download(["MP"], pd.Timestamp("2025-06-02"), pd.Timestamp("2025-06-07"))
    assert list(long["date"].dt.strftime("%Y-%m-%d")) == [f"2025-06-0{day}" for day in range(2, 7)]
    bundled_close = bundled("MP").loc["2025-06-02":"2025-06-06", "close"].to_numpy()
    np.testing.assert_allclose(long["adj_close"].to_numpy(), bundled_close, rtol=0.01)  # the snapshot came from Yahoo
    report = update_prices(["MP"], data_dir=tmp_path)
    (update,) = report.updates
    assert update.written and update.added > 0 and update.overlap_max_difference < 0.05


# ---- the production path: NaN rows, splits, jumps, zones, broken files, locks ------------------------


def test_nan_rows_from_yahoo_never_remove_a_stored_session(data, fake):
    update_prices(["MP"], downloader=fake, today="2026-08-07")
    before = stored(data, "MP")
    nan_days = [pd.Timestamp("2026-08-05"), pd.Timestamp("2026-08-07")]  # the last stored session among them

    def holes(frame):
        for day in nan_days:
            frame.loc[day.tz_localize(NEW_YORK), (slice(None), "MP")] = np.nan
        return frame

    fake.mutate = holes
    report = update_prices(["MP"], downloader=fake, today="2026-08-14", start="2026-08-03")
    after = stored(data, "MP")
    for day in nan_days:  # kept as stored, not deleted
        pd.testing.assert_series_equal(after.loc[day], before.loc[day])
    assert set(NEW_SESSIONS) <= set(after.index)
    (update,) = report.updates
    assert (update.added, update.replaced, update.kept) == (5, 3, 2)  # 08-10..14 added; 08-03, 04, 06 replaced
    line = next(line for line in report.summary().splitlines() if line.startswith("MP "))
    assert line.split()[2:5] == ["5", "3", "2"]


def test_a_split_yahoo_reports_but_has_not_applied_is_adjusted_and_said(data, fake):
    fake.unadjusted, fake.split_column = True, True
    report = update_prices(["MP"], downloader=fake, today="2026-08-14")
    mp = stored(data, "MP")
    # the economic return of 2026-08-10 (+1%), not the printed halving
    assert mp.at[SPLIT, "close"] / mp.at[pd.Timestamp("2026-08-07"), "close"] == pytest.approx(1.01)
    assert "split 2:1 on 2026-08-10 adjusted here" in report.summary()


def test_an_unadjusted_split_without_a_split_column_is_refused_until_accepted(data, fake, monkeypatch, capsys):
    fake.unadjusted = True
    monkeypatch.setattr(_yahoo, "download", fake)
    assert main(["prices", "update", "--tickers", "MP,SPY"]) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.strip().splitlines()
    assert "refused MP: MP 2026-08-10: close x0.5050 (looks like a 2:1 split)" in line
    assert "--accept MP:2026-08-10" in line and "1 other ticker(s) updated" in line
    assert "MP       refused" in captured.out  # the summary first, on stdout
    assert sorted(snapshot_of(data)) == ["SPY.parquet"]
    assert main(["prices", "update", "--tickers", "MP", "--accept", "MP:2026-08-10"]) == 0
    mp = stored(data, "MP")
    assert mp.at[SPLIT, "close"] / mp.at[pd.Timestamp("2026-08-07"), "close"] == pytest.approx(0.505)
    accepted = pd.read_csv(data / "prices" / "accepted.csv", dtype=str)
    assert accepted[["ticker", "session"]].values.tolist() == [["MP", "2026-08-10"]]
    assert cli(["prices", "update", "--tickers", "MP", "--accept", "MP:2026-08-11x"]) == 2  # checked while parsing


def test_a_move_far_beyond_the_tickers_volatility_is_refused(data, fake):
    fake.paths["MP"][pd.Timestamp("2026-08-12")] *= 2.5  # +150% on one day, back the next: no split ratio
    with pytest.raises(UpdateRefused, match=r"MP 2026-08-12: close x2\.46\d+ \(\d+ times its daily volatility"):
        update_prices(["MP"], downloader=fake, today="2026-08-14")
    report = update_prices(["MP"], downloader=fake, today="2026-08-14", accept=["MP:2026-08-12", "MP:2026-08-13"])
    assert report.updates[0].written and "jump accepted: MP 2026-08-12" in report.summary()


def test_utc_instants_map_to_each_exchanges_local_sessions(data):
    """yfinance without ignore_tz converts every symbol to one zone: Sydney's midnight is the day before in UTC."""
    from signals import exchange_sessions

    history = bundled("LYC")["close"]
    sessions = exchange_sessions("XASX", "2026-06-30")
    new = sessions[(sessions > history.index[-1]) & (sessions <= pd.Timestamp("2026-06-19"))]
    days = [*history.index[-OVERLAP:], *new]
    closes = np.r_[history.iloc[-OVERLAP:].to_numpy(), history.iloc[-1] * 1.01 ** np.arange(1, len(new) + 1)]

    def downloader(symbols, start, end):
        index = pd.DatetimeIndex(days).tz_localize("Australia/Sydney").tz_convert("UTC")
        assert (index.normalize() != pd.DatetimeIndex(days).tz_localize("UTC")).all()  # every UTC date is a day early
        columns = pd.MultiIndex.from_product([FIELDS, ["LYC.AX"]], names=["Price", "Ticker"])
        frame = pd.DataFrame({(f, "LYC.AX"): closes if f != "Volume" else 1.0 for f in FIELDS}, index=index)
        return _yahoo.from_yfinance(frame[columns], ["LYC.AX"])

    update_prices(["LYC"], downloader=downloader, today="2026-06-19")
    lyc = stored(data, "LYC")
    assert list(lyc.index[-len(new) :]) == list(new)  # Sydney's own dates
    assert lyc["close"].iloc[-1] == pytest.approx(history.iloc[-1] * 1.01 ** len(new))


def test_an_unreadable_store_file_names_itself_and_the_fix(data, fake, monkeypatch, capsys):
    update_prices(["MP", "SPY"], downloader=fake, today="2026-08-14")
    (data / "prices" / "MP.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(PriceDataError, match="reelab prices update --tickers MP --rebuild") as error:
        load_prices(["MP", "SPY"])
    assert str(data / "prices" / "MP.parquet") in str(error.value)
    assert load_prices(["SPY"]).index[-1] == pd.Timestamp("2026-08-14")  # only the tickers asked for are read
    monkeypatch.setattr(_yahoo, "download", fake)
    assert main(["prices", "update", "--tickers", "MP"]) == 2  # the update refuses too, and says how to repair
    assert "--rebuild" in capsys.readouterr().err
    assert main(["prices", "update", "--tickers", "MP", "--rebuild"]) == 0
    assert stored(data, "MP").index[-1] == pd.Timestamp("2026-08-14")


def cli(argv: list[str]) -> int:
    """The command line's exit code, a rejected argument (argparse's SystemExit) included."""
    try:
        return main(argv)
    except SystemExit as stop:
        return int(stop.code or 0)


def test_a_data_dir_that_is_a_file_is_one_line(tmp_path, monkeypatch, capsys):
    afile = tmp_path / "afile"
    afile.write_text("")
    assert cli(["prices", "update", "--tickers", "MP", "--data-dir", str(afile)]) == 2
    assert "is not a folder" in capsys.readouterr().err
    monkeypatch.setenv("REELAB_DATA", str(afile))
    assert main(["prices", "update", "--tickers", "MP"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert f"$REELAB_DATA {afile} is not a folder" in line
    with pytest.raises(ReelabError, match="is not a folder"):
        load_prices(["MP"])


def test_waiting_for_the_lock_is_one_line_and_bounded(data, fake, monkeypatch, capsys):
    monkeypatch.setattr(_yahoo, "download", fake)
    store = data / "prices"
    store.mkdir(parents=True)
    with locked(store):
        assert main(["prices", "update", "--tickers", "MP", "--wait", "0.3"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and f"locked by pid {os.getpid()} since" in lines[0] and "UTC" in lines[0]
    assert lines[0][:20].endswith("Z") and "WARNING reelab.locks" in lines[0]  # a UTC timestamp first
    assert lines[1].startswith("reelab: error:") and "after 0.3 s" in lines[1]
    assert snapshot_of(data) == {}
    assert main(["prices", "update", "--tickers", "MP"]) == 0
    assert sorted(snapshot_of(data)) == ["MP.parquet"]  # no lock file beside the user's files
    from signals._io import lock_path

    assert not lock_path(store).exists()  # and none left in the lock folder either


def test_a_lock_left_by_a_dead_process_is_free(data, fake, monkeypatch, capsys):
    """A lock file whose holder was killed (no flock held) stops nothing and is not waited for."""
    from signals._io import lock_path

    monkeypatch.setattr(_yahoo, "download", fake)
    store = data / "prices"
    store.mkdir(parents=True)
    path = lock_path(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("999999\t2026-12-01 22:30:00 UTC\tdead\n")  # as a SIGKILLed holder leaves it
    assert main(["prices", "update", "--tickers", "MP", "--wait", "5"]) == 0
    assert "waiting" not in capsys.readouterr().err and not path.exists()


def test_prices_verify_names_each_problem(data, fake, monkeypatch, capsys):
    monkeypatch.setattr(_yahoo, "download", fake)
    assert main(["prices", "update", "--tickers", "MP,SPY"]) == 0
    from backtests.prices._health import verify_prices

    now = pd.Timestamp("2026-08-15 12:00", tz="UTC")  # a Saturday: 08-14 is the last closed session
    report = verify_prices(["MP", "SPY", "LYC"], now=now)
    assert report.problems["MP"] == ()
    assert report.problems["SPY"] == ("1 session(s) without a price since 2026-07-31: 2026-08-05",)
    assert report.problems["LYC"] == ("not current: prices end 2026-06-04, XASX's last closed session is 2026-08-14",)
    (data / "prices" / "MP.parquet").write_bytes(b"garbage")
    report = verify_prices(["MP"], now=now)
    assert "is not readable" in report.problems["MP"][0] and report.tickers[0].source == "unreadable"
    assert main(["prices", "verify", "--tickers", "SPY"]) == 2  # today's real date: SPY is behind too
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("reelab: error: prices verify: problems in 1 ticker(s): SPY: 1 session(s) without")


def test_prices_verify_passes_after_an_accepted_jump(data, fake, monkeypatch):
    from backtests.prices._health import verify_prices

    fake.unadjusted = True
    update_prices(["MP"], downloader=fake, today="2026-08-14", accept=["MP:2026-08-10"])
    now = pd.Timestamp("2026-08-15 12:00", tz="UTC")
    assert verify_prices(["MP"], now=now).ok
    (data / "prices" / "accepted.csv").unlink()
    assert verify_prices(["MP"], now=now).problems["MP"] == (
        "jump not accepted: MP 2026-08-10: close x0.5050 (looks like a 2:1 split)",
    )
