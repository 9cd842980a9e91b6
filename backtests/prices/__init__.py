"""Floor 1: where closes come from. The bundled snapshot, the user's store, price folders, Yahoo.

Every source goes through one validating boundary (``_validate``, the leaf of this package);
``_load`` layers the store over the snapshot; ``_store`` and ``_update`` keep the user's store
(``reelab prices update``), ``_yahoo`` downloads, ``_jumps`` finds split-like jumps and ``_health``
checks freshness. It imports nothing of ``backtests`` above it.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BUNDLED": "._validate",
    "FIELDS": "._validate",
    "session_dates": "._validate",
    "validate_prices": "._validate",
    "PriceSource": "._load",
    "load_prices": "._load",
    "price_inputs": "._load",
    "load_price_dir": "._folders",
    "price_files": "._folders",
    "UpdateReport": "._update",
    "update_prices": "._update",
    "freshness": "._health",
    "verify_prices": "._health",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:  # imported on first use: importing the package loads nothing heavy
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
