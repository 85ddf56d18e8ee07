#!/usr/bin/env python3
"""Build the shipped aimag and soum boundaries from geoBoundaries MNG ADM2.

Reads the geoBoundaries ADM2 GeoJSON (329 soums, Latin names only, no parent aimag) and the
project's own tables ``resources/boundaries/soums.csv`` (shapeID -> aimag, Cyrillic and English
names) and ``resources/boundaries/aimags.csv`` (ISO 3166-2:MN codes and names), and writes:

- ``soums.geojson``: the 329 source features, geometry as given, with our properties;
- ``aimags.geojson``: each aimag as the union of its soums, plus Ulaanbaatar, which the source
  lacks: it is the three holes of the union of all soums (main city, Bagakhangai, Baganuur);
- ``country.geojson``: the union of everything (all soums plus Ulaanbaatar).

The output is deterministic (same input -> byte-identical files); a test checks this.
See ``resources/boundaries/ATTRIBUTION.md`` for the source, licence (ODbL 1.0) and gotchas.

Usage: python scripts/build_boundaries.py [SOURCE_GEOJSON] [--out DIR] [--tables DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared/data/ship/geoboundaries-MNG-ADM2_simplified.geojson"
DEFAULT_DIR = REPO / "resources/boundaries"

UB_CODE = "MN-1"
ATTRIBUTION = "© OpenStreetMap contributors, via geoBoundaries (wmgeolab), ODbL 1.0"
SOURCE_NOTE = (
    "geoBoundaries gbOpen MNG ADM2 (boundaryID MNG-ADM2-30978026), wmgeolab/geoBoundaries "
    "commit 3515f6f8363d0adc3efe54c737d0e3c15c12bc35"
)
# The source has at most 7 decimals; rounding to 7 keeps it exact and hides float noise.
DIGITS = 7


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _round_coords(obj: Any) -> Any:
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], float | int):
            return [round(float(v), DIGITS) for v in obj]
        return [_round_coords(v) for v in obj]
    return obj


def geometry_json(geom: Polygon | MultiPolygon) -> dict[str, Any]:
    # Normalise orientation (RFC 7946: exterior counter-clockwise) so the output is stable.
    geom = shapely.orient_polygons(geom) if hasattr(shapely, "orient_polygons") else geom
    g = mapping(geom)
    return {"type": g["type"], "coordinates": _round_coords(g["coordinates"])}


def polygonal(geom: shapely.Geometry, what: str) -> Polygon | MultiPolygon:
    if not isinstance(geom, Polygon | MultiPolygon) or geom.is_empty or not geom.is_valid:
        raise SystemExit(f"{what}: union is not a valid polygon ({geom.geom_type})")
    return geom


def feature_collection(name: str, features: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "name": name,
        "attribution": ATTRIBUTION,
        "license": "ODbL-1.0",
        "source": SOURCE_NOTE,
        "features": features,
    }


def dump(path: Path, fc: dict[str, Any]) -> None:
    # One feature per line: compact, yet diffs stay readable.
    head = {k: v for k, v in fc.items() if k != "features"}
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in fc["features"]]
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    text += ',"features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")


def build(source: Path, tables: Path, out: Path) -> dict[str, int]:
    src = json.loads(source.read_text(encoding="utf-8"))
    soum_rows = {r["shapeID"]: r for r in read_csv(tables / "soums.csv")}
    aimag_rows = {r["code"]: r for r in read_csv(tables / "aimags.csv")}

    soums: list[tuple[dict[str, str], Polygon | MultiPolygon, dict[str, Any]]] = []
    seen: set[str] = set()
    for f in src["features"]:
        props = f["properties"]
        sid = props["shapeID"]
        row = soum_rows.get(sid)
        if row is None:
            raise SystemExit(f"{sid} ({props['shapeName']}) is not in soums.csv")
        if row["shapeName"] != props["shapeName"]:
            raise SystemExit(f"{sid}: name {props['shapeName']!r} != table {row['shapeName']!r}")
        if row["aimag_code"] not in aimag_rows:
            raise SystemExit(f"{sid}: unknown aimag {row['aimag_code']}")
        seen.add(sid)
        soums.append((row, polygonal(shape(f["geometry"]), sid), f["geometry"]))
    missing = set(soum_rows) - seen
    if missing:
        raise SystemExit(f"soums.csv rows not in the source: {sorted(missing)}")
    soums.sort(key=lambda t: (t[0]["aimag_code"], t[0]["shapeID"]))

    soum_features = [
        {
            "type": "Feature",
            "id": row["shapeID"],
            "properties": {
                "code": row["shapeID"],
                "aimag_code": row["aimag_code"],
                "name_mn": row["name_mn"],
                "name_en": row["name_en"],
                "name_src": row["shapeName"],
            },
            # Soum geometry is kept exactly as given (only re-serialised).
            "geometry": {"type": geo["type"], "coordinates": _round_coords(geo["coordinates"])},
        }
        for row, _, geo in soums
    ]

    everything = shapely.union_all([g for _, g, _ in soums])
    if not isinstance(everything, Polygon):
        raise SystemExit(f"union of all soums is a {everything.geom_type}, expected one polygon")
    # Ulaanbaatar: no feature covers it; it is exactly the holes of the union of all soums.
    ub_parts = [Polygon(ring) for ring in everything.interiors]
    if len(ub_parts) != 3:
        raise SystemExit(f"expected 3 holes (Ulaanbaatar) in the union, found {len(ub_parts)}")
    ub = polygonal(shapely.union_all(ub_parts), UB_CODE)

    aimag_geoms: dict[str, Polygon | MultiPolygon] = {}
    for code in aimag_rows:
        parts = [g for row, g, _ in soums if row["aimag_code"] == code]
        if code == UB_CODE:
            aimag_geoms[code] = ub
        elif not parts:
            raise SystemExit(f"aimag {code} has no soums")
        else:
            aimag_geoms[code] = polygonal(shapely.union_all(parts), code)

    aimag_features = []
    for code in sorted(aimag_rows):
        row = aimag_rows[code]
        aimag_props: dict[str, Any] = {
            "code": code,
            "name_mn": row["name_mn"],
            "name_en": row["name_en"],
            "center_soum": row.get("center_soum") or None,
        }
        aimag_features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": aimag_props,
                "geometry": geometry_json(aimag_geoms[code]),
            }
        )

    country = polygonal(Polygon(everything.exterior), "country")
    country_features = [
        {
            "type": "Feature",
            "id": "MN",
            "properties": {"code": "MN", "name_mn": "Монгол Улс", "name_en": "Mongolia"},
            "geometry": geometry_json(country),
        }
    ]

    out.mkdir(parents=True, exist_ok=True)
    dump(out / "soums.geojson", feature_collection("soums", soum_features))
    dump(out / "aimags.geojson", feature_collection("aimags", aimag_features))
    dump(out / "country.geojson", feature_collection("country", country_features))
    return {"soums": len(soum_features), "aimags": len(aimag_features)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--tables", type=Path, default=DEFAULT_DIR, help="folder with the CSV tables")
    ap.add_argument("--out", type=Path, default=DEFAULT_DIR, help="output folder")
    args = ap.parse_args(argv)
    counts = build(args.source, args.tables, args.out)
    print(f"wrote {counts['soums']} soums, {counts['aimags']} aimags to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
