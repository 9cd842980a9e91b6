"""What reelab executes or trusts (README "Security"), one test per point.

1. YAML is read with PyYAML's safe loader only (a SafeLoader subclass that keeps dates as text).
2. No pickle, eval, exec or shell anywhere in the packages.
3. Output paths stay inside --out: event ids cannot name a path, and run ids are made, not given.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from backtests.cli import main
from backtests.cli._backtest import _out
from backtests.spec import RunSpec
from signals import event_file_template
from signals._structured import _text_dates_loader

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(path for package in ("signals", "strategies", "backtests", "seeds") for path in
                 (ROOT / package).rglob("*.py"))  # fmt: skip


def _calls(name: str):
    """(file, call node) of every call whose dotted name ends with ``name``."""
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                dotted = ast.unparse(node.func)
                if dotted == name or dotted.endswith("." + name):
                    yield path, node


def test_yaml_is_read_with_the_safe_loader_only():
    """The one YAML reader builds reelab's SafeLoader subclass itself (to see each node's line); no yaml.load,
    and none of PyYAML's unsafe or full loaders, is called anywhere."""
    assert issubclass(_text_dates_loader(), yaml.SafeLoader)
    loaders = [(path.name, ast.unparse(node)) for path, node in _calls("_text_dates_loader")]
    built = [(path.name, ast.unparse(node)) for path, node in ast_calls_of_calls("_text_dates_loader")]
    assert built == [("_structured.py", "_text_dates_loader()(text)")] and loaders
    for name in ("load", "unsafe_load", "full_load", "load_all", "unsafe_load_all", "full_load_all"):
        assert not [path for path, node in _calls(name) if ast.unparse(node.func).startswith("yaml.")]


def ast_calls_of_calls(name: str):
    """Calls of what a call of ``name`` returns (``name()(...)``): building a loader from its class."""
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Call) and ast.unparse(node.func.func) == name:
                yield path, node


def test_a_yaml_file_cannot_run_code(tmp_path):
    marker = tmp_path / "ran"
    evil = tmp_path / "events.yaml"
    evil.write_text(f'- !!python/object/apply:os.system ["touch {marker}"]\n')
    assert main(["events", "validate", str(evil)]) == 2
    assert not marker.exists()


@pytest.mark.parametrize("name", ["pickle", "cPickle", "dill", "shelve", "marshal"])
def test_nothing_imports_a_deserializer_of_code(name):
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                assert name not in [alias.name.split(".")[0] for alias in node.names], path
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != name, path


@pytest.mark.parametrize("name", ["eval", "exec", "os.system", "os.popen", "read_pickle", "__import__"])
def test_no_eval_exec_or_shell(name):
    assert [str(path) for path, _ in _calls(name)] == []


def test_no_subprocess_with_a_shell_and_no_pickled_arrays():
    for path, node in [*_calls("run"), *_calls("Popen"), *_calls("call"), *_calls("check_output")]:
        shell = [keyword for keyword in node.keywords if keyword.arg == "shell"]
        assert not shell or ast.unparse(shell[0].value) == "False", path
    for path, node in [*_calls("np.load"), *_calls("np.savez")]:
        pickled = [keyword for keyword in node.keywords if keyword.arg == "allow_pickle"]
        assert pickled and ast.unparse(pickled[0].value) == "False", path


@pytest.mark.parametrize("event_id", ["..", "../escape", "a/b", "/etc/passwd", "..\\x", "a b"])
def test_an_event_id_cannot_name_a_path(event_id, tmp_path, capsys):
    header, row = event_file_template().splitlines()[:2]
    file = tmp_path / "events.csv"
    file.write_text(f"{header}\n{event_id},{row.split(',', 1)[1]}\n")
    assert main(["events", "validate", str(file)]) == 2
    assert "bad id" in capsys.readouterr().err


def test_outputs_stay_inside_out(tmp_path):
    header, row = event_file_template().splitlines()[:2]
    events = tmp_path / "in" / "events.csv"
    events.parent.mkdir()
    events.write_text(f"{header}\nodd.id:-_1,{row.split(',', 1)[1]}\n")  # ids never name a file anyway
    out = tmp_path / "in" / "out"
    before = set(tmp_path.rglob("*"))
    argv = ["signals", "build", "--asof", "2026-06-30", "--tickers", "MP", "--events", str(events), "--out", str(out)]
    assert main([*argv, "--quiet"]) == 0
    created = set(tmp_path.rglob("*")) - before
    assert created and all(path.is_relative_to(out) for path in created)


def test_a_run_id_is_made_not_given():
    folder = _out(None, RunSpec(tickers=["MP"]))
    assert folder.parent == Path("reelab-out")
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{8}", folder.name)
