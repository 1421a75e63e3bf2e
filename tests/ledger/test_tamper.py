"""Any single mutation of stored entries, tree hashes, checkpoints or cosignatures is detected."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medveil.errors import LedgerTampered
from medveil.ledger import Ledger, Signer, Witness, verify_ledger, witness_round
from tests.helpers import make_entry

N = 13
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A ledger of N entries (default interval: a checkpoint per append) and a cosignature."""
    d = tmp_path_factory.mktemp("pristine")
    log_signer = Signer("medveil/log", Ed25519PrivateKey.generate())
    w_signer = Signer("medveil/witness", Ed25519PrivateKey.generate())
    with Ledger.create(d / "log.sqlite", log_signer) as led, \
            Ledger.create(d / "w.sqlite", w_signer) as w_led:
        for i in range(N):
            led.append([make_entry(i)])
        witness_round(led, Witness(w_led, w_signer))
    yield d / "log.sqlite"


def _clone(src: Path, dst: Path) -> Path:
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst


Sql = list[tuple[str, tuple[object, ...]]]


def _mutate_and_verify(src: Path, tmp: Path, sql: Sql) -> int | None:
    path = _clone(src, tmp / f"m{abs(hash(str(sql)))}.sqlite")
    with sqlite3.connect(path) as conn:
        for stmt, args in sql:
            conn.execute(stmt, args)
    with Ledger.open(path) as led, pytest.raises(LedgerTampered) as exc:
        verify_ledger(led)
    return exc.value.index


def test_pristine_copy_verifies(pristine: Path, tmp_path: Path) -> None:
    with Ledger.open(_clone(pristine, tmp_path / "c.sqlite")) as led:
        r = verify_ledger(led)
    assert (r.size, r.cosignatures) == (N, 1)


def _row(path: Path, i: int) -> tuple[bytes, bytes]:
    with sqlite3.connect(path) as conn:
        h, d = conn.execute("SELECT hashes, data FROM entries WHERE idx = ?", (i,)).fetchone()
    return bytes(h), bytes(d)


@SETTINGS
@given(i=st.integers(0, N - 1), pos=st.integers(0, 10_000), bit=st.integers(0, 7))
def test_flipped_bit_in_an_entry(pristine: Path, tmp_path: Path, i: int, pos: int,
                                 bit: int) -> None:
    _, data = _row(pristine, i)
    raw = bytearray(data)
    raw[pos % len(raw)] ^= 1 << bit
    idx = _mutate_and_verify(pristine, tmp_path,
                             [("UPDATE entries SET data = ? WHERE idx = ?", (bytes(raw), i))])
    assert idx == i


@SETTINGS
@given(i=st.integers(0, N - 1), pos=st.integers(0, 10_000), bit=st.integers(0, 7))
def test_flipped_bit_in_stored_tree_hashes(pristine: Path, tmp_path: Path, i: int, pos: int,
                                           bit: int) -> None:
    hashes, _ = _row(pristine, i)
    raw = bytearray(hashes)
    raw[pos % len(raw)] ^= 1 << bit
    idx = _mutate_and_verify(pristine, tmp_path,
                             [("UPDATE entries SET hashes = ? WHERE idx = ?", (bytes(raw), i))])
    assert idx is not None and idx <= i


@SETTINGS
@given(i=st.integers(0, N - 1), renumber=st.booleans())
def test_deleted_entry(pristine: Path, tmp_path: Path, i: int, renumber: bool) -> None:
    sql: Sql = [("DELETE FROM entries WHERE idx = ?", (i,))]
    if renumber:
        sql.append(("UPDATE entries SET idx = idx - 1 WHERE idx > ?", (i,)))
    assert _mutate_and_verify(pristine, tmp_path, sql) == i


