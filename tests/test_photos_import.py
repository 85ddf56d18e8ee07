"""Importing photos the tests make themselves: every path of the pipeline on a fresh clone."""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from pemdesk import model
from pemdesk.cli import main
from pemdesk.errors import InvalidInput
from pemdesk.photos import ImportOptions, import_photos
from pemdesk.photos.files import PhotoFiles, hash_file
from pemdesk.photos.library import purge_unreferenced
from pemdesk.progress import Progress
from pemdesk.storage import photos as q
from photos_fixtures import make_bad_set, make_heic, make_jpeg, make_png


def _photo_count(store) -> int:
    return store.conn.execute("SELECT count(*) FROM photo").fetchone()[0]


def test_bad_photos_each_get_a_message_and_the_rest_import(store, tmp_path: Path) -> None:
    make_bad_set(tmp_path / "card")
    make_heic(
        tmp_path / "card" / "phone.heic", lat=47.918, lon=106.917, bearing=200.5, offset="+08:00"
    )
    make_png(tmp_path / "card" / "screen.png")
    summary = import_photos(store, [tmp_path / "card"])
    by_name = {Path(f.path).name: f for f in summary.files}
    assert len(by_name) == 10

    assert by_name["truncated.jpg"].status == "error"
    assert "truncated" in by_name["truncated.jpg"].message("en")
    assert by_name["empty.jpg"].status == "error"
    assert "empty" in by_name["empty.jpg"].message("en")
    assert by_name["notes.jpg"].status == "error"
    assert "Not an image" in by_name["notes.jpg"].message("en")
    assert "Зураг биш" in by_name["notes.jpg"].message("mn")

    assert by_name["no_exif.jpg"].status == "imported"
    assert "no EXIF" in by_name["no_exif.jpg"].message("en")
    assert by_name["broken_exif.jpg"].status == "imported"
    assert "broken" in by_name["broken_exif.jpg"].message("en")
    zero = by_name["zero_gps.jpg"]
    assert zero.status == "imported" and zero.lat is None and "0, 0" in zero.message("en")
    bad = by_name["impossible_gps.jpg"]
    assert bad.status == "imported" and bad.lat is None and "Impossible" in bad.message("en")
    assert bad.taken_at == "2025-06-01T04:34:56.000Z"  # camera zone +08:00 by default

    good = by_name["good.jpg"]
    assert good.status == "imported" and good.message("en") == ""
    assert (good.lat, good.lon, good.bearing) == (43.5, 106.1, 90.0)
    assert good.taken_at == "2025-06-01T04:34:56.000Z"
    heic = by_name["phone.heic"]
    assert heic.status == "imported" and heic.bearing == 200.5
    assert heic.lat == pytest.approx(47.918, abs=1e-6) and heic.lon == pytest.approx(
        106.917, abs=1e-6
    )
    photo = store.get(model.Photo, heic.photo_id)
    assert photo.mime == "image/heic" and photo.width == 320
    assert by_name["screen.png"].status == "imported"
    assert store.get(model.Photo, by_name["screen.png"].photo_id).mime == "image/png"

    # Every imported photo has its original (byte for byte) and a thumbnail.
    pf = PhotoFiles(store.data_dir)
    for f in summary.files:
        if f.status == "imported":
            assert hash_file(pf.original_path(f.sha256)) == f.sha256 == hash_file(f.path)
            assert pf.thumb_path(f.sha256).exists()
            assert q.blob(store, f.sha256)["kind"] == "original"


def test_importing_the_same_batch_again_changes_nothing(store, tmp_path: Path) -> None:
    make_bad_set(tmp_path / "card")
    first = import_photos(store, [tmp_path / "card"])
    photos, outbox = _photo_count(store), len(store.outbox())
    blobs = q.blobs(store)
    on_disk = sorted(p for p in (store.data_dir / "photos").rglob("*") if p.is_file())
    again = import_photos(store, [tmp_path / "card"])
    assert [f.status for f in again.files] == [
        "duplicate" if f.status == "imported" else f.status for f in first.files
    ]
    assert _photo_count(store) == photos and len(store.outbox()) == outbox
    assert q.blobs(store) == blobs
    assert sorted(p for p in (store.data_dir / "photos").rglob("*") if p.is_file()) == on_disk
    dup = next(f for f in again.files if f.status == "duplicate")
    orig = next(f for f in first.files if f.sha256 == dup.sha256)
    assert dup.photo_id == orig.photo_id
    assert "already imported" in dup.message("en")


