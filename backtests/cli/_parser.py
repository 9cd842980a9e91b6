"""The ``reelab`` argument parser: every command's options (the types that read them: :mod:`._types`)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import strategies

from ..simulation._costs import COST_MODELS
from ..simulation._vbt import ENGINES, Costs
from ..spec import MODELS, StudySpec
from ._types import (
    WORKERS_PER_CPU,
    _accepted,
    _asof,
    _assignment,
    _close_margin,
    _comma_list,
    _count,
    _data_folder,
    _date,
    _day_or_instant,
    _event_types,
    _fraction,
    _grid_axis,
    _inbox_folder,
    _out_folder,
    _positive,
    _results_folder,
    _scheduler_address,
    _score,
    _seconds,
    _windows,
    _workers,
    _workers_limit,
    _writable_data_folder,
    _zone,
)

__all__ = ["build_parser", "join_dashed_values"]

DESCRIPTION = """reelab: trade China rare-earth export-control policy shocks, point-in-time.

Runs events -> per-exchange signals -> strategy template -> vectorbt backtest on the bundled,
real price snapshot, and writes stats, trades and an offline HTML report."""

LATEST_ZONE = "America/New_York"


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one line and exit code 2.

    ``checks`` are the checks that read several arguments together (``--workers`` and
    ``--force-workers``, in any order): each returns what is wrong, or None, once all are parsed.
    """

    checks: tuple[Callable[[argparse.Namespace], str | None], ...] = ()

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"reelab: error: {message} (see '{self.prog} --help')\n")

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        for check in self.checks:
            if (problem := check(namespace)) is not None:
                self.error(problem)
        return namespace, extras


def _add_wait_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wait", type=_seconds, metavar="SECONDS",
        help="how long to wait for another reelab command's lock on the same output before giving up "
        "(exit 1; default 600)",
    )  # fmt: skip


def _check_workers(args: argparse.Namespace) -> str | None:
    """More than 4 worker processes per CPU only with --force-workers: each one is a Python process
    with its own copy of the data, and hundreds of them would swamp the machine, not speed it up."""
    if args.workers is None or args.workers <= _workers_limit() or args.force_workers:
        return None
    return (
        f"argument --workers: {args.workers} worker processes are more than {WORKERS_PER_CPU} per CPU "
        f"({_workers_limit()} on this machine's {os.cpu_count() or 1} CPUs); give --force-workers to start them anyway"
    )


def _add_dask_arguments(parser: argparse.ArgumentParser, work: str) -> None:
    """--scheduler ADDRESS or --workers N: run the independent pieces of the work on Dask."""
    assert isinstance(parser, _Parser)  # a subparser made with parser_class=_Parser
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler", type=_scheduler_address, metavar="ADDRESS",
        help=f"run the {work} on a Dask cluster, e.g. tcp://10.0.0.5:8786 (needs reelab[distributed]); checked "
        "before any work: a scheduler must answer there within $REELAB_SCHEDULER_TIMEOUT seconds (default 5)",
    )  # fmt: skip
    where.add_argument(
        "--workers", type=_workers, metavar="N",
        help=f"run the {work} on a local Dask cluster of N worker processes (needs reelab[distributed]); "
        f"at most {WORKERS_PER_CPU} per CPU ({_workers_limit()} here) without --force-workers",
    )  # fmt: skip
    parser.add_argument(
        "--force-workers", action="store_true",
        help=f"allow --workers above {WORKERS_PER_CPU} per CPU",
    )  # fmt: skip
    parser.checks = (*parser.checks, _check_workers)


def _check_placebo_cluster(args: argparse.Namespace) -> str | None:
    """``run`` spreads only its placebo draws: --workers or --scheduler without --placebo would do nothing."""
    if (args.workers is not None or args.scheduler is not None) and not args.placebo:
        flag = "--workers" if args.workers is not None else "--scheduler"
        return f"argument {flag}: run spreads only its placebo draws on Dask; give --placebo N as well"
    return None


