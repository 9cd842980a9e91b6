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
    from tools.build_prices import build

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


# ---- files written by yfinance itself ------------------------------------------------------------
# The frames below are built with pandas exactly as yfinance 1.7 builds them (no network):
# scrapers/history.py (PriceHistory.history) localizes each daily bar to midnight in the exchange's
# zone, names the index "Date", adds Dividends and Stock Splits (actions=True), and with
# auto_adjust=True (the default) utils.auto_adjust scales Open/High/Low by Adj Close / Close and
# replaces Close by Adj Close, dropping it. multi.py (download) takes history(actions=False) per
# symbol, drops the zone (ignore_tz=True, the default for daily bars) or converts every symbol to the
# most common zone, reindexes all to the union of their dates (NaN where a symbol has no bar),
# concatenates with keys (names Ticker, Price), then swaps the levels to (Price, Ticker) and sorts
# them (group_by="column", the default). test_the_replica_is_what_yfinance_writes checks the replica
# against yfinance's own download code where yfinance is installed.

NEW_YORK, SYDNEY = "America/New_York", "Australia/Sydney"


def yf_history(dates, zone, close, auto_adjust=True, actions=True, adjustment=0.98) -> pd.DataFrame:
    """What ``yfinance.Ticker(symbol).history(...)`` returns for daily bars with these closes."""
    index = pd.to_datetime(dates).tz_localize(zone, ambiguous=True, nonexistent="shift_forward")
    close = np.asarray(close, dtype=float)
    frame = pd.DataFrame(
        {"Open": close * 0.99, "High": close * 1.02, "Low": close * 0.97, "Close": close,
         "Adj Close": close * adjustment, "Volume": np.arange(len(close)) * 100 + 10_000},
        index=index,
    )  # fmt: skip
    frame["Dividends"], frame["Stock Splits"] = 0.0, 0.0
    if auto_adjust:  # utils.auto_adjust
        ratio = (frame["Adj Close"] / frame["Close"]).to_numpy()
        order = frame.columns
        frame = frame.assign(Open=frame["Open"] * ratio, High=frame["High"] * ratio, Low=frame["Low"] * ratio)
        frame = frame.drop(columns="Close").rename(columns={"Adj Close": "Close"})
        frame = frame[[column for column in order if column in frame.columns]]
    frame["Volume"] = frame["Volume"].astype(np.int64)
    frame.index.name = "Date"
    return frame if actions else frame.drop(columns=["Dividends", "Stock Splits"])


def yf_download(histories: dict[str, pd.DataFrame], ignore_tz=True, group_by="column") -> pd.DataFrame:
    """What ``yfinance.download(symbols, ...)`` returns, from each symbol's ``history(actions=False)``."""
    frames = {symbol: frame.copy() for symbol, frame in histories.items()}
    if ignore_tz:
        for frame in frames.values():
            frame.index = frame.index.tz_localize(None)
    else:  # multi.reindex_dfs: every symbol in the most common zone (ties: the first name in sort order)
        zones, counts = np.unique([str(frame.index.tz) for frame in frames.values()], return_counts=True)
        for frame in frames.values():
            frame.index = frame.index.tz_convert(zones[counts.argmax()])
    union = None
    for frame in frames.values():
        union = frame.index if union is None else union.union(frame.index)
    frames = {symbol: frame.reindex(union) for symbol, frame in frames.items()}
    data = pd.concat(frames.values(), axis=1, sort=True, keys=frames.keys(), names=["Ticker", "Price"])
    if group_by == "column":
        data.columns = data.columns.swaplevel(0, 1)
        data = data.sort_index(level=0, axis=1)
    return data


#: MP around the start of US daylight saving (Sunday 2025-03-09): midnight New York is -05:00, then -04:00.
MP_DAYS = ["2025-03-05", "2025-03-06", "2025-03-07", "2025-03-10", "2025-03-11"]
MP_CLOSE = [17.10, 17.52, 18.05, 17.80, 18.40]
#: LYC around the end of Sydney's daylight saving (Sunday 2025-04-06): +11:00, then +10:00.
LYC_DAYS = ["2025-04-02", "2025-04-03", "2025-04-04", "2025-04-07", "2025-04-08"]
LYC_CLOSE = [7.10, 6.95, 6.60, 6.02, 6.31]


