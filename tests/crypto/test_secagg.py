"""Pairwise masking: known answers, exact cancellation, uniformity of what one node sends."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from numpy.typing import NDArray
from scipy import stats

import medveil.crypto
from medveil.crypto import (
    decode_floats,
    derive_pair_key,
    encode_floats,
    mask,
    pair_stream,
    unmask_sum,
)
from medveil.errors import InputError, IntegrityError

REQUEST = "req-0001"
SEEDS = {
    "alice": bytes(range(32)),
    "bob": bytes(range(32, 64)),
    "carol": bytes(range(64, 96)),
}
PRIVATE = {name: X25519PrivateKey.from_private_bytes(seed) for name, seed in SEEDS.items()}
PUBLIC = {name: key.public_key() for name, key in PRIVATE.items()}
NAMES = ["carol", "alice", "bob"]  # deliberately unsorted

# Recorded from this implementation and checked independently in test_known_answer_is_...
KAT_PAIR_KEY_ALICE_BOB = "44c74615540bd79c86f598a4e89802e7356a0e48a99d4d4fa8c92a95ba245777"
KAT_MASK_OF_ZEROS = {
    "alice": ["7322a409c12f2341", "dc4d9196005da638", "8ddade91d4379882", "ce0f11bc002b1ec3"],
    "bob": ["0ef601bd95b1687e", "e724b5bfbec6fd50", "4fa79e0ff7f7ba44", "d26bcb9c17283056"],
    "carol": ["7de75a38a91f7441", "3c8db8aa40db5c78", "227d835e33d0ad3a", "5f8522a7e8acb0e7"],
}


def make_keys(names: list[str], seed: int) -> dict[str, X25519PrivateKey]:
    rng = np.random.default_rng(seed)
    return {n: X25519PrivateKey.from_private_bytes(rng.bytes(32)) for n in names}


def mask_all(
    values: dict[str, NDArray[np.uint64]],
    keys: dict[str, X25519PrivateKey],
    *,
    request_id: str = REQUEST,
) -> dict[str, NDArray[np.uint64]]:
    names = list(keys)
    public = {n: k.public_key() for n, k in keys.items()}
    return {
        n: mask(
            values[n],
            me=n,
            my_private=keys[n],
            peers=public,
            request_id=request_id,
            participants=names,
        )
        for n in names
    }


def zeros_mask(me: str, count: int, *, request_id: str = REQUEST) -> NDArray[np.uint64]:
    return mask(
        np.zeros(count, dtype=np.uint64),
        me=me,
        my_private=PRIVATE[me],
        peers=PUBLIC,
        request_id=request_id,
        participants=NAMES,
    )


def test_public_surface() -> None:
    assert medveil.crypto.__all__ == sorted(medveil.crypto.__all__)
    assert set(medveil.crypto.__all__) == {
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
        "scaled_bound",
        "pair_stream",
        "unmask_sum",
    }


def test_pair_stream_is_the_rfc8439_chacha20_keystream_read_little_endian() -> None:
    # RFC 8439 appendix A.1, test vector 1: all-zero key and nonce, block counter 0.
    block = bytes.fromhex(
        "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
        "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586"
    )
    words = pair_stream(bytes(32), 8)
    assert words.dtype == np.uint64
    assert words.tolist() == list(struct.unpack("<8Q", block))
    assert pair_stream(bytes(32), 0).shape == (0,)


def test_known_answer_masks() -> None:
    key = derive_pair_key(
        PRIVATE["alice"],
        PUBLIC["bob"],
        request_id=REQUEST,
        participants=NAMES,
        me="alice",
        peer="bob",
    )
    assert key.hex() == KAT_PAIR_KEY_ALICE_BOB
    for me, expected in KAT_MASK_OF_ZEROS.items():
        assert [f"{int(w):016x}" for w in zeros_mask(me, 4)] == expected


def _raw_pair_words(a: str, b: str, count: int) -> list[int]:
    """The pair stream recomputed with raw pyca calls, from the spec in the module docstring."""
    shared = PRIVATE[a].exchange(PUBLIC[b])

    def field(text: str) -> bytes:
        raw = text.encode()
        return struct.pack(">I", len(raw)) + raw

    low, high = sorted((a, b))
    info = (
        field(REQUEST)
        + struct.pack(">I", 3)
        + field("alice")
        + field("bob")
        + field("carol")
        + field(low)
        + field(high)
    )
    key = HKDF(hashes.SHA256(), 32, salt=b"medveil-secagg-v1", info=info).derive(shared)
    stream = (
        Cipher(algorithms.ChaCha20(key, bytes(16)), mode=None).encryptor().update(bytes(8 * count))
    )
    return list(struct.unpack(f"<{count}Q", stream))


def test_known_answer_is_reproduced_by_raw_pyca_calls() -> None:
    assert _raw_pair_words("alice", "bob", 0) == []
    for me in ("alice", "bob", "carol"):
        expected = [0, 0, 0, 0]
        for peer in ("alice", "bob", "carol"):
            if peer == me:
                continue
            sign = 1 if me < peer else -1
            words = _raw_pair_words(me, peer, 4)
            expected = [(e + sign * w) % 2**64 for e, w in zip(expected, words, strict=True)]
        assert [f"{w:016x}" for w in expected] == KAT_MASK_OF_ZEROS[me]


def test_pair_key_is_symmetric_and_order_free() -> None:
    names = [f"site-{i}" for i in range(5)]
    keys = make_keys(names, 1)
    for a in names:
        for b in names:
            if a == b:
                continue
            k_ab = derive_pair_key(
                keys[a],
                keys[b].public_key(),
                request_id="r",
                participants=names,
                me=a,
                peer=b,
            )
            k_ba = derive_pair_key(
                keys[b],
                keys[a].public_key(),
                request_id="r",
                participants=list(reversed(names)),
                me=b,
                peer=a,
            )
            assert k_ab == k_ba and len(k_ab) == 32


@pytest.mark.parametrize("n_parties", [3, 5])
def test_masks_cancel_bit_for_bit(n_parties: int) -> None:
    names = [f"hospital-{chr(ord('a') + i)}" for i in range(n_parties)]
    keys = make_keys(names, n_parties)
    rng = np.random.default_rng(n_parties)
    plain = {n: rng.integers(0, 2**64, size=(2, 1000), dtype=np.uint64) for n in names}
    masked = mask_all(plain, keys)
    for n in names:
        assert masked[n].shape == (2, 1000)
        assert np.count_nonzero(masked[n] == plain[n]) == 0
    assert np.array_equal(unmask_sum(list(masked.values())), unmask_sum(list(plain.values())))


def test_masked_float_statistics_decode_to_the_exact_total() -> None:
    names = ["a", "b", "c", "d", "e"]
    keys = make_keys(names, 99)
    rng = np.random.default_rng(99)
    raw = {n: rng.normal(50.0, 20.0, size=300) ** 2 for n in names}
    masked = mask_all({n: encode_floats(raw[n]) for n in names}, keys)
    plain_total = decode_floats(unmask_sum([encode_floats(raw[n]) for n in names]))
    assert np.array_equal(decode_floats(unmask_sum(list(masked.values()))), plain_total)


def test_a_proper_subset_sum_is_not_the_plain_sum() -> None:
    values = np.arange(64, dtype=np.uint64)
    keys = {n: PRIVATE[n] for n in ("alice", "bob", "carol")}
    masked = mask_all(dict.fromkeys(keys, values), keys)
    partial = unmask_sum([masked["alice"], masked["bob"]])
    assert np.count_nonzero(partial == values * np.uint64(2)) == 0


def test_mask_leaves_its_input_alone_and_keeps_shape() -> None:
    values = np.arange(12, dtype=np.uint64).reshape(3, 4)[:, ::2]  # not C-contiguous
    before = values.copy()
    out = mask(
        values,
        me="alice",
        my_private=PRIVATE["alice"],
        peers=PUBLIC,
        request_id=REQUEST,
        participants=NAMES,
    )
    assert np.array_equal(values, before) and out.shape == (3, 2)
    flat_mask = zeros_mask("alice", 6)
    assert np.array_equal(out, before + flat_mask.reshape(3, 2))


def test_participant_order_does_not_matter() -> None:
    a = zeros_mask("bob", 16)
    b = mask(
        np.zeros(16, dtype=np.uint64),
        me="bob",
        my_private=PRIVATE["bob"],
        peers=PUBLIC,
        request_id=REQUEST,
        participants=sorted(NAMES, reverse=True),
    )
    assert np.array_equal(a, b)


def test_request_id_or_participant_set_changes_every_mask_word() -> None:
    base = zeros_mask("alice", 1000)
    other_request = zeros_mask("alice", 1000, request_id="req-0002")
    assert np.count_nonzero(base == other_request) == 0
    dave = X25519PrivateKey.from_private_bytes(bytes(range(96, 128)))
    bigger = mask(
        np.zeros(1000, dtype=np.uint64),
        me="alice",
        my_private=PRIVATE["alice"],
        peers={**PUBLIC, "dave": dave.public_key()},
        request_id=REQUEST,
        participants=[*NAMES, "dave"],
    )
    assert np.count_nonzero(base == bigger) == 0
    # Even a pair that is in both sets gets an unrelated key.
    keys = [
        derive_pair_key(
            PRIVATE["alice"],
            PUBLIC["bob"],
            request_id=REQUEST,
            participants=parts,
            me="alice",
            peer="bob",
        )
        for parts in (NAMES, [*NAMES, "dave"], ["alice", "bob"])
    ]
    assert len(set(keys)) == 3
    streams = [pair_stream(k, 1000) for k in keys]
    assert np.count_nonzero(streams[0] == streams[1]) == 0


def test_one_masked_vector_looks_uniform() -> None:
    words = zeros_mask("alice", 200_000)
    by_byte = np.bincount(words.view(np.uint8), minlength=256)
    assert stats.chisquare(by_byte).pvalue > 1e-4
    top4 = np.bincount((words >> np.uint64(60)).astype(np.intp), minlength=16)
    assert stats.chisquare(top4).pvalue > 1e-4
    unit = words.astype(np.float64) * 2.0**-64
    assert stats.kstest(unit, "uniform").pvalue > 1e-4
    # The sum of a proper subset (alice + bob of three) is as uniform as one vector.
    partial = unmask_sum([words, zeros_mask("bob", 200_000)])
    assert stats.chisquare(np.bincount(partial.view(np.uint8), minlength=256)).pvalue > 1e-4


def _mask_with(**overrides: object) -> None:
    kwargs: dict[str, object] = {
        "me": "alice",
        "my_private": PRIVATE["alice"],
        "peers": PUBLIC,
        "request_id": REQUEST,
        "participants": NAMES,
    }
    kwargs.update(overrides)
    mask(np.zeros(4, dtype=np.uint64), **kwargs)  # type: ignore[arg-type]


def test_mask_refuses_bad_participant_sets() -> None:
    with pytest.raises(InputError, match="'carol'"):
        _mask_with(peers={"bob": PUBLIC["bob"]})
    with pytest.raises(InputError, match="'bob' is listed more than once"):
        _mask_with(participants=[*NAMES, "bob"])
    with pytest.raises(InputError, match="'mallory' is not one of"):
        _mask_with(me="mallory")
    with pytest.raises(InputError, match="at least 2"):
        _mask_with(participants=["alice"])
    with pytest.raises(InputError, match="empty"):
        _mask_with(request_id="")
    with pytest.raises(InputError, match="name is empty"):
        _mask_with(participants=[*NAMES, ""], peers={**PUBLIC, "": PUBLIC["bob"]})
    with pytest.raises(InputError, match="exceed the limit"):
        _mask_with(participants=[f"s{i}" for i in range(1025)])
    with pytest.raises(InputError, match="dtype"):
        mask(
            np.zeros(4, dtype=np.int64),
            me="alice",
            my_private=PRIVATE["alice"],
            peers=PUBLIC,
            request_id=REQUEST,
            participants=NAMES,
        )


def _pair_key(peer_public: X25519PublicKey, me: str, peer: str) -> bytes:
    return derive_pair_key(
        PRIVATE["alice"], peer_public, request_id=REQUEST, participants=NAMES, me=me, peer=peer
    )


def test_pair_key_refusals() -> None:
    with pytest.raises(InputError, match="itself"):
        _pair_key(PUBLIC["alice"], "alice", "alice")
    with pytest.raises(InputError, match="'dave' is not one of"):
        _pair_key(PUBLIC["bob"], "alice", "dave")
    low_order = X25519PublicKey.from_public_bytes(bytes(32))
    with pytest.raises(IntegrityError, match="all-zero shared secret"):
        _pair_key(low_order, "alice", "bob")


def test_pair_stream_and_unmask_refusals() -> None:
    with pytest.raises(InputError, match="32 bytes"):
        pair_stream(bytes(16), 4)
    with pytest.raises(InputError, match="outside"):
        pair_stream(bytes(32), -1)
    with pytest.raises(InputError, match="no masked vectors"):
        unmask_sum([])
    with pytest.raises(InputError, match=r"vector 1 has shape \(3,\)"):
        unmask_sum([np.zeros(4, dtype=np.uint64), np.zeros(3, dtype=np.uint64)])
    with pytest.raises(InputError, match="vector 1 has dtype"):
        unmask_sum([np.zeros(4, dtype=np.uint64), np.zeros(4, dtype=np.int64)])
