"""Independent reference values for the event-study tests (pure Python, no numpy/statsmodels).

    python tests/backtests/reference/event_study_reference.py

Writes ``event_study_reference.json`` beside this file. The data are synthetic and seeded; every
statistic is computed here from its textbook formula with plain loops, so the project's vectorised
implementation (backtests/_study.py) is checked against code that shares nothing with it but the data.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

SECURITIES = 8
ESTIMATION = 60
DAYS = list(range(-1, 6))  # event days -1..5
WINDOWS = [(-1, 1), (0, 5)]


def synthetic_data(seed: int = 20261122) -> list[dict]:
    """Per security: market and asset returns over the estimation window then the event days."""
    rng = random.Random(seed)
    common = [rng.gauss(0, 0.01) for _ in range(ESTIMATION + len(DAYS))]  # shared factor: cross-correlation
    securities = []
    for number in range(SECURITIES):
        alpha, beta = rng.uniform(-0.001, 0.001), rng.uniform(0.5, 1.5)
        market = [rng.gauss(0.0005, 0.012) for _ in range(ESTIMATION + len(DAYS))]
        noise = [0.6 * common[t] + rng.gauss(0, 0.015) for t in range(ESTIMATION + len(DAYS))]
        asset = [alpha + beta * m + e for m, e in zip(market, noise)]
        shock = 0.03 if number % 3 != 0 else -0.01
        asset[ESTIMATION + DAYS.index(0)] += shock
        securities.append({"market": market, "asset": asset})
    return securities


def _mean(values):
    return sum(values) / len(values)


def _sd(values):
    mean = _mean(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def _pair(security: dict) -> dict:
    y, x = security["asset"][:ESTIMATION], security["market"][:ESTIMATION]
    mx, my = _mean(x), _mean(y)
    sxx = sum((v - mx) ** 2 for v in x)
    beta = sum((a - mx) * (b - my) for a, b in zip(x, y)) / sxx
    alpha = my - beta * mx
    residuals = [b - alpha - beta * a for a, b in zip(x, y)]
    variance = sum(r * r for r in residuals) / (ESTIMATION - 2)
    event = {}
    event_market = {}
    for offset, day in enumerate(DAYS):
        m = security["market"][ESTIMATION + offset]
        event[day] = security["asset"][ESTIMATION + offset] - alpha - beta * m
        event_market[day] = m
    return {"residuals": residuals, "variance": variance, "mx": mx, "sxx": sxx, "ar": event, "m": event_market}


def _car(pair, window):
    return sum(pair["ar"][d] for d in range(window[0], window[1] + 1))


def _scar(pair, window):
    k = window[1] - window[0] + 1
    excess = sum(pair["m"][d] for d in range(window[0], window[1] + 1)) - k * pair["mx"]
    variance = pair["variance"] * (k + k * k / ESTIMATION + excess * excess / pair["sxx"])
    return _car(pair, window) / math.sqrt(variance)


def _correlation(a, b):
    ma, mb = _mean(a), _mean(b)
    num = sum((u - ma) * (v - mb) for u, v in zip(a, b))
    return num / math.sqrt(sum((u - ma) ** 2 for u in a) * sum((v - mb) ** 2 for v in b))


def _average_ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def _corrado_parts(pairs, window):
    """Corrado (1989), Cowan (1992): each security's estimation residuals and *this window's* days
    ranked together, U = rank / (T + 1) - 1/2; returns (sum over the window of the mean U, s_U)."""
    days = list(range(window[0], window[1] + 1))
    standardized = []
    for pair in pairs:
        values = pair["residuals"] + [pair["ar"][d] for d in days]
        ranks = _average_ranks(values)
        standardized.append([r / (len(values) + 1) - 0.5 for r in ranks])
    mean_by_day = [_mean([s[t] for s in standardized]) for t in range(ESTIMATION + len(days))]
    s_u = math.sqrt(_mean([u * u for u in mean_by_day]))
    return sum(mean_by_day[ESTIMATION:]), s_u


def reference() -> dict:
    pairs = [_pair(security) for security in synthetic_data()]
    n = len(pairs)
    r_bar = _mean(
        [_correlation(pairs[i]["residuals"], pairs[j]["residuals"]) for i in range(n) for j in range(i + 1, n)]
    )
    share = _mean([sum(1 for r in pair["residuals"] if r > 0) / ESTIMATION for pair in pairs])
    out = {"r_bar": r_bar}
    for window in WINDOWS:
        cars = [_car(p, window) for p in pairs]
        scars = [_scar(p, window) for p in pairs]
        key = f"{window[0]}:{window[1]}"
        bmp = _mean(scars) / (_sd(scars) / math.sqrt(n))
        width = window[1] - window[0] + 1
        event_mean, s_u = _corrado_parts(pairs, window)
        positive = sum(1 for c in cars if c > 0)
        out[key] = {
            "csect_t": _mean(cars) / (_sd(cars) / math.sqrt(n)),
            "patell_z": sum(scars) / math.sqrt(n * (ESTIMATION - 2) / (ESTIMATION - 4)),
            "bmp_t": bmp,
            "kp_bmp_t": bmp * math.sqrt((1 - r_bar) / (1 + (n - 1) * r_bar)),
            "corrado_rank": event_mean / (math.sqrt(width) * s_u),
            "generalized_sign": (positive - n * share) / math.sqrt(n * share * (1 - share)),
        }
    return out


if __name__ == "__main__":
    target = Path(__file__).with_name("event_study_reference.json")
    target.write_text(json.dumps(reference(), indent=2) + "\n")
    print(f"wrote {target}")


def dsr_reference() -> dict:
    """Deflated Sharpe ratio of a seeded return series against 25 seeded trial Sharpe ratios.

    Bailey & Lopez de Prado (2014): SR0 = sqrt(V[SR]) ((1 - g) Z^-1(1 - 1/N) + g Z^-1(1 - 1/(N e))),
    DSR = Z((SR - SR0) sqrt(T - 1) / sqrt(1 - skew SR + (kurt - 1)/4 SR^2)), g = Euler's constant,
    skewness and (non-excess) kurtosis as population moments.
    """
    from statistics import NormalDist

    rng = random.Random(7)
    returns = [rng.gauss(0.0008, 0.01) + (0.03 if rng.random() < 0.02 else 0.0) for _ in range(750)]
    trials = [rng.gauss(0.02, 0.015) for _ in range(24)]
    n = len(returns)
    mean = _mean(returns)
    sharpe = mean / _sd(returns)
    m2 = sum((r - mean) ** 2 for r in returns) / n
    skew = sum((r - mean) ** 3 for r in returns) / n / m2**1.5
    kurt = sum((r - mean) ** 4 for r in returns) / n / m2**2
    trials.append(sharpe)
    count = len(trials)
    gamma = 0.5772156649015329
    normal = NormalDist()
    expected = _sd(trials) * (
        (1 - gamma) * normal.inv_cdf(1 - 1 / count) + gamma * normal.inv_cdf(1 - 1 / (count * math.e))
    )
    z = (sharpe - expected) * math.sqrt(n - 1) / math.sqrt(1 - skew * sharpe + (kurt - 1) / 4 * sharpe**2)
    return {
        "returns": returns,
        "trials": trials,
        "sharpe": sharpe,
        "expected_max_sharpe": expected,
        "dsr": normal.cdf(z),
    }
