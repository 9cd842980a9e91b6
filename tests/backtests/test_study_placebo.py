"""The study placebo at engine speed (backtests.ops._study_draws) against the per-draw reference.

The reference (tests/backtests/reference/study_placebo_reference.py) is the placebo as it was computed
before: one calendar and one full event study (align_events, statsmodels OLS per pair) per draw.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from backtests import ops, placebo_calendars
from backtests.data import MarketData
from backtests.measures._event_study import estimate_pair
from backtests.measures._window_fits import fit_windows, valid_positions
from backtests.ops._draws import knowable_days, placebo_days
from backtests.ops._study_draws import study_placebo_cars
from backtests.spec import StudySpec
from signals import POLICY_TYPES, load_events

from .reference.study_placebo_reference import placebo_calendars_reference, placebo_cars_reference

pytestmark = pytest.mark.slow  # study placebo against one study per draw

#: mean CARs agree to this (absolute; they are ~1e-3); draws, windows and pair counts agree exactly
TOLERANCE = 1e-10
SUBSET = ("MP", "LYC", "600111", "000831", "ARU", "UUUU")


def policy(calendar):
    return calendar.filter(types=[str(kind) for kind in POLICY_TYPES])


def assert_same_draws(new: pd.DataFrame, old: pd.DataFrame) -> None:
    assert list(new.columns) == list(old.columns) == ["draw", "window", "mean_car", "n"]
    assert len(old) and new["draw"].tolist() == old["draw"].tolist()
    assert new["window"].tolist() == old["window"].tolist()
    assert new["n"].tolist() == old["n"].tolist()
    np.testing.assert_allclose(new["mean_car"], old["mean_car"], rtol=0, atol=TOLERANCE)


def test_the_default_study_placebo_equals_one_event_study_per_draw():
    """ops.study(StudySpec(), placebo=3): the draws' rows, the real mean CAR and the p-values as before."""
    spec = StudySpec()
    data = MarketData.for_study(spec)
    study = ops.study(spec, data, placebo=3, seed=5)
    reference = placebo_cars_reference(study, policy(data.calendar), 3, seed=5)
    placebo = study.placebo.sort_values(["draw", "window"], ignore_index=True)  # it is sorted by window
    expected = reference.sort_values(["draw", "window"], ignore_index=True)
    assert_same_draws(placebo[expected.columns], expected)
    assert sorted(study.placebo["window"].unique()) == ["-1:1", "0:20", "0:5"]
    for window, part in study.placebo.groupby("window"):
        start, end = (int(value) for value in window.split(":"))
        real = study.car[(study.car["window_start"] == start) & (study.car["window_end"] == end)]["car"].mean()
        assert (part["actual"] == real).all()
        assert part["p_value"].nunique() == 1 and 0 < part["p_value"].iloc[0] <= 1


@pytest.mark.parametrize(
    "spec",
    [
        StudySpec(
            tickers=SUBSET,
            model="mean_adjusted",
            windows=((-2, 0), (1, 3), (0, 10)),
            estimation=60,
            gap=5,
            close_margin=None,
        ),
        StudySpec(tickers=SUBSET, model="market_adjusted", windows=((0, 1),), close_margin=120),
        StudySpec(tickers=SUBSET, model="market", windows=((-5, 5),), estimation=250, gap=5),
    ],
    ids=["mean_adjusted-open-rule", "market_adjusted-margin", "market-long-estimation"],
)
def test_other_models_windows_and_close_rules_equal_the_reference(spec):
    data = MarketData.for_study(spec)
    study = ops.study(spec, data)
    calendar = policy(data.calendar)
    assert_same_draws(study_placebo_cars(study, calendar, 3, seed=9), placebo_cars_reference(study, calendar, 3, 9))


def test_the_days_are_the_placebo_calendars_days():
    calendar = load_events()
    events, days = placebo_days(calendar, 6, seed=3, exclusion=10)
    assert days.shape == (6, len(policy(calendar)))
    for calendars in (placebo_calendars(calendar, 6, seed=3, exclusion=10),
                      placebo_calendars_reference(calendar, 6, seed=3, exclusion=10)):  # fmt: skip
        for row, placebo in zip(days, calendars):
            moved = sorted(placebo, key=lambda event: int(event.id.split("-")[1]))
            assert [event.announced_at for event in moved] == [
                pd.Timestamp(day).tz_localize(event.tz) for event, day in zip(events, row)
            ]
            assert [str(event.type) for event in moved] == [str(event.type) for event in events]


def test_knowable_instants_are_event_knowable_at_also_on_clock_change_days():
    """Local midnight plus 18 hours as a duration: on a day the clocks change, 19:00 or 17:00 on the wall."""
    calendar = load_events()
    events, days = placebo_days(calendar, 20, seed=1)
    zones = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Shanghai"]
    template = events[0]
    events = [*events, *(dataclasses.replace(template, announced_at=template.announced_at.tz_convert(zone))
                         for zone in zones)]  # fmt: skip
    clock_changes = np.array(["2024-03-31", "2024-03-10", "2024-04-07", "2024-03-10"], dtype="datetime64[ns]")
    days = np.concatenate([days, np.tile(clock_changes, (len(days), 1))], axis=1)
    expected = [
        dataclasses.replace(
            event, announced_at=pd.Timestamp(day).tz_localize(event.tz), known_at=None, time_of_day_known=False
        ).knowable_at()
        for row in days
        for event, day in zip(events, row)
    ]
    assert knowable_days(events, days).tolist() == expected
    london = pd.Timestamp("2024-03-31").tz_localize("Europe/London") + pd.Timedelta(hours=18)
    assert london.hour == 19  # what the rule gives on that day, which this module copies rather than fixes


@pytest.mark.parametrize("model", ["market", "market_adjusted", "mean_adjusted"])
def test_window_fits_are_estimate_pair_at_every_position(model):
    """Every position's drop rule, fit and CAR inputs against estimate_pair (statsmodels OLS)."""
    rng = np.random.default_rng(4)
    size, estimation, gap, days = 400, 60, 5, (-2, 6)
    market = rng.normal(0.0005, 0.01, size) + 0.02  # off-center, where uncentered sums would lose digits
    asset = 0.001 + 1.3 * market + rng.normal(0, 0.02, size)
    asset[0] = market[0] = np.nan
    asset[[150, 151, 300]] = np.nan
    market[220] = np.nan
    positions = np.arange(-3, size + 3)
    kept = valid_positions(asset, market, positions, days, estimation, gap)
    fits = fit_windows(asset, market, positions[kept], model, estimation, gap)
    relative = range(days[0], days[1] + 1)
    for number, position in enumerate(positions[kept]):
        pair = estimate_pair(asset, market, int(position), relative, model, estimation, gap)
        assert not isinstance(pair, str), (position, pair)
        expected = [pair.event_ar[day] for day in relative]
        returns, benchmark = (
            asset[position + days[0] : position + days[1] + 1],
            market[position + days[0] : position + days[1] + 1],
        )
        ar = returns - fits.alpha[number] - fits.beta[number] * benchmark
        np.testing.assert_allclose(ar, expected, rtol=0, atol=1e-14)
        assert fits.variance[number] == pytest.approx(pair.variance, rel=1e-10)
        if model == "market":
            assert (fits.market_mean[number], fits.market_sxx[number]) == pytest.approx(pair._market_moments, rel=1e-12)
    for position in positions[(positions >= 0) & (positions < size)][~kept[(positions >= 0) & (positions < size)]]:
        assert isinstance(estimate_pair(asset, market, int(position), relative, model, estimation, gap), str)
