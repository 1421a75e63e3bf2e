"""The node service: one per site, serving vetted operations over signed HTTPS.

Every request is authenticated (``_auth``), checked against the site's access
rules, validated (pydantic), run through a vetted operation shipped in this
package (no code is ever sent to a node), checked by disclosure control, masked
for secure aggregation, and recorded in the site's ledger with the SHA-256 of
exactly what left.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import logging
import resource
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from medveil._version import __version__
from medveil.analysis import NODE_OPS, Contribution, columns_read, parse_where
from medveil.crypto import encode_counts, encode_floats, encode_scaled, mask
from medveil.errors import (
    DisclosureRefusal,
    InputError,
    IntegrityError,
    MedveilError,
    PolicyRefusal,
)
from medveil.federation._auth import AuthError, NonceCache, Requester, verify_request
from medveil.federation._data import DatasetCache
from medveil.federation._membership import Federation, Member
from medveil.federation._ops import PLAIN_OK_OPS, SERVICE_OPS
from medveil.federation._wire import (
    FRAME_MEDIA_TYPE,
    MAX_REQUEST_BYTES,
    CheckpointRequest,
    ComputeRequest,
    CosignatureRequest,
    CosignRequest,
    Frame,
    WitnessedRequest,
    encode_frame,
)
from medveil.gwas._node import GWAS_OPS, run_gwas_op
from medveil.ledger import Entry, Witness, actor_id
from medveil.ledger._note import b64decode_strict, b64encode
from medveil.policy import DisclosureThresholds, check_release
from medveil.site import Site

log = logging.getLogger(__name__)


def _params_summary(params: Mapping[str, Any]) -> dict[str, Any]:
    """What of a request's parameters goes into the ledger: names, not numbers."""
    out: dict[str, Any] = {}
    for k, v in params.items():
        if isinstance(v, str | int | bool) or v is None:
            out[k] = v if not isinstance(v, str) else v[:200]
        elif isinstance(v, list) and all(isinstance(x, str) for x in v):
            out[k] = [x[:100] for x in v[:32]]
        else:
            out[k] = hashlib.sha256(json.dumps(v, sort_keys=True, default=str).encode()
                                    ).hexdigest()[:16]
    return out


