"""The results-folder schema: one place for file names, how frames are written and read, and ``config.json``.

Every operation saves through here, and the CLI, the report and the benchmarks read through here.
A folder holds one operation's files (a run may add its placebo draws) and ``config.json``: the
command, ``spec`` (the spec's ``to_dict()``, which rebuilds it), what :meth:`MarketData.describe`
gives (the assets, first and last session and the sha256 of every input), ``trading_costs`` (a run's
cost model and lots and, when it read them, each traded asset's trading terms) and the library
versions. Files are written to a temporary file and renamed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from signals import atomic_write, package_versions
from signals._io import read_text_input, staged_folder
from signals.errors import MissingFileError, ReelabError, ResultsFileError

__all__ = [
    "FILES",
    "SCHEMAS",
    "VERSIONED",
    "Schema",
    "check_results_folder",
    "publishing",
    "read_config",
    "read_frame",
    "write_config",
    "write_frame",
]

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
#: Every name a results folder may hold: the frames, config.json, and what the report renders.
RESULT_NAMES = frozenset(
    {name for files in FILES.values() for name in files.values()} | {CONFIG, "summary.json", "report.html", "figures"}
)


def check_results_folder(folder: str | Path) -> Path:
    """``folder`` as a place for a results folder: new, empty, or one that reelab wrote (a rerun replaces
    it whole). Raises :class:`~signals.errors.ReelabError` for a file, or a folder holding anything else
    (the user's own files are never deleted by a rerun)."""
    folder = Path(folder)
    if not folder.exists():
        return folder
    if not folder.is_dir():
        raise ReelabError(f"--out {folder} is a file, not a folder")
    names = sorted(path.name for path in folder.iterdir())
    foreign = [name for name in names if name not in RESULT_NAMES]
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise ReelabError(f"--out {folder} holds files reelab did not write ({shown}); choose a new or empty folder "
                          "(a reelab results folder is replaced whole, nothing else is)")  # fmt: skip
    if names and CONFIG not in names:
        raise ReelabError(f"--out {folder} is not a reelab results folder (no {CONFIG}); choose a new or empty folder")
    return folder


@contextmanager
def publishing(folder: str | Path) -> Iterator[Path]:
    """A staging folder to write a whole results folder into, published as ``folder`` when the block ends
    (replacing a previous results folder whole; see :func:`signals._io.staged_folder`): an interrupt or a
    failure leaves the previous folder as it was. ``folder`` is checked first (:func:`check_results_folder`)."""
    with staged_folder(check_results_folder(folder)) as stage:
        yield stage


VERSIONED = ("reelab", "vectorbt", "numba", "pandas", "numpy", "statsmodels", "exchange-calendars", "pyarrow")
#: Frames with a date index (the first column when read back).
INDEXED = {"equity", "asset_equity", "close", "best_returns"}
#: Frames with a (scope, series) index.
MULTI_INDEXED = {"stats": ["scope", "series"]}
#: The metrics of stats.csv and sweep.csv, in their order.
METRICS = ("total_return", "cagr", "sharpe", "sortino", "max_drawdown", "trades", "win_rate", "time_invested")
#: Older names of metric columns (folders written before time in market was named ``time_invested``).
RENAMED = {"exposure": "time_invested"}
ALL = ("*",)  # Schema.numbers: every column


@dataclass(frozen=True)
class Schema:
    """What one saved frame holds; :func:`read_frame` checks it whenever the frame is read.

    ``required``: the columns it must have. ``numbers``, ``dates``, ``text``: columns read as numbers,
    ISO dates or text wherever present (text keeps tickers such as 000831 whole; an empty cell is a
    missing value, in text columns too: the ``""`` writers use for none reads back as missing, which
    a CSV cannot tell apart); ``numbers=ALL``: every column. ``money``: ``CUR:amount;...`` columns. ``index``:
    columns that become the index, unique. ``dated``: the first column is a session index, unique and
    increasing. ``rows``: the writer always writes at least one row. ``renamed``: older names of columns,
    read under their names now (when the file does not also have the new one).
    """

    required: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    money: tuple[str, ...] = ()
    index: tuple[str, ...] = ()
    dated: bool = False
    rows: bool = False
    renamed: Mapping[str, str] = field(default_factory=dict)


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_DATED = Schema(numbers=ALL, dated=True, rows=True)
#: The schema of every saved frame, by operation and name (as :data:`FILES`).
SCHEMAS: dict[str, dict[str, Schema]] = {
    "run": {
        "stats": Schema(("scope", "series", *METRICS), METRICS, text=_names("scope series"),
                        index=_names("scope series"), rows=True, renamed=RENAMED),
        "trades": Schema(_names("asset side entry_session exit_session return"),
                         numbers=_names("entry_price exit_price size pnl return"),
                         dates=_names("entry_session exit_session event_session"),
                         text=_names("asset name currency side status event_ids renewed_by exit_reason")),
        "equity": replace(_DATED, required=("strategy",)),
        "asset_equity": _DATED,
        "close": _DATED,
        "alignment": Schema(_names("event_id type direction severity asset session description"),
                            numbers=("severity",), dates=("session",),
                            text=_names("event_id type direction asset exchange knowable_at description")),
        "events": Schema(_names("event_id asset outcome reason"), dates=_names("event_session signal_session"),
                         text=_names("event_id asset side outcome reason")),
        "market_rules": Schema(_names("deferred_buys deferred_sells"), _names("deferred_buys deferred_sells"),
                               text=("Unnamed: 0", "asset")),  # the A-shares: an unnamed first column
        "attribution": Schema(_names("event_id type direction trades first_entry last_exit"),
                              numbers=_names("trades contribution mean_abnormal_return"),
                              dates=_names("announced first_entry last_exit"),
                              text=_names("event_id type direction assets pnl_by_currency exits"),
                              money=("pnl_by_currency",)),
        "placebo": Schema(_names("sharpe actual p_value"), _names("draw sharpe actual p_value"), rows=True),
    },
    "sweep": {
        "table": Schema(("scope", *METRICS), METRICS, text=("scope",), rows=True, renamed=RENAMED),
        "best_returns": replace(_DATED, required=("return",), rows=False),
    },
    "study": {
        "abnormal_returns": Schema(_names("event_id ticker session rel_day ar event_type"), _names("rel_day ar"),
                                   dates=("session",), text=_names("event_id ticker event_type group")),
        "car": Schema(_names("event_id event_type ticker window_start window_end car"),
                      _names("window_start window_end car t_stat"),
                      text=_names("event_id event_type ticker group confounded")),
        "tests": Schema(_names("group window n statistic value p_value"), _names("n clusters value p_value"),
                        text=_names("group window statistic note")),
        "dropped": Schema(_names("event_id ticker reason"), text=_names("event_id ticker reason")),
        "placebo": Schema(_names("window mean_car actual p_value"), _names("draw mean_car n actual p_value"),
                          text=("window",)),
    },
    "walk_forward": {"folds": Schema(
        _names("fold train_end test_start test_end params"), dates=_names("train_end test_start test_end"),
        numbers=_names("in_sample_sharpe out_of_sample_sharpe in_sample_return out_of_sample_return "
                       "out_of_sample_trades"), text=("params",),
    )},
}  # fmt: skip


def write_frame(folder: str | Path, kind: str, name: str, frame: pd.DataFrame | pd.Series) -> Path:
    """Write one frame of an operation's results under its schema name (atomically)."""
    path = Path(folder) / FILES[kind][name]
    keep_index = name in INDEXED or name in MULTI_INDEXED or (frame.index.name is not None and name == "market_rules")
    text = frame.to_csv(index=keep_index, float_format="%.10g", date_format="%Y-%m-%d")
    atomic_write(path, text)
    return path


def _layout(path: Path, text: str) -> tuple[list[str], list[int]]:
    """The header of a CSV and the line number of each data row, after checking what pandas lets through:
    rows cut short or too long, a repeated header (two files joined), a column named twice, HTML."""
    if text.lstrip().startswith("<"):
        raise ResultsFileError(path, "holds HTML or XML, not the CSV reelab writes (saved from a browser?)")
    reader = csv.reader(io.StringIO(text), strict=True)
    lines: list[int] = []
    try:
        header = next((row for row in reader if row), None)  # pandas skips blank lines too
        if header is None:
            raise ResultsFileError(path, "empty: no header line (a results CSV starts with its column names)")
        named = [name for name in header if name]
        twice = sorted({name for name in named if named.count(name) > 1})
        if twice:
            raise ResultsFileError(path, f"the header names column {twice[0]!r} twice")
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                cut = " (cut short?)" if len(row) < len(header) else ""
                raise ResultsFileError(
                    path, f"line {reader.line_num} has {len(row)} fields where the header has {len(header)}{cut}"
                )
            if row == header:
                raise ResultsFileError(path, f"line {reader.line_num} repeats the header (two files joined?)")
            lines.append(reader.line_num)
    except csv.Error as error:
        raise ResultsFileError(path, f"not valid CSV at line {reader.line_num}: {error}") from None
    return header, lines


def _parse(
    path: Path, kind: str, text_columns: tuple[str, ...] = (), dated: bool = False, **options: Any
) -> tuple[pd.DataFrame, list[int]]:
    """The frame pandas reads (``text_columns`` and, when ``dated``, the first column as text) and the line
    number of each of its rows."""
    text = read_text_input(path, f"{kind} results file")
    header, lines = _layout(path, text)
    names = [name or f"Unnamed: {position}" for position, name in enumerate(header)]  # pandas' names
    dtype: dict[int, type] = {n: str for n, name in enumerate(names) if name in text_columns or (dated and n == 0)}
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=dtype or None, **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ResultsFileError(path, f"not a CSV reelab wrote: {first}") from None
    return frame, lines


def read_results_csv(path: Path, kind: str, **options: Any) -> pd.DataFrame:
    """A CSV of a saved results folder, read through the input boundary: a folder, binary data, another
    encoding, broken CSV or a row cut short (a hand-edited file, say) is one ReelabError naming the file."""
    return _parse(Path(path), kind, **options)[0]


def _first(bad: Any) -> int:
    return int(np.flatnonzero(np.asarray(bad))[0])


def _as_numbers(path: Path, values: pd.Series, where: str, lines: list[int]) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values
    if not len(values):  # no rows: pandas cannot tell the type
        return values.astype(float)
    text = values.astype(object).where(values.notna(), None).map(lambda v: v if v is None else str(v))
    parsed = pd.to_numeric(text, errors="coerce")
    bad = parsed.isna() & text.notna()
    if bad.any():
        row = _first(bad)
        raise ResultsFileError(path, f"line {lines[row]}, {where}: {text.iloc[row]!r} is not a number")
    return parsed


def _as_dates(path: Path, values: pd.Series, where: str, lines: list[int]) -> pd.Series:
    try:
        parsed = pd.to_datetime(values, format="ISO8601", errors="coerce")
    except ValueError:  # time zones mixed
        parsed = pd.Series(pd.NaT, index=values.index)
    bad = parsed.isna() & values.notna()
    if bad.any():
        row = _first(bad)
        raise ResultsFileError(path, f"line {lines[row]}, {where}: {values.iloc[row]!r} is not a date (YYYY-MM-DD)")
    if getattr(parsed.dt, "tz", None) is not None:
        raise ResultsFileError(path, f"{where}: dates with a time zone; reelab writes session dates (YYYY-MM-DD)")
    return parsed


def _check_money(path: Path, values: pd.Series, column: str, lines: list[int]) -> None:
    for row, value in enumerate(values):
        if pd.isna(value):
            continue
        for item in str(value).split(";"):
            _, colon, amount = item.partition(":")
            try:
                float(amount)
            except ValueError:
                colon = ""
            if item and not colon:
                raise ResultsFileError(
                    path, f"line {lines[row]}, column {column!r}: {value!r} is not CUR:amount;... (USD:12.5;AUD:-3)"
                )


def _session_index(path: Path, frame: pd.DataFrame, lines: list[int]) -> pd.DataFrame:
    """The first column as the frame's session index: dates, each once, increasing."""
    name = frame.columns[0]
    days = _as_dates(path, frame[name], f"column {name!r}", lines)
    if days.isna().any():
        raise ResultsFileError(path, f"line {lines[_first(days.isna())]}, column {name!r}: a session date is missing")
    repeated = days.duplicated()
    if repeated.any():
        row = _first(repeated)
        raise ResultsFileError(path, f"line {lines[row]}: date {days.iloc[row]:%Y-%m-%d} appears twice")
    falling = days.diff() < pd.Timedelta(0)
    if falling.any():
        row = _first(falling)
        raise ResultsFileError(
            path, f"line {lines[row]}: date {days.iloc[row]:%Y-%m-%d} comes after {days.iloc[row - 1]:%Y-%m-%d}; "
            "dates must increase"
        )  # fmt: skip
    frame = frame.drop(columns=name).set_axis(pd.DatetimeIndex(days), axis=0)
    frame.index.name = None if name.startswith("Unnamed") or name == "date" else name
    return frame


def _checked(path: Path, kind: str, schema: Schema, frame: pd.DataFrame, lines: list[int]) -> pd.DataFrame:
    """``frame`` as its schema says, or one ResultsFileError naming the file, the line, the column and the value."""
    frame = frame.rename(columns={old: new for old, new in schema.renamed.items() if new not in frame.columns})
    missing = [name for name in schema.required if name not in frame.columns]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        needed = ", ".join(schema.required)
        raise ResultsFileError(path, f"missing column{plural} {', '.join(map(repr, missing))} (needed: {needed})")
    if schema.rows and frame.empty:
        raise ResultsFileError(path, f"no rows; a {kind} always writes at least one")
    if schema.dated:
        if not len(frame.columns):
            raise ResultsFileError(path, "no columns; the first column holds the session dates")
        frame = _session_index(path, frame, lines)
    numbers = frame.columns if schema.numbers == ALL else [c for c in schema.numbers if c in frame.columns]
    for column in numbers:
        frame[column] = _as_numbers(path, frame[column], f"column {column!r}", lines)
    for column in (c for c in schema.dates if c in frame.columns):
        frame[column] = _as_dates(path, frame[column], f"column {column!r}", lines)
    for column in (c for c in schema.money if c in frame.columns):
        _check_money(path, frame[column], column, lines)
    if schema.index:
        repeated = frame.duplicated(list(schema.index))
        if repeated.any():
            row = _first(repeated)
            key = ", ".join(f"{name} {frame[name].iloc[row]}" for name in schema.index)
            raise ResultsFileError(path, f"line {lines[row]}: {key} appears twice")
        frame = frame.set_index(list(schema.index))
    return frame


def read_json_file(path: Path) -> Any:
    """A JSON file of a saved results folder; broken JSON is one ResultsFileError naming the file."""
    try:
        return json.loads(read_text_input(path, "results file"))
    except (json.JSONDecodeError, RecursionError) as error:
        raise ResultsFileError(path, f"not valid JSON: {error}") from None


@overload
def read_frame(folder: str | Path, kind: str, name: str, required: Literal[True] = True) -> pd.DataFrame: ...
@overload
def read_frame(folder: str | Path, kind: str, name: str, required: bool) -> pd.DataFrame | None: ...


def read_frame(folder: str | Path, kind: str, name: str, required: bool = True) -> pd.DataFrame | None:
    """Read one saved frame back (None when it is optional and absent), checked against its :data:`SCHEMAS`.

    Numbers, dates and text come back as such even when the frame has no rows. Raises
    :class:`~signals.errors.MissingFileError` when a required file is absent and
    :class:`~signals.errors.ResultsFileError` when the file is not what reelab writes there.
    """
    path = Path(folder) / FILES[kind][name]
    if not path.is_file():
        if path.exists():
            raise ResultsFileError(path, "a folder, not a file")
        if required:
            raise MissingFileError(f"{kind} results file", path, f"a folder written by 'reelab {kind}'")
        return None
    schema = SCHEMAS[kind][name]
    frame, lines = _parse(path, kind, (*schema.text, *schema.dates), schema.dated)
    frame = _checked(path, kind, schema, frame, lines)
    if name == "market_rules":  # its index (the A-shares) is written unnamed
        index = next((c for c in frame.columns if c.startswith("Unnamed") or c == "asset"), None)
        if index is not None:
            frame = frame.set_index(index).rename_axis(None if index.startswith("Unnamed") else index)
    return frame


def _kind_of(value: Any) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "an object"}
    shown = json.dumps(value)
    return f"{names.get(type(value), 'null')} ({shown[:40] + '...' if len(shown) > 40 else shown})"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_window(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    )


