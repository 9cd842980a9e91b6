"""Signal transforms on one exchange's session grid.

Every function here works on *positions*: the index, in an exchange's ordered sessions, of the
session on which each event first became tradable (see :func:`signals.first_sessions_after`).
A value at position ``t`` depends only on events at positions ``<= t``, which is what makes the
panel built from them point-in-time (:func:`signals.build_signals`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "OVERLAP_POLICIES",
    "exponential_decay",
    "impulse",
    "resolve_overlaps",
    "sessions_since",
    "window_countdown",
]

#: How events of one family that fall within ``window`` sessions of a cluster's first event combine.
#: Each policy only ever adds value at a member's own session, never earlier (point-in-time):
#:
#: ``net``        every event counts at its own session; tightenings and easings offset.
#: ``merge``      a cluster counts once, at the size of its largest event: a later, larger member adds
#:                only the difference, a smaller one adds nothing (repeated news does not stack).
#: ``keep_first`` only the first event of a cluster counts; later members are ignored.
OVERLAP_POLICIES = ("net", "merge", "keep_first")


def resolve_overlaps(
    positions: np.ndarray, values: np.ndarray, window: int, policy: str
) -> tuple[np.ndarray, np.ndarray]:
    """Combine events within ``window`` sessions of a cluster's first event, by ``policy``.

    Parameters
    ----------
    positions : int array
        Session positions of the events, in the order they became known.
    values : float array
        Signed size of each event (e.g. direction x severity).
    window : int
        A cluster holds the events at most ``window`` sessions after its first one (0: same session).
    policy : {"net", "merge", "keep_first"}

    Returns
    -------
    positions, values
        The impulses that remain, each at a member's own session.

    Examples
    --------
    >>> resolve_overlaps(np.array([0, 2, 3]), np.array([2.0, 3.0, -2.0]), 5, "merge")
    (array([0, 2]), array([2., 1.]))
    """
    if policy not in OVERLAP_POLICIES:
        raise ValueError(f"unknown overlap policy {policy!r}; expected one of: {', '.join(OVERLAP_POLICIES)}")
    if policy == "net" or len(positions) == 0:
        return positions, values
    order = np.argsort(positions, kind="stable")
    kept_positions, kept_values = [], []
    cluster_start, best = None, 0.0
    for position, value in zip(positions[order], values[order]):
        if cluster_start is None or position - cluster_start > window:
            cluster_start, best = position, value
            kept_positions.append(position)
            kept_values.append(value)
        elif policy == "merge" and abs(value) > abs(best):
            kept_positions.append(position)
            kept_values.append(value - best)
            best = value
    return np.asarray(kept_positions, dtype=np.int64), np.asarray(kept_values, dtype=np.float64)


def impulse(positions: np.ndarray, values: np.ndarray, length: int) -> np.ndarray:
    """The sum of ``values`` landing on each session position (0 elsewhere); positions >= length are dropped."""
    series = np.zeros(length)
    inside = positions < length
    np.add.at(series, positions[inside], values[inside])
    return series


def exponential_decay(impulses: np.ndarray, half_life: float) -> np.ndarray:
    """``y[t] = y[t-1] * 0.5 ** (1 / half_life) + impulses[t]``, along axis 0 (sessions).

    An impulse of 1 is worth 0.5 after ``half_life`` sessions. Causal: ``y[t]`` uses ``impulses[:t+1]``.
    """
    alpha = 1.0 - 0.5 ** (1.0 / half_life)
    # pandas' ewm computes z[t] = (1 - alpha) z[t-1] + alpha x[t] with z[0] = x[0]; starting from a
    # zero row and dividing by alpha gives y[t] = (1 - alpha) y[t-1] + x[t] with y[0] = x[0].
    padded = np.concatenate([np.zeros((1, *impulses.shape[1:])), impulses])
    smoothed = pd.DataFrame(padded.reshape(len(padded), -1)).ewm(alpha=alpha, adjust=False).mean().to_numpy()
    return (smoothed[1:] / alpha).reshape(impulses.shape)


def sessions_since(positions: np.ndarray, length: int) -> np.ndarray:
    """Sessions since the latest event at or before each position (0 on its session; NaN before any)."""
    marks = np.full(length, -1, dtype=np.int64)
    inside = positions[positions < length]
    marks[inside] = inside
    last = np.maximum.accumulate(marks)
    since = np.arange(length, dtype=np.float64) - last
    since[last < 0] = np.nan
    return since


def window_countdown(starts: np.ndarray, ends: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Negotiation-window state: (active 0/1, sessions left until the window's last session).

    ``starts`` are the positions where each window became known, ``ends`` the positions of their
    last sessions. Where windows overlap, the most recently started one counts (a later truce or
    extension supersedes the earlier one while it lasts). Countdown is NaN outside windows.
    """
    active = np.zeros(length)
    countdown = np.full(length, np.nan)
    for start, end in sorted(zip(starts, ends), key=lambda pair: pair[0]):
        if start >= length or end < start:
            continue
        stop = min(end, length - 1)
        active[start : stop + 1] = 1.0
        countdown[start : stop + 1] = end - np.arange(start, stop + 1)
    return active, countdown
