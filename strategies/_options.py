"""Black-Scholes pricing for synthetic options on the equity series."""

from __future__ import annotations

import numpy as np

__all__ = ["LEGS", "black_scholes", "option_value", "realized_volatility"]

LEGS = ("straddle", "call", "put")


def black_scholes(spot, strike, years, volatility, rate=0.0, kind: str = "call") -> np.ndarray:
    """European option price (no dividends); at or after expiry (``years <= 0``) the intrinsic value.

    Parameters are broadcast numpy-style: ``spot`` and ``strike`` in currency, ``years`` to
    expiry, annual ``volatility`` and continuously compounded ``rate``.

    Examples
    --------
    Hull, *Options, Futures, and Other Derivatives*, Example 15.6: S=42, K=40, r=10%, sigma=20%,
    T=0.5 gives a call of 4.76 and a put of 0.81.

    >>> round(float(black_scholes(42, 40, 0.5, 0.2, 0.1, "call")), 2)
    4.76
    >>> round(float(black_scholes(42, 40, 0.5, 0.2, 0.1, "put")), 2)
    0.81
    """
    from scipy.special import ndtr  # imported here: the signal job never needs scipy

    if kind not in ("call", "put"):
        raise ValueError(f"unknown option kind {kind!r}; expected 'call' or 'put'")
    spot, strike, years, volatility, rate = np.broadcast_arrays(
        *map(np.asarray, (spot, strike, years, volatility, rate))
    )
    spot, strike, years, volatility, rate = (a.astype(float) for a in (spot, strike, years, volatility, rate))
    live = years > 0
    safe_years = np.where(live, years, 1.0)
    deviation = np.where(live, volatility, 1.0) * np.sqrt(safe_years)
    d1 = (np.log(spot / strike) + (rate + 0.5 * volatility**2) * safe_years) / deviation
    d2 = d1 - deviation
    discount = strike * np.exp(-rate * safe_years)
    if kind == "call":
        price = spot * ndtr(d1) - discount * ndtr(d2)
        intrinsic = np.maximum(spot - strike, 0.0)
    else:
        price = discount * ndtr(-d2) - spot * ndtr(-d1)
        intrinsic = np.maximum(strike - spot, 0.0)
    return np.where(live, price, intrinsic)


def option_value(leg: str, spot, strike, years, volatility, rate=0.0) -> np.ndarray:
    """Value of one ``leg``: a call, a put, or a straddle (one of each at the same strike)."""
    if leg == "straddle":
        return black_scholes(spot, strike, years, volatility, rate, "call") + black_scholes(
            spot, strike, years, volatility, rate, "put"
        )
    return black_scholes(spot, strike, years, volatility, rate, leg)


def realized_volatility(prices: np.ndarray, lookback: int, periods_per_year: float = 252.0) -> np.ndarray:
    """Annualized volatility of log returns over the ``lookback`` sessions *before* each one (NaN early)."""
    volatility = np.full(len(prices), np.nan)
    if len(prices) <= lookback + 1:
        return volatility
    log_returns = np.diff(np.log(prices), prepend=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(log_returns, lookback)
    # Session i uses returns i-lookback .. i-1: the window ending at i-1.
    volatility[lookback + 1 :] = np.nanstd(windows[1 : len(prices) - lookback], axis=1, ddof=1) * np.sqrt(
        periods_per_year
    )
    return volatility
