"""C2SP signed notes, tlog checkpoints and Ed25519 witness cosignatures.

* Signed note (c2sp.org/signed-note): a UTF-8 text ending in a newline, a blank
  line, then lines ``— <key name> base64(key ID || signature)``.
  key ID = SHA-256(name || 0x0A || type || public key)[:4], type 0x01 for
  Ed25519 note signatures.
* Checkpoint (c2sp.org/tlog-checkpoint): the note text is three lines:
  origin, decimal tree size, base64 root hash.
* Cosignature (c2sp.org/tlog-cosignature, Ed25519 v1): signature type 0x04,
  signed message ``"cosignature/v1\\ntime <t>\\n" || checkpoint text``,
  signature bytes = key ID || u64 big-endian timestamp || Ed25519 signature.
* Verifier keys (vkeys): ``<name>+<hex key ID>+base64(type || public key)``.

Base64 is decoded strictly (it must re-encode to the same text), so no bit of a
stored note can change without the change being seen.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from medveil.errors import IntegrityError

SIG_ED25519 = 0x01
SIG_COSIGNATURE_V1 = 0x04
_DASH = "\u2014"
_MAX_SIGNATURES = 64
_NAME_RE = re.compile(r"^[^\s+]+$")


def b64decode_strict(text: str, what: str) -> bytes:
    """Standard base64 that must round-trip exactly (no slack in padding bits)."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise IntegrityError(f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise IntegrityError(f"{what} is not canonical base64")
    return raw


def b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _check_name(name: str) -> None:
    if not name or not _NAME_RE.match(name):
        raise IntegrityError(f"invalid key name {name!r}: must be non-empty, no spaces or '+'")


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    """C2SP key ID: SHA-256(name || 0x0A || type || public key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key).digest()[
        :4
    ]


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key for one signature type (note or cosignature)."""

    name: str
    public_key: bytes
    sig_type: int = SIG_ED25519

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.public_key) != 32:
            raise IntegrityError("an Ed25519 public key is 32 bytes")
        if self.sig_type not in (SIG_ED25519, SIG_COSIGNATURE_V1):
            raise IntegrityError(f"unsupported signature type 0x{self.sig_type:02x}")

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.sig_type, self.public_key)

    @property
    def vkey(self) -> str:
        """The verifier key string ``name+keyid+base64(type||key)``."""
        return (
            f"{self.name}+{self.key_id.hex()}+"
            f"{b64encode(bytes([self.sig_type]) + self.public_key)}"
        )

    @classmethod
    def from_vkey(cls, text: str) -> Verifier:
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise IntegrityError("a verifier key has the form name+keyid+base64key")
        name, hex_id, b64 = parts
        raw = b64decode_strict(b64, "verifier key")
        if len(raw) != 33:
            raise IntegrityError("verifier key has the wrong length for Ed25519")
        verifier = cls(name, raw[1:], raw[0])
        if verifier.key_id.hex() != hex_id.lower() or len(hex_id) != 8:
            raise IntegrityError("verifier key's key ID does not match its key")
        return verifier

    def _verify(self, signature: bytes, message: bytes) -> None:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            raise IntegrityError(f"signature by {self.name} does not verify") from None


def raw_key_verifier(name: str, key: Ed25519PublicKey, sig_type: int = SIG_ED25519) -> Verifier:
    """A Verifier for a named pyca Ed25519 public key."""
    return Verifier(name, raw_public_key(key), sig_type)


@dataclass(frozen=True)
class Signer:
    """A named Ed25519 private key that signs notes (0x01) or cosignatures (0x04)."""

    name: str
    private_key: Ed25519PrivateKey

    def verifier(self, sig_type: int = SIG_ED25519) -> Verifier:
        return Verifier(self.name, raw_public_key(self.private_key.public_key()), sig_type)

    def sign_note(self, text: str) -> str:
        """Sign note text; return the signature line (without trailing newline)."""
        _check_note_text(text)
        v = self.verifier(SIG_ED25519)
        sig = self.private_key.sign(text.encode("utf-8"))
        return f"{_DASH} {self.name} {b64encode(v.key_id + sig)}"

    def cosign(self, checkpoint_text: str, timestamp: int) -> str:
        """Cosign a checkpoint text at POSIX time ``timestamp``; return the line."""
        _check_note_text(checkpoint_text)
        if not 0 <= timestamp < 2**63:
            raise IntegrityError("cosignature timestamp out of range")
        v = self.verifier(SIG_COSIGNATURE_V1)
        msg = _cosigned_message(checkpoint_text, timestamp)
        sig = self.private_key.sign(msg)
        return f"{_DASH} {self.name} {b64encode(v.key_id + struct.pack('>Q', timestamp) + sig)}"


