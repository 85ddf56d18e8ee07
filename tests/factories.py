"""Small record factories shared by tests (import as ``from factories import ...``)."""

from __future__ import annotations

from pemdesk import model
from pemdesk.gazetteer import Gazetteer
from pemdesk.storage import Store


def make_site(store: Store, name: str = "Тест уурхай") -> model.Site:
    soum = Gazetteer.load().find_soum("Ханбогд")
    site = model.Site(name_mn=name, aimag_code=soum.aimag_code, soum_code=soum.code,
                      licence_no="MV-000001", lon=106.85, lat=43.0)
    return store.save(site)


def make_visit(store: Store, site: model.Site, started: str = "2026-06-01T02:00:00.000Z") -> model.Visit:
    return store.save(model.Visit(site_id=site.id, started_at=started))
