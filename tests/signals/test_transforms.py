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


def test_overlap_policies_never_move_value_earlier():
    for policy in ("net", "merge", "keep_first"):
        kept_positions, _ = resolve_overlaps(POSITIONS, VALUES, 5, policy)
        assert set(kept_positions) <= set(POSITIONS)


def test_unknown_overlap_policy():
    with pytest.raises(ValueError, match="unknown overlap policy 'sum'"):
        resolve_overlaps(POSITIONS, VALUES, 1, "sum")


def test_impulse_sums_same_session_and_drops_beyond_the_end():
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
    assert countdown[1:9].tolist() == [7, 6, 5, 2, 1, 0, 1, 0]
