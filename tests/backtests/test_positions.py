"""Research-to-production parity: today's positions are the backtest's positions, for every template.

Positions trade whole board lots: they are the backtest with ``lots`` on, under flat or desk costs."""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backtests import Costs, MarketData, RunSpec, ops
from backtests.cli import main
from backtests.ops._positions import COLUMNS, StalePricesError
from signals.errors import ParameterError

pytestmark = pytest.mark.slow  # positions against the backtest, by hypothesis

START, END = "2024-06-01", "2025-12-31"
#: Each template on a few assets over 19 months that hold tightenings, permits and a truce window.
SPECS = {
    "event_drift": RunSpec("event_drift", {"stop_loss": 0.08}, ("MP", "LYC", "600111"), START, END),
    "permit_fade": RunSpec("permit_fade", {}, ("MP", "LYC", "ILU"), START, END),
    "regime_tilt": RunSpec("regime_tilt", {}, ("MP", "LYC", "600111", "300748"), START, END),
    "relative_value": RunSpec("relative_value", {"longs": ("MP", "LYC")}, ("MP", "LYC", "REMX"), START, END),
    "window_optionality": RunSpec("window_optionality", {}, ("MP", "LYC"), START, END),
    # The desk's costs: commission per exchange, stamp duty on A-share sells, borrow on MP's and LYC's shorts
    # (600111 is not shortable: its shorts are skipped).
    "event_drift desk": RunSpec(
        "event_drift",
        {"stop_loss": 0.08, "allow_short": True},
        ("MP", "LYC", "600111"),
        START,
        END,
        Costs(model="desk"),
    ),
    "regime_tilt desk": RunSpec("regime_tilt", {}, ("MP", "LYC", "600111", "300748"), START, END, Costs(model="desk")),
}


def _lots(spec: RunSpec) -> RunSpec:
    """The backtest positions are: ``spec`` with its orders rounded to whole lots."""
    return replace(spec, costs=replace(spec.costs, lots=True))


@functools.cache
def _full(template: str):
    spec = SPECS[template]
    data = MarketData.load(spec)
    return data, ops.run(_lots(spec), data)


@pytest.mark.parametrize("template", sorted(SPECS))
@settings(max_examples=4, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(min_value=30, max_value=10_000))
def test_positions_asof_t_are_the_backtests_positions_at_t(template, position):
    """For sessions t sampled by hypothesis, positions(asof=t) holds what the full backtest (with lots)
    held after t's close, in whole lots of each asset.

    The full backtest saw every later price and event; positions(asof=t) saw only prices through t
    and events known by midnight UTC after t. Equal holdings mean nothing later reached t.
    """
    data, full = _full(template)
    sessions = data.close.index
    t = sessions[position % (len(sessions) - 1)]
    today = ops.positions(SPECS[template], t, data)
    table = today.frame.set_index("column")
    held = table["units"]
    at_t = full.holdings.loc[t].astype(float)
    known = held.index.intersection(at_t.index)  # option contracts written after t are not known at t
    np.testing.assert_allclose(held[known], at_t[known], rtol=1e-9, atol=1e-9, err_msg=f"{template} {t}")
    assert (at_t.drop(known) == 0).all(), f"{template} {t}: the backtest held {at_t.drop(known)[lambda x: x != 0]}"
    assert (held.drop(known) == 0).all()
    assets = table[table["lot_size"].notna()]  # option contracts are synthetic: not rounded
    for units in ("units", "order_units", "target_units"):
        assert (assets[units] % assets["lot_size"].astype(float) == 0).all(), assets[[units, "lot_size"]]
    # An asset with no order keeps its sleeve's cash: the backtest's after t's close.
    still = assets[(assets["order"] == "none") & assets.index.isin(full.cash.columns)]
    np.testing.assert_allclose(still["cash_left"], full.cash.loc[t, still.index].astype(float), rtol=1e-9)


