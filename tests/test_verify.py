"""Sealing on finish, and tamper tests: ``pemdesk verify`` names exactly what changed."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from pemdesk import model, seal, visits
from pemdesk.cli import main
from pemdesk.errors import InvalidInput
from pemdesk.photos import ImportOptions, import_photos
from pemdesk.photos.files import PhotoFiles
from pemdesk.storage import Store, VisitFilter
from pemdesk.verify import seal_visit, verify, verify_qr
from photos_fixtures import make_jpeg


@pytest.fixture
def sealed(demo_store, tmp_path: Path):
    """A demo draft visit with two photos, finished (and so sealed) through the visit workflow."""
    draft = demo_store.list_visits(VisitFilter(status=model.VisitStatus.DRAFT))[0]
    srcs = [
        make_jpeg(tmp_path / f"p{i}.jpg", color=(i * 50, 90, 20), lat=45.0, lon=105.0 + i)
        for i in range(2)
    ]
    import_photos(demo_store, srcs, ImportOptions(visit_id=draft.id))
    demo_store.save(model.Finding(visit_id=draft.id, category="waste", description="Хог хаягдал"))
    visit = visits.finish_visit(demo_store, draft.id)
    return demo_store, visit


def _raw(store: Store) -> sqlite3.Connection:
    """A second connection: a change made behind the program's back."""
    return sqlite3.connect(str(store.path), isolation_level=None)


def test_finishing_seals_and_an_untouched_visit_verifies(sealed) -> None:
    store, visit = sealed
    assert visit.status == model.VisitStatus.FINISHED
    assert visit.seal_digest and visit.seal_signature and visit.seal_key
    assert seal.signature_valid(visit.seal_digest, visit.seal_signature, visit.seal_key)
    report = verify(store, visit.id)
    assert report.ok, report.as_json("en")
    doc = json.loads(
        store.conn.execute("SELECT document FROM visit_seal WHERE id=?", [visit.id]).fetchone()[0]
    )
    assert doc["visit"]["status"] == "finished" and len(doc["photos"]) == 2
    assert seal.digest(doc) == visit.seal_digest


def test_untouched_data_dir_verifies_clean(sealed) -> None:
    store, _visit = sealed
    report = verify(store)
    assert report.ok
    assert len(report.visits) >= 30
    # The demo's finished visits are sealed like any other.
    assert not any(n.code == "unsealed" for v in report.visits for n in v.notes)


def test_a_visit_finished_without_a_seal_is_told_apart_not_failed(sealed) -> None:
    store, _visit = sealed
    draft = next(v for v in store.list_visits() if v.status == "draft")
    # As an older program (or a bare database edit) would have left it: finished, no seal.
    store.conn.execute("UPDATE visit SET status = 'finished' WHERE id = ?", [draft.id])
    report = verify(store)
    assert report.ok
    notes = [n.code for v in report.visits if v.visit_id == draft.id for n in v.notes]
    assert notes == ["unsealed"]


def test_one_byte_of_a_stored_photo(sealed) -> None:
    store, visit = sealed
    photo = store.visit_detail(visit.id).photos[0]
    path = PhotoFiles(store.data_dir).original_path(photo.sha256)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    check = verify(store, visit.id).visits[0]
    assert [(p.code, p.record_id) for p in check.problems] == [("photo-changed", photo.id)]
    assert photo.id in check.problems[0].message("en")


def test_a_missing_photo_file(sealed) -> None:
    store, visit = sealed
    photo = store.visit_detail(visit.id).photos[1]
    PhotoFiles(store.data_dir).original_path(photo.sha256).unlink()
    check = verify(store, visit.id).visits[0]
    assert [(p.code, p.record_id) for p in check.problems] == [("photo-missing", photo.id)]


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("observation", "value_num", 999.0),
        ("observation", "comment", "changed"),
        ("finding", "description", "nothing to see"),
        ("photo", "caption", "another place"),
        ("photo", "sha256", "00" * 32),
        ("visit", "notes", "edited later"),
        ("visit", "started_at", "2020-01-01T00:00:00.000Z"),
    ],
)
def test_one_value_changed_in_the_database(sealed, table: str, column: str, value) -> None:
    store, visit = sealed
    key = "id" if table == "visit" else "visit_id"
    with _raw(store) as raw:
        rid = raw.execute(
            f"SELECT id FROM {table} WHERE {key}=? ORDER BY id LIMIT 1", [visit.id]
        ).fetchone()[0]
        raw.execute(f"UPDATE {table} SET {column}=? WHERE id=?", [value, rid])
    check = verify(store, visit.id).visits[0]
    named = [(p.record_id, p.field) for p in check.problems if p.code == "changed"]
    assert named == [(rid, column)], check.as_json("en")
    assert not any(p.code.startswith("photo-") for p in check.problems)


def test_a_record_added_or_removed_behind_the_programs_back(sealed) -> None:
    store, visit = sealed
    with _raw(store) as raw:
        obs = raw.execute(
            "SELECT id FROM observation WHERE visit_id=? LIMIT 1", [visit.id]
        ).fetchone()[0]
        raw.execute("UPDATE observation SET _deleted=1 WHERE id=?", [obs])
        raw.execute("UPDATE sync_ctx SET applying_remote=1")
        raw.execute(
            "INSERT INTO finding (id, visit_id, category, description, severity, follow_up, created_at, "
            "updated_at) VALUES ('f-new', ?, 'waste', 'x', 'low', 'open', 'now', 'now')",
            [visit.id],
        )
        raw.execute("UPDATE sync_ctx SET applying_remote=0")
    check = verify(store, visit.id).visits[0]
    assert {(p.code, p.record_id) for p in check.problems} == {("removed", obs), ("added", "f-new")}


