"""The portal over HTTP (in process): permissions, CSRF, sessions, escaping, redaction, verify."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from portalhelp import login
from world import HERDER_NAME, HERDER_PHONE, PASSWORD, XSS_NAME

from pemdesk.portal.web import Perm

PORTAL = Path(__file__).resolve().parents[2] / "src" / "pemdesk" / "portal"


def all_routes(routes) -> list:
    out = []
    for r in routes:
        inner = getattr(r, "original_router", None)
        out += all_routes(inner.routes) if inner is not None else [r]
    return out


def test_every_route_has_an_explicit_permission(app) -> None:
    """Portal routes carry a Perm; sync routes (/v1) are device-signed; docs are public."""
    missing = []
    routes = all_routes(app.routes)
    for route in routes:
        path = getattr(route, "path", "")
        if path.startswith("/v1/") or path in ("/openapi.json", "/docs", "/docs/oauth2-redirect",
                                               "/redoc", "/static"):
            continue
        if not isinstance(route, APIRoute) or not isinstance(getattr(route.endpoint, "permission", None), Perm):
            missing.append(path)
    assert missing == []
    assert sum(1 for r in routes if isinstance(r, APIRoute) and not r.path.startswith("/v1/")) > 15


def test_anonymous_and_monitor_are_kept_out_of_coordinator_pages(app, world) -> None:
    anon = TestClient(app)
    r = anon.get("/dashboard", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    mon = TestClient(app)
    assert login(mon, "mon").status_code == 303
    for path in ("/dashboard", "/api/dashboard", "/exports", "/admin", "/exports/visits.csv"):
        assert mon.get(path, follow_redirects=False).status_code == 403, path
    assert mon.get(f"/sites/{world.ids['site']}").status_code == 200
    comp = TestClient(app)
    login(comp, "comp")
    assert comp.get(f"/sites/{world.ids['site']}").status_code == 404  # not its licence
    assert comp.get(f"/sites/{world.ids['xss']}").status_code == 200


def test_forms_without_their_csrf_token_are_refused(app, world) -> None:
    c = TestClient(app)
    r = c.post("/login", data={"name": "coord", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    login(c, "coord")
    r = c.post(f"/admin/sites/{world.ids['site']}/public", data={"public": "1"}, follow_redirects=False)
    assert r.status_code == 403
    r = c.post(f"/admin/sites/{world.ids['site']}/public", data={"public": "1", "csrf": "forged"},
               follow_redirects=False)
    assert r.status_code == 403
    assert world.ids["site"] not in app.state.portal.public_sites()


def test_a_script_in_a_site_name_is_shown_as_text(app, world) -> None:
    c = TestClient(app)
    login(c, "coord")
    for path in (f"/sites/{world.ids['xss']}", "/sites", "/admin"):
        html = c.get(path).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert XSS_NAME not in html, path


def test_login_is_rate_limited_and_cookies_are_safe(app) -> None:
    from pemdesk.portal.accounts import RateLimiter

    c2 = TestClient(app)
    r = login(c2, "coord")
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    c = TestClient(app)
    for _ in range(5):
        assert login(c, "coord", "wrong password").status_code == 401
    r = login(c, "coord", PASSWORD)  # even the right password waits now
    assert r.status_code == 429
    app.state.portal.limiter = RateLimiter()


def test_password_change_ends_older_sessions(app) -> None:
    from pemdesk.portal import accounts

    accounts.add_user(app.state.portal.db, "changer", "monitor", PASSWORD)
    old, new = TestClient(app), TestClient(app)
    login(old, "changer")
    login(new, "changer")
    page = new.get("/account").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    r = new.post("/account", data={"csrf": token, "current": PASSWORD, "new": "another long pass",
                                   "again": "another long pass"})
    assert r.status_code == 200 and "ok" in r.text
    assert new.get("/account", follow_redirects=False).status_code == 200
    assert old.get("/account", follow_redirects=False).status_code == 303  # logged out


def test_public_pages_show_roles_not_names(app, world) -> None:
    from pemdesk.portal import accounts

    accounts.set_public(app.state.portal.db, world.ids["site"], True, "test")
    app.state.portal.forget_public_cache()
    anon = TestClient(app)
    pages = ["/public", f"/sites/{world.ids['site']}", *[f"/visits/{v}" for v in world.ids["visits"]]]
    for path in pages:
        r = anon.get(path)
        assert r.status_code == 200, path
        assert HERDER_NAME not in r.text and HERDER_PHONE not in r.text, path
        assert "Батмөнх" not in r.text and "88001122" not in r.text, path
    assert "Малчин" in anon.get(f"/visits/{world.ids['visits'][0]}").text or \
        "herder" in anon.get(f"/visits/{world.ids['visits'][0]}?lang=en").text.lower()
    # a private site and a draft stay hidden
    assert anon.get(f"/sites/{world.ids['xss']}").status_code == 404
    assert anon.get(f"/visits/{world.ids['draft']}").status_code == 404
    coord = TestClient(app)
    login(coord, "coord")
    assert HERDER_NAME in coord.get(f"/visits/{world.ids['visits'][0]}").text


def test_verify_genuine_changed_unknown(app, world) -> None:
    c = TestClient(app)
    genuine = world.ids["digests"][0]
    assert c.get(f"/api/verify/{genuine}").json()["status"] == "genuine"
    assert 'data-status="genuine"' in c.get(f"/v/{genuine}").text
    assert c.get("/api/verify/" + "ab" * 32).json()["status"] == "unknown"
    assert c.get("/api/verify/not-a-digest").json()["status"] == "unknown"
    # Someone edits an observation of a sealed visit in the server's database.
    target = world.ids["visits"][1]
    tamper_observation(world.server, target, 1.5)
    app.state.portal.rm.refresh(force=True)
    changed = world.ids["digests"][1]
    res = c.get(f"/api/verify/{changed}").json()
    assert res["status"] == "changed" and res["problems"]
    html = c.get(f"/v/{changed}").text
    assert 'data-status="changed"' in html and 'data-status="genuine"' not in html


def tamper_observation(server, visit_id: str, value: float) -> None:
    db = server.db
    with db.transaction() as conn:
        for rid, data in db.query(conn, "SELECT id, data FROM record WHERE entity = 'observation'"):
            d = json.loads(data)
            if d.get("visit_id") == visit_id:
                d["value_num"] = value
                seq = db.one(conn, "SELECT value FROM counter WHERE name = 'seq'")[0] + 1
                db.execute(conn, "UPDATE counter SET value = ? WHERE name = 'seq'", [seq])
                db.execute(conn, "UPDATE record SET data = ?, server_seq = ? WHERE entity = "
                           "'observation' AND id = ?", [json.dumps(d), seq, rid])
                return
    raise AssertionError("no observation")


def test_dashboard_figures_equal_the_database(app, world) -> None:
    c = TestClient(app)
    login(c, "coord")
    data = c.get("/api/dashboard").json()
    laptop = world.laptop.conn
    assert data["visits"] == laptop.execute("SELECT count(*) FROM visit").fetchone()[0] == 4
    assert data["finished"] == 3
    assert data["open_findings"] == 3
    ph = next(o for o in data["over_limits"] if o["indicator"] == "water.ph")
    assert ph["measured"] == 3 and ph["over"] >= 1
    national = [t for t in data["targets"] if t["level"] == "national" and t["target_ha"] == 8000]
    assert national, data["targets"]
    html = c.get("/dashboard").text
    assert '<span class="n" id="fig-visits">4</span>' in html


def test_map_api_returns_plots_in_stage_colours(app, world) -> None:
    c = TestClient(app)
    login(c, "coord")
    near = c.get("/api/map?bbox=106.8,42.9,107,43.2&zoom=14").json()
    plots = [f for f in near["features"] if f["properties"]["layer"] == "plot"]
    assert {f["properties"]["colour"] for f in plots} == {"#d55e00", "#e69f00", "#009e73"}
    assert all(f["geometry"]["type"] == "Polygon" for f in plots)
    assert any(f["properties"]["layer"] == "visit" for f in near["features"])
    far = c.get("/api/map?zoom=5").json()
    assert all(f["geometry"]["type"] == "Point" for f in far["features"])  # tiny at country scale
    assert not any(f["properties"]["layer"] == "visit" for f in far["features"])
    staged = c.get("/api/map?bbox=106.8,42.9,107,43.2&zoom=14&stage=technical&layers=plots").json()
    assert [f["properties"]["stage"] for f in staged["features"]] == ["technical"]
    assert c.get("/api/map?bbox=bad").status_code == 400


def test_exports_csv_xlsx_gpkg(app, world, tmp_path: Path) -> None:
    c = TestClient(app)
    login(c, "coord")
    csv_text = c.get("/exports/visits.csv").content.decode("utf-8-sig")
    assert csv_text.count("\r\n") == 1 + 4 and "Оюу толгой туршилт" in csv_text
    only = c.get("/exports/visits.csv?from=2026-06-01&to=2026-06-15").content.decode("utf-8-sig")
    assert only.count("\r\n") == 2
    obs = c.get("/exports/observations.csv?lang=en").content.decode("utf-8-sig")
    assert "over_limit" in obs.splitlines()[0]
    xlsx = tmp_path / "t.xlsx"
    xlsx.write_bytes(c.get("/exports/tables.xlsx").content)
    from openpyxl import load_workbook

    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["visits", "observations", "findings"]
    assert wb["findings"].max_row == 1 + 3
    gpkg = tmp_path / "m.gpkg"
    r = c.get("/exports/map.gpkg")
    assert r.status_code == 200
    gpkg.write_bytes(r.content)
    if shutil.which("ogrinfo") is None:
        pytest.skip("ogrinfo (Debian gdal-bin) is not installed")
    out = subprocess.run(["ogrinfo", "-so", "-al", str(gpkg)], capture_output=True, text=True,
                         check=True).stdout
    assert "Layer name: plots" in out and "Multi Polygon" in out and "Feature Count: 3" in out
    assert "EPSG" in out or "WGS 84" in out


def test_every_portal_string_is_translated() -> None:
    from pemdesk import i18n

    found = set()
    for p in PORTAL.rglob("*.html"):
        found |= set(re.findall(r'_\("((?:[^"\\]|\\.)*)"\)', p.read_text(encoding="utf-8")))
    for p in PORTAL.rglob("*.py"):
        for a, b in re.findall(r'ctx\._\(\s*"((?:[^"\\]|\\.)*)"(?:\s*"((?:[^"\\]|\\.)*)")?',
                               p.read_text(encoding="utf-8")):
            found.add(a + b)
    assert len(found) > 100
    missing = sorted(m for m in found if m not in i18n._catalogue("mn"))
    assert missing == []


def test_pages_are_mongolian_by_default_and_english_on_request(app, world) -> None:
    c = TestClient(app)
    assert "Нийтийн үр дүн" in c.get("/public").text
    r = c.get("/public?lang=en")
    assert "Public results" in r.text and "pem_lang=en" in r.headers.get("set-cookie", "")
    assert "Public results" in c.get("/public").text  # remembered


def test_a_conflict_resolved_on_the_web_becomes_a_new_version_for_laptops(app, world) -> None:
    from pemdesk.device_key import load_or_create
    from pemdesk.ids import new_id

    srv = world.server
    devices = []
    for name in ("Дорж", "Сүрэн"):
        folder = world.laptop.data_dir.parent / name
        folder.mkdir(exist_ok=True)
        devices.append(srv.enroll(srv.issue_code(name), load_or_create(folder).public_hex)["device_id"])
    sid = world.ids["xss"]
    version = srv.changes_since("all", 0).changes
    base = next(c["version"] for c in version if c["entity"] == "site" and c["id"] == sid)
    op = {"device_seq": 1, "op_id": new_id(), "entity": "site", "entity_id": sid, "op": "patch",
          "fields": {"notes": "B-ийн тэмдэглэл"}, "base_version": base,
          "hlc": "2026-06-01T00:00:00.000Z", "schema_version": 1}
    srv.apply_push(devices[0], [{**op, "op_id": new_id(), "fields": {"notes": "A-ийн тэмдэглэл"}}])
    assert srv.apply_push(devices[1], [op]).results[0]["status"] == "conflict"
    conflict = srv.conflicts()[0]
    c = TestClient(app)
    login(c, "coord")
    page = c.get("/dashboard").text
    assert f"/admin/conflicts/{conflict['conflict_id']}/resolve" in page
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    before = srv.latest_seq()
    r = c.post(f"/admin/conflicts/{conflict['conflict_id']}/resolve",
               data={"csrf": token, "keep": "server"}, follow_redirects=False)
    assert r.status_code == 303
    assert srv.conflicts() == []
    # A laptop pulling after `before` receives the site again, with the value kept.
    pulled = [ch for ch in srv.changes_since("all", before).changes if ch["id"] == sid]
    assert pulled and pulled[0]["data"]["notes"] == conflict["server_value"]["notes"]
    assert not pulled[0]["conflict"]
    r = c.post(f"/admin/conflicts/{conflict['conflict_id']}/resolve",
               data={"csrf": token, "keep": "server"}, follow_redirects=False)
    assert r.status_code == 404


def test_a_cold_figure_is_computed_once_for_many_visitors(app) -> None:
    import threading
    import time

    rm = app.state.portal.rm
    calls: list[int] = []

    def slow(store) -> int:
        calls.append(1)
        time.sleep(0.3)
        return store.conn.execute("SELECT count(*) FROM visit").fetchone()[0]

    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(rm.memo(("test", "once"), slow)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(calls) == 1 and results == [results[0]] * 8
