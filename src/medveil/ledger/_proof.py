"""Offline inclusion proofs: one entry, its RFC 9162 path, and a signed checkpoint.

The file is JSON (``medveil-inclusion-proof/v1``) and verifies with the log's
public key alone, with no access to the site or its database::

    {"format": "medveil-inclusion-proof/v1", "origin": ..., "index": i,
     "tree_size": n, "entry": "<canonical entry JSON>",
     "inclusion_proof": ["<base64 hash>", ...], "checkpoint": "<signed note>"}

The checkpoint note carries any witness cosignatures the log had collected;
a verifier that knows witness keys can require them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medveil._atomic import write_atomic
from medveil.errors import InputError, IntegrityError
from medveil.ledger._entry import Entry
from medveil.ledger._merkle import leaf_hash, verify_inclusion
from medveil.ledger._note import (
    Checkpoint,
    Verifier,
    b64decode_strict,
    b64encode,
    open_checkpoint,
    split_note,
    verify_cosignature,
)
from medveil.ledger._store import Ledger

PROOF_FORMAT = "medveil-inclusion-proof/v1"


@dataclass(frozen=True)
class VerifiedProof:
    index: int
    entry: Entry
    checkpoint: Checkpoint
    witnesses: tuple[str, ...]


def export_proof(ledger: Ledger, index: int) -> dict[str, Any]:
    """Build the proof document for entry ``index`` against the latest checkpoint.

    Raises InputError if the entry is not yet covered by a signed checkpoint.
    """
    cp = ledger.latest_checkpoint()
    if not 0 <= index < cp.size:
        raise InputError(
            f"entry {index} is not covered by the latest signed checkpoint (size {cp.size}); "
            "run `medveil ledger checkpoint` first"
            if index >= cp.size
            else f"no entry {index}"
        )
    data = ledger.entry(index)
    return {
        "format": PROOF_FORMAT,
        "origin": ledger.origin,
        "index": index,
        "tree_size": cp.size,
        "entry": data.decode("utf-8"),
        "inclusion_proof": [b64encode(h) for h in ledger.inclusion_proof(index, cp.size)],
        "checkpoint": ledger.checkpoint_note(cp.size),
    }


def _field(doc: dict[str, Any], name: str, kind: type, path: str) -> Any:
    value = doc.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InputError(f"missing or not a {kind.__name__}", path=path, field=name)
    return value


def verify_proof_document(
    doc: Any,
    log_key: Verifier,
    *,
    witnesses: Sequence[Verifier] = (),
    source: str = "<proof>",
) -> VerifiedProof:
    """Verify a proof document; raise InputError (malformed) or IntegrityError (false)."""
    if not isinstance(doc, dict) or doc.get("format") != PROOF_FORMAT:
        raise InputError(f"not a {PROOF_FORMAT} document", path=source, field="format")
    origin = _field(doc, "origin", str, source)
    index = _field(doc, "index", int, source)
    size = _field(doc, "tree_size", int, source)
    entry_text = _field(doc, "entry", str, source)
    raw_path = _field(doc, "inclusion_proof", list, source)
    note = _field(doc, "checkpoint", str, source)
    if not all(isinstance(h, str) for h in raw_path):
        raise InputError("proof hashes must be base64 strings", path=source,
                         field="inclusion_proof")
    try:
        path = [b64decode_strict(h, "inclusion proof hash") for h in raw_path]
        data = entry_text.encode("utf-8")
    except (IntegrityError, UnicodeEncodeError) as exc:
        raise InputError(f"malformed proof document ({exc})", path=source) from None
    cp = open_checkpoint(note, log_key, origin)
    if cp.size != size:
        raise IntegrityError(f"proof is for tree size {size} but the checkpoint says {cp.size}")
    verify_inclusion(leaf_hash(data), index, size, path, cp.root)
    entry = Entry.decode(data)
    text, _ = split_note(note)
    seen: list[str] = []
    for w in witnesses:
        lines = [s.line for s in split_note(note)[1]
                 if s.name == w.name and s.key_id == w.key_id]
        if not lines:
            raise IntegrityError(f"checkpoint carries no cosignature by witness {w.name}")
        for line in lines:
            verify_cosignature(text, line, w)
        seen.append(w.name)
    return VerifiedProof(index, entry, cp, tuple(seen))


def write_proof(doc: dict[str, Any], out: Path) -> None:
    """Write a proof document atomically."""
    write_atomic(out, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def read_proof(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a JSON proof file ({exc})", path=path) from None