def test_the_replica_builds_the_csv_shapes_yfinance_users_have():
    history = yf_history(MP_DAYS, NEW_YORK, MP_CLOSE).to_csv()
    assert history.splitlines()[0] == "Date,Open,High,Low,Close,Volume,Dividends,Stock Splits"
    assert [line.split(",")[0] for line in history.splitlines()[3:5]] == [
        "2025-03-07 00:00:00-05:00",
        "2025-03-10 00:00:00-04:00",
    ]
    single = yf_download({"MP": yf_history(MP_DAYS, NEW_YORK, MP_CLOSE, actions=False)}).to_csv()
    # as users report it (yfinance issue #2269): one header row per column level, then the index's name
    lines = single.splitlines()
    assert lines[:3] == ["Price,Close,High,Low,Open,Volume", "Ticker,MP,MP,MP,MP,MP", "Date,,,,,"]
    assert lines[3].startswith("2025-03-05,") and lines[3].endswith(",10000") and len(lines) == 3 + len(MP_DAYS)


@pytest.mark.filterwarnings("ignore::DeprecationWarning:yfinance", "ignore::pandas.errors.Pandas4Warning:yfinance")
def test_the_replica_is_what_yfinance_writes(monkeypatch):
    yfinance = pytest.importorskip("yfinance")
    multi, utils = pytest.importorskip("yfinance.multi"), pytest.importorskip("yfinance.utils")

    histories = {
        "MP": yf_history(MP_DAYS, NEW_YORK, MP_CLOSE, auto_adjust=False),
        "LYC.AX": yf_history(LYC_DAYS, SYDNEY, LYC_CLOSE, auto_adjust=False),
    }

    class Ticker:  # yfinance's download() calls Ticker(symbol).history(...): answer offline
        def __init__(self, symbol):
            self.symbol, self._price_history = symbol, None

        def history(self, auto_adjust, actions, **options):
            frame = histories[self.symbol]
            frame = utils.auto_adjust(frame) if auto_adjust else frame
            return frame if actions else frame.drop(columns=["Dividends", "Stock Splits"])

    monkeypatch.setattr(multi, "Ticker", Ticker)
    for options in ({}, {"auto_adjust": False}, {"ignore_tz": False}, {"group_by": "ticker"}):
        real = yfinance.download(["MP", "LYC.AX"], progress=False, threads=False, **options)
        adjust = options.get("auto_adjust", True)
        order = dict.fromkeys(real.columns.get_level_values("Ticker"))  # download() goes through a set
        mine = {
            symbol: (utils.auto_adjust(histories[symbol]) if adjust else histories[symbol]).drop(
                columns=["Dividends", "Stock Splits"]
            )
            for symbol in order
        }
        replica = yf_download(mine, options.get("ignore_tz", True), options.get("group_by", "column"))
        assert replica.to_csv() == real.to_csv(), options
    mp_only = yf_history(MP_DAYS, NEW_YORK, MP_CLOSE)
    assert utils.auto_adjust(histories["MP"]).equals(mp_only)


def test_a_history_export_with_daylight_saving_offsets_is_read_on_new_york_sessions(tmp_path):
    yf_history(MP_DAYS, NEW_YORK, MP_CLOSE).to_csv(tmp_path / "MP.csv")
    close = load_price_dir(tmp_path, field="close")
    adjusted = load_price_dir(tmp_path, field="adj_close")
    expected = pd.to_datetime(MP_DAYS)  # midnight New York is that day, whatever its UTC offset
    assert list(close.index) == list(expected)
    np.testing.assert_allclose(close["MP"], np.array(MP_CLOSE) * 0.98)  # auto_adjust: Close is adjusted
    np.testing.assert_allclose(adjusted["MP"], close["MP"])  # so adj_close is Close


def test_a_history_export_with_adj_close_uses_it(tmp_path):
    yf_history(MP_DAYS, NEW_YORK, MP_CLOSE, auto_adjust=False).to_csv(tmp_path / "MP.csv")
    np.testing.assert_allclose(load_price_dir(tmp_path, field="adj_close")["MP"], np.array(MP_CLOSE) * 0.98)
    np.testing.assert_allclose(load_price_dir(tmp_path, field="close")["MP"], MP_CLOSE)


def test_a_history_export_of_lynas_is_read_on_sydney_sessions(tmp_path):
    yf_history(LYC_DAYS, SYDNEY, LYC_CLOSE).to_csv(tmp_path / "LYC.csv")
    text = (tmp_path / "LYC.csv").read_text()
    assert "2025-04-04 00:00:00+11:00" in text and "2025-04-07 00:00:00+10:00" in text
    close = load_price_dir(tmp_path, field="adj_close")
    assert list(close.index) == list(pd.to_datetime(LYC_DAYS))
    np.testing.assert_allclose(close["LYC"], np.array(LYC_CLOSE) * 0.98)


