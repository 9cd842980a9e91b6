from __future__ import annotations

import pandas as pd
import pytest

from signals import ChinaExposure, load_universe, select_tickers
from signals._universe import EXCHANGE_TERMS, stamp_duty_rates
from signals.errors import ReelabError, UniverseError, UnknownTickerError

REQUIRED = ["MP", "LYC", "ILU", "ARU", "UUUU", "USAR", "TMC", "REMX", "600111", "600392", "000831", "300748"]


def test_shipped_universe_has_the_required_assets_and_benchmarks():
    universe = load_universe()
    assert {*REQUIRED, "SPY", "ASX200", "CSI300"} <= set(universe.index)
    assert set(universe["china_exposure"]) <= {kind.value for kind in ChinaExposure}
    assert universe.loc["LYC", "exchange"] == "XASX" and universe.loc["300748", "exchange"] == "XSHE"
    assert universe.loc["300748", "board"] == "ChiNext" and universe.loc["600111", "exchange"] == "XSHG"
    assert universe.loc["MP", "benchmark"] == "SPY" and universe.loc["600111", "benchmark"] == "CSI300"
    assert universe.loc["MP", "china_exposure"] == "ex_china_producer"
    assert universe.loc["300748", "china_exposure"] == "china_magnet_maker"


def test_unknown_ticker_error_lists_valid_tickers():
    with pytest.raises(UnknownTickerError, match=r"unknown ticker\(s\) 'XYZ'; expected one of: MP"):
        select_tickers(load_universe(), ["MP", "XYZ"])


def test_bad_universe_file(tmp_path):
    path = tmp_path / "universe.csv"
    path.write_text("ticker,name,exchange,currency,segment,china_exposure,benchmark\nAAA,A,XLON,GBP,x,etf,AAA\n")
    with pytest.raises(UniverseError, match="line 2: unknown exchange 'XLON'"):
        load_universe(path)
    path.write_text("ticker,name,exchange,currency,segment,china_exposure,benchmark\nAAA,A,XNYS,USD,x,maybe,AAA\n")
    with pytest.raises(UniverseError, match="unknown china_exposure 'maybe'"):
        load_universe(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"ticker,name\ncaf\xe9,x\n", "not UTF-8: byte 15"), ("ticker,name\n".encode("utf-16"), "UTF-16"),
     (b"\x00\x01\x02", "not text"), (b"a,b\n\"1,2\n", "not valid CSV")],
)  # fmt: skip
def test_a_universe_file_that_is_not_a_csv_text_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "universe.csv"
    path.write_bytes(content)
    with pytest.raises(ReelabError, match=message):
        load_universe(path)
    with pytest.raises(ReelabError, match="is a folder"):
        load_universe(tmp_path)


@pytest.mark.parametrize(
    ("span", "message"),
    [
        ("2013-2-8,", "valid_from '2013-2-8' is not a date YYYY-MM-DD"),
        ("2020-01-02,2019-01-02", "valid_from 2020-01-02 is after valid_to 2019-01-02"),
    ],
)
def test_bad_identity_span(tmp_path, span, message):
    path = tmp_path / "universe.csv"
    path.write_text(
        "ticker,name,exchange,currency,segment,china_exposure,benchmark,valid_from,valid_to\n"
        f"AAA,A,XNAS,USD,x,etf,AAA,{span}\n"
    )
    with pytest.raises(UniverseError, match=f"line 2: {message}"):
        load_universe(path)


def test_shipped_trading_terms_are_each_exchanges_documented_defaults():
    """Lots of 100 and China's stamp duty in Shanghai and Shenzhen, A-shares not shortable; 1-share lots elsewhere."""
    universe = load_universe()
    terms = ["lot_size", "commission", "stamp_duty", "shortable", "borrow_fee"]
    a_share = universe.loc["600111", terms].tolist()
    assert a_share == [100, 0.0003, "china", False, 0.08]
    assert universe.loc["000831", terms].tolist() == a_share  # Shenzhen
    assert universe.loc["MP", terms].tolist() == [1, 0.0005, "none", True, 0.005]
    assert universe.loc["LYC", terms].tolist() == [1, 0.001, "none", True, 0.005]
    for ticker, row in universe.iterrows():  # every row as its exchange's defaults: nothing set by hand
        assert row[terms].tolist() == [EXCHANGE_TERMS[row["exchange"]][name] for name in terms], ticker


def test_missing_or_empty_terms_take_the_exchange_default_and_bad_ones_are_named(tmp_path):
    path = tmp_path / "universe.csv"
    head = "ticker,name,exchange,currency,segment,china_exposure,benchmark"
    path.write_text(f"{head}\nAAA,A,XSHG,CNY,x,china_producer,AAA\nBBB,B,XNAS,USD,x,etf,BBB\n")
    universe = load_universe(path)
    assert universe.at["AAA", "lot_size"] == 100 and not universe.at["AAA", "shortable"]
    assert universe.at["BBB", "stamp_duty"] == "none" and universe.at["BBB", "borrow_fee"] == 0.005
    path.write_text(f"{head},lot_size,shortable\nAAA,A,XSHG,CNY,x,china_producer,AAA,,yes\n")
    assert load_universe(path).at["AAA", "shortable"] and load_universe(path).at["AAA", "lot_size"] == 100
    bad = [(",lot_size\nAAA,A,XSHG,CNY,x,etf,AAA,1.5", "lot_size '1.5' is not a whole number"),
           (",shortable\nAAA,A,XSHG,CNY,x,etf,AAA,maybe", "shortable 'maybe' is not yes or no"),
           (",commission\nAAA,A,XNAS,USD,x,etf,AAA,0.5", r"commission '0.5' is not a fraction in \[0, 0.1\)"),
           (",stamp_duty\nAAA,A,XNAS,USD,x,etf,AAA,uk", "stamp_duty 'uk' is not a schedule")]  # fmt: skip
    for cells, message in bad:
        path.write_text(head + cells + "\n")
        with pytest.raises(UniverseError, match=f"line 2: {message}"):
            load_universe(path)


def test_the_stamp_duty_halves_on_2023_08_28():
    """MOF-STA Announcement [2023] No. 39: 0.1% of a sell's value through 2023-08-27, 0.05% from 2023-08-28."""
    days = pd.DatetimeIndex(["2015-06-01", "2023-08-25", "2023-08-27", "2023-08-28", "2026-01-05"])
    assert stamp_duty_rates("china", days).tolist() == [0.001, 0.001, 0.001, 0.0005, 0.0005]
    assert stamp_duty_rates("none", days).tolist() == [0.0] * 5