def test_next_session_orders_match_what_the_backtest_did_next():
    """Without stops, event_drift's next-session orders depend on no price: entries and time exits.

    On the sessions of 2025 where MP or LYC changed hands in the full backtest, the order
    predicted the evening before (events known by midnight UTC) has the same direction, unless
    the trade's event was announced overnight, after that cut-off (Asian daytime news before the
    New York open): no evening job could have known it, and the test counts those apart.
    """
    spec = RunSpec("event_drift", {}, ("MP", "LYC"), "2025-01-01", "2025-12-31")
    data = MarketData.load(spec)
    full = ops.run(spec, data)
    knowable = {event.id: event.knowable_at() for event in data.calendar}
    change = full.holdings.diff().fillna(full.holdings)
    checked, overnight = 0, 0
    for day in change.index[(change != 0).any(axis=1)][:10]:
        before = data.close.index[data.close.index.get_loc(day) - 1]
        cutoff = (before + pd.Timedelta(days=1)).tz_localize("UTC")
        orders = ops.positions(spec, before, data).frame.set_index("column")
        for column in ("MP", "LYC"):
            if orders.at[column, "next_session"] != f"{day:%Y-%m-%d}":
                continue  # the asset's exchange is closed on that day; its own next session comes later
            entered = full.trades[(full.trades["asset"] == column) & (full.trades["entry_session"] == day)]
            events = [e for ids in entered["event_ids"] for e in ids.split(";")]
            if any(knowable[e] > cutoff for e in events):
                overnight += 1
                continue
            moved = change.at[day, column]
            expected = "none" if moved == 0 else ("buy" if moved > 0 else "sell")
            assert orders.at[column, "order"] == expected, (day, column, orders.loc[column].to_dict())
            checked += 1
    assert checked >= 6, (checked, overnight)


