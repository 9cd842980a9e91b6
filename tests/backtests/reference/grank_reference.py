"""Kolari & Pynnönen's (2011) generalized rank test, written from the paper with plain numpy.

Kolari, J. W. & Pynnönen, S. (2011), "Nonparametric rank tests for event studies", *Journal of
Empirical Finance* 18(5), 953-971. Shares nothing with ``backtests/measures/_group_tests.py`` but the data:

* market model by least squares on the estimation window; SAR_it = AR_it / S_i, S_i^2 the residual
  variance with L - 2 degrees of freedom;
* SCAR_i = CAR_i / S_CAR_i, S_CAR_i^2 = S_i^2 (K + K^2 / L + (sum_W r_m - K mean r_m)^2 / Sxx)
  (the forecast-error-corrected variance of a K-day CAR);
* SCAR*_i = SCAR_i / S_SCAR, S_SCAR the cross-sectional standard deviation of the SCARs;
* GSAR_i = (SAR_i1, ..., SAR_iL, SCAR*_i): the window squeezed into one day, t = 0 (eq. 8);
* U_it = rank(GSAR_it) / (T_i + 1) - 1/2, T_i = L_i + 1, ties at their mean rank (eq. 9);
* Ū_t = (1/n_t) sum_i U_it (eq. 15), S_Ū = sqrt((1/T) sum_t (n_t / n) Ū_t^2) (eq. 14),
  Z = Ū_0 / S_Ū (eq. 13), t_grank = Z sqrt((T - 2) / (T - 1 - Z^2)) with T - 2 degrees of freedom
  (eq. 12); estimation days are aligned on the last one, a shorter window leaving its first days empty;
* the calendar-time version reelab reports: clusters (pairs linked by a shared event or a calendar
  date both windows cover, the connected components), one portfolio per cluster holding the mean
  U_i0 of its pairs, t = mean / (sd / sqrt(G)) with G - 1 degrees of freedom.
"""

from __future__ import annotations

import numpy as np

SESSIONS = 400
ESTIMATION, GAP = 100, 10
ASSETS = 5
LATE = {3, 4}  # assets whose exchange gets the news a session later
#: E1 and E2 are consecutive sessions (a follow-up report a day later): their windows overlap.
EVENTS = {"E1": 150, "E2": 151, "E3": 200, "E4": 262, "E5": 330}
MISSING = {("E3", 1), ("E5", 4)}
DAYS = list(range(-1, 6))
WINDOWS = [(-1, 1), (0, 5)]


def synthetic_data(seed: int = 2011) -> dict:
    """Market and asset returns (a sector factor, noise, a reaction to E1, E3 and E4), one calendar."""
    rng = np.random.default_rng(seed)
    market = rng.normal(0.0004, 0.01, SESSIONS)
    factor = rng.normal(0.0, 0.012, SESSIONS)
    assets = []
    for number in range(ASSETS):
        lag = 1 if number in LATE else 0
        alpha, beta = rng.uniform(-0.0005, 0.0005), rng.uniform(0.6, 1.4)
        assets.append(alpha + beta * np.roll(market, lag) + np.roll(factor, lag) + rng.normal(0.0, 0.015, SESSIONS))
    for name, position in EVENTS.items():
        for number in range(ASSETS):
            assets[number][position + (1 if number in LATE else 0)] += 0.015 if name in ("E1", "E3", "E4") else 0.0
    return {"market": market, "assets": assets, "late_market": np.roll(market, 1)}


def pair_list() -> list[tuple[str, int, int]]:
    """(event, asset, session-0 position) of every pair, in a fixed order."""
    return [
        (name, number, position + (1 if number in LATE else 0))
        for name, position in EVENTS.items()
        for number in range(ASSETS)
        if (name, number) not in MISSING
    ]


def benchmark(data: dict, asset: int) -> np.ndarray:
    return data["late_market"] if asset in LATE else data["market"]


