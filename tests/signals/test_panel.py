from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from signals import (
    SIGNALS,
    Direction,
    Event,
    EventCalendar,
    EventType,
    SignalParams,
    build_signals,
    exchange_calendar,
    load_events,
    load_universe,
)
from signals.errors import ParameterError

UNIVERSE = load_universe()
ASSETS = ["MP", "LYC", "600111"]  # New York, Sydney, Shanghai
EXCHANGE = {"MP": "XNYS", "LYC": "XASX", "600111": "XSHG"}
ZONES = ["Asia/Shanghai", "America/New_York", "Australia/Sydney", "Europe/London"]


def _event(event_id, announced, tz="Asia/Shanghai", kind=EventType.RESTRICTION_TIGHTENING, **fields):
    direction = fields.pop("direction", Direction.TIGHTENING)
    stamp = pd.Timestamp(announced).tz_localize(tz)
    return Event(
        event_id, kind, stamp, direction, fields.pop("severity", 2), time_of_day_known=len(announced) > 10, **fields
    )


def _build(events, **kwargs):
    kwargs = {"tickers": ASSETS, "start": "2024-01-01", "asof": "2025-03-31"} | kwargs
    return build_signals(EventCalendar(events), UNIVERSE, **kwargs)


def test_panel_shape_and_full_universe():
    panel = build_signals(load_events(), UNIVERSE, "2025-10-10")
    assert panel.columns.names == ["asset", "signal"]
    assert list(panel.columns.get_level_values("asset").unique()) == list(UNIVERSE.index)
    assert list(panel["MP"].columns) == list(SIGNALS)
    assert panel.index[0] >= pd.Timestamp("2010-01-01") and panel.index[-1] == pd.Timestamp("2025-10-10")
    sessions = exchange_calendar("XASX").sessions
    lynas = panel["LYC"].dropna(how="all").index
    assert lynas.isin(sessions).all()  # an asset has values on its own exchange's sessions only


def test_beijing_announcement_after_shanghai_close_before_new_york_open():
    panel = _build([_event("e1", "2024-10-09T20:00", severity=3)])  # 20:00 Beijing = 08:00 New York
    mp, china = panel["MP"].dropna(how="all"), panel["600111"].dropna(how="all")
    assert mp.loc["2024-10-09", "impulse_restriction_tightening"] == 3  # same day in New York
    assert china.loc["2024-10-09", "impulse_restriction_tightening"] == 0
    assert china.loc["2024-10-10", "impulse_restriction_tightening"] == -3  # next Shanghai session, negative exposure
    assert mp.loc["2024-10-08", "decay"] == 0 and china.loc["2024-10-09", "decay"] == 0


def test_exposure_signs_and_common_signals():
    panel = _build([_event("e1", "2024-06-03", kind=EventType.PERMIT_APPROVAL, direction=Direction.EASING)])
    new_york, shanghai = panel.loc["2024-06-03", "MP"], panel.loc["2024-06-04", "600111"]  # 18:00 Beijing
    # Severity 2, easing (-1): impulses carry the asset's exposure (MP +1, 600111 -1); permit_flow counts
    # one approval; regime_pressure is direction x severity, unsigned by exposure.
    assert new_york["impulse_permit_approval"] == -2 and shanghai["impulse_permit_approval"] == 2
    assert new_york["permit_flow"] == shanghai["permit_flow"] == 1
    assert new_york["regime_pressure"] == shanghai["regime_pressure"] == -2
    overridden = _build([_event("e1", "2024-06-03", kind=EventType.PERMIT_APPROVAL, direction=Direction.EASING)],
                        exposure={"MP": 0})  # fmt: skip
    assert (overridden[("MP", "impulse_permit_approval")].fillna(0) == 0).all()


def test_window_countdown_on_each_exchange():
    window = _event("w1", "2024-05-12", "Europe/Zurich", EventType.NEGOTIATION_WINDOW,
                    direction=Direction.EASING, window_end=pd.Timestamp("2024-08-12", tz="Europe/Zurich"))  # fmt: skip
    panel = _build([window])
    mp = panel["MP"].dropna(how="all")
    # Announced Sunday 2024-05-12: New York trades it Monday 05-13 (05-10 is the Friday before);
    # Monday 08-12 is the window's last session.
    assert mp.loc["2024-05-10", "window_active"] == 0 and mp.loc["2024-05-13", "window_active"] == 1
    assert mp.loc["2024-08-12", "window_countdown"] == 0 and mp.loc["2024-08-13", "window_active"] == 0
    sessions = exchange_calendar("XNYS").sessions
    assert mp.loc["2024-05-13", "window_countdown"] == sessions.get_loc("2024-08-12") - sessions.get_loc("2024-05-13")


