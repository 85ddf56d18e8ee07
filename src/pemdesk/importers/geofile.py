"""One entry point for every geo file format: ``read_geo(path)`` picks the reader by extension."""

from __future__ import annotations

from pathlib import Path

from pemdesk.importers.common import GeoFeature, GeoFile, refuse

EXTENSIONS = {
    ".gpx": "gpx",
    ".kml": "kml",
    ".kmz": "kml",
    ".geojson": "geojson",
    ".json": "geojson",
    ".shp": "shapefile",
    ".zip": "shapefile",
    ".csv": "csv",
    ".txt": "csv",
    ".gpkg": "geopackage",
}


def _iso(value: object) -> str | None:
    from pemdesk.ids import to_iso

    return to_iso(value) if value is not None else None  # type: ignore[arg-type]


def gpx_to_geofile(path: Path) -> GeoFile:
    from pemdesk.importers.gpx import read_gpx

    data = read_gpx(path)
    out = GeoFile(path=path, format="gpx")
    for track in (*data.tracks, *data.routes):
        segments = [[[p.lon, p.lat] for p in seg] for seg in track.segments if len(seg) >= 2]
        short = sum(1 for seg in track.segments if len(seg) < 2)
        if not segments:
            out.skip(f"{track.kind} with fewer than 2 points")
            continue
        if short:
            out.notes.append(f"{track.name}: {short} segment(s) of one point left out")
        geometry = (
            {"type": "LineString", "coordinates": segments[0]}
            if len(segments) == 1
            else {"type": "MultiLineString", "coordinates": segments}
        )
        out.features.append(
            GeoFeature(
                geometry=geometry,
                name=track.name,
                properties={"kind": track.kind, "points": len(track.points)},
                folder=track.kind,
                started_at=_iso(track.started_at),
                ended_at=_iso(track.ended_at),
            )
        )
    for w in data.waypoints:
        props: dict[str, object] = {"kind": "waypoint"}
        if w.ele is not None:
            props["ele"] = w.ele
        if w.time is not None:
            props["time"] = _iso(w.time)
        if w.description:
            props["description"] = w.description
        if w.symbol:
            props["symbol"] = w.symbol
        out.features.append(
            GeoFeature({"type": "Point", "coordinates": [w.lon, w.lat]}, w.name, props, "waypoint")
        )
    return out


def read_geo(path: Path | str, crs: str | None = None) -> GeoFile:
    """Features of any supported file in WGS84; raises InvalidInput naming the file otherwise.

    ``crs`` is used only for shapefiles without a .prj (CrsRequired is raised when it is needed
    and not given).
    """
    path = Path(path)
    if not path.is_file():
        raise refuse(path, "файл олдсонгүй.", "the file does not exist.")
    kind = EXTENSIONS.get(path.suffix.lower())
    if kind == "gpx":
        return gpx_to_geofile(path)
    if kind == "kml":
        from pemdesk.importers.kml import read_kml

        return read_kml(path)
    if kind == "geojson":
        from pemdesk.importers.geojson import read_geojson

        return read_geojson(path)
    if kind == "shapefile":
        from pemdesk.importers.shapefile import read_shapefile

        return read_shapefile(path, crs=crs)
    if kind == "geopackage":
        from pemdesk.importers.geopackage import read_geopackage

        return read_geopackage(path)
    if kind == "csv":
        from pemdesk.importers.csvpoints import read_csv

        return read_csv(path)
    raise refuse(
        path,
        "энэ төрлийн файлыг уншиж чадахгүй. GPX, KML, KMZ, GeoJSON, Shapefile (.shp/.zip), "
        "GeoPackage (.gpkg) эсвэл CSV файл өгнө үү.",
        "this kind of file is not supported. Give a GPX, KML, KMZ, GeoJSON, Shapefile "
        "(.shp/.zip), GeoPackage (.gpkg) or CSV file.",
    )


__all__ = ["GeoFeature", "GeoFile", "read_geo"]