def _add_events_arguments(parser: argparse.ArgumentParser) -> None:
    """--events FILE and --merge: the user's event file, alone or added to the shipped calendar."""
    parser.add_argument("--events", type=Path, help="event file (CSV, JSON or YAML) instead of the shipped calendar")
    parser.add_argument("--merge", action="store_true", help="add --events to the shipped calendar instead")


def _add_close_margin_argument(parser: argparse.ArgumentParser, default: int, role: str) -> None:
    """--close-margin MINUTES|none: when news with a time of day counts on the session it fell in."""
    parser.add_argument(
        "--close-margin", type=_close_margin, default=argparse.SUPPRESS, metavar="MINUTES",
        help=f"{role} an event known at least this long before a session's close counts on that session; "
        f"'none': from the first session that opens after it (default {default})",
    )  # fmt: skip


def _add_verbosity_arguments(parser: argparse.ArgumentParser) -> None:
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("--quiet", action="store_true", help="log warnings only")
    verbosity.add_argument("--verbose", action="store_true", help="log debugging detail")


def _add_prices_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--prices", type=Path, metavar="DIR",
        help="a folder of your own <TICKER>.csv/.parquet price files (Yahoo-style CSVs are read as they are) "
        "instead of the bundled snapshot and the updated store",
    )  # fmt: skip


def _add_backtest_arguments(parser: argparse.ArgumentParser, param_help: str) -> None:
    """The template, its parameters, the assets, the window and the costs: shared by run and sweep."""
    parser.add_argument(
        "--template",
        default="event_drift",
        help=f"strategy template: {', '.join(strategies.available())} (default event_drift)",
    )
    parser.add_argument(
        "--param", type=_assignment, action="append", default=[], metavar="NAME=VALUE",
        help=f"{param_help} (repeatable)",
    )  # fmt: skip
    parser.add_argument("--tickers", type=_comma_list, help="comma-separated tickers (default: the template's)")
    _add_prices_argument(parser)
    parser.add_argument("--start", type=_date, help="first session, YYYY-MM-DD (default: start of the data)")
    parser.add_argument("--end", type=_date, help="last session, YYYY-MM-DD (default: end of the data)")
    costs = Costs()  # the defaults are the library's: written once, there
    parser.add_argument(
        "--fees", type=_fraction, default=costs.fees, help=f"fees per order, fraction (default {costs.fees:g})"
    )
    parser.add_argument(
        "--slippage", type=_fraction, default=costs.slippage,
        help=f"slippage per order, fraction (default {costs.slippage:g})",
    )  # fmt: skip
    parser.add_argument(
        "--engine", choices=ENGINES, default=ENGINES[0],
        help="simulator of signal-style templates: reelab's event-window engine (default) or vectorbt's "
        "from_signals (the reference; same orders, slower)",
    )  # fmt: skip
    parser.add_argument(
        "--costs", choices=COST_MODELS, default=costs.model,
        help="flat: every order pays --fees (default); desk: each asset its exchange's commission, China's stamp "
        "duty on A-share sells (0.1%%, 0.05%% from 2023-08-28) and a borrow fee while short (universe.csv's "
        "trading terms; slippage stays --slippage). Desk costs and lots run on vectorbt's simulator",
    )  # fmt: skip
    parser.add_argument(
        "--terms", type=_term_override, action="append", default=[], metavar="KEY:FIELD=VALUE",
        help="override a trading term of a ticker or of every asset of an exchange: lot_size, commission, "
        "stamp_duty (china or none), shortable (yes or no), borrow_fee (a year), e.g. XSHG:commission=0.0002 "
        "or 600111:shortable=yes (repeatable)",
    )  # fmt: skip
    _add_close_margin_argument(parser, 30, "templates trade at the close:")


