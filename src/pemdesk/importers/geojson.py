"""GeoJSON (RFC 7946, and the older form with a ``crs`` member)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pemdesk.importers.common import GeoFeature, GeoFile, clean_geometry, has_positions, refuse

_WGS84_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "EPSG:4326",
    "urn:ogc:def:crs:EPSG::4326",
    "CRS84",
}
_NAME_KEYS = ("name", "Name", "NAME", "title", "label", "name_mn", "name_en")


def feature_name(props: dict[str, Any]) -> str:
    for key in _NAME_KEYS:
        value = props.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def read_geojson(path: Path | str) -> GeoFile:
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise refuse(path, "файлыг уншиж чадсангүй.", "the file cannot be read.", str(exc)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise refuse(
            path,
            "GeoJSON биш эсвэл эвдэрсэн JSON байна.",
            "this is not GeoJSON or the JSON is damaged.",
            str(exc),
        ) from exc
    if not isinstance(doc, dict) or "type" not in doc:
        raise refuse(path, "GeoJSON биш байна («type» алга).", "this is not GeoJSON (no “type”).")
    out = GeoFile(path=path, format="geojson")
    if doc["type"] == "FeatureCollection":
        items = doc.get("features")
        if not isinstance(items, list):
            raise refuse(path, "«features» жагсаалт алга.", "“features” is not a list.")
    elif doc["type"] == "Feature":
        items = [doc]
    elif doc["type"] in (
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    ):
        items = [{"type": "Feature", "geometry": doc, "properties": {}}]
    else:
        raise refuse(
            path,
            f"GeoJSON-ийн төрөл танигдсангүй: {doc['type']}.",
            f"unknown GeoJSON type: {doc['type']}.",
        )
    src_crs = _crs_of(doc)
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict) or item.get("type") != "Feature":
            raise refuse(path, f"{i}-р объект Feature биш байна.", f"item {i} is not a Feature.")
        geometry = item.get("geometry")
        props = item.get("properties") or {}
        if not isinstance(props, dict):
            props = {}
        if not geometry or not has_positions(geometry):
            out.skip("feature without geometry")
            continue
        name = feature_name(props)
        if src_crs:
            geometry = _reproject(geometry, src_crs, path)
        geometry = clean_geometry(geometry, path, f"({i}-р / feature {i})")
        out.features.append(GeoFeature(geometry=geometry, name=name, properties=props))
    if src_crs:
        out.crs = src_crs
    return out


def _crs_of(doc: dict[str, Any]) -> str | None:
    crs = doc.get("crs")
    if not isinstance(crs, dict):
        return None
    name = (crs.get("properties") or {}).get("name")
    if not name or name in _WGS84_NAMES:
        return None
    return str(name)


def _reproject(geometry: dict[str, Any], crs: str, path: Path) -> dict[str, Any]:
    from pemdesk.importers.shapefile import reproject_geometry

    return reproject_geometry(geometry, crs, path)
