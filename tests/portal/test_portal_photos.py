"""Photos on the portal: the synced thumbnail and preview are served, the original only to staff,
photo points show year-by-year pairs, and the server's PDF prints the preview."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from portalhelp import login
from world import PASSWORD, build_world

from pemdesk import model


def jpeg(path: Path, size: tuple[int, int], colour: tuple[int, int, int]) -> str:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG", quality=80)
    path.write_bytes(buf.getvalue())
    return hashlib.sha256(buf.getvalue()).hexdigest()


@pytest.fixture(scope="module")
def photo_world(tmp_path_factory: pytest.TempPathFactory):
    from pemdesk.portal import accounts, server_app
    from pemdesk.visits import finish_visit, start_visit

    tmp = tmp_path_factory.mktemp("photos")
    w = build_world(tmp / "w")
    store = w.laptop
    original, thumb, preview = tmp / "o.jpg", tmp / "t.jpg", tmp / "p.jpg"
    sha_o = jpeg(original, (1600, 1200), (40, 120, 60))
    sha_t = jpeg(thumb, (160, 120), (40, 120, 60))
    sha_p = jpeg(preview, (1280, 960), (40, 120, 60))
    point = store.list_photo_points(w.ids["site"])[0]
    monitor = model.Person(name="Зурагчин", role=model.PersonRole.MONITOR)
    visit = start_visit(store, w.ids["site"], started_at="2024-07-01T02:00:00.000Z", monitor=monitor)
    visit.purpose = "Зургийн цэг"
    store.save(visit)
    ph = store.save(model.Photo(sha256=sha_o, visit_id=visit.id, photo_point_id=point.id,
                                taken_at="2024-07-01T03:00:00.000Z", caption="Хойд энгэр"))
    finish_visit(store, visit.id)
    w.push()
    assert w.server.add_blob(sha_o, original, "original", "image/jpeg", device_id=w.device_id)
    assert w.server.add_blob(sha_t, thumb, "thumb", "image/jpeg", sha_o, device_id=w.device_id)
    assert w.server.add_blob(sha_p, preview, "preview", "image/jpeg", sha_o, device_id=w.device_id)
    app = server_app(w.server)
    accounts.add_user(w.server.db, "coord", "coordinator", PASSWORD)
    accounts.set_public(w.server.db, w.ids["site"], True, "test")
    yield w, app, visit.id, ph.id, (sha_o, sha_t, sha_p)
    w.laptop.close()
    w.server.close()


def test_thumbnails_previews_and_originals(photo_world) -> None:
    w, app, visit_id, photo_id, (sha_o, sha_t, sha_p) = photo_world
    anon = TestClient(app)
    page = anon.get(f"/visits/{visit_id}").text
    assert f"/photos/{photo_id}?variant=thumb" in page and "Хойд энгэр" in page
    assert hashlib.sha256(anon.get(f"/photos/{photo_id}?variant=thumb").content).hexdigest() == sha_t
    assert hashlib.sha256(anon.get(f"/photos/{photo_id}?variant=preview").content).hexdigest() == sha_p
    assert anon.get(f"/photos/{photo_id}?variant=original").status_code == 403
    coord = TestClient(app)
    login(coord, "coord")
    assert hashlib.sha256(coord.get(f"/photos/{photo_id}?variant=original").content).hexdigest() == sha_o
    site = anon.get(f"/sites/{w.ids['site']}").text
    assert re.search(r"<figcaption>2024</figcaption>", site)  # the photo point's year
    # The server's PDF prints the synced preview (the read model links it where reports look).
    pdf = anon.get(f"/visits/{visit_id}/report.pdf").content
    assert pdf[:4] == b"%PDF" and b"/Subtype /Image" in pdf
