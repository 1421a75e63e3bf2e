"""`medveil ledger ...`"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from medveil.cli._common import console, err_console, handled
from medveil.errors import InputError, IntegrityError
from medveil.ledger import (
    SIG_COSIGNATURE_V1,
    Entry,
    Verifier,
    check_witnessed,
    export_proof,
    raw_key_verifier,
    read_proof,
    verify_ledger,
    verify_proof_document,
    witness_round,
    write_proof,
)
from medveil.ledger._note import SignatureLine, split_note
from medveil.site import Site

app = typer.Typer(help="The site's tamper-evident audit ledger.", no_args_is_help=True)

SiteDir = Annotated[Path, typer.Argument(help="Site folder.")]


@app.command("show")
def show(
    site_dir: SiteDir,
    last: Annotated[int, typer.Option("--last", "-n", min=1, help="Show the last N entries.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON entry per line.")] = False,
) -> None:
    """Show the latest entries and the signed checkpoint."""
    with handled():
        site = Site.open(site_dir)
        with site.open_ledger() as ledger:
            size = ledger.size
            rows = list(ledger.iter_entries(max(0, size - last), size))
            if as_json:
                for idx, data in rows:
                    console.print(json.dumps({"index": idx, "entry": json.loads(data)},
                                             ensure_ascii=False), highlight=False, soft_wrap=True)
                return
            cp = ledger.latest_checkpoint()
            table = Table(title=f"{ledger.origin}: last {len(rows)} of {size} entries")
            for col in ("#", "time (UTC)", "actor", "operation", "dataset", "decision", "reason"):
                table.add_column(col, overflow="fold")
            for idx, data in rows:
                e = Entry.decode(data)
                table.add_row(str(idx), e.time, e.actor[:12], e.op, e.dataset or "",
                              e.decision, e.reason)
            console.print(table)
            witnesses = len(ledger.cosignatures(cp.size))
            console.print(f"latest signed checkpoint: size {cp.size}, root "
                          f"{cp.root.hex()[:16]}…, {witnesses} witness cosignature(s)",
                          highlight=False)


@app.command("verify")
def verify(
    site_dir: SiteDir,
    peer: Annotated[list[Path] | None, typer.Option(
        help="Another site folder: check neither log forked since the other cosigned it "
             "(repeatable).")] = None,
) -> None:
    """Recompute the whole tree and check every checkpoint and cosignature.

    Exits 1 and lists every problem (with the entry index) if anything changed.
    """
    with handled():
        site = Site.open(site_dir)
        with site.open_ledger() as ledger, Progress(
            "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=err_console, transient=True,
            disable=not err_console.is_terminal,
        ) as bar:
            task = bar.add_task(f"verifying {ledger.origin}", total=None)
            report = verify_ledger(
                ledger, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
        console.print(f"[bold green]OK[/] {report.origin}: {report.size} entries, "
                      f"root {report.root.hex()}", highlight=False)
        console.print(f"  {report.checkpoints} signed checkpoints verified "
                      f"(latest at size {report.latest_checkpoint}; "
                      f"{report.unsigned_tail} entries after it)", highlight=False)
        console.print(f"  {report.cosignatures} witness cosignatures verified; latest "
                      f"checkpoint cosigned by: {', '.join(report.witnesses) or 'none'}",
                      highlight=False)
        for peer_dir in peer or []:
            other = Site.open(peer_dir)
            with site.open_ledger() as mine, other.open_ledger() as theirs:
                for w, lg in ((mine, theirs), (theirs, mine)):
                    size = check_witnessed(w, lg)
                    seen = "never cosigned" if size is None else f"consistent at size {size}"
                    console.print(f"  {w.origin} witnessed {lg.origin}: {seen}",
                                  highlight=False)


@app.command("checkpoint")
def checkpoint(site_dir: SiteDir) -> None:
    """Sign a checkpoint at the current size now and print it."""
    with handled():
        site = Site.open(site_dir)
        with site.open_ledger(write=True) as ledger:
            console.print(ledger.checkpoint(), end="", highlight=False, markup=False)


@app.command("witness")
def witness(
    witness_dir: Annotated[Path, typer.Argument(help="The witnessing site's folder.")],
    log_dirs: Annotated[list[Path], typer.Argument(help="Site folders whose logs to cosign.")],
) -> None:
    """Cosign other local sites' checkpoints after checking they only grew."""
    with handled():
        w_site = Site.open(witness_dir)
        with w_site.open_ledger(write=True) as w_ledger:
            w = w_site.witness(w_ledger)
            for log_dir in log_dirs:
                l_site = Site.open(log_dir)
                if l_site.root.resolve() == w_site.root.resolve():
                    raise InputError("a site cannot witness its own log", path=log_dir)
                with l_site.open_ledger(write=True) as l_ledger:
                    size = witness_round(l_ledger, w)
                console.print(f"{w_site.name} cosigned {l_site.name} at size {size}",
                              highlight=False)


