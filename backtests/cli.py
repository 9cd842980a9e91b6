"""The ``reelab`` command line: the outermost layer of the project.

Exit codes: 0 ok, 2 bad input (one line on stderr), 1 unexpected failure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from signals.errors import ReelabError

__all__ = ["main"]

DESCRIPTION = """reelab: trade China rare-earth export-control policy shocks, point-in-time.

Runs events -> per-exchange signals -> strategy template -> vectorbt backtest on the bundled,
real price snapshot, and writes stats, trades and an offline HTML report."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"reelab: error: {message} (see '{self.prog} --help')\n")


def _comma_list(text: str) -> list[str]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
    return items


def _date(text: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(datetime.strptime(text, "%Y-%m-%d"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad date {text!r}; expected YYYY-MM-DD") from None


def _asof(text: str) -> pd.Timestamp:
    """A date or 'today'."""
    from signals._job import resolve_asof

    return resolve_asof(text) if text.strip().lower() == "today" else _date(text)


def _day_or_instant(text: str) -> pd.Timestamp:
    for pattern in ("%Y-%m-%d", "%Y-%m-%dT%H:%M"):
        try:
            return pd.Timestamp(datetime.strptime(text, pattern))
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"bad date {text!r}; expected YYYY-MM-DD or YYYY-MM-DDTHH:MM")


LATEST_ZONE = "America/New_York"


def _zone(text: str) -> str:
    import zoneinfo

    if text not in zoneinfo.available_timezones():
        raise argparse.ArgumentTypeError(f"unknown time zone {text!r}; use an IANA name like Asia/Shanghai")
    return text


def _fraction(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number like 0.05, got {text!r}") from None


def _value(text: str):
    """A parameter value from the command line: None, true/false, int, float, a+b tuple, or text."""
    if "+" in text:  # a tuple, e.g. of tickers or event types: kept as text
        return tuple(part.strip() for part in text.split("+") if part.strip())
    lowered = text.strip().lower()
    if lowered in ("none", "null"):
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        number = int(text)
        return number if str(number) == text.strip() else text.strip()  # '000831' stays a ticker
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text.strip()


def _assignment(text: str) -> tuple[str, object]:
    name, separator, value = text.partition("=")
    if not separator or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), _value(value)


def _grid_axis(text: str) -> tuple[str, list]:
    name, separator, values = text.partition("=")
    if not separator or not name.strip() or not values.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=V1,V2,..., got {text!r}")
    return name.strip(), [_value(value) for value in values.split(",") if value.strip()]


def _add_backtest_arguments(parser: argparse.ArgumentParser, param_help: str) -> None:
    """The template, its parameters, the assets, the window and the costs: shared by run and sweep."""
    parser.add_argument(
        "--template",
        default="event_drift",
        help="strategy template: event_drift (default), window_optionality, relative_value, regime_tilt, permit_fade",
    )
    parser.add_argument(
        "--param", type=_assignment, action="append", default=[], metavar="NAME=VALUE",
        help=f"{param_help} (repeatable)",
    )  # fmt: skip
    parser.add_argument("--tickers", type=_comma_list, help="comma-separated tickers (default: the template's)")
    parser.add_argument("--start", type=_date, help="first session, YYYY-MM-DD (default: start of the data)")
    parser.add_argument("--end", type=_date, help="last session, YYYY-MM-DD (default: end of the data)")
    parser.add_argument("--fees", type=_fraction, default=0.001, help="fees per order, fraction (default 0.001)")
    parser.add_argument(
        "--slippage", type=_fraction, default=0.001, help="slippage per order, fraction (default 0.001)"
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="reelab", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    run = commands.add_parser(
        "run",
        help="backtest a strategy template on the bundled universe and write a report",
        description="Run events -> signals -> template -> vectorbt backtest and write stats.csv, trades.csv, "
        "equity.csv, config.json and report.html to --out.",
    )
    _add_backtest_arguments(run, "any template parameter, e.g. --param leg=call --param hedges=600111+600392")
    run.add_argument("--events", type=Path, help="event file (CSV, JSON or YAML) instead of the shipped calendar")
    run.add_argument("--merge", action="store_true", help="add --events to the shipped calendar instead")
    run.add_argument("--event-types", type=_comma_list, help="event types that trade (comma-separated)")
    run.add_argument("--horizon", type=int, help="sessions to hold a position (default 10)")
    run.add_argument("--min-severity", type=int, help="only events at least this severe, 1-3 (default 2)")
    run.add_argument("--stop-loss", type=_fraction, help="stop-loss as a fraction, e.g. 0.08")
    run.add_argument("--take-profit", type=_fraction, help="take-profit as a fraction, e.g. 0.15")
    run.add_argument("--allow-short", action="store_true", help="open shorts on negative signals")
    run.add_argument(
        "--placebo",
        type=int,
        default=0,
        metavar="N",
        help="also run N placebo calendars and report the strategy's empirical Sharpe p-value",
    )
    run.add_argument("--out", type=Path, help="output folder (default: ./reelab-out/<run-id>)")

    sweep = commands.add_parser(
        "sweep",
        help="run a template over a parameter grid and write sweep.csv",
        description="Run every combination of --grid as broadcast vectorbt calls (in memory-bounded chunks) and "
        "write sweep.csv (one row per combination x scope, with the parameters and the stats) and config.json.",
    )
    _add_backtest_arguments(sweep, "a fixed parameter for every combination")
    sweep.add_argument(
        "--grid",
        type=_grid_axis,
        action="append",
        default=[],
        metavar="NAME=V1,V2",
        help="a parameter and its values, e.g. --grid horizon=5,10,21 --grid stop_loss=none,0.05 (repeatable; "
        "without --grid, the template's documented grid)",
    )
    sweep.add_argument("--chunk-size", type=int, help="combinations per vectorbt call (default: memory-bounded)")
    sweep.add_argument("--events", type=Path, help="event file (CSV, JSON or YAML) instead of the shipped calendar")
    sweep.add_argument("--merge", action="store_true", help="add --events to the shipped calendar instead")
    sweep.add_argument("--out", type=Path, required=True, help="output folder")

    study = commands.add_parser(
        "study",
        help="event study: abnormal returns, CARs and their tests around policy events",
        description="Market-model event study on the bundled prices; writes abnormal_returns.csv, car.csv, "
        "tests.csv, dropped.csv, report.html, summary.json and figures/ to --out.",
    )
    study.add_argument("--types", type=_comma_list, help="event types (comma-separated; default: all)")
    study.add_argument("--tickers", type=_comma_list, help="assets (default: every non-benchmark asset)")
    study.add_argument("--windows", type=_windows, help="event windows, e.g. -1:1,0:5,0:20 (the default)")
    study.add_argument("--model", choices=("market", "market_adjusted", "mean_adjusted"), default="market")
    study.add_argument("--estimation", type=int, default=120, help="estimation-window sessions (120)")
    study.add_argument("--gap", type=int, default=10, help="sessions between estimation window and session -1 (10)")
    study.add_argument("--events", type=Path, help="event file (CSV, JSON or YAML) instead of the shipped calendar")
    study.add_argument("--merge", action="store_true", help="add --events to the shipped calendar instead")
    study.add_argument("--placebo", type=int, default=0, metavar="N", help="N placebo calendars for empirical p-values")
    study.add_argument("--out", type=Path, required=True, help="output folder")

    report = commands.add_parser("report", help="(re)build report.html, summary.json and figures/ for a results folder")
    report.add_argument("folder", type=Path, help="a folder written by reelab run, sweep or study")

    signals = commands.add_parser("signals", help="point-in-time signal panels (scheduled jobs)")
    signals_commands = signals.add_subparsers(dest="signals_command", metavar="ACTION", parser_class=_Parser)
    build = signals_commands.add_parser(
        "build",
        help="write the signal panel up to --asof and its manifest",
        description="Build every signal for the bundled universe up to --asof and publish the folder "
        "<out>/signals-<asof>/ with signals.<format> and manifest.json, together (never one without the other). "
        "Reruns with the same inputs write byte-identical files. "
        "Exit codes: 0 ok, 2 bad input, 1 unexpected failure.",
    )
    build.add_argument(
        "--asof", type=_asof, required=True, help="last session of the panel: YYYY-MM-DD, or 'today' (local date)"
    )
    build.add_argument("--tickers", type=_comma_list, help="assets (default: the whole universe)")
    build.add_argument("--out", type=Path, required=True, help="output folder")
    build.add_argument("--events", type=Path, help="event file (CSV, JSON or YAML) instead of the shipped calendar")
    build.add_argument("--merge", action="store_true", help="add --events to the shipped calendar instead")
    build.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="file format (parquet)")
    build.add_argument("--start", type=_date, default=pd.Timestamp("2010-01-01"), help="first session (2010-01-01)")
    verbosity = build.add_mutually_exclusive_group()
    verbosity.add_argument("--quiet", action="store_true", help="log warnings only")
    verbosity.add_argument("--verbose", action="store_true", help="log debugging detail")

    events = commands.add_parser("events", help="inspect and validate event calendars")
    events_commands = events.add_subparsers(dest="events_command", metavar="ACTION", parser_class=_Parser)
    listing = events_commands.add_parser("list", help="a table of events, filtered by type and dates")
    show = events_commands.add_parser("show", help="every field and version of one event")
    for sub in (listing, show):
        sub.add_argument("--events", type=Path, help="event file (CSV, JSON or YAML) instead of the shipped one")
        sub.add_argument("--merge", action="store_true", help="add --events to the shipped calendar instead")
    listing.add_argument("--type", type=_comma_list, help="event types (comma-separated)")
    listing.add_argument("--start", type=_date, help="announced on or after, YYYY-MM-DD")
    listing.add_argument("--end", type=_date, help="announced on or before, YYYY-MM-DD")
    listing.add_argument("--min-severity", type=int, default=1, help="only events at least this severe (1-3)")
    show.add_argument("id", help="event id, e.g. 2025-04-04-RT")
    validate = events_commands.add_parser(
        "validate", help="check an event file and report every problem with its line number"
    )
    validate.add_argument("file", type=Path, help="event file (CSV, JSON or YAML)")
    extract = events_commands.add_parser(
        "extract",
        help="candidate events from news text, linked to the calendar",
        description="Find candidate policy events in article text files (type, date with precision, window end, "
        "countries, elements, confidence, evidence) and link them to the shipped calendar.",
    )
    extract.add_argument("files", type=Path, nargs="+", metavar="FILE", help="article text files")
    extract.add_argument(
        "--published", type=_day_or_instant,
        help="publication date or local time, YYYY-MM-DD[THH:MM] (default: the dateline of each file)",
    )  # fmt: skip
    extract.add_argument(
        "--tz", type=_zone, help="publication time zone when neither the dateline nor the outlet gives it "
        f"(default: the latest plausible, {LATEST_ZONE})",
    )  # fmt: skip
    extract.add_argument("--format", choices=("table", "csv", "json"), default="table")
    extract.add_argument(
        "--append-to",
        type=Path,
        metavar="EVENTS.csv",
        help="append the candidates new to that file (validated, atomic, no duplicates)",
    )
    return parser


def _format_summary(result) -> str:
    table = result.summary()
    shown = pd.DataFrame(index=table.index)
    for metric, label in (("total_return", "return"), ("cagr", "CAGR"), ("max_drawdown", "maxDD")):
        shown[label] = table[f"{metric}:strategy"].map("{:+.1%}".format)
        shown[f"B&H {label}"] = table[f"{metric}:benchmark"].map("{:+.1%}".format)
    shown["Sharpe"] = table["sharpe:strategy"].map("{:.2f}".format)
    shown["B&H Sharpe"] = table["sharpe:benchmark"].map("{:.2f}".format)
    shown["trades"] = table["trades:strategy"].map("{:.0f}".format)
    shown["win"] = table["win_rate:strategy"].map(lambda v: "-" if pd.isna(v) else f"{v:.0%}")
    shown.index.name = None
    return shown.to_string()


def _run(args: argparse.Namespace) -> int:
    from signals._io import atomic_write

    from ._report import write_report
    from ._run import run_backtest
    from ._validation import attribution
    from ._vbt import Costs

    params = {
        name: value
        for name, value in (
            ("event_types", args.event_types),
            ("horizon", args.horizon),
            ("min_severity", args.min_severity),
            ("stop_loss", args.stop_loss),
            ("take_profit", args.take_profit),
            ("allow_short", True if args.allow_short else None),
        )
        if value is not None
    } | dict(args.param)
    config = {
        "template": args.template,
        "params": params,
        "tickers": args.tickers,
        "start": None if args.start is None else f"{args.start:%Y-%m-%d}",
        "end": None if args.end is None else f"{args.end:%Y-%m-%d}",
        "events": None if args.events is None else str(args.events),
        "merge": args.merge,
        "fees": args.fees,
        "slippage": args.slippage,
    }
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:8]
    run_id = f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{digest}"
    out = args.out if args.out is not None else Path("reelab-out") / run_id
    if out.exists() and not out.is_dir():
        raise ReelabError(f"--out {out} exists and is not a folder")

    started = time.perf_counter()
    calendar = _calendar(args)
    costs = Costs(fees=args.fees, slippage=args.slippage)
    result = run_backtest(args.template, params, args.tickers, args.start, args.end, costs=costs, calendar=calendar)
    elapsed = time.perf_counter() - started

    atomic_write(out / "stats.csv", result.stats.to_csv(float_format="%.10g"))
    atomic_write(out / "trades.csv", result.trades.to_csv(index=False, float_format="%.10g", date_format="%Y-%m-%d"))
    atomic_write(out / "equity.csv", result.equity.to_csv(float_format="%.10g", date_format="%Y-%m-%d"))
    atomic_write(out / "close.csv", result.close.to_csv(float_format="%.10g", date_format="%Y-%m-%d"))
    descriptions = {event.id: event.description for event in result.calendar}
    aligned = result.alignment.table.assign(
        knowable_at=lambda t: t["knowable_at"].map(pd.Timestamp.isoformat),
        description=lambda t: t["event_id"].map(descriptions),
    )
    atomic_write(out / "alignment.csv", aligned.to_csv(index=False, date_format="%Y-%m-%d"))
    atomic_write(out / "events.csv", result.events.to_csv(index=False, date_format="%Y-%m-%d"))
    resolved = dict(vars(result.params))
    if resolved.get("exposure") is not None:
        resolved["exposure"] = dict(resolved["exposure"])
    config = (
        {"command": "run"}
        | config
        | {
            "requested": {"tickers": args.tickers, "start": config["start"], "end": config["end"]},
            "tickers": list(result.close.columns),
            "start": f"{result.close.index[0]:%Y-%m-%d}",
            "end": f"{result.close.index[-1]:%Y-%m-%d}",
            "init_cash": costs.init_cash,
            "resolved_params": resolved,
        }
        | _provenance(args)
    )
    atomic_write(out / "config.json", json.dumps(config, indent=2, default=str))
    atomic_write(
        out / "attribution.csv", attribution(result).to_csv(index=False, float_format="%.10g", date_format="%Y-%m-%d")
    )
    if args.placebo:
        from ._validation import placebo_sharpe

        actual, null, p_value = placebo_sharpe(
            args.template, params, args.placebo, 0, args.tickers, args.start, args.end, costs, calendar=calendar
        )
        placebo = pd.DataFrame({"draw": range(len(null)), "sharpe": null, "actual": actual, "p_value": p_value})
        atomic_write(out / "placebo_sharpe.csv", placebo.to_csv(index=False, float_format="%.10g"))
    write_report(out, title=f"reelab {args.template} backtest")

    print(
        f"reelab run {run_id}: {args.template} on {result.close.shape[1]} assets, "
        f"{result.close.index[0]:%Y-%m-%d} to {result.close.index[-1]:%Y-%m-%d} ({elapsed:.1f} s)"
    )
    print(result.alignment.summary())
    print(_event_outcomes(result))
    print()
    print(_format_summary(result))
    print()
    if args.placebo:
        print(f"placebo: real Sharpe {actual:.2f}, {args.placebo} placebo calendars, empirical p = {p_value:.3f}")
    print(
        f"wrote {out}/ (stats.csv, trades.csv, equity.csv, attribution.csv, config.json, report.html, "
        "summary.json, figures/)"
    )
    return 0


def _event_outcomes(result) -> str:
    """One line on what the template did with the events: chosen, entered, renewed, closed, skipped (why)."""
    params = result.params
    text = ""
    if hasattr(params, "event_types") and hasattr(params, "min_severity"):
        events = list(result.calendar)
        chosen = [e for e in events if str(e.type) in params.event_types and e.severity >= params.min_severity]
        weak = sum(1 for e in events if str(e.type) in params.event_types and e.severity < params.min_severity)
        text = (f"events: {len(chosen)} of {len(events)} are of the traded types with severity >= "
                f"{params.min_severity} ({weak} below that severity, {len(events) - len(chosen) - weak} of other "
                "types); ")  # fmt: skip
    outcomes = result.events
    if outcomes.empty:
        return text + "no event reached a traded asset"
    counts = outcomes["outcome"].value_counts()
    text += "event-asset signals: " + ", ".join(f"{counts.get(k, 0)} {k}" for k in ("entered", "renewed", "closed"))
    skipped = outcomes.loc[outcomes["outcome"] == "skipped", "reason"].value_counts()
    text += f", {int(skipped.sum())} skipped"
    if len(skipped):
        text += " (" + ", ".join(f"{count} {reason}" for reason, count in skipped.items()) + ")"
    return text


VERSIONED = ("reelab", "vectorbt", "numba", "pandas", "numpy", "statsmodels", "exchange-calendars", "pyarrow")


def _provenance(args: argparse.Namespace) -> dict:
    """The inputs a command read (path and sha256) and the library versions it ran with."""
    from signals._io import input_record, package_versions

    inputs = {"events": input_record(args.events, "events.csv")}
    if getattr(args, "merge", False):
        inputs["shipped_events"] = input_record(None, "events.csv")
    inputs |= {"universe": input_record(None, "universe.csv"), "prices": input_record(None, "prices.parquet")}
    return {"inputs": inputs, "versions": package_versions(VERSIONED)}


def _signals_build(args: argparse.Namespace) -> int:
    from signals import write_signals

    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)
    if args.merge and args.events is None:
        raise ReelabError("--merge needs --events FILE")
    write_signals(args.asof, args.out, args.events, args.merge, args.format, f"{args.start:%Y-%m-%d}",
                  tickers=args.tickers)  # fmt: skip
    return 0


