"""Proof generation against a literal transcription of RFC 9162's recursive definitions."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medveil.errors import IntegrityError
from medveil.ledger import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_leaves,
    verify_consistency,
    verify_inclusion,
)
from medveil.ledger._merkle import build_levels


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH over entries (not leaf hashes)."""
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()


def path(m: int, d: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n])."""
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b)."""
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = _k(n)
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


ENTRIES = [f"entry-{i}".encode() for i in range(70)]


def _tree(n: int):  # type: ignore[no-untyped-def]
    levels = build_levels([leaf_hash(e) for e in ENTRIES[:n]])
    return lambda level, index: levels[level][index]


def test_empty_root() -> None:
    assert root_from_leaves([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("n", range(1, 70))
def test_root_and_inclusion_match_rfc(n: int) -> None:
    d = ENTRIES[:n]
    root = mth(d)
    assert root_from_leaves([leaf_hash(e) for e in d]) == root
    sub = _tree(n)
    for m in range(n):
        proof = inclusion_proof(sub, m, n)
        assert proof == path(m, d)
        verify_inclusion(leaf_hash(d[m]), m, n, proof, root)


@pytest.mark.parametrize("n", range(1, 40))
def test_consistency_matches_rfc(n: int) -> None:
    d = ENTRIES[:n]
    sub = _tree(n)
    for m in range(1, n + 1):
        proof = consistency_proof(sub, m, n)
        assert proof == subproof(m, d, True)
        verify_consistency(m, n, proof, mth(d[:m]), mth(d))


@given(st.integers(1, 69).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))),
       st.data())
def test_inclusion_rejects_any_corruption(nm: tuple[int, int], data: st.DataObject) -> None:
    n, m = nm
    d = ENTRIES[:n]
    proof = inclusion_proof(_tree(n), m, n)
    root = mth(d)
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 255))
        bad = list(proof)
        flipped = bytearray(bad[i])
        flipped[bit // 8] ^= 1 << (bit % 8)
        bad[i] = bytes(flipped)
        with pytest.raises(IntegrityError):
            verify_inclusion(leaf_hash(d[m]), m, n, bad, root)
        with pytest.raises(IntegrityError):
            verify_inclusion(leaf_hash(d[m]), m, n, proof[:-1], root)
    other = (m + 1) % n
    if other != m:
        with pytest.raises(IntegrityError):
            verify_inclusion(leaf_hash(d[m]), other, n, proof, root)


@given(st.integers(2, 69).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n - 1))))
def test_consistency_rejects_a_rewritten_prefix(nm: tuple[int, int]) -> None:
    n, m = nm
    d = ENTRIES[:n]
    forged = [b"forged", *d[1:]]
    proof = consistency_proof(_tree(n), m, n)
    with pytest.raises(IntegrityError):
        verify_consistency(m, n, proof, mth(forged[:m]), mth(d))


def test_proof_arguments_out_of_range() -> None:
    with pytest.raises(IntegrityError):
        inclusion_proof(_tree(4), 4, 4)
    with pytest.raises(IntegrityError):
        consistency_proof(_tree(4), 0, 4)
    with pytest.raises(IntegrityError):
        consistency_proof(_tree(4), 5, 4)
