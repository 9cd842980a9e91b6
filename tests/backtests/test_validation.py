"""Placebo events, the deflated Sharpe ratio, walk-forward folds and per-event attribution."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from backtests import attribution, deflated_sharpe_ratio, placebo_calendars, run_backtest, walk_forward
from backtests._validation import empirical_p_value
from signals import POLICY_TYPES, load_events
from signals.errors import ParameterError

from .reference import event_study_reference as reference


def test_deflated_sharpe_matches_the_independent_reference():
    expected = reference.dsr_reference()
    result = deflated_sharpe_ratio(np.array(expected["returns"]), np.array(expected["trials"]))
    for key in ("sharpe", "expected_max_sharpe", "dsr"):
        assert result[key] == pytest.approx(expected[key], rel=1e-9), key
    assert result["trials"] == 25


def test_more_trials_deflate_more():
    rng = np.random.default_rng(3)
    returns = rng.normal(0.001, 0.01, 500)
    few = deflated_sharpe_ratio(returns, rng.normal(0.02, 0.02, 10))["dsr"]
    many = deflated_sharpe_ratio(returns, rng.normal(0.02, 0.02, 1000))["dsr"]
    assert 0 <= many < few <= 1


def test_placebo_calendars_match_the_real_one():
    shipped = load_events().filter(start="2020-01-01")
    draws = placebo_calendars(shipped, 5, seed=1, exclusion=10)
    # Confounders (not China's acts, traded by no template) are neither drawn nor avoided.
    calendar = shipped.filter(types=[str(kind) for kind in POLICY_TYPES])
    assert 0 < len(calendar) < len(shipped)
    real_days = pd.DatetimeIndex([e.announced_at.tz_localize(None).normalize() for e in calendar])
    for placebo in draws:
        assert len(placebo) == len(calendar)
        assert sorted(str(e.type) for e in placebo) == sorted(str(e.type) for e in calendar)
        days = pd.DatetimeIndex([e.announced_at.tz_localize(None).normalize() for e in placebo])
        gaps = np.abs(np.subtract.outer(days.values, real_days.values)).min(axis=1)
        assert (gaps > np.timedelta64(10, "D")).all()  # 10 sessions span more than 10 days
    assert [e.announced_at for e in draws[0]] != [e.announced_at for e in draws[1]]
    assert [e.announced_at for e in placebo_calendars(calendar, 1, seed=1, exclusion=10)[0]] == [
        e.announced_at for e in draws[0]
    ]  # seeded
    with pytest.raises(ParameterError, match="'draws'"):
        placebo_calendars(calendar, 0)


def test_empirical_p_value():
    null = np.array([-2.0, -1.0, 0.0, 1.0, 3.0])
    assert empirical_p_value(2.5, null) == pytest.approx(2 / 6)
    assert empirical_p_value(0.0, null) == pytest.approx(1.0)


def test_walk_forward_cuts_on_event_dates_with_an_embargo():
    folds = walk_forward("event_drift", {"horizon": [5, 10]}, folds=2, embargo=10, tickers=["MP", "LYC", "REMX"])
    assert list(folds["fold"]) == [1, 2]
    calendar_days = {e.announced_at.tz_localize(None).normalize() for e in load_events()}
    assert set(folds["test_start"]) <= calendar_days
    assert (folds["train_end"] < folds["test_start"]).all()
    assert folds["params"].map(lambda p: p["horizon"] in (5, 10)).all()
    assert {"in_sample_sharpe", "out_of_sample_sharpe"} <= set(folds.columns)


def test_attribution_has_one_row_per_event():
    result = run_backtest(tickers=["MP", "LYC", "REMX"], start="2024-01-01")
    table = attribution(result)
    assert list(table["event_id"]) == [e.id for e in result.calendar]
    traded = table[table["trades"] > 0]
    trades = result.trades.dropna(subset=["event_ids"])
    # Money stays in its currency: each currency's P&L adds up to that currency's trades, and the
    # unitless contribution is each trade's P&L over its own sleeve's capital.
    for currency, part in trades.groupby("currency"):
        amounts = [float(item.split(":")[1]) for cell in traded["pnl_by_currency"] for item in str(cell).split(";")
                   if item.startswith(f"{currency}:")]  # fmt: skip
        assert sum(amounts) == pytest.approx(part["pnl"].sum(), abs=0.01 * len(amounts) + 1e-6)
    assert set(trades["currency"]) == {"USD", "AUD"}
    assert traded["contribution"].sum() == pytest.approx(trades["pnl"].sum() / result.costs.init_cash, rel=1e-9)
    assert "pnl" not in table.columns
    assert traded["mean_abnormal_return"].notna().all()
    reasons = {"time", "signal", "opposite_signal", "stop_loss", "take_profit", "trailing_stop", "open"}
    assert set(";".join(traded["exits"]).split(";")) <= reasons


def test_placebo_uses_the_users_events(tmp_path, write_events, monkeypatch):
    """reelab run --events F --placebo N: the real Sharpe and every placebo calendar come from F."""
    import backtests._validation as validation
    from backtests.cli import main

    rows = [{"announced": day} for day in ("2024-03-04", "2024-06-03", "2024-09-02", "2025-01-06", "2025-04-04")]
    path = write_events(*rows)
    mine = load_events(path)
    seen = []
    original = validation.placebo_calendars
    monkeypatch.setattr(validation, "placebo_calendars", lambda calendar, *a, **k: seen.append(calendar) or
                        original(calendar, *a, **k))  # fmt: skip
    out = tmp_path / "run"
    arguments = ["run", "--events", str(path), "--tickers", "MP,LYC", "--start", "2023-06-01", "--placebo", "4"]
    assert main([*arguments, "--out", str(out)]) == 0
    assert [e.id for e in seen[0]] == [e.id for e in mine]  # the placebo draws move the user's five events
    placebo = pd.read_csv(out / "placebo_sharpe.csv")
    real = run_backtest(tickers=["MP", "LYC"], start="2023-06-01", calendar=mine)
    assert placebo["actual"].iloc[0] == pytest.approx(real.stats.loc[("portfolio", "strategy"), "sharpe"], rel=1e-9)
    shipped = run_backtest(tickers=["MP", "LYC"], start="2023-06-01")
    assert placebo["actual"].iloc[0] != pytest.approx(shipped.stats.loc[("portfolio", "strategy"), "sharpe"])
    # --merge adds the file to the shipped calendar.
    merged = tmp_path / "merged"
    assert main([*arguments[:-2], "--merge", "--out", str(merged)]) == 0
    config = json.loads((merged / "config.json").read_text())
    assert config["merge"] is True
