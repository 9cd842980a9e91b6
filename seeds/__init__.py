"""Bundled data: the policy-event calendar, the asset universe and the price snapshot.

This is a data package. It holds files and one helper, :func:`path`, that
anyone (signals, strategies, backtests, users) may call to find them.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DATA_DIR", "path"]

DATA_DIR = Path(__file__).resolve().parent


def path(name: str) -> Path:
    """Return the absolute path of a bundled data file, e.g. ``path("events.csv")``."""
    candidate = DATA_DIR / name
    if not candidate.is_file():
        available = sorted(p.name for p in DATA_DIR.iterdir() if p.suffix in {".csv", ".parquet"})
        raise FileNotFoundError(f"no bundled seed file {name!r}; available: {', '.join(available)}")
    return candidate
