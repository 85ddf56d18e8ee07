"""A small world for the portal tests: a laptop that records and seals visits, a server that
received them through the real push path, and the portal app on top (in process)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pemdesk import model
from pemdesk.device_key import load_or_create
from pemdesk.gazetteer import Gazetteer
from pemdesk.storage import Store
from pemdesk.storage import sync_client as sc
from pemdesk.sync.server.store import ServerStore

PASSWORD = "correct horse battery"
HERDER_NAME = "Должинсүрэн Батбаяр"
HERDER_PHONE = "99112233"
XSS_NAME = "<script>alert(1)</script>"


@dataclass
class World:
    server: ServerStore
    laptop: Store
    device_id: str
    ids: dict[str, Any] = field(default_factory=dict)

    def push(self) -> None:
        ops = sc.pending_ops(self.laptop, limit=None)
        if not ops:
            return
        result = self.server.apply_push(self.device_id, ops, "http")
        bad = [r for r in result.results if r["status"] not in ("applied", "duplicate", "skipped")]
        assert not bad, bad
        sc.mark_acked(self.laptop, result.results, result.high_water)


def build_world(tmp: Path, database_url: str | None = None) -> World:
    server = ServerStore.open(tmp / "server", database_url)
    laptop = Store.open(tmp / "laptop")
    code = server.issue_code("Бат", "coordinator")
    key = load_or_create(laptop.data_dir)
    enrolled = server.enroll(code, key.public_hex, "laptop-1")
    w = World(server, laptop, enrolled["device_id"])
    populate(w)
    w.push()
    return w


def populate(w: World) -> None:
    from pemdesk.visits import finish_visit, start_visit

    store = w.laptop
    gaz = Gazetteer.load()
    soum = gaz.find_soum("Ханбогд")
    site = store.save(model.Site(name_mn="Оюу толгой туршилт", name_en="Oyu test", aimag_code=soum.aimag_code,
                                 soum_code=soum.code, licence_no="MV-000001", holder="Туршилт ХХК",
                                 mineral="зэс", kind=model.SiteKind.MINE, lon=106.85, lat=43.0))
    xss = store.save(model.Site(name_mn=XSS_NAME, aimag_code=soum.aimag_code, soum_code=soum.code,
                                kind=model.SiteKind.MINE, lon=106.9, lat=43.1, licence_no="MV-000002"))
    plots = []
    for i, (stage, dx) in enumerate(((model.PlotStage.DISTURBED, 0.0),
                                     (model.PlotStage.TECHNICAL, 0.01),
                                     (model.PlotStage.BIOLOGICAL, 0.02))):
        lon, lat = 106.85 + dx, 43.0
        ring = [[lon, lat], [lon + 0.005, lat], [lon + 0.005, lat + 0.004], [lon, lat + 0.004], [lon, lat]]
        plots.append(store.save(model.Plot(site_id=site.id, name=f"Талбай {i + 1}", stage=stage,
                                           geometry={"type": "Polygon", "coordinates": [ring]},
                                           disturbed_on="2023-05-01",
                                           technical_on="2024-06-01" if i >= 1 else None,
                                           biological_on="2025-07-01" if i >= 2 else None)))
    store.save(model.PhotoPoint(site_id=site.id, name="Зургийн цэг 1", lon=106.851, lat=43.001))
    herder = store.save(model.Person(name=HERDER_NAME, role=model.PersonRole.HERDER,
                                     phone=HERDER_PHONE))
    monitor = model.Person(name="Батмөнх Монитор", role=model.PersonRole.MONITOR, phone="88001122")
    visits = []
    for n, day in enumerate(("2026-05-10", "2026-06-12", "2026-06-20")):
        v = start_visit(store, site.id, started_at=f"{day}T02:00:00.000Z", monitor=monitor,
                        plot_ids=[plots[0].id])
        v.purpose = "Улирлын хяналт"
        v.weather = "Нартай"
        store.save(v)
        store.save(model.Participant(visit_id=v.id, person_id=herder.id, role=model.PersonRole.HERDER))
        store.save(model.Observation(visit_id=v.id, indicator="water.ph", value_num=9.1 if n == 0 else 7.2))
        store.save(model.Finding(visit_id=v.id, category="waste", description="Хог хаягдал ил задгай",
                                 severity=model.Severity.HIGH if n else model.Severity.LOW))
        visits.append(finish_visit(store, v.id))
    draft = start_visit(store, xss.id, started_at="2026-07-01T02:00:00.000Z", monitor=monitor)
    w.ids.update(site=site.id, xss=xss.id, plots=[p.id for p in plots], visits=[v.id for v in visits],
                 draft=draft.id, digests=[store.get(model.Visit, v.id).seal_digest for v in visits])