def _calendar(args: argparse.Namespace):
    from signals import load_events

    if args.merge and args.events is None:
        raise ReelabError("--merge needs --events FILE")
    return load_events(args.events, merge=args.merge)


def _events_list(args: argparse.Namespace) -> int:
    calendar = _calendar(args).filter(args.type, args.start, args.end, args.min_severity)
    frame = calendar.to_frame()
    table = pd.DataFrame(
        {
            "type": frame["type"],
            "announced": [
                f"{stamp:%Y-%m-%d %H:%M}" if known else f"{stamp:%Y-%m-%d}"
                for stamp, known in zip(frame["announced_at"], frame["time_of_day_known"])
            ],
            "tz": frame["tz"],
            "dir": frame["direction"],
            "sev": frame["severity"],
            "window_end": [
                f"{end:%Y-%m-%d}" if end is not None and pd.notna(end) else "" for end in frame["window_end"]
            ],
            "countries": frame["countries_included"].str.slice(0, 18),
            "confidence": frame["confidence"],
        },
        index=frame.index,
    )
    print(table.to_string() if len(table) else "no events match")
    print(f"{len(table)} events from {calendar.source}")
    return 0


def _events_show(args: argparse.Namespace) -> int:
    calendar = _calendar(args)
    try:
        versions = calendar.versions(args.id)
    except KeyError as error:
        raise ReelabError(str(error).strip('"')) from None
    for number, event in enumerate(versions, start=1):
        if len(versions) > 1:
            print(f"--- version {number} of {len(versions)}")
        fields = {
            "id": event.id,
            "type": event.type,
            "announced_at": event.announced_at,
            "time of day known": event.time_of_day_known,
            "known_at": event.known_at,
            "knowable (UTC)": event.knowable_at(),
            "effective_at": event.effective_at,
            "window_end": event.window_end,
            "direction": event.direction,
            "severity": event.severity,
            "elements": "; ".join(event.elements),
            "countries included": "; ".join(event.countries_included),
            "countries excluded": "; ".join(event.countries_excluded),
            "confidence": event.confidence,
            "source": event.source,
            "description": event.description,
        }
        for name, value in fields.items():
            print(f"{name:>20}: {'' if value is None else value}")
    return 0


