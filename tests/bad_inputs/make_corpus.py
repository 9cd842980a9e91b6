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

    def results(name: str, files: dict[str, str | bytes], error: str) -> None:
        folder = FILES / "results" / name
        folder.mkdir(parents=True, exist_ok=True)
        for file, content in ({"config.json": '{"command": "run"}\n'} | files).items():
            (folder / file).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        cases.append(
            {"kind": "results folder", "name": name, "argv": ["report", f"{{files}}/results/{name}"], "error": error}
        )

    def arguments(name: str, argv: list[str], error: str) -> None:
        cases.append({"kind": "arguments", "name": name, "argv": argv, "error": error})

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
    # ---- saved results folders given to `reelab report` (hand-edited, say)
    equity = "date,strategy,benchmark\n2025-01-02,1,1\n"
    results("broken_config", {"config.json": "{broken"}, "is not a results file reelab wrote")
    results("utf16_stats", {"stats.csv": "scope,series\n".encode("utf-16"), "equity.csv": equity}, "UTF-16")
    results("broken_stats", {"stats.csv": 'a,b\n"1,2\n', "equity.csv": equity}, "is not a results file")
    results("binary_stats", {"stats.csv": bytes(range(256)), "equity.csv": equity}, "not text")
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
