"""A participant's name corrected after sealing is a correction, not tampering (issue 11)."""

from __future__ import annotations

import pytest

from factories import make_site
from pemdesk import model
from pemdesk.cli import main as cli_main
from pemdesk.storage import Store
from pemdesk.verify import verify
from pemdesk.visits import finish_visit


def _sealed_visit(store: Store) -> tuple[model.Visit, model.Person, model.Participant]:
    site = make_site(store)
    visit = store.save(model.Visit(site.id, "2026-06-01T02:00:00.000Z", purpose="шалгалт"))
    person = store.save(model.Person("Б. Сарантуяа"))
    part = store.save(model.Participant(visit.id, person.id, model.PersonRole.MONITOR))
    store.save(model.Observation(visit.id, "water.ph", value_num=7.25))
    finish_visit(store, visit.id)
    assert verify(store, visit.id, check_files=False).ok
    return visit, person, part


def test_a_corrected_name_is_told_as_a_correction(store: Store,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    visit, person, _part = _sealed_visit(store)
    person.name = "Б. Сарантуяа (засвар)"
    store.save(person)
    report = verify(store, visit.id, check_files=False)
    check = report.visits[0]
    assert report.ok and check.problems == []
    notes = [n for n in check.notes if n.code == "person-corrected"]
    assert len(notes) == 1 and notes[0].sealed == "Б. Сарантуяа"
    assert notes[0].current == "Б. Сарантуяа (засвар)"
    assert cli_main(["--data-dir", str(store.data_dir), "--lang", "en", "verify", visit.id]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK") and "corrected in the person record after sealing" in out


def test_changed_sealed_content_is_still_changed(store: Store) -> None:
    visit, person, part = _sealed_visit(store)
    person.name = "Өөр нэр"
    store.save(person)
    store.conn.execute("UPDATE observation SET value_num = 8.5 WHERE visit_id = ?", [visit.id])
    report = verify(store, visit.id, check_files=False)
    assert not report.ok
    codes = {p.code for p in report.visits[0].problems}
    assert "changed" in codes
    assert any(n.code == "person-corrected" for n in report.visits[0].notes)


def test_a_swapped_participant_is_not_a_correction(store: Store) -> None:
    visit, _person, part = _sealed_visit(store)
    other = store.save(model.Person("Хэн нэгэн"))
    store.conn.execute("UPDATE participant SET person_id = ? WHERE id = ?", [other.id, part.id])
    report = verify(store, visit.id, check_files=False)
    assert not report.ok
    assert not any(n.code == "person-corrected" for n in report.visits[0].notes)
    assert {p.field for p in report.visits[0].problems} >= {"person_id", "person_name"}
