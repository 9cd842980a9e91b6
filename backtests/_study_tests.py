"""Tests of mean abnormal returns for a group of (event, asset) pairs, over one event window.

Policy events hit every asset on the same dates, so the pairs are not independent: the tests that
matter here respect how events cluster in calendar time. Two pairs belong to one *cluster* when
their event windows share a calendar date, or when they come from the same event (news reaches
exchanges a session apart, and markets move together across that lag); clusters are the connected
components of that relation. Where the windows of different events do not overlap, the clusters
are the event dates.

* ``csect_t``: cross-sectional t of the CARs (Brown & Warner 1985).
* ``patell_z``: sum of SCARs / sqrt(sum (L-2)/(L-4)) (Patell 1976).
* ``bmp_t``: cross-sectional t of the SCARs (Boehmer, Musumeci & Poulsen 1991). Assumes independent pairs.
* ``kp_cluster_t``: Kolari & Pynnönen (2010) generalised from one average correlation to the
  correlation matrix of the SCARs implied by the residual correlations and the overlap of the
  windows: R_ij = rho_ij |W_i ∩ W_j| / sqrt(|W_i| |W_j|) (0 when the windows share no date),
  rho_ij the correlation of the estimation residuals on the sessions both windows cover (at least
  30, else 0). With S = sum_{i != j} R_ij and rho_bar = S / (N (N - 1)),
  t = sum SCAR / sqrt(s^2 / (1 - rho_bar) (N + S)). With every R_ij = r it is KP's own formula.
* ``portfolio_t``: calendar-time portfolios (Jaffe 1974, Mandelker 1974): one portfolio per
  cluster, its CAR the mean CAR of its pairs; the t-test of the portfolio CARs across clusters.
* ``clustered_bmp_t``: BMP with standard errors clustered by cluster (Liang & Zeger 1986; the CR1
  small-sample factor, Cameron & Miller 2015), from statsmodels' OLS.
* ``corrado_rank``: the sum over the window of the mean standardized rank / (sqrt(K) s_U); each pair's
  estimation residuals and the window's own days are ranked together, independently of any
  other window (Corrado 1989; Cowan 1992 for multi-day windows).
* ``generalized_sign``: (w - N p) / sqrt(N p (1 - p)), w the positive CARs, p the share of
  positive estimation residuals (Cowan 1992).

The three cluster tests take their p-values from Student's t with G - 1 degrees of freedom (G
clusters); the others as their papers do. ``benchmarks/study_size.py`` measures every test's size
and power by simulation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as distributions
from statsmodels.stats.weightstats import DescrStatsW

__all__ = [
    "CLUSTER_TESTS",
    "TESTS",
    "average_correlation",
    "clusters",
    "group_tests",
    "kp_average_bmp_t",
    "residual_correlations",
]

TESTS = (
    "csect_t", "patell_z", "bmp_t", "kp_cluster_t", "portfolio_t", "clustered_bmp_t", "corrado_rank",
    "generalized_sign",
)  # fmt: skip
#: The tests that respect calendar-time clustering; ``portfolio_t`` is the one the README recommends.
CLUSTER_TESTS = ("kp_cluster_t", "portfolio_t", "clustered_bmp_t")
MIN_COMMON = 30  # sessions two estimation windows must share for their residual correlation to count


def clusters(pairs: Sequence, windows: Sequence[tuple[int, int]]) -> np.ndarray:
    """Cluster label of each pair: linked to another by a shared event, or by a calendar date both
    windows cover (for any of ``windows``); labels are the connected components."""
    parent = list(range(len(pairs)))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    first_of: dict[object, int] = {}
    for number, pair in enumerate(pairs):
        keys = {("event", pair.event_id)} if pair.event_id else set()
        keys |= {("day", int(day)) for window in windows for day in pair.window_sessions(window)}
        for key in keys:
            if key in first_of:
                parent[root(number)] = root(first_of[key])
            else:
                first_of[key] = number
    return pd.factorize(np.array([root(number) for number in range(len(pairs))]))[0]


def _overlap_weights(pairs: Sequence, window: tuple[int, int]) -> np.ndarray:
    """w_ij = |W_i ∩ W_j| / sqrt(|W_i| |W_j|): the share of their windows two pairs have in common (diagonal 0)."""
    stamps = [pair.window_sessions(window) for pair in pairs]
    dates = np.unique(np.concatenate(stamps))
    covered = np.zeros((len(pairs), len(dates)))
    for row, own in enumerate(stamps):
        covered[row, np.searchsorted(dates, own)] = 1.0
    shared = covered @ covered.T  # calendar dates both windows cover
    lengths = np.sqrt(np.diag(shared))
    weights = shared / np.outer(lengths, lengths)
    np.fill_diagonal(weights, 0.0)
    return weights


def _residual_matrix(pairs: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """(values, present): sessions x pairs, each pair's estimation residuals on the sessions it covers."""
    stamps = [pair.estimation_sessions.asi8 for pair in pairs]
    sessions = np.unique(np.concatenate(stamps))
    values = np.zeros((len(sessions), len(pairs)))
    present = np.zeros_like(values)
    for column, (pair, own) in enumerate(zip(pairs, stamps)):
        rows = np.searchsorted(sessions, own)
        values[rows, column] = pair.estimation_ar
        present[rows, column] = 1.0
    return values, present


