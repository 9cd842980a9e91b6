"""The generalized rank tests against Kolari & Pynnönen (2011), replayed by hand and in plain numpy.

``grank_portfolio_t`` (reported by the study) and ``kp_grank_t`` (the paper's own statistic, kept for
the size simulation) share the ranks of :func:`backtests.measures._group_tests.generalized_ranks`. A
three-pair dataset small enough to rank on paper checks the formulas number by number; a
synthetic study with staggered events (two on consecutive sessions) and a second exchange checks
them against ``tests/backtests/reference/grank_reference.py``, written from the paper alone.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy.stats import t as student_t

from backtests.measures._event_study import PairEstimate, estimate_pair
from backtests.measures._group_tests import generalized_ranks, grank_portfolio_t, group_tests, kp_grank_t

from .reference import grank_reference as reference


def _pair(residuals, variance):
    """A pair with only what the ranks read: estimation residuals and their variance."""
    residuals = np.asarray(residuals, dtype=float)
    return PairEstimate(residuals, np.zeros(len(residuals)), {0: 0.0}, {0: 0.0}, variance, "mean_adjusted")


# Three pairs, four estimation days each. SAR = residual / s:
#   A: s = 0.02 -> (0.5, -1, 1.5, -0.5)     B: s = 0.04 -> (0.5, 1, -0.5, 0)     C: s = 0.03 -> (-1, 1, 0, 2)
# SCARs (2, -1, 0.5) have cross-sectional s.d. 1.5, so SCAR* = (4/3, -2/3, 1/3) (eq. 7), appended as t = 0.
HAND = [_pair([0.01, -0.02, 0.03, -0.01], 0.0004), _pair([0.02, 0.04, -0.02, 0.0], 0.0016),
        _pair([-0.03, 0.03, 0.0, 0.06], 0.0009)]  # fmt: skip
HAND_SCARS = np.array([2.0, -1.0, 0.5])
WINDOW = (0, 0)


def test_ranks_by_hand():
    """U = rank / (T + 1) - 1/2 with T = 5 (eq. 9): A ranks (3, 1, 5, 2, 4), B (4, 5, 2, 3, 1), C (1, 4, 2, 5, 3)."""
    expected = np.array([[3, 1, 5, 2, 4], [4, 5, 2, 3, 1], [1, 4, 2, 5, 3]]) / 6 - 0.5
    np.testing.assert_allclose(generalized_ranks(HAND, WINDOW, HAND_SCARS), expected, rtol=0, atol=1e-15)


def test_the_papers_statistic_by_hand():
    """Mean ranks by day (eq. 15): (-1, 1, 0, 1, -1) / 18, so S_Ū^2 = (4 / 324) / 5 = 1 / 405 (eq. 14) and
    Z = (-1/18) sqrt(405) = -sqrt(5) / 2 (eq. 13); t = Z sqrt(3 / (4 - 5/4)) = -sqrt(15/11), 3 d.f. (eq. 12)."""
    value, p_value = kp_grank_t(HAND, WINDOW, HAND_SCARS)
    assert value == pytest.approx(-math.sqrt(15 / 11), rel=1e-12)
    assert p_value == pytest.approx(2 * student_t.sf(math.sqrt(15 / 11), 3), rel=1e-12)


def test_the_calendar_time_version_by_hand():
    """A and B in one cluster, C in another: portfolios (1/6 - 1/3) / 2 = -1/12 and 0; mean -1/24, s.d.
    (1/12) / sqrt(2), so t = (-1/24) / ((1/12) / sqrt(2) / sqrt(2)) = -1 with 1 d.f.: p = 1/2."""
    event_ranks = generalized_ranks(HAND, WINDOW, HAND_SCARS)[:, -1]
    np.testing.assert_allclose(event_ranks, [1 / 6, -1 / 3, 0.0], atol=1e-15)
    value, p_value = grank_portfolio_t(event_ranks, np.array([0, 0, 1]))
    assert value == pytest.approx(-1.0, rel=1e-12) and p_value == pytest.approx(0.5, rel=1e-12)


def test_a_shorter_estimation_window_ranks_among_its_own_days():
    """A pair with fewer estimation days ranks T_i = L_i + 1 values and leaves the earliest days empty; the
    mean rank of each day counts only the pairs present (n_t in eqs. 14-15)."""
    pairs = [*HAND, _pair([0.03, -0.03], 0.0009)]  # SAR (1, -1)
    scars = np.array([2.0, -1.0, 0.5, 1.0])
    ranks = generalized_ranks(pairs, WINDOW, scars)
    expected = reference.gsar_ranks([p.estimation_ar for p in pairs], [p.variance for p in pairs], scars)
    np.testing.assert_allclose(ranks, expected, rtol=0, atol=1e-15, equal_nan=True)
    assert np.isnan(ranks[3, :2]).all() and not np.isnan(ranks[:3]).any()
    value, _ = kp_grank_t(pairs, WINDOW, scars)
    assert value == pytest.approx(reference.grank_paper(expected)[0], rel=1e-12)


@pytest.fixture(scope="module")
def study():
    """The synthetic study of the reference, estimated by the study's own code."""
    data = reference.synthetic_data()
    sessions = pd.bdate_range("2020-01-01", periods=reference.SESSIONS)
    pairs = []
    for name, asset, zero in reference.pair_list():
        pair = estimate_pair(data["assets"][asset], reference.benchmark(data, asset), zero, reference.DAYS, "market",
                             reference.ESTIMATION, reference.GAP, sessions)  # fmt: skip
        assert not isinstance(pair, str), pair
        pairs.append(replace(pair, event_id=name))
    return pairs


@pytest.mark.parametrize("window", reference.WINDOWS)
def test_the_rank_tests_match_the_plain_numpy_reference(study, window):
    expected = reference.reference()[window]
    np.testing.assert_allclose(generalized_ranks(study, window), expected["u"], rtol=0, atol=1e-12)
    value, p_value = kp_grank_t(study, window)
    t_grank, df = expected["kp_grank_t"]
    assert value == pytest.approx(t_grank, rel=1e-9)
    assert p_value == pytest.approx(2 * student_t.sf(abs(t_grank), df), rel=1e-9)
    results = group_tests(study, [window])[window]
    t_portfolio, df = expected["grank_portfolio_t"]
    assert results["clusters"][0] == df + 1 == max(expected["labels"]) + 1
    assert results["grank_portfolio_t"][0] == pytest.approx(t_portfolio, rel=1e-9)
    assert results["grank_portfolio_t"][1] == pytest.approx(2 * student_t.sf(abs(t_portfolio), df), rel=1e-9)


def test_events_on_consecutive_sessions_share_a_cluster(study):
    """E1 and E2 are a session apart: one cluster, not two, so the calendar-time version counts them once."""
    labels = reference.reference()[(0, 5)]["labels"]
    events = [name for name, _, _ in reference.pair_list()]
    assert len({label for label, event in zip(labels, events) if event in ("E1", "E2")}) == 1
    assert max(labels) + 1 == len(reference.EVENTS) - 1
