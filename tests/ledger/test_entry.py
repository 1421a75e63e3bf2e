from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medveil.errors import InputError, IntegrityError
from medveil.ledger import Entry, canonical_json, utc_timestamp

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40),
)
params = st.dictionaries(
    st.text(min_size=1, max_size=20),
    st.one_of(scalars, st.lists(scalars, max_size=5)),
    max_size=6,
)


@given(
    actor=st.text(min_size=1, max_size=40),
    reason=st.text(max_size=80),
    dataset=st.one_of(st.none(), st.text(min_size=1, max_size=30)),
    p=params,
    decision=st.sampled_from(["allow", "deny", "release", "refuse", "info", "error"]),
)
def test_fast_encoding_is_canonical_json(
    actor: str, reason: str, dataset: str | None, p: dict, decision: str  # type: ignore[type-arg]
) -> None:
    e = Entry(actor=actor, op="query.count", decision=decision, reason=reason, dataset=dataset,
              params=p, time="2026-01-02T03:04:05.678Z")
    data = e.encode()
    assert data == canonical_json(e.to_dict())
    assert data == json.dumps(json.loads(data), sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False).encode()
    assert Entry.decode(data) == e


def test_decode_refuses_non_canonical_and_foreign_json() -> None:
    data = Entry(actor="a", op="x", decision="info", time="2026-01-02T03:04:05.678Z").encode()
    obj = json.loads(data)
    with pytest.raises(IntegrityError, match="canonical"):
        Entry.decode(json.dumps(obj, sort_keys=True).encode())  # spaces
    with pytest.raises(IntegrityError, match="unknown fields"):
        Entry.decode(canonical_json({**obj, "patient": "x"}))
    with pytest.raises(IntegrityError):
        Entry.decode(b"\xff\xfe")
    with pytest.raises(IntegrityError):
        Entry.decode(canonical_json({**obj, "v": 2}))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"op": "Bad Op"}, "op"),
        ({"decision": "maybe"}, "decision"),
        ({"result_sha256": "ABC"}, "result_sha256"),
        ({"params": {"rows": [[1, 2]]}}, "params.rows"),
        ({"params": {"table": "x" * 600}}, "params.table"),
        ({"params": {"x": float("nan")}}, "params.x"),
        ({"time": "yesterday"}, "time"),
    ],
)
def test_invalid_entries_name_the_field(kwargs: dict, field: str) -> None:  # type: ignore[type-arg]
    base = {"actor": "a", "op": "x", "decision": "info"}
    with pytest.raises(InputError) as exc:
        Entry(**{**base, **kwargs})
    assert exc.value.field == field


def test_params_are_copied() -> None:
    p = {"cols": ["a"]}
    e = Entry(actor="a", op="x", decision="info", params=p)
    p["cols"].append("b")
    assert e.params == {"cols": ["a"]}


def test_timestamps() -> None:
    t = datetime(2026, 11, 26, 23, 59, 59, 123456, tzinfo=UTC)
    assert utc_timestamp(t) == "2026-11-26T23:59:59.123Z"
    now = utc_timestamp()
    assert len(now) == 24 and now.endswith("Z")