class NodeService:
    """State of one running node: site, keys, ledger, data, replay caches."""

    def __init__(self, site: Site, federation: Federation) -> None:
        self.site = site
        self.federation = federation
        cfg = site.config
        self.me = site.name
        if self.me not in federation.names:
            raise InputError(f"site {self.me!r} is not a member of its federation file",
                             field="federation.members")
        self.thresholds = DisclosureThresholds(
            min_cell=cfg.disclosure.min_cell, min_records=cfg.disclosure.min_records,
            min_sites=cfg.disclosure.min_sites, max_param_ratio=cfg.disclosure.max_param_ratio,
            min_time_grid=cfg.disclosure.min_time_grid)
        self.rules = {rule.key: rule for rule in cfg.access}
        self.known_keys = {rule.key: rule.name for rule in cfg.access}
        self.nonces = NonceCache()
        self.data = DatasetCache(site)
        self._ledger = site.open_ledger(write=True)
        self._ledger_lock = threading.Lock()
        self._witness = Witness(self._ledger, site.signer())
        kex = load_pem_private_key(site.path(cfg.keys.kex).read_bytes(), None)
        if not isinstance(kex, X25519PrivateKey):
            raise InputError("not an X25519 private key", path=site.path(cfg.keys.kex))
        self._kex = kex
        self._request_ids: OrderedDict[str, None] = OrderedDict()
        self._rid_lock = threading.Lock()

    # -- ledger ----------------------------------------------------------------------------

    def record(self, requester: Requester | None, op: str, decision: str, reason: str, *,
               dataset: str | None = None, params: Mapping[str, Any] | None = None,
               result: bytes | None = None, request_id: str | None = None) -> None:
        actor = (actor_id(base64.b64decode(requester.key)) if requester else "anonymous")
        entry = Entry(actor=actor, op=op, decision=decision, reason=reason[:1024],
                      dataset=dataset, params=_params_summary(params or {}),
                      result_sha256=hashlib.sha256(result).hexdigest() if result else None,
                      request_id=request_id)
        with self._ledger_lock:
            self._ledger.append([entry])

    def close(self) -> None:
        self._ledger.close()

    # -- policy ----------------------------------------------------------------------------

    def authorize(self, requester: Requester, op: str, dataset: str | None) -> None:
        rule = self.rules[requester.key]
        if not any(fnmatch.fnmatchcase(op, pat) for pat in rule.operations):
            raise PolicyRefusal(f"{rule.name} ({rule.role}) may not run {op!r} at this site")
        if dataset is not None and not any(
                fnmatch.fnmatchcase(dataset, pat) for pat in rule.datasets):
            raise PolicyRefusal(f"{rule.name} ({rule.role}) may not use dataset {dataset!r}")

    def _fresh_request_id(self, rid: str) -> None:
        with self._rid_lock:
            if rid in self._request_ids:
                raise PolicyRefusal(f"request id {rid} was already used: masks are one-time")
            self._request_ids[rid] = None
            while len(self._request_ids) > 100_000:
                self._request_ids.popitem(last=False)

    # -- compute ---------------------------------------------------------------------------

    def compute(self, requester: Requester, req: ComputeRequest) -> bytes:
        node_op = NODE_OPS.get(req.op) if req.op not in SERVICE_OPS else None
        service_op = SERVICE_OPS.get(req.op)
        genomic = req.op in GWAS_OPS
        if node_op is None and service_op is None and not genomic:
            raise PolicyRefusal(f"{req.op!r} is not a vetted operation of this node")
        # Service operations read no dataset, so only the operation is authorized.
        self.authorize(requester, req.op,
                       req.dataset if node_op is not None or genomic else None)
        if not req.secure and req.op not in PLAIN_OK_OPS:
            raise PolicyRefusal(f"{req.op!r} releases only through secure aggregation")
        participants = list(req.participants)
        if self.me not in participants:
            raise InputError("this node is not among the participants", field="participants")
        if len(set(participants)) != len(participants):
            raise InputError("participants are not unique", field="participants")
        unknown = [p for p in participants if p not in self.federation.names]
        if unknown:
            raise PolicyRefusal(f"participants not in this node's federation: {unknown}")
        if len(participants) < self.thresholds.min_sites:
            raise DisclosureRefusal(
                f"{len(participants)} participating sites, fewer than {self.thresholds.min_sites}"
                " (min_sites): a small aggregate could reveal one site's contribution")
        self._fresh_request_id(req.request_id)
        if service_op is not None:
            contrib = service_op(req.params)
        elif genomic:
            if req.where:
                raise InputError("a genotype dataset takes no --where filter", field="where")
            contrib = run_gwas_op(req.op, self.data.genotypes(req.dataset), req.params,
                                  thresholds=self.thresholds)
            check_release(contrib.cells, contrib.n_records, self.thresholds,
                          n_parameters=contrib.n_parameters)
        else:
            assert node_op is not None
            idents = self.data.identifiers(req.dataset)
            used = idents.intersection(columns_read(req.op, req.params))
            df = self.data.get(req.dataset)
            if req.where:
                where = parse_where(req.where, [*df.columns, *idents])
                used |= idents.intersection(where.columns)
                if used:
                    raise PolicyRefusal(f"identifier column(s) {sorted(used)} are never "
                                        "queryable at this site")
                df = df[where.mask(df)]
            if used:
                raise PolicyRefusal(f"identifier column(s) {sorted(used)} are never queryable "
                                    "at this site")
            contrib = node_op(df, req.params, thresholds=self.thresholds)
            check_release(contrib.cells, contrib.n_records, self.thresholds,
                          n_parameters=contrib.n_parameters, time_grid=contrib.time_grid)
        return encode_frame(self._mask(contrib, req, participants))

    def _mask(self, c: Contribution, req: ComputeRequest, participants: list[str]) -> Frame:
        peers = {m.name: m.kex_key for m in self.federation.members
                 if m.name in participants and m.name != self.me}
        arrays: dict[str, Any] = {}
        shapes: dict[str, list[int]] = {}
        for kind, items in (("cells", c.cells), ("sums", c.sums)):
            for key, arr in items.items():
                a = np.asarray(arr)
                shapes[f"{kind}/{key}"] = list(a.shape)
                if not req.secure:
                    arrays[f"{kind}/{key}"] = a.astype("<i8" if kind == "cells" else "<f8")
                    continue
                if kind == "cells":
                    enc = encode_counts(a.astype(np.int64).ravel())
                elif req.frac_bits is None:
                    enc = encode_floats(a.astype(np.float64).ravel())
                else:
                    enc = encode_scaled(a.astype(np.float64).ravel(), frac_bits=req.frac_bits)
                arrays[f"{kind}/{key}"] = mask(enc, me=self.me, my_private=self._kex,
                                               peers=peers, request_id=req.request_id,
                                               participants=participants)
        meta = {"site": self.me, "request_id": req.request_id, "shapes": shapes,
                "levels": {k: list(v) for k, v in c.levels.items()}, "secure": req.secure,
                "frac_bits": req.frac_bits}
        return Frame(arrays, meta)

    # -- witnessing ------------------------------------------------------------------------

    def checkpoint(self, req: CheckpointRequest) -> dict[str, Any]:
        with self._ledger_lock:
            note = self._ledger.checkpoint()
            size = self._ledger.latest_checkpoint().size
            proof = (self._ledger.consistency_proof(req.since, size)
                     if 0 < req.since <= size else [])
        return {"note": note, "size": size, "proof": [b64encode(h) for h in proof]}

    def witnessed(self, req: WitnessedRequest) -> dict[str, Any]:
        prev = self._ledger.witnessed(req.origin)
        return {"size": 0 if prev is None else prev[1]}

    def _member_by_origin(self, origin: str) -> Member:
        for m in self.federation.members:
            if m.log_origin == origin:
                return m
        raise PolicyRefusal(f"log {origin!r} is not a member of this node's federation")

    def cosign(self, req: CosignRequest) -> dict[str, Any]:
        origin = req.note.split("\n", 1)[0]
        member = self._member_by_origin(origin)
        if member.name == self.me:
            raise InputError("a node does not witness its own log")
        proof = [b64decode_strict(h, "consistency proof hash") for h in req.proof]
        with self._ledger_lock:
            line = self._witness.cosign(req.note, member.ledger_verifier, proof)
        return {"line": line, "witness": self.me}

    def add_cosignature(self, req: CosignatureRequest) -> dict[str, Any]:
        member = self.federation.member(req.witness)
        with self._ledger_lock:
            self._ledger.add_cosignature(req.size, member.cosigner, req.line)
        return {"stored": True}

    def identity(self) -> dict[str, Any]:
        me = self.federation.member(self.me)
        return {"name": me.name, "origin": me.log_origin,
                "identity": base64.b64encode(me.identity).decode(),
                "kex": base64.b64encode(me.kex).decode(), "tls_sha256": me.tls_sha256,
                "tls_cert": me.tls_cert, "version": __version__}

    def datasets(self) -> dict[str, Any]:
        out = []
        for ds in self.site.config.datasets:
            df = self.data.get(ds.name)
            out.append({"name": ds.name, "rows_over_threshold": len(df) >= 10,
                        "columns": {c: str(t) for c, t in df.dtypes.items()}})
        return {"datasets": out}