TEXT = (lambda v: isinstance(v, str), "text")
OPTIONAL_TEXT = (lambda v: v is None or isinstance(v, str), "text or null")
NUMBER = (_is_number, "a number")
OBJECT = (lambda v: isinstance(v, dict), "an object")
WHOLE = (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number")
#: The type of each config.json field (and of ``spec``'s and ``requested``'s) that reelab reads; others pass.
CONFIG_FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "command": TEXT, "template": TEXT, "model": TEXT, "engine": TEXT, "after_close": TEXT,
    "start": OPTIONAL_TEXT, "end": OPTIONAL_TEXT, "events": OPTIONAL_TEXT, "prices": OPTIONAL_TEXT,
    "fees": NUMBER, "slippage": NUMBER, "init_cash": NUMBER,
    "max_dropped": (lambda v: v is None or _is_number(v), "a number or null"),
    "estimation": WHOLE, "gap": WHOLE,
    "merge": (lambda v: isinstance(v, bool), "true or false"),
    "params": OBJECT, "resolved_params": OBJECT, "inputs": OBJECT, "versions": OBJECT, "spec": OBJECT,
    "requested": OBJECT,
    "tickers": (lambda v: v is None or _is_texts(v), "a list of tickers or null"),
    "types": (lambda v: v is None or _is_texts(v), "a list of event types or null"),
    "windows": (lambda v: isinstance(v, list) and all(map(_is_window, v)), "a list of [start, end] whole numbers"),
    "grid": (lambda v: isinstance(v, dict) and all(isinstance(x, list) for x in v.values()), "an object of lists"),
}  # fmt: skip
#: dsr.json: the deflated Sharpe ratio of a sweep's best combination.
DSR_FIELDS = {"dsr": NUMBER, "sharpe": NUMBER, "expected_max_sharpe": NUMBER, "trials": WHOLE,
              "params": OBJECT}  # fmt: skip