def _events_validate(args: argparse.Namespace) -> int:
    from signals import validate_events

    problems = validate_events(args.file)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"reelab: error: {args.file}: {len(problems)} problem(s)", file=sys.stderr)
        return 2
    count = len(_calendar(argparse.Namespace(events=args.file, merge=False)).all_versions)
    print(f"{args.file}: {count} events, valid")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    import strategies
    from signals._io import atomic_write

    from ._sweep import sweep
    from ._vbt import Costs

    spec = strategies.get(args.template)
    grid = dict(args.grid) if args.grid else spec.grid
    started = time.perf_counter()
    table = sweep(
        args.template,
        grid,
        args.tickers,
        args.start,
        args.end,
        Costs(fees=args.fees, slippage=args.slippage),
        base=dict(args.param),
        chunk_size=args.chunk_size,
        calendar=_calendar(args),
    )
    elapsed = time.perf_counter() - started
    atomic_write(args.out / "sweep.csv", table.to_csv(index=False, float_format="%.10g"))
    config = {
        "command": "sweep",
        "template": args.template,
        "grid": grid,
        "params": dict(args.param),
        "tickers": args.tickers,
        "start": None if args.start is None else f"{args.start:%Y-%m-%d}",
        "end": None if args.end is None else f"{args.end:%Y-%m-%d}",
        "events": None if args.events is None else str(args.events),
        "merge": args.merge,
        "fees": args.fees,
        "slippage": args.slippage,
    } | _provenance(args)
    atomic_write(args.out / "config.json", json.dumps(config, indent=2, default=str))
    portfolio = table[table["scope"] == "portfolio"].sort_values("sharpe", ascending=False)
    dsr = _sweep_dsr(args, portfolio, grid)
    if dsr is not None:
        atomic_write(args.out / "dsr.json", json.dumps(dsr, indent=2) + "\n")
    from ._report import write_report

    write_report(args.out, title=f"reelab {args.template} sweep")
    print(
        f"reelab sweep: {args.template}, {len(portfolio)} combinations x {table['scope'].nunique() - 1} scopes "
        f"in {elapsed:.1f} s"
    )
    print("best combinations by portfolio Sharpe (in-sample: beware of overfitting):")
    print(portfolio.head(10).drop(columns="scope").to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if dsr is not None:
        print(f"deflated Sharpe ratio of the best combination: {dsr['dsr']:.3f} over {dsr['trials']} trials")
    print(f"wrote {args.out}/ (sweep.csv, dsr.json, config.json, report.html, summary.json, figures/)")
    return 0


def _sweep_dsr(args: argparse.Namespace, portfolio: pd.DataFrame, grid: dict) -> dict | None:
    """The deflated Sharpe ratio of the sweep's best combination (re-run to get its daily returns)."""
    from ._run import run_backtest
    from ._sweep import combination_params
    from ._validation import deflated_sharpe_ratio
    from ._vbt import Costs, periods_per_year

    if len(portfolio) < 2 or not portfolio["sharpe"].notna().any():
        return None
    best = portfolio.iloc[0]
    chosen = dict(args.param) | combination_params(best, grid)
    result = run_backtest(
        args.template, chosen, args.tickers, args.start, args.end, Costs(fees=args.fees, slippage=args.slippage),
        calendar=_calendar(args),
    )  # fmt: skip
    returns = result.equity["strategy"].pct_change().dropna().to_numpy()
    per_year = periods_per_year(result.equity.index)
    return deflated_sharpe_ratio(returns, portfolio["sharpe"].to_numpy() / np.sqrt(per_year)) | {"params": chosen}


def _windows(text: str) -> list[tuple[int, int]]:
    windows = []
    for part in _comma_list(text):
        start, separator, end = part.partition(":")
        try:
            windows.append((int(start), int(end)))
        except ValueError:
            raise argparse.ArgumentTypeError(f"bad window {part!r}; expected START:END like 0:5 or -1:1") from None
        if not separator:
            raise argparse.ArgumentTypeError(f"bad window {part!r}; expected START:END like 0:5 or -1:1")
    return windows


def _study(args: argparse.Namespace) -> int:
    from signals._io import atomic_write

    from ._report import write_report
    from ._study import DEFAULT_WINDOWS, event_study

    calendar = _calendar(args)
    windows = args.windows or list(DEFAULT_WINDOWS)
    started = time.perf_counter()
    study = event_study(calendar, None, args.tickers, args.types, windows, args.model, args.estimation, args.gap)
    out = args.out
    write = {"date_format": "%Y-%m-%d", "float_format": "%.10g", "index": False}
    atomic_write(
        out / "abnormal_returns.csv",
        study.abnormal_returns[["event_id", "ticker", "session", "rel_day", "ar", "event_type", "group"]].to_csv(
            **write
        ),
    )
    atomic_write(out / "car.csv", study.car.to_csv(**write))
    atomic_write(out / "tests.csv", study.tests.to_csv(**write))
    atomic_write(out / "dropped.csv", study.dropped.to_csv(**write))
    config = {
        "command": "study",
        "types": args.types,
        "tickers": args.tickers,
        "windows": windows,
        "model": args.model,
        "estimation": args.estimation,
        "gap": args.gap,
        "events": None if args.events is None else str(args.events),
        "merge": args.merge,
    } | _provenance(args)
    atomic_write(out / "config.json", json.dumps(config, indent=2))
    if args.placebo:
        from ._validation import empirical_p_value, placebo_calendars, placebo_cars

        base = calendar
        if args.types:
            base = base.filter(types=args.types)
        draws = placebo_cars(study, placebo_calendars(base, args.placebo, seed=0))
        rows = []
        for window, part in draws.groupby("window"):
            start, end = (int(v) for v in window.split(":"))
            real = study.car[(study.car["window_start"] == start) & (study.car["window_end"] == end)]["car"].mean()
            rows.append(part.assign(actual=real, p_value=empirical_p_value(real, part["mean_car"].to_numpy())))
        atomic_write(out / "placebo_car.csv", pd.concat(rows).to_csv(index=False, float_format="%.10g"))
    write_report(out, title="reelab event study")
    everything = study.tests[study.tests["group"] == "all"].pivot(index="window", columns="statistic", values="p_value")
    print(
        f"reelab study: {study.car.groupby(['event_id', 'ticker']).ngroups} event-asset pairs, model {args.model}, "
        f"{len(study.dropped)} dropped ({time.perf_counter() - started:.1f} s)"
    )
    print("mean CAR by event type and window:")
    print(
        study.car.groupby(["event_type", "window_start", "window_end"])["car"]
        .mean()
        .unstack([1, 2])
        .to_string(float_format=lambda v: f"{v:+.2%}")
    )
    print("p-values, all events:")
    print(everything.to_string(float_format=lambda v: f"{v:.3f}"))
    print(f"wrote {out}/ (abnormal_returns.csv, car.csv, tests.csv, dropped.csv, report.html, summary.json, figures/)")
    return 0


def _report(args: argparse.Namespace) -> int:
    from ._report import write_report

    if not args.folder.is_dir():
        raise ReelabError(f"{args.folder} is not a folder of reelab results")
    path = write_report(args.folder)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB), summary.json and figures/")
    return 0


