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
from backtests import build_context, default_tickers, load_prices
from signals import load_events, load_universe
from signals.errors import ParameterError

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
        defaults = strategies.get(template).params()
        for name in ("horizon", "expiry"):
            if hasattr(defaults, name):
                assert getattr(defaults, name) <= 21

    def test_single_asset_and_whole_universe(self, template):
        single = _build(template, CLOSE[["MP"]])
        assert _traded(single, CLOSE[["MP"]]).index.equals(CLOSE.index)
        tickers = default_tickers(UNIVERSE, strategies.get(template).params())
        universe_close = load_prices(tickers, start="2024-01-01", field="adj_close")
        signals = _build(template, universe_close)
        assert _traded(signals, universe_close).index.equals(universe_close.index)
