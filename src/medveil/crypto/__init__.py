"""Secure-aggregation primitives: fixed-point encoding and pairwise masking.

A site encodes its statistics into integers mod 2^64 (:func:`encode_floats`,
:func:`encode_counts`), masks them with streams it shares pairwise with every other
participant of the request (:func:`mask`), and sends the masked vector. The coordinator adds
all masked vectors (:func:`unmask_sum`), in which the masks cancel, and decodes the totals
(:func:`decode_floats`, :func:`decode_counts`). It learns the sum and nothing else; any
proper subset of the masked vectors is uniformly random.

Every primitive is pyca/cryptography's: X25519, HKDF-SHA256, ChaCha20.
"""

from __future__ import annotations

from medveil.crypto._fixedpoint import (
    FRAC_BITS,
    LIMB_BITS,
    MAX_ABS_FLOAT,
    MAX_SITES,
    decode_counts,
    decode_floats,
    decode_scaled,
    encode_counts,
    encode_floats,
    encode_scaled,
    scaled_bound,
)
from medveil.crypto._secagg import derive_pair_key, mask, pair_stream, unmask_sum

__all__ = [
    "FRAC_BITS",
    "LIMB_BITS",
    "MAX_ABS_FLOAT",
    "MAX_SITES",
    "decode_counts",
    "decode_floats",
    "decode_scaled",
    "derive_pair_key",
    "encode_counts",
    "encode_floats",
    "encode_scaled",
    "mask",
    "pair_stream",
    "scaled_bound",
    "unmask_sum",
]
