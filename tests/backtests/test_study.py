"""Event study: statistics against an independent reference, and the study on the bundled data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtests import event_study
from backtests._study import estimate_pair, group_tests
from signals.errors import ParameterError

from .reference import event_study_reference as reference

REFERENCE = json.loads((Path(__file__).parent / "reference" / "event_study_reference.json").read_text())


def test_reference_file_is_what_the_reference_script_computes():
    assert json.loads(json.dumps(reference.reference())) == REFERENCE


@pytest.fixture(scope="module")
def synthetic_pairs():
    sessions = pd.bdate_range("2024-01-01", periods=reference.ESTIMATION + len(reference.DAYS) + 1)
    pairs = []
    for security in reference.synthetic_data():
        asset = np.r_[np.nan, security["asset"]]  # position 0 has no return, as with pct_change
        market = np.r_[np.nan, security["market"]]
        event_position = 1 + reference.ESTIMATION + reference.DAYS.index(0)
        pair = estimate_pair(asset, market, event_position, reference.DAYS, "market", reference.ESTIMATION, 1, sessions)
        assert not isinstance(pair, str), pair
        pairs.append(pair)
    return pairs


@pytest.mark.parametrize("window", reference.WINDOWS)
def test_every_statistic_matches_the_independent_reference(synthetic_pairs, window):
    results = group_tests(synthetic_pairs, window)
    expected = REFERENCE[f"{window[0]}:{window[1]}"]
    assert set(results) == set(expected)
    for statistic, value in expected.items():
        assert results[statistic][0] == pytest.approx(value, rel=1e-9), statistic
        assert 0 <= results[statistic][1] <= 1


def test_study_on_the_bundled_data():
    study = event_study(types=["restriction_tightening"], tickers=["MP", "LYC", "REMX", "600111"])
    assert set(study.car.columns) == {"event_id", "event_type", "ticker", "group", "window_start", "window_end",
                                      "car", "t_stat"}  # fmt: skip
    assert set(study.abnormal_returns["rel_day"]) == set(range(-1, 21))
    # Session 0 is the aligned session: MP reacts to 2025-04-04 on 2025-04-04, LYC on the next ASX session.
    day0 = study.abnormal_returns[
        (study.abnormal_returns["rel_day"] == 0) & (study.abnormal_returns["event_id"] == "2025-04-04-RT")
    ]
    assert dict(zip(day0["ticker"], day0["session"])) == {
        "MP": pd.Timestamp("2025-04-04"), "LYC": pd.Timestamp("2025-04-07"), "REMX": pd.Timestamp("2025-04-04"),
        "600111": pd.Timestamp("2025-04-07"),
    }  # fmt: skip
    tests = study.tests
    assert set(tests["statistic"]) == {"csect_t", "patell_z", "bmp_t", "kp_bmp_t", "corrado_rank", "generalized_sign"}
    assert {"all", "type=restriction_tightening", "asset_group=ex_china_producer"} <= set(tests["group"])
    assert tests["p_value"].between(0, 1).all()
    # CARs are sums of the abnormal returns of their window.
    row = study.car[
        (study.car["ticker"] == "MP") & (study.car["window_start"] == 0) & (study.car["window_end"] == 5)
    ].iloc[0]
    ars = study.abnormal_returns
    mine = ars[(ars["event_id"] == row["event_id"]) & (ars["ticker"] == "MP") & ars["rel_day"].between(0, 5)]["ar"]
    assert row["car"] == pytest.approx(mine.sum())


@pytest.mark.parametrize("model", ["market_adjusted", "mean_adjusted"])
def test_other_return_models(model):
    study = event_study(types=["restriction_tightening"], tickers=["MP", "LYC"], model=model, windows=[(0, 2)])
    assert len(study.car) > 0 and set(study.tests["window"]) == {"0:2"}


def test_estimation_window_is_before_the_gap():
    returns = np.r_[np.nan, np.random.default_rng(0).normal(0, 0.01, 300)]
    pair = estimate_pair(returns, returns * 0.5, 200, [0, 1], "mean_adjusted", 120, 10)
    assert pair.length == 120
    np.testing.assert_allclose(pair.estimation_ar + returns[70:190].mean(), returns[70:190])  # sessions -130..-11
    assert estimate_pair(returns, returns, 100, [0], "market", 120, 10) == "estimation window before the data"


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"model": "capm"}, "model"), ({"windows": [(5, 1)]}, "windows"), ({"estimation": 5}, "estimation")],
)
def test_bad_study_parameters(kwargs, name):
    with pytest.raises(ParameterError, match=f"'{name}'"):
        event_study(**kwargs)
