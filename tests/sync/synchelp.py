"""Small record factories and checks shared by the sync tests."""

from __future__ import annotations

import json
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from pemdesk import model
from pemdesk.ids import new_id


def area_codes() -> tuple[str, str]:
    from pemdesk.gazetteer import Gazetteer

    gaz = Gazetteer.load()
    aimag = gaz.aimags()[0]
    return aimag.code, gaz.soums(aimag.code)[0].code


def square(lon: float, lat: float, d: float = 0.001) -> dict[str, Any]:
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def new_site(store: Any, name: str = "Уурхай") -> model.Site:
    aimag, soum = area_codes()
    site = model.Site(name_mn=name, aimag_code=aimag, soum_code=soum, kind=model.SiteKind.MINE,
                      lon=105.0, lat=44.0)
    store.save(site)
    return site


def new_plot(store: Any, site_id: str, name: str = "Талбай", lon: float = 105.0) -> model.Plot:
    plot = model.Plot(site_id=site_id, name=name, stage=model.PlotStage.DISTURBED,
                      geometry=square(lon, 44.0))
    store.save(plot)
    return plot


def new_person(store: Any, name: str = "Бат") -> model.Person:
    person = model.Person(name=name)
    store.save(person)
    return person


def new_visit(store: Any, site_id: str, person_id: str | None = None) -> model.Visit:
    visit = model.Visit(site_id=site_id, started_at="2026-06-01T02:00:00.000Z",
                        created_by=person_id)
    store.save(visit)
    return visit


def new_finding(store: Any, visit_id: str, text: str = "хог хаягдал") -> model.Finding:
    finding = model.Finding(visit_id=visit_id, category="waste", description=text,
                            severity=model.Severity.LOW, follow_up=model.FollowUpStatus.OPEN)
    store.save(finding)
    return finding


def op(seq: int, entity: str, entity_id: str, kind: str = "create", fields: dict[str, Any] | None = None,
       base: int = 0, hlc: str = "2026-06-01T00:00:00.000Z", op_id: str | None = None,
       schema: int = 1) -> dict[str, Any]:
    return {"device_seq": seq, "op_id": op_id or new_id(), "entity": entity, "entity_id": entity_id,
            "op": kind, "fields": fields or {}, "base_version": base, "hlc": hlc,
            "schema_version": schema}


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=1)


