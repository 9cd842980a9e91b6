"""Empirical p-values of a statistic against its placebo draws."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the event study needs statsmodels: imported where it runs
    pass

__all__ = ["empirical_p_value"]


def empirical_p_value(actual: float, null: np.ndarray) -> float:
    """Two-sided: the share of the null at least as far from zero as ``actual`` (with the +1 correction)."""
    null = np.asarray(null, dtype=float)
    null = null[np.isfinite(null)]
    return float((1 + np.sum(np.abs(null) >= abs(actual))) / (1 + len(null)))