def test_positions_reruns_are_byte_identical_and_bad_dates_are_errors(tmp_path, capsys):
    arguments = ["positions", "--tickers", "MP,LYC", "--asof", "2025-10-10", "--out", str(tmp_path)]
    assert main(arguments) == 0
    folder = tmp_path / "positions-event_drift-2025-10-10"
    first = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert main(arguments) == 0
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == first
    manifest = ops.PositionsResult.load(folder).manifest
    assert manifest["events_known_by"] == "2025-10-11T00:00:00+00:00"
    assert "2025-10-09-RT" in manifest["events_used"] and manifest["inputs"]["prices"]["sha256"]
    capsys.readouterr()
    assert main(["positions", "--tickers", "MP", "--asof", "2026-11-20", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "MP (prices end 2026-07-31" in error and "reelab prices update" in error
    with pytest.raises(ParameterError, match="asof"):
        ops.positions(RunSpec(tickers=("MP",)), "1999-01-04")
    for bad, said in ((["--terms", "XYZ:lot_size=1"], "a ticker of the universe or an exchange"),
                      (["--terms", "XSHG:lot_size=0"], "lot_size '0' is not a whole number"),
                      (["--costs", "broker"], "invalid choice: 'broker'")):  # fmt: skip
        with pytest.raises(SystemExit) as stop:  # refused while parsing, before any work
            main([*arguments, *bad])
        assert stop.value.code == 2
        error = capsys.readouterr().err.strip()
        assert "\n" not in error and said in error, error


def test_orders_are_whole_lots_with_the_cash_left_and_one_name_column():
    """A desk trades whole shares, A-shares in lots of 100: positions.csv says so, with each sleeve's cash left."""
    data, _ = _full("event_drift")
    result = ops.positions(SPECS["event_drift"], "2025-10-10", data)
    text = result.files()["positions.csv"].decode()
    header, *rows = text.splitlines()
    assert header.split(",") == COLUMNS and "asset" not in header.split(",")
    table = result.frame.set_index("column")
    assert table["lot_size"].to_dict() == {"MP": 1, "LYC": 1, "600111": 100}
    assert table.at["MP", "units"] > 0 and table.at["MP", "units"] == int(table.at["MP", "units"])
    mp = next(row for row in rows if row.startswith("MP,")).split(",")
    assert mp[3] == f"{table.at['MP', 'units']:.0f}"  # whole shares, written as such: no "2390.057515"
    # The cash a lot could not use: under one share's cost (fee included), never negative.
    assert 0 <= table.at["MP", "cash_left"] < table.at["MP", "last_close"] * 1.01
    assert result.manifest["cash_left"]["MP"] == pytest.approx(table.at["MP", "cash_left"])
    assert result.manifest["spec"]["lots"] is True and result.manifest["trading_costs"]["lots"] is True
    assert "cash left" in result.summary()


def test_a_revision_after_asof_is_not_used(write_events):
    """An event revised after t is seen at t as it was first known (point-in-time)."""
    from signals import load_events

    calendar = load_events(
        write_events(
            {"id": "x", "announced": "2025-04-04", "severity": "3", "tz": "Asia/Shanghai"},
            {"id": "x", "announced": "2025-04-04", "severity": "1", "tz": "Asia/Shanghai", "known": "2025-04-20"},
            header=["id", "type", "announced", "tz", "window_end", "direction", "severity", "source", "known"],
        )
    )
    spec = RunSpec("event_drift", {}, ("MP",), "2025-03-01", "2025-05-30")
    data = MarketData.load(spec, calendar=calendar)
    today = ops.positions(spec, "2025-04-10", data)
    assert today.manifest["events_used"] == ["x"]
    # Severity 3 passes min_severity 2: MP entered on 04-04 and still holds on 04-10 (horizon 10).
    assert today.frame.set_index("column").at["MP", "position"] == "long"
    pd.testing.assert_series_equal(
        today.frame.set_index("column")["units"],
        _full_holdings(spec, data).loc[pd.Timestamp("2025-04-10")].rename("units").rename_axis("column"),
        check_dtype=False,
    )


def _full_holdings(spec, data):
    return ops.run(_lots(spec), data).holdings


def test_asof_on_a_day_without_a_session_holds_the_last_sessions_positions():
    """A Saturday, or a holiday, is a valid asof: nothing traded since Friday's close."""
    spec = SPECS["event_drift"]
    data, _ = _full("event_drift")
    friday = ops.positions(spec, "2025-10-10", data).frame
    saturday = ops.positions(spec, "2025-10-11", data).frame
    columns = ["column", "units", "last_close"]
    pd.testing.assert_frame_equal(friday[columns], saturday[columns])


def test_a_stale_asset_is_left_out_by_name_and_strict_refuses_it(caplog):
    """Stale prices never pass as today's positions: an asset without each of its sessions through asof is
    left out, named in a warning and in the manifest; the others are the backtest of the current assets."""
    spec = RunSpec("event_drift", {}, ("MP", "LYC"), "2025-01-01")
    data = MarketData.load(spec)
    cut = MarketData(data.calendar, data.universe, data.close.assign(LYC=data.close["LYC"].loc[:"2025-10-06"]))
    with caplog.at_level("WARNING", logger="reelab.positions"):
        result = ops.positions(spec, "2025-10-10", cut)
    stale = "LYC (prices end 2025-10-06, 4 session(s) missing)"
    assert caplog.messages == [f"excluded: {stale}"]
    assert result.manifest["excluded"] == [stale]
    assert list(result.frame["column"]) == ["MP"]
    alone = ops.positions(replace(spec, tickers=("MP",)), "2025-10-10")
    pd.testing.assert_frame_equal(result.frame, alone.frame)  # each asset is its own sleeve
    with pytest.raises(StalePricesError, match=r"LYC \(prices end 2025-10-06, 4 session\(s\) missing\).*--strict"):
        ops.positions(spec, "2025-10-10", cut, strict=True)
    gone = MarketData(data.calendar, data.universe, cut.close.assign(MP=cut.close["MP"].loc[:"2025-10-06"]))
    with pytest.raises(StalePricesError, match="no asset has current prices"):
        ops.positions(spec, "2025-10-10", gone)


def test_positions_as_of_the_last_day_of_the_calendars_horizon_on_an_a_share(tmp_path, capsys):
    """2026-12-31 is exchange-calendars' last recorded XSHG day: the next session (2027-01-04) is provisional,
    and the manifest says so (this crashed with an IndexError)."""
    import json

    from signals import exchange_sessions

    folder = tmp_path / "prices"
    folder.mkdir()
    sessions = exchange_sessions("XSHG", "2026-12-31")
    days = sessions[(sessions >= pd.Timestamp("2026-06-01")) & (sessions <= pd.Timestamp("2026-12-31"))]
    close = 10 * np.exp(np.cumsum(np.random.default_rng(7).normal(0, 0.01, len(days))))
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "close": close, "adj_close": close}).to_csv(
        folder / "600111.csv", index=False
    )
    out = tmp_path / "out"
    argv = ["positions", "--tickers", "600111", "--prices", str(folder), "--asof", "2026-12-31", "--out", str(out)]
    assert main(argv) == 0, capsys.readouterr().err
    saved = out / "positions-event_drift-2026-12-31"
    table = pd.read_csv(saved / "positions.csv", dtype={"column": str})
    assert table["next_session"].tolist() == ["2027-01-04"]
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest["calendars"]["XSHG"]["official_through"] == "2026-12-31"
    assert manifest["calendars"]["XSHG"]["provisional"]["from"] == "2027-01-01"
    assert manifest["calendars"]["XSHG"]["provisional"]["through"] == "2027-01-04"
