"""Tamper-evident audit ledger (RFC 9162 Merkle tree, C2SP checkpoints, witnesses).

Every request, decision and release at a site is an :class:`Entry` appended to
the site's :class:`Ledger`. Checkpoints are signed by the site's Ed25519 key;
other sites act as :class:`Witness` and cosign them only after checking the
log grew append-only. :func:`verify_ledger` recomputes everything and names
the index of any entry that changed; :func:`export_proof` produces an offline
inclusion proof that verifies with the site's public key alone.
"""

from __future__ import annotations

from medveil.ledger._entry import Entry, actor_id, canonical_json, utc_timestamp
from medveil.ledger._merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_leaves,
    verify_consistency,
    verify_inclusion,
)
from medveil.ledger._note import (
    SIG_COSIGNATURE_V1,
    SIG_ED25519,
    Checkpoint,
    Signer,
    Verifier,
    open_checkpoint,
    raw_key_verifier,
    verify_cosignature,
    verify_note,
)
from medveil.ledger._proof import (
    PROOF_FORMAT,
    VerifiedProof,
    export_proof,
    read_proof,
    verify_proof_document,
    write_proof,
)
from medveil.ledger._store import Cosigned, Ledger
from medveil.ledger._verify import Problem, VerifyReport, verify_ledger
from medveil.ledger._witness import LogInconsistent, Witness, check_witnessed, witness_round

__all__ = [
    "EMPTY_ROOT",
    "PROOF_FORMAT",
    "SIG_COSIGNATURE_V1",
    "SIG_ED25519",
    "Checkpoint",
    "Cosigned",
    "Entry",
    "Ledger",
    "LogInconsistent",
    "Problem",
    "Signer",
    "VerifiedProof",
    "Verifier",
    "VerifyReport",
    "Witness",
    "actor_id",
    "canonical_json",
    "check_witnessed",
    "consistency_proof",
    "export_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "open_checkpoint",
    "raw_key_verifier",
    "read_proof",
    "root_from_leaves",
    "utc_timestamp",
    "verify_consistency",
    "verify_cosignature",
    "verify_inclusion",
    "verify_ledger",
    "verify_note",
    "verify_proof_document",
    "witness_round",
    "write_proof",
]
