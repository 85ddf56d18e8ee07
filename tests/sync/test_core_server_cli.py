"""``pemdesk-server`` admin commands and the served OpenAPI document."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from synchelp import LiveServer

from pemdesk.sync.server.cli import main


def test_admin_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--data-dir", str(tmp_path / "srv")]
    assert main([*base, "admin", "monitor", "Дулмаа", "--role", "coordinator"]) == 0
    assert main([*base, "admin", "code", "--monitor", "Бат", "--server-url", "http://x:8470"]) == 0
    out = capsys.readouterr().out
    code = out.split("Enrolment code for Бат: ")[1].split()[0]
    assert len(code) == 14
    assert any(block in out for block in "█▀▄")  # the QR code, drawn in the terminal
    assert main([*base, "admin", "monitors", "--json"]) == 0
    monitors = json.loads(capsys.readouterr().out)
    assert {(m["name"], m["role"]) for m in monitors} == {("Дулмаа", "coordinator"),
                                                          ("Бат", "monitor")}
    from pemdesk.sync.server.store import ServerStore

    store = ServerStore.open(tmp_path / "srv")
    device = store.enroll(code, "ab" * 32, "зөөврийн")["device_id"]
    store.close()
    assert main([*base, "admin", "devices", "--json"]) == 0
    devices = json.loads(capsys.readouterr().out)
    assert devices[0]["device_id"] == device and devices[0]["status"] == "active"
    assert main([*base, "admin", "revoke", device]) == 0
    assert main([*base, "admin", "revoke", device]) == 1
    assert main([*base, "admin", "devices"]) == 0
    assert "revoked" in capsys.readouterr().out


def test_openapi_is_served(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "srv", None)
    server.data_dir.mkdir()
    server.start()
    try:
        spec = httpx.get(f"{server.url}/openapi.json").json()
        assert {"/v1/sync/push", "/v1/sync/pull", "/v1/enroll", "/v1/blobs/have"} <= set(spec["paths"])
        assert httpx.get(f"{server.url}/docs").status_code == 200
        # Unsigned writes are refused, garbage is a 4xx, never a 5xx.
        for body in (b"{}", b"\x00garbage", json.dumps({"ops": [{"device_seq": 1}]}).encode()):
            r = httpx.post(f"{server.url}/v1/sync/push", content=body)
            assert r.status_code in (400, 401)
        r = httpx.post(f"{server.url}/v1/enroll", content=b"[1]")
        assert r.status_code == 400
        r = httpx.post(f"{server.url}/v1/enroll", json={"code": "AAAA-BBBB-CCCC",
                                                        "public_key": "ab" * 32})
        assert r.status_code == 403
    finally:
        server.stop()
