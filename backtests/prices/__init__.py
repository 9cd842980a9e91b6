"""Floor 1: where closes come from. The bundled snapshot, the user's store, price folders, Yahoo.

Every source goes through one validating boundary (``_validate``, the leaf of this package);
``_load`` layers the store over the snapshot; ``_store`` and ``_update`` keep the user's store
(``reelab prices update``), ``_yahoo`` downloads, ``_jumps`` finds split-like jumps and ``_health``
checks freshness. It imports nothing of ``backtests`` above it.
"""

from __future__ import annotations

from signals._lazy import lazy_exports

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

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
