"""The bundle commands: pemdesk bundle export/import and pemdesk-server bundle import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from synchelp import new_site

from pemdesk.cli import main as pemdesk
from pemdesk.device_key import load_or_create
from pemdesk.storage import Store
from pemdesk.storage import sync_client as sc
from pemdesk.sync.client import META_DEVICE, META_SERVER_KEY
from pemdesk.sync.server.cli import main as server_cli
from pemdesk.sync.server.store import ServerStore


def test_bundle_commands_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server_dir, laptop_dir, usb = tmp_path / "server", tmp_path / "laptop", tmp_path / "usb"
    usb.mkdir()
    server = ServerStore.open(server_dir)
    with Store.open(laptop_dir) as store:
        reply = server.enroll(server.issue_code("Бат"), load_or_create(laptop_dir).public_hex)
        store.set_meta(META_DEVICE, reply["device_id"])
        store.set_meta(META_SERVER_KEY, reply["server_key"])
        store.set_meta(sc.META_HIGH_WATER, "0")
        site = new_site(store, "Хөшөөт")
    server.close()

    assert (
        pemdesk(["--data-dir", str(laptop_dir), "bundle", "export", "-o", str(usb), "--json"]) == 0
    )
    exported = json.loads(capsys.readouterr().out)
    assert exported["ops"] == 1 and exported["verified"]
    bundle = Path(exported["path"])
    assert bundle.parent == usb and bundle.suffix == ".pemsync"

    code = server_cli(["--data-dir", str(server_dir), "bundle", "import", str(bundle), "--pull",
                       "--json"])  # fmt: skip
    assert code == 0
    imported = json.loads(capsys.readouterr().out)
    assert imported["applied"] == 1 and imported["ack"] and imported["pull"]

    assert pemdesk(["--data-dir", str(laptop_dir), "--lang", "en", "bundle", "import",
                    imported["ack"]]) == 0  # fmt: skip
    assert "confirmed 1 changes" in capsys.readouterr().out
    with Store.open(laptop_dir) as store:
        assert sc.record_sync_status(store, "site", site.id) == "confirmed"

    # A damaged file is a clear error, in the user's language, with nothing applied.
    damaged = usb / "damaged.pemsync"
    damaged.write_bytes(bundle.read_bytes()[:-10])
    assert server_cli(["--data-dir", str(server_dir), "bundle", "import", str(damaged)]) == 1
    assert "damaged" in capsys.readouterr().err
    assert pemdesk(["--data-dir", str(laptop_dir), "--lang", "mn", "bundle", "import",
                    str(damaged)]) == 1  # fmt: skip
    assert "гэмтсэн" in capsys.readouterr().err
    assert server_cli(["--data-dir", str(server_dir), "seals", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
