"""Site key material: Ed25519 identity, X25519 key agreement, TLS.

Private keys are PKCS#8 PEM files created with mode 0600 (never readable by
group or others); public halves are written beside them. All key generation
uses pyca/cryptography, which draws randomness from the OS.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.x509.oid import NameOID

from medveil.errors import InputError

TLS_VALID_DAYS = 825  # the CA/Browser Forum's historical maximum; renew with a new site key


def write_private(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 and write ``data``; never overwrite."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_public(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _pkcs8(key: Ed25519PrivateKey | X25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _spki(key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def generate_identity(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    write_private(path, _pkcs8(key))
    write_public(path.with_suffix(".pub"), _spki(key.public_key()))
    return key


def generate_kex(path: Path) -> X25519PrivateKey:
    key = X25519PrivateKey.generate()
    write_private(path, _pkcs8(key))
    write_public(path.with_suffix(".pub"), _spki(key.public_key()))
    return key


def generate_tls(key_path: Path, cert_path: Path, site_name: str) -> x509.Certificate:
    """Self-signed ECDSA P-256 certificate for the node service (pinned by fingerprint)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, site_name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "medveil site"),
    ])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=TLS_VALID_DAYS))
        .add_extension(
            x509.SubjectAlternativeName([
                x509.DNSName("localhost"),
                x509.DNSName(site_name),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.IPAddress(ipaddress.ip_address("::1")),
            ]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    write_private(key_path, _pkcs8(key))
    write_public(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert


def load_certificate(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except FileNotFoundError:
        raise InputError("certificate not found", path=path) from None
    except ValueError:
        raise InputError("not a PEM certificate", path=path) from None


def read_public_pem(path: Path) -> str:
    """A public key file's PEM text (for publishing), checked to be a PEM public key."""
    try:
        text = path.read_text(encoding="ascii")
        serialization.load_pem_public_key(text.encode())
    except FileNotFoundError:
        raise InputError("public key not found", path=path) from None
    except (UnicodeDecodeError, ValueError, UnsupportedAlgorithm):
        raise InputError("not a PEM public key", path=path) from None
    return text.strip()


def cert_fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 fingerprint of the DER certificate, lowercase hex."""
    return cert.fingerprint(hashes.SHA256()).hex()


def load_identity(path: Path) -> Ed25519PrivateKey:
    """Load an Ed25519 private key; a wrong or unreadable file is an InputError."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise InputError("identity key not found", path=path) from None
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise InputError("not a PEM private key", path=path) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError("not an Ed25519 private key", path=path)
    return key


def load_public_identity(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError:
        raise InputError("public key not found", path=path) from None
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise InputError("not a PEM public key", path=path) from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError("not an Ed25519 public key", path=path)
    return key
