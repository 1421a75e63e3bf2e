"""Signed HTTPS calls to one node, with its certificate pinned."""

from __future__ import annotations

import json
import ssl
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from medveil.errors import (
    DisclosureRefusal,
    InputError,
    IntegrityError,
    MedveilError,
    PolicyRefusal,
)
from medveil.federation._auth import sign_request
from medveil.federation._membership import Member
from medveil.federation._wire import FRAME_MEDIA_TYPE, Frame, decode_frame


class NodeUnavailable(MedveilError):
    """A node could not be reached or did not answer in time."""

    def __init__(self, node: str, reason: str) -> None:
        self.node = node
        super().__init__(f"node {node} is unavailable: {reason}")


def pinned_context(cert_pem: str) -> ssl.SSLContext:
    """Trust exactly this self-signed certificate (pinned by the federation file)."""
    ctx = ssl.create_default_context(cadata=cert_pem)
    ctx.check_hostname = False  # the pinned certificate is the identity, not a DNS name
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


_ERRORS: dict[int, type[MedveilError]] = {
    401: PolicyRefusal, 403: PolicyRefusal, 422: DisclosureRefusal, 409: IntegrityError,
}


class NodeClient:
    """One node as seen by a coordinator: pinned TLS, signed requests, typed errors."""

    def __init__(self, member: Member, key: Ed25519PrivateKey, *, timeout: float = 120.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.member = member
        self._key = key
        self._http = httpx.Client(base_url=member.url, verify=pinned_context(member.tls_cert),
                                  timeout=httpx.Timeout(timeout, connect=10.0),
                                  transport=transport)

    @property
    def name(self) -> str:
        return self.member.name

    def close(self) -> None:
        self._http.close()

    def post(self, path: str, payload: dict[str, Any]) -> httpx.Response:
        body = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()
        headers = sign_request(self._key, "POST", path, body)
        headers["content-type"] = "application/json"
        try:
            resp = self._http.post(path, content=body, headers=headers)
        except (httpx.TransportError, ssl.SSLError) as exc:
            raise NodeUnavailable(self.name, type(exc).__name__) from None
        if resp.status_code >= 400:
            try:
                reason = str(resp.json().get("reason", resp.text[:200]))
            except ValueError:
                reason = resp.text[:200]
            if resp.status_code >= 500:
                raise NodeUnavailable(self.name, f"HTTP {resp.status_code}: {reason}")
            err = _ERRORS.get(resp.status_code, InputError)
            raise err(f"node {self.name} refused (HTTP {resp.status_code}): {reason}")
        return resp

    def post_json(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        resp = self.post(path, payload)
        try:
            data = resp.json()
        except ValueError:
            raise IntegrityError(f"node {self.name}: response is not JSON") from None
        if not isinstance(data, dict):
            raise IntegrityError(f"node {self.name}: response is not a JSON object")
        return data

    def post_frame(self, path: str, payload: dict[str, Any]) -> Frame:
        resp = self.post(path, payload)
        if resp.headers.get("content-type", "") != FRAME_MEDIA_TYPE:
            raise IntegrityError(f"node {self.name}: expected a binary frame")
        return decode_frame(resp.content, source=f"node {self.name}")

    def get_json(self, path: str) -> dict[str, Any]:
        try:
            resp = self._http.get(path)
        except (httpx.TransportError, ssl.SSLError) as exc:
            raise NodeUnavailable(self.name, type(exc).__name__) from None
        if resp.status_code != 200:
            raise NodeUnavailable(self.name, f"HTTP {resp.status_code}")
        data = resp.json()
        if not isinstance(data, dict):
            raise IntegrityError(f"node {self.name}: response is not a JSON object")
        return data