def residual_correlations(pairs: Sequence, minimum: int = MIN_COMMON) -> tuple[np.ndarray, np.ndarray]:
    """(correlations, common sessions) of the pairs' estimation residuals, pair by pair.

    Pearson correlations on the sessions both estimation windows cover, 0 where they share fewer
    than ``minimum``; pairwise-complete, from masked matrix products in one pass.
    """
    values, present = _residual_matrix(pairs)
    count = present.T @ present
    sums = values.T @ present  # sums[i, j]: sum of i's residuals on the sessions j also covers
    squares = (values**2).T @ present
    products = values.T @ values
    with np.errstate(invalid="ignore", divide="ignore"):
        covariance = count * products - sums * sums.T
        spread = np.sqrt((count * squares - sums**2) * (count * squares - sums**2).T)
        correlation = np.where((count >= minimum) & (spread > 0), covariance / spread, 0.0)
    np.fill_diagonal(correlation, 1.0)
    return correlation, count


def _ranks(pairs: Sequence, window: tuple[int, int]) -> np.ndarray:
    """Corrado's standardized ranks U = K/(T+1) - 1/2: pairs x (estimation sessions + the window's days).

    Each pair's estimation residuals are ranked together with the window's own days only.
    """
    days = range(window[0], window[1] + 1)
    values = np.array([np.concatenate([pair.estimation_ar, [pair.event_ar[day] for day in days]]) for pair in pairs])
    return distributions.rankdata(values, axis=1) / (values.shape[1] + 1) - 0.5


def _t(value: float, df: int) -> tuple[float, float]:
    return float(value), float(2 * distributions.t.sf(abs(value), df))


def _normal(value: float) -> tuple[float, float]:
    return float(value), float(2 * distributions.norm.sf(abs(value)))


