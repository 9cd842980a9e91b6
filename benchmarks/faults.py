"""The slow version of tests/test_faults.py: more random kill points per command.

    python benchmarks/faults.py [--kills 200]

Runs the fault tests with REELAB_FAULT_KILLS set and prints, per command, how many runs were
killed (the others finished before their kill moment) with nothing left broken.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200, help="kill points per command (default 200)")
    args = parser.parse_args()
    tests = Path(__file__).resolve().parent.parent / "tests" / "test_faults.py"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", str(tests)],
        env=os.environ | {"REELAB_FAULT_KILLS": str(args.kills)}, capture_output=True, text=True,
    )  # fmt: skip
    for line in done.stdout.splitlines():  # pytest -s puts a test's print after the dots of the tests before
        if "fault test:" in line:
            print(line[line.index("fault test:") :])
        elif "passed" in line or "failed" in line:
            print(line.strip(" ."))
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
