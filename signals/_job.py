"""The scheduled signal job: the panel up to an as-of date, written atomically with a manifest.

Imports only pandas, numpy and pyarrow, plus exchange_calendars while its sessions are not cached:
never vectorbt or numba.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._align import knowable_instants, session_positions
from ._event_files import read_calendar
from ._events import EventCalendar
from ._freshness import calendar_freshness
from ._io import input_record, package_versions, publish_folder
from ._panel import SIGNALS, SignalParams, build_signals, policy_versions, sessions_through
from ._sessions import calendar_record, check_calendar_range
from ._universe import load_universe, select_tickers
from .dates import parse_asof
from .errors import ParameterError, counted

__all__ = ["FORMATS", "write_signals"]

FORMATS = ("parquet", "csv")
log = logging.getLogger("reelab.signals")


def _serialize(panel: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "parquet":
        buffer = io.BytesIO()
        panel.to_parquet(buffer, engine="pyarrow", compression="zstd", index=True)
        return buffer.getvalue()
    return panel.to_csv(float_format="%.12g", date_format="%Y-%m-%d").encode("utf-8")


def write_signals(
    asof: str | pd.Timestamp,
    out: str | Path,
    events: str | Path | None = None,
    merge: bool = False,
    fmt: str = "parquet",
    start: str = "2010-01-01",
    params: SignalParams | None = None,
    tickers: Iterable[str] | None = None,
) -> dict:
    """Build the panel up to ``asof``; publish ``<out>/signals-<asof>/`` with ``signals.<fmt>`` and ``manifest.json``.

    The two files are published together (a staging folder renamed into place), so a reader never
    sees a panel without its manifest or with another run's. The outputs are byte-identical for
    identical inputs (no timestamps inside); an identical rerun leaves the folder untouched.
    Nothing is written when anything fails. Sessions past exchange_calendars' horizon are
    provisional: the manifest's ``calendars`` says, per exchange, which range was provisional and
    from what source, and which days changed since a run used them provisionally.

    Returns the manifest.
    """
    if fmt not in FORMATS:
        raise ParameterError("format", fmt, f"one of {', '.join(FORMATS)}")
    day = parse_asof(asof)
    if day < pd.Timestamp(start):
        raise ParameterError("asof", f"{day:%Y-%m-%d}", f"a date on or after the panel start {start}")
    params = params or SignalParams()
    started = time.perf_counter()
    universe = load_universe()
    assets = select_tickers(universe, tickers)
    exchanges = sorted(universe.loc[assets, "exchange"].unique())
    for code in exchanges:  # before any work: a date past a calendar's range is bad input
        check_calendar_range(code, day)
    # an event file with no events (merged or not) must not pass unnoticed: a warning here and in the manifest
    calendar, warnings_found = read_calendar(events, merge=merge)
    log.info("loaded %d events (%d versions) from %s", len(calendar), len(calendar.all_versions), calendar.source)
    freshness = calendar_freshness(calendar, day)
    warnings_found += freshness.warnings()  # a scheduled job never builds on a calendar gone stale in silence
    for warning in warnings_found:
        log.warning("%s", warning)
    panel = build_signals(calendar, universe, day, tickers=assets, start=start, params=params)
    log.info("built %d sessions x %d columns in %.2f s", *panel.shape, time.perf_counter() - started)

    name = f"signals.{fmt}"
    payload = _serialize(panel, fmt)
    inputs = {
        "events": input_record(events, "events.csv") | {"merged_with_shipped": merge},
        "universe": input_record(None, "universe.csv"),
    }
    if merge and events:
        inputs["shipped_events"] = input_record(None, "events.csv")
    manifest: dict[str, Any] = {
        "asof": f"{day:%Y-%m-%d}",
        "signals_file": name,
        "format": fmt,
        "sha256": hashlib.sha256(payload).hexdigest(),
        "sessions": len(panel),
        "first_session": f"{panel.index[0]:%Y-%m-%d}",
        "last_session": f"{panel.index[-1]:%Y-%m-%d}",
        "assets": list(panel.columns.get_level_values("asset").unique()),
        "signals": list(SIGNALS),
        "parameters": {"start": start, **{k: str(v) if k == "after_close" else v for k, v in asdict(params).items()}},
        "events_used": _events_used(calendar, exchanges, day, params),
        "warnings": warnings_found,
        "calendar": freshness.to_dict(),
        "inputs": inputs,
        "calendars": {
            code: calendar_record(code, day, sessions_through(calendar.all_versions, day)) for code in exchanges
        },
        "versions": package_versions(("reelab", "exchange-calendars", "pandas", "numpy", "pyarrow")),
    }
    folder = publish_folder(
        Path(out) / f"signals-{day:%Y-%m-%d}",
        {name: payload, "manifest.json": (json.dumps(manifest, indent=2) + "\n").encode("utf-8")},
    )
    log.info(
        "published %s (%.1f MB): %s used", folder, len(payload) / 1e6, counted(len(manifest["events_used"]), "event")
    )
    return manifest


def _events_used(calendar: EventCalendar, exchanges: list[str], day: pd.Timestamp, params: SignalParams) -> list[str]:
    """Ids of events (or revisions) that reach a session on or before ``day`` on some exchange of the panel."""
    versions = policy_versions(calendar)
    knowable = knowable_instants(versions, params.after_close)
    used = np.zeros(len(versions), dtype=bool)
    for code in exchanges:
        sessions, position = session_positions(code, knowable, until=day)
        used |= position < sessions.searchsorted(day, side="right")
    return sorted({version.id for version, hit in zip(versions, used) if hit})