def group_tests(
    pairs: Sequence, windows: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], dict[str, tuple[float, float]]]:
    """The tests of a group of pairs over each window: {window: {statistic: (value, two-sided p-value)}}.

    Each window's results also hold ``clusters``: (G, nan), its number of clusters. The cluster
    tests need at least two clusters and are left out otherwise; fewer than two pairs get no tests.
    """
    count = len(pairs)
    if count < 2:
        return {(int(window[0]), int(window[1])): {} for window in windows}
    # Residual correlations are computed once, within the clusters of all windows together.
    linked = clusters(pairs, windows)
    correlation = np.zeros((count, count))
    for label in np.unique(linked):
        members = np.flatnonzero(linked == label)
        if len(members) > 1:
            correlation[np.ix_(members, members)] = residual_correlations([pairs[int(n)] for n in members])[0]
    lengths = np.array([pair.length for pair in pairs], dtype=float)
    share = float(np.mean([(pair.estimation_ar > 0).mean() for pair in pairs]))
    output = {}
    for window in windows:
        window = (int(window[0]), int(window[1]))
        cars = np.array([pair.car(window) for pair in pairs])
        scars = np.array([pair.scar(window) for pair in pairs])
        labels = clusters(pairs, [window])
        groups = int(labels.max()) + 1
        results = {}
        t_stat, p_value, _ = DescrStatsW(cars).ttest_mean(0.0)
        results["csect_t"] = (float(t_stat), float(p_value))
        results["patell_z"] = _normal(scars.sum() / np.sqrt(((lengths - 2) / (lengths - 4)).sum()))
        bmp, p_value, _ = DescrStatsW(scars).ttest_mean(0.0)
        results["bmp_t"] = (float(bmp), float(p_value))
        if groups >= 2:
            linked_sum = float((correlation * _overlap_weights(pairs, window)).sum())
            rho_bar = linked_sum / (count * (count - 1))
            variance = scars.var(ddof=1) / (1 - rho_bar) * (count + linked_sum)
            results["kp_cluster_t"] = _t(scars.sum() / np.sqrt(variance), groups - 1)
            portfolios = pd.Series(cars).groupby(labels).mean().to_numpy()
            t_stat, p_value, _ = DescrStatsW(portfolios).ttest_mean(0.0)
            results["portfolio_t"] = (float(t_stat), float(p_value))
            fit = sm.OLS(scars, np.ones(count)).fit(cov_type="cluster", cov_kwds={"groups": labels}, use_t=True)
            results["clustered_bmp_t"] = (float(fit.tvalues[0]), float(fit.pvalues[0]))
        mean_rank = _ranks(pairs, window).mean(axis=0)
        width = window[1] - window[0] + 1
        spread = np.sqrt(np.mean(mean_rank**2))
        results["corrado_rank"] = _normal(mean_rank[-width:].sum() / (np.sqrt(width) * spread))
        positive = int((cars > 0).sum())
        results["generalized_sign"] = _normal((positive - count * share) / np.sqrt(count * share * (1 - share)))
        results["clusters"] = (float(groups), float("nan"))
        output[window] = results
    return output


def average_correlation(pairs: Sequence) -> float:
    """Mean residual correlation over the pairs whose estimation windows share at least 30 sessions.

    What reelab's Kolari-Pynnönen test used before (:func:`kp_average_bmp_t`).
    """
    correlation, common = residual_correlations(pairs)
    upper = np.triu_indices(len(pairs), k=1)
    overlapping = (common >= MIN_COMMON)[upper]
    return float(correlation[upper][overlapping].mean()) if overlapping.any() else 0.0


def kp_average_bmp_t(pairs: Sequence, window: tuple[int, int], r_bar: float | None = None) -> tuple[float, float]:
    """The Kolari-Pynnönen test as reelab computed it before: BMP x sqrt((1 - r) / (1 + (N - 1) r)).

    ``r`` (:func:`average_correlation`) is the mean residual correlation over the pairs whose
    estimation windows overlap, applied as if every one of the N pairs were correlated at ``r``.
    Kept only for the size simulation (``benchmarks/study_size.py``), which shows that it
    over-corrects when events cluster in calendar time.
    """
    scars = np.array([pair.scar(window) for pair in pairs])
    bmp, _, _ = DescrStatsW(scars).ttest_mean(0.0)
    r_bar = average_correlation(pairs) if r_bar is None else r_bar
    count = len(pairs)
    return _t(bmp * np.sqrt((1 - r_bar) / (1 + (count - 1) * r_bar)), count - 1)