def test_duplicates_within_one_batch_are_found_by_hash(store, tmp_path: Path) -> None:
    a = make_jpeg(tmp_path / "a.jpg", lat=45.0, lon=100.0)
    b = tmp_path / "copy" / "a (1).jpg"
    b.parent.mkdir()
    b.write_bytes(a.read_bytes())
    summary = import_photos(store, [a, b])
    assert [f.status for f in summary.files] == ["imported", "duplicate"]
    assert _photo_count(store) == 1


def test_originals_are_stored_read_only_with_no_temporary_files_left(store, tmp_path: Path) -> None:
    src = make_jpeg(tmp_path / "x.jpg")
    summary = import_photos(store, [src])
    path = PhotoFiles(store.data_dir).original_path(summary.files[0].sha256)
    assert path.read_bytes() == src.read_bytes()
    assert path.parent.name == summary.files[0].sha256[:2]
    if os.name == "posix":
        assert not stat.S_IMODE(path.stat().st_mode) & 0o222
    assert list((store.data_dir / "photos" / ".tmp").iterdir()) == []


@pytest.mark.parametrize("orientation", range(1, 9))
def test_thumbnails_honour_exif_orientation(store, tmp_path: Path, orientation: int) -> None:
    src = make_jpeg(tmp_path / f"o{orientation}.jpg", size=(400, 200), orientation=orientation)
    summary = import_photos(store, [src])
    photo = store.get(model.Photo, summary.files[0].photo_id)
    assert photo.orientation == orientation and (photo.width, photo.height) == (400, 200)
    with Image.open(PhotoFiles(store.data_dir).thumb_path(photo.sha256)) as thumb:
        portrait = orientation >= 5
        assert (thumb.height > thumb.width) == portrait
        w, h = thumb.size
        # The bright corner of the picture (top-left as stored) ends where orientation says.
        corner = {1: (0, 0), 2: (w - 1, 0), 3: (w - 1, h - 1), 4: (0, h - 1),
                  5: (0, 0), 6: (w - 1, 0), 7: (w - 1, h - 1), 8: (0, h - 1)}[orientation]  # fmt: skip
        px = thumb.convert("L").getpixel(
            (min(corner[0], w - 1) if corner[0] else 2, corner[1] or 2)
        )
        assert px > 200


def test_a_50_megapixel_photo_imports_with_a_message(store, tmp_path: Path) -> None:
    big = make_jpeg(
        tmp_path / "big.jpg", size=(8660, 5774), quality=30, taken="2025:07:01 09:00:00"
    )
    summary = import_photos(store, [big])
    result = summary.files[0]
    assert result.status == "imported"
    assert "50 MP" in result.message("en") and "50 MP" in result.message("mn")
    with Image.open(PhotoFiles(store.data_dir).thumb_path(result.sha256)) as thumb:
        assert max(thumb.size) <= 256


def test_camera_time_zone_and_offset_tag(store, tmp_path: Path) -> None:
    from datetime import timezone

    a = make_jpeg(tmp_path / "zone.jpg", taken="2025:06:01 12:00:00", offset="-05:00")
    b = make_jpeg(tmp_path / "none.jpg", taken="2025:06:01 12:00:00", color=(1, 2, 3))
    options = ImportOptions(camera_tz=timezone(timedelta(hours=7)))
    summary = import_photos(store, [a, b], options)
    assert summary.files[0].taken_at == "2025-06-01T17:00:00.000Z"  # its own offset wins
    assert summary.files[1].taken_at == "2025-06-01T05:00:00.000Z"  # the zone the user set


