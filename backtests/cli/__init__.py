"""The ``reelab`` command line: parse -> spec -> call -> save -> render. The outermost layer.

The parser is :mod:`backtests.cli._parser`; each command group is a small module
(:mod:`._backtest`: run, sweep, study, report; :mod:`._events`: signals build and events ...).
Exit codes: 0 ok, 2 bad input (one line on stderr), 1 unexpected failure (one line; the
traceback with ``reelab --verbose COMMAND``). Arguments, output folders included, are checked
while parsing: before any work, and before the first byte is written.
"""

from __future__ import annotations

import importlib
import logging
import sys
import time
from collections.abc import Callable, Sequence

from signals.errors import ReelabError

from ._parser import build_parser, join_dashed_values

__all__ = ["main"]


def _command(name: str) -> Callable:
    """The function behind a command, imported only when that command runs."""
    module, function = name.split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), function)


COMMANDS = {
    ("run", None): "_backtest:run",
    ("sweep", None): "_backtest:sweep",
    ("study", None): "_backtest:study",
    ("report", None): "_backtest:report",
    ("signals", "build"): "_events:signals_build",
    ("events", "list"): "_events:events_list",
    ("events", "show"): "_events:events_show",
    ("events", "validate"): "_events:events_validate",
    ("events", "extract"): "_events:events_extract",
    ("events", "template"): "_events:events_template",
    ("positions", None): "_positions:positions",
    ("prices", "update"): "_prices:prices_update",
    ("prices", "verify"): "_prices:prices_verify",
    ("daily", None): "_daily:daily",
    ("status", None): "_daily:status",
}
#: Commands whose progress is logged (INFO) unless --quiet; the others log warnings only.
CHATTY = ("signals", "daily")


class _Stderr(logging.StreamHandler):
    """A handler writing to whatever ``sys.stderr`` is when a record comes (tests capture it per test)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(command: str | None, quiet: bool = False, verbose: bool = False) -> None:
    """reelab's log lines on stderr, each with its UTC time (a cron log reads by day): ``2026-12-06T22:30:01Z
    WARNING reelab.positions: excluded: ...``. Warnings always show; progress for CHATTY commands."""
    handler = _Stderr(sys.stderr)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    logger = logging.getLogger("reelab")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.WARNING if quiet else logging.DEBUG if verbose else
                    logging.INFO if command in CHATTY else logging.WARNING)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``reelab`` console script."""
    parser = build_parser()
    args = parser.parse_args(join_dashed_values(sys.argv[1:] if argv is None else argv))
    action = getattr(args, f"{args.command}_command", None) if args.command else None
    command = COMMANDS.get((args.command, action))
    if command is None:
        if args.command is None:
            names = sorted({name for name, _ in COMMANDS})
            print(f"reelab: error: a command is required: {', '.join(names)} (see 'reelab --help')", file=sys.stderr)
            return 2
        actions = sorted(str(action) for command_name, action in COMMANDS if command_name == args.command and action)
        parser.error(f"'reelab {args.command}' needs an action: {', '.join(actions)}")
    configure_logging(args.command, getattr(args, "quiet", False), getattr(args, "verbose", False))
    from signals import _io

    wait = getattr(args, "wait", None)
    _io.LOCK_WAIT = _io.DEFAULT_LOCK_WAIT if wait is None else wait
    try:
        return _command(command)(args)
    except (ReelabError, FileNotFoundError) as error:
        print(f"reelab: error: {error}", file=sys.stderr)
        return getattr(error, "exit_code", 2)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # unexpected: one line, exit 1 (the traceback with reelab --verbose)
        if args.traceback or getattr(args, "verbose", False):
            raise
        print(f"reelab: unexpected error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
