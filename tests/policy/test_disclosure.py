from __future__ import annotations

import numpy as np
import pytest

import medveil.policy
from medveil.errors import DisclosureRefusal, InputError
from medveil.policy import DisclosureThresholds, check_release, check_sites

T = DisclosureThresholds()


def test_defaults() -> None:
    assert (T.min_cell, T.min_records, T.min_sites) == (5, 10, 3)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"min_cell": 0}, "min_cell"),
        ({"min_records": 0}, "min_records"),
        ({"min_sites": 1}, "min_sites"),
        ({"min_cell": 2.5}, "min_cell"),
        ({"min_sites": True}, "min_sites"),
    ],
)
def test_thresholds_validate(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        DisclosureThresholds(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_thresholds_are_frozen() -> None:
    with pytest.raises(AttributeError):
        T.min_cell = 1  # type: ignore[misc]


def test_release_passes_zero_and_large_cells() -> None:
    cells = {"n": np.array([[0, 5], [17, 0]]), "m": np.array([0]), "e": np.zeros((0,), int)}
    check_release(cells, 10, T)


def test_small_cell_is_refused_naming_key_and_index() -> None:
    cells = {"a": np.array([5, 6]), "n": np.array([[9, 8], [7, 6], [5, 3]])}
    with pytest.raises(DisclosureRefusal) as info:
        check_release(cells, 100, T)
    msg = str(info.value)
    assert "cell 'n'[2, 1]" in msg
    assert "(min_cell)" in msg
    assert "0 or >= 5" in msg
    # The refused count itself is not released in the message.
    assert " 3 " not in msg and "3 records" not in msg


def test_first_small_cell_in_sorted_key_order_and_total() -> None:
    cells = {"z": np.array([1]), "b": np.array([0, 2, 4])}
    with pytest.raises(DisclosureRefusal, match=r"cell 'b'\[1\].*\(2 such cells\)"):
        check_release(cells, 100, T)


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_every_small_count_is_refused(count: int) -> None:
    with pytest.raises(DisclosureRefusal):
        check_release({"n": np.array([count])}, 100, T)


def test_min_cell_one_allows_everything() -> None:
    check_release({"n": np.array([1, 2])}, 1, DisclosureThresholds(min_cell=1, min_records=1))


@pytest.mark.parametrize("n_records", [0, 1, 9])
def test_min_records(n_records: int) -> None:
    with pytest.raises(DisclosureRefusal, match=r"fewer than 10 records \(min_records\)"):
        check_release({}, n_records, T)


def test_min_records_boundary() -> None:
    check_release({}, 10, T)


def test_negative_count_is_a_bug() -> None:
    with pytest.raises(ValueError, match="negative"):
        check_release({"n": np.array([-1])}, 10, T)


def test_float_cells_are_a_bug() -> None:
    with pytest.raises(ValueError, match="integer"):
        check_release({"n": np.array([5.0])}, 10, T)


def test_min_sites() -> None:
    check_sites(3, T)
    with pytest.raises(DisclosureRefusal, match=r"2 sites, fewer than 3 \(min_sites\)"):
        check_sites(2, T)
    check_sites(2, DisclosureThresholds(min_sites=2))


def test_public_surface() -> None:
    assert medveil.policy.__all__ == sorted(medveil.policy.__all__)
    assert set(medveil.policy.__all__) == {
        "DisclosureThresholds",
        "check_release",
        "check_sites",
    }
