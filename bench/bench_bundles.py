"""USB bundle benchmark (design/SYNC.md §5, P14), one command from the repo root:

    .venv/bin/python bench/bench_bundles.py

1. export a push bundle of a two-week trip without photos (60 visits, 3,000 observations,
   60 findings, participants: ~3,400 ops) — target < 5 s, written, fsynced and read back;
2. import it at the server (verify signature and hashes, decrypt, apply through apply_push);
3. export and import 200 MB of photo files (40 × 5 MB) — target ≥ 50 MB/s for blob entries,
   both ways (hashing, sealed-box encryption, ZIP, fsync, read-back verification).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def trip(store: object) -> int:
    from pemdesk import model
    from pemdesk.gazetteer import Gazetteer

    gaz = Gazetteer.load()
    aimag = gaz.aimags()[0]
    site = model.Site(name_mn="Уурхай", aimag_code=aimag.code,
                      soum_code=gaz.soums(aimag.code)[0].code, lon=105.0, lat=44.0)  # fmt: skip
    store.save(site)  # type: ignore[attr-defined]
    person = model.Person(name="Бат")
    store.save(person)  # type: ignore[attr-defined]
    for day in range(60):
        visit = model.Visit(site_id=site.id, started_at=f"2026-06-{1 + day % 28:02d}T02:00:00.000Z",
                            created_by=person.id, purpose="Улирлын үзлэг")  # fmt: skip
        store.save(visit)  # type: ignore[attr-defined]
        store.save(model.Participant(visit_id=visit.id, person_id=person.id,  # type: ignore[attr-defined]
                                     role=model.PersonRole.MONITOR))  # fmt: skip
        store.save(model.Finding(visit_id=visit.id, category="waste", description="хог",  # type: ignore[attr-defined]
                                 severity=model.Severity.LOW,
                                 follow_up=model.FollowUpStatus.OPEN))  # fmt: skip
        store.add_observations(  # type: ignore[attr-defined]
            [model.Observation(visit_id=visit.id, indicator="water.ph", value_num=7.0 + i / 100)
             for i in range(50)]
        )  # fmt: skip
    return int(store.pending_changes())  # type: ignore[attr-defined]


def main() -> int:
    from pemdesk.device_key import load_or_create
    from pemdesk.storage import Store
    from pemdesk.storage import sync_client as sc
    from pemdesk.storage.photos import BlobRow, add_blob
    from pemdesk.sync import bundle_client as bc
    from pemdesk.sync.client import META_DEVICE, META_SERVER_KEY
    from pemdesk.sync.server.bundles import import_push_bundle
    from pemdesk.sync.server.store import ServerStore

    tmp = Path(tempfile.mkdtemp(prefix="bench-bundles-"))
    server = ServerStore.open(tmp / "server")
    store = Store.open(tmp / "laptop")
    reply = server.enroll(server.issue_code("Бат"), load_or_create(store.data_dir).public_hex)
    store.set_meta(META_DEVICE, reply["device_id"])
    store.set_meta(META_SERVER_KEY, reply["server_key"])
    store.set_meta(sc.META_HIGH_WATER, "0")
    ops = trip(store)
    rows = []

    t = time.perf_counter()
    exported = bc.export_push_bundle(store, tmp / "trip.pemsync", photos=False)
    export_s = time.perf_counter() - t
    rows.append(("export, 2-week trip without photos", f"{export_s:.2f} s ({ops} ops, "
                 f"{exported.size / 1024:.0f} KB)", "< 5 s", export_s < 5))  # fmt: skip
    t = time.perf_counter()
    report = import_push_bundle(server, exported.path, out_dir=tmp / "back")
    import_s = time.perf_counter() - t
    rows.append(("server import of that bundle (verify + apply + ack)",
                 f"{import_s:.2f} s ({report.applied / import_s:,.0f} ops/s)", "—", True))  # fmt: skip
    t = time.perf_counter()
    bc.import_bundle(store, report.ack_path)
    rows.append(("laptop import of the ack", f"{time.perf_counter() - t:.2f} s", "—", True))

    photos = store.data_dir / "photos"
    photos.mkdir()
    import hashlib

    total = 0
    for _i in range(40):
        data = os.urandom(5 * 1024 * 1024)
        sha = hashlib.sha256(data).hexdigest()
        (photos / sha).write_bytes(data)
        add_blob(store, BlobRow(sha, len(data), f"photos/{sha}", "image/jpeg", "original"))
        total += len(data)
    mb = total / 1024 / 1024
    t = time.perf_counter()
    exported = bc.export_push_bundle(store, tmp / "photos.pemsync")
    rate_out = mb / (time.perf_counter() - t)
    rows.append(("export of 40 × 5 MB photos", f"{rate_out:.0f} MB/s", "≥ 50 MB/s", rate_out >= 50))
    t = time.perf_counter()
    import_push_bundle(server, exported.path, out_dir=tmp / "back2")
    rate_in = mb / (time.perf_counter() - t)
    rows.append(("server import of them", f"{rate_in:.0f} MB/s", "≥ 50 MB/s", rate_in >= 50))

    width = max(len(r[0]) for r in rows)
    for name, value, target, ok in rows:
        print(f"{name.ljust(width)}  {value:<34} target {target:<10} {'ok' if ok else 'MISSED'}")
    store.close()
    server.close()
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
