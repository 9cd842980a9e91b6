"""Placebo events, the deflated Sharpe ratio, walk-forward folds and per-event attribution."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

from backtests import (
    RunSpec,
    attribution,
    deflated_sharpe_ratio,
    ops,
    placebo_calendars,
    run_backtest,
    walk_forward,
)
from backtests.measures._performance import periods_per_year
from backtests.measures._pvalue import empirical_p_value
from signals import POLICY_TYPES, load_events
from signals.errors import ParameterError

from .reference import event_study_reference as reference


def test_deflated_sharpe_matches_the_independent_reference():
    expected = reference.dsr_reference()
    result = deflated_sharpe_ratio(np.array(expected["returns"]), np.array(expected["trials"]))
    for key in ("sharpe", "expected_max_sharpe", "dsr"):
        assert result[key] == pytest.approx(expected[key], rel=1e-9), key
    assert result["trials"] == 25


def test_deflated_sharpe_follows_the_paper_and_shows_its_inputs():
    """Bailey & López de Prado (2014), eqs. for SR0 and DSR, written out here with math and scipy's normal only."""
    from scipy.stats import norm

    rng = np.random.default_rng(11)
    returns = rng.standard_t(4, 750) * 0.01 + 0.0008  # fat tails: skew and kurtosis matter
    per_year = 252.0
    annual_trials = rng.normal(0.4, 0.35, 30)  # annualized Sharpe ratios, as a sweep table holds them
    trials = annual_trials / math.sqrt(per_year)
    n, count = len(returns), len(trials)
    mean = sum(returns) / n
    sd = math.sqrt(sum((r - mean) ** 2 for r in returns) / (n - 1))
    m2 = sum((r - mean) ** 2 for r in returns) / n
    skew = sum((r - mean) ** 3 for r in returns) / n / m2**1.5
    kurtosis = sum((r - mean) ** 4 for r in returns) / n / m2**2
    sharpe = mean / sd
    trial_mean = sum(trials) / count
    variance = sum((s - trial_mean) ** 2 for s in trials) / (count - 1)
    gamma = 0.5772156649015329
    sr0 = math.sqrt(variance) * ((1 - gamma) * norm.ppf(1 - 1 / count) + gamma * norm.ppf(1 - 1 / (count * math.e)))
    dsr = norm.cdf((sharpe - sr0) * math.sqrt(n - 1) / math.sqrt(1 - skew * sharpe + (kurtosis - 1) / 4 * sharpe**2))

    result = deflated_sharpe_ratio(returns, trials, per_year)
    expected = {
        "dsr": dsr, "sharpe": sharpe, "expected_max_sharpe": sr0, "trial_sharpe_variance": variance,
        "sharpe_annualized": sharpe * math.sqrt(per_year), "expected_max_sharpe_annualized": sr0 * math.sqrt(per_year),
        "trial_sharpe_variance_annualized": float(np.var(annual_trials, ddof=1)), "skew": skew, "kurtosis": kurtosis,
        "periods_per_year": per_year,
    }  # fmt: skip
    for key, value in expected.items():
        assert result[key] == pytest.approx(value, rel=1e-9), key
    assert (result["trials"], result["observations"]) == (30, 750)
    assert 0 < result["dsr"] < 1 and kurtosis > 3.5  # a fat-tailed case, not the normal one
    # Without the sessions per year, nothing is annualized (never a silently per-session "annual" number).
    bare = deflated_sharpe_ratio(returns, trials)
    assert bare["sharpe_annualized"] is None and bare["periods_per_year"] is None
    assert bare["dsr"] == result["dsr"]
    with pytest.raises(ParameterError, match="'periods_per_year'"):
        deflated_sharpe_ratio(returns, trials, 0.0)


