"""Web portal benchmark (issue 12): 100,000 visits, 10,000 plots and 300 sites on the server.

    .venv/bin/python bench/bench_web.py                       # SQLite, then PostgreSQL if reachable
    .venv/bin/python bench/bench_web.py --backend sqlite --visits 20000 --seconds 10   # quicker

The data goes straight into the server's record table (as applied pushes leave it), the real
``pemdesk-server`` runs in a subprocess on 127.0.0.1, its read model is built on the first request
(timed), then, on loopback:
  - the coordinator's dashboard (p50/p95 of 30),              target p95 ≤ 200 ms
  - map GeoJSON for the whole country at zoom 5 (20 times),    target ≤ 300 ms and ≤ 3 MB
  - a site page (50 random sites),                              target ≤ 100 ms
  - 50 simulated users for 60 s (a bounded loop),               target p95 ≤ 500 ms, 0 errors
Not run in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
PG_BASE = os.environ.get("PEMDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "benchmark password"
NOW = "2026-11-01T00:00:00.000Z"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_url() -> str | None:
    try:
        import psycopg

        schema = f"pembench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_BASE, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        return f"{PG_BASE}?options=-csearch_path%3D{schema}"
    except Exception as exc:  # noqa: BLE001 - PostgreSQL is optional here
        print(f"PostgreSQL not reachable ({exc}); skipped")
        return None


def drop_pg(url: str) -> None:
    import psycopg

    schema = url.rsplit("%3D", 1)[1]
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


# --- data ----------------------------------------------------------------------------------------
def generate(data_dir: Path, url: str | None, n_sites: int, n_plots: int, n_visits: int) -> dict[str, Any]:
    from pemdesk.gazetteer import Gazetteer
    from pemdesk.portal import accounts
    from pemdesk.sync.server.store import ServerStore

    rng = random.Random(12)
    server = ServerStore.open(data_dir, url)
    accounts.install(server.db)
    accounts.add_user(server.db, "coord", "coordinator", PASSWORD)
    gaz = Gazetteer.load()
    soums = gaz.soums()
    meta = json.dumps({".": [1, "bench", NOW]})
    rows: list[list[Any]] = []

    def rec(entity: str, data: dict[str, Any]) -> str:
        rid = str(uuid.UUID(int=rng.getrandbits(128)))
        data.update(created_at=NOW, updated_at=NOW, extra="{}")
        rows.append([entity, rid, 1, len(rows) + 1, 0, "bench-monitor", "all",
                     json.dumps(data, ensure_ascii=False, separators=(",", ":")), meta, NOW, 0])
        return rid

    sites: list[tuple[str, float, float]] = []
    for i in range(n_sites):
        soum = soums[rng.randrange(len(soums))]
        pt = gaz.soum_geometry(soum.code).representative_point()
        sid = rec("site", {"name_mn": f"Уурхай {i + 1}", "name_en": f"Mine {i + 1}", "kind": "mine",
                           "aimag_code": soum.aimag_code, "soum_code": soum.code,
                           "licence_no": f"MV-{i:06d}", "holder": f"Компани {i % 40} ХХК",
                           "mineral": rng.choice(["алт", "зэс", "нүүрс", "төмөр"]), "lon": pt.x,
                           "lat": pt.y, "boundary": None, "notes": "", "is_demo": 0})
        sites.append((sid, pt.x, pt.y))
    person = rec("person", {"name": "Бат", "role": "monitor", "organisation": "", "phone": "",
                            "soum_code": None, "notes": ""})
    stages = ["disturbed", "technical", "biological", "handed_over"]
    for i in range(n_plots):
        sid, lon, lat = sites[i % n_sites]
        x, y = lon + rng.uniform(-0.05, 0.05), lat + rng.uniform(-0.05, 0.05)
        d = rng.uniform(0.001, 0.006)
        ring = [[x, y], [x + d, y], [x + d, y + d * 0.8], [x + d * 0.2, y + d], [x, y]]
        stage = stages[rng.randrange(4)]
        dates = {f"{s}_on": f"{2019 + k}-06-01" if k <= stages.index(stage) else None
                 for k, s in enumerate(stages)}
        rec("plot", {"site_id": sid, "name": f"Талбай {i + 1}", "stage": stage,
                     "geometry": json.dumps({"type": "Polygon", "coordinates": [ring]}),
                     "area_ha": round(d * d * 0.8 * 8500, 2), "target_year": None,
                     "target_stage": None, **dates, "notes": ""})
    for i in range(300):
        sid, lon, lat = sites[i % n_sites]
        rec("photo_point", {"site_id": sid, "plot_id": None, "name": f"Цэг {i + 1}", "lon": lon + 0.01,
                            "lat": lat + 0.01, "bearing": None, "notes": ""})
    visits = []
    for _ in range(n_visits):
        sid, lon, lat = sites[rng.randrange(n_sites)]
        day = f"{rng.randint(2020, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        vid = rec("visit", {"site_id": sid, "started_at": f"{day}T02:00:00.000Z",
                            "ended_at": f"{day}T05:00:00.000Z", "lon": lon + rng.uniform(-.02, .02),
                            "lat": lat + rng.uniform(-.02, .02), "position_source": "gps",
                            "weather": "", "purpose": "Хяналт", "notes": "", "status": "finished",
                            "revision": 1, "supersedes": None, "created_by": person,
                            "finished_at": f"{day}T05:00:00.000Z", "seal_digest": None,
                            "seal_signature": None, "seal_key": None})
        visits.append(vid)
        rec("observation", {"visit_id": vid, "indicator": "water.ph",
                            "value_num": round(rng.uniform(6.0, 9.5), 1), "value_text": None,
                            "unit": "", "method": "", "instrument": "", "observed_at": None,
                            "lon": None, "lat": None, "comment": ""})
        if rng.random() < 0.3:
            rec("finding", {"visit_id": vid, "category": "waste", "description": "Хог хаягдал",
                            "severity": rng.choice(["low", "medium", "high", "critical"]),
                            "follow_up": rng.choice(["open", "in_progress", "resolved"]),
                            "follow_up_due": None, "follow_up_note": "", "lon": None, "lat": None})
    db = server.db
    sql = ("INSERT INTO record (entity, id, version, server_seq, deleted, owner_monitor, scope_key, "
           "data, field_meta, hlc, conflict) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    with db.transaction() as conn:
        for i in range(0, len(rows), 20_000):
            db.executemany(conn, sql, rows[i:i + 20_000])
        db.execute(conn, "UPDATE counter SET value = ? WHERE name = 'seq'", [len(rows)])
    server.close()
    return {"records": len(rows), "sites": [s[0] for s in sites], "visits": visits}


# --- measuring -----------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def login(client: httpx.Client) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"csrf": token, "name": "coord", "password": PASSWORD})
    assert r.status_code in (200, 303), r.text[:300]


def timed(client: httpx.Client, path: str, n: int) -> tuple[list[float], int]:
    times: list[float] = []
    size = 0
    for _ in range(n):
        t = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        size = len(r.content)
    return times, size


async def users(base: str, cookies: dict[str, str], sites: list[str], visits: list[str],
                n_users: int, seconds: float) -> tuple[list[float], int, int]:
    times: list[float] = []
    by_kind: dict[str, list[float]] = {}
    errors = 0
    end = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=n_users)

    async def user(k: int) -> None:
        nonlocal errors
        rng = random.Random(k)
        async with httpx.AsyncClient(base_url=base, cookies=cookies if k % 5 == 0 else None,
                                     timeout=30, limits=limits) as c:
            for _ in range(100_000):  # bounded
                if time.monotonic() > end:
                    return
                choice = rng.random()
                if choice < 0.25:
                    path = f"/sites/{rng.choice(sites)}"
                elif choice < 0.45:
                    path = "/api/map?bbox=87,41,120,52.5&zoom=5&layers=sites,plots"
                elif choice < 0.65:
                    lon, lat = rng.uniform(90, 118), rng.uniform(42, 50)  # a panned map
                    path = f"/api/map?bbox={lon:.3f},{lat:.3f},{lon + 1:.3f},{lat + 0.6:.3f}&zoom=10"
                elif choice < 0.8:
                    path = "/public"
                elif choice < 0.9 and k % 5 == 0:
                    path = f"/visits/{rng.choice(visits)}"
                else:
                    path = "/v/" + "ab" * 32
                t = time.perf_counter()
                try:
                    r = await c.get(path)
                    ok = r.status_code in (200, 404) and (r.status_code == 200 or "/sites/" in path)
                except httpx.HTTPError:
                    ok = False
                times.append((time.perf_counter() - t) * 1000)
                kind = path.split("?")[0].split("/")[1] + ("5" if "zoom=5" in path else "")
                by_kind.setdefault(kind, []).append(times[-1])
                if not ok:
                    errors += 1

    await asyncio.gather(*(user(k) for k in range(n_users)))
    print("  by page: " + ", ".join(f"{k} p50 {pct(v, .5):.0f} / p95 {pct(v, .95):.0f} ms (n={len(v)})"
                                    for k, v in sorted(by_kind.items())))
    return times, errors, len(times)


def run(backend: str, args: argparse.Namespace) -> None:
    url = pg_url() if backend == "postgres" else None
    if backend == "postgres" and url is None:
        return
    with tempfile.TemporaryDirectory(prefix="pemdesk-bench-web-") as tmp:
        data_dir = Path(tmp) / "server"
        t = time.perf_counter()
        info = generate(data_dir, url, args.sites, args.plots, args.visits)
        print(f"\n== {backend}: {info['records']:,} server records generated in "
              f"{time.perf_counter() - t:.1f} s")
        port = free_port()
        cmd = [sys.executable, "-m", "pemdesk.sync.server.cli", "--data-dir", str(data_dir),
               "--port", str(port)]
        if url:
            cmd += ["--database-url", url]
        proc = subprocess.Popen([*cmd, "serve"], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    httpx.get(base + "/v1/info", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            t = time.perf_counter()
            r = httpx.get(base + "/public", timeout=60)
            assert r.status_code == 200
            print(f"first page while the read model is built: {(time.perf_counter() - t) * 1000:.0f} ms")
            while not httpx.get(base + "/api/status", timeout=60).json()["ready"]:
                time.sleep(0.5)
            print(f"read model built in the background: {time.perf_counter() - t:.1f} s "
                  f"({info['records'] / (time.perf_counter() - t):,.0f} records/s)")
            with httpx.Client(base_url=base, timeout=120) as c:
                login(c)
                cold, _ = timed(c, "/dashboard", 1)
                print(f"dashboard, first after a change (figures computed): {cold[0]:.0f} ms")
                timed(c, "/dashboard", 1)
                dash, _ = timed(c, "/dashboard", 30)
                print(f"dashboard: p50 {pct(dash, .5):.0f} ms, p95 {pct(dash, .95):.0f} ms "
                      f"(target ≤ 200 ms: {pct(dash, .95) / 200:.2f}×)")
                cold, _ = timed(c, "/api/map?bbox=87,41,120,52.5&zoom=5", 1)
                print(f"map GeoJSON, first after a change (features built): {cold[0]:.0f} ms")
                mp, size = timed(c, "/api/map?bbox=87,41,120,52.5&zoom=5", 20)
                print(f"map GeoJSON, whole country, zoom 5: p50 {pct(mp, .5):.0f} ms, p95 "
                      f"{pct(mp, .95):.0f} ms, {size / 1e6:.2f} MB (targets ≤ 300 ms: "
                      f"{pct(mp, .95) / 300:.2f}×, ≤ 3 MB: {size / 3e6:.2f}×)")
                rng = random.Random(1)
                site_t: list[float] = []
                for _ in range(50):
                    site_t += timed(c, f"/sites/{rng.choice(info['sites'])}", 1)[0]
                print(f"site page: p50 {pct(site_t, .5):.0f} ms, p95 {pct(site_t, .95):.0f} ms "
                      f"(target ≤ 100 ms: {pct(site_t, .95) / 100:.2f}×)")
                cookies = dict(c.cookies)
            times, errors, n = asyncio.run(users(base, cookies, info["sites"], info["visits"],
                                                 args.users, args.seconds))
            print(f"{args.users} users for {args.seconds:.0f} s: {n:,} requests "
                  f"({n / args.seconds:.0f}/s), p50 {pct(times, .5):.0f} ms, p95 "
                  f"{pct(times, .95):.0f} ms, {errors} errors (target p95 ≤ 500 ms: "
                  f"{pct(times, .95) / 500:.2f}×, 0 errors)")
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
            if url:
                drop_pg(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--plots", type=int, default=10_000)
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        run(backend, args)


if __name__ == "__main__":
    main()
