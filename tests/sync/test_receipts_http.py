"""Seals on arrival over HTTP: the server checks a sealed visit and its receipt comes back."""

from __future__ import annotations

from pathlib import Path

from synchelp import client_for, enrolled, new_finding, new_person, new_site

from pemdesk import model
from pemdesk.storage.receipts import receipt_for
from pemdesk.sync import receipts


def sealed_visit(store) -> model.Visit:
    from pemdesk.verify import seal_visit
    from pemdesk.visits import finish_visit

    site = new_site(store)
    person = new_person(store)
    visit = model.Visit(site_id=site.id, started_at="2026-06-01T02:00:00.000Z",
                        created_by=person.id, purpose="Улирлын үзлэг")  # fmt: skip
    store.save(visit)
    store.save(model.Participant(visit_id=visit.id, person_id=person.id,
                                 role=model.PersonRole.MONITOR))  # fmt: skip
    new_finding(store, visit.id)
    finish_visit(store, visit.id)
    if not store.get(model.Visit, visit.id).seal_digest:
        seal_visit(store, visit.id)
    return store.get(model.Visit, visit.id)


def test_receipt_travels_back_and_is_kept(live_server, tmp_path: Path) -> None:
    store = enrolled(live_server, tmp_path / "bat", "Бат")
    visit = sealed_visit(store)
    with client_for(store) as c:
        c.sync()
    receipt = receipt_for(store, visit.id)
    assert receipt is not None and receipt["status"] == receipts.VERIFIED
    assert receipt["digest"] == visit.seal_digest
    assert receipts.verify_receipt(receipt, live_server.store.public_key_hex)
    # With every own seal receipted, a sync with nothing to do asks for no receipts.
    with client_for(store) as c:
        report = c.sync()
    assert report.round_trips <= 2
    store.close()