def test_the_seal_itself_altered(sealed) -> None:
    store, visit = sealed
    with _raw(store) as raw:
        raw.execute("UPDATE visit SET seal_signature=? WHERE id=?", ["00" * 64, visit.id])
    assert [p.code for p in verify(store, visit.id).visits[0].problems] == ["bad-signature"]
    with _raw(store) as raw:
        raw.execute(
            "UPDATE visit SET seal_signature=?, seal_digest=NULL WHERE id=?",
            [visit.seal_signature, visit.id],
        )
    assert [p.code for p in verify(store, visit.id).visits[0].problems] == ["seal-removed"]


def test_an_altered_digest_is_named_as_such(sealed) -> None:
    store, visit = sealed
    with _raw(store) as raw:
        raw.execute("UPDATE visit SET seal_digest=? WHERE id=?", ["22" * 32, visit.id])
    codes = [p.code for p in verify(store, visit.id).visits[0].problems]
    assert codes == ["seal-mismatch", "bad-signature"]


def test_a_consistent_forgery_of_record_and_document_still_fails_the_signature(sealed) -> None:
    store, visit = sealed
    with _raw(store) as raw:
        raw.execute("UPDATE visit SET notes='forged' WHERE id=?", [visit.id])
    doc = json.loads(
        store.conn.execute("SELECT document FROM visit_seal WHERE id=?", [visit.id]).fetchone()[0]
    )
    doc["visit"]["notes"] = "forged"
    forged = seal.digest(doc)
    with _raw(store) as raw:
        raw.execute("UPDATE visit SET seal_digest=? WHERE id=?", [forged, visit.id])
        raw.execute(
            "UPDATE visit_seal SET digest=?, document=? WHERE id=?",
            [forged, seal.canonical_json(doc).decode(), visit.id],
        )
    assert [p.code for p in verify(store, visit.id).visits[0].problems] == ["bad-signature"]


def test_an_amendment_is_a_new_revision_chained_to_the_old_seal(sealed) -> None:
    store, visit = sealed
    draft = visits.amend_visit(store, visit.id)
    assert draft.revision == 2 and draft.supersedes == visit.id
    amended = visits.finish_visit(store, draft.id)
    doc = json.loads(
        store.conn.execute("SELECT document FROM visit_seal WHERE id=?", [amended.id]).fetchone()[0]
    )
    assert doc["previous_seal"] == visit.seal_digest
    report = verify(store)
    assert report.ok
    old = next(v for v in report.visits if v.visit_id == visit.id)
    assert old.superseded_by == amended.id
    # Re-sealing the old revision behind the program's back breaks the chain.
    with _raw(store) as raw:
        raw.execute("UPDATE visit SET seal_digest=? WHERE id=?", ["11" * 32, visit.id])
    problems = verify(store, amended.id).visits[0].problems
    assert [(p.code, p.sealed, p.current) for p in problems] == [
        ("chain-broken", visit.seal_digest, "11" * 32)
    ]


def test_photos_of_a_finished_visit_are_locked(sealed) -> None:
    from pemdesk.photos.library import delete_photo, remove_from_visit, set_caption

    store, visit = sealed
    photo = store.visit_detail(visit.id).photos[0]
    for action in (lambda: remove_from_visit(store, photo.id), lambda: set_caption(store, photo.id, "x"),
                   lambda: delete_photo(store, photo.id)):  # fmt: skip
        with pytest.raises(InvalidInput):
            action()
    assert verify(store, visit.id).ok


def test_qr_code_accepted_and_rejected(sealed) -> None:
    store, visit = sealed
    code = seal.qr_payload(visit)
    assert verify_qr(store, code).ok
    with _raw(store) as raw:
        raw.execute("UPDATE observation SET value_num=value_num+1 WHERE visit_id=?", [visit.id])
    assert not verify_qr(store, code).ok
    other = code[:-4] + ("0000" if not code.endswith("0000") else "1111")
    assert "qr-mismatch" in [p.code for p in verify_qr(store, other).visits[0].problems]


def test_sealing_a_draft_by_id_is_refused(demo_store) -> None:
    draft = demo_store.list_visits(VisitFilter(status=model.VisitStatus.DRAFT))[0]
    with pytest.raises(InvalidInput):
        seal_visit(demo_store, draft.id)


def test_cli_verify(sealed, capsys) -> None:
    store, visit = sealed
    data = str(store.data_dir)
    assert main(["--data-dir", data, "--lang", "en", "verify", visit.id]) == 0
    assert "OK" in capsys.readouterr().out
    assert main(["--data-dir", data, "verify", "--qr", seal.qr_payload(visit), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    with _raw(store) as raw:
        obs = raw.execute(
            "SELECT id FROM observation WHERE visit_id=? LIMIT 1", [visit.id]
        ).fetchone()[0]
        raw.execute("UPDATE observation SET unit='mg' WHERE id=?", [obs])
    assert main(["--data-dir", data, "--lang", "en", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"observation {obs}.unit" in out and "CHANGED" in out
    assert main(["--data-dir", data, "verify", "--json", visit.id]) == 1
    problems = json.loads(capsys.readouterr().out)["visits"][0]["problems"]
    assert [(p["record_id"], p["field"]) for p in problems] == [(obs, "unit")]
    assert main(["--data-dir", data, "verify", "--qr", "PEMDESK1|nope"]) == 1
