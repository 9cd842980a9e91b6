"""Floor 1: orders in, order records out. vectorbt's adapter, reelab's event engine, stacking, Dask.

``_vbt`` is the one vectorbt adapter (:func:`simulate`, :class:`Costs`); ``_events_nb`` and
``_signal_nb`` the event-window engine and its signal function; ``_stack`` puts many combinations
(or placebo draws) side by side in one simulation and reads their statistics from its records
(``_stack_nb``); ``_trades`` turns records into the trade table; ``_distributed`` runs chunks on
Dask. No specs and no files: vectorbt and numba load only when a simulation runs.
"""

from __future__ import annotations

from signals._lazy import lazy_exports

_EXPORTS = {
    "ENGINES": "._vbt",
    "Costs": "._vbt",
    "Simulation": "._vbt",
    "buy_and_hold": "._vbt",
    "simulate": "._vbt",
    "CHUNK_CELLS": "._stack",
    "stack_signals": "._stack",
    "signal_outcomes": "._trades",
    "trade_table": "._trades",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
