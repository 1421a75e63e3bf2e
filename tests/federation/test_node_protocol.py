"""The node's HTTP boundary, over real HTTPS on loopback: auth, validation, refusals."""

from __future__ import annotations

import json
import secrets
from dataclasses import replace

import httpx
import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from medveil.errors import DisclosureRefusal, InputError, PolicyRefusal
from medveil.federation import (
    Coordinator,
    Federation,
    NodeClient,
    StudyAborted,
    decode_frame,
    pinned_context,
    sign_request,
)
from medveil.federation._wire import MAX_REQUEST_BYTES
from medveil.ledger import Entry
from tests.federation.conftest import Study


def _http(study: Study, i: int = 0) -> httpx.Client:
    m = study.fed.members[i]
    return httpx.Client(base_url=m.url, verify=pinned_context(m.tls_cert), timeout=30)


def _compute(study: Study, **over: object) -> dict[str, object]:
    body = {"request_id": secrets.token_hex(16), "op": "bench.vector", "dataset": "-",
            "params": {"length": 8, "seed": 1}, "participants": study.fed.names[:3],
            "secure": True}
    body.update(over)
    return body


def _body(d: dict[str, object]) -> bytes:
    return json.dumps(d, separators=(",", ":")).encode()


def _post(study: Study, body: bytes, key: Ed25519PrivateKey | None = None,
          headers: dict[str, str] | None = None, path: str = "/v1/compute") -> httpx.Response:
    h = sign_request(key or study.key, "POST", path, body)
    h.update(headers or {})
    with _http(study) as c:
        return c.post(path, content=body, headers=h)


def test_health_identity_and_openapi(study: Study) -> None:
    with _http(study) as c:
        assert c.get("/health").json()["status"] == "ok"
        ident = c.get("/v1/identity").json()
        assert ident["name"] == "site-a"
        assert ident["tls_sha256"] == study.fed.members[0].tls_sha256
        assert "PRIVATE" not in json.dumps(ident)
        spec = c.get("/openapi.json").json()
        assert "/v1/compute" in spec["paths"]
        assert "ComputeRequest" in json.dumps(spec) or "request_id" in json.dumps(spec)


def test_tls_is_pinned(study: Study) -> None:
    other = study.fed.members[1]
    client = httpx.Client(base_url=study.fed.members[0].url,
                          verify=pinned_context(other.tls_cert))
    with client, pytest.raises(httpx.ConnectError):
        client.get("/health")


def test_unsigned_unknown_replayed_and_tampered_requests(study: Study) -> None:
    body = _body(_compute(study))
    with _http(study) as c:
        r = c.post("/v1/compute", content=body)
        assert r.status_code == 401 and "not signed" in r.json()["reason"]
    r = _post(study, body, key=Ed25519PrivateKey.generate())
    assert r.status_code == 403 and "unknown requester key" in r.json()["reason"]
    h = sign_request(study.key, "POST", "/v1/compute", body)
    with _http(study) as c:
        assert c.post("/v1/compute", content=body, headers=h).status_code == 200
        r = c.post("/v1/compute", content=body, headers=h)
        assert r.status_code == 401 and "replayed" in r.json()["reason"]
        h2 = sign_request(study.key, "POST", "/v1/compute", body)
        r = c.post("/v1/compute", content=body.replace(b'"length":8', b'"length":9'),
                   headers=h2)
        assert r.status_code == 401 and "bad signature" in r.json()["reason"]
    r = _post(study, body, headers={"x-medveil-time": "1000"})
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("over", "status", "reason"),
    [
        ({"op": "os.system"}, 403, "not a vetted operation"),
        ({"request_id": "short"}, 400, "request_id"),
        ({"participants": ["site-a", "site-b"]}, 422, "min_sites"),
        ({"participants": ["site-a", "site-b", "nowhere"]}, 403, "not in this node's federation"),
        ({"participants": ["site-b", "site-c", "site-d"]}, 400, "not among the participants"),
        ({"extra": 1}, 400, "extra"),
        ({"params": {"length": -1}}, 400, "length"),
    ],
)
def test_invalid_compute_requests(study: Study, over: dict, status: int, reason: str) -> None:  # type: ignore[type-arg]
    r = _post(study, _body(_compute(study, **over)))
    assert r.status_code == status, r.text
    assert reason in r.json()["reason"]


def test_malformed_and_oversized_bodies(study: Study) -> None:
    r = _post(study, b"{not json")
    assert r.status_code == 400
    r = _post(study, b"x" * (MAX_REQUEST_BYTES + 1))
    assert r.status_code == 413