def test_utc_instants_of_a_sydney_ticker_keep_their_sydney_dates(tmp_path):
    # Sydney midnight is the day before in UTC: 13:00 UTC under daylight saving (+11:00), 14:00 after it.
    (tmp_path / "LYC.csv").write_text(
        "date,close,adj_close\n"
        "2025-03-06 13:00:00+00:00,7.0,7.0\n"  # Friday 2025-03-07 00:00 in Sydney (UTC date: the 6th)
        "2025-03-09T13:00:00Z,7.1,7.1\n"  # Monday 2025-03-10 00:00 (UTC: Sunday the 9th)
        "2025-03-11T05:00:00.000Z,7.2,7.2\n"  # Tuesday 2025-03-11 16:00, the close
        "2025-04-06T14:00:00Z,7.3,7.3\n"  # Monday 2025-04-07 00:00: +10:00 since 2025-04-06 03:00
    )
    close = load_price_dir(tmp_path, field="adj_close")
    assert [f"{day:%Y-%m-%d}" for day in close.index] == ["2025-03-07", "2025-03-10", "2025-03-11", "2025-04-07"]
    assert close.index.isin(exchange_calendar("XASX").sessions).all()


def test_validate_prices_puts_one_instant_on_each_exchanges_own_date():
    from backtests import validate_prices

    # 2025-03-07 02:00 UTC is Thursday 21:00 in New York and Friday 13:00 in Sydney.
    long = pd.DataFrame({"date": ["2025-03-07T02:00:00Z"] * 2, "ticker": ["MP", "LYC"], "close": [1.0, 2.0]})
    zones = {"MP": NEW_YORK, "LYC": SYDNEY}
    dated = validate_prices(long, "frame", UNIVERSE.index, zones=zones).set_index("ticker")["date"]
    assert dated.to_dict() == {"MP": pd.Timestamp("2025-03-06"), "LYC": pd.Timestamp("2025-03-07")}
    as_written = validate_prices(long, "frame", UNIVERSE.index)  # no zones: the date as written, as before
    assert (as_written["date"] == pd.Timestamp("2025-03-07")).all()


def test_any_zone_maps_to_the_exchanges_dates(tmp_path):
    # The same MP sessions written in Berlin time (a user's own zone, with its own daylight saving on
    # 2025-03-30), in UTC at the New York close, and in a fixed offset: all are New York's dates.
    days = ["2025-03-28", "2025-03-31", "2025-04-01"]
    berlin = pd.to_datetime(days).tz_localize(NEW_YORK).tz_convert("Europe/Berlin")  # 05:00 / 06:00 in Berlin
    for name, stamps in (
        ("berlin", [f"{stamp}" for stamp in berlin]),
        ("utc_close", ["2025-03-28T20:00:00Z", "2025-03-31T20:00:00Z", "2025-04-01T20:00:00Z"]),
        ("fixed", ["2025-03-28T09:30:00-0400", "2025-03-31T09:30:00-0400", "2025-04-01T09:30:00-0400"]),
    ):
        folder = tmp_path / name
        _write(folder, "MP", "date,close\n" + "".join(f"{stamp},{10 + i}\n" for i, stamp in enumerate(stamps)))
        assert [f"{day:%Y-%m-%d}" for day in load_price_dir(folder).index] == days, name
    assert str(berlin[0]).endswith("+01:00") and str(berlin[1]).endswith("+02:00")


def test_a_history_saved_as_parquet_keeps_its_zone_and_its_index(tmp_path):
    frame = yf_history(LYC_DAYS, SYDNEY, LYC_CLOSE)
    frame["Capital Gains"] = 0.0  # funds have it
    frame.to_parquet(tmp_path / "LYC.parquet")  # Date stays the index, tz-aware (Australia/Sydney)
    close = load_price_dir(tmp_path, field="adj_close")
    assert list(close.index) == list(pd.to_datetime(LYC_DAYS))
    np.testing.assert_allclose(close["LYC"], np.array(LYC_CLOSE) * 0.98)


def test_a_single_symbol_download_export_is_read(tmp_path):
    yf_download({"MP": yf_history(MP_DAYS, NEW_YORK, MP_CLOSE, actions=False)}).to_csv(tmp_path / "MP.csv")
    frame = load_price_dir(tmp_path, field="adj_close")  # no Adj Close: auto_adjust=True, Close is adjusted
    assert list(frame.index) == list(pd.to_datetime(MP_DAYS))
    np.testing.assert_allclose(frame["MP"], np.array(MP_CLOSE) * 0.98)
    np.testing.assert_allclose(load_price_dir(tmp_path, field="open")["MP"], np.array(MP_CLOSE) * 0.99 * 0.98)


