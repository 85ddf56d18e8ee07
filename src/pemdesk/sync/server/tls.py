"""The server's own TLS certificate: made once (self-signed) or given with --tls-cert/--tls-key.

``DATA/tls/cert.pem`` + ``key.pem`` (0600 in a 0700 folder) and ``DATA/tls/fingerprint`` (what
``admin code`` prints and puts in the QR code). The laptop pins the fingerprint at enrolment
(``pemdesk.sync.tls``), so a self-signed certificate is as good as a bought one here.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from pathlib import Path

from pemdesk.sync.tls import fingerprint_pem

TLS_DIR = "tls"


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def self_signed(data_dir: Path, hosts: list[str] | None = None) -> tuple[Path, Path]:
    """The server's self-signed certificate and key, made at first use (EC P-256, 10 years)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = data_dir / TLS_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName("localhost"),
                                     x509.DNSName(socket.gethostname() or "pemdesk-server")]
    for host in hosts or []:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            if host:
                names.append(x509.DNSName(host))
    names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pemdesk-server")])
    now = dt.datetime.now(dt.UTC)
    unique = list({repr(n): n for n in names}.values())
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName(unique), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(key, hashes.SHA256()))
    _write_private(key_path, key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def remember(data_dir: Path, cert_path: Path) -> str:
    """Record the fingerprint of the certificate being served (for ``admin code``)."""
    fingerprint = fingerprint_pem(cert_path.read_text())
    folder = data_dir / TLS_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write_private(folder / "fingerprint", fingerprint.encode())
    return fingerprint


def served_fingerprint(data_dir: Path) -> str | None:
    path = data_dir / TLS_DIR / "fingerprint"
    return path.read_text().strip() if path.exists() else None