def test_overlap_policy_changes_clusters():
    events = [_event("a", "2024-03-04"), _event("b", "2024-03-05", severity=3), _event("c", "2024-03-06")]
    impulses = {}
    for policy in ("net", "merge", "keep_first"):
        panel = _build(events, params=SignalParams(overlap=policy, overlap_window=5))
        impulses[policy] = panel["MP"]["impulse_restriction_tightening"].loc["2024-03-01":"2024-03-08"].sum()
    # Severities 2, 3, 2 on New York's 03-04, 03-05, 03-06 (one cluster within 5 sessions): net adds
    # them (7), merge keeps the largest (3), keep_first the first (2).
    assert impulses == {"net": 7, "merge": 3, "keep_first": 2}


def test_revision_changes_signals_only_from_when_it_was_known():
    original = _event("e1", "2024-03-04", severity=1)
    revised = dataclasses.replace(original, severity=3, known_at=pd.Timestamp("2024-04-02 10:00", tz="UTC"),
                                  time_of_day_known=True)  # fmt: skip
    before = _build([original])
    after = _build([original, revised])
    mp_before, mp_after = before["MP"].dropna(how="all"), after["MP"].dropna(how="all")
    cut = mp_after.index.get_loc(pd.Timestamp("2024-04-02"))  # NY opens 13:30 UTC, after the revision
    pdt.assert_frame_equal(mp_after.iloc[:cut], mp_before.iloc[:cut])
    # Pressure is linear in severity: from the revision on, the event counts 3 instead of 1.
    assert mp_after["regime_pressure"].iloc[cut] == pytest.approx(3 * mp_before["regime_pressure"].iloc[cut])
    assert mp_after.loc["2024-03-04", "impulse_restriction_tightening"] == 1  # history is not rewritten
    calendar = EventCalendar([original, revised])
    assert calendar.asof("2024-03-20").get("e1").severity == 1 and calendar.get("e1").severity == 3


def test_asof_truncates_the_panel():
    panel = build_signals(load_events(), UNIVERSE, "2025-10-10", tickers=["MP", "300748"])
    assert panel.index[-1] == pd.Timestamp("2025-10-10")
    full = build_signals(load_events(), UNIVERSE, tickers=["MP", "300748"])
    pdt.assert_frame_equal(panel, full.loc[:"2025-10-10"])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days=st.integers(min_value=0, max_value=(pd.Timestamp("2026-11-30") - pd.Timestamp("2024-06-01")).days))
@example(days=(pd.Timestamp("2025-12-15") - pd.Timestamp("2024-06-01")).days)  # inside the Busan window
@example(days=(pd.Timestamp("2025-11-14") - pd.Timestamp("2024-06-01")).days)  # its extension, just begun
def test_the_panel_as_of_t_is_the_later_panel_up_to_t(days):
    """Nothing in the panel at t depends on where the data end: not even a window's countdown.

    Before the fix, sessions ran to the end of asof's year, so a window ending the next year counted
    down to 31 December: the panel as of 2025-12-15 showed 10 sessions left in a window that had 229,
    and window_optionality bought a straddle on it (found by the template contract's look-ahead test).
    """
    asof = pd.Timestamp("2024-06-01") + pd.Timedelta(days=days)
    tickers = ["MP", "LYC", "600111", "NEO.TO"]
    panel = build_signals(load_events(), UNIVERSE, asof, tickers=tickers, start="2024-01-01")
    later = build_signals(load_events(), UNIVERSE, "2026-11-30", tickers=tickers, start="2024-01-01")
    pdt.assert_frame_equal(panel, later.loc[: panel.index[-1]], check_freq=False)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"half_life": 0}, "half_life"), ({"overlap": "sum"}, "overlap"), ({"overlap_window": -1}, "overlap_window")],
)
def test_params_are_validated(kwargs, name):
    with pytest.raises(ParameterError, match=f"'{name}'"):
        SignalParams(**kwargs)