@pytest.mark.parametrize("options", [{}, {"ignore_tz": False}, {"group_by": "ticker"}])
def test_a_multi_symbol_download_export_gives_each_ticker_its_symbol(tmp_path, caplog, options):
    histories = {
        "LYC.AX": yf_history(LYC_DAYS, SYDNEY, LYC_CLOSE, actions=False, auto_adjust=False),
        "MP": yf_history(MP_DAYS, NEW_YORK, MP_CLOSE, actions=False, auto_adjust=False),
    }
    export = yf_download(histories, **options)
    export.to_csv(tmp_path / "MP.csv")
    export.to_csv(tmp_path / "LYC.csv")  # LYC reads the columns of its Yahoo symbol, LYC.AX
    with caplog.at_level("WARNING", logger="reelab.prices"):
        frame = load_price_dir(tmp_path, field="adj_close")
    np.testing.assert_allclose(frame["MP"].dropna(), np.array(MP_CLOSE) * 0.98)
    np.testing.assert_allclose(frame["LYC"].dropna(), np.array(LYC_CLOSE) * 0.98)
    assert list(frame["MP"].dropna().index) == list(pd.to_datetime(MP_DAYS))
    assert list(frame["LYC"].dropna().index) == list(pd.to_datetime(LYC_DAYS))
    # each symbol's rows without prices (the other's dates) are dropped and said: one line per file
    lines = {record.getMessage() for record in caplog.records if record.name == "reelab.prices"}
    assert len(lines) == 2
    assert any("LYC.csv: dropped 5 row(s) where LYC.AX has no price" in line for line in lines)
    assert any("MP.csv: dropped 5 row(s) where MP has no price" in line for line in lines)


def test_a_download_row_with_some_prices_but_no_close_stays_an_error(tmp_path):
    export = yf_download({"MP": yf_history(MP_DAYS, NEW_YORK, MP_CLOSE, actions=False)})
    export.iloc[2, export.columns.get_loc(("Close", "MP"))] = np.nan
    export.to_csv(tmp_path / "MP.csv")
    with pytest.raises(
        PriceDataError, match=r"MP.csv: ticker MP: close must be positive and finite, got nan on 2025-03-07"
    ):
        load_price_dir(tmp_path)


def test_a_download_export_without_the_tickers_symbol_is_named(tmp_path):
    histories = {symbol: yf_history(MP_DAYS, NEW_YORK, MP_CLOSE, actions=False) for symbol in ("UUUU", "LYC.AX")}
    yf_download(histories).to_csv(tmp_path / "MP.csv")
    with pytest.raises(PriceDataError, match=r"MP.csv is a yfinance download of LYC.AX, UUUU; it has no columns of MP"):
        load_price_dir(tmp_path)
    (tmp_path / "MP.csv").rename(tmp_path / "LYC.csv")
    yf_download({"UUUU": histories["UUUU"]}).to_csv(tmp_path / "LYC.csv")  # one symbol, but not LYC's
    with pytest.raises(
        PriceDataError, match=r"LYC.csv is a yfinance download of UUUU; it has no columns of LYC.AX \(ticker LYC\)"
    ):
        load_price_dir(tmp_path)
    yf_download({"LYC": histories["UUUU"]}).to_csv(tmp_path / "LYC.csv")  # the ticker itself is accepted too
    assert len(load_price_dir(tmp_path)) == len(MP_DAYS)


@pytest.mark.parametrize(
    ("header", "column"),
    [("date,close,close", "close"), ("Date,Close,close", "close"), ("date,Adj Close,adj_close,close", "adj_close")],
)
def test_a_repeated_column_is_named(tmp_path, header, column):
    width = header.count(",")
    _write(tmp_path, "MP", f"{header}\n2025-01-02{',10' * width}\n")
    with pytest.raises(PriceDataError, match=rf"MP.csv has the column '{column}' twice"):
        load_price_dir(tmp_path)


def test_mixing_naive_and_aware_dates_is_named_with_an_example_of_each(tmp_path):
    _write(tmp_path, "MP", "date,close\n2025-01-02,10\n2025-01-03 00:00:00-05:00,11\n")
    with pytest.raises(
        PriceDataError,
        match=r"MP.csv: column 'date' mixes values without a time zone \('2025-01-02'\) "
        r"and with one \('2025-01-03 00:00:00-05:00'\)",
    ):
        load_price_dir(tmp_path)


def test_offsets_no_zone_has_are_refused(tmp_path):
    _write(tmp_path, "MP", "date,close\n2025-01-02T00:00:00-05:00,10\n2025-01-03T00:00:00+08:00,11\n")
    with pytest.raises(PriceDataError, match=r"MP.csv: column 'date' mixes time zones"):
        load_price_dir(tmp_path)


