"""The results-folder schema: one place for file names, how frames are written and read, and ``config.json``.

Every operation saves through here, and the CLI, the report and the benchmarks read through here.
A folder holds one operation's files (a run may add its placebo draws) and ``config.json``: the
command, ``spec`` (the spec's ``to_dict()``, which rebuilds it), what :meth:`MarketData.describe`
gives (the assets, first and last session and the sha256 of every input) and the library
versions. Files are written to a temporary file and renamed.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, overload

import pandas as pd

from signals import atomic_write, package_versions
from signals._io import read_text_input
from signals.errors import MissingFileError, ReelabError

__all__ = ["FILES", "VERSIONED", "read_config", "read_frame", "write_config", "write_frame"]

#: File name of every saved frame, by operation.
FILES: dict[str, dict[str, str]] = {
    "run": {
        "stats": "stats.csv",
        "trades": "trades.csv",
        "equity": "equity.csv",
        "asset_equity": "asset_equity.csv",
        "close": "close.csv",
        "alignment": "alignment.csv",
        "events": "events.csv",
        "market_rules": "market_rules.csv",
        "attribution": "attribution.csv",
        "placebo": "placebo_sharpe.csv",
    },
    "sweep": {"table": "sweep.csv", "best_returns": "best_returns.csv", "dsr": "dsr.json"},
    "study": {
        "abnormal_returns": "abnormal_returns.csv",
        "car": "car.csv",
        "tests": "tests.csv",
        "dropped": "dropped.csv",
        "placebo": "placebo_car.csv",
    },
    "walk_forward": {"folds": "walk_forward.csv"},
}
CONFIG = "config.json"
VERSIONED = ("reelab", "vectorbt", "numba", "pandas", "numpy", "statsmodels", "exchange-calendars", "pyarrow")
#: Frames with a date index (the first column when read back).
INDEXED = {"equity", "asset_equity", "close", "best_returns"}
#: Frames with a (scope, series) index.
MULTI_INDEXED = {"stats": ["scope", "series"]}
DATES = {
    "trades": ["entry_session", "exit_session", "event_session"],
    "events": ["event_session", "signal_session"],
    "alignment": ["session"],
    "abnormal_returns": ["session"],
    "attribution": ["announced", "first_entry", "last_exit"],
}


def write_frame(folder: str | Path, kind: str, name: str, frame: pd.DataFrame | pd.Series) -> Path:
    """Write one frame of an operation's results under its schema name (atomically)."""
    path = Path(folder) / FILES[kind][name]
    keep_index = name in INDEXED or name in MULTI_INDEXED or (frame.index.name is not None and name == "market_rules")
    text = frame.to_csv(index=keep_index, float_format="%.10g", date_format="%Y-%m-%d")
    atomic_write(path, text)
    return path


def read_results_csv(path: Path, kind: str, **options: Any) -> pd.DataFrame:
    """A CSV of a saved results folder, read through the input boundary: a folder, binary data,
    another encoding or broken CSV (a hand-edited file, say) is one ReelabError naming the file."""
    text = io.StringIO(read_text_input(path, f"{kind} results file"))
    try:
        return pd.read_csv(text, **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ReelabError(f"{path} is not a results file reelab wrote: {first}") from None


def read_json_file(path: Path) -> Any:
    """A JSON file of a saved results folder; broken JSON is one ReelabError naming the file."""
    try:
        return json.loads(read_text_input(path, "results file"))
    except (json.JSONDecodeError, RecursionError) as error:
        raise ReelabError(f"{path} is not a results file reelab wrote: {error}") from None


@overload
def read_frame(folder: str | Path, kind: str, name: str, required: Literal[True] = True) -> pd.DataFrame: ...
@overload
def read_frame(folder: str | Path, kind: str, name: str, required: bool) -> pd.DataFrame | None: ...


def read_frame(folder: str | Path, kind: str, name: str, required: bool = True) -> pd.DataFrame | None:
    """Read one saved frame back (None when it is optional and absent)."""
    path = Path(folder) / FILES[kind][name]
    if not path.is_file():
        if required:
            raise MissingFileError(f"{kind} results file", path, f"a folder written by 'reelab {kind}'")
        return None
    if name in MULTI_INDEXED:
        return read_results_csv(path, kind, index_col=list(range(len(MULTI_INDEXED[name]))))
    if name in INDEXED:
        frame = read_results_csv(path, kind, index_col=0, parse_dates=[0])
        frame.index.name = None if frame.index.name in ("Unnamed: 0", "date") else frame.index.name
        return frame
    frame = read_results_csv(path, kind, dtype={"asset": str, "ticker": str, "event_id": str}, keep_default_na=True)
    for column in DATES.get(name, []):
        if column in frame:
            try:
                frame[column] = pd.to_datetime(frame[column])
            except (ValueError, TypeError):
                raise ReelabError(f"{path}: column {column!r} holds a value that is not a date") from None
    if name == "market_rules" and len(frame.columns) and frame.columns[0].startswith("Unnamed"):
        frame = frame.set_index(frame.columns[0]).rename_axis(None)
    return frame


def write_config(folder: str | Path, command: str, spec: Any, data: Any = None, **extra: Any) -> dict[str, Any]:
    """``config.json``: the command, its spec, the data it read (with hashes) and library versions.

    The spec's fields are also kept at the top level, with ``tickers``, ``start`` and ``end``
    resolved from the data (what was asked is under ``requested``); ``spec`` rebuilds the spec.
    """
    asked = spec.to_dict()
    record: dict[str, Any] = {"command": command} | asked
    if data is not None:
        record["requested"] = {key: asked.get(key) for key in ("tickers", "start", "end")}
        record |= data.describe()
    record |= extra
    record |= {"spec": asked, "versions": package_versions(VERSIONED)}
    atomic_write(Path(folder) / CONFIG, json.dumps(record, indent=2, default=str) + "\n")
    return record


def read_config(folder: str | Path) -> dict[str, Any]:
    """The ``config.json`` of a results folder, as a dict.

    Raises :class:`~signals.errors.MissingFileError` when it is absent, and
    :class:`~signals.errors.ReelabError` when it is not JSON or has no ``command``.
    """
    path = Path(folder) / CONFIG
    if not path.is_file():
        raise MissingFileError("results folder", folder, "a folder written by reelab run, sweep or study")
    try:
        record = read_json_file(path)
    except json.JSONDecodeError as error:
        raise ReelabError(f"{path}: not valid JSON ({error.msg})") from None
    if not isinstance(record, Mapping) or "command" not in record:
        raise ReelabError(f"{path}: not a reelab config (no 'command')")
    return dict(record)


def write_json(folder: str | Path, kind: str, name: str, value: Any) -> Path:
    """Write ``value`` as indented JSON under its schema name (atomically; other values as ``str``); return the path."""
    path = Path(folder) / FILES[kind][name]
    atomic_write(path, json.dumps(value, indent=2, default=str) + "\n")
    return path


def read_json(folder: str | Path, kind: str, name: str) -> Any:
    """Read a JSON file saved by :func:`write_json` back (None when it is absent)."""
    path = Path(folder) / FILES[kind][name]
    return read_json_file(path) if path.is_file() else None
