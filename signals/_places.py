"""Where reelab keeps things on a machine: the data dir, the cache, the locks and the holiday file.

Each place has one function here, and the README's "Where reelab keeps things" lists them:

* the **data dir** (:func:`data_dir`): ``--data-dir``, else ``$REELAB_DATA``, else the platform's user
  data folder (``~/.local/share/reelab`` on Linux). It holds the price store (``prices/``), the
  provisional sessions used so far (``calendars/``) and the last daily run (``daily.jsonl`` lives in
  the daily job's ``--out``);
* the **cache** (:func:`cache_dir`): ``$REELAB_CACHE_DIR`` (an empty value switches it off), else
  ``$XDG_CACHE_HOME/reelab``, else ``~/.cache/reelab``: exchange sessions, rebuilt when missing;
* the **locks** (:func:`lock_dir`): ``$REELAB_LOCK_DIR``, else ``$XDG_RUNTIME_DIR/reelab-locks``, else
  ``<temp dir>/reelab-locks-<uid>``: one small file per locked target while a command holds it, never
  beside the user's own files;
* the **holiday file** (:func:`holiday_file`): ``$REELAB_HOLIDAYS``, else ``<data dir>/holidays.csv``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["DATA_ENV", "cache_dir", "data_dir", "holiday_file", "lock_dir"]

DATA_ENV = "REELAB_DATA"
CACHE_ENV = "REELAB_CACHE_DIR"
LOCK_ENV = "REELAB_LOCK_DIR"
HOLIDAYS_ENV = "REELAB_HOLIDAYS"


def data_dir(explicit: str | Path | None = None) -> Path:
    """Where reelab keeps user data: ``explicit``, else ``$REELAB_DATA``, else the platform's user data dir.

    The last is ``platformdirs.user_data_dir("reelab")``, e.g. ``~/.local/share/reelab`` on Linux.
    """
    if explicit is not None:
        return Path(explicit).expanduser()
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("reelab"))


def cache_dir() -> Path | None:
    """Where reelab caches exchange sessions: ``$REELAB_CACHE_DIR``, else ``~/.cache/reelab`` (None: off)."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return Path(chosen) if chosen else None
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "reelab"


def lock_dir() -> Path:
    """The folder of reelab's lock files: ``$REELAB_LOCK_DIR``, else the runtime dir, else the temp dir."""
    if os.environ.get(LOCK_ENV):
        return Path(os.environ[LOCK_ENV]).expanduser()
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / "reelab-locks"
    return Path(tempfile.gettempdir()) / f"reelab-locks-{os.getuid()}"


def holiday_file() -> Path:
    """The user's holiday file: ``$REELAB_HOLIDAYS``, else ``<data dir>/holidays.csv`` (it may not exist)."""
    if os.environ.get(HOLIDAYS_ENV):
        return Path(os.environ[HOLIDAYS_ENV]).expanduser()
    return data_dir() / "holidays.csv"
