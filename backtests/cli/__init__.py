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
import os
import select
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Sequence

from signals.errors import ReelabError, ReelabWarning

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
    ("events", "inbox"): "_inbox:events_inbox",
    ("events", "accept"): "_inbox:events_accept",
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
    """A handler writing to whatever ``sys.stderr`` is when a record comes (tests capture it per test).

    While progress bars are on screen (``reelab run``, ``sweep`` and ``study`` on a terminal), a line is
    written above them: the bars are cleared, the line written, the bars drawn again below it.
    """

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        bars = sys.modules.get("tqdm.std")  # loaded only when a bar was drawn: no import for a log line
        if bars is not None and getattr(bars.tqdm, "_instances", None):
            with bars.tqdm.external_write_mode(file=self.stream):
                super().emit(record)
        else:
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
    return _interruptible(_main, argv)


def _main(argv: Sequence[str] | None) -> int:
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
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warning
            return _command(command)(args)
    except (ReelabError, FileNotFoundError) as error:
        print(f"reelab: error: {error}", file=sys.stderr)
        return getattr(error, "exit_code", 2)
    except (KeyboardInterrupt, BrokenPipeError):  # see _interruptible
        raise
    except Exception as error:  # unexpected: one line, exit 1 (the traceback with reelab --verbose)
        if args.traceback or getattr(args, "verbose", False):
            raise
        print(f"reelab: unexpected error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """reelab's own warnings as one line on stderr (``reelab: warning: ...``), with its UTC time when
    stderr is not a terminal; other libraries' warnings as Python shows them."""
    if not issubclass(category, ReelabWarning):
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))
        return
    stamp = "" if sys.stderr.isatty() else time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime())
    print(f"{stamp}reelab: warning: {message}", file=sys.stderr)


class Terminated(KeyboardInterrupt):
    """SIGTERM (a service manager stopping reelab), raised in the main thread as Ctrl-C raises
    KeyboardInterrupt, so that it unwinds through every ``finally`` (temporary files and folders,
    a Dask cluster) and whatever treats KeyboardInterrupt as a stop treats it the same."""


def _terminate(number: int, frame: object) -> None:
    raise Terminated


def _stdout_reader_left() -> bool:
    """Whether stdout is a pipe or socket whose reader has gone (``reelab events list | head``)."""
    try:
        poll = select.poll()
        poll.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poll.poll(0))
    except (AttributeError, OSError, ValueError):  # no real stdout (a test capturing it)
        return False


def _interruptible(command: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None) -> int:
    """``command(argv)``, with an interrupt and a closed stdout ending it in one line or none.

    SIGINT and SIGTERM print ``reelab: interrupted (SIGINT)`` and exit 130 and 143 (128 + the
    signal), after ``finally`` blocks have removed temporary files and folders: SIGTERM is turned
    into :class:`Terminated` while the command runs (the previous handler is restored after). When
    the reader of stdout leaves early, stdout is pointed at os.devnull (so that the interpreter's
    last flush fails no more) and the exit code is 141 (128 + SIGPIPE), as a shell's own commands.
    """
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        try:
            return command(argv)
        finally:  # a reader that left is found here, not by the interpreter's last flush
            sys.stdout.flush()
    except KeyboardInterrupt as interrupt:
        name = "SIGTERM" if isinstance(interrupt, Terminated) else "SIGINT"
        print(f"reelab: interrupted ({name})", file=sys.stderr)
        return 128 + getattr(signal, name)
    except BrokenPipeError as error:
        if not _stdout_reader_left():
            print(f"reelab: unexpected error: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


if __name__ == "__main__":
    raise SystemExit(main())
