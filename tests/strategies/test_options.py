"""Black-Scholes against published examples, put-call parity and an independent integral."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from strategies import black_scholes, option_value, realized_volatility


def test_hull_example_15_6():
    # Hull, Options, Futures, and Other Derivatives (8th ed.), Example 15.6: S=42, K=40, r=0.10,
    # sigma=0.20, T=0.5 -> c = 4.76, p = 0.81.
    assert round(float(black_scholes(42, 40, 0.5, 0.2, 0.1, "call")), 2) == 4.76
    assert round(float(black_scholes(42, 40, 0.5, 0.2, 0.1, "put")), 2) == 0.81


def test_hull_delta_hedging_example():
    # Hull, Section 19.4: S=49, K=50, r=0.05, sigma=0.20, T=20 weeks (0.3846 years): the
    # Black-Scholes price of 100,000 calls is about $240,000, i.e. 2.40 per option.
    assert round(float(black_scholes(49, 50, 0.3846, 0.2, 0.05, "call")), 2) == 2.40


def _integrated_call(spot, strike, years, volatility, rate):
    """Discounted expected payoff under the risk-neutral lognormal law, by numerical quadrature.

    S_T = S exp((r - sigma^2/2) T + sigma sqrt(T) z), z standard normal; integrate the payoff over z
    from the break-even point (where S_T = K) to +12.
    """
    drift, scale = np.log(spot) + (rate - 0.5 * volatility**2) * years, volatility * np.sqrt(years)
    breakeven = (np.log(strike) - drift) / scale
    value, _ = integrate.quad(
        lambda z: (np.exp(drift + scale * z) - strike) * stats.norm.pdf(z), breakeven, max(breakeven, 0) + 12, limit=200
    )
    return np.exp(-rate * years) * value


@settings(max_examples=60, deadline=None)
@given(
    spot=st.floats(5, 200),
    moneyness=st.floats(0.7, 1.3),
    years=st.floats(0.02, 2.0),
    volatility=st.floats(0.05, 1.2),
    rate=st.floats(0.0, 0.1),
)
def test_put_call_parity_and_the_integral(spot, moneyness, years, volatility, rate):
    strike = spot * moneyness
    call = float(black_scholes(spot, strike, years, volatility, rate, "call"))
    put = float(black_scholes(spot, strike, years, volatility, rate, "put"))
    assert call - put == pytest.approx(spot - strike * np.exp(-rate * years), abs=1e-9 * spot)
    assert call == pytest.approx(_integrated_call(spot, strike, years, volatility, rate), rel=1e-5, abs=1e-7 * spot)
    straddle = float(option_value("straddle", spot, strike, years, volatility, rate))
    assert straddle == pytest.approx(call + put)


def test_expiry_pays_intrinsic_value():
    assert black_scholes(12, 10, 0.0, 0.3, 0.05, "call") == 2 and black_scholes(12, 10, 0.0, 0.3, 0.05, "put") == 0
    assert option_value("straddle", 8, 10, 0.0, 0.3) == 2


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown option kind 'swap'"):
        black_scholes(1, 1, 1, 0.2, kind="swap")


def test_realized_volatility_uses_only_earlier_sessions():
    prices = np.exp(np.cumsum(np.random.default_rng(1).normal(0, 0.02, 80)))
    volatility = realized_volatility(prices, 20)
    changed = prices.copy()
    changed[50:] *= 1.5  # a jump on session 50 and after
    after = realized_volatility(changed, 20)
    np.testing.assert_array_equal(volatility[:51], after[:51])  # session 50 sees returns up to session 49
    assert after[51] != volatility[51]  # session 51 is the first to see the jump (the move from 49 to 50)
    returns = np.diff(np.log(prices))  # returns[k] is the move from session k to k + 1
    # Session 40 uses the 20 returns before it, sessions 20..39 (returns[19:39]); 252 sessions a year.
    assert volatility[40] == pytest.approx(returns[19:39].std(ddof=1) * np.sqrt(252))
