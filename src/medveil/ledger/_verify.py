"""Full verification of a stored ledger, streaming in bounded memory.

Recomputes every leaf hash from the stored entry bytes and rebuilds the Merkle
tree as it streams, checking it against

* the hashes stored at append time in each row (the leaf and the subtrees it
  closed, which later serve proofs),
* every signed checkpoint: a valid signature by the log key and a root equal
  to the recomputed tree at that size (so each checkpoint is a prefix of the
  next: the log only ever grew), and
* every witness cosignature.

Problems are located: an entry whose bytes changed, went missing, was inserted
or moved is reported by index.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from medveil.errors import IntegrityError, LedgerTampered
from medveil.ledger._entry import Entry
from medveil.ledger._merkle import HASH_SIZE, Frontier, frontier_root, leaf_hash, push_leaf
from medveil.ledger._note import (
    Checkpoint,
    Verifier,
    open_checkpoint,
    split_note,
    verify_cosignature,
)
from medveil.ledger._store import Ledger

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    """One integrity problem.

    ``index`` is the entry it concerns when ``exact``, else the first entry of
    the range it concerns (a tree node or a checkpoint covers many entries).
    """

    index: int | None
    message: str
    exact: bool = True

    def __str__(self) -> str:
        if self.index is None or not self.exact:
            return self.message
        return f"entry {self.index}: {self.message}"


@dataclass(frozen=True)
class VerifyReport:
    origin: str
    size: int
    root: bytes
    checkpoints: int
    latest_checkpoint: int
    cosignatures: int
    witnesses: tuple[str, ...]
    problems: tuple[Problem, ...] = field(default=())

    @property
    def unsigned_tail(self) -> int:
        """Entries appended after the latest signed checkpoint."""
        return max(0, self.size - self.latest_checkpoint)


def verify_ledger(
    ledger: Ledger,
    *,
    progress: Callable[[int, int], None] | None = None,
    max_problems: int = 50,
) -> VerifyReport:
    """Verify everything stored in ``ledger``; raise LedgerTampered if anything is wrong.

    ``progress(done, total)`` is called every 65,536 entries.
    """
    conn = ledger._conn
    problems: list[Problem] = []

    def problem(index: int | None, message: str, exact: bool = True) -> None:
        if len(problems) < max_problems:
            problems.append(Problem(index, message, exact))

    # Signed checkpoints first: they are what the recomputed tree must match.
    checkpoints: list[Checkpoint] = []
    texts: dict[int, str] = {}
    stored_count = 0
    for size, note in conn.execute("SELECT size, note FROM checkpoints ORDER BY size"):
        stored_count += 1
        try:
            cp = open_checkpoint(str(note), ledger.verifier, ledger.origin)
        except IntegrityError as exc:
            problem(None, f"checkpoint at size {size}: {exc}")
            continue
        if cp.size != size:
            problem(None, f"checkpoint stored at size {size} says size {cp.size}")
            continue
        checkpoints.append(cp)
        texts[size] = split_note(str(note))[0]

    total = int(conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
    stack: Frontier = []
    pending = iter(checkpoints)
    next_cp = next(pending, None)
    mismatched: list[tuple[int, int]] = []
    prev_size = 0

    def check_checkpoints(pos: int) -> None:
        nonlocal next_cp, prev_size
        while next_cp is not None and next_cp.size == pos:
            if frontier_root(stack) != next_cp.root:
                mismatched.append((prev_size, pos))
            prev_size = pos
            next_cp = next(pending, None)

    check_checkpoints(0)
    bad_leaves: list[int] = []
    pos = 0
    for idx, stored, data in conn.execute("SELECT idx, hashes, data FROM entries ORDER BY idx"):
        data = bytes(data)
        if idx != pos:
            problem(pos, f"missing: the next stored entry has index {idx}")
        hashes = push_leaf(stack, leaf_hash(data))
        if hashes != stored:
            if len(stored) != len(hashes):
                # Row shapes encode positions: this row was made for another index.
                problem(pos, f"stored row {pos} was appended at another position (entries "
                             f"moved, inserted or removed at or before {pos})", exact=False)
            elif stored[:HASH_SIZE] != hashes[:HASH_SIZE]:
                bad_leaves.append(pos)
                problem(pos, "entry bytes and the leaf hash stored at append disagree")
            else:
                # The lowest differing stored node covers entries [pos + 1 - 2^L, pos].
                lv = next(lv for lv in range(1, len(hashes) // HASH_SIZE)
                          if stored[lv * HASH_SIZE:(lv + 1) * HASH_SIZE]
                          != hashes[lv * HASH_SIZE:(lv + 1) * HASH_SIZE])
                start = pos + 1 - (1 << lv)
                # A node over an entry already reported differs as a consequence: skip it.
                if not bad_leaves or bad_leaves[-1] < start:
                    problem(start, f"stored tree hash (level {lv}) over entries "
                                   f"{start}..{pos} does not match the entries", exact=False)
        else:
            try:
                Entry.decode(data)
            except IntegrityError as exc:
                problem(pos, str(exc))
        pos += 1
        check_checkpoints(pos)
        if progress is not None and pos & 0xFFFF == 0:
            progress(pos, total)
    n = pos
    if progress is not None:
        progress(n, total)

    if next_cp is not None:
        problem(n, f"signed checkpoint at size {next_cp.size} covers entries "
                   f"{n}..{next_cp.size - 1}, which are no longer in the log (deleted)")
    if mismatched:
        # Signatures cannot be forged, so this localization holds against an intruder
        # who also rewrote the stored hashes: entries before first_from are as signed.
        first_from, first_size = mismatched[0]
        span = (f"entry {first_from} differs" if first_size - first_from == 1
                else f"entries {first_from}..{first_size - 1} differ")
        problem(first_from, f"{len(mismatched)} signed checkpoint(s) (sizes {first_size}.."
                            f"{mismatched[-1][1]}) do not match the recomputed tree: {span} "
                            "from what was signed", exact=first_size - first_from == 1)

    latest = checkpoints[-1].size if checkpoints else 0
    if n - latest >= ledger.checkpoint_interval:
        # Appends sign a checkpoint whenever `interval` entries are unsigned, so a longer
        # unsigned tail means the newest checkpoints were removed (or the interval lowered).
        problem(latest, f"entries {latest}..{n - 1} are not covered by a signed checkpoint, "
                        f"though one is signed every {ledger.checkpoint_interval} entries: "
                        "checkpoints were deleted (or checkpoint_interval was lowered)",
                exact=False)
    cosigs = 0
    witnesses: set[str] = set()
    for c in ledger.cosignatures():
        text = texts.get(c.size)
        if text is None:
            problem(None, f"cosignature for size {c.size} has no valid checkpoint")
            continue
        try:
            witness = Verifier.from_vkey(c.witness)
            verify_cosignature(text, c.line, witness)
        except IntegrityError as exc:
            problem(None, f"cosignature of checkpoint {c.size}: {exc}")
            continue
        cosigs += 1
        if c.size == latest:
            witnesses.add(witness.name)

    if problems:
        exact = [p.index for p in problems if p.index is not None and p.exact]
        ranged = [p.index for p in problems if p.index is not None]
        first = min(exact or ranged, default=None)
        raise LedgerTampered(
            f"ledger {ledger.origin} does not verify: {problems[0]}",
            index=first,
            problems=tuple(str(p) for p in problems),
        )
    log.info("ledger %s verified: %d entries, %d checkpoints", ledger.origin, n, stored_count)
    return VerifyReport(
        origin=ledger.origin,
        size=n,
        root=frontier_root(stack),
        checkpoints=stored_count,
        latest_checkpoint=latest,
        cosignatures=cosigs,
        witnesses=tuple(sorted(witnesses)),
    )
