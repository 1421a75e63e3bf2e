"""Witness cosigning: consistent logs are cosigned, forked or rolled-back logs refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from medveil.errors import IntegrityError
from medveil.ledger import (
    Entry,
    Ledger,
    LogInconsistent,
    Signer,
    Witness,
    verify_cosignature,
    verify_ledger,
    witness_round,
)
from medveil.ledger._note import split_note
from tests.helpers import make_entry


@pytest.fixture
def pair(tmp_path: Path):  # type: ignore[no-untyped-def]
    log_signer = Signer("medveil/hospital-a", Ed25519PrivateKey.generate())
    w_signer = Signer("medveil/hospital-b", Ed25519PrivateKey.generate())
    log = Ledger.create(tmp_path / "a.sqlite", log_signer)
    w_ledger = Ledger.create(tmp_path / "b.sqlite", w_signer)
    yield log, Witness(w_ledger, w_signer, clock=lambda: 1_800_000_000.0), log_signer
    log.close()
    w_ledger.close()


def test_cosign_as_the_log_grows(pair) -> None:  # type: ignore[no-untyped-def]
    log, witness, _ = pair
    for round_ in range(4):
        log.append([make_entry(round_ * 10 + k) for k in range(round_ + 1)])
        size = witness_round(log, witness)
        assert size == log.size
        note = log.checkpoint_note(size)
        text, sigs = split_note(note)
        cosig = next(s.line for s in sigs if s.name == "medveil/hospital-b")
        assert verify_cosignature(text, cosig, witness.cosigner) == 1_800_000_000
    report = verify_ledger(log)
    assert report.cosignatures == 4
    assert report.witnesses == ("medveil/hospital-b",)
    # Routine cosigning leaves the witness's own log unchanged.
    assert witness.ledger.size == 0


def test_forked_log_is_refused_and_the_refusal_recorded(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log, witness, log_signer = pair
    log.append([make_entry(i) for i in range(5)])
    witness_round(log, witness)
    # The operator rewrites history with the same key: a different log of a larger size.
    with Ledger.create(tmp_path / "fork.sqlite", log_signer) as fork:
        fork.append([make_entry(i) for i in range(2)])
        fork.append([make_entry(100)])
        fork.append([make_entry(i) for i in range(3, 9)])
        with pytest.raises(LogInconsistent, match="forked or rewritten"):
            witness_round(fork, witness)
    refusal = Entry.decode(witness.ledger.entry(witness.ledger.size - 1))
    assert (refusal.op, refusal.decision) == ("ledger.cosign", "refuse")
    assert refusal.params["origin"] == "medveil/hospital-a"
    # The honest log still gets cosigned afterwards.
    log.append([make_entry(50)])
    assert witness_round(log, witness) == 6


def test_rollback_and_key_change_are_refused(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log, witness, _ = pair
    log.append([make_entry(i) for i in range(2)])
    log.append([make_entry(i) for i in range(2, 4)])
    old_note = log.checkpoint_note(2)
    witness_round(log, witness)
    with pytest.raises(LogInconsistent, match="shrank"):
        witness.cosign(old_note, log.verifier, [])
    imposter = Signer("medveil/hospital-a", Ed25519PrivateKey.generate())
    with Ledger.create(tmp_path / "imp.sqlite", imposter) as imp:
        imp.append([make_entry(i) for i in range(6)])
        with pytest.raises(LogInconsistent, match="changed its key"):
            witness_round(imp, witness)


def test_note_not_signed_by_the_log_key_is_refused(pair) -> None:  # type: ignore[no-untyped-def]
    log, witness, _ = pair
    log.append([make_entry(0)])
    other = Signer("medveil/hospital-a", Ed25519PrivateKey.generate())
    with pytest.raises(IntegrityError):
        witness.cosign(log.checkpoint_note(), other.verifier(), [])


def test_bad_cosignature_is_not_stored(pair) -> None:  # type: ignore[no-untyped-def]
    log, witness, _ = pair
    log.append([make_entry(0)])
    note = log.checkpoint()
    line = witness.cosign(note, log.verifier, [])
    stranger = Witness(witness.ledger, Signer("medveil/x", Ed25519PrivateKey.generate()))
    with pytest.raises(IntegrityError):
        log.add_cosignature(1, stranger.cosigner, line)
    assert log.cosignatures() == []


def test_check_witnessed_catches_a_later_rewrite(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import sqlite3

    from medveil.ledger import check_witnessed

    log, witness, log_signer = pair
    assert check_witnessed(witness.ledger, log) is None
    log.append([make_entry(i) for i in range(5)])
    witness_round(log, witness)
    assert check_witnessed(witness.ledger, log) == 5
    log.append([make_entry(9)])
    assert check_witnessed(witness.ledger, log) == 5  # growth is fine
    # The operator rebuilds the log with the same key and different history.
    log.close()
    shutil.move(str(log.path), str(tmp_path / "old.sqlite"))
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"a.sqlite{suffix}").unlink(missing_ok=True)
    with Ledger.create(log.path, log_signer) as forged:
        forged.append([make_entry(100 + i) for i in range(7)])
        with pytest.raises(LogInconsistent, match="forked or was rewritten"):
            check_witnessed(witness.ledger, forged)
    assert sqlite3.connect(tmp_path / "old.sqlite").execute(
        "SELECT COUNT(*) FROM entries").fetchone()[0] == 6
