"""The sync schema of waypoints (field points from GPS files and the live GPS; issue 17),
registered with ``pemdesk.sync.schema``. Shared records merged by field, so anyone may attach a
colleague's waypoint to a site, visit, photo point or observation; the position merges as one."""

from __future__ import annotations

from pemdesk.sync.schema import Entity, F, Policy, register

register(
    Entity(
        "waypoint",
        policy=Policy.SHARED,
        groups=(("lon", "lat", "ele"),),
        fields={
            "name": F.text(required=True, max_len=500),
            "lon": F.real(required=True, min=-180, max=180),
            "lat": F.real(required=True, min=-90, max=90),
            "ele": F.real(min=-1000, max=10_000),
            "recorded_at": F.time(),
            "description": F.text(max_len=20_000),
            "symbol": F.text(max_len=200),
            "source_file": F.text(max_len=1000),
            "site_id": F.ref("site"),
            "visit_id": F.ref("visit"),
            "photo_point_id": F.ref("photo_point"),
            "observation_id": F.ref("observation"),
        },
    )
)
