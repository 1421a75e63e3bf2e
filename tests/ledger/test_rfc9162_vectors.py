"""Every RFC 9162 inclusion and consistency vector in ../shared/vectors/rfc9162."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from medveil.errors import IntegrityError
from medveil.ledger import verify_consistency, verify_inclusion

# A copy of ../shared/vectors/rfc9162 (Apache-2.0, see its LICENSE) kept in the repo so a
# clean clone tests itself.
VECTORS = Path(__file__).resolve().parents[1] / "data" / "rfc9162"


def _b(s: str | None) -> bytes:
    return base64.b64decode(s or "")


def _cases(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).rglob("*.json"))


def test_vectors_are_present() -> None:
    assert len(_cases("inclusion")) > 50
    assert len(_cases("consistency")) > 50


@pytest.mark.parametrize("path", _cases("inclusion"), ids=lambda p: str(p.relative_to(VECTORS)))
def test_inclusion_vector(path: Path) -> None:
    v = json.loads(path.read_text())
    proof = [_b(p) for p in v["proof"] or []]
    args = (_b(v["leafHash"]), v["leafIdx"], v["treeSize"], proof, _b(v["root"]))
    if v["wantErr"]:
        with pytest.raises(IntegrityError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", _cases("consistency"), ids=lambda p: str(p.relative_to(VECTORS)))
def test_consistency_vector(path: Path) -> None:
    v = json.loads(path.read_text())
    proof = [_b(p) for p in v["proof"] or []]
    args = (v["size1"], v["size2"], proof, _b(v["root1"]), _b(v["root2"]))
    if v["wantErr"]:
        with pytest.raises(IntegrityError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)
