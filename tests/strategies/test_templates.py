"""Behaviour of permit_fade, relative_value, regime_tilt and window_optionality on controlled inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import strategies
from backtests import build_context, load_prices, run_backtest
from signals import load_events, load_universe
from strategies import option_value, realized_volatility

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
    assert signals.short_entries["MP"].sum() == 1 and signals.short_entries.loc["2025-06-12", "MP"]
    assert not signals.short_entries["ILU"].any()  # rallied under 10%: nothing to fade
    assert not signals.entries.any().any()


def test_relative_value_longs_and_hedges(write_events):
    close = load_prices(["MP", "REMX"], start="2025-01-01", end="2025-12-31", field="adj_close")
    signals = strategies.relative_value(
        _context(write_events, close, {"announced": "2025-04-04"}), strategies.RelativeValueParams(longs=("MP",))
    )
    assert signals.entries.loc["2025-04-04", "MP"] and signals.short_entries.loc["2025-04-04", "REMX"]
    assert signals.time_stop == 10 and not signals.exits.any().any() and not signals.short_exits.any().any()


def test_relative_value_is_currency_neutral():
    """Legs are measured by their own returns: converting one leg's prices at a fixed FX rate changes nothing."""
    params = {"longs": ("LYC",), "hedges": ("REMX",)}
    close = load_prices(["LYC", "REMX"], start="2023-01-01", field="adj_close")
    in_aud = run_backtest("relative_value", params, close=close)
    in_usd = run_backtest("relative_value", params, close=close.assign(LYC=close["LYC"] * 0.65))
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
    assert np.allclose(first, 0.25)  # calm in mid-2024: neutral, equal weights
    pressure = context.panel.xs("regime_pressure", axis=1, level="signal").ffill().mean(axis=1)
    tilted = weights[(pressure.reindex(weights.index) > 4)]
    assert len(tilted) > 0
    assert (tilted[["MP", "LYC"]].min(axis=1) > tilted[["600111", "300748"]].max(axis=1)).all()


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
    assert len(premium) == 16 and spot.index.get_loc(expiry) - spot.index.get_loc(entry) == 15
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
