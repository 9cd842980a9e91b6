from __future__ import annotations

import numpy as np
import pytest

from signals.transforms import exponential_decay, impulse, resolve_overlaps, sessions_since, window_countdown

POSITIONS = np.array([0, 2, 3, 9])
VALUES = np.array([2.0, 3.0, -2.0, 1.0])


@pytest.mark.parametrize(
    ("policy", "positions", "values"),
    [
        ("net", [0, 2, 3, 9], [2.0, 3.0, -2.0, 1.0]),  # every event counts where it lands
        ("merge", [0, 2, 9], [2.0, 1.0, 1.0]),  # the cluster counts once at its largest size (3)
        ("keep_first", [0, 9], [2.0, 1.0]),  # later members of the cluster are ignored
    ],
)
def test_overlap_policies_within_five_sessions(policy, positions, values):
    kept_positions, kept_values = resolve_overlaps(POSITIONS, VALUES, 5, policy)
    assert kept_positions.tolist() == positions and kept_values.tolist() == values


def test_overlap_window_zero_only_merges_the_same_session():
    kept = resolve_overlaps(np.array([4, 4, 5]), np.array([1.0, 2.0, 1.0]), 0, "keep_first")
    assert kept[0].tolist() == [4, 5] and kept[1].tolist() == [1.0, 1.0]


def _known_by(upto, positions, values, window, policy):
    """The total the documented policy gives the events at positions <= ``upto`` (plain Python).

    From the docstrings in ``signals/transforms.py``: events are taken in session order (ties in
    the order they became known); a cluster holds the events at most ``window`` sessions after
    its first one. ``net`` counts every event, ``merge`` counts a cluster once at its largest
    event (by size; the first of equal sizes), ``keep_first`` only a cluster's first event.
    """
    events = sorted((int(p), number, float(v)) for number, (p, v) in enumerate(zip(positions, values)) if p <= upto)
    clusters = []  # [first position, [member values]]
    for position, _, value in events:
        if clusters and position - clusters[-1][0] <= window:
            clusters[-1][1].append(value)
        else:
            clusters.append([position, [value]])
    total = 0.0
    for _, members in clusters:
        if policy == "net":
            total += sum(members)
        elif policy == "merge":
            total += max(members, key=abs)  # max() keeps the first of equal sizes
        else:
            total += members[0]
    return total


OVERLAP_CASES = [
    (POSITIONS, VALUES, 5),
    (np.array([3, 0, 2, 9]), np.array([-2.0, 2.0, 3.0, 1.0]), 5),  # given out of session order
    (np.array([1, 2, 4, 6, 7]), np.array([1.0, -3.0, 3.0, -3.0, -4.0]), 2),  # sign flip, equal sizes, 3 clusters
    (np.array([4, 4, 5]), np.array([1.0, 2.0, 1.0]), 0),
]


@pytest.mark.parametrize("policy", ["net", "merge", "keep_first"])
@pytest.mark.parametrize(("positions", "values", "window"), OVERLAP_CASES)
def test_overlap_policies_never_move_value_earlier(policy, positions, values, window):
    """Up to every session t, the kept impulses add up to what the events known by t give, no more, no less."""
    kept_positions, kept_values = resolve_overlaps(positions, values, window, policy)
    length = int(positions.max()) + 2
    running = np.cumsum(impulse(kept_positions, kept_values, length))
    expected = [_known_by(upto, positions, values, window, policy) for upto in range(length)]
    assert running.tolist() == pytest.approx(expected)
    assert set(kept_positions.tolist()) <= set(positions.tolist())  # each impulse sits on a member's own session


def test_unknown_overlap_policy():
    with pytest.raises(ValueError, match="unknown overlap policy 'sum'"):
        resolve_overlaps(POSITIONS, VALUES, 1, "sum")


def test_impulse_sums_same_session_and_drops_beyond_the_end():
    # Position 1 gets 1 + 2, position 4 gets -1, position 7 lies past the end (length 5).
    assert impulse(np.array([1, 1, 4, 7]), np.array([1.0, 2.0, -1.0, 5.0]), 5).tolist() == [0, 3, 0, 0, -1]


def test_decay_halves_after_half_life():
    series = impulse(np.array([0]), np.array([1.0]), 11)
    decayed = exponential_decay(series, half_life=5)
    assert decayed[0] == pytest.approx(1.0) and decayed[5] == pytest.approx(0.5) and decayed[10] == pytest.approx(0.25)
    # Linear and causal: a second impulse adds on top, nothing before it changes.
    both = exponential_decay(series + impulse(np.array([6]), np.array([2.0]), 11), half_life=5)
    assert np.allclose(both[:6], decayed[:6]) and both[6] == pytest.approx(decayed[6] + 2)


def test_sessions_since():
    since = sessions_since(np.array([2, 5]), 8)
    assert np.isnan(since[:2]).all() and since[2:].tolist() == [0, 1, 2, 0, 1, 2]


def test_window_countdown_later_window_supersedes_while_it_lasts():
    active, countdown = window_countdown(np.array([1, 4]), np.array([8, 6]), 10)
    assert active.tolist() == [0, 1, 1, 1, 1, 1, 1, 1, 1, 0]
    assert np.isnan(countdown[0]) and np.isnan(countdown[9])
    # Window 1..8 counts 8 - t; from 4 the later window 4..6 supersedes it (6 - t) while it lasts,
    # then window 1..8 counts on at 7 and 8.
    assert countdown[1:9].tolist() == [7, 6, 5, 2, 1, 0, 1, 0]
