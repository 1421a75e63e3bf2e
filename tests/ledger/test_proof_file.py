"""Offline inclusion proofs: verifiable with the public key alone; malformed input refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from medveil.errors import InputError, IntegrityError
from medveil.ledger import (
    Ledger,
    Signer,
    Verifier,
    Witness,
    export_proof,
    read_proof,
    verify_proof_document,
    witness_round,
    write_proof,
)
from tests.helpers import make_entry


def _doc(ledger: Ledger, n: int = 11, index: int = 4) -> dict:  # type: ignore[type-arg]
    for i in range(n):
        ledger.append([make_entry(i)])
    return export_proof(ledger, index)


def test_round_trip_through_a_file(ledger: Ledger, signer: Signer, tmp_path: Path) -> None:
    doc = _doc(ledger)
    write_proof(doc, tmp_path / "p.json")
    vkey_only = Verifier.from_vkey(signer.verifier().vkey)
    got = verify_proof_document(read_proof(tmp_path / "p.json"), vkey_only)
    assert got.index == 4 and got.entry == make_entry(4)
    assert got.checkpoint.size == 11


@pytest.mark.parametrize(
    ("field", "value"),
    [("index", 5), ("tree_size", 12), ("entry", None), ("inclusion_proof", "drop")],
)
def test_altered_proofs_are_rejected(ledger: Ledger, signer: Signer, field: str,
                                     value: object) -> None:
    doc = _doc(ledger)
    if field == "entry":
        doc["entry"] = doc["entry"].replace("event 4", "event 5")
    elif value == "drop":
        doc["inclusion_proof"] = doc["inclusion_proof"][:-1]
    else:
        doc[field] = value
    with pytest.raises(IntegrityError):
        verify_proof_document(doc, signer.verifier())


def test_wrong_key_is_rejected(ledger: Ledger) -> None:
    doc = _doc(ledger)
    other = Signer(ledger.origin, Ed25519PrivateKey.generate())
    with pytest.raises(IntegrityError, match="no signature"):
        verify_proof_document(doc, other.verifier())


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("checkpoint"),
        lambda d: d.update(format="something-else"),
        lambda d: d.update(index="4"),
        lambda d: d.update(inclusion_proof=[1, 2]),
    ],
)
def test_malformed_documents_name_the_field(ledger: Ledger, signer: Signer, mutate) -> None:  # type: ignore[no-untyped-def]
    doc = _doc(ledger)
    mutate(doc)
    with pytest.raises(InputError) as exc:
        verify_proof_document(doc, signer.verifier(), source="p.json")
    assert "p.json" in str(exc.value)


def test_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InputError, match="not a JSON proof"):
        read_proof(tmp_path / "bad.json")
    with pytest.raises(InputError, match="no such file"):
        read_proof(tmp_path / "missing.json")


def test_uncovered_entry_cannot_be_proven(tmp_path: Path, signer: Signer) -> None:
    with Ledger.create(tmp_path / "l.sqlite", signer, checkpoint_interval=100) as led:
        for i in range(5):
            led.append([make_entry(i)])
        with pytest.raises(InputError, match="not covered"):
            export_proof(led, 2)
        led.checkpoint()
        assert export_proof(led, 2)["tree_size"] == 5


def test_required_witness_cosignatures(ledger: Ledger, signer: Signer, tmp_path: Path) -> None:
    w_signer = Signer("medveil/w", Ed25519PrivateKey.generate())
    with Ledger.create(tmp_path / "w.sqlite", w_signer) as w_led:
        for i in range(3):
            ledger.append([make_entry(i)])
        witness = Witness(w_led, w_signer)
        witness_round(ledger, witness)
        doc = export_proof(ledger, 1)
        got = verify_proof_document(doc, signer.verifier(), witnesses=[witness.cosigner])
        assert got.witnesses == ("medveil/w",)
        absent = Signer("medveil/z", Ed25519PrivateKey.generate()).verifier(0x04)
        with pytest.raises(IntegrityError, match="no cosignature"):
            verify_proof_document(doc, signer.verifier(), witnesses=[absent])
    assert json.loads(json.dumps(doc)) == doc