def test_dates_written_as_midnight_utc_are_refused_where_they_would_move_a_day(tmp_path):
    _write(tmp_path, "MP", "date,close\n2025-01-03T00:00:00Z,10\n2025-01-06T00:00:00Z,11\n")
    with pytest.raises(PriceDataError, match=r"'2025-01-03T00:00:00Z' is 2025-01-02 19:00 in America/New_York"):
        load_price_dir(tmp_path)
    _write(tmp_path, "LYC", "date,close\n2025-01-03T00:00:00Z,10\n2025-01-06T00:00:00Z,11\n")
    lynas = load_price_dir(tmp_path, tickers=["LYC"])  # 11:00 in Sydney: the same day
    assert [f"{day:%Y-%m-%d}" for day in lynas.index] == ["2025-01-03", "2025-01-06"]


def test_an_empty_date_is_an_error(tmp_path):
    _write(tmp_path, "MP", "date,close\n2025-01-02,10\n,11\n")
    with pytest.raises(
        PriceDataError, match=r"MP.csv: column 'date' is empty in 1 row\(s\) \(the first after 2025-01-02\)"
    ):
        load_price_dir(tmp_path)


def test_a_command_reads_only_the_tickers_it_asks_for(tmp_path):
    _write(tmp_path, "MP", "date,close\n2025-01-02,10\n2025-01-03,11\n")
    (tmp_path / "LYC.csv").write_bytes(bytes(range(256)))  # broken: not even text
    assert load_price_dir(tmp_path, tickers=["MP"])["MP"].tolist() == [10, 11]
    assert load_prices(["MP"], source=tmp_path)["MP"].tolist() == [10, 11]
    with pytest.raises(Exception, match=r"LYC\.csv"):
        load_price_dir(tmp_path)  # all of the folder: LYC.csv is read, and refused by name
    with pytest.raises(UnknownTickerError, match=r"'UUUU'; expected one of: LYC, MP"):
        load_price_dir(tmp_path, tickers=["MP", "UUUU"])
    (tmp_path / "ZZZZ.csv").write_text("date,close\n2025-01-02,10\n")
    with pytest.raises(UnknownTickerError, match="'ZZZZ'"):  # every file's name is still a ticker
        load_price_dir(tmp_path, tickers=["MP"])


def test_a_run_from_the_command_line_on_yfinance_exports(tmp_path):
    from backtests.cli import main

    bundled = load_prices(["MP"], start="2025-01-01", end="2025-12-31", field="adj_close")["MP"].dropna()
    days = [f"{day:%Y-%m-%d}" for day in bundled.index]
    yf_history(days, NEW_YORK, bundled.to_numpy() / 0.98).to_csv(tmp_path / "MP.csv")
    arguments = ["run", "--tickers", "MP", "--start", "2025-01-01", "--end", "2025-12-31", "--placebo", "0"]
    assert main([*arguments, "--prices", str(tmp_path), "--out", str(tmp_path / "folder")]) == 0
    assert main([*arguments, "--out", str(tmp_path / "bundled")]) == 0
    # the export holds the bundled adjusted closes (auto_adjust): the same run, session for session
    mine = pd.read_csv(tmp_path / "folder" / "equity.csv")
    reference = pd.read_csv(tmp_path / "bundled" / "equity.csv")
    pd.testing.assert_frame_equal(mine, reference, rtol=1e-12)


def test_a_price_source_is_read_once_and_recorded_as_given(tmp_path):
    from backtests import RunSpec
    from backtests.prices._load import PriceSource

    assert PriceSource.of(None) == PriceSource() and PriceSource.of("bundled") == PriceSource(bundled=True)
    assert PriceSource.of(tmp_path) == PriceSource(folder=tmp_path) == PriceSource.of(str(tmp_path))
    for given in (None, "bundled", str(tmp_path)):
        source = PriceSource.of(given)
        assert source.to_record() == given and PriceSource.of(source.to_record()) == source
        assert RunSpec.from_dict(RunSpec(prices=given).to_dict()).prices == source
    assert PriceSource(bundled=True).describe() == "in the bundled prices"
    assert PriceSource().describe() == "in the bundled prices and the price store"
    with pytest.raises(ParameterError, match="prices"):
        PriceSource.of(3)
    pd.testing.assert_frame_equal(PriceSource(bundled=True).load(["MP"], "2025-01-02", "2025-01-10"),
                                  load_prices(["MP"], "2025-01-02", "2025-01-10", source="bundled"))  # fmt: skip
