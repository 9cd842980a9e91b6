"""Fast start: the scheduled job, the event commands and ``import signals`` never import the heavy
libraries. Checked with ``python -X importtime`` in a fresh process, which lists every module imported."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("statsmodels", "scipy", "plotly", "matplotlib", "vectorbt", "numba", "dask", "distributed")


def _imported(code: str) -> set[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    names = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "encodings" in names  # the report lists the modules imported
    return {name for name in names if name.split(".")[0] in HEAVY}


@pytest.mark.parametrize(
    "code",
    [
        "import signals",
        "import backtests",
        "from backtests.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
        "from backtests.cli import main; main(['events', 'list', '--type', 'permit_approval'])",
        "from backtests.cli import main; import seeds; main(['events', 'validate', str(seeds.path('events.csv'))])",
        "from backtests.cli import main; main(['signals', 'build', '--asof', '2025-10-10', '--tickers', 'MP', "
        "'--out', '{tmp}', '--quiet'])",
    ],
)
def test_light_commands_never_import_heavy_libraries(code, tmp_path):
    code = code.replace("{tmp}", str(tmp_path))
    assert _imported(code) == set()


def test_the_check_sees_a_heavy_import():
    assert "scipy" in {name.split(".")[0] for name in _imported("import scipy.stats")}
