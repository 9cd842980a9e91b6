"""The ``reelab`` command line: parse -> spec -> call -> save -> render. The outermost layer.

The parser is :mod:`backtests.cli._parser`; each command group is a small module
(:mod:`._backtest`: run, sweep, study, report; :mod:`._events`: signals build and events ...).
Exit codes: 0 ok, 2 bad input (one line on stderr), 1 unexpected failure (one line; the
traceback with ``reelab --verbose COMMAND``). Arguments, output folders included, are checked
while parsing: before any work, and before the first byte is written.
"""

from __future__ import annotations

import importlib
import sys
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
}


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
