"""Check what the seed articles said against the bundled prices (figures quoted in the README).

    python examples/seed_claims.py

Market-model event study (120 sessions, gap 10, each asset against its benchmark in universe.csv),
session 0 = the first session each exchange could trade the news.
"""

from __future__ import annotations

import pandas as pd

from backtests import event_study, load_prices


def car_table(study, event_ids, tickers):
    """CARs per (event, ticker), with the raw (not abnormal) return from the close before session 0."""
    car = study.car[study.car["event_id"].isin(event_ids) & study.car["ticker"].isin(tickers)]
    table = car.pivot_table(index=["event_id", "ticker"], columns=["window_start", "window_end"], values="car")
    table.columns = [f"CAR[{a:+d},{b:+d}]" for a, b in table.columns]
    sessions = study.abnormal_returns.set_index(["event_id", "ticker", "rel_day"])["session"]
    close = load_prices(sorted(set(tickers)), field="adj_close")
    for end in (5, 20):
        table[f"raw[0,+{end}]"] = [
            close.at[sessions[(event, ticker, end)], ticker]
            / close[ticker].dropna().loc[: sessions[(event, ticker, 0)]].iloc[-2]
            - 1
            for event, ticker in table.index
        ]
    return table


def main() -> None:
    pd.set_option("display.width", 160)
    windows = [(-1, 1), (0, 5), (0, 20)]

    print("1. JL MAG (300748) and the June 2025 permit news")
    jl = load_prices(["300748"], start="2025-06-03", end="2025-06-30")["300748"].pct_change().dropna()
    print(jl.map("{:+.2%}".format).to_string())
    print(f"largest one-session move: {jl.max():+.2%} on {jl.idxmax():%Y-%m-%d}")
    study = event_study(types=["permit_approval"], tickers=["300748"], windows=windows)
    june = [e for e in study.car["event_id"].unique() if e.startswith("2025-06")]
    print(car_table(study, june, ["300748"]).map("{:+.2%}".format).to_string())

    print("\n2. MP, Lynas and REMX around the April and October 2025 restrictions")
    study = event_study(types=["restriction_tightening"], tickers=["MP", "LYC", "REMX"], windows=windows)
    print(car_table(study, ["2025-04-04-RT", "2025-10-09-RT"], ["MP", "LYC", "REMX"]).map("{:+.2%}".format).to_string())

    print("\n3. The late-October / November 2025 suspension (Busan truce 10-30, MOFCOM suspension 11-07)")
    tickers = ["MP", "LYC", "REMX", "600111", "300748"]
    study = event_study(types=["negotiation_window", "easing_pause"], tickers=tickers, windows=windows)
    print(car_table(study, ["2025-10-30-NW", "2025-11-07-NW"], tickers).map("{:+.2%}".format).to_string())


if __name__ == "__main__":
    main()