def random_edit(store: Any, rng: random.Random, mine: dict[str, list[str]]) -> str:
    """One random user edit on a store; returns what it did (for failure messages)."""
    sites = [s.id for s in store.list_sites()]
    choice = rng.randrange(6)
    if choice == 0 or not sites:
        site = new_site(store, f"Объект {rng.randrange(1000)}")
        mine.setdefault("site", []).append(site.id)
        return f"site {site.id}"
    site_id = rng.choice(sites)
    if choice == 1:
        plot = new_plot(store, site_id, f"Талбай {rng.randrange(100)}", lon=105 + rng.random())
        return f"plot {plot.id}"
    if choice == 2:
        site = store.get(model.Site, site_id)
        site.notes = f"тэмдэглэл {rng.randrange(10**6)}"
        store.save(site)
        return f"site notes {site_id}"
    if choice == 3:
        plots = store.list_plots(site_id)
        if plots:
            plot = rng.choice(plots)
            if rng.random() < 0.5:
                plot.geometry = square(105 + rng.random(), 44.0)
            else:
                plot.stage = rng.choice(list(model.PlotStage))
            store.save(plot)
            return f"plot edit {plot.id}"
    if choice == 4:
        visit = new_visit(store, site_id)
        mine.setdefault("visit", []).append(visit.id)
        new_finding(store, visit.id)
        return f"visit {visit.id}"
    if choice == 5 and rng.random() < 0.3:
        plots = store.list_plots(site_id)
        if plots:
            plot = rng.choice(plots)
            store.delete(model.Plot, plot.id)  # a tombstone that must reach everyone
            return f"plot delete {plot.id}"
    visits = [v for v in mine.get("visit", []) if store.exists(model.Visit, v)]
    if visits:
        visit = store.get(model.Visit, rng.choice(visits))
        visit.notes = f"тэмдэглэл {rng.randrange(10**6)}"
        store.save(visit)
        return f"visit edit {visit.id}"
    return "nothing"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """``pemdesk-server`` in a subprocess; restartable on the same port and data."""

    def __init__(self, data_dir: Path, database_url: str | None, *,
                 args: tuple[str, ...] = ()) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.args = args  # e.g. ("--tls",)
        self.tls = "--tls" in args or "--tls-cert" in args
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._store: Any = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> None:
        for attempt in range(3):
            try:
                self._start()
                return
            except RuntimeError:
                # Another process may have taken the free port meanwhile: pick a new one
                # (not on restart, where the port must stay).
                if attempt == 2 or self._restarting:
                    raise
                self.port = free_port()

    _restarting = False

    def _start(self) -> None:
        cmd = [sys.executable, "-m", "pemdesk.sync.server.cli", "--data-dir", str(self.data_dir),
               "--port", str(self.port)]
        if self.database_url:
            cmd += ["--database-url", self.database_url]
        cmd += list(self.args)
        # the child keeps its own copy of the log's descriptor; ours is closed at once
        with open(self.data_dir.parent / f"server-{self.port}.log", "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}: {self.read_log()}")
            try:
                info = httpx.get(f"{self.url}/v1/info", timeout=1, verify=False)
                # Ours, not another test's server that took the port first: same epoch.
                if info.status_code == 200 and f"epoch {info.json()['server_epoch']})" in self.read_log():
                    time.sleep(0.05)
                    if self.proc.poll() is None:
                        return
            except (httpx.TransportError, ValueError, KeyError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server did not start: {self.read_log()}")

    def read_log(self) -> str:
        path = self.data_dir.parent / f"server-{self.port}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=20)
        self.proc = None

    def restart(self) -> None:
        self.kill(signal.SIGKILL)
        self._restarting = True
        try:
            self.start()
        finally:
            self._restarting = False

    @property
    def store(self) -> Any:
        """The server's store opened in this process (admin and inspection)."""
        if self._store is None:
            from pemdesk.sync.server.store import ServerStore

            self._store = ServerStore.open(self.data_dir, self.database_url)
        return self._store

    def code(self, monitor: str, role: str | None = None) -> str:
        return str(self.store.issue_code(monitor, role))

    def stop(self) -> None:
        self.kill(signal.SIGTERM)
        if self._store is not None:
            self._store.close()


# Laptop stores opened by enrolled(); tests/sync/conftest.py closes them after each test (left
# to the garbage collector, their database files stayed open by the hundred over a whole run).
OPENED: list[Any] = []


def enrolled(server: LiveServer, folder: Path, monitor: str, role: str | None = None,
             url: str | None = None) -> Any:
    """A laptop data folder enrolled with the server (as ``monitor``); returns its Store."""
    from pemdesk.storage import Store
    from pemdesk.sync.client import enroll

    store = Store.open(folder)
    OPENED.append(store)
    enroll(store, url or server.url, server.code(monitor, role), name=folder.name)
    return store


def client_for(store: Any, url: str | None = None, **kw: Any) -> Any:
    from pemdesk.sync.client import SyncClient

    kw.setdefault("backoff_s", 0.01)
    kw.setdefault("retries", 4)
    kw.setdefault("stall_s", 10)
    return SyncClient.for_store(store, url=url, **kw)


# --- valid op fields per entity (the server checks every op against pemdesk.sync.schema) -----
T0 = "2026-06-01T00:00:00.000Z"


def _sync_cols(values: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    return {"created_at": T0, "updated_at": T0, "extra": "{}", "_version": 0, "_deleted": 0,
            "_conflict": 0, **values, **extra}


def site_fields(**extra: Any) -> dict[str, Any]:
    aimag, soum = area_codes()
    return _sync_cols(dict(name_mn="Уурхай", name_en="", kind="mine", aimag_code=aimag,
                      soum_code=soum, notes="", lon=105.0, lat=44.0, is_demo=0), extra)


def geojson(lon: float = 105.0, lat: float = 44.0) -> str:
    return json.dumps(square(lon, lat))


def plot_fields(site_id: str, **extra: Any) -> dict[str, Any]:
    return _sync_cols(dict(site_id=site_id, name="Талбай", stage="disturbed", geometry=geojson(),
                      area_ha=1.0, notes=""), extra)


def visit_fields(site_id: str, **extra: Any) -> dict[str, Any]:
    return _sync_cols(dict(site_id=site_id, started_at=T0, status="draft", revision=1, notes=""), extra)


def finding_fields(visit_id: str, **extra: Any) -> dict[str, Any]:
    return _sync_cols(dict(visit_id=visit_id, category="waste", description="хог", severity="low",
                      follow_up="open"), extra)


def observation_fields(visit_id: str, **extra: Any) -> dict[str, Any]:
    return _sync_cols(dict(visit_id=visit_id, indicator="water_ph", value_num=7.5, unit=""), extra)


def photo_fields(sha256: str, visit_id: str | None, **extra: Any) -> dict[str, Any]:
    return _sync_cols({"sha256": sha256, "visit_id": visit_id, "mime": "image/jpeg"}, extra)