def _check_fields(
    path: Path, record: Any, fields: Mapping[str, Any], required: tuple[str, ...], prefix: str = ""
) -> None:
    """``record`` is a JSON object whose known fields have their types (nested objects: spec, requested)."""
    if not isinstance(record, dict):
        where = f"field {prefix[:-1]!r} is" if prefix else "holds"
        raise ResultsFileError(path, f"{where} {_kind_of(record)}; expected an object")
    missing = [name for name in required if name not in record]
    if missing:
        raise ResultsFileError(path, f"no {missing[0]!r} field: not a file reelab wrote")
    for name, value in record.items():
        if name in fields and not fields[name][0](value):
            raise ResultsFileError(path, f"field {prefix + name!r} is {_kind_of(value)}; expected {fields[name][1]}")
        if name in ("spec", "requested") and not prefix:
            _check_fields(path, value, fields, (), f"{name}.")


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
    costs = getattr(spec, "costs", None)
    if costs is not None:  # what orders paid: the model, lots and, per traded asset, its terms
        record["trading_costs"] = costs.describe(record.get("tickers") or ())
    record |= extra
    record |= {"spec": asked, "versions": package_versions(VERSIONED)}
    atomic_write(Path(folder) / CONFIG, json.dumps(record, indent=2, default=str) + "\n")
    return record


