"""Signed notes, checkpoints and cosignatures against the C2SP / Go sumdb/note vectors."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from hypothesis import given
from hypothesis import strategies as st

from medveil.errors import IntegrityError
from medveil.ledger import (
    SIG_COSIGNATURE_V1,
    Checkpoint,
    Signer,
    Verifier,
    open_checkpoint,
    verify_cosignature,
    verify_note,
)
from medveil.ledger._note import join_note, split_note

# golang.org/x/mod/sumdb/note's documented example (note.go, note_test.go).
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSN"
    "XgKvqfqdngotpRZb6KE6RyyBwJnAM="
)
# c2sp.org/signed-note example key; transparency-dev/formats keys of types 0x01 and 0x04.
EXAMPLE_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
PLUS_VKEY = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"
COSIG_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"


def _peter_signer() -> Signer:
    seed = base64.b64decode(PETER_SKEY.split("+", 4)[-1])[1:]
    return Signer("PeterNeumann", Ed25519PrivateKey.from_private_bytes(seed))


def test_go_note_signature_is_reproduced_byte_for_byte() -> None:
    signer = _peter_signer()
    assert signer.verifier().vkey == PETER_VKEY
    assert signer.sign_note(PETER_TEXT) == PETER_SIG


def test_go_note_verifies() -> None:
    note = join_note(PETER_TEXT, [PETER_SIG])
    assert verify_note(note, Verifier.from_vkey(PETER_VKEY)) == PETER_TEXT


@pytest.mark.parametrize("vkey", [PETER_VKEY, EXAMPLE_VKEY, PLUS_VKEY, COSIG_VKEY])
def test_third_party_vkeys_round_trip(vkey: str) -> None:
    assert Verifier.from_vkey(vkey).vkey == vkey


def test_cosignature_vkey_type() -> None:
    assert Verifier.from_vkey(COSIG_VKEY).sig_type == SIG_COSIGNATURE_V1


@pytest.mark.parametrize(
    "bad",
    [
        "example.com/foo",
        "example.com/foo+530d903a",
        EXAMPLE_VKEY.replace("530d903a", "530d903b"),  # key ID not the derivation
        EXAMPLE_VKEY.replace("530d903a", "530d903"),
        EXAMPLE_VKEY + "!",
        "a b+00000000+" + base64.b64encode(b"\x01" + bytes(32)).decode(),
        EXAMPLE_VKEY[:-1] + "l",  # spare bits in the last base64 character
    ],
)
def test_bad_vkeys_are_refused(bad: str) -> None:
    with pytest.raises(IntegrityError):
        Verifier.from_vkey(bad)


def test_unknown_signatures_are_ignored_but_a_bad_known_one_rejects() -> None:
    other = Signer("Other", Ed25519PrivateKey.generate())
    note = join_note(PETER_TEXT, [other.sign_note(PETER_TEXT), PETER_SIG])
    assert verify_note(note, Verifier.from_vkey(PETER_VKEY)) == PETER_TEXT
    with pytest.raises(IntegrityError, match="no signature"):
        verify_note(join_note(PETER_TEXT, [other.sign_note(PETER_TEXT)]),
                    Verifier.from_vkey(PETER_VKEY))
    forged = other.sign_note(PETER_TEXT).replace("Other", "PeterNeumann")
    with pytest.raises(IntegrityError):
        verify_note(join_note(PETER_TEXT, [forged]), Verifier.from_vkey(PETER_VKEY))


def test_checkpoint_text_form() -> None:
    root = hashlib.sha256(b"x").digest()
    cp = Checkpoint("medveil/site-a", 42, root)
    assert cp.text() == f"medveil/site-a\n42\n{base64.b64encode(root).decode()}\n"
    assert Checkpoint.parse(cp.text()) == cp
    for bad in ["medveil/a\n042\n" + base64.b64encode(root).decode() + "\n",
                "medveil/a\n-1\n" + base64.b64encode(root).decode() + "\n",
                "medveil/a\n1\n" + base64.b64encode(root[:31]).decode() + "\n",
                "medveil/a\n1\n"]:
        with pytest.raises(IntegrityError):
            Checkpoint.parse(bad)


def test_cosignature_wire_format() -> None:
    key = Ed25519PrivateKey.generate()
    log = Signer("medveil/log", Ed25519PrivateKey.generate())
    text = Checkpoint("medveil/log", 7, bytes(32)).text()
    witness = Signer("medveil/witness", key)
    line = witness.cosign(text, 1679315147)
    name, b64 = line.removeprefix("— ").split(" ")
    raw = base64.b64decode(b64)
    pub = witness.verifier().public_key
    assert name == "medveil/witness"
    assert raw[:4] == hashlib.sha256(b"medveil/witness\n\x04" + pub).digest()[:4]
    assert struct.unpack(">Q", raw[4:12])[0] == 1679315147
    # The signed message is exactly c2sp.org/tlog-cosignature's, checked with pyca directly.
    Ed25519PublicKey.from_public_bytes(pub).verify(
        raw[12:], b"cosignature/v1\ntime 1679315147\n" + text.encode()
    )
    cosigner = witness.verifier(SIG_COSIGNATURE_V1)
    assert verify_cosignature(text, line, cosigner) == 1679315147
    with pytest.raises(IntegrityError):
        verify_cosignature(text.replace("7", "8"), line, cosigner)
    # A cosignature is not a note signature (distinct key IDs by type).
    note = join_note(text, [log.sign_note(text), line])
    assert open_checkpoint(note, log.verifier()).size == 7
    with pytest.raises(IntegrityError):
        verify_note(join_note(text, [line]), witness.verifier())


@given(st.data())
def test_any_single_byte_change_to_a_signed_checkpoint_is_rejected(data: st.DataObject) -> None:
    signer = _peter_signer()
    text = Checkpoint("medveil/site-a", 1234, hashlib.sha256(b"r").digest()).text()
    note = join_note(text, [signer.sign_note(text)])
    raw = bytearray(note.encode())
    i = data.draw(st.integers(0, len(raw) - 1))
    b = data.draw(st.integers(0, 255).filter(lambda v: v != raw[i]))
    raw[i] = b
    try:
        mutated = raw.decode("utf-8")
    except UnicodeDecodeError:
        return  # not even text: storage would refuse it before the verifier sees it
    with pytest.raises(IntegrityError):
        cp = open_checkpoint(mutated, signer.verifier(), "medveil/site-a")
        # A change the signature cannot see would have to leave the checkpoint identical.
        assert Checkpoint.parse(split_note(mutated)[0]) != Checkpoint.parse(text), cp
