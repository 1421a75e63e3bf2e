"""Shared test helpers (importable from subprocesses, unlike conftest)."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from medveil.ledger import Entry, Ledger, Signer


def make_entry(i: int) -> Entry:
    return Entry(
        actor="a" * 32,
        op="query.count",
        decision="release" if i % 3 else "refuse",
        reason=f"event {i}",
        dataset="crc_cohort",
        params={"by": ["stage", "sex"], "n": i},
        request_id=f"req-{i}",
        time="2026-11-26T12:00:00.000Z",
    )


def signer_from_pem(pem: bytes, name: str) -> Signer:
    key = load_pem_private_key(pem, None)
    assert isinstance(key, Ed25519PrivateKey)
    return Signer(name, key)


def append_forever(path: str, pem: bytes, name: str, batch: int) -> None:
    """Append batches until killed (the crash test's victim process)."""
    with Ledger.open(path, signer=signer_from_pem(pem, name)) as led:
        i = led.size
        while True:
            led.append([make_entry(i + k) for k in range(batch)])
            i += batch


def append_range(path: str, pem: bytes, name: str, start: int, count: int) -> None:
    with Ledger.open(path, signer=signer_from_pem(pem, name)) as led:
        for i in range(start, start + count):
            led.append([make_entry(i)])