def test_bad_dates_and_exposure_are_rejected():
    with pytest.raises(ParameterError, match="'asof' = 'soon'"):
        build_signals(load_events(), UNIVERSE, "soon")
    with pytest.raises(ParameterError, match=r"'exposure\[MP\]' = 3"):
        build_signals(load_events(), UNIVERSE, exposure={"MP": 3})


# ---- point-in-time property: truncating or altering events after t changes nothing up to t ----

event_strategy = st.builds(
    dict,
    kind=st.sampled_from(list(EventType)),
    tz=st.sampled_from(ZONES),
    day=st.integers(0, 365),
    hour=st.one_of(st.none(), st.integers(0, 23)),
    direction=st.sampled_from(list(Direction)),
    severity=st.integers(1, 3),
    window=st.integers(1, 120),
)


def _make(number, spec):
    day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=spec["day"])
    announced = f"{day:%Y-%m-%d}" + (f"T{spec['hour']:02d}:00" if spec["hour"] is not None else "")
    window_end = None
    if spec["kind"] in (EventType.NEGOTIATION_WINDOW, EventType.EASING_PAUSE):
        window_end = (day + pd.Timedelta(days=spec["window"])).tz_localize(spec["tz"])
    return _event(f"e{number}", announced, spec["tz"], spec["kind"], direction=spec["direction"],
                  severity=spec["severity"], window_end=window_end)  # fmt: skip


def _rows_up_to(panel, instant):
    """For each asset, the rows of sessions that opened at or before ``instant``."""
    parts = {}
    for asset in ASSETS:
        own = panel[asset].dropna(how="all")
        opens = exchange_calendar(EXCHANGE[asset]).opens.reindex(own.index)
        parts[asset] = own[(opens <= instant).to_numpy()]
    return parts


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=st.lists(event_strategy, min_size=1, max_size=6),
    cut_hours=st.integers(0, 366 * 24),
    policy=st.sampled_from(["net", "merge", "keep_first"]),
    window=st.integers(0, 5),
    data=st.data(),
)
def test_truncating_or_altering_later_events_leaves_the_past_unchanged(specs, cut_hours, policy, window, data):
    events = [_make(number, spec) for number, spec in enumerate(specs)]
    cut = pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=cut_hours)
    known = [event for event in events if event.knowable_at() <= cut]
    later = [event for event in events if event.knowable_at() > cut]
    altered = [
        dataclasses.replace(
            event,
            severity=data.draw(st.integers(1, 3)),
            direction=data.draw(st.sampled_from(list(Direction))),
        )
        for event in later
    ]
    revision_of_known = [
        dataclasses.replace(event, severity=3, known_at=cut + pd.Timedelta(hours=1), time_of_day_known=True)
        for event in known[:1]
    ]
    params = SignalParams(overlap=policy, overlap_window=window)
    reference = _rows_up_to(_build(events, params=params), cut)
    for variant in (known, known + altered, events + revision_of_known):
        candidate = _rows_up_to(_build(variant, params=params), cut)
        for asset in ASSETS:
            pdt.assert_frame_equal(candidate[asset], reference[asset])


def test_shipped_calendar_property_on_real_cut_dates():
    calendar = load_events()
    # Around shipped events: before 2025-04-04-RT (18:00 Beijing, 10:00 UTC), between 2025-10-09-RT
    # (09:00 Beijing, 01:00 UTC) and 2025-10-09-RT-2 (19:00 Beijing), before 2025-11-07-NW (19:00 Beijing).
    for cut in ("2025-04-04 06:00", "2025-10-09 06:00", "2025-11-07 03:00"):
        instant = pd.Timestamp(cut, tz="UTC")
        full = build_signals(calendar, UNIVERSE, tickers=ASSETS, start="2025-01-01")
        truncated = build_signals(calendar.asof(instant), UNIVERSE, tickers=ASSETS, start="2025-01-01")
        reference, candidate = _rows_up_to(full, instant), _rows_up_to(truncated, instant)
        for asset in ASSETS:
            pdt.assert_frame_equal(candidate[asset], reference[asset])
            assert len(reference[asset]) > 10
    assert np.isfinite(full.to_numpy()[~np.isnan(full.to_numpy())]).all()


def test_panel_without_asof_runs_to_today():
    panel = build_signals(load_events(), UNIVERSE, tickers=["MP"], start="2026-01-01")
    last_session = exchange_calendar("XNYS").date_to_session(pd.Timestamp.today().normalize(), direction="previous")
    assert panel.index[-1] == last_session