def test_a_sweeps_deflated_sharpe_is_annualized_like_its_table():
    result = ops.sweep(RunSpec("event_drift", {}, ("MP", "LYC"), "2023-01-01"), {"horizon": [5, 10]})
    portfolio = result.table[result.table["scope"] == "portfolio"]
    dsr = result.dsr
    assert dsr["sharpe_annualized"] == pytest.approx(portfolio["sharpe"].max(), rel=1e-9)
    assert dsr["periods_per_year"] == pytest.approx(periods_per_year(result.best_returns.index), rel=1e-12)
    assert dsr["sharpe"] == pytest.approx(dsr["sharpe_annualized"] / math.sqrt(dsr["periods_per_year"]), rel=1e-12)
    annual = portfolio["sharpe"].to_numpy()
    assert dsr["trial_sharpe_variance_annualized"] == pytest.approx(np.var(annual, ddof=1), rel=1e-9)
    assert dsr["trials"] == 2 and dsr["observations"] == len(result.best_returns) - 1


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
    assert list(table["event_id"]) == [e.id for e in result.calendar] + ["residual (no event)"]
    traded = table[(table["trades"] > 0) & (table["type"] != "residual")]
    trades = result.trades.dropna(subset=["event_ids"])
    # Money stays in its currency: each currency's P&L adds up to that currency's trades, and the
    # contributions (units of the portfolio's return) add up to the total return with the residual row.
    for currency, part in trades.groupby("currency"):
        amounts = [float(item.split(":")[1]) for cell in traded["pnl_by_currency"] for item in str(cell).split(";")
                   if item.startswith(f"{currency}:")]  # fmt: skip
        assert sum(amounts) == pytest.approx(part["pnl"].sum(), abs=0.01 * len(amounts) + 1e-6)
    assert set(trades["currency"]) == {"USD", "AUD"}
    total = result.stats.loc[("portfolio", "strategy"), "total_return"]
    assert table["contribution"].sum() == pytest.approx(total, abs=1e-9)
    assert "pnl" not in table.columns
    assert traded["mean_abnormal_return"].notna().all()
    reasons = {"time", "signal", "opposite_signal", "stop_loss", "take_profit", "trailing_stop", "open"}
    assert set(";".join(traded["exits"]).split(";")) <= reasons


def test_trades_no_event_opened_go_to_the_residual():
    """The residual row is what no event explains: here, the trades of one asset stripped of their events."""
    result = run_backtest(tickers=["MP", "LYC"], start="2023-01-01")
    before = attribution(result)
    lyc = result.trades["asset"] == "LYC"
    stripped = dataclasses.replace(result, trades=result.trades.assign(event_ids=result.trades["event_ids"].mask(lyc)))
    after = attribution(stripped)
    residual = after.set_index("event_id").loc["residual (no event)"]
    assert residual["trades"] == lyc.sum() and residual["assets"] == ";".join(["LYC"] * lyc.sum())
    assert residual["pnl_by_currency"].startswith("AUD:")
    total = result.stats.loc[("portfolio", "strategy"), "total_return"]
    assert after["contribution"].sum() == pytest.approx(total, abs=1e-9)
    assert before["contribution"].sum() == pytest.approx(total, abs=1e-9)
    # What LYC's trades contributed under their events is now the residual, to the last digit.
    moved = before["contribution"].to_numpy()[:-1] - after["contribution"].to_numpy()[:-1]
    assert residual["contribution"] == pytest.approx(moved.sum() + before["contribution"].iloc[-1], abs=1e-12)
    assert abs(residual["contribution"]) > 1e-3


def test_placebo_uses_the_users_events(tmp_path, write_events, monkeypatch):
    """reelab run --events F --placebo N: the real Sharpe and every placebo calendar come from F."""
    import backtests.ops._draws as placebo_module
    from backtests.cli import main

    rows = [{"announced": day} for day in ("2024-03-04", "2024-06-03", "2024-09-02", "2025-01-06", "2025-04-04")]
    path = write_events(*rows)
    mine = load_events(path)
    seen = []
    original = placebo_module.placebo_days
    monkeypatch.setattr(placebo_module, "placebo_days", lambda calendar, *a, **k: seen.append(calendar) or
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
