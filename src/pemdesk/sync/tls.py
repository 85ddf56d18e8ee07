"""TLS pinning shared by the server and the laptop: fingerprints and a context that trusts one cert.

The server's certificate (its own self-signed one, or one from ``--tls-cert``) is identified by
the SHA-256 of its DER bytes, printed with every enrolment code and carried in the QR code. At
enrolment the laptop fetches the certificate, compares the fingerprint, keeps the PEM and from
then on trusts exactly that certificate (``ssl_context_for``); no certificate authority and no
host name are involved, so a captive portal or an intercepting proxy cannot pass. Stdlib only.
"""

from __future__ import annotations

import hashlib
import socket
import ssl
from urllib.parse import urlsplit

from pemdesk.errors import PemdeskError


class PinMismatch(PemdeskError):
    """The server presented another certificate than the one the enrolment code names."""


def normalise_fingerprint(text: str) -> str:
    """``AB:CD:…`` or ``abcd…`` or ``sha256/…`` → 64 lowercase hex digits (ValueError if not)."""
    value = text.strip().lower().removeprefix("sha256/").removeprefix("sha256:")
    value = "".join(c for c in value if c not in ": ")
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError(f"not a SHA-256 fingerprint: {text!r}")
    return value


def fingerprint_der(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def fingerprint_pem(pem: str) -> str:
    return fingerprint_der(ssl.PEM_cert_to_DER_cert(pem))


def display(fingerprint: str) -> str:
    """For people: ``AB:CD:…`` in groups of two."""
    return ":".join(fingerprint[i:i + 2] for i in range(0, len(fingerprint), 2)).upper()


def fetch_pinned_certificate(url: str, fingerprint: str, timeout: float = 15.0) -> str:
    """The server's certificate as PEM, if its fingerprint is ``fingerprint``; else PinMismatch.

    Connects without any CA check (the pin is the check) and sends nothing but the handshake.
    """
    want = normalise_fingerprint(fingerprint)
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"not an https URL: {url!r}")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((parts.hostname, parts.port or 443), timeout=timeout) as raw, \
            ctx.wrap_socket(raw, server_hostname=parts.hostname) as tls:
        der = tls.getpeercert(binary_form=True)
    if der is None or fingerprint_der(der) != want:
        raise PinMismatch(
            "Серверийн гэрчилгээ бүртгэлийн кодонд заасантай таарахгүй байна: өөр сервер эсвэл "
            "хөндлөнгийн оролцоо байж магадгүй. Юу ч илгээгээгүй.",
            "The server's certificate does not match the one in the enrolment code: this may be "
            "another server or someone in the middle. Nothing was sent.",
            detail=f"expected {want}, got {fingerprint_der(der) if der else 'none'}",
        )
    return ssl.DER_cert_to_PEM_cert(der)


def ssl_context_for(pem: str) -> ssl.SSLContext:
    """A client context that trusts exactly this certificate (host name not checked: the pin is
    the server's identity)."""
    ctx = ssl.create_default_context(cadata=pem)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx
