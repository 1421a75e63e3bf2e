"""`medveil demo`: the platform on synthetic hospitals, end to end.

1. Three synthetic colorectal-cancer hospitals (5,000 / 3,000 / 2,000 patients,
   not identically distributed) each get a site folder, keys, a dataset with its
   identifying columns withheld, and a researcher granted access.
2. Real nodes start on loopback; a federated descriptive study runs through
   secure aggregation; every result is printed beside the pooled computation;
   an HTML report with charts is written; the nodes cosign each other's ledgers.
3. The ledgers verify — then one byte of one ledger file is changed and a
   forked log is offered to a witness, and both are caught.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from medveil.demo._study import run_study, setup_sites
from medveil.errors import IntegrityError, LedgerTampered, StateError
from medveil.ledger import (
    Entry,
    Ledger,
    LogInconsistent,
    export_proof,
    verify_ledger,
    verify_proof_document,
    witness_round,
)

__all__ = ["run_demo"]

MARKER = ".medveil-demo"
SITES = ("hospital-a", "hospital-b", "hospital-c")


def _first_release(ledger: Ledger) -> int:
    for i, data in ledger.iter_entries():
        if Entry.decode(data).decision == "release":
            return i
    raise StateError("demo: no release in the ledger")


def _prepare(workdir: Path) -> None:
    if workdir.exists():
        if not (workdir / MARKER).exists() and any(workdir.iterdir()):
            raise StateError(f"{workdir}: exists and is not a medveil demo folder; "
                             "refusing to delete it")
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / MARKER).write_text("created by `medveil demo`; safe to delete\n")


def _flip_entry_byte(ledger_path: Path, entry: bytes) -> None:
    """Change one byte of a stored entry in the SQLite file, as an intruder would."""
    with contextlib.closing(sqlite3.connect(ledger_path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # bring every page into the file
    raw = bytearray(ledger_path.read_bytes())
    at = raw.find(entry)
    if at < 0:
        raise StateError("demo: could not find the entry in the ledger file")
    target = at + entry.index(b'"decision":"release"') + len('"decision":"')
    raw[target] = ord("R")  # "release" -> "Release"
    ledger_path.write_bytes(bytes(raw))


def run_demo(workdir: Path, console: Console, *, sizes: Sequence[int] = (5000, 3000, 2000),
             seed: int = 2026) -> None:
    """Run the demo in ``workdir`` (recreated), printing what happens."""
    _prepare(workdir)
    console.rule("[bold]medveil demo: a federated study across three hospitals")
    sites, key_path, pooled = setup_sites(workdir, sizes, seed)
    listing = ", ".join(f"{s.name}: {n:,} patients" for s, n in zip(sites, sizes, strict=True))
    console.print(f"created {len(sites)} hospital sites in {workdir} ({listing}); identifying "
                  "columns (names, resident IDs, phones, MRNs) are withheld by each site.toml",
                  highlight=False)
    run_study(sites, key_path, pooled, workdir, console)

    console.rule("[bold]the audit trail")

    table = Table(title="medveil ledger verify (after the study and cross-site witnessing)")
    for col in ("site", "entries", "checkpoints", "cosignatures", "latest cosigned by", "result"):
        table.add_column(col)
    for site in sites:
        with site.open_ledger() as ledger:
            r = verify_ledger(ledger)
        table.add_row(site.name, str(r.size), str(r.checkpoints), str(r.cosignatures),
                      ", ".join(w.split("/")[-1] for w in r.witnesses) or "-", "[green]OK")
    console.print(table)

    # An offline proof that anyone can check with hospital-a's public key.
    a = sites[0]
    with a.open_ledger() as ledger:
        first_release = _first_release(ledger)
        doc = export_proof(ledger, first_release)
    proof = verify_proof_document(doc, a.verifier(), witnesses=[
        s.witness_cosigner() for s in sites[1:]])
    console.print(f"offline proof: entry {first_release} of {a.name} ({proof.entry.op}, "
                  f"{proof.entry.decision}, result sha256 "
                  f"{(proof.entry.result_sha256 or '')[:12]}…) "
                  f"verified against its checkpoint of size {proof.checkpoint.size} with "
                  f"public keys alone, cosigned by {', '.join(proof.witnesses)}",
                  highlight=False)

    # Tamper with one byte of hospital-b's ledger file.
    b = sites[1]
    with b.open_ledger() as ledger:
        victim_index = _first_release(ledger)
        victim = ledger.entry(victim_index)
    _flip_entry_byte(b.ledger_path, victim)
    console.print(f"\n[bold]changing one byte[/] of {b.ledger_path} "
                  f"(entry {victim_index}: decision 'release' -> 'Release') ...",
                  highlight=False)
    try:
        with b.open_ledger() as ledger:
            verify_ledger(ledger)
    except LedgerTampered as exc:
        console.print(f"[bold red]TAMPERED[/] {b.name}: detected at entry {exc.index}")
        for p in exc.problems:
            console.print(f"  - {p}", markup=False, highlight=False)
    else:  # pragma: no cover - the demo's point is that this cannot happen
        raise IntegrityError("demo: the tampered ledger verified")

    # hospital-c forks: rewrites its history with its own key; a witness refuses.
    c = sites[2]
    forged_path = workdir / "hospital-c-forged.sqlite"
    forged = Ledger.create(forged_path, c.signer())
    with c.open_ledger() as real:
        forged.append([Entry.decode(real.entry(0))])
        forged.append([Entry(actor=c.actor, op="stats.count", decision="release",
                             dataset="crc", reason="rewritten history")] * real.size)
    with a.open_ledger(write=True) as a_ledger:
        try:
            witness_round(forged, a.witness(a_ledger))
        except LogInconsistent as exc:
            console.print(f"[bold red]REFUSED[/] {a.name} will not cosign the rewritten log "
                          f"of {c.name}:", highlight=False)
            console.print(f"  {exc}", markup=False, highlight=False)
        else:  # pragma: no cover
            raise IntegrityError("demo: a witness cosigned a forked log")
        finally:
            forged.close()
    console.print(f"\nTry it yourself:  medveil ledger verify {b.root}   "
                  f"(exit code 1: tampered)\n                  medveil ledger show {a.root}")
