"""The laptop side of issue 11 through the real server (SQLite and PostgreSQL): a pulled change
that cannot be applied is quarantined and the pull goes on; a refused edit is kept as evidence
and explained; other monitors' thumbnails and previews arrive with the sync; demo photos stay."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pytest
from synchelp import LiveServer, client_for, enrolled, new_site, new_visit

from pemdesk import model
from pemdesk.cli import main as cli_main
from pemdesk.errors import Offline
from pemdesk.storage import Store
from pemdesk.storage import sync_client as sc
from pemdesk.sync.refusals import explain
from pemdesk.sync.transport import SyncRefused


def sync(store: Store, **kw: Any) -> Any:
    with client_for(store) as client:
        return client.sync(**kw)


def _spoil_on_server(server: LiveServer, entity: str, rid: str, **values: Any) -> None:
    """Bad data already on a server (stored before it checked every op)."""
    db = server.store.db
    with db.transaction() as conn:
        row = db.one(conn, "SELECT data FROM record WHERE entity = ? AND id = ?", [entity, rid])
        assert row is not None
        data = {**json.loads(row[0]), **values}
        db.execute(conn, "UPDATE record SET data = ? WHERE entity = ? AND id = ?",
                   [json.dumps(data), entity, rid])


def test_a_change_that_cannot_be_applied_is_quarantined_and_the_pull_goes_on(
        live_server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = enrolled(live_server, tmp_path / "a", "А")
    bad = new_site(a, "Муу")
    good = new_site(a, "Сайн")
    visit = new_visit(a, good.id)
    sync(a)
    _spoil_on_server(live_server, "site", bad.id, name_mn=None, lon=1e400)
    b = enrolled(live_server, tmp_path / "b", "Б")
    report = sync(b)
    # Everything else arrived; the one change is set aside, counted and explained.
    assert b.get(model.Site, good.id).name_mn == "Сайн"
    assert b.get(model.Visit, visit.id).site_id == good.id
    assert report.quarantined == 1
    held = sc.quarantined(b)
    assert [(q["entity"], q["entity_id"]) for q in held] == [("site", bad.id)]
    assert "name_mn" in held[0]["error"] or "lon" in held[0]["error"]
    assert sc.summary(b)["quarantined"] == 1
    assert sc.cursor(b)[1] == live_server.store.latest_seq(), "the pull was not stopped"
    assert cli_main(["--data-dir", str(b.data_dir), "--lang", "en", "sync", "problems"]) == 1
    out = capsys.readouterr().out
    assert bad.id[-8:] in out and "could not apply" in out
    # Syncing again neither stops nor duplicates; a later good version settles the problem.
    sync(b)
    assert len(sc.quarantined(b)) == 1
    fixed = a.get(model.Site, bad.id)
    fixed.name_mn, fixed.lon = "Засварласан", 105.5
    a.save(fixed)
    sync(a)
    sync(b)
    assert b.get(model.Site, bad.id).name_mn == "Засварласан"
    assert sc.quarantined(b) == [] and sc.summary(b)["quarantined"] == 0
    assert len(sc.quarantined(b, include_settled=True)) == 1, "kept as a record of what happened"


def test_a_refused_edit_is_kept_as_evidence_and_explained(
        live_server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = enrolled(live_server, tmp_path / "a", "А")
    b = enrolled(live_server, tmp_path / "b", "Б")
    site = new_site(a)
    visit = new_visit(a, site.id)
    sync(a)
    sync(b)
    theirs = b.get(model.Visit, visit.id)
    theirs.notes = "Б засав"
    b.save(theirs)
    assert cli_main(["--data-dir", str(b.data_dir), "--lang", "en", "sync"]) == 0
    out = capsys.readouterr().out
    assert "belongs to another monitor" in out
    # The server's copy is shown; the refused values stay, with the reason, in the history.
    assert b.get(model.Visit, visit.id).notes == ""
    refused = sc.refusals(b, "visit", visit.id)
    assert len(refused) == 1 and refused[0]["fields"]["notes"] == "Б засав"
    assert explain(refused[0]["reason"]).code == "not_owner"
    assert sc.record_sync_status(b, "visit", visit.id) == "refused"
    cli_main(["--data-dir", str(b.data_dir), "--lang", "mn", "sync", "problems"])
    out = capsys.readouterr().out
    assert "өөр мониторынх" in out and "notes" in out
    assert sc.summary(b)["rejected"] == 1


def _add_blob(store: Store, data: bytes, kind: str, derived_from: str | None = None) -> str:
    from pemdesk.storage import photos as q

    sha = hashlib.sha256(data).hexdigest()
    rel = f"photos/{sha[:2]}/{sha}"
    path = store.data_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    q.add_blob(store, q.BlobRow(sha, len(data), rel, "image/jpeg", kind, derived_from))
    return sha


def test_other_monitors_photos_arrive_and_demo_photos_never_leave(
        live_server: LiveServer, tmp_path: Path) -> None:
    rng = random.Random(5)
    a = enrolled(live_server, tmp_path / "a", "А")
    orig = _add_blob(a, rng.randbytes(90_000), "original")
    thumb = _add_blob(a, rng.randbytes(5_000), "thumb", orig)
    preview = _add_blob(a, rng.randbytes(30_000), "preview", orig)
    site = new_site(a)
    visit = new_visit(a, site.id)
    a.save(model.Photo(sha256=orig, visit_id=visit.id))
    # A photo on a demo site: neither its record nor its files reach the server.
    demo_site = model.Site(name_mn="Жишээ", aimag_code=site.aimag_code, soum_code=site.soum_code,
                           kind=model.SiteKind.MINE, lon=105.0, lat=44.0, is_demo=True)
    with a.capture_suppressed():
        a.save(demo_site)
    demo_visit = new_visit(a, demo_site.id)
    demo_orig = _add_blob(a, rng.randbytes(40_000), "original")
    demo_thumb = _add_blob(a, rng.randbytes(4_000), "thumb", demo_orig)
    a.save(model.Photo(sha256=demo_orig, visit_id=demo_visit.id))
    assert {b["sha256"] for b in sc.upload_queue(a)} == {orig, thumb, preview}
    sync(a)
    assert live_server.store.blobs_missing([orig, thumb, preview]) == []
    assert set(live_server.store.blobs_missing([demo_orig, demo_thumb])) == {demo_orig, demo_thumb}

    monitor = enrolled(live_server, tmp_path / "m", "М")
    report = sync(monitor)
    from pemdesk.photos.files import PhotoFiles

    files = PhotoFiles(monitor.data_dir)
    assert report.photos_downloaded == 1
    assert hashlib.sha256(files.thumb_path(orig).read_bytes()).hexdigest() == thumb
    assert not files.preview_path(orig).exists() and not files.original_path(orig).exists()
    assert sync(monitor).photos_downloaded == 0, "asked once"

    coordinator = enrolled(live_server, tmp_path / "c", "Зохицуулагч", role="coordinator")
    report = sync(coordinator)
    files = PhotoFiles(coordinator.data_dir)
    assert report.photos_downloaded == 2
    assert hashlib.sha256(files.preview_path(orig).read_bytes()).hexdigest() == preview
    # Originals only on request (the CLI takes the photo's id).
    photo_id = coordinator.conn.execute("SELECT id FROM photo WHERE sha256 = ?", [orig]).fetchone()[0]
    assert cli_main(["--data-dir", str(coordinator.data_dir), "sync", "fetch", photo_id]) == 0
    path = files.original_path(orig)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == orig
    # A file the server lacks is a clear refusal, and an unreachable server is Offline.
    with client_for(coordinator) as client, pytest.raises(SyncRefused) as refused:
        client.download_blob("ab" * 32, "thumb")
    assert refused.value.status == 404
    live_server.stop()
    with client_for(coordinator, retries=1) as client, pytest.raises(Offline):
        client.download_blob("cd" * 32, "thumb")


def test_status_is_honest_after_the_server_was_restored(live_server: LiveServer,
                                                        tmp_path: Path) -> None:
    from test_hostile_restore import admin

    a = enrolled(live_server, tmp_path / "a", "А")
    new_site(a, "Өмнө")
    sync(a)
    backup = tmp_path / "backup"
    assert admin(live_server, "backup", str(backup)).returncode == 0
    later = [new_site(a, f"Дараа {i}") for i in range(2)]
    sync(a)
    assert sc.summary(a)["pending_ops"] == 0
    live_server.kill()
    live_server.store.close()
    live_server._store = None
    assert admin(live_server, "restore", str(backup)).returncode == 0
    live_server.start()
    with client_for(a) as client:
        client.hello()
    # Acknowledged before, lost by the restored server: shown as waiting to be sent again.
    info = sc.summary(a)
    assert info["pending_ops"] == 2 and info["server_restored_at"]
    sync(a)
    assert sc.summary(a)["pending_ops"] == 0
    assert {s.id for s in later} <= set(live_server.store.dump()["site"])
