from __future__ import annotations

import pytest

from signals import ChinaExposure, load_universe, select_tickers
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
