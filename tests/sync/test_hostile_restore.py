"""Server operations under the issue-11 threat model: backup and restore (item 8: a restored
server must never diverge silently), codes, unrevoke, conflicts resolved by an administrator,
tampered seals reported as CHANGED. Real server subprocess, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hostile import RawDevice, create, patch
from synchelp import (
    LiveServer,
    client_for,
    dumps,
    enrolled,
    geojson,
    new_finding,
    new_person,
    new_plot,
    new_site,
    new_visit,
    plot_fields,
    site_fields,
)

from pemdesk.ids import new_id
from pemdesk.storage import sync_client as sc


def admin(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pemdesk.sync.server.cli", "--data-dir", str(server.data_dir)]
    if server.database_url:
        cmd += ["--database-url", server.database_url]
    return subprocess.run([*cmd, "admin", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_restore_gives_a_new_epoch_and_every_laptop_converges(live_server: LiveServer,
                                                              tmp_path: Path) -> None:
    a = enrolled(live_server, tmp_path / "a", "А")
    b = enrolled(live_server, tmp_path / "b", "Б")
    site = new_site(a, "Өмнө")
    new_plot(a, site.id, "Нэг")
    for store in (a, b, a):
        with client_for(store) as client:
            client.sync()
    backup = tmp_path / "backup"
    done = admin(live_server, "backup", str(backup))
    assert done.returncode == 0, done.stderr
    old_epoch = json.loads((backup / "manifest.json").read_text())["epoch"]
    # After the backup: A adds records, B pulls them and adds its own; all acknowledged.
    visit = new_visit(a, site.id, new_person(a, "Дорж").id)
    new_finding(a, visit.id)
    for i in range(10):
        new_plot(a, site.id, f"А{i}", lon=105 + i / 100)
    for store in (a, b):
        with client_for(store) as client:
            client.sync()
    new_plot(b, site.id, "Б1", lon=106.5)
    with client_for(b) as client:
        client.sync()
    everything = live_server.store.dump()
    n_records = sum(len(v) for v in everything.values())
    assert a.pending_changes() == 0 and b.pending_changes() == 0
    # The server folder is restored from the backup: the records after it are gone from it.
    live_server.kill()
    live_server.store.close()
    live_server._store = None
    done = admin(live_server, "restore", str(backup))
    assert done.returncode == 0, done.stderr
    live_server.start()
    assert live_server.store.epoch != old_epoch
    assert sum(len(v) for v in live_server.store.dump().values()) < n_records
    # Every laptop notices the new epoch, pushes again what the server lacks, and pulls it all.
    for _ in range(2):
        for store in (a, b):
            with client_for(store) as client:
                client.sync()
    restored = live_server.store.dump()
    assert sum(len(v) for v in restored.values()) == n_records  # nothing lost
    for store in (a, b):
        assert dumps(sc.canonical_dump(store)) == dumps(restored)
    a.close(), b.close()


def test_codes_unrevoke_and_conflicts_by_the_administrator(live_server: LiveServer) -> None:
    code = live_server.code("Шинэ")
    listed = admin(live_server, "codes", "--json")
    rows = json.loads(listed.stdout)
    assert [r["state"] for r in rows] == ["open"]
    assert admin(live_server, "codes", "--cancel", code).returncode == 0
    assert json.loads(admin(live_server, "codes", "--json").stdout)[0]["state"] == "cancelled"
    # A cancelled code enrols nothing.
    import httpx

    r = httpx.post(f"{live_server.url}/v1/enroll", content=json.dumps(
        {"code": code, "public_key": "ab" * 32}).encode())
    assert r.status_code == 403
    # Revoked, then found again.
    dev = RawDevice(live_server, "Олдсон")
    live_server.store.revoke(dev.device_id)
    assert dev.send("GET", "/v1/sync/pull?scope=all&after=0&limit=1").status_code == 403
    assert admin(live_server, "unrevoke", dev.device_id).returncode == 0
    assert dev.send("GET", "/v1/sync/pull?scope=all&after=0&limit=1").status_code == 200
    # A conflict resolved on the server reaches every laptop as a new version.
    other = RawDevice(live_server, "Нөгөө")
    sid, pid = new_id(), new_id()
    dev.push(create("site", sid, site_fields()), create("plot", pid, plot_fields(sid)))
    dev.push(patch("plot", pid, {"geometry": geojson(106.0)}))
    assert other.push(patch("plot", pid, {"geometry": geojson(107.0)}))[0]["status"] == "conflict"
    conflict = live_server.store.conflicts()[0]
    done = admin(live_server, "conflicts", "resolve", conflict["conflict_id"], "--keep", "server")
    assert done.returncode == 0, done.stderr
    plot = [c for c in dev.pull() if c["id"] == pid][0]
    assert plot["data"]["geometry"] == geojson(106.0) and not plot["conflict"]
    assert live_server.store.conflicts() == []
    dev.close(), other.close()


def test_admin_seals_reports_a_tampered_visit(live_server: LiveServer, tmp_path: Path) -> None:
    from pemdesk import model, visits

    a = enrolled(live_server, tmp_path / "a", "А")
    site = new_site(a)
    person = new_person(a)
    visit = new_visit(a, site.id, person.id)
    visit.purpose = "шалгалт"
    a.save(visit)
    a.save(model.Participant(visit_id=visit.id, person_id=person.id, role=person.role))
    new_finding(a, visit.id)
    visits.finish_visit(a, visit.id)
    with client_for(a) as client:
        client.sync()
    done = admin(live_server, "seals", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert [r["status"] for r in json.loads(done.stdout)] == ["unchanged"]
    # Someone with access to the server's database edits the sealed finding.
    store = live_server.store
    with store.db.transaction() as conn:
        row = store.db.one(conn, "SELECT id, data FROM record WHERE entity = 'finding'")
        data = json.loads(row[1])
        data["description"] = "өөрчилсөн"
        store.db.execute(conn, "UPDATE record SET data = ? WHERE entity = 'finding' AND id = ?",
                         [json.dumps(data), row[0]])
    done = admin(live_server, "seals", "--json")
    assert done.returncode == 3
    report = json.loads(done.stdout)[0]
    assert report["status"] == "CHANGED"
    assert any(c.endswith(".description") for c in report["changes"])
    a.close()


def _tamper(live_server: LiveServer, entity: str, rid: str, **changes: object) -> None:
    """Edit a record's data straight in the server's database (SQLite or PostgreSQL)."""
    store = live_server.store
    with store.db.transaction() as conn:
        row = store.db.one(conn, "SELECT data FROM record WHERE entity = ? AND id = ?",
                           [entity, rid])
        data = json.loads(row[0])
        for key, value in changes.items():
            if value is _DROP:
                data.pop(key, None)
            else:
                data[key] = value
        store.db.execute(conn, "UPDATE record SET data = ? WHERE entity = ? AND id = ?",
                         [json.dumps(data), entity, rid])


_DROP = object()


def test_admin_seals_compares_the_format_2_sections_field_by_field(
        live_server: LiveServer, tmp_path: Path) -> None:
    """Sign-offs, commitment assessments and finding cases (seal format 2): each tampered
    field of each record is named (a dropped field too), nothing else."""
    from pemdesk import model, seal, visits
    from pemdesk.cases.records import (
        Assessment,
        AssessmentResult,
        Commitment,
        FindingCase,
        Party,
        SignKind,
        SignOff,
    )
    from pemdesk.storage import cases as cs

    a = enrolled(live_server, tmp_path / "a", "А")
    site = new_site(a)
    person = new_person(a)
    visit = new_visit(a, site.id, person.id)
    visit.purpose = "шалгалт"
    a.save(visit)
    a.save(model.Participant(visit_id=visit.id, person_id=person.id, role=person.role))
    finding = new_finding(a, visit.id)
    case = cs.save_case(a, FindingCase(finding.id, visit.id, site.id, Party.COMPANY,
                                       responsible_name="Уурхай ХХК", due_on="2026-06-01"))
    commitment = cs.save_commitment(a, Commitment(site.id, 2026, "Тоос дарах", target="2 удаа"))
    assessment = cs.save_assessment(a, Assessment(commitment.id, visit.id,
                                                  AssessmentResult.PARTLY, note="Хагас"))
    signoff = cs.save_signoff(a, SignOff(visit.id, "Компани", SignKind.DISSENT,
                                         party=Party.COMPANY, reason="Манайх биш",
                                         typed_name="Болд"))
    cs.save_signoff(a, SignOff(visit.id, person.name, SignKind.TYPED, typed_name=person.name,
                               party=Party.COMMITTEE, person_id=person.id))
    visits.finish_visit(a, visit.id)
    with client_for(a) as client:
        client.sync()
    sealed = json.loads(live_server.store.dump()["visit_seal"][visit.id]["document"])
    assert sealed["format"] == seal.SEAL_FORMAT_2 and sealed["signoffs"]
    done = admin(live_server, "seals", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)[0]["status"] == "unchanged"

    _tamper(live_server, "signoff", signoff.id, reason="Зөвшөөрсөн", party="committee")
    _tamper(live_server, "commitment_assessment", assessment.id, result="met")
    _tamper(live_server, "finding_case", case.id, due_on="2027-01-01", responsible_name=_DROP)
    _tamper(live_server, "finding_case", case.id, responsible_party="soum")
    done = admin(live_server, "seals", "--json")
    assert done.returncode == 3, done.stdout + done.stderr
    changes = set(json.loads(done.stdout)[0]["changes"])
    assert {f"signoff {signoff.id}.reason", f"signoff {signoff.id}.party",
            f"commitment_assessment {assessment.id}.result",
            f"finding_case {case.id}.due_on",
            f"finding_case {case.id}.responsible_party"} <= changes, changes
    assert f"finding_case {case.id}.responsible_name" in changes  # the key dropped
    assert not any(c.startswith(("observation", "participant", "visit")) for c in changes)
    a.close()