@SETTINGS
@given(i=st.integers(0, N - 1), j=st.integers(0, N - 1), whole_rows=st.booleans())
def test_reordered_entries(pristine: Path, tmp_path: Path, i: int, j: int,
                           whole_rows: bool) -> None:
    if i == j:
        return
    (hi, di), (hj, dj) = _row(pristine, i), _row(pristine, j)
    col = "hashes = ?, data = ?" if whole_rows else "data = ?"
    a = (hj, dj) if whole_rows else (dj,)
    b = (hi, di) if whole_rows else (di,)
    idx = _mutate_and_verify(pristine, tmp_path, [
        (f"UPDATE entries SET {col} WHERE idx = ?", (*a, i)),
        (f"UPDATE entries SET {col} WHERE idx = ?", (*b, j)),
    ])
    assert idx == min(i, j)


@SETTINGS
@given(i=st.integers(0, N))
def test_inserted_entry(pristine: Path, tmp_path: Path, i: int) -> None:
    from medveil.ledger import leaf_hash

    data = make_entry(999).encode()
    idx = _mutate_and_verify(pristine, tmp_path, [
        ("UPDATE entries SET idx = -idx - 1000 WHERE idx >= ?", (i,)),
        ("UPDATE entries SET idx = -(idx + 1000) + 1 WHERE idx <= -1000", ()),
        ("INSERT INTO entries (idx, hashes, data) VALUES (?, ?, ?)", (i, leaf_hash(data), data)),
    ])
    assert idx == i


def test_truncated_tail_is_detected(pristine: Path, tmp_path: Path) -> None:
    idx = _mutate_and_verify(pristine, tmp_path,
                             [("DELETE FROM entries WHERE idx = ?", (N - 1,))])
    assert idx == N - 1


@SETTINGS
@given(which=st.integers(0, 100), pos=st.integers(0, 10_000), bit=st.integers(0, 7))
def test_flipped_bit_in_a_checkpoint(pristine: Path, tmp_path: Path, which: int, pos: int,
                                     bit: int) -> None:
    with sqlite3.connect(pristine) as conn:
        rows = conn.execute("SELECT size, note FROM checkpoints ORDER BY size").fetchall()
    size, note = rows[which % len(rows)]
    raw = bytearray(note.encode())
    raw[pos % len(raw)] ^= 1 << bit
    try:
        mutated = raw.decode("utf-8")
    except UnicodeDecodeError:
        mutated = raw.decode("utf-8", errors="replace")
    _mutate_and_verify(pristine, tmp_path,
                       [("UPDATE checkpoints SET note = ? WHERE size = ?", (mutated, size))])


@SETTINGS
@given(pos=st.integers(0, 10_000), bit=st.integers(0, 7))
def test_flipped_bit_in_a_cosignature(pristine: Path, tmp_path: Path, pos: int,
                                      bit: int) -> None:
    with sqlite3.connect(pristine) as conn:
        size, line = conn.execute("SELECT size, line FROM cosignatures").fetchone()
    raw = bytearray(line.encode())
    raw[pos % len(raw)] ^= 1 << bit
    mutated = raw.decode("utf-8", errors="replace")
    _mutate_and_verify(pristine, tmp_path,
                       [("UPDATE cosignatures SET line = ? WHERE size = ?", (mutated, size))])


def test_sparse_checkpoints_locate_a_range(tmp_path: Path) -> None:
    """With a checkpoint every 4 entries, a forged rewrite is located to its 4-entry range."""
    from medveil.ledger import leaf_hash

    signer = Signer("medveil/log", Ed25519PrivateKey.generate())
    with Ledger.create(tmp_path / "l.sqlite", signer, checkpoint_interval=4) as led:
        for i in range(12):
            led.append([make_entry(i)])
    forged = make_entry(500).encode()
    with sqlite3.connect(tmp_path / "l.sqlite") as conn:  # rewrite data *and* its leaf hash
        conn.execute("UPDATE entries SET data = ?, hashes = ? WHERE idx = 6",
                     (forged, leaf_hash(forged)))
    with Ledger.open(tmp_path / "l.sqlite") as led, pytest.raises(LedgerTampered) as exc:
        verify_ledger(led)
    assert exc.value.index == 4
    assert any("entries 4..7 differ" in p for p in exc.value.problems)
