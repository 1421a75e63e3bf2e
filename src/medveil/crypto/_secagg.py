"""Pairwise-masking secure aggregation (Bonawitz et al. 2017, without dropout recovery).

Protocol, for one request ``request_id`` among named ``participants`` (2 to ``MAX_SITES``),
each holding an X25519 key pair whose public halves all participants know:

1. Every pair {a, b} with a < b (by code point) derives the same 32-byte key
   ``k_ab = HKDF-SHA256(ikm = X25519(a, b), salt = b"medveil-secagg-v1", info)``, where
   ``info`` is a length-prefixed encoding of the request id, the sorted participant names and
   the pair (a, b); so a key is never reused across requests, participant sets or pairs.
2. ``k_ab`` expands into a stream of uint64 words: the ChaCha20 keystream, read little-endian.
3. Site a adds the stream to its encoded vector (see :mod:`medveil.crypto._fixedpoint`) and
   site b subtracts it, mod 2^64; each site does this for every other participant and sends
   only its masked vector to the coordinator.
4. The coordinator adds all masked vectors mod 2^64: every pair's stream is added once and
   subtracted once, so the masks cancel and the plain sum remains, bit for bit.

What it protects: the coordinator, and anyone who sees the messages, learns only the sum, and
only once every participant's masked vector is in it. A single masked vector, or the sum of
any proper subset of them, still carries the stream of at least one pair with a member
outside the subset, so it is indistinguishable from uniformly random in Z_(2^64)^n to anyone
who lacks that pair's key (assuming ChaCha20 is a PRF and X25519 shared secrets stay secret).
Up to n - 2 colluding participants learn nothing beyond the sum and their own inputs.

What it does not protect: a participant that drops out makes the sum unrecoverable (the
decoders' range checks then raise ``IntegrityError``); nothing here authenticates the masked
vectors or hides the sum itself, which is disclosure control's job.

All primitives are pyca/cryptography's; the only randomness is in the X25519 keys, which come
from the OS.
"""

from __future__ import annotations

import itertools
import logging
import struct
from collections.abc import Mapping, Sequence

import numpy as np
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from numpy.typing import NDArray

from medveil.crypto._fixedpoint import MAX_SITES
from medveil.errors import InputError, IntegrityError

logger = logging.getLogger(__name__)

_SALT = b"medveil-secagg-v1"
_KEY_BYTES = 32
# A zero nonce is safe: every key is unique to one (request, participant set, pair), so each
# key encrypts exactly one keystream, from block 0.
_NONCE = bytes(16)
# pyca's 16-byte ChaCha20 nonce holds a 32-bit block counter: 2^32 blocks of 8 words each.
_MAX_WORDS = 2**32 * 8
_CHUNK_BYTES = 1 << 16
_ZEROS = bytes(_CHUNK_BYTES)


def derive_pair_key(
    my_private: X25519PrivateKey,
    peer_public: X25519PublicKey,
    *,
    request_id: str,
    participants: Sequence[str],
    me: str,
    peer: str,
) -> bytes:
    """Derive the 32-byte masking key that ``me`` shares with ``peer`` for one request.

    Both members of the pair derive the same key (the pair is sorted before encoding). Raises
    :class:`InputError` for an invalid participant set (fewer than 2 or more than
    ``MAX_SITES`` names, duplicates, empty names), ``me == peer``, or either not a participant;
    :class:`IntegrityError` if the peer's public key is a low-order point (all-zero secret).
    """
    names = _check_participants(participants, request_id)
    if me == peer:
        raise InputError(f"participant {me!r} cannot derive a pair key with itself")
    for who in (me, peer):
        if who not in names:
            raise InputError(f"{who!r} is not one of the request's participants")
    try:
        shared = my_private.exchange(peer_public)
    except ValueError:
        raise IntegrityError(
            f"the public key of {peer!r} gives an all-zero shared secret (low-order point)"
        ) from None
    if shared == bytes(len(shared)):
        raise IntegrityError(f"the public key of {peer!r} gives an all-zero shared secret")
    low, high = sorted((me, peer))
    info = b"".join(
        (
            _field(request_id),
            struct.pack(">I", len(names)),
            *(_field(name) for name in names),
            _field(low),
            _field(high),
        )
    )
    hkdf = HKDF(algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=_SALT, info=info)
    return hkdf.derive(shared)


