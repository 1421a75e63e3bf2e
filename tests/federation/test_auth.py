"""Signed requests: accepted when fresh and signed; every kind of forgery refused."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from medveil.federation import NonceCache, sign_request, verify_request
from medveil.federation._auth import H_NONCE, H_SIG, H_TIME, AuthError, public_key_b64

KEY = Ed25519PrivateKey.generate()
KNOWN = {public_key_b64(KEY.public_key()): "dr-li"}
NOW = 1_800_000_000.0


def _signed(body: bytes = b'{"a":1}', path: str = "/v1/compute") -> dict[str, str]:
    return sign_request(KEY, "POST", path, body, now=lambda: NOW)


def _verify(headers: dict[str, str], body: bytes = b'{"a":1}', path: str = "/v1/compute",
            nonces: NonceCache | None = None, now: float = NOW, known=KNOWN):  # type: ignore[no-untyped-def]
    return verify_request(headers, "POST", path, body, known_keys=known,
                          nonces=nonces or NonceCache(), now=now)


def test_valid_request_names_the_requester() -> None:
    assert _verify(_signed()).name == "dr-li"


@pytest.mark.parametrize(
    ("mutate", "status", "reason"),
    [
        (lambda h: h.pop(H_SIG), 401, "not signed"),
        (lambda h: h.update({H_SIG: h[H_SIG][:-4] + "AAA="}), 401, "bad signature"),
        (lambda h: h.update({H_TIME: str(int(NOW) - 301)}), 401, "stale"),
        (lambda h: h.update({H_TIME: "soon"}), 401, "timestamp"),
        (lambda h: h.update({H_NONCE: "zz"}), 401, "nonce"),
    ],
)
def test_tampered_headers(mutate, status: int, reason: str) -> None:  # type: ignore[no-untyped-def]
    h = _signed()
    mutate(h)
    with pytest.raises(AuthError) as exc:
        _verify(h)
    assert exc.value.status == status and reason in exc.value.reason


def test_body_path_and_method_are_bound() -> None:
    h = _signed()
    for body, path in [(b'{"a":2}', "/v1/compute"), (b'{"a":1}', "/v1/datasets")]:
        with pytest.raises(AuthError, match="bad signature"):
            _verify(h, body=body, path=path)
    with pytest.raises(AuthError, match="bad signature"):
        verify_request(h, "GET", "/v1/compute", b'{"a":1}', known_keys=KNOWN,
                       nonces=NonceCache(), now=NOW)


def test_unknown_key_is_forbidden() -> None:
    other = Ed25519PrivateKey.generate()
    h = sign_request(other, "POST", "/v1/compute", b"", now=lambda: NOW)
    with pytest.raises(AuthError) as exc:
        _verify(h, body=b"")
    assert exc.value.status == 403


def test_replayed_nonce_is_refused() -> None:
    cache = NonceCache()
    h = _signed()
    _verify(h, nonces=cache)
    with pytest.raises(AuthError, match="replayed"):
        _verify(h, nonces=cache, now=NOW + 10)


def test_nonce_cache_forgets_after_the_window() -> None:
    cache = NonceCache(window=600)
    assert cache.add("a" * 32, 0.0)
    assert not cache.add("a" * 32, 100.0)
    assert cache.add("b" * 32, 1000.0)  # evicts "a" (older than the window)
    assert cache.add("a" * 32, 1001.0)
