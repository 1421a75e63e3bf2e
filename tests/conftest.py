from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from medveil.ledger import Ledger, Signer


@pytest.fixture
def signer() -> Signer:
    return Signer("medveil/test-site", Ed25519PrivateKey.generate())


@pytest.fixture
def ledger(tmp_path: Path, signer: Signer) -> Iterator[Ledger]:
    led = Ledger.create(tmp_path / "ledger.sqlite", signer)
    yield led
    led.close()
