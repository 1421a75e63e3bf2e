"""The coordinator: sends signed requests, sums masked frames, learns only totals.

A round asks every participating node for its masked contribution under a
fresh random request id. Only when *every* participant answered are the
masked vectors summed (the masks cancel only then): a subset sum is uniformly
random, so nothing partial is ever unmasked. A node that is down or times out
is named; by policy the study aborts (default) or re-runs the round without it
under a fresh request id, as long as ``min_sites`` remain.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from medveil.analysis import Totals
from medveil.crypto import decode_counts, decode_floats, decode_scaled, unmask_sum
from medveil.errors import DisclosureRefusal, IntegrityError, MedveilError
from medveil.federation._client import NodeClient, NodeUnavailable
from medveil.federation._membership import Federation
from medveil.federation._wire import Frame

log = logging.getLogger(__name__)

OnFailure = Literal["abort", "continue"]


class StudyAborted(MedveilError):
    """A round could not complete with the required sites; nothing was released."""


class Coordinator:
    """Runs federated rounds over a :class:`Federation` (implements analysis.Aggregator)."""

    def __init__(self, federation: Federation, key: Ed25519PrivateKey, *,
                 min_sites: int = 3, on_failure: OnFailure = "abort", timeout: float = 120.0,
                 progress: Callable[[str], None] | None = None) -> None:
        self.federation = federation
        self.min_sites = min_sites
        self.on_failure = on_failure
        self.clients = {m.name: NodeClient(m, key, timeout=timeout) for m in federation.members}
        self.active = list(federation.names)
        self.dropped: dict[str, str] = {}
        self.rounds = 0
        self._progress = progress
        self._pool = ThreadPoolExecutor(max_workers=max(1, len(self.clients)))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        for c in self.clients.values():
            c.close()

    def __enter__(self) -> Coordinator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- secure aggregation rounds ----------------------------------------------------------

    def aggregate(self, op: str, dataset: str, where: str | None,
                  params: Mapping[str, Any], *, secure: bool = True,
                  frac_bits: int | None = None) -> Totals:
        """One round of ``op`` at every active node; the pooled totals.

        ``frac_bits``: None sends floats as exact two-limb fixed point; an integer
        sends one limb at scale 2^-frac_bits (half the bytes; nodes refuse values
        of magnitude 2^(53 - frac_bits) or more).
        """
        while True:
            if len(self.active) < self.min_sites:
                raise DisclosureRefusal(
                    f"only {len(self.active)} sites available ({', '.join(self.active)}), "
                    f"fewer than the {self.min_sites} a release requires (min_sites)")
            participants = list(self.active)
            rid = secrets.token_hex(16)
            payload = {"request_id": rid, "op": op, "dataset": dataset, "where": where,
                       "params": dict(params), "participants": participants, "secure": secure,
                       "frac_bits": frac_bits}
            if self._progress:
                self._progress(f"round {self.rounds + 1}: {op} at {len(participants)} sites")
            futures = {n: self._pool.submit(self.clients[n].post_frame, "/v1/compute", payload)
                       for n in participants}
            frames: dict[str, Frame] = {}
            down: dict[str, str] = {}
            refusal: MedveilError | None = None
            for name, fut in futures.items():
                try:
                    frames[name] = fut.result()
                except NodeUnavailable as exc:
                    down[name] = str(exc)
                except MedveilError as exc:
                    refusal = refusal or exc
            if refusal is not None:
                raise refusal
            if down:
                names = ", ".join(sorted(down))
                if self.on_failure == "abort":
                    raise StudyAborted(f"{names} did not answer round {self.rounds + 1} ({op}); "
                                       "the study was aborted and nothing was unmasked")
                log.warning("re-running %s without %s under a fresh request id", op, names)
                for n, why in down.items():
                    self.active.remove(n)
                    self.dropped[n] = why
                continue
            self.rounds += 1
            return self._combine(frames, rid, participants, secure, frac_bits)

    def _combine(self, frames: Mapping[str, Frame], rid: str, participants: Sequence[str],
                 secure: bool, frac_bits: int | None) -> Totals:
        first = frames[participants[0]]
        shapes = first.meta.get("shapes")
        if not isinstance(shapes, dict):
            raise IntegrityError(f"node {participants[0]}: frame has no shapes")
        for name, f in frames.items():
            if f.meta.get("request_id") != rid or f.meta.get("site") != name:
                raise IntegrityError(f"node {name}: frame is for another request or site")
            if f.meta.get("shapes") != shapes or set(f.arrays) != set(first.arrays):
                raise IntegrityError(f"node {name}: contribution does not match the others")
        cells: dict[str, np.ndarray] = {}
        sums: dict[str, np.ndarray] = {}
        for key, shape in shapes.items():
            kind, name = key.split("/", 1)
            parts = [frames[p].arrays[key] for p in participants]
            if not secure:
                total = np.sum(np.stack(parts), axis=0)
            elif kind == "cells":
                total = decode_counts(unmask_sum(parts))
            elif frac_bits is None:
                total = decode_floats(unmask_sum(parts))
            else:
                total = decode_scaled(unmask_sum(parts), frac_bits=frac_bits)
            (cells if kind == "cells" else sums)[name] = np.asarray(total).reshape(shape)
        levels: dict[str, set[str]] = {}
        for f in frames.values():
            for col, lv in dict(f.meta.get("levels", {})).items():
                levels.setdefault(col, set()).update(str(x) for x in lv)
        return Totals(cells=cells, sums=sums,
                      levels={k: tuple(sorted(v)) for k, v in levels.items()},
                      n_sites=len(participants))

    # -- other calls ------------------------------------------------------------------------

    def health(self) -> dict[str, dict[str, Any]]:
        """Each node's /health answer (or the error that reaching it gave)."""
        out: dict[str, dict[str, Any]] = {}
        for name, c in self.clients.items():
            try:
                out[name] = c.get_json("/health")
            except MedveilError as exc:
                out[name] = {"status": "down", "error": str(exc)}
        return out

    def datasets(self) -> dict[str, Any]:
        return {n: self.clients[n].post_json("/v1/datasets", {}) for n in self.active}

    def witness(self) -> list[tuple[str, str, int]]:
        """Every active node cosigns every other active node's latest checkpoint.

        Returns (log, witness, size) for each cosignature stored. A refusal (e.g.
        a forked log) raises, naming both nodes.
        """
        done = []
        for log_name in self.active:
            log_client = self.clients[log_name]
            origin = log_client.member.log_origin
            for w_name in self.active:
                if w_name == log_name:
                    continue
                w = self.clients[w_name]
                since = int(w.post_json("/v1/ledger/witnessed", {"origin": origin})["size"])
                cp = log_client.post_json("/v1/ledger/checkpoint", {"since": since})
                line = w.post_json("/v1/ledger/cosign",
                                   {"note": cp["note"], "proof": cp["proof"]})["line"]
                log_client.post_json("/v1/ledger/cosignature",
                                     {"size": int(cp["size"]), "witness": w_name, "line": line})
                done.append((log_name, w_name, int(cp["size"])))
        return done
