"""Behaviour of permit_fade, relative_value, regime_tilt and window_optionality on controlled inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import strategies
from backtests import load_prices, run_backtest
from signals import load_events, load_universe
from strategies import build_context, option_value, realized_volatility

UNIVERSE = load_universe()


def _context(write_events, close, *rows):
    return build_context(load_events(write_events(*rows)), UNIVERSE, close)


def _rising(days, start, stop):
    return pd.Series(np.linspace(start, stop, len(days)), index=days)


def test_permit_fade_shorts_a_rallied_producer_only(write_events):
    days = pd.bdate_range("2025-05-01", "2025-07-31")
    close = pd.DataFrame({"MP": _rising(days, 10, 20), "ILU": _rising(days, 10, 10.3)})
    permit = {"type": "permit_approval", "direction": "easing", "announced": "2025-06-11", "tz": "America/New_York"}
    signals = strategies.permit_fade(_context(write_events, close, permit), strategies.PermitFadeParams(horizon=5))
    # Date-only New York news is known at 18:00, after the close: it trades on the next session, 06-12.
    # MP's price on business day i (0 = 05-01) is 10 + 10 i / 65; the 10 sessions before 06-12 run
    # from day 19 (05-28) to day 29 (06-11): 14.46 / 12.92 - 1 = 11.9%, above min_rally 10%.
    assert signals.short_entries["MP"].sum() == 1 and signals.short_entries.loc["2025-06-12", "MP"]
    assert not signals.short_entries["ILU"].any()  # 10 -> 10.3 over three months, 0.5% in 10 sessions: no fade
    assert not signals.entries.any().any()


def test_relative_value_longs_and_hedges(write_events):
    close = load_prices(["MP", "REMX"], start="2025-01-01", end="2025-12-31", field="adj_close")
    signals = strategies.relative_value(
        _context(write_events, close, {"announced": "2025-04-04"}), strategies.RelativeValueParams(longs=("MP",))
    )
    # Date-only Beijing news (18:00 Beijing = 06:00 New York) trades the same day in New York.
    assert signals.entries.loc["2025-04-04", "MP"] and signals.short_entries.loc["2025-04-04", "REMX"]
    # time_stop is the default horizon, 10 sessions.
    assert signals.time_stop == 10 and not signals.exits.any().any() and not signals.short_exits.any().any()


def test_relative_value_is_currency_neutral():
    """Legs are measured by their own returns: converting one leg's prices at a fixed FX rate changes nothing."""
    params = {"longs": ("LYC",), "hedges": ("REMX",)}
    close = load_prices(["LYC", "REMX"], start="2023-01-01", field="adj_close")
    in_aud = run_backtest("relative_value", params, close=close)
    in_usd = run_backtest("relative_value", params, close=close.assign(LYC=close["LYC"] * 0.65))  # ~AUD/USD
    pd.testing.assert_frame_equal(in_aud.stats, in_usd.stats, rtol=1e-9)
    assert set(in_aud.trades["side"]) == {"long", "short"}


def test_regime_tilt_weights(write_events):
    close = load_prices(["MP", "LYC", "600111", "300748"], start="2024-06-01", end="2025-12-31", field="adj_close")
    calendar = load_events()
    context = build_context(calendar, UNIVERSE, close)
    signals = strategies.regime_tilt(context, strategies.RegimeTiltParams())
    weights = signals.target_weights.dropna(how="all")
    assert np.allclose(weights.sum(axis=1), 1)
    first = weights.iloc[0]
    pressure = context.panel.xs("regime_pressure", axis=1, level="signal").ffill().mean(axis=1)
    # Calm in mid-2024: the last tightenings (2023-10-20, 11-07, 12-21) had decayed for about 110
    # sessions at the 21-session half-life, to a pressure near 0.12 on 2024-06-03, below the
    # default threshold 2: neutral, 1/4 for each of the four assets.
    assert pressure[first.name] < strategies.RegimeTiltParams().threshold
    assert np.allclose(first, 0.25)
    tilted = weights[(pressure.reindex(weights.index) > 4)]  # pressure 4: half-way to full tilt (6)
    assert len(tilted) > 0
    assert (tilted[["MP", "LYC"]].min(axis=1) > tilted[["600111", "300748"]].max(axis=1)).all()


