"""Signed requests: every request carries an Ed25519 signature by its sender.

The signed message binds the method, the path, the SHA-256 of the body, a
timestamp and a random nonce::

    medveil-request-v1\\n<METHOD>\\n<path>\\n<hex sha256(body)>\\n<unix seconds>\\n<nonce>

Headers: ``X-Medveil-Key`` (base64 raw public key), ``X-Medveil-Time``,
``X-Medveil-Nonce`` (32 hex digits) and ``X-Medveil-Signature`` (base64).
A node rejects unknown keys (403), bad signatures, timestamps more than five
minutes off and replayed nonces (401), each with a reason. TLS is pinned by
certificate fingerprint underneath, so responses need no signature of their own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from medveil.ledger._note import raw_public_key

MAX_SKEW_SECONDS = 300
H_KEY = "x-medveil-key"
H_TIME = "x-medveil-time"
H_NONCE = "x-medveil-nonce"
H_SIG = "x-medveil-signature"


def _message(method: str, path: str, body: bytes, timestamp: str, nonce: str) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return f"medveil-request-v1\n{method.upper()}\n{path}\n{digest}\n{timestamp}\n{nonce}".encode()


def public_key_b64(key: Ed25519PublicKey) -> str:
    return base64.b64encode(raw_public_key(key)).decode("ascii")


def sign_request(
    key: Ed25519PrivateKey,
    method: str,
    path: str,
    body: bytes,
    *,
    now: Callable[[], float] = time.time,
) -> dict[str, str]:
    """Headers that authenticate one request (fresh nonce from the OS)."""
    timestamp = str(int(now()))
    nonce = secrets.token_hex(16)
    sig = key.sign(_message(method, path, body, timestamp, nonce))
    return {
        H_KEY: public_key_b64(key.public_key()),
        H_TIME: timestamp,
        H_NONCE: nonce,
        H_SIG: base64.b64encode(sig).decode("ascii"),
    }


class AuthError(Exception):
    """A request that does not authenticate; ``status`` is 401 or 403."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(reason)


class NonceCache:
    """Nonces seen within the freshness window; a repeat is a replay.

    Held in memory: after a restart, replays are still bounded by the
    five-minute timestamp window (a restart takes longer to matter little).
    """

    def __init__(self, window: float = 2 * MAX_SKEW_SECONDS, limit: int = 1_000_000) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._window = window
        self._limit = limit
        self._lock = threading.Lock()

    def add(self, nonce: str, now: float) -> bool:
        """Record ``nonce``; False if it was already seen (a replay)."""
        with self._lock:
            while self._seen and (
                next(iter(self._seen.values())) < now - self._window
                or len(self._seen) >= self._limit
            ):
                self._seen.popitem(last=False)
            if nonce in self._seen:
                return False
            self._seen[nonce] = now
            return True


@dataclass(frozen=True)
class Requester:
    """An authenticated sender: its key (base64) and the access rule's name."""

    key: str
    name: str


def verify_request(
    headers: Mapping[str, str],
    method: str,
    path: str,
    body: bytes,
    *,
    known_keys: Mapping[str, str],
    nonces: NonceCache,
    now: float | None = None,
) -> Requester:
    """Authenticate a request. ``known_keys`` maps base64 public keys to names."""
    now = time.time() if now is None else now
    key_b64 = headers.get(H_KEY)
    timestamp = headers.get(H_TIME)
    nonce = headers.get(H_NONCE)
    sig_b64 = headers.get(H_SIG)
    if not key_b64 or not timestamp or not nonce or not sig_b64:
        raise AuthError(401, "request is not signed (missing X-Medveil-* headers)")
    name = known_keys.get(key_b64)
    if name is None:
        raise AuthError(403, "unknown requester key: not in this site's access list")
    if not timestamp.isdigit() or abs(int(timestamp) - now) > MAX_SKEW_SECONDS:
        raise AuthError(401, "stale or invalid timestamp (more than 5 minutes off)")
    if len(nonce) != 32 or any(c not in "0123456789abcdef" for c in nonce):
        raise AuthError(401, "invalid nonce")
    try:
        sig = base64.b64decode(sig_b64, validate=True)
        pub = Ed25519PublicKey.from_public_bytes(base64.b64decode(key_b64, validate=True))
        pub.verify(sig, _message(method, path, body, timestamp, nonce))
    except (InvalidSignature, ValueError, binascii.Error):
        raise AuthError(401, "bad signature") from None
    if not nonces.add(nonce, now):
        raise AuthError(401, "replayed request (nonce already used)")
    return Requester(key_b64, name)
