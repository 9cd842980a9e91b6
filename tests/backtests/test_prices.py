from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtests import load_price_dir, load_prices
from signals import exchange_calendar, load_universe
from signals.errors import ParameterError, PriceDataError, UnknownTickerError

from ..conftest import SHARED

UNIVERSE = load_universe()


@pytest.fixture(scope="module")
def snapshot():
    return pd.read_parquet(__import__("seeds").path("prices.parquet"))


def test_wide_frame_shape_and_contract():
    close = load_prices()
    assert list(close.columns) == list(UNIVERSE.index)
    assert close.index.is_monotonic_increasing and close.index.is_unique
    values = close.to_numpy()
    assert (values[~np.isnan(values)] > 0).all()
    assert close.index[0] >= pd.Timestamp("2009-01-01")


def test_each_series_keeps_its_own_exchange_sessions():
    close = load_prices()
    for ticker, code in UNIVERSE["exchange"].items():
        days = close[ticker].dropna().index
        assert days.isin(exchange_calendar(code).sessions).all(), ticker


def test_manifest_defects_are_fixed(snapshot):
    by_ticker = snapshot.groupby("ticker")["date"]
    us = UNIVERSE.index[UNIVERSE["source_file"].str.startswith("us_adjclose")]
    assert (by_ticker.max()[us] == pd.Timestamp("2026-07-31")).all()  # intraday 2026-08-03 row dropped
    assert by_ticker.min()["USAR"] == pd.Timestamp("2025-03-14")  # SPAC history dropped
    assert not ((snapshot["ticker"] == "CSI300") & (snapshot["date"] == "2015-01-01")).any()
    lynas = snapshot[snapshot["ticker"] == "LYC"].set_index("date")
    assert (lynas["low"] <= lynas[["open", "close"]].min(axis=1) + 1e-9).all()  # ASX columns read by name
    assert (lynas["high"] >= lynas[["open", "close"]].max(axis=1) - 1e-9).all()
    jl_mag = snapshot[snapshot["ticker"] == "300748"]
    assert jl_mag["date"].min() >= pd.Timestamp("2022-01-01")  # no inconsistent 2019-2021 qfq rows
    assert set(snapshot["adjustment"]) == {"split_dividend", "none", "index", "qfq", "raw_returns", "corporate_action"}


def test_a_share_returns_respect_daily_limits_on_qfq_rows(snapshot):
    shares = snapshot[snapshot["adjustment"].isin(["qfq", "raw_returns"])].copy()
    shares["return"] = shares.groupby("ticker")["adj_close"].pct_change()
    limit = np.where(shares["ticker"].str.startswith("300"), 0.20, 0.10)
    beyond = shares[shares["return"].abs() > limit + 0.011]  # qfq rounding stays within ~1%
    assert beyond.empty, beyond[["date", "ticker", "return"]]


