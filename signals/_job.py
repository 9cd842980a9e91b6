"""The scheduled signal job: the panel up to an as-of date, written atomically with a manifest.

Imports only pandas, numpy, exchange_calendars and pyarrow: never vectorbt or numba.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

import pandas as pd

import seeds

from ._align import exchange_calendar
from ._event_files import load_events
from ._io import atomic_write, sha256_file
from ._panel import SIGNALS, SignalParams, build_signals
from ._universe import load_universe
from .errors import ParameterError

__all__ = ["FORMATS", "write_signals"]

FORMATS = ("parquet", "csv")
log = logging.getLogger("reelab.signals")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


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
) -> dict:
    """Build the panel up to ``asof`` and write ``signals-<asof>.<fmt>`` and ``manifest.json`` to ``out``.

    The outputs are byte-identical for identical inputs (no timestamps inside) and each file is
    written to a temporary name and renamed, so readers never see a partial file. The signal file
    is renamed before the manifest: a manifest always describes a complete signal file.

    Returns the manifest.
    """
    if fmt not in FORMATS:
        raise ParameterError("format", fmt, f"one of {', '.join(FORMATS)}")
    try:
        day = pd.Timestamp(asof)
    except (ValueError, TypeError):
        raise ParameterError("asof", asof, "a date like 2025-10-10") from None
    if day < pd.Timestamp(start):
        raise ParameterError("asof", f"{day:%Y-%m-%d}", f"a date on or after the panel start {start}")
    params = params or SignalParams()
    started = time.perf_counter()
    calendar = load_events(events, merge=merge)
    universe = load_universe()
    log.info("loaded %d events (%d versions) from %s", len(calendar), len(calendar.all_versions), calendar.source)
    panel = build_signals(calendar, universe, day, start=start, params=params)
    log.info("built %d sessions x %d columns in %.2f s", *panel.shape, time.perf_counter() - started)

    out = Path(out)
    name = f"signals-{day:%Y-%m-%d}.{fmt}"
    payload = _serialize(panel, fmt)
    atomic_write(out / name, payload)
    log.info("wrote %s (%.1f MB)", out / name, len(payload) / 1e6)

    # An event is used when it was knowable before the last session of some exchange opened.
    last_open = max(
        exchange_calendar(code).session_open(exchange_calendar(code).date_to_session(day, direction="previous"))
        for code in universe["exchange"].unique()
    )
    used = sorted({version.id for version in calendar.all_versions if version.knowable_at() < last_open})
    inputs = {
        "events": {"path": str(events) if events else "shipped:seeds/events.csv", "merged_with_shipped": merge},
        "universe": {"path": "shipped:seeds/universe.csv", "sha256": sha256_file(seeds.path("universe.csv"))},
    }
    inputs["events"]["sha256"] = sha256_file(events if events else seeds.path("events.csv"))
    if merge and events:
        inputs["shipped_events"] = {"path": "shipped:seeds/events.csv", "sha256": sha256_file(seeds.path("events.csv"))}
    manifest = {
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
        "events_used": used,
        "inputs": inputs,
        "calendars": {
            code: {
                "first_session": f"{exchange_calendar(code).first_session:%Y-%m-%d}",
                "last_session": f"{exchange_calendar(code).last_session:%Y-%m-%d}",
            }
            for code in sorted(universe["exchange"].unique())
        },
        "versions": {
            package: _version(package) for package in ("reelab", "exchange-calendars", "pandas", "numpy", "pyarrow")
        },
    }
    atomic_write(out / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    log.info("wrote %s: %d events used", out / "manifest.json", len(used))
    return manifest