def test_cancel_keeps_what_was_done_and_database_and_files_agree(store, tmp_path: Path) -> None:
    for i in range(12):
        make_jpeg(tmp_path / "card" / f"p{i:02}.jpg", color=(i * 20, 10, 10))
    progress = Progress()
    calls = {"n": 0}
    original_step = progress.step

    def step(n: int = 1) -> None:
        original_step(n)
        calls["n"] += 1
        if calls["n"] == 5:
            progress.cancel()

    progress.step = step  # type: ignore[method-assign]
    summary = import_photos(store, [tmp_path / "card"], progress=progress)
    assert summary.cancelled and summary.imported == 5
    assert _photo_count(store) == 5
    pf = PhotoFiles(store.data_dir)
    assert sorted(pf.originals_on_disk()) == sorted(f.sha256 for f in summary.files)
    # The rest import later, the first five are duplicates.
    rest = import_photos(store, [tmp_path / "card"])
    assert rest.imported == 7 and rest.count("duplicate") == 5


def test_a_crash_between_file_and_record_leaves_only_an_orphan_file(
    store, tmp_path: Path, monkeypatch
) -> None:
    from pemdesk.photos import importer

    src = make_jpeg(tmp_path / "x.jpg")

    def crash(*args, **kwargs):
        raise OSError("power cut")

    monkeypatch.setattr(importer, "record_prepared", crash)
    with pytest.raises(OSError):
        import_photos(store, [src])
    monkeypatch.undo()
    assert _photo_count(store) == 0
    pf = PhotoFiles(store.data_dir)
    assert len(pf.originals_on_disk()) == 1  # a file no record names: harmless, cleaned up
    assert purge_unreferenced(store) == 1
    assert pf.originals_on_disk() == []
    assert import_photos(store, [src]).imported == 1


def test_import_into_a_visit_and_refusal_for_a_finished_visit(demo_store, tmp_path: Path) -> None:
    from pemdesk.storage import VisitFilter

    draft = demo_store.list_visits(VisitFilter(status=model.VisitStatus.DRAFT))[0]
    finished = demo_store.list_visits(VisitFilter(status=model.VisitStatus.FINISHED))[0]
    src = make_jpeg(tmp_path / "x.jpg")
    summary = import_photos(demo_store, [src], ImportOptions(visit_id=draft.id))
    assert demo_store.get(model.Photo, summary.files[0].photo_id).visit_id == draft.id
    with pytest.raises(InvalidInput):
        import_photos(
            demo_store,
            [make_jpeg(tmp_path / "y.jpg", color=(1, 1, 1))],
            ImportOptions(visit_id=finished.id),
        )


def test_photos_are_assigned_to_the_draft_visit_by_time_and_place(
    demo_store, tmp_path: Path
) -> None:
    from pemdesk.ids import parse_iso
    from pemdesk.storage import VisitFilter

    draft = demo_store.list_visits(VisitFilter(status=model.VisitStatus.DRAFT))[0]
    site = demo_store.get(model.Site, draft.site_id)
    local = parse_iso(draft.started_at) + timedelta(hours=8, minutes=30)
    near = make_jpeg(tmp_path / "near.jpg", taken=local.strftime("%Y:%m:%d %H:%M:%S"),
                     lat=site.lat, lon=site.lon)  # fmt: skip
    far = make_jpeg(tmp_path / "far.jpg", taken=local.strftime("%Y:%m:%d %H:%M:%S"),
                    lat=site.lat + 1.0, lon=site.lon, color=(9, 9, 9))  # fmt: skip
    other_day = make_jpeg(tmp_path / "old.jpg", taken="2019:01:01 10:00:00", color=(7, 7, 7))
    summary = import_photos(demo_store, [near, far, other_day])
    assert [f.visit_id for f in summary.files] == [draft.id, None, None]