def _term_override(text: str) -> str:
    """``KEY:FIELD=VALUE``, KEY a ticker of the universe or an exchange code (checked while parsing)."""
    from signals import load_universe

    from ..simulation._costs import apply_overrides

    try:
        apply_overrides(load_universe(), [text])
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _add_lots_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lots", action="store_true",
        help="round every order down to whole board lots (universe.csv's lot_size: 100 shares in Shanghai and "
        "Shenzhen, 1 elsewhere), the cash left over staying in the sleeve, as reelab positions always does",
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The ``reelab`` parser: run, sweep, study, report, signals build and events list/show/validate/extract.

    A bad argument exits with code 2 and one line on stderr. Pass argv through :func:`join_dashed_values`
    first so that ``--windows -1:1`` parses.
    """
    parser = _Parser(prog="reelab", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--verbose", dest="traceback", action="store_true",
        help="on an unexpected failure, show the traceback (reelab --verbose COMMAND ...)",
    )  # fmt: skip
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    run = commands.add_parser(
        "run",
        help="backtest a strategy template on the bundled universe and write a report",
        description="Run events -> signals -> template -> vectorbt backtest and write stats.csv, trades.csv, "
        "equity.csv, config.json and report.html to --out.",
    )
    _add_backtest_arguments(run, "any template parameter, e.g. --param leg=call --param hedges=600111+600392")
    _add_lots_argument(run)
    _add_events_arguments(run)
    run.add_argument("--event-types", type=_event_types, help="event types that trade (comma-separated)")
    run.add_argument("--horizon", type=int, help="sessions to hold a position (default 10)")
    run.add_argument("--min-severity", type=int, help="only events at least this severe, 1-3 (default 2)")
    run.add_argument("--stop-loss", type=_fraction, help="stop-loss as a fraction, e.g. 0.08")
    run.add_argument("--take-profit", type=_fraction, help="take-profit as a fraction, e.g. 0.15")
    run.add_argument("--allow-short", action="store_true", help="open shorts on negative signals")
    run.add_argument(
        "--placebo",
        type=_count,
        default=0,
        metavar="N",
        help="also run N placebo calendars and report the strategy's empirical Sharpe p-value",
    )
    _add_dask_arguments(run, "placebo draws")
    run.checks = (*run.checks, _check_placebo_cluster)
    run.add_argument(
        "--out", type=_results_folder,
        help="output folder (default: ./reelab-out/<run-id>); a rerun replaces a reelab results folder whole",
    )  # fmt: skip
    _add_wait_argument(run)
    _add_verbosity_arguments(run)  # --quiet: no progress bar, warnings only

    sweep = commands.add_parser(
        "sweep",
        help="run a template over a parameter grid and write sweep.csv",
        description="Run every combination of --grid side by side (in memory-bounded chunks, here or on Dask) and "
        "write sweep.csv (one row per combination x scope, with the parameters and the stats) and config.json.",
    )
    _add_backtest_arguments(sweep, "a fixed parameter for every combination")
    _add_lots_argument(sweep)
    sweep.add_argument(
        "--grid",
        type=_grid_axis,
        action="append",
        default=[],
        metavar="NAME=V1,V2",
        help="a parameter and its values, e.g. --grid horizon=5,10,21 --grid stop_loss=none,0.05 (repeatable; "
        "without --grid, the template's documented grid)",
    )
    sweep.add_argument(
        "--chunk-size", type=_positive, metavar="N", help="combinations per simulation, >= 1 (default: memory-bounded)"
    )
    _add_events_arguments(sweep)
    _add_dask_arguments(sweep, "chunks of the grid")
    sweep.add_argument("--out", type=_results_folder, required=True, help="output folder (replaced whole on a rerun)")
    _add_wait_argument(sweep)
    _add_verbosity_arguments(sweep)  # --quiet: no progress bar, warnings only

    study = commands.add_parser(
        "study",
        help="event study: abnormal returns, CARs and their tests around policy events",
        description="Market-model event study on the bundled prices; writes abnormal_returns.csv, car.csv, "
        "tests.csv, dropped.csv, report.html, summary.json and figures/ to --out.",
    )
    study.add_argument(
        "--types", type=_event_types, help="event types (comma-separated; default: every type but confounder)"
    )
    study.add_argument(
        "--tickers", type=_comma_list, help="assets (default: the rare-earth names: no benchmark, no non_rare_earth)"
    )
    study.add_argument("--windows", type=_windows, help="event windows, e.g. -1:1,0:5,0:20 (the default)")
    study.add_argument("--model", choices=MODELS, default=StudySpec.model)
    study.add_argument(
        "--confounders", choices=("flag", "exclude", "ignore"), default="flag",
        help="event windows that hold a confounder (news not China's, e.g. a state deal with a producer): flagged "
        "in car.csv (default), excluded (counted in dropped.csv), or ignored",
    )  # fmt: skip
    study.add_argument(
        "--estimation", type=int, default=StudySpec.estimation,
        help=f"estimation-window sessions ({StudySpec.estimation})",
    )  # fmt: skip
    study.add_argument(
        "--gap", type=int, default=StudySpec.gap,
        help=f"sessions between estimation window and session -1 ({StudySpec.gap})",
    )  # fmt: skip
    _add_close_margin_argument(study, 0, "session 0 is the first whose close could hold the news:")
    _add_prices_argument(study)
    _add_events_arguments(study)
    study.add_argument(
        "--placebo", type=_count, default=0, metavar="N", help="N placebo calendars for empirical p-values"
    )
    study.add_argument("--out", type=_results_folder, required=True, help="output folder (replaced whole on a rerun)")
    _add_wait_argument(study)
    _add_verbosity_arguments(study)  # --quiet: no progress bar, warnings only

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
    build.add_argument("--out", type=_out_folder, required=True, help="output folder")
    _add_events_arguments(build)
    build.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="file format (parquet)")
    build.add_argument("--start", type=_date, default="2010-01-01", help="first session (2010-01-01)")
    _add_wait_argument(build)
    _add_verbosity_arguments(build)

    positions = commands.add_parser(
        "positions",
        help="the positions a template holds after the close of --asof, and the orders for the next session",
        description="Run the template on what was knowable at --asof (prices and events up to that session) and "
        "write positions.csv (per asset: position after the close, order for the next session, side, target, "
        "reason) and manifest.json to --out/positions-<template>-<asof>/. Reruns are byte-identical. "
        "Exit codes: 0 ok, 2 bad input, 1 unexpected failure.",
    )
    _add_backtest_arguments(positions, "any template parameter, e.g. --param horizon=5")
    positions.add_argument(
        "--asof", type=_asof, required=True, help="the session whose close the positions follow: YYYY-MM-DD or 'today'"
    )
    _add_events_arguments(positions)
    positions.add_argument("--out", type=_out_folder, required=True, help="output folder")
    positions.add_argument(
        "--strict", action="store_true",
        help="stop (exit 2) when an asset's prices stop before --asof, instead of leaving it out with a warning",
    )  # fmt: skip
    _add_wait_argument(positions)

    daily = commands.add_parser(
        "daily",
        help="the evening job: prices update, signals build and positions as of today, under one lock",
        description="Run prices update, signals build --asof DAY and positions --asof DAY in turn, under one lock, "
        "publishing <out>/signals-<day>/ and <out>/positions-<template>-<day>/, and append one JSON line per step "
        "to <out>/daily.jsonl (UTC time, exit code, seconds, what changed). A step that fails does not stop the "
        "next ones (they run on what is stored; stale assets are left out by name); the exit code is the first "
        "failing step's: 0 ok, 1 retry later (Yahoo unreachable, a lock held too long), 2 needs a person.",
    )
    _add_backtest_arguments(daily, "any template parameter, e.g. --param horizon=5")
    _add_events_arguments(daily)
    daily.add_argument(
        "--asof", type=_asof,
        help="the day: YYYY-MM-DD, or 'today' (default: today, taking only the sessions that have closed by now)",
    )  # fmt: skip
    daily.add_argument("--out", type=_out_folder, required=True, help="output folder (daily.jsonl and the folders)")
    daily.add_argument("--data-dir", type=_writable_data_folder, help="the data dir (default: $REELAB_DATA)")
    daily.add_argument("--strict", action="store_true", help="a stale asset stops positions (exit 2)")
    _add_wait_argument(daily)
    _add_verbosity_arguments(daily)

    status = commands.add_parser(
        "status",
        help="is everything current? prices per ticker, calendar horizons, the last daily run (exit 0 or 2)",
        description="Show, per ticker, the last stored session and whether it is current; per exchange, where its "
        "sessions come from and how far they are official; and the last daily run's outcome. Exit 0 when "
        "everything is current, 2 otherwise (for monitoring).",
    )
    status.add_argument("--tickers", type=_comma_list, help="assets (default: the whole universe)")
    status.add_argument("--out", type=Path, help="the daily job's --out (default: the last daily run's)")
    status.add_argument("--data-dir", type=_data_folder, help="the data dir (default: $REELAB_DATA)")
    _add_events_arguments(status)

    prices = commands.add_parser("prices", help="keep the price store up to date (the yahoo extra)")
    prices_commands = prices.add_subparsers(dest="prices_command", metavar="ACTION", parser_class=_Parser)
    update = prices_commands.add_parser(
        "update",
        help="fetch the sessions missing since the bundled snapshot from Yahoo Finance",
        description="Fetch, per ticker, only the sessions missing from the store, validate them like the bundled "
        "snapshot, stitch them to the history by returns at the overlap and write one parquet per ticker to the "
        "data dir (--data-dir, else $REELAB_DATA, else the user data folder). Needs the yahoo extra: "
        "pip install -e '.[yahoo]'. Exit codes: 0 ok, 1 network unavailable, 2 bad input; on failure nothing changes.",
    )
    update.add_argument("--tickers", type=_comma_list, help="assets (default: the whole universe)")
    update.add_argument(
        "--start", type=_date,
        help="fetch from this date even where the store already has data (replacing only the sessions for which "
        "a valid new price arrives)",
    )  # fmt: skip
    update.add_argument(
        "--data-dir", type=_writable_data_folder,
        help="the data dir holding the price store (default: $REELAB_DATA, else the user data dir)",
    )  # fmt: skip
    update.add_argument(
        "--accept", type=_accepted, action="append", default=[], metavar="TICKER:DATE",
        help="store a jump the checks refused (a split-like or extreme move) as real, e.g. MP:2026-10-01 "
        "(repeatable, or comma-separated)",
    )  # fmt: skip
    update.add_argument(
        "--rebuild", action="store_true",
        help="set each ticker's history anew from the bundled snapshot and Yahoo, ignoring its store file "
        "(the repair for an unreadable file)",
    )  # fmt: skip
    _add_wait_argument(update)
    verify = prices_commands.add_parser(
        "verify",
        help="check the price store: readable files, sessions, gaps, jumps, freshness (exit 0, or 2 on any problem)",
        description="Check, per ticker, that its prices are readable, lie on its exchange's sessions, have no gap "
        "and no unaccepted jump since the bundled snapshot, and reach the exchange's last closed session. "
        "Exit 0 when every check passes, 2 on any problem.",
    )
    verify.add_argument("--tickers", type=_comma_list, help="assets (default: the whole universe)")
    verify.add_argument("--data-dir", type=_data_folder, help="the data dir (default: $REELAB_DATA)")

    events = commands.add_parser("events", help="inspect and validate event calendars")
    events_commands = events.add_subparsers(dest="events_command", metavar="ACTION", parser_class=_Parser)
    listing = events_commands.add_parser("list", help="a table of events, filtered by type and dates")
    show = events_commands.add_parser(
        "show", help="every field and version of one event, and what each template does with its countries"
    )
    for sub in (listing, show):
        _add_events_arguments(sub)
    listing.add_argument("--type", type=_event_types, help="event types (comma-separated)")
    listing.add_argument("--start", type=_date, help="announced on or after, YYYY-MM-DD")
    listing.add_argument("--end", type=_date, help="announced on or before, YYYY-MM-DD")
    listing.add_argument("--min-severity", type=int, default=1, help="only events at least this severe (1-3)")
    show.add_argument("id", help="event id, e.g. 2025-04-04-RT")
    template = events_commands.add_parser(
        "template", help="print a valid starter event file (the YAML one explains every column in comments)",
        description="Print a valid event file holding two made-up events marked 'example: yes' (a backtest that "
        "trades one warns, naming it): replace them with your events, or clear 'example' once a row is real.",
    )  # fmt: skip
    template.add_argument("--format", choices=("csv", "yaml"), default="csv", help="file format (csv)")
    validate = events_commands.add_parser(
        "validate", help="check an event file and report every problem with its line number",
        description="Report every problem of an event file at once (every missing column, every bad field of "
        "every row, every repeated id), each with its line, and exit 2 if there is any; else print its event "
        "count and the made-up example events it still holds.",
    )  # fmt: skip
    validate.add_argument("file", type=Path, help="event file (CSV, JSON or YAML)")
    validate.add_argument(
        "--merge", action="store_true",
        help="check it as --events FILE --merge reads it: an id the shipped calendar has is a clash, unless the "
        "row revises it (a 'known' later than the shipped version's)",
    )  # fmt: skip
    extract = events_commands.add_parser(
        "extract",
        help="candidate events from news text, linked to the calendar",
        description="Find candidate policy events in article text files (type, date with precision, window end, "
        "countries, elements, confidence, evidence), link them to the shipped calendar, and number them for review: "
        "the table shows each one's evidence and the event-file row --append-to would write; --only picks which "
        "to append.",
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
    _add_wait_argument(extract)
    extract.add_argument(
        "--append-to",
        type=Path,
        metavar="EVENTS",
        help="append the candidates new to that event file, CSV, YAML or JSON (validated, atomic, no duplicates)",
    )
    extract.add_argument(
        "--only",
        metavar="NUMBERS",
        help="with --append-to, append only these candidates: their numbers in the output, comma-separated (e.g. 1,3)",
    )
    inbox = events_commands.add_parser(
        "inbox",
        help="proposals from a folder of news, grouped across articles, ranked for review",
        description="Read articles (text with front matter, saved HTML pages, RSS/Atom feeds, or an --index CSV "
        "with file,published,outlet,url), group their candidate events across articles into proposals (one event "
        "told by several outlets), link them to the calendar, and write DIR/review.csv (one row per proposal, NEW "
        "first, then by score; fill its decision column), review.html (sources side by side), proposals.json and "
        "manifest.json. Articles without a publication time are reported and skipped, never guessed.",
    )
    inbox.add_argument("files", type=Path, nargs="*", metavar="ARTICLE",
                       help="article files, or folders of them (or give --index)")  # fmt: skip
    inbox.add_argument("--index", type=Path, help="CSV with columns file,published,outlet,url (paths relative to it)")
    _add_events_arguments(inbox)
    inbox.add_argument("--out", type=_inbox_folder, required=True, metavar="DIR", help="output folder")
    inbox.add_argument(
        "--min-score", type=_score, default=0.0,
        help="leave out proposals scoring below this, counted in manifest.json (default 0: keep every lead)",
    )  # fmt: skip
    accept = events_commands.add_parser(
        "accept",
        help="append the accepted proposals of a reviewed review.csv to an event file",
        description="Append to --append-to (CSV, YAML or JSON) the proposals whose decision says accept, or an "
        "edited type or date (e.g. 'easing_pause 2025-04-05'), or those --only names; with their sources, known "
        "at their earliest publication. Validated, atomic, under a lock; ones the file already holds are skipped.",
    )
    accept.add_argument("review", type=Path, metavar="REVIEW.csv", help="review.csv written by reelab events inbox")
    accept.add_argument("--append-to", type=Path, required=True, metavar="EVENTS", help="event file (CSV, YAML, JSON)")
    accept.add_argument("--only", type=_comma_list, metavar="IDS", help="only these proposals, e.g. P3,P7")
    _add_wait_argument(accept)
    return parser


#: Options whose value may start with '-' (a negative window start): argparse would read it as an option.
DASHED_VALUES = ("--windows",)


def join_dashed_values(argv: Sequence[str]) -> list[str]:
    """``--windows -1:1,0:5`` as ``--windows=-1:1,0:5``, the form argparse reads."""
    joined: list[str] = []
    for item in argv:
        if joined and joined[-1] in DASHED_VALUES and item.startswith("-") and item[1:2].isdigit():
            joined[-1] = f"{joined[-1]}={item}"
        else:
            joined.append(item)
    return joined
