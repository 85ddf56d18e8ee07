"""schemathesis against the portal's JSON endpoints (its OpenAPI), anonymous and as a coordinator:
never a 5xx, GeoJSON stays GeoJSON, coordinator data never reaches an anonymous caller."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from portalhelp import login, serving

FUZZ = settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def portal_operations(base: str) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    ops = [r.ok() for r in schema.get_all_operations()]
    mine = [o for o in ops if o.path.startswith("/api/")]
    assert {o.path for o in mine} >= {
        "/api/map",
        "/api/dashboard",
        "/api/verify/{digest}",
        "/api/boundaries/{level}",
        "/api/status",
    }
    return mine


@pytest.mark.slow
def test_portal_api_fuzzed(app: Any) -> None:
    with (
        serving(app) as base,
        httpx.Client(base_url=base, timeout=30) as anon,
        httpx.Client(base_url=base, timeout=30) as coord,
    ):
        login(coord, "coord")
        for op in portal_operations(base):
            for client in (anon, coord):
                fuzz_one(op, client, anon, base)


def fuzz_one(op: Any, client: httpx.Client, anon: httpx.Client, base: str) -> None:
    @FUZZ
    @given(case=op.as_strategy())
    def run(case: Any) -> None:
        kw = case.as_transport_kwargs(base_url=base)
        r = client.request(
            kw["method"],
            kw["url"],
            params=kw.get("params"),
            headers={k: str(v) for k, v in (kw.get("headers") or {}).items()},
        )
        assert r.status_code < 500, (kw["url"], kw.get("params"), r.text[:300])
        if op.path == "/api/dashboard" and client is anon:
            assert r.status_code == 401
        if op.path == "/api/map" and r.status_code == 200:
            assert r.json()["type"] == "FeatureCollection"

    run()