@pytest.mark.skipif(not (SHARED / "data" / "raw").is_dir(), reason="shared/data/raw is not beside the checkout")
def test_snapshot_rebuilds_identically_from_raw(tmp_path, snapshot):
    from seeds.build_prices import build

    _, report = build(SHARED / "data" / "raw", tmp_path / "prices.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "prices.parquet"), snapshot)
    assert any("SPAC" in line for line in report) and any("stitched" in line for line in report)


def test_selection_window_and_fields():
    frame = load_prices(["MP", "LYC"], start="2025-04-01", end="2025-04-30", field="adj_close")
    assert list(frame.columns) == ["MP", "LYC"]
    assert frame.index.min() >= pd.Timestamp("2025-04-01") and frame.index.max() <= pd.Timestamp("2025-04-30")
    assert load_prices("LYC", field="volume").notna().any().all()


def test_bad_arguments_raise_specific_errors():
    with pytest.raises(UnknownTickerError, match="'NOPE'"):
        load_prices(["MP", "NOPE"])
    with pytest.raises(ParameterError, match="'start' = 'yesterday-ish'"):
        load_prices(start="yesterday-ish")
    with pytest.raises(ParameterError, match="'field' = 'vwap'"):
        load_prices(field="vwap")


def _write(folder, ticker, text):
    folder.mkdir(exist_ok=True)
    (folder / f"{ticker}.csv").write_text(text)


def test_user_price_folder_loads_and_validates(tmp_path):
    folder = tmp_path / "prices"
    _write(folder, "MP", "date,close\n2025-01-02,10\n2025-01-03,11\n")
    _write(folder, "LYC", "date,close\n2025-01-02,7\n2025-01-03,7.5\n")
    frame = load_price_dir(folder)
    assert frame.loc["2025-01-03", "MP"] == 11 and frame.shape == (2, 2)


@pytest.mark.parametrize(
    ("text", "ticker", "error", "message"),
    [
        ("date,close\n2025-01-03,10\n2025-01-02,11\n", "MP", PriceDataError, "MP: dates not increasing at 2025-01-02"),
        ("date,close\n2025-01-02,10\n2025-01-02,11\n", "MP", PriceDataError, "MP: duplicate date 2025-01-02"),
        ("date,close\n2025-01-02,10\n2025-01-03,-1\n", "MP", PriceDataError, r"close must be positive.*-1"),
        (
            "date,close\n2025-01-02,10\n2025-01-03,\n",
            "MP",
            PriceDataError,
            "close must be positive and finite, got nan",
        ),
        ("date,close\n2025-01-02,10\n2025-01-03,inf\n", "MP", PriceDataError, "close must be positive and finite"),
        ("date,close\nnot-a-date,10\n", "MP", PriceDataError, "holds .not-a-date., not a date"),
        ("date,price\n2025-01-02,10\n", "MP", PriceDataError, "missing column 'close'"),
        ("date,close\n2025-01-02,10\n", "ZZZZ", UnknownTickerError, "'ZZZZ'"),
    ],
)
def test_user_price_folder_errors(tmp_path, text, ticker, error, message):
    folder = tmp_path / "prices"
    _write(folder, ticker, text)
    with pytest.raises(error, match=message):
        load_price_dir(folder)


def test_missing_or_empty_price_folder(tmp_path):
    with pytest.raises(PriceDataError, match="does not exist"):
        load_price_dir(tmp_path / "nowhere")
    with pytest.raises(PriceDataError, match=r"no \.csv or \.parquet"):
        load_price_dir(tmp_path)


def test_missing_files_are_reelab_errors(tmp_path):
    from signals import load_events, load_universe
    from signals.errors import MissingFileError, ReelabError

    for load, name in ((load_events, "missing.yaml"), (load_universe, "nope.csv")):
        with pytest.raises(ReelabError, match=f"'{tmp_path / name}' not found") as caught:
            load(tmp_path / name)
        assert isinstance(caught.value, MissingFileError) and isinstance(caught.value, FileNotFoundError)


def test_a_yahoo_shaped_csv_is_read_as_it_is(tmp_path):
    (tmp_path / "MP.csv").write_text(
        "Date,Open,High,Low,Close,Adj Close,Volume\n"
        "2025-01-02,20.1,21.0,19.8,20.5,20.4,1000\n2025-01-03,20.5,22.0,20.0,21.5,21.4,1200\n"
    )
    close = load_price_dir(tmp_path, field="adj_close")
    assert close["MP"].tolist() == [20.4, 21.4]
    (tmp_path / "MP.csv").write_text("Day,Close\n2025-01-02,20.5\n")
    with pytest.raises(PriceDataError, match=r"MP.csv: missing column 'date' \(found: day, close\)"):
        load_price_dir(tmp_path)


def test_two_files_for_one_ticker_are_named(tmp_path):
    (tmp_path / "MP.csv").write_text("date,close\n2025-01-02,20.5\n")
    pd.DataFrame({"date": ["2025-01-02"], "close": [20.5]}).to_parquet(tmp_path / "MP.parquet")
    with pytest.raises(PriceDataError, match=r"MP has two price files, .*MP.csv and .*MP.parquet"):
        load_price_dir(tmp_path)
