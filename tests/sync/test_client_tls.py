"""TLS on the laptop (issue 11 item 11): plain HTTP only to this computer unless --insecure; the
server's certificate pinned at enrolment (fingerprint from the code or the QR); every answer
verified with the server key pinned at enrolment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from synchelp import LiveServer, client_for, new_site

from pemdesk import model
from pemdesk.errors import InvalidInput, Offline
from pemdesk.storage import Store
from pemdesk.sync.client import PlainHttpRefused, SyncClient, check_url, enroll
from pemdesk.sync.tls import PinMismatch
from pemdesk.sync.transport import SyncRefused


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path / "server", None, args=("--tls",))
    server.data_dir.mkdir()
    server.start()
    yield server
    server.stop()


def _fingerprint(server: LiveServer) -> str:
    from pemdesk.sync.server.tls import served_fingerprint

    fp = served_fingerprint(server.data_dir)
    assert fp is not None
    return fp


def test_plain_http_only_to_this_computer() -> None:
    check_url("http://127.0.0.1:8470")
    check_url("http://localhost:8470")
    check_url("http://[::1]:8470")
    check_url("https://10.0.0.5:8470")
    with pytest.raises(PlainHttpRefused):
        check_url("http://10.0.0.5:8470")
    with pytest.raises(PlainHttpRefused):
        check_url("http://pem.example.mn")
    check_url("http://10.0.0.5:8470", insecure=True)
    with pytest.raises(InvalidInput):
        check_url("ftp://10.0.0.5")


def test_enrolment_refuses_plain_http_to_another_host(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "a")
    with pytest.raises(PlainHttpRefused):
        enroll(store, "http://192.0.2.10:8470", "ABCD")
    assert not store.meta("sync.device_id"), "nothing stored, nothing sent"


def test_https_with_the_pinned_certificate(tls_server: LiveServer, tmp_path: Path) -> None:
    fp = _fingerprint(tls_server)
    a = Store.open(tmp_path / "a")
    # The wrong fingerprint: nothing is sent, nothing stored.
    with pytest.raises(PinMismatch):
        enroll(a, tls_server.url, tls_server.code("А"), fingerprint="00" * 32)
    assert not a.meta("sync.device_id")
    # The QR's text carries server, code and fingerprint (display form with colons).
    from pemdesk.sync.tls import display

    qr = json.dumps({"server": tls_server.url, "code": tls_server.code("А"), "tls": display(fp)})
    enroll(a, tls_server.url, qr)
    assert a.meta("sync.tls_fingerprint") == fp and "BEGIN CERTIFICATE" in a.meta("sync.tls_cert")
    site = new_site(a)
    with client_for(a) as client:
        report = client.sync()
    assert report.acked == 1
    b = Store.open(tmp_path / "b")
    enroll(b, tls_server.url, tls_server.code("Б"), fingerprint=fp)
    with client_for(b) as client:
        client.sync()
    assert b.get(model.Site, site.id).name_mn == site.name_mn
    # Another certificate at the same address (a server in the middle) is not talked to, and
    # the laptop says so (not "could not reach the server").
    a.set_meta("sync.tls_cert", _other_certificate(tmp_path))
    with client_for(a, retries=1) as client, pytest.raises(PinMismatch) as caught:
        client.sync()
    assert not isinstance(caught.value, Offline)
    assert "not the one this laptop trusts" in caught.value.message("en")
    assert "итгэдэг гэрчилгээ биш" in caught.value.message("mn")


def test_sync_says_when_the_certificate_is_not_the_pinned_one(tmp_path: Path) -> None:
    """A real HTTPS server on 127.0.0.1 with another certificate than the laptop pinned (the
    same address, a new data folder: a server in the middle): `pemdesk sync` says so in
    Mongolian and English, and nothing is sent."""
    import subprocess
    import sys

    first = LiveServer(tmp_path / "first", None, args=("--tls",))
    first.data_dir.mkdir()
    first.start()
    a = Store.open(tmp_path / "a")
    try:
        enroll(a, first.url, first.code("А"), fingerprint=_fingerprint(first))
        new_site(a)
    finally:
        first.stop()
    impostor = LiveServer(tmp_path / "impostor", None, args=("--tls",))
    impostor.port = first.port
    impostor.data_dir.mkdir()
    impostor.start()
    try:
        assert impostor.url == first.url and _fingerprint(impostor) != _fingerprint(first)
        a.close()
        outputs = {}
        for lang in ("mn", "en"):
            done = subprocess.run(
                [sys.executable, "-c", "import sys; from pemdesk.cli import main; "
                 "sys.exit(main())", "--data-dir", str(tmp_path / "a"),
                 "--lang", lang, "sync"], capture_output=True, text=True, timeout=120)
            assert done.returncode != 0
            outputs[lang] = done.stdout + done.stderr
        assert "итгэдэг гэрчилгээ биш" in outputs["mn"], outputs
        assert "not the one this laptop trusts" in outputs["en"], outputs
        assert "Could not reach" not in outputs["en"]
        assert impostor.store.dump().get("site", {}) == {}  # nothing reached the impostor
    finally:
        impostor.stop()


def _other_certificate(tmp_path: Path) -> str:
    from pemdesk.sync.server.tls import self_signed

    cert, _key = self_signed(tmp_path / "other", ["127.0.0.1"])
    return cert.read_text()


def test_answers_not_signed_by_the_pinned_key_are_refused(live_server: LiveServer,
                                                          tmp_path: Path) -> None:
    a = Store.open(tmp_path / "a")
    enroll(a, live_server.url, live_server.code("А"))
    new_site(a)
    # Someone in the middle answers instead of the server: the pull page is not applied.
    forged = {"changes": [{"entity": "site", "id": "0190a0a0-0000-7000-8000-0000000000aa",
                           "version": 1, "data": {"name_mn": "Хуурамч"}}],
              "epoch": "x", "next_after": 1, "has_more": False}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/sync/hello":
            return httpx.Response(200, json={"server_epoch": "x", "push_high_water": 0,
                                             "latest": {"all": 1}})
        if request.url.path == "/v1/sync/push":
            body = {"results": [], "high_water": 0}
            return httpx.Response(200, json=body)
        return httpx.Response(200, json=forged)

    with SyncClient.for_store(a, transport=httpx.MockTransport(handler), retries=0) as client, \
            pytest.raises(SyncRefused) as refused:
        client.sync()
    assert refused.value.code == "bad_server_signature"
    assert a.conn.execute("SELECT count(*) FROM site WHERE name_mn = 'Хуурамч'").fetchone()[0] == 0
