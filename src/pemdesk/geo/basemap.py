"""The shipped offline basemap (Qt-free): Natural Earth 1:10m rivers, lakes, places, physical
regions and peaks around Mongolia, with Mongolian names, prepared for the map like the boundaries.

Natural Earth is public domain (``resources/basemap/PROVENANCE.md``); its names are Latin (Russian
for some places), so ``resources/basemap/names_mn.json`` supplies the Mongolian Cyrillic ones.
Aimag centres come from the gazetteer (the aimag-centre town's own unit) where Natural Earth has
no place nearby.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

FILES = {
    "rivers": "ne_10m_rivers_lake_centerlines_mng.geojson",
    "lakes": "ne_10m_lakes_mng.geojson",
    "places": "ne_10m_populated_places_mng.geojson",
    "regions": "ne_10m_geography_regions_polys_mng.geojson",
    "peaks": "ne_10m_geography_regions_elevation_points_mng.geojson",
}
ATTRIBUTION = "Natural Earth (public domain)"
CREDIT_LINE = (
    "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com (public "
    "domain)."
)


def basemap_dir() -> Path:
    from pemdesk.resources import resource_path

    return resource_path("basemap")


@cache
def mongolian_names() -> dict[str, dict[str, str]]:
    data: dict[str, Any] = json.loads((basemap_dir() / "names_mn.json").read_text("utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


@dataclass
class BasemapFeature:
    layer: str  # rivers | lakes | places | regions | peaks
    geometry: dict[str, Any]  # GeoJSON, WGS84
    name: str  # Natural Earth's (Latin) name, "" when unnamed
    name_mn: str
    scalerank: int
    min_label: float  # web-map zoom from which the label may show
    props: dict[str, Any] = field(default_factory=dict)

    @property
    def name_en(self) -> str:
        return self.name.title() if self.name.isupper() else self.name


def read_layer(layer: str) -> list[BasemapFeature]:
    """One shipped layer with Mongolian names (a place without one falls back to its Russian
    Cyrillic name, then to the Latin one)."""
    doc = json.loads((basemap_dir() / FILES[layer]).read_text("utf-8"))
    names = mongolian_names().get(layer, {})
    out = []
    for f in doc["features"]:
        p = f["properties"]
        name = p.get("name") or ""
        mn = names.get(name) or (p.get("name_ru") if layer == "places" else None) or name
        rank = int(p.get("scalerank") or 0)
        min_label = p.get("min_label") or p.get("min_zoom") or 5.0
        out.append(BasemapFeature(layer, f["geometry"], name, mn, rank, float(min_label), p))
    return out


@dataclass
class Centre:
    """An aimag centre: the town's own gazetteer unit (a hole in its soum) or a Natural Earth
    place in that aimag."""

    aimag_code: str
    lon: float
    lat: float
    name_mn: str
    name_en: str


def aimag_centres() -> list[Centre]:
    from pemdesk.gazetteer import Gazetteer

    gaz = Gazetteer.load()
    out = []
    for a in gaz.aimags():
        soum = gaz.center_soum(a.code)
        if soum is None:
            continue
        p = gaz.soum_geometry(soum.code).representative_point()
        out.append(Centre(a.code, p.x, p.y, soum.name_mn, soum.name_en))
    return out
