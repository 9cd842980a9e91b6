"""Writes the bad-input corpus: tests/bad_inputs/files/ and cases.json. Rerun after changing a case.

    python tests/bad_inputs/make_corpus.py

Each case is a command line ({files} is this corpus's files/ folder, {out} a fresh output folder)
and the text its one line on stderr must contain. tests/test_bad_inputs.py runs them all.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
HEADER = (
    "id,type,announced,tz,direction,severity,known,effective,window_end,elements,countries_included,"
    "countries_excluded,confidence,source,sources,description"
)
ROW = (
    "2026-01-15-RT,restriction_tightening,2026-01-15,Asia/Shanghai,tightening,3,,2026-02-01,,Dy;Tb,ALL,,"
    "confirmed,https://example.com/a,,MOFCOM adds dysprosium"
)
YAML_EVENT = """- id: 2026-01-15-RT
  type: restriction_tightening
  announced: {announced}
  tz: Asia/Shanghai
  direction: tightening
  severity: 3
"""
PRICE_HEADER = "date,open,high,low,close,adj_close,volume"


def row(**changes: str) -> str:
    values = dict(zip(HEADER.split(","), ROW.split(","), strict=True)) | changes
    return ",".join(values.values())


def main() -> None:
    shutil.rmtree(FILES, ignore_errors=True)
    FILES.mkdir(parents=True)
    cases: list[dict] = []

    def events(name: str, content: str | bytes, error: str, command: str = "validate") -> None:
        path = FILES / "events" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        argv = ["events", "validate", f"{{files}}/events/{name}"]
        if command in ("build", "merge"):  # signals build reads it (merged into the shipped calendar)
            argv = ["signals", "build", "--asof", "2026-06-30", "--events", f"{{files}}/events/{name}"]
            argv += ["--merge", "--out", "{out}"] if command == "merge" else ["--out", "{out}"]
        cases.append({"kind": "event file", "name": name, "argv": argv, "error": error})

    def prices(name: str, files: dict[str, str | bytes | None], error: str, extra: tuple[str, ...] = ()) -> None:
        folder = FILES / "prices" / name
        folder.mkdir(parents=True, exist_ok=True)
        for file, content in files.items():
            target = folder / file
            if content is None:  # a folder where a file is expected (.keep: git stores no empty folder)
                target.mkdir()
                (target / ".keep").write_text("")
                continue
            target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        argv = ["run", "--tickers", "MP", "--prices", f"{{files}}/prices/{name}", *extra, "--out", "{out}"]
        cases.append({"kind": "price folder", "name": name, "argv": argv, "error": error})

    def article(name: str, content: str | bytes | None, error: str) -> None:
        path = FILES / "articles" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:  # a folder where a file is expected (.keep: git stores no empty folder)
            path.mkdir()
            (path / ".keep").write_text("")
        else:
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        argv = ["events", "extract", f"{{files}}/articles/{name}", "--published", "2025-10-10"]
        cases.append({"kind": "article", "name": name, "argv": argv, "error": error})

    def results(name: str, files: dict[str, str | bytes | None], error: str) -> None:
        """A results folder: config.json ({"command": "run"}) and ``files`` (None: remove that file)."""
        folder = FILES / "results" / name
        folder.mkdir(parents=True, exist_ok=True)
        for file, content in ({"config.json": '{"command": "run"}\n'} | files).items():
            if content is None:
                continue
            (folder / file).parent.mkdir(parents=True, exist_ok=True)
            (folder / file).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        if name != "valid":  # the folder every case breaks in one way; tests/backtests/test_report.py renders it
            argv = ["report", f"{{files}}/results/{name}"]
            cases.append({"kind": "results folder", "name": name, "argv": argv, "error": error})

    def arguments(name: str, argv: list[str], error: str) -> None:
        cases.append({"kind": "arguments", "name": name, "argv": argv, "error": error})

    def store(name: str, files: dict[str, bytes | str | None], argv: list[str], error: str) -> None:
        """A data dir ($REELAB_DATA) holding ``files`` (None: a folder where a file is expected)."""
        folder = FILES / "stores" / name
        folder.mkdir(parents=True, exist_ok=True)
        for file, content in files.items():
            target = folder / file
            target.parent.mkdir(parents=True, exist_ok=True)
            if content is None:
                target.mkdir()
                (target / ".keep").write_text("")
            else:
                target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        case = {"kind": "store folder", "name": name, "argv": argv, "error": error}
        cases.append(case | {"env": {"REELAB_DATA": f"{{files}}/stores/{name}"}})

    def holidays(name: str, content: str | bytes | None, error: str) -> None:
        """A holiday file ($REELAB_HOLIDAYS) read by a signal build past Shanghai's official horizon."""
        path = FILES / "holidays" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            path.mkdir()
            (path / ".keep").write_text("")
        else:
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        argv = ["signals", "build", "--asof", "2027-01-05", "--tickers", "600111", "--out", "{out}"]
        cases.append({"kind": "holiday file", "name": name, "argv": argv, "error": error,
                      "env": {"REELAB_HOLIDAYS": f"{{files}}/holidays/{name}"}})  # fmt: skip

    # ---- event files: structure
    events(
        "unterminated_quote.csv", f"{HEADER}\n{row(description=chr(34) + 'never closed')}\n{row()}\n", "not valid CSV"
    )
    events("extra_fields.csv", f"{HEADER}\n{row()},surplus\n", "more fields than columns")
    events("missing_columns.csv", "id,type\nx,restriction_tightening\n", "missing column")
    events("unknown_column.csv", f"{HEADER},colour\n{row()},red\n", "colour")
    events("empty.csv", "", "missing column")
    events("field_too_large.csv", f"{HEADER}\n{row(description='x' * 200_000)}\n", "not valid CSV")
    events("nul_byte.csv", f"{HEADER}\n{row()}\n".encode() + b"\x00\n", "not text")
    events("not_json.json", '{"events": [', "not valid JSON")
    events("deep.json", "[" * 5000 + "]" * 5000, "nested too deeply")
    events("number.json", "42", "expected a list of events")
    events("strings.json", '["a", "b"]', "expected a mapping of columns")
    events("bad_syntax.yaml", "- id: x\n\t- type: y\n", "not valid YAML")
    events(
        "alias_bomb.yaml",
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
        "anchors and aliases",
    )
    events("anchor.yaml", "- &first\n  id: x\n- *first\n", "anchors and aliases")
    events("events.txt", f"{HEADER}\n{row()}\n", "unknown event-file format")
    # ---- event files: encodings
    events("latin1.csv", f"{HEADER}\n".encode() + row(description="caf\xe9").encode("latin-1") + b"\n", "not UTF-8")
    events("utf16.csv", f"{HEADER}\n{row()}\n".encode("utf-16"), "UTF-16")
    events("garbage.csv", bytes(range(256)) * 4, "not text")
    # ---- event files: values
    events("unknown_type.csv", f"{HEADER}\n{row(type='permit')}\n", "unknown value 'permit'")
    events("impossible_date.csv", f"{HEADER}\n{row(announced='2025-02-30')}\n", "2025-02-30")
    events("impossible_date.yaml", YAML_EVENT.format(announced="2025-02-30"), "2025-02-30")
    events("words_for_date.csv", f"{HEADER}\n{row(announced='last Tuesday')}\n", "last Tuesday")
    events("unknown_zone.csv", f"{HEADER}\n{row(tz='Mars/Olympus')}\n", "Mars/Olympus")
    events(
        "window_before_start.csv",
        f"{HEADER}\n{row(type='negotiation_window', direction='easing', window_end='2025-01-01')}\n",
        "window",
    )
    events("severity_five.csv", f"{HEADER}\n{row(severity='5')}\n", "severity")
    events("severity_word.csv", f"{HEADER}\n{row(severity='high')}\n", "severity")
    events("direction.csv", f"{HEADER}\n{row(direction='sideways')}\n", "sideways")
    events("confidence.csv", f"{HEADER}\n{row(confidence='rumour')}\n", "rumour")
    events("known_garbage.csv", f"{HEADER}\n{row(known='soon')}\n", "soon")
    events("effective_garbage.csv", f"{HEADER}\n{row(effective='2026-13-01')}\n", "2026-13-01")
    events("empty_id.csv", f"{HEADER}\n{row(id='')}\n", "id")
    events("duplicate_no_known.csv", f"{HEADER}\n{row()}\n{row(announced='2026-02-09')}\n", "duplicate id")
    events("duplicate_same_row.csv", f"{HEADER}\n{row()}\n{row()}\n", "duplicate id")
    events(
        "revision_not_later.csv", f"{HEADER}\n{row(known='2026-01-20')}\n{row(known='2026-01-18')}\n", "duplicate id"
    )
    events(
        "json_missing_type.json",
        '[{"id": "x", "announced": "2025-01-01", "tz": "UTC", "direction": "tightening", "severity": 2}]',
        "type",
    )
    events("unknown_type_build.csv", f"{HEADER}\n{row(type='embargo')}\n", "embargo", command="build")
    events(
        "duplicates_shipped.csv",
        f"{HEADER}\n{row(id='2025-10-09-RT', announced='2025-10-09')}\n",
        "line 2, column 'id': duplicate id (first in the shipped calendar",
        command="merge",
    )

    # ---- event files: a column or key given twice (csv, json and PyYAML would keep one value silently)
    def json_event(event_id: str = "2026-01-15-RT", first: str = "") -> str:
        """One valid JSON event over two lines, ``first`` (a repeated key, say) first after its id."""
        return (
            f'{{"id": "{event_id}", {first}"type": "restriction_tightening", "announced": "2026-01-15",\n'
            '   "tz": "Asia/Shanghai", "direction": "tightening", "severity": 3}'
        )

    yaml_event = YAML_EVENT.format(announced="2026-01-15")
    events("repeated_column.csv", f"{HEADER},type\n{row()},wto_dispute\n", "line 1, column 'type': duplicate column")
    events("repeated_id_column.csv", f"id,{HEADER}\nx,{row()}\n", "'id': duplicate column (header fields 1 and 2")
    events(
        "repeated_key.json",
        "[\n  " + json_event() + ",\n  " + json_event("2026-01-16-QC", first='"type": "quota_change",\n   ') + "\n]\n",
        "line 5, column 'type': duplicate key (first on line 4",
    )
    events(
        "repeated_key_one_line.json",
        '[{"id": "x", "severity": 3, "type": "wto_dispute", "severity": 1}]',
        "line 1, column 'severity': duplicate key",
    )
    events(
        "repeated_escaped_key.json",
        '[{"id": "x",\n  "type": "wto_dispute",\n  "typ\\u0065": "wto_ruling"}]',
        "line 3, column 'type': duplicate key",
    )
    events(
        "repeated_events.json",
        f'{{"events": [{json_event()}],\n "events": []}}\n',
        "line 3, column 'events': duplicate key (first on line 1",
    )
    events(
        "repeated_key.yaml",
        yaml_event + "  type: wto_dispute\n",
        "line 7, column 'type': duplicate key (first on line 2",
    )
    events(
        "repeated_quoted_key.yaml",
        yaml_event + '  "severity": 1\n',
        "line 7, column 'severity': duplicate key (first on line 6",
    )
    events(
        "repeated_events.yaml",
        f"events:\n{yaml_event}events: []\n",
        "line 8, column 'events': duplicate key (first on line 1",
    )
    events(
        "repeated_flow_key.yaml",
        "- {id: x, type: wto_dispute, announced: 2026-01-15, tz: UTC, direction: easing, severity: 1, tz: Japan}\n",
        "line 1, column 'tz': duplicate key",
    )
    events(
        "repeated_key_build.json",
        "[" + json_event(first='"direction": "easing",\n   ') + "]",
        "line 3, column 'direction': duplicate key (first on line 1",
        command="build",
    )
    events(
        "repeated_key_merge.yaml",
        yaml_event + "  announced: 2026-01-16\n",
        "line 7, column 'announced': duplicate key (first on line 3",
        command="merge",
    )
    # ---- price folders
    prices("empty_file", {"MP.csv": ""}, "is empty")
    prices("header_only", {"MP.csv": PRICE_HEADER + "\n"}, "no rows")
    prices("fake_parquet", {"MP.parquet": "date,close\n2025-01-02,10\n"}, "not a readable parquet")
    prices("latin1", {"MP.csv": f"{PRICE_HEADER}\n2025-01-02,1,1,1,1,1,1\n".encode() + b"# caf\xe9\n"}, "not UTF-8")
    prices("binary", {"MP.csv": bytes(range(256)) * 8}, "not text")
    prices("two_files", {"MP.csv": f"{PRICE_HEADER}\n2025-01-02,1,1,1,1,1,1\n", "MP.parquet": "x"}, "two price files")
    prices("folder_not_file", {"MP.csv": None}, "is a folder")
    prices("no_close", {"MP.csv": "date,open\n2025-01-02,1\n"}, "missing column 'close'")
    prices("no_adj_close", {"MP.csv": "date,close\n2025-01-02,1\n2025-01-03,1.1\n"}, "adj_close")
    prices("bad_date", {"MP.csv": f"{PRICE_HEADER}\n2025-01-02,1,1,1,1,1,1\n2025-13-45,1,1,1,1,1,1\n"}, "2025-13-45")
    prices(
        "mixed_zones",
        {"MP.csv": "date,close,adj_close\n2025-01-02T00:00:00+00:00,1,1\n2025-01-03T00:00:00+08:00,1,1\n"},
        "mixes time zones",
    )
    prices("negative", {"MP.csv": f"{PRICE_HEADER}\n2025-01-02,1,1,1,-1,-1,1\n"}, "positive and finite")
    prices("nan_close", {"MP.csv": f"{PRICE_HEADER}\n2025-01-02,1,1,1,,1,1\n"}, "positive and finite")
    prices(
        "duplicate_date",
        {"MP.csv": f"{PRICE_HEADER}\n2025-01-02,1,1,1,1,1,1\n2025-01-02,1,1,1,1,1,1\n"},
        "duplicate date",
    )
    prices(
        "unsorted", {"MP.csv": f"{PRICE_HEADER}\n2025-01-03,1,1,1,1,1,1\n2025-01-02,1,1,1,1,1,1\n"}, "not increasing"
    )
    prices("unknown_ticker", {"NOPE.csv": f"{PRICE_HEADER}\n2025-01-02,1,1,1,1,1,1\n"}, "NOPE")
    prices("ragged_csv", {"MP.csv": f"{PRICE_HEADER}\n2025-01-02,1,1,1,1,1,1,9,9\n"}, "not valid CSV")
    prices("no_price_files", {"notes.txt": "hello"}, "no .csv or .parquet")
    prices(
        "nothing_in_range",
        {"MP.csv": f"{PRICE_HEADER}\n2025-01-02,1,1,1,1,1,1\n2025-01-03,1,1,1,1,1,1\n"},
        "no prices for MP in",
        extra=("--start", "2030-01-01"),
    )
    # ---- price folders: files as yfinance writes them (history().to_csv(), download().to_csv()), broken
    history = "Date,Open,High,Low,Close,Volume,Dividends,Stock Splits\n"
    download = "Price,Close,High,Low,Open,Volume\nTicker,{0},{0},{0},{0},{0}\nDate,,,,,\n"
    two = (
        "Price,Close,Close,High,High,Low,Low,Open,Open,Volume,Volume\nTicker,{0},{1},{0},{1},{0},{1},{0},{1},{0},{1}\n"
    )
    prices("repeated_column", {"MP.csv": "date,close,adj_close,close\n2025-01-02,1,1,1\n"}, "the column 'close' twice")
    prices(
        "repeated_after_normalising",
        {"MP.csv": "Date,Close,Adj Close,adj_close\n2025-01-02,1,1,1\n"},
        "the column 'adj_close' twice",
    )
    prices(
        "download_repeated_column",
        {"MP.csv": "Price,Close,Close,Volume\nTicker,MP,MP,MP\nDate,,,\n2025-01-02,1,1,5\n"},
        "the column 'close (MP)' twice",
    )
    prices(
        "mixed_naive_and_aware",
        {"MP.csv": "date,close,adj_close\n2025-01-02,1,1\n2025-01-03 00:00:00-05:00,1,1\n"},
        "mixes values without a time zone ('2025-01-02') and with one ('2025-01-03 00:00:00-05:00')",
    )
    prices(
        "download_without_the_ticker",
        {"MP.csv": two.format("LYC.AX", "UUUU") + "Date,,,,,,,,,,\n2025-01-02,7,5,7,5,7,5,7,5,100,100\n"},
        "is a yfinance download of LYC.AX, UUUU; it has no columns of MP",
    )
    prices(
        "download_symbol_never_traded",
        {"MP.csv": two.format("MP", "UUUU") + "Date,,,,,,,,,,\n2025-01-02,,5,,5,,5,,5,,100\n"},
        "has no price of MP in any row",
    )
    prices(
        "download_row_without_close",
        {"MP.csv": download.format("MP") + "2025-01-02,16.39,16.5,16.0,16.1,100\n2025-01-03,,18.5,17.9,18.0,100\n"},
        "close must be positive and finite, got nan on 2025-01-03",
    )
    prices(
        "history_text_close",
        {"MP.csv": history + "2025-03-07 00:00:00-05:00,1,1,1,19.80 USD,100,0.0,0.0\n"},
        "close must be positive and finite, got 19.80 USD on 2025-03-07",
    )
    prices(
        "history_two_stamps_one_session",
        {
            "MP.csv": history
            + "2025-03-07 00:00:00-05:00,1,1,1,1,100,0.0,0.0\n2025-03-07 16:00:00-05:00,1,1,1,1,100,0.0,0.0\n"
        },
        "duplicate date 2025-03-07",
    )
    prices(
        "history_zone_abbreviation",
        {"MP.csv": history + "2025-03-07 00:00:00 EST,1,1,1,1,100,0.0,0.0\n"},
        "holds '2025-03-07 00:00:00 EST', not a date",
    )
    prices(
        "midnight_utc_dates",
        {"MP.csv": "date,close,adj_close\n2025-01-03T00:00:00Z,1,1\n2025-01-06T00:00:00Z,1,1\n"},
        "'2025-01-03T00:00:00Z' is 2025-01-02 19:00 in America/New_York",
    )
    prices(
        "offsets_of_no_zone",
        {"MP.csv": history + "2025-03-06 00:00:00-05:00,1,1,1,1,100,0,0\n2025-03-07 00:00:00+05:30,1,1,1,1,100,0,0\n"},
        "mixes time zones",
    )
    prices("empty_date", {"MP.csv": "date,close,adj_close\n2025-01-02,1,1\n,1,1\n"}, "'date' is empty in 1 row(s)")
    prices(
        "history_without_adj_close_or_actions",
        {"MP.csv": "Date,Open,High,Low,Close,Volume\n2025-03-07 00:00:00-05:00,1,1,1,1,100\n"},
        "no column 'adj_close'",
    )
    # ---- articles for extraction
    article("binary.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 16, "not text")
    article(
        "latin1.txt",
        "BEIJING, Oct 9 - China tightened controls on rare earths. Caf\xe9.".encode("latin-1"),
        "not UTF-8",
    )
    article("utf16.txt", "BEIJING, Oct 9 - China tightened controls on rare earths.".encode("utf-16"), "UTF-16")
    article("a_folder.txt", None, "is a folder")
    cases.append(
        {
            "kind": "article",
            "name": "missing",
            "argv": ["events", "extract", "{files}/articles/none.txt"],
            "error": "not found",
        }
    )
    # ---- saved results folders given to `reelab report` (hand-edited, cut short, joined, renamed ...)
    metrics = "total_return,cagr,sharpe,sortino,max_drawdown,trades,win_rate,time_invested"
    stats_rows = [
        "portfolio,strategy,0.1,0.05,0.8,1.1,-0.2,3,0.67,0.1",
        "portfolio,benchmark,0.05,0.02,0.4,0.6,-0.3,1,,1",
        "MP,strategy,0.1,0.05,0.8,1.1,-0.2,3,0.67,0.1",
    ]
    stats = "\n".join([f"scope,series,{metrics}", *stats_rows]) + "\n"
    no_sharpe = "\n".join(",".join(v for n, v in enumerate(line.split(",")) if n != 4) for line in stats.split("\n"))
    equity = "session,strategy,benchmark\n2025-01-02,1,1\n2025-01-03,1.01,0.99\n2025-01-06,1.02,1\n"
    trades = (
        "asset,currency,side,entry_session,exit_session,entry_price,exit_price,size,pnl,return,status,event_ids,"
        "event_session,renewed_by,exit_reason\nMP,USD,long,2025-01-03,2025-01-06,10,10.1,100,10,0.01,Closed,"
        "2025-01-02-RT,2025-01-03,,time\n"
    )
    attribution = (
        "event_id,type,announced,direction,assets,trades,first_entry,last_exit,pnl_by_currency,contribution,"
        "mean_abnormal_return,exits\n2025-01-02-RT,restriction_tightening,2025-01-02,tightening,MP,1,2025-01-03,"
        "2025-01-06,USD:10.00,0.0001,0.002,time\n"
    )
    run = {"stats.csv": stats, "equity.csv": equity, "trades.csv": trades, "attribution.csv": attribution}
    sweep = f"horizon,scope,{metrics}\n5,portfolio,0.1,0.05,0.8,1.1,-0.2,3,0.67,0.1\n"
    results("valid", run, "")
    results("broken_config", run | {"config.json": "{broken"}, "not valid JSON")
    results("utf16_stats", run | {"stats.csv": stats.encode("utf-16")}, "UTF-16")
    results("broken_stats", run | {"stats.csv": 'a,b\n"1,2\n'}, "stats.csv: not valid CSV at line 2")
    results("binary_stats", run | {"stats.csv": bytes(range(256))}, "not text")
    results("truncated_stats", run | {"stats.csv": stats[:-30]}, "line 4 has 3 fields where the header has 10")
    results("truncated_equity", run | {"equity.csv": equity[:-3]}, "line 4 has 2 fields where the header has 3")
    results("stats_no_sharpe", run | {"stats.csv": no_sharpe}, "missing column 'sharpe'")
    results(
        "equity_no_strategy", run | {"equity.csv": "session,benchmark\n2025-01-02,1\n"}, "missing column 'strategy'"
    )
    results("trades_no_entry", run | {"trades.csv": trades.replace("entry_session", "entry")}, "'entry_session'")
    results("config_list", run | {"config.json": '["run"]\n'}, "config.json: holds a list")
    results("config_number", run | {"config.json": "42\n"}, "config.json: holds a number")
    results("config_string", run | {"config.json": '"run"\n'}, "config.json: holds text")
    results("config_no_command", run | {"config.json": '{"template": "event_drift"}\n'}, "no 'command' field")
    results(
        "config_template_list",
        run | {"config.json": '{"command": "run", "template": ["event_drift"]}\n'},
        "field 'template' is a list",
    )
    results(
        "config_spec_tickers",
        run | {"config.json": '{"command": "run", "spec": {"tickers": "MP"}}\n'},
        "field 'spec.tickers' is text",
    )
    results(
        "word_in_sharpe",
        run | {"stats.csv": stats.replace("0.8,1.1", "abc,1.1", 1)},
        "line 2, column 'sharpe': 'abc' is not a number",
    )
    results(
        "word_in_equity",
        run | {"equity.csv": equity.replace("1.01", "abc")},
        "line 3, column 'strategy': 'abc' is not a number",
    )
    results("trades_not_a_date", run | {"trades.csv": trades.replace(",2025-01-03,2025", ",soon,2025")}, "'soon'")
    results("equity_not_a_date", run | {"equity.csv": equity.replace("2025-01-03", "2025-13-45")}, "not a date")
    results(
        "stats_header_repeated",
        run | {"stats.csv": stats + stats},
        "line 5 repeats the header (two files joined?)",
    )
    results(
        "stats_row_twice",
        run | {"stats.csv": stats + stats_rows[0] + "\n"},
        "line 5: scope portfolio, series strategy appears twice",
    )
    results(
        "equity_duplicate_dates",
        run | {"equity.csv": equity.replace("2025-01-06", "2025-01-03")},
        "line 4: date 2025-01-03 appears twice",
    )
    results(
        "html_stats",
        run | {"stats.csv": "<!DOCTYPE html>\n<html><body>stats</body></html>\n"},
        "stats.csv: holds HTML",
    )
    results("stats_column_twice", run | {"stats.csv": stats.replace("sortino", "sharpe")}, "column 'sharpe' twice")
    results(
        "no_portfolio_row",
        run | {"stats.csv": "\n".join([f"scope,series,{metrics}", stats_rows[2]]) + "\n"},
        "no row for scope 'portfolio'",
    )
    results("stats_without_equity", run | {"equity.csv": None}, "equity.csv: missing")
    results("figures_is_a_file", run | {"figures": "not a folder\n"}, "figures: a file where the report writes")
    results(
        "attribution_word_in_money",
        run | {"attribution.csv": attribution.replace("USD:10.00", "USD:ten")},
        "'USD:ten' is not CUR:amount",
    )
    results("dsr_list", {"sweep.csv": sweep, "dsr.json": "[0.9]\n"}, "dsr.json: holds a list")
    # ---- the price store in a data dir: files a crash, a disk or a hand left behind
    import io

    import pandas as pd

    def parquet(frame: pd.DataFrame) -> bytes:
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        return buffer.getvalue()

    days = pd.to_datetime(["2025-06-02", "2025-06-03", "2025-06-04"])
    good = pd.DataFrame({"date": days, "ticker": "MP", "open": 20.0, "high": 21.0, "low": 19.0, "close": 20.5,
                         "volume": 1e6, "adj_close": 20.5, "adjustment": "yahoo_returns"})  # fmt: skip
    mp_run = ["run", "--tickers", "MP", "--start", "2025-01-01", "--out", "{out}"]
    store("parquet_garbage", {"prices/MP.parquet": b"PAR1 not parquet at all"}, mp_run, "MP.parquet is not readable")
    store("parquet_empty_file", {"prices/MP.parquet": b""}, mp_run, "--tickers MP --rebuild")
    store("parquet_of_another_ticker", {"prices/MP.parquet": parquet(good.assign(ticker="LYC"))}, mp_run,
          "holds ticker(s) ['LYC'], expected only 'MP'")  # fmt: skip
    store("parquet_nan_close", {"prices/MP.parquet": parquet(good.assign(close=[20.5, float("nan"), 20.7]))}, mp_run,
          "close must be positive and finite")  # fmt: skip
    store("parquet_dates_backwards", {"prices/MP.parquet": parquet(good.iloc[::-1])}, mp_run, "dates not increasing")
    store("parquet_is_a_folder", {"prices/MP.parquet": None, "prices/SPY.parquet": parquet(good.assign(ticker="SPY"))},
          mp_run, "MP.parquet is a folder")  # fmt: skip
    store("prices_is_a_file", {"prices": "not a folder\n"}, mp_run, "prices is a file, not a folder")
    store("accepted_csv_broken", {"prices/MP.parquet": parquet(good), "prices/accepted.csv": "who,what\nMP,x\n"},
          ["prices", "verify", "--tickers", "MP"], "accepted.csv: columns")  # fmt: skip
    cases.append(
        {
            "kind": "store folder",
            "name": "data_dir_is_a_file",
            "argv": mp_run,
            "error": "is not a folder",
            "env": {"REELAB_DATA": "{files}/stores/prices_is_a_file/prices"},
        }
    )  # a file: git keeps no empty folder
    # ---- the user's holiday file
    holiday_header = "exchange,date,status,source\n"
    holidays("unknown_status.csv", holiday_header + "XSHG,2027-01-04,shut,\n", "unknown status 'shut'")
    holidays("repeated_day.csv", holiday_header + "XSHG,2027-01-04,closed,\nXSHG,2027-01-04,open,\n",
             "a second row for")  # fmt: skip
    holidays("unknown_exchange.csv", holiday_header + "XSHH,2027-01-04,closed,\n", "unknown exchange code 'XSHH'")
    holidays("bad_date.csv", holiday_header + "XSHG,2027-02-29,closed,\n", "line 2, column 'date'")
    holidays("repeated_column.csv", "exchange,date,status,date\n", "repeats the column")
    holidays("two_official_through.csv", holiday_header + "XSHG,2027-06-30,official_through,\n"
             "XSHG,2027-12-31,official_through,\n", "a second official_through")  # fmt: skip
    holidays("binary.csv", b"\x00\x01\x02exchange", "not text")
    holidays("a_folder.csv", None, "is a folder")
    # ---- as-of edges
    arguments("positions_strict_stale", ["positions", "--tickers", "MP,NEO.TO", "--asof", "2025-10-10", "--strict",
              "--out", "{out}"], "--strict refuses stale prices")  # fmt: skip
    arguments("positions_all_stale", ["positions", "--tickers", "NEO.TO", "--asof", "2025-10-10", "--out", "{out}"],
              "no asset has current prices")  # fmt: skip
    arguments("positions_before_prices", ["positions", "--tickers", "MP", "--asof", "2019-06-03", "--out", "{out}"],
              "on or after the prices start")  # fmt: skip
    arguments("signals_before_start", ["signals", "build", "--asof", "2009-12-31", "--out", "{out}"],
              "on or after the panel start")  # fmt: skip
    arguments("daily_impossible_day", ["daily", "--asof", "2026-02-29", "--out", "{out}"], "2026-02-29")
    arguments("positions_asof_with_time", ["positions", "--asof", "2025-10-10T16:00", "--out", "{out}"],
              "2025-10-10T16:00")  # fmt: skip
    # ---- argument lists
    arguments("unknown_param", ["run", "--param", "bogus=1", "--out", "{out}"], "a parameter of event_drift")
    arguments("class_variable_param", ["run", "--param", "GRID=1", "--out", "{out}"], "a parameter of event_drift")
    arguments("unknown_event_type", ["events", "list", "--type", "bogus"], "unknown event type 'bogus'")
    arguments("negative_placebo", ["run", "--placebo", "-3", "--out", "{out}"], "--placebo")
    arguments("out_is_a_file", ["run", "--out", "{files}/events/empty.csv"], "is a file, not a folder")
    arguments(
        "out_below_a_file", ["sweep", "--grid", "horizon=3", "--out", "{files}/events/empty.csv/x"], "cannot be created"
    )
    arguments("workers_zero", ["sweep", "--grid", "horizon=3", "--workers", "0", "--out", "{out}"], "--workers")
    arguments("engine", ["run", "--engine", "gpu", "--out", "{out}"], "--engine")
    arguments("impossible_start", ["run", "--start", "2025-02-30", "--out", "{out}"], "2025-02-30")
    arguments("unknown_ticker", ["run", "--tickers", "NOPE", "--out", "{out}"], "NOPE")
    arguments("exposure_word", ["run", "--param", "exposure=bogus", "--out", "{out}"], "KEY:SIGN")
    arguments("exposure_sign", ["run", "--param", "exposure=china_producer:2", "--out", "{out}"], "-1, 0 or 1")
    arguments("exposure_key", ["run", "--param", "exposure=mars:1", "--out", "{out}"], "keys from")
    arguments("study_types", ["study", "--types", "embargo", "--out", "{out}"], "unknown event type 'embargo'")
    # ---- Dask arguments (--workers, --chunk-size, --scheduler): refused while parsing, before any work.
    # 100000 workers is above 4 per CPU on any machine (400 would be allowed from 100 CPUs up, and start).
    sweep = ["sweep", "--tickers", "MP", "--grid", "horizon=3"]
    for name, value, error in [
        ("zero", "0", "worker processes >= 1, got '0'"),
        ("negative", "-1", "worker processes >= 1, got '-1'"),
        ("word", "abc", "worker processes >= 1, got 'abc'"),
        ("fraction", "2.5", "worker processes >= 1, got '2.5'"),
        ("too_many", "100000", "--force-workers"),
    ]:
        arguments(f"workers_{name}_sweep", [*sweep, "--workers", value, "--out", "{out}"], error)
        arguments(f"workers_{name}_run", ["run", "--placebo", "3", "--workers", value, "--out", "{out}"], error)
    for name, value in [("negative", "-5"), ("zero", "0"), ("word", "x"), ("fraction", "1.5")]:
        arguments(f"chunk_size_{name}", [*sweep, "--chunk-size", value, "--out", "{out}"], "--chunk-size")
    for name, value, error in [
        ("empty", "", "it is empty"),
        ("blank", "  ", "it is empty"),
        ("no_port", "notanaddress", "missing port number"),
        ("scheme_only", "tcp://", "nothing after tcp://"),
        ("port_too_large", "tcp://host:99999", "port 99999 is not in 1-65535"),
        ("port_zero", "host:0", "port 0 is not in 1-65535"),
        ("port_word", "tcp://host:http", "the port is not a number"),
        ("no_host", "tcp://:8786", "no host before the port"),
        ("unknown_scheme", "http://host:8786", "unknown address scheme 'http'"),
        ("bare_ipv6", "::1:8786", "ipv6 needs brackets"),
    ]:
        arguments(f"scheduler_{name}_sweep", [*sweep, "--scheduler", value, "--out", "{out}"], error)
        arguments(f"scheduler_{name}_run", ["run", "--placebo", "3", "--scheduler", value, "--out", "{out}"], error)
    arguments(
        "workers_and_scheduler",
        [*sweep, "--workers", "2", "--scheduler", "tcp://host:8786", "--out", "{out}"],
        "not allowed with argument",
    )
    arguments(
        "scheduler_without_address",
        [*sweep, "--scheduler", "--workers", "2", "--out", "{out}"],
        "expected one argument",
    )
    (HERE / "cases.json").write_text(json.dumps(cases, indent=1) + "\n", encoding="utf-8")
    print(f"{len(cases)} cases written to {HERE / 'cases.json'}")


if __name__ == "__main__":
    main()
