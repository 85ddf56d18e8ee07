"""TLS (issue 11, item 11): the server serves HTTPS itself with a self-signed certificate whose
fingerprint is printed with enrolment codes; a laptop that pinned it talks to nobody else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from synchelp import LiveServer

from pemdesk.sync.server.tls import served_fingerprint
from pemdesk.sync.tls import (
    PinMismatch,
    display,
    fetch_pinned_certificate,
    normalise_fingerprint,
    ssl_context_for,
)


def test_https_with_a_pinned_self_signed_certificate(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "srv", None, args=("--tls",))
    server.data_dir.mkdir()
    server.start()
    try:
        assert server.url.startswith("https://")
        fingerprint = served_fingerprint(server.data_dir)
        assert fingerprint and display(fingerprint) in server.read_log()
        key = (server.data_dir / "tls" / "key.pem").stat().st_mode & 0o777
        assert key == 0o600
        # The enrolment code carries the fingerprint (text and QR).
        done = subprocess.run([sys.executable, "-m", "pemdesk.sync.server.cli", "--data-dir",
                               str(server.data_dir), "admin", "code", "--monitor", "Бат",
                               "--no-qr", "--server-url", server.url],
                              capture_output=True, text=True, timeout=60)
        assert f"--fingerprint {fingerprint}" in done.stdout
        # The laptop fetches the certificate, checks it against the code, and trusts only it.
        pem = fetch_pinned_certificate(server.url, display(fingerprint))
        with httpx.Client(verify=ssl_context_for(pem)) as http:
            info = http.get(f"{server.url}/v1/info").json()
        assert info["tls_fingerprint"] == fingerprint
        with pytest.raises(PinMismatch):
            fetch_pinned_certificate(server.url, "00" * 32)
        # Without the pin, an ordinary client refuses the self-signed certificate.
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{server.url}/v1/info")
        # Another certificate (someone in the middle) fails against the pinned one.
        other = LiveServer(tmp_path / "other", None, args=("--tls",))
        other.data_dir.mkdir()
        other.start()
        try:
            with httpx.Client(verify=ssl_context_for(pem)) as http, \
                    pytest.raises(httpx.ConnectError):
                http.get(f"{other.url}/v1/info")
        finally:
            other.stop()
    finally:
        server.stop()
    assert normalise_fingerprint("sha256/" + display(fingerprint)) == fingerprint
