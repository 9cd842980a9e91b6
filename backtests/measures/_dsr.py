"""The deflated Sharpe ratio (Bailey & López de Prado, 2014), with its inputs shown.

The test runs on per-period returns, as the paper states it: the Sharpe ratio ``SR`` of the
selected strategy and the variance of the trials' Sharpe ratios are per period, and so is the
expected maximum ``SR0`` of ``N`` trials with no skill::

    SR0 = sqrt(V[SR_n]) * ((1 - g) * Z^-1(1 - 1/N) + g * Z^-1(1 - 1/(N e)))     (g: Euler's constant)
    DSR = Z((SR - SR0) * sqrt(T - 1) / sqrt(1 - skew * SR + (kurtosis - 1) / 4 * SR^2))

with ``T`` returns, their skewness and (non-excess: 3 for a normal distribution) kurtosis as
population moments. Every report shows Sharpe ratios annualized: the result carries both, labelled.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from signals.errors import ParameterError

__all__ = ["EULER_GAMMA", "deflated_sharpe_ratio"]

EULER_GAMMA = 0.5772156649015329


def deflated_sharpe_ratio(
    returns: np.ndarray, trial_sharpes: np.ndarray, periods_per_year: float | None = None
) -> dict[str, Any]:
    """Probability that the selected strategy's Sharpe ratio beats what ``N`` trials would give by luck.

    Parameters
    ----------
    returns : array
        Per-period returns of the selected (best) strategy.
    trial_sharpes : array
        Per-period (not annualized) Sharpe ratios of every trial, the selected one included: divide
        annualized ones by ``sqrt(periods_per_year)`` first.
    periods_per_year : float, optional
        Periods per year of ``returns`` (see :func:`backtests.measures._performance.periods_per_year`); with it the
        result also holds the Sharpe ratios and the trials' variance annualized (else those are None).

    Returns
    -------
    dict
        ``dsr`` (a probability); per period: ``sharpe``, ``expected_max_sharpe`` (SR0) and
        ``trial_sharpe_variance``; annualized: ``sharpe_annualized``, ``expected_max_sharpe_annualized``,
        ``trial_sharpe_variance_annualized``; the inputs: ``trials`` (N), ``observations`` (T),
        ``skew``, ``kurtosis`` (non-excess) and ``periods_per_year``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> result = deflated_sharpe_ratio(rng.normal(0.001, 0.01, 500), rng.normal(0.0, 0.02, 20), 252.0)
    >>> sorted(result)[:4]
    ['dsr', 'expected_max_sharpe', 'expected_max_sharpe_annualized', 'kurtosis']
    """
    from scipy import stats as distributions  # imported here: a plain run does not need scipy

    returns = np.asarray(returns, dtype=float)
    returns = returns[np.isfinite(returns)]
    trials = np.asarray(trial_sharpes, dtype=float)
    trials = trials[np.isfinite(trials)]
    count = len(trials)
    if len(returns) < 3 or count < 2:
        raise ParameterError("trial_sharpes", count, "at least 2 trials and 3 returns")
    if periods_per_year is not None and not (math.isfinite(periods_per_year) and periods_per_year > 0):
        raise ParameterError("periods_per_year", periods_per_year, "a positive number of periods, e.g. 252")
    sharpe = returns.mean() / returns.std(ddof=1)
    skew = distributions.skew(returns)
    kurtosis = distributions.kurtosis(returns, fisher=False)
    variance = trials.var(ddof=1)
    normal = distributions.norm
    expected_max = np.sqrt(variance) * (
        (1 - EULER_GAMMA) * normal.ppf(1 - 1 / count) + EULER_GAMMA * normal.ppf(1 - 1 / (count * np.exp(1.0)))
    )
    z = (
        (sharpe - expected_max)
        * np.sqrt(len(returns) - 1)
        / np.sqrt(1 - skew * sharpe + (kurtosis - 1) / 4 * sharpe**2)
    )
    scale = math.sqrt(periods_per_year) if periods_per_year is not None else None

    def annualized(value: float, power: int = 1) -> float | None:
        return None if scale is None else float(value * scale**power)

    return {
        "dsr": float(normal.cdf(z)),
        "sharpe": float(sharpe),
        "expected_max_sharpe": float(expected_max),
        "trial_sharpe_variance": float(variance),
        "sharpe_annualized": annualized(sharpe),
        "expected_max_sharpe_annualized": annualized(expected_max),
        "trial_sharpe_variance_annualized": annualized(variance, 2),
        "trials": count,
        "observations": len(returns),
        "skew": float(skew),
        "kurtosis": float(kurtosis),
        "periods_per_year": None if periods_per_year is None else float(periods_per_year),
    }