def test_request_ids_are_one_time(study: Study) -> None:
    body = _compute(study)
    assert _post(study, _body(body)).status_code == 200
    r = _post(study, _body(body))
    assert r.status_code == 403 and "already used" in r.json()["reason"]


def test_masked_contribution_reveals_nothing_alone(study: Study) -> None:
    body = _compute(study, params={"length": 4096, "seed": 3})
    frame = decode_frame(_post(study, _body(body)).content)
    limbs = frame.arrays["sums/v"]
    assert limbs.dtype == np.dtype("<u8") and limbs.shape == (2, 4096)
    # The hi limbs of plain values near 0 would be 0 or 2^64-1; masked ones are uniform.
    top = limbs[0] >> np.uint64(60)
    assert len(np.unique(top)) == 16


def test_secure_sum_equals_plain_sum_over_http(study: Study) -> None:
    fed = replace(study.fed, members=study.fed.members[:3])
    with Coordinator(fed, study.key) as coord:
        secure = coord.aggregate("bench.vector", "-", None, {"length": 1000, "seed": 5})
        plain = coord.aggregate("bench.vector", "-", None, {"length": 1000, "seed": 5},
                                secure=False)
        one_limb = coord.aggregate("bench.vector", "-", None, {"length": 1000, "seed": 5},
                                   frac_bits=40)
        with pytest.raises(InputError, match="single-limb range"):
            coord.aggregate("bench.vector", "-", None, {"length": 1000, "seed": 5},
                            frac_bits=52)  # |x| must stay below 2: the node refuses
    np.testing.assert_allclose(secure.sums["v"], plain.sums["v"], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(one_limb.sums["v"], plain.sums["v"], rtol=0, atol=3 * 2.0**-41)
    assert secure.n_sites == 3


def test_node_down_aborts_or_continues(study: Study) -> None:
    dead = replace(study.fed.members[3], url="https://127.0.0.1:9")  # nothing listens on 9
    fed = Federation((*study.fed.members[:3], dead))
    with Coordinator(fed, study.key) as coord, pytest.raises(StudyAborted) as exc:
        coord.aggregate("bench.vector", "-", None, {"length": 10, "seed": 1})
    assert "site-d" in str(exc.value) and "nothing was unmasked" in str(exc.value)
    with Coordinator(fed, study.key, on_failure="continue") as coord:
        t = coord.aggregate("bench.vector", "-", None, {"length": 10, "seed": 1})
        assert t.n_sites == 3 and set(coord.dropped) == {"site-d"}
    fed2 = Federation((*study.fed.members[:2], dead))
    with Coordinator(fed2, study.key, on_failure="continue") as coord, \
            pytest.raises(DisclosureRefusal, match="min_sites"):
        coord.aggregate("bench.vector", "-", None, {"length": 10, "seed": 1})


def test_every_request_and_refusal_is_in_the_ledger(study: Study) -> None:
    r = _post(study, _body(_compute(study, op="os.system")))
    assert r.status_code == 403
    client = NodeClient(study.fed.members[0], study.key)
    try:
        cp = client.post_json("/v1/ledger/checkpoint", {"since": 0})
    finally:
        client.close()
    assert cp["size"] > 0
    ledger = study.sites[0].open_ledger()
    try:
        ops = [Entry.decode(d) for _, d in ledger.iter_entries()]
    finally:
        ledger.close()
    assert any(e.op == "os.system" and e.decision == "refuse" for e in ops)
    assert any(e.op == "bench.vector" and e.decision == "release" and e.result_sha256
               for e in ops)
    assert any(e.op == "request.auth" and e.decision == "deny" for e in ops)


def test_policy_refuses_unauthorized_operations_and_datasets(study: Study) -> None:
    limited = NodeClient(study.fed.members[0], study.limited)
    full = NodeClient(study.fed.members[0], study.key)
    try:
        with pytest.raises(PolicyRefusal, match=r"may not run 'stats\.moments'"):
            limited.post_frame("/v1/compute", _compute(
                study, op="stats.moments", dataset="crc", params={"columns": ["age"]}))
        limited.post_frame("/v1/compute", _compute(study, op="stats.count", dataset="crc",
                                                   params={}))
        with pytest.raises(PolicyRefusal, match="may not use dataset 'other'"):
            full.post_frame("/v1/compute", _compute(study, op="stats.count", dataset="other",
                                                    params={}))
    finally:
        limited.close()
        full.close()
