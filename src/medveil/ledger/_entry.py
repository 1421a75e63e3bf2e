"""Ledger entries: one audit event, stored as canonical JSON.

Canonical form: ``json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` encoded as UTF-8, no NaN or infinities. A stored entry
that is not in exactly this form is treated as tampered.

Entries describe *events*, never data: who (actor key id), what operation, on
which dataset, with which parameters, the decision and its reason, and the
SHA-256 of any released result. Parameters are restricted to short scalars and
lists of short scalars so a caller cannot smuggle a table into the log; keeping
patient values out of them is the caller's duty (ids, counts and hashes only).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from medveil.errors import InputError, IntegrityError

ENTRY_VERSION = 1
MAX_ENTRY_BYTES = 16 * 1024
MAX_PARAM_STRING = 512
MAX_PARAM_LIST = 64
DECISIONS = frozenset({"allow", "deny", "release", "refuse", "info", "error"})
_OP_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
_HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
_TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

Scalar = str | int | float | bool | None
ParamValue = Scalar | list[Scalar]


def actor_id(public_key: bytes) -> str:
    """The id that names a key holder in entries: hex of SHA-256(raw public key)[:16]."""
    return hashlib.sha256(public_key).hexdigest()[:32]


_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
_str: Callable[[str], str] = json.encoder.encode_basestring


def _no_default(obj: object) -> Any:
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def _make_fast_encoder() -> Callable[[Any], str]:
    # The C encoder behind json.dumps, called without the Python wrapper: appends
    # are hot and the wrapper costs more than the encoding of a small dict.
    c_make = getattr(json.encoder, "c_make_encoder", None)
    if c_make is None:  # pragma: no cover - CPython without its accelerator
        return _ENCODER.encode
    c_enc = c_make(None, _no_default, _str, None, ":", ",", True, False, False)
    return lambda obj: "".join(c_enc(obj, 0))


_encode = _make_fast_encoder()


def canonical_json(obj: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no whitespace, UTF-8, finite numbers."""
    return _encode(obj).encode("utf-8")


_second_cache: tuple[int, str] = (-1, "")


def utc_timestamp(moment: datetime | None = None) -> str:
    """RFC 3339 UTC timestamp with milliseconds, e.g. 2026-11-26T23:59:59.123Z."""
    global _second_cache
    if moment is not None:
        moment = moment.astimezone(UTC)
        return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
    ms = time.time_ns() // 1_000_000
    sec, frac = divmod(ms, 1000)
    cached_sec, prefix = _second_cache
    if sec != cached_sec:  # formatting the date part once per second keeps appends fast
        prefix = datetime.fromtimestamp(sec, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _second_cache = (sec, prefix)
    return f"{prefix}.{frac:03d}Z"


def _check_param(key: str, value: Any) -> None:
    if not isinstance(key, str) or not key or len(key) > 64:
        raise InputError("parameter names are 1-64 character strings", field="params")
    items = value if isinstance(value, list) else [value]
    if isinstance(value, list) and len(value) > MAX_PARAM_LIST:
        raise InputError(f"list has more than {MAX_PARAM_LIST} items", field=f"params.{key}")
    for item in items:
        if item is None or isinstance(item, bool | int):
            continue
        if isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                raise InputError("numbers must be finite", field=f"params.{key}")
            continue
        if isinstance(item, str):
            if len(item) > MAX_PARAM_STRING:
                raise InputError(
                    f"strings are at most {MAX_PARAM_STRING} characters", field=f"params.{key}"
                )
            continue
        raise InputError(
            "parameters are scalars or lists of scalars", field=f"params.{key}"
        )


@dataclass(frozen=True)
class Entry:
    """One audit event. Build with keyword arguments; ``encode()`` gives the stored bytes."""

    actor: str
    op: str
    decision: str
    reason: str = ""
    dataset: str | None = None
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    result_sha256: str | None = None
    request_id: str | None = None
    time: str = ""

    def __post_init__(self) -> None:
        if not self.actor or len(self.actor) > 128:
            raise InputError("actor key id is 1-128 characters", field="actor")
        if not _OP_RE.match(self.op):
            raise InputError("operation is a lowercase dotted name", field="op")
        if self.decision not in DECISIONS:
            raise InputError(
                f"decision is one of {', '.join(sorted(DECISIONS))}", field="decision"
            )
        if len(self.reason) > 1024:
            raise InputError("reason is at most 1024 characters", field="reason")
        if self.dataset is not None and (not self.dataset or len(self.dataset) > 128):
            raise InputError("dataset name is 1-128 characters", field="dataset")
        if self.result_sha256 is not None and not _HEX64_RE.match(self.result_sha256):
            raise InputError("result hash is 64 lowercase hex digits", field="result_sha256")
        if self.request_id is not None and not (0 < len(self.request_id) <= 128):
            raise InputError("request id is 1-128 characters", field="request_id")
        if self.time and not _TIME_RE.match(self.time):
            raise InputError("time is RFC 3339 UTC with milliseconds", field="time")
        for k, v in self.params.items():
            _check_param(k, v)
        # A private copy: the caller's mapping may change later; entries are values.
        object.__setattr__(self, "params", {k: list(v) if isinstance(v, list) else v
                                            for k, v in self.params.items()})

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": ENTRY_VERSION,
            "time": self.time or utc_timestamp(),
            "actor": self.actor,
            "op": self.op,
            "dataset": self.dataset,
            "params": dict(self.params),
            "decision": self.decision,
            "reason": self.reason,
            "result_sha256": self.result_sha256,
            "request_id": self.request_id,
        }

    def encode(self) -> bytes:
        """Canonical JSON bytes for storage (fills in the time if unset).

        Written out field by field in sorted-key order because appends are hot;
        equal to ``canonical_json(self.to_dict())`` (a property test holds it so).
        """
        s, ds, rq, rh = _str, self.dataset, self.request_id, self.result_sha256
        data = (
            f'{{"actor":{s(self.actor)},"dataset":{"null" if ds is None else s(ds)},'
            f'"decision":{s(self.decision)},"op":{s(self.op)},'
            f'"params":{_encode(self.params)},"reason":{s(self.reason)},'
            f'"request_id":{"null" if rq is None else s(rq)},'
            f'"result_sha256":{"null" if rh is None else s(rh)},'
            f'"time":{s(self.time or utc_timestamp())},"v":{ENTRY_VERSION}}}'
        ).encode()
        if len(data) > MAX_ENTRY_BYTES:
            raise InputError(f"entry is larger than {MAX_ENTRY_BYTES} bytes")
        return data

    @classmethod
    def decode(cls, data: bytes) -> Entry:
        """Parse stored bytes; raise IntegrityError unless they are a canonical entry."""
        try:
            obj = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise IntegrityError("entry is not UTF-8 JSON") from exc
        if not isinstance(obj, dict) or obj.get("v") != ENTRY_VERSION:
            raise IntegrityError("entry is not a version-1 ledger entry")
        try:
            entry = cls(
                actor=obj["actor"],
                op=obj["op"],
                decision=obj["decision"],
                reason=obj["reason"],
                dataset=obj["dataset"],
                params=obj["params"],
                result_sha256=obj["result_sha256"],
                request_id=obj["request_id"],
                time=obj["time"],
            )
        except (KeyError, TypeError, AttributeError, InputError) as exc:
            raise IntegrityError(f"entry does not have the ledger schema: {exc}") from exc
        if set(obj) != set(entry.to_dict()):
            raise IntegrityError("entry has unknown fields")
        if canonical_json(obj) != data:
            raise IntegrityError("entry is not in canonical JSON form")
        return entry
