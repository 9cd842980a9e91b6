"""One contract every registered strategy template passes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import strategies
from backtests import load_prices
from signals import load_events, load_universe
from signals.errors import ParameterError
from strategies import build_context, default_tickers

UNIVERSE = load_universe()
CALENDAR = load_events()
TICKERS = ["MP", "LYC", "ILU", "REMX", "600111", "600392", "300748"]  # New York, Sydney, Shanghai, Shenzhen
CLOSE = load_prices(TICKERS, start="2024-01-01", end="2026-06-30", field="adj_close")
FRAMES = ("entries", "exits", "short_entries", "short_exits")


def _build(template: str, close: pd.DataFrame, calendar=CALENDAR, **overrides):
    spec = strategies.get(template)
    return spec.build(build_context(calendar, UNIVERSE, close), spec.params(**overrides))


def _traded(signals, close):
    return signals.close if signals.close is not None else close


#: Regime pressure per session (the same for every asset, except 600111's on the session it is closed).
TILT_PRESSURE = [0.0, 1.9, 4.0, 12.0, 6.0, 4.0, 2.0, 2.0, 2.04, 0.0]
#: The target weights expected for MP, LYC (exposure +1) and 600111, 300748 (-1) under the defaults
#: threshold=2, full_tilt_at=6, tilt=0.5, rebalance_band=0.02, worked out by hand from the
#: RegimeTiltParams docstring: strength s = clip((pressure - 2) / (6 - 2), 0, 1); raw weights
#: 1 + 0.5 s outside China and 1 - 0.5 s in China, which sum to 4, so each raw weight is divided by 4.
#:   row 0  pressure 0    s = 0     -> 1/4 each; first target (moved 0.25 from nothing)
#:   row 1  pressure 1.9  s = 0     -> unchanged: no order
#:   row 2  pressure 4    s = 0.5   -> 1.25/4 = 0.3125, 0.75/4 = 0.1875
#:   row 3  pressure 12   s = 1     -> clipped at full tilt: 1.5/4 = 0.375, 0.5/4 = 0.125
#:   row 4  pressure 6    s = 1     -> unchanged: no order
#:   row 5  pressure 4    s = 0.5   -> back to 0.3125 / 0.1875
#:   row 6  600111 closed (no price, no pressure: its 4.0 is carried), mean pressure (2+2+4+2)/4 = 2.5,
#:          s = 0.125 -> weights moved 0.047 > 0.02, but an asset to be held cannot trade: no order
#:   row 7  pressure 2    s = 0     -> neutral 1/4 each again
#:   row 8  pressure 2.04 s = 0.01  -> 1.005/4 = 0.25125, moved 0.00125 <= 0.02: no order
#:   row 9  pressure 0    s = 0     -> 1/4, no move since row 7: no order
NAN = np.nan
TILT_EXPECTED = [
    [0.25, 0.25, 0.25, 0.25],
    [NAN] * 4,
    [0.3125, 0.3125, 0.1875, 0.1875],
    [0.375, 0.375, 0.125, 0.125],
    [NAN] * 4,
    [0.3125, 0.3125, 0.1875, 0.1875],
    [NAN] * 4,
    [0.25, 0.25, 0.25, 0.25],
    [NAN] * 4,
    [NAN] * 4,
]


def _check_default_regime_tilt(defaults):
    """regime_tilt with its defaults, on hand-made prices and regime pressure (the panel is given, not built)."""
    basket = ["MP", "LYC", "600111", "300748"]
    assert UNIVERSE.loc[basket, "exposure"].tolist() == [1, 1, -1, -1]
    days = pd.bdate_range("2025-06-02", periods=len(TILT_PRESSURE))
    close = pd.DataFrame(10.0, index=days, columns=basket)
    close.iloc[6, 2] = np.nan  # 600111's exchange is closed on row 6
    pressure = pd.DataFrame({asset: TILT_PRESSURE for asset in basket}, index=days)
    pressure.iloc[6, 2] = np.nan
    context = build_context(CALENDAR, UNIVERSE, close)
    context.panel = pd.concat({"regime_pressure": pressure}, axis=1, names=["signal", "asset"]).swaplevel(axis=1)
    signals = strategies.get("regime_tilt").build(context, defaults)
    expected = pd.DataFrame(TILT_EXPECTED, index=days, columns=basket)
    pdt.assert_frame_equal(signals.target_weights, expected, check_exact=False, rtol=0, atol=1e-12)
    assert not any(getattr(signals, name).any().any() for name in FRAMES)  # target style: no signal orders


@pytest.mark.parametrize("template", strategies.available())
class TestTemplateContract:
    def test_outputs_align_with_prices(self, template):
        signals = _build(template, CLOSE)
        traded = _traded(signals, CLOSE)
        assert traded.index.equals(CLOSE.index)
        for name in FRAMES:
            frame = getattr(signals, name)
            assert frame.shape == traded.shape and frame.index.equals(traded.index)
            assert frame.columns.equals(traded.columns) and frame.dtypes.eq(bool).all()
        if signals.target_weights is not None:
            weights = signals.target_weights
            assert weights.shape == CLOSE.shape and weights.index.equals(CLOSE.index)
            rows = weights.dropna(how="all")
            assert len(rows) > 0 and np.allclose(rows.sum(axis=1), 1.0) and (rows.fillna(0) >= 0).all().all()
        else:
            assert signals.entries.to_numpy().sum() + signals.short_entries.to_numpy().sum() > 0
            assert set(signals.plan["asset"]) <= set(traded.columns)

    def test_results_are_deterministic(self, template):
        first, second = _build(template, CLOSE), _build(template, CLOSE)
        for name in (*FRAMES, "plan", "skipped"):
            pdt.assert_frame_equal(getattr(first, name), getattr(second, name))
        if first.target_weights is not None:
            pdt.assert_frame_equal(first.target_weights, second.target_weights)

    @settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(cut=st.integers(min_value=60, max_value=len(CLOSE) - 2))
    def test_no_look_ahead(self, template, cut):
        """Truncating prices and events after session t leaves every order up to t unchanged."""
        day = CLOSE.index[cut]
        instant = (day + pd.Timedelta(days=1)).tz_localize("UTC")  # after every exchange's session t opened
        full = _build(template, CLOSE)
        truncated = _build(template, CLOSE.loc[:day], CALENDAR.asof(instant))
        full_traded, short_traded = _traded(full, CLOSE), _traded(truncated, CLOSE.loc[:day])
        started = [c for c in full_traded.columns if full_traded[c].loc[:day].notna().any()]
        assert set(started) <= set(short_traded.columns) <= set(full_traded.columns)
        columns = list(short_traded.columns)
        pdt.assert_frame_equal(short_traded[columns], full_traded.loc[:day, columns])
        for name in FRAMES:
            pdt.assert_frame_equal(getattr(truncated, name)[columns], getattr(full, name).loc[:day, columns])
        if full.target_weights is not None:
            pdt.assert_frame_equal(truncated.target_weights, full.target_weights.loc[:day])

    def test_parameters_are_validated(self, template):
        spec = strategies.get(template)
        defaults = spec.params()
        assert dataclasses.is_dataclass(defaults) and dataclasses.fields(defaults)
        with pytest.raises(dataclasses.FrozenInstanceError):
            defaults.__setattr__(next(iter(spec.grid)), None)
        for name in spec.grid:
            with pytest.raises(ParameterError, match=f"'{name}' = 'nonsense'"):
                spec.params(**{name: "nonsense"})
        with pytest.raises(ParameterError, match="'no_such_parameter'"):
            spec.params(no_such_parameter=1)
        for name, values in spec.grid.items():  # every documented grid value is valid
            for value in values:
                spec.params(**{name: value})

    def test_defaults_favour_short_horizons(self, template):
        """Signal templates close within 21 sessions by default; regime_tilt holds a basket instead,
        so its default tilt rule is checked on controlled regime pressure."""
        defaults = strategies.get(template).params()
        horizons = [getattr(defaults, name) for name in ("horizon", "expiry") if hasattr(defaults, name)]
        if template == "regime_tilt":
            assert horizons == []
            _check_default_regime_tilt(defaults)
        else:
            assert horizons and max(horizons) <= 21  # 21 sessions: about one trading month

    def test_single_asset_and_whole_universe(self, template):
        single = _build(template, CLOSE[["MP"]])
        assert _traded(single, CLOSE[["MP"]]).index.equals(CLOSE.index)
        tickers = default_tickers(UNIVERSE, strategies.get(template).params())
        universe_close = load_prices(tickers, start="2024-01-01", field="adj_close")
        signals = _build(template, universe_close)
        assert _traded(signals, universe_close).index.equals(universe_close.index)


@pytest.mark.parametrize("value", [None, 3, ()])
def test_event_types_that_are_not_names_are_parameter_errors(value):
    from strategies._base import check_event_types

    with pytest.raises(ParameterError, match="event_types"):
        check_event_types("event_types", value)
