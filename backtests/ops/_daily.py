"""The evening job: ``prices update``, ``signals build`` and ``positions`` as of one day, under one lock.

Each step appends one JSON line to ``<out>/daily.jsonl``: the UTC time, the step, its exit code, its
seconds and what changed (sessions added per ticker, events new since the last run, orders for the
next session, assets left out, provisional sessions used). What changed is measured against the
previous day's run, so a rerun on the same day finds the same changes: a line whose content (its
time and seconds aside) equals the last one of that step and day is not written again, and a rerun
that changes nothing leaves every byte as it was.

A step that fails does not stop the next ones: they run on what is stored (positions leave out the
assets whose prices stopped, by name). The exit code is the first failing step's, as for the chain
``prices update && signals build && positions``: 0 ok, 1 worth a retry (Yahoo unreachable, a lock
held too long), 2 needs a person.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from signals import data_dir as default_data_dir
from signals import load_universe, select_tickers
from signals._io import atomic_write, locked, read_text_input
from signals.errors import ReelabError

from ..spec import RunSpec

__all__ = ["DAILY_LOG", "DailyResult", "last_daily", "read_daily_log", "run_daily"]

DAILY_LOG = "daily.jsonl"
#: In the data dir: where the last daily run wrote (``reelab status`` reads it).
POINTER = "last-daily.json"
log = logging.getLogger("reelab.daily")


@dataclass(frozen=True)
class DailyResult:
    """The day, one record per step, and the job's exit code (the first failing step's, else 0)."""

    asof: pd.Timestamp
    records: tuple[dict[str, Any], ...]
    errors: tuple[str, ...]

    @property
    def exit_code(self) -> int:
        return next((record["exit"] for record in self.records if record["exit"]), 0)


def read_daily_log(out: str | Path) -> list[dict[str, Any]]:
    """The records of ``<out>/daily.jsonl`` (empty without one); a damaged line is a ReelabError naming it."""
    path = Path(out) / DAILY_LOG
    if not path.is_file():
        return []
    records = []
    for number, line in enumerate(read_text_input(path, "daily log").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ReelabError(f"{path} line {number} is not JSON ({error.msg}); move the file aside") from None
        if not isinstance(record, dict) or not {"asof", "step", "exit"} <= set(record):
            raise ReelabError(f"{path} line {number} is not a daily record; move the file aside")
        records.append(record)
    return records


def last_daily(data: str | Path | None = None) -> Path | None:
    """The ``--out`` of the last daily run on this data dir, if any."""
    path = default_data_dir(data) / POINTER
    try:
        return Path(json.loads(path.read_text(encoding="utf-8"))["out"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _without_timing(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key not in ("utc", "seconds")}


def _previous(records: list[dict[str, Any]], step: str, day: str) -> dict[str, Any] | None:
    """The last record of ``step`` for a day before ``day``."""
    return next((r for r in reversed(records) if r["step"] == step and r["asof"] < day), None)


def _step(name: str, day: str, action: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], str | None]:
    """Run one step: its record (exit code, seconds, what changed) and its error line, if it failed."""
    started = time.perf_counter()
    error = None
    try:
        details = action()
        code = 0
    except ReelabError as failure:
        code, error, details = getattr(failure, "exit_code", 2), f"{name}: {failure}", {"error": str(failure)}
        details |= getattr(failure, "details", {})  # what a refused update says per ticker
    except Exception as failure:  # a full disk, a bug: one step's failure must not end the evening
        code, error = 1, f"{name}: unexpected {type(failure).__name__}: {failure}"
        details = {"error": f"{type(failure).__name__}: {failure}"}
    record = {"utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "asof": day, "step": name, "exit": code,
              "seconds": round(time.perf_counter() - started, 3)} | details  # fmt: skip
    return record, error


def run_daily(
    spec: RunSpec,
    out: str | Path,
    asof: pd.Timestamp,
    now: pd.Timestamp | None = None,
    strict: bool = False,
    downloader: Any = None,
) -> DailyResult:
    """Prices, signals and positions of ``spec`` as of ``asof``, each step a line in ``<out>/daily.jsonl``.

    ``now`` (a tz-aware instant) is when the prices update takes the sessions that had closed; None
    takes every session through ``asof`` (a past day). The data dir is ``$REELAB_DATA`` (see
    :func:`signals.data_dir`); ``downloader`` the price source (default: Yahoo Finance).
    """
    from .. import ops
    from ..data import MarketData
    from ..prices._store import checked_data_dir, read_store
    from ..prices._update import update_prices
    from ..prices._validate import _snapshot

    out = Path(out)
    day = f"{asof:%Y-%m-%d}"
    universe = load_universe()
    # everything checked before any work: a bad event file, ticker or data dir writes nothing
    tickers = select_tickers(universe, spec.tickers) if spec.tickers is not None else list(universe.index)
    spec.events.load()
    checked_data_dir(writable=True)
    out.mkdir(parents=True, exist_ok=True)
    with locked(out / DAILY_LOG):
        history = read_daily_log(out)

        def prices() -> dict[str, Any]:
            report = update_prices(tickers, downloader=downloader, today=now if now is not None else asof)
            stored = read_store(report.store, tickers, universe.index)
            last = stored.groupby("ticker")["date"].max()
            # sessions added since the previous day's run (the first run: since the bundled snapshot)
            before = (_previous(history, "prices", day) or {}).get("last_sessions", {})
            bundled = _snapshot().groupby("ticker")["date"].max()
            added = {}
            for ticker, end in last.items():
                since = pd.Timestamp(before.get(str(ticker), bundled.get(ticker, pd.Timestamp("1900-01-01"))))
                dates = stored.loc[stored["ticker"] == ticker, "date"]
                added[str(ticker)] = int(((dates > since) & (dates <= end)).sum())
            return {"last_sessions": {str(t): f"{d:%Y-%m-%d}" for t, d in last.items()},
                    "added": {t: n for t, n in added.items() if n}}  # fmt: skip

        def signals() -> dict[str, Any]:
            from signals import write_signals

            manifest = write_signals(day, out, spec.events.path, spec.events.merge, tickers=spec.tickers)
            previous = _previous(history, "signals", day)
            used_before = set(_manifest(out / f"signals-{previous['asof']}")["events_used"]) if previous else set()
            return {"folder": f"signals-{day}", "sha256": manifest["sha256"],
                    "events_used": len(manifest["events_used"]),
                    "new_events": sorted(set(manifest["events_used"]) - used_before) if previous else None,
                    "warnings": manifest["warnings"], "calendars": _calendars(manifest["calendars"]),
                    "calendar": {key: manifest["calendar"][key] for key in ("covered_through", "stale")}}  # fmt: skip

        def positions() -> dict[str, Any]:
            result = ops.positions(spec, asof, MarketData.load(spec), strict=strict)
            folder = result.save(out / f"positions-{spec.template}-{day}")
            frame = result.frame
            orders = frame[frame["order"] != "none"]
            return {"folder": folder.name, "excluded": result.manifest["excluded"],
                    "orders": [{"column": row.column, "order": row.order, "units": round(float(row.order_units), 6),
                                "next_session": row.next_session} for row in orders.itertuples()],
                    "calendars": _calendars(result.manifest["calendars"])}  # fmt: skip

        records, errors = [], []
        for name, action in (("prices", prices), ("signals", signals), ("positions", positions)):
            record, error = _step(name, day, action)
            records.append(record)
            if error is not None:
                errors.append(error)
        _append(out, history, records)
        _point(out)
    return DailyResult(asof, tuple(records), tuple(errors))


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"events_used": []}


def _calendars(records: dict[str, Any]) -> dict[str, Any]:
    """Per exchange: the provisional range used and the days that changed (only where there are any)."""
    shown = {}
    for code, record in records.items():
        entry = {key: record[key] for key in ("provisional", "changed") if record.get(key)}
        if entry:
            shown[code] = entry
    return shown


def _append(out: Path, history: list[dict[str, Any]], records: list[dict[str, Any]]) -> None:
    """Append the records whose content differs from the last one of their step and day (atomically)."""
    new = []
    for record in records:
        last = next((r for r in reversed(history) if r["step"] == record["step"] and r["asof"] == record["asof"]), None)
        if last is None or _without_timing(last) != _without_timing(record):
            new.append(record)
    if not new:
        return
    path = out / DAILY_LOG
    existing = path.read_bytes() if path.is_file() else b""
    lines = "".join(json.dumps(record, sort_keys=False, default=str) + "\n" for record in new)
    atomic_write(path, existing + lines.encode("utf-8"))


def _point(out: Path) -> None:
    """Remember where the last daily run wrote, for ``reelab status`` (only when it changed)."""
    path = default_data_dir() / POINTER
    content = json.dumps({"out": str(out.resolve())}) + "\n"
    try:
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            atomic_write(path, content)
    except OSError as error:
        log.info("not recorded in %s (%s)", path, error)