def read_config(folder: str | Path, required: bool = True) -> dict[str, Any]:
    """The ``config.json`` of a results folder, as a dict (``{}`` when absent and not ``required``).

    Raises :class:`~signals.errors.MissingFileError` when it is absent (and required), and
    :class:`~signals.errors.ResultsFileError` when it is not JSON, not an object, has no ``command``
    or a field of the wrong type (see :data:`CONFIG_FIELDS`).
    """
    path = Path(folder) / CONFIG
    if not path.is_file():
        if path.exists():
            raise ResultsFileError(path, "a folder, not a file")
        if required:
            raise MissingFileError("results folder", folder, "a folder written by reelab run, sweep or study")
        return {}
    record = read_json_file(path)
    _check_fields(path, record, CONFIG_FIELDS, ("command",))
    return dict(record)


def write_json(folder: str | Path, kind: str, name: str, value: Any) -> Path:
    """Write ``value`` as indented JSON under its schema name (atomically; other values as ``str``); return the path."""
    path = Path(folder) / FILES[kind][name]
    atomic_write(path, json.dumps(value, indent=2, default=str) + "\n")
    return path


def read_json(folder: str | Path, kind: str, name: str) -> Any:
    """Read a JSON file saved by :func:`write_json` back (None when it is absent), checked: dsr.json is an
    object with numbers ``dsr``, ``sharpe`` and ``expected_max_sharpe`` (:data:`DSR_FIELDS`)."""
    path = Path(folder) / FILES[kind][name]
    if not path.exists():
        return None
    value = read_json_file(path)
    if (kind, name) == ("sweep", "dsr"):
        _check_fields(path, value, DSR_FIELDS, ("dsr", "sharpe", "expected_max_sharpe"))
    return value
