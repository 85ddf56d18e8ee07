from __future__ import annotations

from fastapi.testclient import TestClient
from portalhelp import login


def test_smoke(app, world) -> None:
    c = TestClient(app)
    r = login(c, "coord")
    assert r.status_code == 303, r.text
    r = c.get("/dashboard")
    assert r.status_code == 200, r.text
    for path in ["/map", "/sites", f"/sites/{world.ids['site']}", f"/visits/{world.ids['visits'][0]}",
                 "/public", "/admin", "/exports", f"/v/{world.ids['digests'][0]}", "/api/map?zoom=12&bbox=106,42,108,44"]:
        r = c.get(path)
        assert r.status_code == 200, (path, r.text[:3000])
    r = c.get(f"/visits/{world.ids['visits'][0]}/report.pdf")
    assert r.status_code == 200 and r.content[:4] == b"%PDF"
