"""Build the bundled price snapshot ``seeds/prices.parquet`` from the raw files in ``shared/data/raw``.

Re-runnable and deterministic::

    python -m tools.build_prices --raw ../shared/data/raw

Every defect listed in ``shared/data/MANIFEST.md`` is fixed here, and each fix is counted
in the printed report:

* US files (``us_adjclose``): the last row, dated 2026-08-03, is an intraday price; it is
  dropped. ``USAR`` before 2025-03-14 is its SPAC predecessor; those rows are dropped.
* ASX files: columns are ``code,date,open,close,high,low,volume``; they are read by name.
* China A-shares: forward-adjusted (qfq) snapshots use different bases, so they are stitched
  by **returns** (never by levels). qfq rows before 2022 are inconsistent and are not used.
  Before the first usable qfq day the series is extended backwards with the returns of the
  unadjusted files (``cn_raw_1997_2025``); those rows are flagged ``raw_returns``
  (ex-dividend gaps are not adjusted there).
* Holiday rows (for example the CSI 300 row dated 2015-01-01): every row whose date is not a
  session of the ticker's exchange calendar (exchange_calendars) is dropped.

The snapshot is long: one row per (date, ticker) with ``open, high, low, close, volume``,
``adj_close`` and ``adjustment``. OHLC and ``close`` are on one basis per series (the
latest qfq basis for A-shares), ``adj_close`` is the series to compute returns from, and
``adjustment`` says which adjustment a row has.
"""

from __future__ import annotations

import argparse
import io
import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from signals import exchange_calendar  # the project's calendars, so snapshot and signals agree
from signals._io import atomic_write

HERE = Path(__file__).resolve().parent.parent / "seeds"  # what it builds
START = pd.Timestamp("2009-01-01")
US_DOWNLOAD_DAY = pd.Timestamp("2026-08-03")
USAR_FIRST_DAY = pd.Timestamp("2025-03-14")  # first session after the de-SPAC merger closed
QFQ_FIRST_USABLE = pd.Timestamp("2022-01-01")
# A-share main-board daily limit is +-10%; a larger close-to-close move in the unadjusted files is a
# bonus issue, split or restructuring, not a trade. Its return is set to zero (and counted).
RAW_LIMIT = 0.105
# Priority when qfq snapshots overlap: the longest clean one first.
QFQ_SOURCES = ("cn_qfq_2019_2026", "cn_qfq_2025_2026", "cn_qfq_2024_2025", "cn_qfq_2019_2025")
# Unadjusted ASX corporate actions found by scanning for moves beyond 40%: adj_close before the
# ex-date is scaled so that the ex-date return is zero (the value of what was spun off is unknown).
ASX_CORPORATE_ACTIONS = {("ILU", "2020-10-23"): "Deterra Royalties demerger"}
LOTS = 100  # qfq volumes are in lots of 100 shares
COLUMNS = ["date", "ticker", "open", "high", "low", "close", "volume", "adj_close", "adjustment"]


def _frame(dates, open_=np.nan, high=np.nan, low=np.nan, close=np.nan, volume=np.nan, adj_close=None, adjustment=""):
    frame = pd.DataFrame(
        {"date": pd.to_datetime(dates), "open": open_, "high": high, "low": low, "close": close, "volume": volume}
    )
    frame["adj_close"] = frame["close"] if adj_close is None else adj_close
    frame["adjustment"] = adjustment
    return frame


def _read_us(raw: Path, ticker: str, report: list[str]) -> pd.DataFrame:
    data = pd.read_csv(raw / "us_adjclose" / f"{ticker}.csv", parse_dates=["Date"])
    last = data["Date"].iloc[-1]
    if last != US_DOWNLOAD_DAY:
        raise ValueError(
            f"{ticker}: expected the intraday row dated {US_DOWNLOAD_DAY.date()} last, found {last.date()}"
        )
    data = data.iloc[:-1]
    report.append(f"{ticker}: dropped the intraday row {US_DOWNLOAD_DAY.date()}")
    if ticker == "USAR":
        spac = data["Date"] < USAR_FIRST_DAY
        report.append(f"USAR: dropped {int(spac.sum())} SPAC-predecessor rows before {USAR_FIRST_DAY.date()}")
        data = data[~spac]
    return _frame(data["Date"], close=data["Close"].to_numpy(), adjustment="split_dividend")


