"""Upgrades keep data: a data folder written by the first release (schema 1) opens in this one.

The fixture ``tests/fixtures/v1_datadir`` is made by ``tests/fixtures/make_v1_datadir.py`` (see
there); each test works on a copy.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from pemdesk import i18n, model, verify, visits
from pemdesk.cli import main as cli_main
from pemdesk.errors import InvalidInput
from pemdesk.photos.files import PhotoFiles
from pemdesk.storage import Store
from pemdesk.storage.db import DB_FILENAME
from pemdesk.storage.migrations import SCHEMA_VERSION

FIXTURE = Path(__file__).parent / "fixtures" / "v1_datadir"
VISIT_DONE = "0190a000-0000-7000-8000-000000000301"
VISIT_DRAFT = "0190a000-0000-7000-8000-000000000302"
SITE_MINE = "0190a000-0000-7000-8000-000000000101"
PLOT_A = "0190a000-0000-7000-8000-000000000201"
TRACK = "0190a000-0000-7000-8000-000000000501"


@pytest.fixture
def v1_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(FIXTURE, target)
    return target


def raw_version(data_dir: Path) -> int:
    conn = sqlite3.connect(str(data_dir / DB_FILENAME))
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def test_fixture_is_schema_1_with_pending_changes(v1_dir: Path) -> None:
    assert raw_version(v1_dir) == 1
    conn = sqlite3.connect(str(v1_dir / DB_FILENAME))
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "visit_seal" not in tables  # came with m002
        assert conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0] == 26
    finally:
        conn.close()


def test_opening_migrates_and_keeps_every_record(v1_dir: Path) -> None:
    with Store.open(v1_dir) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.check() == []
        assert {p.name for p in store.list_people()} == {
            "Батбаяр Дорж",
            "Оюунчимэг Сүхбаатар",
            "Гантөмөр Өлзий",
        }
        sites = {s.id: s for s in store.list_sites()}
        assert sites[SITE_MINE].name_mn == "Оюу толгойн ил уурхай"
        assert sites[SITE_MINE].licence_no == "MV-006709"
        plots = {p.id: p for p in store.list_plots(SITE_MINE)}
        assert plots[PLOT_A].stage == model.PlotStage.TECHNICAL
        assert plots[PLOT_A].geometry["type"] == "Polygon"
        assert plots[PLOT_A].area_ha == pytest.approx(10.6)

        done = store.visit_detail(VISIT_DONE)
        assert done.visit.status == model.VisitStatus.FINISHED
        assert done.visit.purpose == "Улирлын хамтарсан хяналт"
        assert done.visit.plot_ids == [PLOT_A]
        assert len(done.participants) == 3
        values = {o.indicator: (o.value_num, o.value_text) for o in done.observations}
        assert values["air.pm10"] == (164.0, None)
        assert values["soil.erosion_class"] == (None, "moderate")
        assert len(done.findings) == 2
        assert {f.severity for f in done.findings} == {model.Severity.HIGH, model.Severity.MEDIUM}
        assert len(done.photos) == 2

        draft = store.visit_detail(VISIT_DRAFT)
        assert draft.visit.status == model.VisitStatus.DRAFT
        assert [o.indicator for o in draft.observations] == ["water.ph"]  # tombstone stays hidden

        track = store.get(model.Track, TRACK)
        assert track.geometry["type"] == "LineString"

        # Unsynced changes of the old release are still waiting to be sent.
        pending = store.conn.execute(
            "SELECT count(*) FROM sync_outbox WHERE state = 'pending'"
        ).fetchone()[0]
        assert pending >= 26


def test_photo_originals_are_found_and_intact(v1_dir: Path) -> None:
    with Store.open(v1_dir) as store:
        files = PhotoFiles(v1_dir)
        for photo in store.visit_detail(VISIT_DONE).photos:
            path = files.original_path(photo.sha256)
            assert path.is_file()
            assert hashlib.sha256(path.read_bytes()).hexdigest() == photo.sha256


def test_old_records_behave_as_new_ones(v1_dir: Path) -> None:
    with Store.open(v1_dir) as store:
        finished = store.get(model.Visit, VISIT_DONE)
        finished.notes = "changed after finishing"
        with pytest.raises(InvalidInput):
            store.save(finished)  # still locked
        # The old draft can be finished now: it is sealed by this release and verifies.
        done = visits.finish_visit(store, VISIT_DRAFT)
        assert done.seal_digest
        assert verify.verify(store, VISIT_DRAFT).ok
        assert store.check() == []


def test_second_open_changes_nothing(v1_dir: Path) -> None:
    with Store.open(v1_dir) as store:
        before = store.conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0]
    with Store.open(v1_dir) as store:
        assert store.conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0] == before
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_db_check_command_is_clean(v1_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lang = i18n.get_language()
    try:
        _check_commands(v1_dir, capsys)
    finally:
        i18n.set_language(lang)  # --lang sets the process-wide language


def _check_commands(v1_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["--lang", "en", "--data-dir", str(v1_dir), "db", "check"]) == 0
    assert cli_main(["--lang", "en", "--data-dir", str(v1_dir), "visits", "list"]) == 0
    out = capsys.readouterr().out
    assert "Улирлын хамтарсан хяналт" in out or VISIT_DONE[:8] in out or "2025" in out
