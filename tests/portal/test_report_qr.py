"""The report's QR code opens the server's verify page when the laptop is enrolled."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from world import build_world

from pemdesk.cli import main
from pemdesk.reports import write_visit_report

pytestmark = pytest.mark.skipif(not (shutil.which("zbarimg") and shutil.which("pdftoppm")),
                                reason="zbarimg (zbar-tools) and pdftoppm (poppler-utils) needed")


def qr_of(pdf: Path, tmp: Path) -> str:
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf),
                    str(tmp / pdf.stem)], check=True)
    page = next(tmp.glob(f"{pdf.stem}*.png"))
    return subprocess.run(["zbarimg", "--raw", "-q", str(page)], capture_output=True,
                          text=True).stdout.strip()


def test_enrolled_laptop_prints_the_verify_address(tmp_path: Path, capsys) -> None:
    w = build_world(tmp_path / "w")
    visit_id, digest = w.ids["visits"][0], w.ids["digests"][0]
    offline = tmp_path / "offline.pdf"
    write_visit_report(w.laptop, visit_id, offline)
    assert qr_of(offline, tmp_path).startswith("PEMDESK1|")
    w.laptop.set_meta("sync.server_url", "https://pem.aimag.example/")
    online = tmp_path / "online.pdf"
    write_visit_report(w.laptop, visit_id, online)
    url = qr_of(online, tmp_path)
    assert url == f"https://pem.aimag.example/v/{digest}"
    folder = str(w.laptop.data_dir)
    assert main(["--data-dir", folder, "verify", "--qr", url, "--json"]) == 0
    assert main(["--data-dir", folder, "verify", "--qr", "https://x.example/v/" + "0" * 64]) != 0
    capsys.readouterr()
    # The server's own PDF of the visit carries its address too.
    from pemdesk.portal import server_app

    client = TestClient(server_app(w.server), base_url="http://testserver")
    from pemdesk.portal import accounts

    accounts.set_public(w.server.db, w.ids["site"], True, "test")
    pdf = tmp_path / "server.pdf"
    pdf.write_bytes(client.get(f"/visits/{visit_id}/report.pdf").content)
    assert qr_of(pdf, tmp_path) == f"http://testserver/v/{digest}"
    assert client.get(f"/api/verify/{digest}").json()["status"] == "genuine"