def _read_asx(raw: Path, ticker: str, report: list[str]) -> pd.DataFrame:
    name = "ASX200" if ticker == "ASX200" else ticker.lower()
    data = pd.read_csv(raw / "asx_daily" / f"{name}.csv", parse_dates=["date"])  # read by name: order differs
    volume = data["volume"].to_numpy() if "volume" in data else np.nan
    kind = "index" if ticker == "ASX200" else "none"
    frame = _frame(data["date"], data["open"], data["high"], data["low"], data["close"], volume, adjustment=kind)
    for (action_ticker, day), what in ASX_CORPORATE_ACTIONS.items():
        if action_ticker == ticker:
            ex_row = frame.index[frame["date"] == pd.Timestamp(day)][0]
            before = frame.index < ex_row
            factor = frame.at[ex_row, "close"] / frame.at[ex_row - 1, "close"]
            frame.loc[before, "adj_close"] = frame.loc[before, "close"] * factor
            frame.loc[before, "adjustment"] = "corporate_action"
            report.append(f"{ticker}: adj_close before {day} scaled by {factor:.4f} for the {what}")
    return frame


def _read_tsx(raw: Path, ticker: str) -> pd.DataFrame:
    data = pd.read_csv(raw / "tsx_neo" / f"{ticker}.csv", parse_dates=["Date"])
    return _frame(
        data["Date"], data["Open"], data["High"], data["Low"], data["Close"], data["Volume"],
        adj_close=data["Adj Close"].to_numpy(), adjustment="split_dividend",
    )  # fmt: skip


def _read_cn_index(raw: Path) -> pd.DataFrame:
    data = pd.read_csv(raw / "cn_index" / "000300_CSI300.csv", parse_dates=["date"])
    return _frame(data["date"], data["open"], data["high"], data["low"], data["close"], adjustment="index")


def _stitch_a_share(raw: Path, ticker: str, sessions: pd.DatetimeIndex, report: list[str]) -> pd.DataFrame:
    """Chain one A-share's qfq snapshots (2022+) and unadjusted history by daily returns."""
    sources: list[tuple[str, pd.DataFrame]] = []
    for folder in QFQ_SOURCES:
        file = raw / folder / f"{ticker}.csv"
        if file.exists():
            data = pd.read_csv(file, parse_dates=["date"]).set_index("date").sort_index()
            data = data[data.index >= QFQ_FIRST_USABLE]
            data["volume"] = data["volume"] * LOTS
            sources.append((folder, data[data.index.isin(sessions)]))
    first_qfq = min(data.index[0] for _, data in sources)
    raw_file = raw / "cn_raw_1997_2025" / f"{ticker}.csv"
    if raw_file.exists():
        data = pd.read_csv(raw_file, parse_dates=["date"]).set_index("date").sort_index()
        # Up to and including the first qfq day, so the link return into qfq comes from raw prices.
        data = data[(data.index >= START) & (data.index <= first_qfq)]
        sources.append(("raw", data[data.index.isin(sessions)]))

    dates = sorted(set().union(*(data.index for _, data in sources)))
    neutralized = []
    chosen = []  # (source, return) per date after the first
    for previous, date in itertools.pairwise(dates):
        for name, data in sources:
            if date in data.index and previous in data.index:
                ratio = data.at[date, "close"] / data.at[previous, "close"]
                if name == "raw" and abs(ratio - 1) > RAW_LIMIT:
                    neutralized.append(f"{date.date()} {ratio - 1:+.1%}")
                    ratio = 1.0
                chosen.append((name, ratio))
                break
        else:
            raise ValueError(f"{ticker}: no source holds both {previous.date()} and {date.date()}; cannot stitch")
    _report_overlaps(ticker, sources, report)

    growth = np.array([1.0] + [ratio for _, ratio in chosen])
    top_name, top = sources[0]  # anchor on the most recent qfq basis of the top-priority snapshot
    levels = _anchor_levels(growth, dates, top)
    by_name = dict(sources)
    names = [chosen[0][0]] + [name for name, _ in chosen]  # each date's row comes from its source
    rows = []
    for date, level, name in zip(dates, levels, names):
        row = by_name[name].loc[date]
        scale = level / row["close"]
        rows.append(
            (date, row["open"] * scale, row["high"] * scale, row["low"] * scale, level, row["volume"],
             "raw_returns" if name == "raw" else "qfq")
        )  # fmt: skip
    frame = pd.DataFrame(rows, columns=["date", "open", "high", "low", "close", "volume", "adjustment"])
    frame["adj_close"] = frame["close"]
    used = pd.Series(names).value_counts().to_dict()
    report.append(f"{ticker}: stitched {len(dates)} sessions by returns from {used}; anchored on {top_name}")
    if neutralized:
        report.append(f"{ticker}: zeroed {len(neutralized)} beyond-limit raw moves (corporate actions): {neutralized}")
    return frame


