"""Wire formats: validated JSON requests, binary array frames for numeric payloads.

Numeric payloads never travel as JSON lists of numbers. A frame is::

    b"MVF1" | u32 little-endian header length | header (UTF-8 JSON) | array bytes

The header lists each array's name, dtype (little-endian ``<u8``, ``<i8`` or
``<f8`` only), shape, offset and length into the array bytes, plus a small JSON
``meta`` object. Parsing checks every length and offset before touching data.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from medveil.errors import InputError

MAGIC = b"MVF1"
# A frame's JSON header: shapes, levels, and for a genotype dataset the site's variant list
# (ids and alleles, ~40 bytes a variant; not patient data), so room for ~800,000 variants.
MAX_HEADER = 32 << 20
MAX_ARRAYS = 4096
DTYPES = {"<u8": np.dtype("<u8"), "<i8": np.dtype("<i8"), "<f8": np.dtype("<f8")}
FRAME_MEDIA_TYPE = "application/x-medveil-frame"
# Requests hold parameters, never patient data; the largest are a GWAS's SNP-space PCA
# basis (variants x 30 floats, ~48 MB for 200,000 variants in base64).
MAX_REQUEST_BYTES = 64 << 20


@dataclass(frozen=True)
class Frame:
    """Named arrays plus JSON metadata."""

    arrays: Mapping[str, NDArray[Any]] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)


def encode_frame(frame: Frame) -> bytes:
    entries = []
    chunks: list[memoryview] = []
    offset = 0
    for name, arr in frame.arrays.items():
        a = np.ascontiguousarray(arr)
        dt = a.dtype.newbyteorder("<") if a.dtype.byteorder == ">" else a.dtype
        code = dt.str
        if code not in DTYPES:
            raise InputError(f"array {name!r} has unsupported dtype {a.dtype}")
        a = np.ascontiguousarray(a.astype(DTYPES[code], copy=False))
        data = a.reshape(-1).view(np.uint8).data  # a view: no copy until the final join
        entries.append({"name": name, "dtype": code, "shape": list(a.shape),
                        "offset": offset, "nbytes": data.nbytes})
        chunks.append(data)
        offset += data.nbytes
    header = json.dumps({"arrays": entries, "meta": dict(frame.meta)},
                        separators=(",", ":"), allow_nan=False).encode()
    return b"".join([MAGIC, struct.pack("<I", len(header)), header, *chunks])


def decode_frame(data: bytes, *, source: str = "frame") -> Frame:
    """Parse a frame; raise InputError naming what is wrong."""
    if len(data) < 8 or data[:4] != MAGIC:
        raise InputError(f"{source}: not a medveil frame")
    (hlen,) = struct.unpack("<I", data[4:8])
    if hlen > MAX_HEADER or 8 + hlen > len(data):
        raise InputError(f"{source}: frame header length {hlen} is invalid")
    try:
        header = json.loads(data[8 : 8 + hlen].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InputError(f"{source}: frame header is not JSON") from None
    body = memoryview(data)[8 + hlen :]
    if not isinstance(header, dict) or not isinstance(header.get("arrays"), list):
        raise InputError(f"{source}: frame header has no array list")
    entries = header["arrays"]
    if len(entries) > MAX_ARRAYS:
        raise InputError(f"{source}: too many arrays")
    arrays: dict[str, NDArray[Any]] = {}
    for e in entries:
        try:
            name, code, shape = str(e["name"]), str(e["dtype"]), [int(s) for s in e["shape"]]
            offset, nbytes = int(e["offset"]), int(e["nbytes"])
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{source}: malformed array entry") from None
        dt = DTYPES.get(code)
        if dt is None:
            raise InputError(f"{source}: array {name!r} has unsupported dtype {code!r}")
        count = int(np.prod(shape)) if shape else 1
        if any(s < 0 for s in shape) or count * dt.itemsize != nbytes:
            raise InputError(f"{source}: array {name!r} shape does not match its length")
        if offset < 0 or offset + nbytes > len(body):
            raise InputError(f"{source}: array {name!r} lies outside the frame")
        arrays[name] = np.frombuffer(body[offset : offset + nbytes], dtype=dt).reshape(shape)
    meta = header.get("meta", {})
    if not isinstance(meta, dict):
        raise InputError(f"{source}: frame meta is not an object")
    return Frame(arrays, meta)


# -- JSON request bodies (validated at the node's boundary) ---------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComputeRequest(_Strict):
    """Run one vetted node operation and return its masked contribution."""

    request_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    op: str = Field(pattern=r"^[a-z][a-z0-9_.]{0,63}$")
    dataset: str = Field(min_length=1, max_length=128)
    where: str | None = Field(default=None, max_length=2000)
    params: dict[str, Any] = Field(default_factory=dict)
    participants: list[str] = Field(min_length=1, max_length=1024)
    secure: bool = True
    # None: floats travel as exact two-limb fixed point (scale 2^-48, no magnitude needed);
    # an int F: one limb at scale 2^-F, for callers that bound their values (|x| < 2^(53-F)).
    frac_bits: int | None = Field(default=None, ge=0, le=52)


class CheckpointRequest(_Strict):
    since: int = Field(default=0, ge=0)


class CosignRequest(_Strict):
    note: str = Field(max_length=65536)
    proof: list[str] = Field(default_factory=list, max_length=128)


class CosignatureRequest(_Strict):
    size: int = Field(ge=0)
    witness: str = Field(min_length=1, max_length=128)
    line: str = Field(max_length=4096)


class WitnessedRequest(_Strict):
    origin: str = Field(min_length=1, max_length=256)
