"""``reelab daily`` (the evening job) and ``reelab status`` (is everything current?)."""

from __future__ import annotations

import argparse
import os
import sys

from signals.errors import counted

__all__ = ["daily", "status"]


def daily(args: argparse.Namespace) -> int:
    """reelab daily: prices update, signals build and positions as of --asof (today), one JSON line per step.

    Returns the first failing step's exit code (each failure is one line on stderr), else 0.
    """
    import pandas as pd

    from signals.dates import parse_asof

    from ..ops._daily import run_daily
    from ..spec import RunSpec

    if args.data_dir is not None:  # every reader of the store (update, positions) takes it from here
        os.environ["REELAB_DATA"] = str(args.data_dir)
    spec = RunSpec.from_args(args)
    today = parse_asof("today")
    asof = today if args.asof is None else args.asof
    # as of today, only the sessions that have closed by now are taken, never one still trading (another day:
    # every session through it, as a past evening had them)
    now = pd.Timestamp.now(tz="UTC") if asof == today else None
    result = run_daily(spec, args.out, asof, now=now, strict=args.strict)
    for record in result.records:
        state = "ok" if record["exit"] == 0 else f"exit {record['exit']}"
        print(f"{record['step']:<10} {state:<7} {record['seconds']:>7.1f} s  {_what(record)}")
    print(f"reelab daily {asof:%Y-%m-%d}: exit {result.exit_code}; log {args.out / 'daily.jsonl'}")
    for error in result.errors:
        print(f"reelab: error: {error}", file=sys.stderr)
    return result.exit_code


def _what(record: dict) -> str:
    if "error" in record:
        return str(record["error"])[:160]
    if record["step"] == "prices":
        added = record.get("added", {})
        return f"{sum(added.values())} session(s) added for {len(added)} ticker(s)" if added else "no new session"
    if record["step"] == "signals":
        new = record.get("new_events")
        listed = f", new: {', '.join(new)}" if new else ""
        return f"{record['folder']}/ ({counted(record['events_used'], 'event')} used{listed})"
    excluded = f"; left out: {'; '.join(record['excluded'])}" if record.get("excluded") else ""
    return f"{record['folder']}/ ({len(record['orders'])} order(s) for the next session{excluded})"


def status(args: argparse.Namespace) -> int:
    """reelab status: prices per ticker, calendar horizons, the last daily run; exit 0 when all is current, else 2."""
    import pandas as pd

    from signals import calendar_freshness, horizon, load_universe, select_tickers

    from ..ops._daily import last_daily, read_daily_log
    from ..prices._health import freshness
    from ..spec import EventSource

    if args.data_dir is not None:
        os.environ["REELAB_DATA"] = str(args.data_dir)
    now = pd.Timestamp.now(tz="UTC")
    rows = freshness(args.tickers, now)
    problems = []
    print(f"prices as of {now:%Y-%m-%d %H:%M} UTC:")
    print(f"{'ticker':<8} {'exchange':<8} {'source':<10} {'last session':<12} {'expected':<10}  current")
    for row in rows:
        last = "-" if row.last_session is None else f"{row.last_session:%Y-%m-%d}"
        print(f"{row.ticker:<8} {row.exchange:<8} {row.source:<10} {last:<12} {row.expected:%Y-%m-%d}  "
              f"{'yes' if row.current else 'NO'}")  # fmt: skip
        if not row.current:
            problems.append(f"{row.ticker} {'unreadable' if row.problem else f'ends {last}'}")
    universe = load_universe()
    exchanges = sorted(set(universe.loc[select_tickers(universe, args.tickers), "exchange"]))
    print("\ncalendars:")
    print(f"{'exchange':<8} {'official through':<17} {'source':<40} provisional")
    for code in exchanges:
        known = horizon(code)
        print(f"{code:<8} {known['official_through']:<17} {known['source'][:40]:<40} {known['provisional'] or '-'}")
    calendar = EventSource(args.events, args.merge).load()  # --merge needs --events: said there
    calendar_state = calendar_freshness(calendar, now.tz_localize(None).normalize())
    print("", *calendar_state.report(), sep="\n")
    problems += calendar_state.problems()
    out = args.out or last_daily()
    print("\nlast daily run:")
    records = read_daily_log(out) if out is not None else []
    if not records:
        print(f"  none found{f' in {out}' if out is not None else ' (reelab daily records where it wrote)'}")
        if args.out is not None:
            problems.append(f"no daily run in {out}")
    else:
        day = records[-1]["asof"]
        steps = {record["step"]: record for record in records if record["asof"] == day}
        worst = next((record["exit"] for record in steps.values() if record["exit"]), 0)
        print(f"  {day} ({out}): " + ", ".join(f"{name} exit {r['exit']} at {r['utc']}" for name, r in steps.items()))
        if worst:
            problems.append(f"the daily run of {day} exited {worst}")
    if problems:
        more = f" and {len(problems) - 4} more" if len(problems) > 4 else ""
        print(f"reelab: error: not current: {'; '.join(problems[:4])}{more}", file=sys.stderr)
        return 2
    print("\neverything is current")
    return 0