def _anchor_levels(growth: np.ndarray, dates: list, top: pd.DataFrame) -> np.ndarray:
    """Levels from chained growth factors, equal to ``top``'s close on its last day."""
    levels = np.cumprod(growth)
    anchor_position = dates.index(top.index[-1])
    return levels * (top["close"].iloc[-1] / levels[anchor_position])


def _report_overlaps(ticker: str, sources, report: list[str]) -> None:
    qfq = [(name, data["close"].pct_change()) for name, data in sources if name != "raw"]
    for i, (name_a, ret_a) in enumerate(qfq):
        for name_b, ret_b in qfq[i + 1 :]:
            both = pd.concat([ret_a, ret_b], axis=1, join="inner").dropna()
            if len(both):
                gap = float((both.iloc[:, 0] - both.iloc[:, 1]).abs().max())
                report.append(f"{ticker}: {name_a} vs {name_b}: {len(both)} overlapping returns, max |diff| {gap:.2e}")


def build(raw: Path, out: Path) -> tuple[pd.DataFrame, list[str]]:
    """Read and clean every ``universe.csv`` asset's raw files under ``raw``; write the snapshot to ``out``.

    Returns the long snapshot (one row per date and ticker, :data:`COLUMNS`, from :data:`START`, exchange
    sessions only) and the report, one line per fix. Raises ``ValueError`` when a raw file breaks an
    expectation (the US intraday row not last, dates no source can stitch, a missing or non-positive
    close after cleaning).
    """
    universe = pd.read_csv(HERE / "universe.csv", dtype=str)
    report: list[str] = []
    frames = []
    for entry in universe.itertuples(index=False):
        sessions = exchange_calendar(entry.exchange).sessions
        if entry.source_file.startswith("us_adjclose"):
            frame = _read_us(raw, entry.ticker, report)
        elif entry.source_file.startswith("asx_daily"):
            frame = _read_asx(raw, entry.ticker, report)
        elif entry.source_file.startswith("tsx_neo"):
            frame = _read_tsx(raw, entry.ticker)
        elif entry.ticker == "CSI300":
            frame = _read_cn_index(raw)
        else:
            frame = _stitch_a_share(raw, entry.ticker, sessions, report)
        frame = frame[(frame["date"] >= START)]
        off_session = ~frame["date"].isin(sessions)
        if off_session.any():
            days = ", ".join(str(d.date()) for d in frame.loc[off_session, "date"].head(5))
            report.append(f"{entry.ticker}: dropped {int(off_session.sum())} non-session rows ({days}...)")
        frame = frame[~off_session].drop_duplicates("date", keep="last").sort_values("date")
        if not (np.isfinite(frame["close"]) & (frame["close"] > 0)).all():
            raise ValueError(f"{entry.ticker}: non-positive or missing close after cleaning")
        frame.insert(1, "ticker", entry.ticker)
        frames.append(frame[COLUMNS])
    prices = pd.concat(frames, ignore_index=True)
    for column in ("open", "high", "low", "close", "adj_close", "volume"):
        prices[column] = prices[column].astype("float64").round(6)
    prices["ticker"] = prices["ticker"].astype("string")
    prices["adjustment"] = prices["adjustment"].astype("string")
    buffer = io.BytesIO()
    prices.to_parquet(buffer, index=False, compression="zstd")
    atomic_write(out, buffer.getvalue())
    return prices, report


def main(argv: list[str] | None = None) -> int:
    """Command line: write ``--out`` (default ``seeds/prices.parquet``) from ``--raw``, print the report and
    each ticker's first and last date and row count.

    Returns 0, or 2 when the raw folder is missing.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=HERE.parent.parent / "shared" / "data" / "raw")
    parser.add_argument("--out", type=Path, default=HERE / "prices.parquet")
    args = parser.parse_args(argv)
    if not args.raw.is_dir():
        print(f"error: raw data folder {args.raw} not found", file=sys.stderr)
        return 2
    prices, report = build(args.raw, args.out)
    print("\n".join(report))
    summary = prices.groupby("ticker", sort=False)["date"].agg(["min", "max", "count"])
    print(summary.to_string())
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, {len(prices)} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
