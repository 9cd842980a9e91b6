"""Event study: statistics against an independent reference, and the study on the bundled data."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import t as student_t

from backtests import event_study
from backtests.measures._event_study import estimate_pair
from backtests.measures._group_tests import TESTS, kp_average_bmp_t
from backtests.ops._study import group_tests
from signals.errors import ParameterError

from .reference import clustered_reference
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
    """One event, eight assets: one cluster, so the cluster tests are left out; KP here is the classic one."""
    results = group_tests(synthetic_pairs, [window])[window]
    expected = dict(REFERENCE[f"{window[0]}:{window[1]}"])
    assert results.pop("clusters")[0] == 1.0
    assert kp_average_bmp_t(synthetic_pairs, window)[0] == pytest.approx(expected.pop("kp_bmp_t"), rel=1e-9)
    assert set(results) == set(expected)
    for statistic, value in expected.items():
        assert results[statistic][0] == pytest.approx(value, rel=1e-9), statistic
        assert 0 <= results[statistic][1] <= 1


def test_cluster_tests_match_the_independent_reference():
    """Seven events, six assets in two time zones, two events with overlapping windows: the cluster
    tests against plain-Python formulas (tests/backtests/reference/clustered_reference.py)."""
    expected_all = json.loads((Path(__file__).parent / "reference" / "clustered_reference.json").read_text())
    assert json.loads(json.dumps(clustered_reference.reference())) == expected_all
    data = clustered_reference.synthetic_data()
    sessions = pd.bdate_range("2020-01-01", periods=clustered_reference.SESSIONS)
    market = np.asarray(data["market"])
    pairs = []
    for name, asset, zero in clustered_reference.pair_list():
        pair = estimate_pair(np.asarray(data["assets"][asset]), market, zero, clustered_reference.DAYS, "market",
                             clustered_reference.ESTIMATION, clustered_reference.GAP, sessions)  # fmt: skip
        pairs.append(replace(pair, event_id=name))
    results = group_tests(pairs, clustered_reference.WINDOWS)
    for window in clustered_reference.WINDOWS:
        expected = expected_all[f"{window[0]}:{window[1]}"]
        groups = expected.pop("clusters")
        assert results[window]["clusters"][0] == groups
        for statistic, value in expected.items():
            measured, p_value = results[window][statistic]
            assert measured == pytest.approx(value, rel=1e-9), (window, statistic)
            if statistic != "bmp_t":  # the cluster tests take Student's t with G - 1 degrees of freedom
                assert p_value == pytest.approx(2 * student_t.sf(abs(value), groups - 1), rel=1e-9)


def test_a_windows_statistics_do_not_depend_on_the_other_windows():
    alone = event_study(types=["restriction_tightening"], windows=[(-1, 1)]).tests
    together = event_study(types=["restriction_tightening"], windows=[(-1, 1), (0, 5), (0, 20)]).tests
    together = together[together["window"] == "-1:1"].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, together)
    corrado = alone[(alone["group"] == "type=restriction_tightening") & (alone["statistic"] == "corrado_rank")]
    # Measured alone: 3.594 on the calendar and universe before their audit (issue 22), 2.709 after it.
    assert corrado["value"].iloc[0] == pytest.approx(2.709, abs=5e-4)


def test_study_on_the_bundled_data():
    study = event_study(types=["restriction_tightening"], tickers=["MP", "LYC", "REMX", "600111"])
    assert set(study.car.columns) == {"event_id", "event_type", "ticker", "group", "window_start", "window_end",
                                      "car", "t_stat", "confounded"}  # fmt: skip
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
    assert set(tests["statistic"]) == set(TESTS)
    assert (tests["clusters"] <= tests["n"]).all() and (tests.loc[tests["group"] == "all", "clusters"] > 1).all()
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


def test_a_study_ignores_an_asset_before_it_was_the_rare_earth_business():
    """000831 was an aluminium smelter until 2013-02-08: the 2010-2012 events are dropped, with the reason."""
    study = event_study(types=["restriction_tightening"], tickers=["000831"])
    days = study.abnormal_returns.loc[study.abnormal_returns["rel_day"] == 0, "session"]
    assert (days >= pd.Timestamp("2013-02-08")).all() and len(days)
    dropped = study.dropped.set_index("event_id")["reason"]
    assert dropped["2010-10-18-RT"] == "outside price data"


def test_confounders_are_flagged_or_excluded_and_never_studied_as_events():
    flagged = event_study(types=["restriction_tightening"], tickers=["MP"], windows=[(0, 5)])
    assert "confounder" not in set(flagged.car["event_type"])
    # The US-Australia framework (2025-10-20-CF, a Monday) falls in sessions 0..5 of the 10-14 story.
    confounded = flagged.car.set_index("event_id")["confounded"].fillna("")
    assert confounded["2025-10-14-RT"] == "2025-10-20-CF" and confounded["2025-04-04-RT"] == ""
    excluded = event_study(types=["restriction_tightening"], tickers=["MP"], windows=[(0, 5)], confounders="exclude")
    dropped = excluded.dropped.set_index("event_id")["reason"]
    assert dropped["2025-10-14-RT"] == "window overlaps confounder(s) 2025-10-20-CF"
    assert set(excluded.car["event_id"]) == set(confounded.index[confounded == ""])


def test_a_study_measuring_the_starter_files_examples_warns_naming_them(tmp_path):
    from backtests import ops
    from backtests.spec import EventSource, StudySpec
    from signals import event_file_template
    from signals.errors import ExampleEventWarning

    starter = tmp_path / "mine.csv"
    starter.write_text(event_file_template("csv"))
    spec = StudySpec(tickers=("MP",), windows=((0, 1),), events=EventSource(starter))
    with pytest.warns(ExampleEventWarning, match=r"2026-01-15-RT.* measured as if real"):
        ops.study(spec)
