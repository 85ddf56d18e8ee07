"""Sites, plots, visits, photo points and tracks out as GeoJSON and KML; tracks as GPX.

GeoJSON follows RFC 7946 (WGS84 lon/lat, no ``crs`` member, exterior rings counter-clockwise);
KML is 2.2 with one folder per layer and plots styled by stage; GPX is 1.1 written by gpxpy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pemdesk.errors import InvalidInput
from pemdesk.geo import symbology
from pemdesk.labels import label
from pemdesk.model import PlotStage

if TYPE_CHECKING:
    from pemdesk.storage import Store
    from pemdesk.storage.geo import MapData

KML_NS = "http://www.opengis.net/kml/2.2"


def _rfc7946(geometry: dict[str, Any]) -> dict[str, Any]:
    """Polygons with counter-clockwise exterior rings and clockwise holes."""
    if geometry["type"] not in ("Polygon", "MultiPolygon"):
        return geometry
    from shapely.geometry import MultiPolygon, mapping, shape
    from shapely.geometry.polygon import orient

    geom = shape(geometry)
    if geom.geom_type == "Polygon":
        geom = orient(geom, 1.0)
    else:
        geom = MultiPolygon([orient(p, 1.0) for p in geom.geoms])
    return json.loads(json.dumps(mapping(geom)))  # tuples -> lists


def _data(store: Store, site_id: str | None) -> MapData:
    from pemdesk.model import Site
    from pemdesk.storage.geo import map_data

    if site_id:
        store.get(Site, site_id)
    return map_data(store, site_id)


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def features(data: MapData, lang: str = "mn") -> list[dict[str, Any]]:
    """GeoJSON features of every layer, with a ``layer`` property naming it."""
    out: list[dict[str, Any]] = []
    for s in data.sites:
        geometry = s["boundary"] or (_point(s["lon"], s["lat"]) if s["lon"] is not None else None)
        if geometry is None:
            continue
        out.append(
            {
                "type": "Feature",
                "id": s["id"],
                "geometry": _rfc7946(geometry),
                "properties": {
                    "layer": "site",
                    "name": s["name_mn"],
                    "name_en": s["name_en"],
                    "kind": s["kind"],
                    "licence_no": s["licence_no"],
                    "aimag_code": s["aimag_code"],
                    "soum_code": s["soum_code"],
                },
            }
        )
    for p in data.plots:
        stage = PlotStage(p["stage"])
        out.append(
            {
                "type": "Feature",
                "id": p["id"],
                "geometry": _rfc7946(p["geometry"]),
                "properties": {
                    "layer": "plot",
                    "name": p["name"],
                    "site_id": p["site_id"],
                    "stage": p["stage"],
                    "stage_label": label(stage, lang),
                    "area_ha": p["area_ha"],
                    "fill": symbology.PLOT_STAGE_COLOURS[stage],
                },
            }
        )
    for v in data.visits:
        out.append(
            {
                "type": "Feature",
                "id": v["id"],
                "geometry": _point(v["lon"], v["lat"]),
                "properties": {
                    "layer": "visit",
                    "site_id": v["site_id"],
                    "status": v["status"],
                    "started_at": v["started_at"],
                },
            }
        )
    for pp in data.photo_points:
        out.append(
            {
                "type": "Feature",
                "id": pp["id"],
                "geometry": _point(pp["lon"], pp["lat"]),
                "properties": {
                    "layer": "photo_point",
                    "name": pp["name"],
                    "site_id": pp["site_id"],
                    "bearing": pp["bearing"],
                },
            }
        )
    for t in data.tracks:
        out.append(
            {
                "type": "Feature",
                "id": t["id"],
                "geometry": t["geometry"],
                "properties": {
                    "layer": "track",
                    "name": t["name"],
                    "site_id": t["site_id"],
                    "started_at": t["started_at"],
                },
            }
        )
    return out


def _write_text(path: Path, text: str | bytes) -> Path:
    partial = path.with_name(path.name + ".partial")
    try:
        if isinstance(text, bytes):
            partial.write_bytes(text)
        else:
            partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        raise InvalidInput(
            f"Файл бичиж чадсангүй: {path}", f"Cannot write the file: {path}", detail=str(exc)
        ) from exc
    return path


def export_geojson(
    store: Store, path: Path | str, site_id: str | None = None, lang: str = "mn"
) -> int:
    feats = features(_data(store, site_id), lang)
    doc = {"type": "FeatureCollection", "features": feats}
    _write_text(Path(path), json.dumps(doc, ensure_ascii=False, indent=1))
    return len(feats)


def _kml_colour(hex_colour: str, opacity: float) -> str:
    """KML colours are aabbggrr."""
    r, g, b = hex_colour[1:3], hex_colour[3:5], hex_colour[5:7]
    return f"{round(opacity * 255):02x}{b}{g}{r}"


def _kml_geometry(parent: Any, geometry: dict[str, Any]) -> None:
    from lxml import etree

    def el(p: Any, tag: str, text: str | None = None) -> Any:
        e = etree.SubElement(p, f"{{{KML_NS}}}{tag}")
        if text is not None:
            e.text = text
        return e

    def coords(seq: list[list[float]]) -> str:
        return " ".join(f"{x:.8f},{y:.8f}" for x, y in ((c[0], c[1]) for c in seq))

    t = geometry["type"]
    if t == "Point":
        el(el(parent, "Point"), "coordinates", coords([geometry["coordinates"]]))
    elif t == "LineString":
        line = el(parent, "LineString")
        el(line, "tessellate", "1")
        el(line, "coordinates", coords(geometry["coordinates"]))
    elif t == "Polygon":
        poly = el(parent, "Polygon")
        el(poly, "tessellate", "1")
        rings = geometry["coordinates"]
        el(el(el(poly, "outerBoundaryIs"), "LinearRing"), "coordinates", coords(rings[0]))
        for hole in rings[1:]:
            el(el(el(poly, "innerBoundaryIs"), "LinearRing"), "coordinates", coords(hole))
    elif t.startswith("Multi"):
        multi = el(parent, "MultiGeometry")
        for part in geometry["coordinates"]:
            _kml_geometry(multi, {"type": t[5:], "coordinates": part})
    elif t == "GeometryCollection":
        multi = el(parent, "MultiGeometry")
        for part in geometry["geometries"]:
            _kml_geometry(multi, part)


def export_kml(store: Store, path: Path | str, site_id: str | None = None, lang: str = "mn") -> int:
    from lxml import etree

    from pemdesk.i18n import tr

    def el(p: Any, tag: str, text: str | None = None) -> Any:
        e = etree.SubElement(p, f"{{{KML_NS}}}{tag}")
        if text is not None:
            e.text = text
        return e

    root = etree.Element(f"{{{KML_NS}}}kml", nsmap={None: KML_NS})
    doc = el(root, "Document")
    el(doc, "name", "pemdesk")
    for stage in PlotStage:
        style = el(doc, "Style")
        style.set("id", f"plot-{stage.value}")
        colour = symbology.PLOT_STAGE_COLOURS[stage]
        ls = el(style, "LineStyle")
        el(ls, "color", _kml_colour(symbology.darker(colour), 1.0))
        el(ls, "width", "2")
        el(el(style, "PolyStyle"), "color", _kml_colour(colour, 0.45))
    site_style = el(doc, "Style")
    site_style.set("id", "site")
    ls = el(site_style, "LineStyle")
    el(ls, "color", _kml_colour(symbology.SITE_BOUNDARY.stroke, 1.0))
    el(ls, "width", "2")
    el(el(site_style, "PolyStyle"), "color", _kml_colour(symbology.SITE_BOUNDARY.fill, 0.1))
    track_style = el(doc, "Style")
    track_style.set("id", "track")
    ls = el(track_style, "LineStyle")
    el(ls, "color", _kml_colour(symbology.TRACK.stroke, 1.0))
    el(ls, "width", "3")

    folder_names = {
        "site": "Sites",
        "plot": "Plots",
        "visit": "Visits",
        "photo_point": "Photo points",
        "track": "Tracks",
    }
    folders: dict[str, Any] = {}
    feats = features(_data(store, site_id), lang)
    for f in feats:
        layer = f["properties"]["layer"]
        if layer not in folders:
            folders[layer] = el(doc, "Folder")
            el(folders[layer], "name", tr(folder_names[layer], lang))
        pm = el(folders[layer], "Placemark")
        pm.set("id", f"{layer}-{f['id']}")
        props = f["properties"]
        el(pm, "name", str(props.get("name") or props.get("started_at") or ""))
        if layer == "plot":
            el(pm, "description", f"{props['stage_label']}, {props['area_ha'] or 0:.4f} ha")
            el(pm, "styleUrl", f"#plot-{props['stage']}")
        elif layer in ("site", "track"):
            el(pm, "styleUrl", f"#{layer}")
        ext = el(pm, "ExtendedData")
        for key, value in props.items():
            if value is None or key == "fill":
                continue
            d = el(ext, "Data")
            d.set("name", key)
            el(d, "value", str(value))
        _kml_geometry(pm, f["geometry"])
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    _write_text(Path(path), data)
    return len(feats)


def export_gpx(store: Store, path: Path | str, site_id: str | None = None) -> int:
    """Tracks as GPX 1.1 tracks (one segment per line part), photo points and waypoints as
    waypoints."""
    import gpxpy.gpx

    from pemdesk.ids import parse_iso

    data = _data(store, site_id)
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "pemdesk"
    count = 0
    for t in data.tracks:
        trk = gpxpy.gpx.GPXTrack(name=t["name"])
        geom = t["geometry"]
        lines = [geom["coordinates"]] if geom["type"] == "LineString" else geom["coordinates"]
        for line in lines:
            seg = gpxpy.gpx.GPXTrackSegment()
            seg.points = [gpxpy.gpx.GPXTrackPoint(latitude=c[1], longitude=c[0]) for c in line]
            trk.segments.append(seg)
        if t["started_at"] and trk.segments and trk.segments[0].points:
            trk.segments[0].points[0].time = parse_iso(t["started_at"])
        gpx.tracks.append(trk)
        count += 1
    for pp in data.photo_points:
        wpt = gpxpy.gpx.GPXWaypoint(latitude=pp["lat"], longitude=pp["lon"], name=pp["name"])
        if pp["bearing"] is not None:
            wpt.comment = f"bearing {pp['bearing']:.0f}°"
        gpx.waypoints.append(wpt)
        count += 1
    for w in getattr(data, "waypoints", []):  # field points, as a GPS would give them back
        wpt = gpxpy.gpx.GPXWaypoint(
            latitude=w["lat"], longitude=w["lon"], elevation=w["ele"], name=w["name"]
        )
        if w.get("recorded_at"):
            wpt.time = parse_iso(w["recorded_at"])
        wpt.description = w.get("description") or None
        wpt.symbol = w.get("symbol") or None
        gpx.waypoints.append(wpt)
        count += 1
    _write_text(Path(path), gpx.to_xml(version="1.1"))
    return count
