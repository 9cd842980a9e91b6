"""The size of the event-study tests by simulation: the fast version of benchmarks/study_size.py.

Abnormal returns correlated within an event date and independent across dates. With 300 seeded
draws the Monte Carlo standard error of a 5% rejection rate is 1.3 points, so the bounds below
(0.9% to 9.1%, a 99.9% binomial interval around 5%) fail only if a test's size is really off;
``python benchmarks/study_size.py`` runs 2,000 draws and prints the figures quoted in the README.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from backtests._study import estimate_pair
from backtests._study_tests import CLUSTER_TESTS

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
try:
    import study_size
finally:
    sys.path.pop(0)

DRAWS = 300


@pytest.fixture(scope="module")
def size():
    return study_size.rejection_rates(study_size.Design(assets=6, dates=20), DRAWS, seed=11)


def test_the_simulation_fits_each_pair_as_the_study_does():
    """The simulation's vectorised market model gives exactly what estimate_pair gives."""
    rng = np.random.default_rng(5)
    design = study_size.Design(assets=3, dates=2)
    pairs = study_size.draw_pairs(design, rng)
    rng = np.random.default_rng(5)  # the same draw again, to rebuild the returns
    days = study_size.pd.bdate_range("2000-01-03", periods=design.sessions)
    market = rng.normal(0.0004, 0.01, design.sessions)
    factor = rng.normal(0.0, 1.0, design.sessions)
    noise = rng.normal(0.0, 1.0, (design.assets, design.sessions))
    residual = study_size.SIGMA * (np.sqrt(design.rho) * factor + np.sqrt(1 - design.rho) * noise)
    returns = rng.uniform(-5e-4, 5e-4, (design.assets, 1)) + rng.uniform(0.5, 1.5, (design.assets, 1)) * market
    returns = returns + residual
    zero = study_size.ESTIMATION + study_size.GAP + 2
    direct = estimate_pair(returns[1], market, zero, range(-1, 21), "market", study_size.ESTIMATION,
                           study_size.GAP, days)  # fmt: skip
    simulated = pairs[1]  # date 0, asset 1
    np.testing.assert_allclose(simulated.estimation_ar, direct.estimation_ar, rtol=1e-12)
    assert simulated.variance == pytest.approx(direct.variance, rel=1e-12)
    for window in study_size.WINDOWS:
        assert simulated.scar(window) == pytest.approx(direct.scar(window), rel=1e-10)


@pytest.mark.parametrize("window", ["-1:1", "0:5", "0:20"])
def test_cluster_tests_hold_their_size(size, window):
    for test in CLUSTER_TESTS:
        assert 0.009 <= size.at[window, test] <= 0.091, (window, test, size.at[window, test])


def test_naive_tests_overreject_and_one_average_correlation_overcorrects(size):
    assert (size.loc[["-1:1", "0:5"], "bmp_t"] > 0.12).all()  # independent pairs assumed: far too many rejections
    assert (size["kp_average"] < 0.01).all()  # one average correlation for all N pairs: almost never rejects
