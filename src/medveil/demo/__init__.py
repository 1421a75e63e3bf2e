"""`medveil demo`: the platform on synthetic hospitals, end to end.

Today (foundation): three hospital sites, audit events in each ledger, mutual
witnessing, verification, an offline proof — then a one-byte change to a
ledger file and a forked log, both caught.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from rich.console import Console
from rich.table import Table

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
from medveil.site import Site, init_site

__all__ = ["run_demo"]

MARKER = ".medveil-demo"
SITES = ("hospital-a", "hospital-b", "hospital-c")


def _events(site: Site, researcher: str) -> list[Entry]:
    """Audit events a node records during a small study (no patient values)."""
    rid = hashlib.sha256(site.name.encode()).hexdigest()[:12]
    return [
        Entry(actor=site.actor, op="dataset.register", decision="info", dataset="crc_cohort",
              reason="registered table data/crc.parquet", params={"rows": 1200, "columns": 18}),
        Entry(actor=researcher, op="query.count", decision="release", dataset="crc_cohort",
              reason="every released cell >= 5", request_id=f"req-{rid}-1",
              params={"by": ["stage", "sex"], "min_cell": 5},
              result_sha256=hashlib.sha256(b"masked-counts-" + rid.encode()).hexdigest()),
        Entry(actor=researcher, op="query.count", decision="refuse", dataset="crc_cohort",
              reason="cell count 3 is below the threshold 5", request_id=f"req-{rid}-2",
              params={"by": ["stage", "sex", "ethnicity"], "min_cell": 5}),
        Entry(actor=researcher, op="export.rows", decision="deny", dataset="crc_cohort",
              reason="row-level export is not an allowed operation", request_id=f"req-{rid}-3"),
    ]


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
    raw = bytearray(ledger_path.read_bytes())
    at = raw.find(entry)
    if at < 0:
        raise StateError("demo: could not find the entry in the ledger file")
    target = at + entry.index(b"cell count 3") + len("cell count ")
    raw[target] = ord("8")  # "cell count 3" -> "cell count 8"
    ledger_path.write_bytes(bytes(raw))


def run_demo(workdir: Path, console: Console) -> None:
    """Run the demo in ``workdir`` (recreated), printing what happens."""
    _prepare(workdir)
    console.rule("[bold]medveil demo: three hospitals, one tamper-evident audit trail")
    sites = [init_site(workdir / n, n) for n in SITES]
    researcher = hashlib.sha256(b"demo researcher key").hexdigest()[:32]
    for site in sites:
        with site.open_ledger(write=True) as ledger:
            ledger.append(_events(site, researcher))
    console.print(f"created {len(sites)} sites in {workdir}, each with keys, site.toml and a "
                  "ledger of audit events")

    # Every hospital witnesses the other two.
    for w_site in sites:
        with w_site.open_ledger(write=True) as w_ledger:
            w = w_site.witness(w_ledger)
            for l_site in sites:
                if l_site is not w_site:
                    with l_site.open_ledger(write=True) as l_ledger:
                        witness_round(l_ledger, w)
    console.print("each site cosigned the others' checkpoints after checking consistency")

    table = Table(title="medveil ledger verify")
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
        doc = export_proof(ledger, 2)
    proof = verify_proof_document(doc, a.verifier())
    console.print(f"offline proof: entry 2 of {a.name} ({proof.entry.op}, "
                  f"{proof.entry.decision}) verified against its signed checkpoint of size "
                  f"{proof.checkpoint.size} with the public key alone")

    # Tamper with one byte of hospital-b's ledger file.
    b = sites[1]
    with b.open_ledger() as ledger:
        victim = ledger.entry(3)
    _flip_entry_byte(b.ledger_path, victim)
    console.print(f"\n[bold]changing one byte[/] of {b.ledger_path} "
                  "(entry 3: 'cell count 3' -> 'cell count 8') ...")
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
    forged.append(_events(c, researcher)[:2])
    forged.append([Entry(actor=c.actor, op="query.count", decision="release",
                         dataset="crc_cohort", reason="rewritten history")])
    forged.append([Entry(actor=c.actor, op="site.note", decision="info", reason="padding")] * 4)
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
