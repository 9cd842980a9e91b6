"""The evidence for each segment's exposure sign, by a rule stated before looking (README: "Exposure signs").

    python examples/exposure_evidence.py

The rule, fixed in advance: for each China-exposure class, the default sign of a tightening is the
sign of the mean CAR over sessions 0..+5 (market model, each asset against its own market's
benchmark) after the tightening events of severity 2 or more announced **before 2020-01-01**, when
the cluster-robust ``portfolio_t`` rejects zero at 10%; otherwise the seeds' thesis sign is kept and
marked unconfirmed. The chosen sign is then **reported out of sample** on the events from 2020-01-01
on, with the same statistics, and easing events are shown beside (a sign should flip with them).

Prints a markdown table (the README's) and the signs the rule gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from backtests import StudySpec, ops
from backtests.measures._group_tests import group_tests
from signals import CLASS_EXPOSURE, ChinaExposure, load_events

CUTOFF = pd.Timestamp("2020-01-01")
WINDOW = (0, 5)
LEVEL = 0.10
#: The rare-earth classes (a benchmark and a non-rare-earth name have exposure 0 by definition).
CLASSES = [kind for kind in ChinaExposure if kind not in (ChinaExposure.BENCHMARK, ChinaExposure.NON_RARE_EARTH)]


def evidence() -> tuple[pd.DataFrame, dict[str, tuple[int, str]]]:
    """(the table: class x period x direction, with n, clusters, mean CAR and portfolio_t; the rule's signs)."""
    calendar = load_events()
    study = ops.study(StudySpec(windows=(WINDOW,)))
    events = calendar.to_frame()
    direction = events["direction"].to_dict()
    severity = events["severity"].to_dict()
    day = {event_id: stamp.tz_localize(None) for event_id, stamp in events["announced_at"].items()}
    car = study.car[study.car["event_id"].map(severity) >= 2].copy()
    car["direction"] = car["event_id"].map(direction)
    car["period"] = np.where(car["event_id"].map(day) < CUTOFF, "before 2020", "2020 on")
    rows = []
    for (group, period, side), part in car.groupby(["group", "period", "direction"]):
        members = [study.pairs[key] for key in dict.fromkeys(zip(part["event_id"], part["ticker"]))]
        tests = group_tests(members, [WINDOW])[WINDOW]
        value, p_value = tests.get("portfolio_t", (np.nan, np.nan))
        clusters = int(tests["clusters"][0]) if "clusters" in tests else 0
        rows.append((group, period, side, len(members), clusters, float(part["car"].mean()), value, p_value))
    table = pd.DataFrame(rows, columns=["class", "period", "direction", "pairs", "clusters", "mean_car", "t", "p"])
    signs = {}
    for kind in CLASSES:
        thesis = CLASS_EXPOSURE[kind]
        chosen = table[
            (table["class"] == kind) & (table["period"] == "before 2020") & (table["direction"] == "tightening")
        ]
        if len(chosen) and chosen["p"].iloc[0] < LEVEL:
            signs[str(kind)] = (int(np.sign(chosen["mean_car"].iloc[0])), "evidence before 2020")
        else:
            if not len(chosen):
                why = "no pair before 2020"
            elif chosen["clusters"].iloc[0] < 2:
                pairs, clusters = chosen["pairs"].iloc[0], chosen["clusters"].iloc[0]
                why = f"{pairs} pair(s) in {clusters} cluster(s) before 2020: no test"
            else:
                why = f"not significant before 2020 (p {chosen['p'].iloc[0]:.2f})"
            signs[str(kind)] = (thesis, f"thesis kept: {why}")
    return table, signs


def main() -> None:
    table, signs = evidence()
    print("| class | period | direction | pairs | clusters | mean CAR[0,+5] | portfolio_t | p |")
    print("|---|---|---|---|---|---|---|---|")
    for row in table.sort_values(["class", "period", "direction"], ascending=[True, False, False]).itertuples():
        test = "no test | -" if np.isnan(row.p) else f"{row.t:.2f} | {row.p:.3f}"
        print(f"| {row[1]} | {row.period} | {row.direction} | {row.pairs} | {row.clusters} | {row.mean_car:+.2%} | "
              f"{test} |")  # fmt: skip
    print()
    for kind, (sign, why) in signs.items():
        since = table[(table["class"] == kind) & (table["period"] == "2020 on") & (table["direction"] == "tightening")]
        mean, p_value = since["mean_car"].iloc[0], since["p"].iloc[0]
        if np.sign(mean) == sign:
            verdict = "agrees"
        else:
            verdict = "CONTRADICTS the default" if p_value < LEVEL else "opposite sign, not significant"
        print(f"{kind}: default {sign:+d} ({why}; thesis {CLASS_EXPOSURE[ChinaExposure(kind)]:+d}); "
              f"out of sample, tightenings from 2020: CAR[0,+5] {mean:+.2%}, p {p_value:.3f}: {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