def pair_stream(key: bytes, count: int) -> NDArray[np.uint64]:
    """The first ``count`` uint64 words (little-endian) of the ChaCha20 keystream of ``key``."""
    if len(key) != _KEY_BYTES:
        raise InputError(f"a pair key is {_KEY_BYTES} bytes, got {len(key)}")
    if not 0 <= count <= _MAX_WORDS:
        raise InputError(f"stream length {count} words is outside [0, 2^35]")
    encryptor = Cipher(algorithms.ChaCha20(key, _NONCE), mode=None).encryptor()
    keystream = bytearray(8 * count)
    view = memoryview(keystream)
    # Encrypting one cached chunk of zeros at a time into the output is ~3x faster than
    # encrypting one huge zero buffer; successive calls continue the same keystream.
    for start in range(0, len(keystream), _CHUNK_BYTES):
        part = view[start : start + _CHUNK_BYTES]
        encryptor.update_into(_ZEROS[: len(part)], part)
    return np.frombuffer(keystream, dtype="<u8").astype(np.uint64, copy=False)


def mask(
    values: NDArray[np.uint64],
    *,
    me: str,
    my_private: X25519PrivateKey,
    peers: Mapping[str, X25519PublicKey],
    request_id: str,
    participants: Sequence[str],
) -> NDArray[np.uint64]:
    """Mask ``values`` (uint64, any shape) for sending to the coordinator.

    For every other participant ``p`` the pair stream is added (``me < p``) or subtracted
    (``me > p``) mod 2^64, over the values flattened in C order; the result has the shape of
    ``values``, which is not modified. ``peers`` maps participant names to their X25519 public
    keys and must hold every participant except ``me`` (names not participating are ignored).
    Privacy cost: none on its own; the masked vector is uniformly random to anyone lacking
    the other participants' masked vectors.
    """
    arr = np.asarray(values)
    if arr.dtype != np.uint64:
        raise InputError(f"values to mask have dtype {arr.dtype}, expected uint64")
    names = _check_participants(participants, request_id)
    if me not in names:
        raise InputError(f"{me!r} is not one of the request's participants")
    others = [name for name in names if name != me]
    for name in others:
        if name not in peers:
            raise InputError(f"no public key for participant {name!r}")
    out = np.array(arr, dtype=np.uint64, order="C", copy=True).reshape(-1)
    for name in others:
        key = derive_pair_key(
            my_private,
            peers[name],
            request_id=request_id,
            participants=names,
            me=me,
            peer=name,
        )
        stream = pair_stream(key, out.size)
        if me < name:
            np.add(out, stream, out=out)
        else:
            np.subtract(out, stream, out=out)
    logger.debug("masked %d words for request %s with %d peers", out.size, request_id, len(others))
    return out.reshape(arr.shape)


def unmask_sum(masked: Sequence[NDArray[np.uint64]]) -> NDArray[np.uint64]:
    """Add masked vectors mod 2^64; with every participant's vector the masks cancel.

    Raises :class:`InputError` if there are none, more than ``MAX_SITES``, or their dtypes
    (uint64 required) or shapes differ.
    """
    if not masked:
        raise InputError("no masked vectors to sum")
    if len(masked) > MAX_SITES:
        raise InputError(f"{len(masked)} masked vectors exceed the limit of {MAX_SITES}")
    arrays = [np.asarray(m) for m in masked]
    shape = arrays[0].shape
    for index, arr in enumerate(arrays):
        if arr.dtype != np.uint64:
            raise InputError(f"masked vector {index} has dtype {arr.dtype}, expected uint64")
        if arr.shape != shape:
            raise InputError(
                f"masked vector {index} has shape {arr.shape}, vector 0 has shape {shape}"
            )
    total = np.zeros(shape, dtype=np.uint64)
    for arr in arrays:
        np.add(total, arr, out=total)
    return total


def _check_participants(participants: Sequence[str], request_id: str) -> tuple[str, ...]:
    """The participant names, sorted, after checking the set is well formed."""
    if not request_id:
        raise InputError("the request id is empty")
    names = tuple(sorted(participants))
    if len(names) < 2:
        raise InputError(f"secure aggregation needs at least 2 participants, got {len(names)}")
    if len(names) > MAX_SITES:
        raise InputError(f"{len(names)} participants exceed the limit of {MAX_SITES}")
    for first, second in itertools.pairwise(names):
        if first == second:
            raise InputError(f"participant {first!r} is listed more than once")
    if not names[0]:
        raise InputError("a participant name is empty")
    return names


def _field(text: str) -> bytes:
    """``text`` as UTF-8 with a 4-byte big-endian length prefix, so fields cannot run together."""
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("a name or request id is not valid Unicode text") from None
    return struct.pack(">I", len(raw)) + raw
