"""The SQLite ledger: appends, proofs from stored nodes, checkpoints, keys, concurrency."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from medveil.errors import InputError, IntegrityError, StateError
from medveil.ledger import (
    EMPTY_ROOT,
    Ledger,
    Signer,
    leaf_hash,
    open_checkpoint,
    root_from_leaves,
    verify_consistency,
    verify_inclusion,
    verify_ledger,
)
from tests.helpers import append_range, make_entry


def test_new_ledger_is_empty_with_a_signed_checkpoint(ledger: Ledger) -> None:
    assert ledger.size == 0
    cp = ledger.latest_checkpoint()
    assert (cp.size, cp.root) == (0, EMPTY_ROOT)
    assert verify_ledger(ledger).size == 0


def test_create_refuses_existing_file(ledger: Ledger, signer: Signer) -> None:
    with pytest.raises(StateError):
        Ledger.create(ledger.path, signer)


@pytest.mark.parametrize("batches", [[1] * 40, [3, 7, 1, 16, 13], [64], [5, 0, 33, 2]])
def test_appends_in_any_batching_give_the_rfc_tree(ledger: Ledger, batches: list[int]) -> None:
    entries = [make_entry(i) for i in range(sum(batches))]
    datas = [e.encode() for e in entries]
    pos = 0
    for b in batches:
        assert ledger.append_encoded(datas[pos : pos + b]) == pos
        pos += b
    n = len(datas)
    leaves = [leaf_hash(d) for d in datas]
    assert ledger.size == n
    for size in range(1, n + 1):
        root = root_from_leaves(leaves[:size])
        assert ledger.root(size) == root
        for m in range(0, size, 3):
            verify_inclusion(leaves[m], m, size, ledger.inclusion_proof(m, size), root)
        for old in range(1, size + 1, 5):
            verify_consistency(old, size, ledger.consistency_proof(old, size),
                               root_from_leaves(leaves[:old]), root)
    assert [ledger.entry(i) for i in range(n)] == datas


def test_checkpoint_interval(tmp_path: Path, signer: Signer) -> None:
    with Ledger.create(tmp_path / "l.sqlite", signer, checkpoint_interval=10) as led:
        for i in range(25):
            led.append([make_entry(i)])
        assert led.checkpoint_sizes() == [0, 10, 20]
        note = led.checkpoint()
        assert open_checkpoint(note, led.verifier).size == 25
        assert led.checkpoint_sizes() == [0, 10, 20, 25]
        assert led.checkpoint() == note  # idempotent at the same size
        assert verify_ledger(led).unsigned_tail == 0


def test_every_checkpoint_commits_to_the_entries(ledger: Ledger) -> None:
    for i in range(9):
        ledger.append([make_entry(i)])
    for size in ledger.checkpoint_sizes():
        cp = open_checkpoint(ledger.checkpoint_note(size), ledger.verifier, ledger.origin)
        assert cp.root == ledger.root(size)


def test_read_only_and_key_checks(ledger: Ledger, signer: Signer, tmp_path: Path) -> None:
    ledger.append([make_entry(0)])
    ro = Ledger.open(ledger.path, verifier=signer.verifier())
    with pytest.raises(StateError):
        ro.append([make_entry(1)])
    ro.close()
    stranger = Signer(signer.name, Ed25519PrivateKey.generate())
    with pytest.raises(IntegrityError, match="not the expected key"):
        Ledger.open(ledger.path, verifier=stranger.verifier())
    with pytest.raises(IntegrityError, match="does not own"):
        Ledger.open(ledger.path, signer=stranger)
    with pytest.raises(InputError):
        Ledger.open(tmp_path / "missing.sqlite")


def test_corrupt_database_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "ledger.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(IntegrityError, match="not a readable medveil ledger"):
        Ledger.open(bad)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(IntegrityError, match="not a readable medveil ledger"):
        Ledger.open(other)


def _pem(signer: Signer) -> bytes:
    return signer.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def test_concurrent_appenders_are_serialized(ledger: Ledger, signer: Signer) -> None:
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=append_range,
                         args=(str(ledger.path), _pem(signer), signer.name, k * 1000, 60))
             for k in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    report = verify_ledger(ledger)
    assert report.size == 180
    params = sorted(int(ledger.entry(i).split(b'"n":')[1].split(b"}")[0]) for i in range(180))
    assert params == sorted(k * 1000 + i for k in range(3) for i in range(60))
