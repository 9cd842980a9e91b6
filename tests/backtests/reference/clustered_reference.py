"""Independent reference values for the tests that respect calendar-time clustering (pure Python).

    python tests/backtests/reference/clustered_reference.py

Writes ``clustered_reference.json`` beside this file. Synthetic, seeded data: six assets on one
calendar, seven events; assets 3-5 trade in a later time zone, so their session 0 is the session
after the others'. Events E1 and E2 are two sessions apart, so their windows share dates; asset 5
has no E4 and asset 0 no E7. Every number is computed here from the papers' formulas with plain
loops, so ``backtests/measures/_group_tests.py`` is checked against code that shares nothing with it but the data:

* clusters: pairs linked by a shared event or a calendar date both windows cover; the connected
  components of that relation.
* Kolari & Pynnönen (2010) with a correlation matrix: R_ij = rho_ij |W_i ∩ W_j| / sqrt(|W_i||W_j|),
  rho_ij Pearson's correlation of the two estimation-residual series on their common sessions (0
  under 30); S = sum_{i != j} R_ij, rho = S / (N (N - 1)); t = sum SCAR / sqrt(s^2 / (1 - rho) (N + S)).
* Calendar-time portfolios (Jaffe 1974, Mandelker 1974): t of the clusters' mean CARs.
* BMP with cluster-robust standard errors (Liang & Zeger 1986, CR1): regress SCAR on a constant;
  V = G / (G - 1) * sum_g (sum_{i in g} e_i)^2 / N^2, t = mean / sqrt(V).
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

SESSIONS = 420
ESTIMATION, GAP = 120, 10
ASSETS = 6
LATE = {3, 4, 5}  # assets whose session 0 is the session after the event
EVENTS = {"E1": 150, "E2": 152, "E3": 200, "E4": 240, "E5": 280, "E6": 330, "E7": 380}
MISSING = {("E4", 5), ("E7", 0)}
DAYS = list(range(-1, 6))
WINDOWS = [(-1, 1), (0, 5)]
MIN_COMMON = 30


def synthetic_data(seed: int = 1974) -> dict:
    rng = random.Random(seed)
    market = [rng.gauss(0.0004, 0.01) for _ in range(SESSIONS)]
    factor = [rng.gauss(0.0, 0.012) for _ in range(SESSIONS)]
    assets = []
    for _ in range(ASSETS):
        alpha, beta = rng.uniform(-0.0005, 0.0005), rng.uniform(0.6, 1.4)
        returns = [alpha + beta * market[t] + factor[t] + rng.gauss(0.0, 0.015) for t in range(SESSIONS)]
        assets.append(returns)
    for name, position in EVENTS.items():
        for number in range(ASSETS):
            shock = 0.02 if name in ("E1", "E3", "E5") else -0.004
            assets[number][position + (1 if number in LATE else 0)] += shock
    return {"market": market, "assets": assets}


def pair_list() -> list[tuple[str, int, int]]:
    """(event, asset, session-0 position) of every pair, in a fixed order."""
    return [
        (name, number, position + (1 if number in LATE else 0))
        for name, position in EVENTS.items()
        for number in range(ASSETS)
        if (name, number) not in MISSING
    ]


def _mean(values):
    return sum(values) / len(values)


def _variance(values):
    mean = _mean(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


def _estimate(data, asset, zero):
    first, last = zero - GAP - ESTIMATION, zero - GAP  # estimation positions first .. last - 1
    x = data["market"][first:last]
    y = data["assets"][asset][first:last]
    mx, my = _mean(x), _mean(y)
    sxx = sum((v - mx) ** 2 for v in x)
    beta = sum((a - mx) * (b - my) for a, b in zip(x, y)) / sxx
    alpha = my - beta * mx
    residuals = {first + k: y[k] - alpha - beta * x[k] for k in range(ESTIMATION)}  # position -> residual
    variance = sum(r * r for r in residuals.values()) / (ESTIMATION - 2)
    ar = {d: data["assets"][asset][zero + d] - alpha - beta * data["market"][zero + d] for d in DAYS}
    m = {d: data["market"][zero + d] for d in DAYS}
    return {"residuals": residuals, "variance": variance, "mx": mx, "sxx": sxx, "ar": ar, "m": m, "zero": zero}


def _car(pair, window):
    return sum(pair["ar"][d] for d in range(window[0], window[1] + 1))


def _scar(pair, window):
    k = window[1] - window[0] + 1
    excess = sum(pair["m"][d] for d in range(window[0], window[1] + 1)) - k * pair["mx"]
    return _car(pair, window) / math.sqrt(pair["variance"] * (k + k * k / ESTIMATION + excess * excess / pair["sxx"]))


def _window_dates(pair, window):
    return {pair["zero"] + d for d in range(window[0], window[1] + 1)}


def _components(events, dates):
    """Cluster label of each pair: connected components of 'same event or a shared date'."""
    n = len(events)
    label = list(range(n))
    changed = True
    while changed:  # propagate the smallest label along every link until nothing changes
        changed = False
        for i in range(n):
            for j in range(n):
                if (events[i] == events[j] or dates[i] & dates[j]) and label[j] < label[i]:
                    label[i] = label[j]
                    changed = True
    first_seen = {}
    return [first_seen.setdefault(value, len(first_seen)) for value in label]


def _pearson_on_common(a: dict, b: dict) -> float:
    common = sorted(set(a) & set(b))
    if len(common) < MIN_COMMON:
        return 0.0
    x, y = [a[t] for t in common], [b[t] for t in common]
    mx, my = _mean(x), _mean(y)
    num = sum((u - mx) * (v - my) for u, v in zip(x, y))
    return num / math.sqrt(sum((u - mx) ** 2 for u in x) * sum((v - my) ** 2 for v in y))


def reference() -> dict:
    data = synthetic_data()
    keys = pair_list()
    pairs = [_estimate(data, asset, zero) for _, asset, zero in keys]
    events = [name for name, _, _ in keys]
    n = len(pairs)
    out = {"pairs": [[name, asset, zero] for name, asset, zero in keys]}
    for window in WINDOWS:
        dates = [_window_dates(p, window) for p in pairs]
        labels = _components(events, dates)
        groups = max(labels) + 1
        cars = [_car(p, window) for p in pairs]
        scars = [_scar(p, window) for p in pairs]
        mean_scar = _mean(scars)
        # Kolari-Pynnonen with the overlap-weighted correlation matrix.
        linked = 0.0
        for i in range(n):
            for j in range(n):
                if i != j and dates[i] & dates[j]:
                    weight = len(dates[i] & dates[j]) / math.sqrt(len(dates[i]) * len(dates[j]))
                    linked += _pearson_on_common(pairs[i]["residuals"], pairs[j]["residuals"]) * weight
        rho = linked / (n * (n - 1))
        kp = sum(scars) / math.sqrt(_variance(scars) / (1 - rho) * (n + linked))
        # Calendar-time portfolios.
        portfolios = [_mean([c for c, g in zip(cars, labels) if g == label]) for label in range(groups)]
        portfolio_t = _mean(portfolios) / math.sqrt(_variance(portfolios) / groups)
        # BMP with cluster-robust (CR1) standard errors.
        meat = sum(sum(s - mean_scar for s, g in zip(scars, labels) if g == label) ** 2 for label in range(groups))
        clustered_t = mean_scar / math.sqrt(groups / (groups - 1) * meat / n**2)
        out[f"{window[0]}:{window[1]}"] = {
            "clusters": groups,
            "bmp_t": mean_scar / math.sqrt(_variance(scars) / n),
            "kp_cluster_t": kp,
            "portfolio_t": portfolio_t,
            "clustered_bmp_t": clustered_t,
        }
    return out


if __name__ == "__main__":
    target = Path(__file__).with_name("clustered_reference.json")
    target.write_text(json.dumps(reference(), indent=2) + "\n")
    print(f"wrote {target}")
