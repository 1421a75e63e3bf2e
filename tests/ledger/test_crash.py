"""Kill an appending process repeatedly; the log must verify and hold a prefix each time."""

from __future__ import annotations

import multiprocessing as mp
import random
import time

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from medveil.ledger import Ledger, Signer, verify_ledger
from tests.helpers import append_forever, make_entry

BATCH = 7
KILLS = 8


def test_kill_minus_nine_mid_append_leaves_a_verifiable_prefix(
    ledger: Ledger, signer: Signer
) -> None:
    pem = signer.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path = str(ledger.path)
    ledger.close()
    ctx = mp.get_context("spawn")
    rng = random.Random(20261126)
    sizes = []
    for _ in range(KILLS):
        proc = ctx.Process(target=append_forever, args=(path, pem, signer.name, BATCH))
        proc.start()
        # Let it start up and append for a while, then kill it without warning.
        deadline = time.monotonic() + 60
        with Ledger.open(path) as probe:
            start = probe.size
            while probe.size < start + BATCH and time.monotonic() < deadline:
                time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.15))
        proc.kill()
        proc.join()
        assert proc.exitcode == -9
        # Read-only, as `medveil ledger verify` opens it right after a crash.
        with Ledger.open(path, verifier=signer.verifier()) as led:
            report = verify_ledger(led)
            assert report.size % BATCH == 0  # whole batches only: appends are atomic
            assert report.size >= (sizes[-1] if sizes else 0) + BATCH
            # A prefix of what was appended, in order.
            for i, data in led.iter_entries():
                assert data == make_entry(i).encode()
        sizes.append(report.size)
    assert sizes == sorted(sizes)
