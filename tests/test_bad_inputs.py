"""The bad-input corpus (tests/bad_inputs/: made by make_corpus.py): malformed event files, price
folders, articles and argument lists. Each must end in exit 2 and one line on stderr, naming the
problem (the text in cases.json), with no traceback and no output folder left behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backtests.cli import main

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES = json.loads((CORPUS / "cases.json").read_text(encoding="utf-8"))


def test_the_corpus_is_large_and_covers_every_kind():
    assert len(CASES) >= 60
    assert {case["kind"] for case in CASES} == {
        "event file", "price folder", "article", "results folder", "arguments", "store folder", "holiday file",
    }  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[f"{case['kind']}: {case['name']}" for case in CASES])
def test_bad_input_ends_in_one_line_naming_the_problem(case, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    argv = [arg.replace("{files}", str(CORPUS / "files")).replace("{out}", str(out)) for arg in case["argv"]]
    for name, value in case.get("env", {}).items():  # a data dir or a holiday file of the corpus
        monkeypatch.setenv(name, value.replace("{files}", str(CORPUS / "files")))
    try:
        code = main(argv)
    except SystemExit as stop:
        code = stop.code
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("reelab: error:"), err
    assert case["error"].lower() in lines[0].lower(), err
    assert not out.exists()