def estimate(data: dict, asset: int, zero: int) -> dict:
    """The market model on sessions zero - GAP - ESTIMATION .. zero - GAP - 1, and the event days."""
    rows = np.arange(zero - GAP - ESTIMATION, zero - GAP)
    y, x = data["assets"][asset][rows], benchmark(data, asset)[rows]
    design = np.column_stack([np.ones(ESTIMATION), x])
    (alpha, beta), *_ = np.linalg.lstsq(design, y, rcond=None)
    residuals = y - alpha - beta * x
    days = np.array(DAYS)
    return {
        "residuals": residuals,
        "variance": residuals @ residuals / (ESTIMATION - 2),
        "x": x,
        "ar": dict(zip(DAYS, data["assets"][asset][zero + days] - alpha - beta * benchmark(data, asset)[zero + days])),
        "m": dict(zip(DAYS, benchmark(data, asset)[zero + days])),
        "dates": {day: zero + day for day in DAYS},
    }


def scar(fit: dict, window: tuple[int, int]) -> float:
    days = range(window[0], window[1] + 1)
    k = len(days)
    length = len(fit["residuals"])
    x = fit["x"]
    excess = sum(fit["m"][d] for d in days) - k * x.mean()
    variance = fit["variance"] * (k + k * k / length + excess**2 / ((x - x.mean()) ** 2).sum())
    return sum(fit["ar"][d] for d in days) / np.sqrt(variance)


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, tied values sharing the mean of their ranks."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    for value in np.unique(values):
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def gsar_ranks(residuals: list[np.ndarray], variances: list[float], scars: list[float]) -> np.ndarray:
    """U: pairs x (longest L + 1), NaN where a pair has no estimation day; the last column is t = 0."""
    scars = np.asarray(scars, dtype=float)
    spread = np.sqrt(((scars - scars.mean()) ** 2).sum() / (len(scars) - 1))
    widest = max(len(r) for r in residuals)
    u = np.full((len(residuals), widest + 1), np.nan)
    for row, (resid, variance, value) in enumerate(zip(residuals, variances, scars)):
        gsar = np.append(resid / np.sqrt(variance), value / spread)
        u[row, widest + 1 - len(gsar) :] = average_ranks(gsar) / (len(gsar) + 1) - 0.5
    return u


def grank_paper(u: np.ndarray) -> tuple[float, int]:
    """(t_grank, degrees of freedom) of eqs. 12-15."""
    n, total = u.shape
    mean_by_day, counts = np.empty(total), np.empty(total)
    for t in range(total):
        column = u[:, t][~np.isnan(u[:, t])]
        counts[t], mean_by_day[t] = len(column), column.mean()
    s_u = np.sqrt(sum(counts[t] / n * mean_by_day[t] ** 2 for t in range(total)) / total)
    z = mean_by_day[-1] / s_u
    return float(z * np.sqrt((total - 2) / (total - 1 - z * z))), total - 2


def components(events: list[str], dates: list[set]) -> list[int]:
    """Cluster label of each pair: connected components of 'same event or a shared date', numbered by first pair."""
    label = list(range(len(events)))
    changed = True
    while changed:
        changed = False
        for i in range(len(events)):
            for j in range(len(events)):
                if (events[i] == events[j] or dates[i] & dates[j]) and label[j] < label[i]:
                    label[i], changed = label[j], True
    first = {}
    return [first.setdefault(value, len(first)) for value in label]


def grank_portfolio(event_ranks: np.ndarray, labels: list[int]) -> tuple[float, int]:
    """(t, degrees of freedom) of the clusters' mean U_i0."""
    groups = max(labels) + 1
    portfolios = np.array([np.mean([u for u, g in zip(event_ranks, labels) if g == label]) for label in range(groups)])
    spread = np.sqrt(((portfolios - portfolios.mean()) ** 2).sum() / (groups - 1))
    return float(portfolios.mean() / (spread / np.sqrt(groups))), groups - 1


def reference() -> dict:
    """Every pair's U matrix, the paper's GRANK and the calendar-time version, for each window."""
    data = synthetic_data()
    keys = pair_list()
    fits = [estimate(data, asset, zero) for _, asset, zero in keys]
    events = [name for name, _, _ in keys]
    out = {}
    for window in WINDOWS:
        scars = [scar(fit, window) for fit in fits]
        u = gsar_ranks([f["residuals"] for f in fits], [f["variance"] for f in fits], scars)
        dates = [{f["dates"][d] for d in range(window[0], window[1] + 1)} for f in fits]
        labels = components(events, dates)
        out[window] = {"u": u, "kp_grank_t": grank_paper(u), "labels": labels,
                       "grank_portfolio_t": grank_portfolio(u[:, -1], labels)}  # fmt: skip
    return out
