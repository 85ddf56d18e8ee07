"""ESRI Shapefiles, loose or zipped, with any .prj (reprojected to WGS84) — read with pyshp."""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

from pemdesk.errors import InvalidInput
from pemdesk.importers.common import GeoFeature, GeoFile, clean_geometry, has_positions, refuse
from pemdesk.importers.geojson import feature_name

_MAX_UNZIPPED = 2_000_000_000  # refuse zip bombs


class CrsRequired(InvalidInput):
    """A shapefile without .prj: the caller must say which coordinate system it uses."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path.name}: координатын систем (.prj файл) алга. Аль системд байгааг заана уу, "
            "жишээ нь EPSG:4326 (өргөрөг/уртраг) эсвэл EPSG:32648 (UTM 48N).",
            f"{path.name}: the coordinate system (.prj file) is missing. Say which one it uses, "
            "e.g. EPSG:4326 (lat/lon) or EPSG:32648 (UTM 48N).",
            detail=str(path),
        )
        self.path = path


def _crs_from(text: str, path: Path) -> Any:
    import pyproj

    pyproj.network.set_network_enabled(False)
    try:
        return pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError as exc:
        raise refuse(
            path,
            f"координатын системийг танисангүй: {text[:60]}",
            f"unknown coordinate system: {text[:60]}",
            str(exc),
        ) from exc


@functools.cache
def _to_wgs84(crs_text: str) -> Any:
    """A cached transformer to WGS84 lon/lat, or None when the CRS already is WGS84."""
    import pyproj

    src = pyproj.CRS.from_user_input(crs_text)
    if src.equals(pyproj.CRS.from_epsg(4326), ignore_axis_order=True):
        return None
    return pyproj.Transformer.from_crs(src, "EPSG:4326", always_xy=True)


def reproject_geometry(geometry: dict[str, Any], crs: Any, path: Path) -> dict[str, Any]:
    """A GeoJSON geometry from ``crs`` (text or pyproj CRS) to WGS84 lon/lat."""
    import pyproj
    import shapely
    from shapely.geometry import mapping, shape

    src = crs if isinstance(crs, pyproj.CRS) else _crs_from(str(crs), path)
    tr = _to_wgs84(src.to_wkt())
    if tr is None:
        return geometry
    geom = shapely.transform(shape(geometry), tr.transform, interleaved=False)
    return dict(mapping(geom))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("latin-1", "replace")
    return value


def _read_one(shp: Path, display: Path, crs: str | None) -> GeoFile:
    import shapefile

    prj = shp.with_suffix(".prj")
    if not prj.exists():
        prj = next((p for p in shp.parent.glob(shp.stem + ".*") if p.suffix.lower() == ".prj"), prj)
    cpg = shp.with_suffix(".cpg")
    encoding = "utf-8"
    if cpg.exists():
        encoding = cpg.read_text(errors="replace").strip() or "utf-8"
    if prj.exists():
        src_crs = _crs_from(prj.read_text(errors="replace"), display)
    elif crs:
        src_crs = _crs_from(crs, display)
    else:
        raise CrsRequired(display)
    out = GeoFile(path=display, format="shapefile", crs=src_crs.to_string())
    for enc in (encoding, "latin-1"):  # a DBF without .cpg is often Latin-1 or cp1251
        try:
            out.features.clear()
            out.skipped = 0
            with (
                warnings.catch_warnings(record=True) as caught,
                shapefile.Reader(str(shp), encoding=enc) as reader,
            ):
                warnings.simplefilter("always")
                fields = [f[0] for f in reader.fields[1:]]
                for rec in reader.iterShapeRecords():
                    gi = rec.shape.__geo_interface__ if rec.shape.shapeType else None
                    if not gi or not has_positions(gi):
                        out.skipped += 1
                        continue
                    props = {k: _jsonable(v) for k, v in zip(fields, rec.record, strict=False)}
                    geometry = reproject_geometry(dict(gi), src_crs, display)
                    n = len(out.features) + 1
                    geometry = clean_geometry(geometry, display, f"({n}-р / record {n})")
                    out.features.append(
                        GeoFeature(
                            geometry=geometry,
                            name=feature_name(props),
                            properties=props,
                            folder=shp.stem,
                        )
                    )
            corrupt = [w for w in caught if "corrupt" in w.category.__name__.lower()]
            if corrupt:
                raise refuse(
                    display,
                    "Shapefile эвдэрсэн байна (файлын хэмжээ толгойд бичсэнтэй таарахгүй).",
                    "the shapefile is damaged (its size does not match its header).",
                    str(corrupt[0].message),
                )
            return out
        except UnicodeDecodeError:
            continue
        except InvalidInput:
            raise
        except Exception as exc:  # pyshp raises plain exceptions (struct.error…) on corrupt files
            if isinstance(exc.__cause__, UnicodeDecodeError) or "decode" in str(exc):
                continue
            raise refuse(
                display,
                "Shapefile эвдэрсэн байна.",
                "the shapefile is damaged.",
                f"{shp.name}: {type(exc).__name__}: {exc}",
            ) from exc
    raise refuse(
        display,
        "хүснэгтийн (.dbf) кодчилол танигдсангүй.",
        "the attribute table (.dbf) encoding is unknown.",
    )


def read_shapefile(path: Path | str, crs: str | None = None) -> GeoFile:
    """A .shp (with its .dbf/.shx/.prj beside it) or a .zip holding one or more shapefiles."""
    path = Path(path)
    if not path.exists():
        raise refuse(path, "файл олдсонгүй.", "the file does not exist.")
    if path.suffix.lower() != ".zip":
        return _read_one(path, path, crs)
    try:
        with zipfile.ZipFile(path) as z, tempfile.TemporaryDirectory() as tmp:
            wanted = [
                i
                for i in z.infolist()
                if not i.is_dir()
                and Path(i.filename).suffix.lower() in (".shp", ".shx", ".dbf", ".prj", ".cpg")
            ]
            if sum(i.file_size for i in wanted) > _MAX_UNZIPPED:
                raise refuse(path, "архив хэт том байна.", "the archive is too large.")
            shps = [i for i in wanted if i.filename.lower().endswith(".shp")]
            if not shps:
                raise refuse(
                    path, "архивт Shapefile (.shp) алга.", "the archive holds no shapefile (.shp)."
                )
            for i in wanted:
                target = Path(tmp) / Path(i.filename).name  # flatten: no path tricks
                target.write_bytes(z.read(i))
            merged = GeoFile(path=path, format="shapefile")
            for i in shps:
                part = _read_one(Path(tmp) / Path(i.filename).name, path, crs)
                merged.features += part.features
                merged.skipped += part.skipped
                merged.crs = part.crs
            return merged
    except zipfile.BadZipFile as exc:
        raise refuse(
            path, "ZIP архив эвдэрсэн байна.", "the ZIP archive is damaged.", str(exc)
        ) from exc