EXTRACT_COLUMNS = [
    "file",
    "date",
    "precision",
    "type",
    "confidence",
    "calendar_id",
    "window_end",
    "countries_included",
    "countries_excluded",
    "elements",
    "span",
    "evidence",
]


def _events_extract(args: argparse.Namespace) -> int:
    from signals import extract_events, link_events, load_events
    from signals._news import append_candidates, candidate_row, find_publication

    calendar = load_events()
    rows, found = [], []
    for file in args.files:
        if not file.is_file():
            raise ReelabError(f"no such article file: {file}")
        text = file.read_text(encoding="utf-8", errors="replace")
        publication = find_publication(text, args.published, args.tz)
        if publication is None:
            raise ReelabError(f"{file}: no publication date (no dateline found); pass --published YYYY-MM-DD")
        candidates = link_events(extract_events(text, publication.day), calendar)
        found += [(str(file), candidate, publication) for candidate in candidates]
        for candidate in candidates:
            written = candidate_row(candidate, publication, "", str(file))
            rows.append({"file": str(file)} | candidate.to_dict() | {key: written[key] for key in WRITTEN})
    table = pd.DataFrame(rows, columns=[*EXTRACT_COLUMNS, *WRITTEN])
    if args.format == "csv":
        sys.stdout.write(table.to_csv(index=False))
    elif args.format == "json":
        print(json.dumps(rows, indent=2))
    else:
        shown = table.drop(columns=["span", "countries_excluded", "elements", "window_end"]).assign(
            evidence=table["evidence"].str.slice(0, 60), calendar_id=table["calendar_id"].replace("", "NEW")
        )
        print(shown.to_string(index=False) if len(shown) else "no candidate events found")
    if args.append_to is not None:
        added = append_candidates(args.append_to, found)
        print(f"appended {len(added)} new event(s) to {args.append_to}", file=sys.stderr)
        _note_untraded(added)
    return 0


