"""Hostile USB sticks (issue 11, attack 1): a bundle can never touch the server's files.

The bundle's id, its entry names and every manifest field are the attacker's. Whatever they are
— signed by a stranger or even by the enrolled device itself — nothing outside the server's own
fresh staging folder changes before the signature and the device are verified, and a refused
bundle leaves the server folder exactly as it was.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey
from synchelp import LiveServer, site_fields

from pemdesk.errors import PemdeskError
from pemdesk.ids import new_id
from pemdesk.sync import bundle as fmt
from pemdesk.sync.protocol import ProtocolError
from pemdesk.sync.server.bundles import import_push_bundle
from pemdesk.sync.server.store import ServerStore

HLC = "2026-06-01T02:00:00.000Z"


def site_op(seq: int) -> dict[str, Any]:
    return {"device_seq": seq, "op_id": new_id(), "entity": "site", "entity_id": new_id(),
            "op": "create", "fields": site_fields(), "base_version": 0, "hlc": HLC,
            "schema_version": 2}


def make_bundle(path: Path, server_key_hex: str, recipient: Any, device_id: str,
                key: SigningKey, ops: list[dict[str, Any]]) -> Path:
    fmt.write_bundle(path, kind="push", source={"device_id": device_id},
                     target={"server_key": server_key_hex}, signing_key=key,
                     recipient=recipient, records=ops,
                     info={"device_seq": [ops[0]["device_seq"], ops[-1]["device_seq"]]})
    return path


def resign(path: Path, key: SigningKey, mutate: Callable[[dict[str, Any]], None],
           rename: dict[str, str] | None = None) -> Path:
    """Rewrite a bundle's manifest (and entry names), signed again with ``key``."""
    with zipfile.ZipFile(path) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    manifest = json.loads(entries.pop("manifest.json"))
    entries.pop("manifest.sig")
    mutate(manifest)
    for old, new in (rename or {}).items():
        entries[new] = entries.pop(old)
    data = fmt.canonical_json(manifest)
    out = path.with_name("evil-" + path.name)
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("manifest.json", data)
        zf.writestr("manifest.sig", key.sign(fmt._signed_message(data)).signature)
        for name, body in entries.items():
            zf.writestr(name, body)
    return out


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its hash (the server folder's state)."""
    out = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            p = Path(root) / name
            if "-wal" in name or "-shm" in name or "quarantine" in p.parts:
                continue
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def import_cli(server: LiveServer, path: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pemdesk.sync.server.cli", "--data-dir", str(server.data_dir)]
    if server.database_url:
        cmd += ["--database-url", server.database_url]
    return subprocess.run([*cmd, "bundle", "import", str(path), "--out", str(path.parent)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("bundle_id", ["..", "/", "/tmp", "../server"])
def test_bundle_ids_that_name_folders_delete_nothing(live_server: LiveServer, tmp_path: Path,
                                                     bundle_id: str) -> None:
    store = live_server.store
    key = SigningKey.generate()
    device_id = store.enroll(store.issue_code("USB"), bytes(key.verify_key).hex())["device_id"]
    stranger = SigningKey.generate()
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("keep")
    good = make_bundle(tmp_path / "b.pemsync", store.public_key_hex,
                       store.signing_key.verify_key, device_id, key, [site_op(1)])
    before = tree(live_server.data_dir)
    bid = str(victim) if bundle_id == "/tmp" else bundle_id
    for signer in (stranger, key):  # a stranger's stick, and the enrolled device's own
        evil = resign(good, signer, lambda m: m.update(bundle_id=bid))
        done = import_cli(live_server, evil)
        assert done.returncode == 1, done.stdout + done.stderr
        assert tree(live_server.data_dir) == before
    assert (victim / "keep.txt").read_text() == "keep"
    assert live_server.store.latest_seq() == 0
    # The server is up and the genuine bundle still imports.
    assert import_cli(live_server, good).returncode == 0
    assert live_server.store.latest_seq() == 1


@pytest.fixture
def srv(tmp_path: Path) -> Any:
    server = ServerStore.open(tmp_path / "srv")
    key = SigningKey.generate()
    device_id = server.enroll(server.issue_code("USB"), bytes(key.verify_key).hex())["device_id"]
    good = make_bundle(tmp_path / "good.pemsync", server.public_key_hex,
                       server.signing_key.verify_key, device_id, key, [site_op(1), site_op(2)])
    yield server, key, good
    server.close()


NAMES = st.sampled_from(["..", "../x", "/etc/passwd", "blobs/../../x", "ops/../../../x",
                         "C:\\x", "ops/000001.jsonl.zst", "manifest.json", "a" * 300, "",
                         "blobs/" + "0" * 64, "ops\x00x"])
FIELDS = st.sampled_from(["bundle_id", "kind", "source", "target", "info", "entries", "format",
                          "encryption"])
VALUES = st.one_of(st.none(), st.integers(), st.text(max_size=40), NAMES,
                   st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5),
                                                                        st.integers(), max_size=2))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=FIELDS, value=VALUES, entry_name=NAMES, flip=st.integers(0, 10_000),
       signer=st.sampled_from(["device", "stranger"]), how=st.sampled_from(["field", "name",
                                                                             "bytes"]))
def test_fuzzed_bundles_are_refused_whole(srv: Any, tmp_path: Path, field: str, value: Any,
                                          entry_name: str, flip: int, signer: str,
                                          how: str) -> None:
    server, key, good = srv
    signing = key if signer == "device" else SigningKey.generate()
    if how == "field":
        evil = resign(good, signing, lambda m: m.__setitem__(field, value))
    elif how == "name":
        with zipfile.ZipFile(good) as zf:
            victim = next(n for n in zf.namelist() if n.startswith("ops/"))

        def rename_entry(m: dict[str, Any]) -> None:
            for e in m["entries"]:
                if e["path"] == victim:
                    e["path"] = entry_name
        evil = resign(good, signing, rename_entry, {victim: entry_name or "x"})
    else:
        raw = bytearray(good.read_bytes())
        raw[flip % len(raw)] ^= 0x40
        evil = tmp_path / f"flip-{flip}.pemsync"
        evil.write_bytes(bytes(raw))
    before = tree(server.data_dir)
    seq = server.latest_seq()
    try:
        import_push_bundle(server, evil, out_dir=tmp_path / "out")
    except (PemdeskError, ProtocolError, zipfile.BadZipFile, io.UnsupportedOperation):
        accepted = False
    else:
        accepted = True
    staging = server.data_dir / "bundle-staging"
    assert not staging.exists() or not any(staging.iterdir())
    if not accepted:
        assert server.latest_seq() == seq
        assert tree(server.data_dir) == before
    else:
        # Only a bundle that is still genuine may pass (a flip in a part nobody reads).
        assert signer == "device" or how == "bytes"
