"""The size of the event-study tests by simulation: the fast version of benchmarks/study_size.py.

Two small designs: events sharing their dates (abnormal returns correlated within a date,
independent across dates) and bursts of events on consecutive sessions (windows that overlap on
staggered dates). With 300 (200) seeded draws the Monte Carlo standard error of a 5% rejection rate
is 1.3 (1.5) points, so the bounds below (a 99.9% binomial interval around 5%) fail only if a
test's size is really off; ``python benchmarks/study_size.py`` runs the full designs and prints
the figures quoted in the README and kept in ``backtests.measures._group_tests.MEASURED_SIZE``.
"""

from __future__ import annotations

import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from backtests import event_study
from backtests.measures._event_study import estimate_pair
from backtests.measures._group_tests import (
    CLUSTER_TESTS,
    HEADLINE_TESTS,
    MEASURED_SIZE,
    TESTS,
    TOLERATED_SIZE,
    size_note,
)

pytestmark = pytest.mark.slow  # size and power by simulation

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
try:
    import study_size
finally:
    sys.path.pop(0)

DRAWS = 300
BURST_DRAWS = 200


@pytest.fixture(scope="module")
def size():
    return study_size.rejection_rates(study_size.Design(assets=6, dates=20), DRAWS, seed=11)


@pytest.fixture(scope="module")
def burst_size():
    return study_size.rejection_rates(study_size.Design(assets=4, dates=16, burst=(2, 4)), BURST_DRAWS, seed=12)


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
    assert (simulated.event_sessions == direct.event_sessions).all()


def test_staggered_designs_place_events_as_described():
    """Bursts: 2-4 events on consecutive sessions; exchanges: the late assets' session 0 is the next session."""
    pairs = study_size.draw_pairs(study_size.Design(assets=2, dates=3, burst=(2, 4)), np.random.default_rng(3))
    for number in range(3):
        zeros = sorted({p.event_sessions[1] for p in pairs if p.event_id.startswith(f"date{number}.")})
        assert 2 <= len(zeros) <= 4 and all(np.busday_count(a.date(), b.date()) == 1 for a, b in pairwise(zeros))
    pairs = study_size.draw_pairs(study_size.Design(assets=4, dates=2, late=2), np.random.default_rng(3))
    first = [p.event_sessions[1] for p in pairs if p.event_id == "date0"]
    assert first[2] == first[3] and np.busday_count(first[0].date(), first[2].date()) == 1 and first[0] == first[1]


@pytest.mark.parametrize("window", ["-1:1", "0:5", "0:20"])
def test_cluster_tests_hold_their_size(size, window):
    for test in CLUSTER_TESTS:
        assert 0.009 <= size.at[window, test] <= 0.091, (window, test, size.at[window, test])


def test_naive_tests_overreject_and_one_average_correlation_overcorrects():
    rates = study_size.rejection_rates(study_size.Design(assets=6, dates=20), 60, seed=11, old_kp=True)
    assert (rates.loc[["-1:1", "0:5"], "bmp_t"] > 0.12).all()  # independent pairs assumed: far too many rejections
    assert (rates["kp_average"] < 0.05).all()  # one average correlation for all N pairs: almost never rejects


@pytest.mark.parametrize("window", ["-1:1", "0:5", "0:20"])
def test_the_headline_tests_hold_their_size_when_events_fall_on_consecutive_sessions(burst_size, window):
    for test in HEADLINE_TESTS:
        assert 0.005 <= burst_size.at[window, test] <= 0.105, (window, test, burst_size.at[window, test])


def test_rank_tests_that_see_one_date_at_a_time_overreject_on_consecutive_sessions(burst_size):
    """Corrado's test and the paper's GRANK take their variance from event time: consecutive-session
    events look independent to them."""
    assert (burst_size[["corrado_rank", "kp_grank_t"]] > 0.12).all().all()


def test_the_measured_sizes_cover_every_test_and_design():
    """MEASURED_SIZE is what benchmarks/study_size.py prints last: every reported test in every design (the
    old Kolari-Pynnönen variant only where ``--old-kp`` measures it)."""
    assert set(MEASURED_SIZE) == {*TESTS, "kp_grank_t", "kp_average"}
    for test, sizes in MEASURED_SIZE.items():
        designs = study_size.KP_AVERAGE if test == "kp_average" else study_size.DESIGNS
        assert set(sizes) == set(designs), test
        assert all(0.0 <= value <= 1.0 for value in sizes.values())


def test_headline_tests_never_rejected_more_than_tolerated_and_the_others_say_how_often():
    assert HEADLINE_TESTS and "grank_portfolio_t" in HEADLINE_TESTS
    for test in TESTS:
        worst = max(MEASURED_SIZE[test], key=lambda design: MEASURED_SIZE[test][design])
        if test in HEADLINE_TESTS:
            assert MEASURED_SIZE[test][worst] <= TOLERATED_SIZE and size_note(test) == ""
        else:
            assert MEASURED_SIZE[test][worst] > TOLERATED_SIZE
            assert size_note(test).endswith(f"size {MEASURED_SIZE[test][worst]:.0%} in the {worst} design")
    assert size_note("bmp_t").startswith("assumes independent events: size ")


def test_the_study_says_next_to_each_p_value_which_tests_overreject():
    tests = event_study(types=["restriction_tightening"], tickers=["MP", "LYC", "600111"], windows=[(-1, 1)]).tests
    assert list(tests.columns[-2:]) == ["p_value", "note"]
    for statistic, note in zip(tests["statistic"], tests["note"]):
        assert note == size_note(statistic) and (note == "") == (statistic in HEADLINE_TESTS)