def test_cli_import_json_and_exit_codes(tmp_path: Path, capsys) -> None:
    make_bad_set(tmp_path / "card")
    data = tmp_path / "data"
    assert (
        main(
            [
                "--data-dir",
                str(data),
                "--lang",
                "en",
                "import",
                "photos",
                str(tmp_path / "card"),
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    statuses = {Path(f["path"]).name: f["status"] for f in out["files"]}
    assert statuses["good.jpg"] == "imported" and statuses["empty.jpg"] == "error"
    for f in out["files"]:
        assert set(f) >= {
            "path",
            "status",
            "message",
            "sha256",
            "taken_at",
            "lat",
            "lon",
            "bearing",
        }
    good = next(f for f in out["files"] if f["path"].endswith("good.jpg"))
    assert (good["lat"], good["lon"], good["bearing"]) == (43.5, 106.1, 90.0)
    # Only broken files: nothing could be imported, non-zero exit.
    code = main(
        [
            "--data-dir",
            str(data),
            "--lang",
            "mn",
            "import",
            "photos",
            str(tmp_path / "card" / "empty.jpg"),
        ]
    )
    assert code == 1
    assert "хоосон" in capsys.readouterr().out
    # The same batch again: all duplicates, still a success.
    assert (
        main(["--data-dir", str(data), "import", "photos", str(tmp_path / "card" / "good.jpg")])
        == 0
    )


def test_disk_use_and_previews(store, tmp_path: Path) -> None:
    from pemdesk.photos.library import disk_usage, make_missing_previews, preview_path

    summary = import_photos(
        store, [make_jpeg(tmp_path / "a.jpg", size=(3000, 2000), orientation=6)]
    )
    usage = disk_usage(store)
    assert usage.originals == 1 and usage.originals_bytes == (tmp_path / "a.jpg").stat().st_size
    assert make_missing_previews(store) == 1
    photo = store.get(model.Photo, summary.files[0].photo_id)
    with Image.open(preview_path(store, photo)) as preview:
        assert preview.size == (853, 1280)  # upright: orientation 6 turns it portrait
    assert disk_usage(store).derived == 2


def test_sigkill_during_import_leaves_database_and_files_in_agreement(tmp_path: Path) -> None:
    """A real crash: the import is killed mid-way; every photo record has its whole original,
    and the next start's clean-up removes the rest (a half-written copy, orphan files)."""
    import signal
    import subprocess
    import sys
    import time

    from pemdesk.storage import Store

    for i in range(60):
        make_jpeg(tmp_path / "card" / f"p{i:02}.jpg", size=(1600, 1200), color=(i * 4, 90, 30))
    data = tmp_path / "data"
    Store.open(data).close()
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from pemdesk.storage import Store; from pemdesk.photos import import_photos;"
         "s = Store.open(sys.argv[1]); print('GO', flush=True); import_photos(s, [sys.argv[2]])",
         str(data), str(tmp_path / "card")],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None and child.stdout.readline().strip() == "GO"
    pf = PhotoFiles(data)
    deadline = time.time() + 60
    while len(pf.originals_on_disk()) < 30 and time.time() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait(30)
    with Store.open(data) as store:
        rows = store.conn.execute("SELECT sha256 FROM photo").fetchall()
        assert 0 < len(rows) < 60
        for (sha,) in rows:
            assert hash_file(pf.original_path(sha)) == sha
            assert q.blob(store, sha) is not None
        purge_unreferenced(store)
        assert sorted(pf.originals_on_disk()) == sorted(sha for (sha,) in rows)
        assert not list((data / "photos" / ".tmp").iterdir())
        again = import_photos(store, [tmp_path / "card"])
        assert again.imported + again.count("duplicate") == 60
        assert again.count("duplicate") == len(rows)


def test_xmp_dates_are_read_as_xml_not_by_regex(tmp_path) -> None:
    """Item 12: XMP dates were found by a regex; an element form (not an attribute) was missed."""
    from PIL import Image

    from pemdesk.photos.exif import _xmp_date

    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:exif="http://ns.adobe.com/exif/1.0/"><exif:DateTimeOriginal>'
        b"2025-06-01T10:15:00+08:00</exif:DateTimeOriginal></rdf:Description></rdf:RDF>"
        b"</x:xmpmeta>"
    )
    path = tmp_path / "xmp.jpg"
    Image.new("RGB", (8, 8)).save(path, "JPEG", xmp=xmp)
    with Image.open(path) as image:
        assert _xmp_date(image) == "2025-06-01T10:15:00+08:00"
