"""The study placebo as it was computed before the vectorized one: one calendar and one event study per draw.

Frozen here as the parity reference of :mod:`backtests.ops._study_draws` (tests/backtests/test_study_placebo.py):
the random days are drawn with their own loop (as ``backtests.ops._draws.placebo_calendars`` drew them), each
draw is a full :func:`backtests.ops._study.event_study` (``signals.align_events``, then ``estimate_pair`` with
statsmodels OLS per pair). One change from the code it was taken from: the draws use the study's close rule
(``close_margin``) rather than event_study's default, as the real study does.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from backtests.ops._draws import _policy, placebo_pool
from backtests.ops._study import StudyResult, event_study
from signals import EventCalendar


def placebo_calendars_reference(
    calendar: EventCalendar, draws: int, seed: int = 0, exclusion: int = 20, start=None, end=None
) -> list[EventCalendar]:
    """``draws`` calendars: each policy event moved to a random New York session (date-only, its own zone)."""
    calendar = _policy(calendar)
    pool = placebo_pool(calendar, exclusion, start, end)
    rng = np.random.default_rng(seed)
    calendars = []
    for draw in range(draws):
        days = pool[np.sort(rng.choice(len(pool), size=len(calendar), replace=False))]
        events = [
            dataclasses.replace(
                event,
                id=f"placebo{draw}-{number}",
                announced_at=day.tz_localize(event.tz),
                known_at=None,
                time_of_day_known=False,
                effective_at=None,
                window_end=None
                if event.window_end is None
                else day.tz_localize(event.tz) + (event.window_end - event.announced_at),
            )
            for number, (event, day) in enumerate(zip(sorted(calendar, key=lambda e: e.announced_at), days))
        ]
        calendars.append(EventCalendar(events, f"placebo draw {draw}"))
    return calendars


def placebo_cars_reference(study: StudyResult, calendar: EventCalendar, draws: int, seed: int = 0) -> pd.DataFrame:
    """One row per (draw, window): ``draw``, ``window`` (``start:end``), ``mean_car`` and ``n`` (pairs)."""
    assert study.spec is not None and study.data is not None
    spec, close, universe = study.spec, study.data.close, study.data.universe
    tickers = sorted(study.car["ticker"].unique())
    rows = []
    for draw, placebo_calendar in enumerate(placebo_calendars_reference(calendar, draws, seed)):
        placebo = event_study(placebo_calendar, universe, tickers, windows=study.windows, model=study.model,
                              estimation=spec.estimation, gap=spec.gap, close=close, tests=False,
                              close_margin=spec.close_margin)  # fmt: skip
        for (start, end), part in placebo.car.groupby(["window_start", "window_end"]):
            rows.append((draw, f"{start}:{end}", float(part["car"].mean()), len(part)))
    return pd.DataFrame(rows, columns=["draw", "window", "mean_car", "n"])