def _cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode("utf-8")


def _check_note_text(text: str) -> None:
    if not text.endswith("\n"):
        raise IntegrityError("note text must end in a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise IntegrityError("note text contains control characters")


@dataclass(frozen=True)
class SignatureLine:
    name: str
    key_id: bytes
    signature: bytes  # everything after the key ID

    @property
    def line(self) -> str:
        return f"{_DASH} {self.name} {b64encode(self.key_id + self.signature)}"


def parse_signature_line(line: str) -> SignatureLine:
    prefix = _DASH + " "
    if not line.startswith(prefix):
        raise IntegrityError("signature line must start with an em dash and a space")
    rest = line[len(prefix) :]
    parts = rest.split(" ")
    if len(parts) != 2:
        raise IntegrityError("signature line must be '— name base64'")
    name, b64 = parts
    _check_name(name)
    raw = b64decode_strict(b64, "signature")
    if len(raw) < 5:
        raise IntegrityError("signature is too short")
    return SignatureLine(name, raw[:4], raw[4:])


def split_note(note: str) -> tuple[str, list[SignatureLine]]:
    """Split a signed note into its text and parsed signature lines."""
    if not note.endswith("\n"):
        raise IntegrityError("signed note must end in a newline")
    idx = note.rfind("\n\n")
    if idx < 0:
        raise IntegrityError("signed note has no blank line before its signatures")
    text, sig_block = note[: idx + 1], note[idx + 2 :]
    _check_note_text(text)
    lines = sig_block[:-1].split("\n")
    if not lines or lines == [""]:
        raise IntegrityError("signed note has no signatures")
    if len(lines) > _MAX_SIGNATURES:
        raise IntegrityError("signed note has too many signatures")
    return text, [parse_signature_line(s) for s in lines]


def join_note(text: str, lines: list[str]) -> str:
    _check_note_text(text)
    return text + "\n" + "".join(s + "\n" for s in lines)


def verify_note(note: str, verifier: Verifier) -> str:
    """Verify ``note`` carries a valid signature by ``verifier``; return its text.

    Signatures by unknown keys are ignored (C2SP); a signature that names the
    known key but fails to verify rejects the whole note.
    """
    text, sigs = split_note(note)
    found = False
    for s in sigs:
        if s.name == verifier.name and s.key_id == verifier.key_id:
            if len(s.signature) != 64:
                raise IntegrityError(f"signature by {verifier.name} has the wrong length")
            verifier._verify(s.signature, text.encode("utf-8"))
            found = True
    if not found:
        raise IntegrityError(f"note carries no signature by {verifier.name}")
    return text


def verify_cosignature(text: str, line: str, verifier: Verifier) -> int:
    """Verify one cosignature line over checkpoint ``text``; return its timestamp."""
    if verifier.sig_type != SIG_COSIGNATURE_V1:
        raise IntegrityError("not a cosignature verifier key")
    s = parse_signature_line(line)
    if s.name != verifier.name or s.key_id != verifier.key_id:
        raise IntegrityError(f"cosignature is not by {verifier.name}")
    if len(s.signature) != 8 + 64:
        raise IntegrityError("cosignature has the wrong length")
    (timestamp,) = struct.unpack(">Q", s.signature[:8])
    if timestamp >= 2**63:
        raise IntegrityError("cosignature timestamp out of range")
    verifier._verify(s.signature[8:], _cosigned_message(text, timestamp))
    return int(timestamp)


@dataclass(frozen=True)
class Checkpoint:
    """A tlog checkpoint: the log's origin, tree size and root hash."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{b64encode(self.root)}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise IntegrityError("checkpoint must have origin, size and root lines")
        origin, size_s, root_s = lines[0], lines[1], lines[2]
        if not origin:
            raise IntegrityError("checkpoint origin is empty")
        if not size_s.isdigit() or (size_s != "0" and size_s.startswith("0")):
            raise IntegrityError("checkpoint size is not a decimal number")
        if any(not ext for ext in lines[3:-1]):
            raise IntegrityError("checkpoint has an empty extension line")
        root = b64decode_strict(root_s, "checkpoint root hash")
        if len(root) != 32:
            raise IntegrityError("checkpoint root hash is not 32 bytes")
        return cls(origin, int(size_s), root)


def open_checkpoint(note: str, verifier: Verifier, origin: str | None = None) -> Checkpoint:
    """Verify a signed checkpoint note and parse it."""
    text = verify_note(note, verifier)
    cp = Checkpoint.parse(text)
    if origin is not None and cp.origin != origin:
        raise IntegrityError(f"checkpoint is for log {cp.origin!r}, not {origin!r}")
    return cp
