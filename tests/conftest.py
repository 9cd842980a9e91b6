"""Shared fixtures. Tests never touch the network; the default run is computed once per session."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

import pytest

# Exchange sessions are cached on disk (signals._align); tests start from an empty cache of their
# own and never write to the user's home. Subprocesses (the CLI tests) inherit it.
os.environ["REELAB_CACHE_DIR"] = tempfile.mkdtemp(prefix="reelab-cache-")
# The price store (backtests.prices._store) lives in the user's data dir, which load_prices reads by
# default: tests get an empty one of their own, so they never read or write the user's store.
os.environ["REELAB_DATA"] = tempfile.mkdtemp(prefix="reelab-data-")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

EVENT_HEADER = ["id", "type", "announced", "tz", "window_end", "direction", "severity", "source"]
GOOD_ROW = {
    "id": "e1",
    "type": "restriction_tightening",
    "announced": "2025-04-04",
    "tz": "Asia/Shanghai",
    "window_end": "",
    "direction": "tightening",
    "severity": "3",
    "source": "https://example.org",
}


@pytest.fixture
def write_events(tmp_path):
    """Write event rows (dicts, missing keys taken from a valid row) to a CSV and return its path."""

    def write(*rows: dict, header: list[str] | None = None, name: str = "events.csv") -> Path:
        path = tmp_path / name
        columns = header or EVENT_HEADER
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            for number, row in enumerate(rows, start=1):
                writer.writerow(GOOD_ROW | {"id": f"e{number}"} | row)
        return path

    return write


@pytest.fixture(scope="session")
def default_run():
    """The README's main job, computed once: event_drift with defaults on the bundled universe."""
    from backtests import run_backtest

    return run_backtest()
