"""Witnessing: sites cosign each other's checkpoints after checking consistency.

A witness keeps, per log origin, the last checkpoint it cosigned (in its own
ledger database). It cosigns a new checkpoint only if

* the checkpoint is signed by the log's known key,
* the tree did not shrink, and
* an RFC 9162 consistency proof shows the old tree is a prefix of the new one.

A forked or rewritten log therefore cannot collect cosignatures from a witness
that saw an earlier view: the witness refuses with :class:`LogInconsistent` and
records the refusal in its own ledger. Routine cosignatures are not ledger
entries (the ``witnessed`` table is their record): logging them would move
every witness's own head on each round, so no checkpoint would ever be both
the latest and cosigned.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from medveil.errors import IntegrityError
from medveil.ledger._entry import Entry, ParamValue, actor_id
from medveil.ledger._merkle import verify_consistency
from medveil.ledger._note import (
    SIG_COSIGNATURE_V1,
    Signer,
    Verifier,
    open_checkpoint,
    split_note,
)
from medveil.ledger._store import Ledger

log = logging.getLogger(__name__)


class LogInconsistent(IntegrityError):
    """A log's new checkpoint is not an append-only extension of what was witnessed."""


class Witness:
    """A site acting as witness for other sites' logs.

    ``ledger`` is the witness's own ledger (opened with its signer): it stores
    the witness state and records every refusal as an audit entry.
    """

    def __init__(self, ledger: Ledger, signer: Signer, clock: Callable[[], float] = time.time):
        self.ledger = ledger
        self.signer = signer
        self._clock = clock

    @property
    def cosigner(self) -> Verifier:
        """The verifier key others use to check this witness's cosignatures."""
        return self.signer.verifier(SIG_COSIGNATURE_V1)

    def cosign(self, note: str, log_key: Verifier, proof: Sequence[bytes]) -> str:
        """Cosign ``note`` (a checkpoint of the log with key ``log_key``).

        ``proof`` is the consistency proof from the size this witness last
        cosigned (see :meth:`last_size`) to the new checkpoint's size.
        Returns the cosignature line; raises LogInconsistent on a fork.
        """
        cp = open_checkpoint(note, log_key)
        text, _ = split_note(note)

        def check(prev: tuple[str, int, bytes] | None) -> tuple[int, bytes, str]:
            if prev is not None:
                prev_vkey, prev_size, prev_root = prev
                if prev_vkey != log_key.vkey:
                    raise LogInconsistent(
                        f"log {cp.origin} changed its key since this witness last cosigned"
                    )
                if cp.size < prev_size:
                    raise LogInconsistent(
                        f"log {cp.origin} shrank from size {prev_size} to {cp.size}: "
                        "refusing to cosign a rolled-back log"
                    )
                if prev_size > 0:
                    try:
                        verify_consistency(prev_size, cp.size, proof, prev_root, cp.root)
                    except IntegrityError as exc:
                        raise LogInconsistent(
                            f"log {cp.origin} at size {cp.size} is not consistent with its "
                            f"checkpoint at size {prev_size} that this witness cosigned "
                            f"(forked or rewritten log): {exc}"
                        ) from None
            return cp.size, cp.root, note

        actor = actor_id(log_key.public_key)
        params: dict[str, ParamValue] = {"origin": cp.origin, "size": cp.size}
        try:
            self.ledger.record_witnessed(cp.origin, log_key.vkey, check)
        except LogInconsistent as exc:
            self.ledger.append([Entry(actor=actor, op="ledger.cosign", decision="refuse",
                                      reason=str(exc)[:1024], params=params)])
            raise
        line = self.signer.cosign(text, int(self._clock()))
        log.info("witness %s cosigned %s at size %d", self.signer.name, cp.origin, cp.size)
        return line

    def last_size(self, origin: str) -> int:
        prev = self.ledger.witnessed(origin)
        return 0 if prev is None else prev[1]


def check_witnessed(witness: Ledger, log_ledger: Ledger) -> int | None:
    """Check ``log_ledger`` still extends the checkpoint ``witness`` last cosigned for it.

    Returns the witnessed size (None if the witness never cosigned this log);
    raises LogInconsistent if the log's tree at that size has another root (it
    forked or was rewritten after the witness saw it) or if it shrank.
    """
    prev = witness.witnessed(log_ledger.origin)
    if prev is None:
        return None
    vkey, size, root = prev
    if vkey != log_ledger.verifier.vkey:
        raise LogInconsistent(f"log {log_ledger.origin} has a different key from the one "
                              f"{witness.origin} witnessed")
    if size > log_ledger.size:
        raise LogInconsistent(f"log {log_ledger.origin} has {log_ledger.size} entries, fewer "
                              f"than the {size} that {witness.origin} cosigned")
    if log_ledger.root(size) != root:
        raise LogInconsistent(f"log {log_ledger.origin} at size {size} differs from the "
                              f"checkpoint {witness.origin} cosigned: it forked or was rewritten")
    return size


def witness_round(log_ledger: Ledger, witness: Witness) -> int:
    """One local witnessing exchange: ``log_ledger`` checkpoints, ``witness`` cosigns.

    Both ledgers must be opened with their signers. Returns the cosigned size.
    """
    note = log_ledger.checkpoint()
    cp = open_checkpoint(note, log_ledger.verifier, log_ledger.origin)
    old = witness.last_size(log_ledger.origin)
    proof = log_ledger.consistency_proof(old, cp.size) if 0 < old <= cp.size else []
    line = witness.cosign(note, log_ledger.verifier, proof)
    log_ledger.add_cosignature(cp.size, witness.cosigner, line)
    return cp.size