def test_regime_tilt_never_trades_an_asset_without_a_price(write_events):
    """A rebalance trades every asset held before or after it, so each of them needs a price that session.

    Shanghai was closed on 2025-04-04 (Qingming) while New York traded. A date-only Beijing
    tightening that day reaches MP the same day; at full tilt (tilt 1.0) 600111's target is 0, and
    selling it on 04-04 would fill at the stale 04-03 price. The rebalance waits for 04-07.
    """
    days = pd.bdate_range("2025-03-03", "2025-04-30")
    close = pd.DataFrame({"MP": _rising(days, 10, 12), "600111": _rising(days, 20, 21)})
    close.loc["2025-04-04", "600111"] = np.nan
    context = _context(write_events, close, {"announced": "2025-04-04", "severity": 3})
    params = strategies.RegimeTiltParams(threshold=0.5, full_tilt_at=1.0, tilt=1.0)
    targets = strategies.regime_tilt(context, params).target_weights.dropna(how="all")
    assert targets.iloc[0].tolist() == [0.5, 0.5]  # neutral before the news
    assert targets.loc["2025-04-07"].tolist() == [1.0, 0.0]  # the first session both markets trade
    assert "2025-04-04" not in targets.index.strftime("%Y-%m-%d")
    # A plain replay of the rule: every rebalance has prices for what it sells and what it buys.
    held = pd.Series(0.0, index=close.columns)
    for day, row in targets.iterrows():
        trading = (row > 0) | (held > 0)
        assert close.loc[day, trading].notna().all(), f"rebalance on {day:%Y-%m-%d} without a price"
        held = row


def test_window_optionality_prices_and_settles_contracts(write_events):
    close = load_prices(["MP"], start="2024-01-01", end="2025-12-31", field="adj_close")
    window = {"id": "w", "type": "negotiation_window", "direction": "easing", "announced": "2025-05-12",
              "tz": "Europe/Zurich", "window_end": "2025-08-12"}  # fmt: skip
    params = strategies.WindowOptionalityParams(cluster_events=None, days_before_deadline=10, expiry=15)
    signals = strategies.window_optionality(_context(write_events, close, window), params)
    assert list(signals.close.columns) == ["MP|straddle|2025-07-29"]  # 10 New York sessions before 08-12
    premium = signals.close.iloc[:, 0].dropna()
    spot = close["MP"].dropna()
    entry, expiry = premium.index[0], premium.index[-1]
    # expiry=15: a premium on the entry session and on each of the 15 sessions to expiry, 16 in all.
    assert len(premium) == 16 and spot.index.get_loc(expiry) - spot.index.get_loc(entry) == 15
    # Default pricing: 21-session realized volatility times 1 + vol_markup (0.2), expiry in years at 252 a year.
    volatility = realized_volatility(spot.to_numpy(), 21)[spot.index.get_loc(entry)] * 1.2
    expected = option_value("straddle", spot[entry], spot[entry], 15 / 252, volatility)
    assert premium.iloc[0] == pytest.approx(float(expected))
    assert premium.iloc[-1] == pytest.approx(abs(spot[expiry] - spot[entry]))  # settled at intrinsic
    assert signals.entries.loc[entry].iloc[0] and signals.exits.loc[expiry].iloc[0]


def test_every_template_runs_end_to_end():
    for template in strategies.available():
        result = run_backtest(template, start="2024-01-01")
        assert ("portfolio", "strategy") in result.stats.index
        assert np.isfinite(result.equity["strategy"]).all()