#: Fields of the event-file row shown beside each candidate (what --append-to would write).
WRITTEN = ["known", "tz", "direction", "severity"]


def _note_untraded(rows: list[dict[str, str]]) -> None:
    """Say which appended events the default event_drift run would not trade, and why."""
    import strategies

    defaults = strategies.get("event_drift").params()
    for row in rows:
        reasons = []
        if int(row["severity"]) < defaults.min_severity:
            reasons.append(f"severity {row['severity']} is below min_severity {defaults.min_severity}")
        if row["type"] not in defaults.event_types:
            reasons.append(f"type {row['type']} is not in its event_types")
        if reasons:
            print(
                f"note: {row['id']} will not trade under event_drift's defaults: {'; '.join(reasons)} "
                "(see --param min_severity=... and --param event_types=...)",
                file=sys.stderr,
            )


COMMANDS = {
    ("run", None): _run,
    ("sweep", None): _sweep,
    ("study", None): _study,
    ("report", None): _report,
    ("signals", "build"): _signals_build,
    ("events", "list"): _events_list,
    ("events", "show"): _events_show,
    ("events", "validate"): _events_validate,
    ("events", "extract"): _events_extract,
}


#: Options whose value may start with '-' (a negative window start): argparse would read it as an option.
DASHED_VALUES = ("--windows",)


def _join_dashed_values(argv: Sequence[str]) -> list[str]:
    """``--windows -1:1,0:5`` as ``--windows=-1:1,0:5``, the form argparse reads."""
    joined: list[str] = []
    for item in argv:
        if joined and joined[-1] in DASHED_VALUES and item.startswith("-") and item[1:2].isdigit():
            joined[-1] = f"{joined[-1]}={item}"
        else:
            joined.append(item)
    return joined


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``reelab`` console script."""
    parser = _build_parser()
    args = parser.parse_args(_join_dashed_values(sys.argv[1:] if argv is None else argv))
    action = getattr(args, f"{args.command}_command", None) if args.command else None
    command = COMMANDS.get((args.command, action))
    if command is None:
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        actions = sorted(action for command_name, action in COMMANDS if command_name == args.command)
        parser.error(f"'reelab {args.command}' needs an action: {', '.join(actions)}")
    try:
        return command(args)
    except (ReelabError, FileNotFoundError) as error:
        print(f"reelab: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # unexpected: one line, exit 1 (tracebacks with --verbose)
        if getattr(args, "verbose", False):
            raise
        print(f"reelab: unexpected error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