def _parse_param(text: str) -> tuple[str, str | int]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise InputError("parameters are KEY=VALUE", field="--param")
    return key, int(value) if value.lstrip("-").isdigit() else value


@app.command("record")
def record(
    site_dir: SiteDir,
    op: Annotated[str, typer.Option("--op", help="Operation, e.g. export.approve.")],
    decision: Annotated[str, typer.Option("--decision", help="allow|deny|release|refuse|info")],
    reason: Annotated[str, typer.Option("--reason", help="Why (no patient values).")] = "",
    dataset: Annotated[str | None, typer.Option("--dataset")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", help="KEY=VALUE, repeatable.")]
    = None,
    result_sha256: Annotated[str | None, typer.Option("--result-sha256")] = None,
) -> None:
    """Record an event by hand (e.g. an approval given on paper), signed at once."""
    with handled():
        site = Site.open(site_dir)
        entry = Entry(actor=site.actor, op=op, decision=decision, reason=reason,
                      dataset=dataset, params=dict(_parse_param(p) for p in param or []),
                      result_sha256=result_sha256)
        with site.open_ledger(write=True) as ledger:
            index = ledger.append([entry])
        console.print(f"recorded entry {index}", highlight=False)


@app.command("prove")
def prove(
    site_dir: SiteDir,
    index: Annotated[int, typer.Argument(help="Entry index.", min=0)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Proof file to write.")],
) -> None:
    """Export one entry with its inclusion proof and the signed checkpoint."""
    with handled():
        site = Site.open(site_dir)
        with site.open_ledger() as ledger:
            doc = export_proof(ledger, index)
        write_proof(doc, out)
        console.print(f"wrote proof of entry {index} in a tree of {doc['tree_size']} to {out}",
                      highlight=False)


def load_verifier(
    spec: str, name: str, sig_type: int, candidates: Sequence[SignatureLine] = ()
) -> Verifier:
    """A key from a vkey string, a file holding one, or an Ed25519 PEM public key file.

    A PEM key carries no name; it takes ``name``, or the name of the signature line in
    ``candidates`` whose key ID it matches (witness keys given as PEM).
    """
    path = Path(spec)
    text = spec
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8").strip()
        except UnicodeDecodeError:
            raise InputError("not a key file", path=path) from None
        if text.startswith("-----BEGIN"):
            try:
                key = serialization.load_pem_public_key(text.encode())
            except ValueError:
                raise InputError("not a PEM public key", path=path) from None
            if not isinstance(key, Ed25519PublicKey):
                raise InputError("not an Ed25519 public key", path=path)
            for line in candidates:
                v = raw_key_verifier(line.name, key, sig_type)
                if v.key_id == line.key_id:
                    return v
            return raw_key_verifier(name, key, sig_type)
    elif "+" not in spec:
        raise InputError("no such key file, and not a verifier key string", path=spec)
    try:
        v = Verifier.from_vkey(text)
    except IntegrityError as exc:
        raise InputError(str(exc), path=spec) from None
    if v.sig_type != sig_type:
        v = Verifier(v.name, v.public_key, sig_type)
    return v


@app.command("verify-proof")
def verify_proof(
    proof_file: Annotated[Path, typer.Argument(help="Proof file from `ledger prove`.")],
    pubkey: Annotated[str, typer.Option("--pubkey", help="The log's key: keys/ledger.vkey, "
                                        "keys/identity.pub, or a vkey string.")],
    witness: Annotated[list[str] | None, typer.Option(
        "--witness", help="Require a cosignature by this witness key (repeatable).")] = None,
) -> None:
    """Verify an offline inclusion proof with the log's public key alone."""
    with handled():
        doc = read_proof(proof_file)
        origin = doc.get("origin") if isinstance(doc, dict) else None
        if not isinstance(origin, str):
            raise InputError("missing or not a str", path=proof_file, field="origin")
        log_key = load_verifier(pubkey, origin, 0x01)
        try:
            lines = split_note(str(doc.get("checkpoint", "")))[1]
        except IntegrityError:
            lines = []  # verify_proof_document reports the malformed note
        witnesses = [load_verifier(w, "witness", SIG_COSIGNATURE_V1, lines)
                     for w in witness or []]
        result = verify_proof_document(doc, log_key, witnesses=witnesses,
                                       source=str(proof_file))
        e = result.entry
        console.print(f"[bold green]OK[/] entry {result.index} is in {result.checkpoint.origin} "
                      f"(tree size {result.checkpoint.size}, signed)", highlight=False)
        console.print(f"  {e.time} {e.op} {e.decision} dataset={e.dataset or '-'} "
                      f"reason={e.reason!r}", highlight=False, markup=False)
        if result.witnesses:
            console.print(f"  cosigned by: {', '.join(result.witnesses)}", highlight=False)
