"""RFC 9162 §2.1 Merkle tree hashing, proofs and their verification.

Hashing is exactly RFC 9162's: a leaf is ``SHA-256(0x00 || entry)``, an inner
node is ``SHA-256(0x01 || left || right)``, the empty tree hashes to
``SHA-256("")``. Proof *generation* is written against a ``subtree`` callable
that returns the hash of an aligned perfect subtree, so the same code serves
the SQLite store (which keeps those hashes) and in-memory trees in tests.
Proof *verification* follows §2.1.3.2 and §2.1.4.2 step by step and raises
:class:`~medveil.errors.IntegrityError` on any failure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from medveil.errors import IntegrityError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

#: ``subtree(level, index)`` -> hash of the perfect subtree covering leaves
#: ``[index * 2**level, (index + 1) * 2**level)``.
SubtreeFn = Callable[[int, int], bytes]


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_pow2_below(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(subtree: SubtreeFn, start: int, end: int) -> bytes:
    """MTH of leaves ``[start, end)``, where ``start`` is aligned as RFC 9162 splits.

    The range is cut into aligned perfect subtrees (at most log2(n) lookups)
    and folded from the right, which is RFC 9162's MTH recursion.
    """
    if end <= start:
        return EMPTY_ROOT
    parts: list[bytes] = []
    pos = start
    while pos < end:
        # Largest aligned power-of-two block starting at pos that fits.
        size = pos & -pos if pos else 1 << ((end - pos).bit_length() - 1)
        while size > end - pos:
            size >>= 1
        level = size.bit_length() - 1
        parts.append(subtree(level, pos >> level))
        pos += size
    acc = parts[-1]
    for h in reversed(parts[:-1]):
        acc = node_hash(h, acc)
    return acc


def root_from_leaves(leaves: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes (in memory; for tests and small trees)."""
    levels = build_levels(leaves)
    return range_hash(lambda lv, i: levels[lv][i], 0, len(leaves))


def build_levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """All perfect-subtree hashes, level by level: ``levels[l][i]``."""
    levels: list[list[bytes]] = [list(leaves)]
    cur = levels[0]
    while len(cur) > 1:
        nxt = [node_hash(cur[i], cur[i + 1]) for i in range(0, len(cur) - 1, 2)]
        levels.append(nxt)
        cur = nxt
    return levels


#: The right edge of a tree under construction (RFC 9162's "compact range"): one
#: (level, hash) per complete subtree, largest first.
Frontier = list[tuple[int, bytes]]


def push_leaf(frontier: Frontier, leaf: bytes) -> bytes:
    """Append a leaf hash to ``frontier``; return it followed by every subtree it closed.

    Leaf *i* closes the subtrees at levels 1..t, t = trailing one-bits of *i*; the
    returned bytes are what the store keeps in row *i* (see ``_store``).
    """
    h = closed = leaf
    level = 0
    while frontier and frontier[-1][0] == level:
        h = node_hash(frontier.pop()[1], h)
        closed += h
        level += 1
    frontier.append((level, h))
    return closed


def frontier_root(frontier: Frontier) -> bytes:
    """MTH of the tree whose right edge is ``frontier``."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1][1]
    for _, left in reversed(frontier[:-1]):
        root = node_hash(left, root)
    return root


def inclusion_proof(subtree: SubtreeFn, index: int, size: int) -> list[bytes]:
    """RFC 9162 PATH(index, D[0:size]), leaf-side first."""
    if not 0 <= index < size:
        raise IntegrityError(f"leaf index {index} is outside a tree of size {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _largest_pow2_below(end - start)
        mid = start + k
        if index < mid:
            path.append(range_hash(subtree, mid, end))
            end = mid
        else:
            path.append(range_hash(subtree, start, mid))
            start = mid
    path.reverse()
    return path


def consistency_proof(subtree: SubtreeFn, old: int, new: int) -> list[bytes]:
    """RFC 9162 PROOF(old, D[0:new]) for 0 < old <= new."""
    if not 0 < old <= new:
        raise IntegrityError(f"no consistency proof from size {old} to size {new}")
    proof: list[bytes] = []
    if old == new:
        return proof
    # SUBPROOF(m, D[start:end], b), unrolled.
    start, end, m, complete = 0, new, old, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                proof.append(range_hash(subtree, start, end))
            break
        k = _largest_pow2_below(n)
        if m <= k:
            proof.append(range_hash(subtree, start + k, end))
            end = start + k
        else:
            proof.append(range_hash(subtree, start, start + k))
            start += k
            m -= k
            complete = False
    proof.reverse()
    return proof


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise IntegrityError(f"{what} is {len(value)} bytes, not {HASH_SIZE}")


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2. Raises IntegrityError unless ``leaf`` is at ``index``."""
    if index < 0 or index >= size:
        raise IntegrityError(f"leaf index {index} is outside a tree of size {size}")
    _check_hash(leaf, "leaf hash")
    _check_hash(root, "root hash")
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        _check_hash(p, "inclusion proof element")
        if sn == 0:
            raise IntegrityError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise IntegrityError("inclusion proof is shorter than the tree is deep")
    if r != root:
        raise IntegrityError("inclusion proof does not lead to the root hash")


def verify_consistency(
    old: int, new: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> None:
    """RFC 9162 §2.1.4.2. Raises IntegrityError unless tree ``old`` is a prefix of ``new``."""
    if old <= 0:
        raise IntegrityError("a consistency proof from an empty tree proves nothing")
    if old > new:
        raise IntegrityError(f"old size {old} is larger than new size {new}")
    if old == new:
        if proof:
            raise IntegrityError("sizes are equal but the consistency proof is not empty")
        if old_root != new_root:
            raise IntegrityError("sizes are equal but the root hashes differ")
        return
    if not proof:
        raise IntegrityError("consistency proof is empty")
    _check_hash(old_root, "old root hash")
    _check_hash(new_root, "new root hash")
    for c in proof:
        _check_hash(c, "consistency proof element")
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise IntegrityError("consistency proof is longer than expected")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise IntegrityError("consistency proof is shorter than expected")
    if fr != old_root:
        raise IntegrityError("consistency proof does not lead to the old root hash")
    if sr != new_root:
        raise IntegrityError("consistency proof does not lead to the new root hash")