_STATUS = {
    PolicyRefusal: (403, "refused"),
    DisclosureRefusal: (422, "disclosure"),
    InputError: (400, "bad_request"),
    IntegrityError: (409, "integrity"),
}


def _status_of(exc: MedveilError) -> tuple[int, str]:
    """The HTTP status and error kind a refusal or failure answers with."""
    return next(((s, k) for t, (s, k) in _STATUS.items() if isinstance(exc, t)), (400, "error"))


def _error(status: int, kind: str, reason: str) -> JSONResponse:
    return JSONResponse({"error": kind, "reason": reason}, status_code=status)


def create_app(service: NodeService) -> FastAPI:
    """The node's HTTP API (OpenAPI at /openapi.json)."""
    app = FastAPI(title=f"medveil node {service.me}", version=__version__,
                  description="Vetted federated operations over signed requests; "
                              "responses are masked binary frames.")

    async def _authenticated(request: Request) -> tuple[Requester, bytes]:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_REQUEST_BYTES):
            raise _TooLarge()
        body = await request.body()
        if len(body) > MAX_REQUEST_BYTES:
            raise _TooLarge()
        requester = verify_request(request.headers, request.method, request.url.path, body,
                                   known_keys=service.known_keys, nonces=service.nonces)
        return requester, body

    def _run(op_name: str, requester: Requester | None, fn: Any, *args: Any,
             dataset: str | None = None, params: Mapping[str, Any] | None = None,
             request_id: str | None = None, log_allow: bool = True) -> Response:
        try:
            result = fn(*args)
        except MedveilError as exc:
            status, kind = _status_of(exc)
            decision = "refuse" if status in (403, 422) else "error"
            service.record(requester, op_name, decision, str(exc), dataset=dataset,
                           params=params, request_id=request_id)
            return _error(status, kind, str(exc))
        if isinstance(result, bytes):
            if log_allow:
                service.record(requester, op_name, "release", "released masked aggregate",
                               dataset=dataset, params=params, result=result,
                               request_id=request_id)
            return Response(result, media_type=FRAME_MEDIA_TYPE)
        if log_allow:
            body = json.dumps(result, sort_keys=True, default=str).encode()
            service.record(requester, op_name, "allow", "answered", dataset=dataset,
                           params=params, result=body, request_id=request_id)
        return JSONResponse(result)

    @app.exception_handler(AuthError)
    async def _auth_error(request: Request, exc: AuthError) -> JSONResponse:
        service.record(None, "request.auth", "deny", f"{request.url.path}: {exc.reason}")
        return _error(exc.status, "unauthorized" if exc.status == 401 else "forbidden",
                      exc.reason)

    @app.exception_handler(_TooLarge)
    async def _too_large(request: Request, exc: _TooLarge) -> JSONResponse:
        return _error(413, "too_large", f"request body over {MAX_REQUEST_BYTES} bytes")

    @app.get("/health")
    def health() -> dict[str, Any]:
        """Liveness, version and the node's peak memory (an operational figure)."""
        return {"status": "ok", "site": service.me, "version": __version__,
                "peak_rss_mb": round(_peak_rss_mb(), 1)}

    @app.get("/v1/identity")
    def identity() -> dict[str, Any]:
        """Public identity: keys and certificate fingerprint (no authentication)."""
        return service.identity()

    def _parse(model: Any, body: bytes) -> Any:
        try:
            return model.model_validate_json(body)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "body"
            raise InputError(f"{err['msg']}", field=field) from None

    @app.post("/v1/compute", openapi_extra={"requestBody": {"content": {
        "application/json": {"schema": ComputeRequest.model_json_schema()}}}})
    async def compute(request: Request) -> Response:
        """Run a vetted operation; the response is a masked binary frame."""
        requester, body = await _authenticated(request)
        try:
            req = _parse(ComputeRequest, body)
        except InputError as exc:
            service.record(requester, "compute", "error", str(exc))
            return _error(400, "bad_request", str(exc))
        response: Response = await _in_thread(
            _run, req.op, requester, service.compute, requester, req, dataset=req.dataset,
            params={**req.params, "where": req.where, "participants": req.participants},
            request_id=req.request_id)
        return response

    @app.post("/v1/datasets")
    async def datasets(request: Request) -> Response:
        requester, _ = await _authenticated(request)

        def listing() -> dict[str, Any]:
            service.authorize(requester, "datasets.list", None)
            return service.datasets()

        response: Response = await _in_thread(_run, "datasets.list", requester, listing)
        return response

    def _witness_endpoint(path: str, model: Any, method_name: str) -> None:
        async def endpoint(request: Request) -> Response:
            requester, body = await _authenticated(request)
            try:
                req = _parse(model, body)
                service.authorize(requester, "ledger.witness", None)
            except MedveilError as exc:
                status = 403 if isinstance(exc, PolicyRefusal) else 400
                service.record(requester, "ledger.witness", "refuse", str(exc))
                return _error(status, "refused" if status == 403 else "bad_request", str(exc))
            fn = getattr(service, method_name)
            try:
                return JSONResponse(await _in_thread(fn, req))
            except MedveilError as exc:
                status, kind = _status_of(exc)
                if status != 409:
                    service.record(requester, f"ledger.{method_name}", "refuse", str(exc))
                return _error(status, kind, str(exc))

        endpoint.__name__ = f"ledger_{method_name}"
        app.post(path, openapi_extra={"requestBody": {"content": {
            "application/json": {"schema": model.model_json_schema()}}}})(endpoint)

    _witness_endpoint("/v1/ledger/checkpoint", CheckpointRequest, "checkpoint")
    _witness_endpoint("/v1/ledger/witnessed", WitnessedRequest, "witnessed")
    _witness_endpoint("/v1/ledger/cosign", CosignRequest, "cosign")
    _witness_endpoint("/v1/ledger/cosignature", CosignatureRequest, "add_cosignature")
    return app


class _TooLarge(Exception):
    pass


def _peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: on Linux the latter
    carries over the parent's RSS at fork, which would charge the launcher to the node."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _in_thread(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run blocking work (pandas, SQLite, crypto) off the event loop."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args, **kwargs)
