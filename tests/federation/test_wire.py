"""Binary frames: round trip, and every malformed frame refused with a reason."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medveil.errors import InputError
from medveil.federation import Frame, decode_frame, encode_frame


def test_round_trip_keeps_dtype_shape_and_values() -> None:
    arrays = {
        "cells/n": np.arange(12, dtype=np.int64).reshape(3, 4),
        "sums/x": np.array([[1, 2**64 - 1], [3, 4]], dtype=np.uint64),
        "v": np.array([0.5, -1e300, np.inf]),
        "empty": np.zeros((0, 3)),
    }
    out = decode_frame(encode_frame(Frame(arrays, {"site": "a", "levels": {"s": ["I"]}})))
    assert out.meta == {"site": "a", "levels": {"s": ["I"]}}
    for k, v in arrays.items():
        assert out.arrays[k].dtype == v.dtype.newbyteorder("<")
        np.testing.assert_array_equal(out.arrays[k], v)


@given(st.lists(st.floats(allow_nan=False), max_size=50))
def test_float_vectors_round_trip_bit_for_bit(values: list[float]) -> None:
    a = np.array(values, dtype=np.float64)
    assert decode_frame(encode_frame(Frame({"a": a}))).arrays["a"].tobytes() == a.tobytes()


def _frame(header: dict, body: bytes = b"") -> bytes:  # type: ignore[type-arg]
    h = json.dumps(header).encode()
    return b"MVF1" + struct.pack("<I", len(h)) + h + body


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not a medveil frame"),
        (b"JSON{}", "not a medveil frame"),
        (b"MVF1" + struct.pack("<I", 999) + b"{}", "header length"),
        (b"MVF1" + struct.pack("<I", 2) + b"\xff\xfe", "not JSON"),
        (_frame({"nope": []}), "no array list"),
        (_frame({"arrays": [{"name": "a"}]}), "malformed array entry"),
        (_frame({"arrays": [{"name": "a", "dtype": "|O", "shape": [1], "offset": 0,
                             "nbytes": 8}]}, b"\0" * 8), "unsupported dtype"),
        (_frame({"arrays": [{"name": "a", "dtype": "<f8", "shape": [2], "offset": 0,
                             "nbytes": 8}]}, b"\0" * 8), "shape does not match"),
        (_frame({"arrays": [{"name": "a", "dtype": "<f8", "shape": [1], "offset": 8,
                             "nbytes": 8}]}, b"\0" * 8), "outside the frame"),
        (_frame({"arrays": [{"name": "a", "dtype": "<f8", "shape": [-1], "offset": 0,
                             "nbytes": -8}]}), "shape does not match"),
        (_frame({"arrays": [], "meta": [1]}), "meta is not an object"),
    ],
)
def test_malformed_frames(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        decode_frame(data, source="test")


def test_object_arrays_cannot_be_sent() -> None:
    with pytest.raises(InputError, match="unsupported dtype"):
        encode_frame(Frame({"a": np.array(["x"], dtype=object)}))
