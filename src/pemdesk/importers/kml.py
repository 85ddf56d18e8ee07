"""KML 2.2 and KMZ (Google Earth): placemarks in documents and folders, read with fastkml."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pemdesk.errors import InvalidInput
from pemdesk.importers.common import GeoFeature, GeoFile, clean_geometry, has_positions, refuse

KML_NS = "http://www.opengis.net/kml/2.2"


# The KML inside a KMZ, unzipped, at most (a whole aimag's plots are a few MB).
KMZ_MAX_UNZIPPED = 200 * 1024 * 1024


def _too_big(path: Path) -> InvalidInput:
    mb = KMZ_MAX_UNZIPPED // (1024 * 1024)
    return refuse(
        path,
        f"KMZ доторх KML {mb} МБ-аас том байна (эвдэрсэн эсвэл хор хөнөөлтэй архив).",
        f"the KML inside the KMZ is larger than {mb} MB unzipped (a damaged or hostile archive).",
    )


def _kml_documents(path: Path) -> list[tuple[str, bytes]]:
    if path.suffix.lower() == ".kmz" or zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as z:
                names = [n for n in z.namelist() if n.lower().endswith(".kml")]
                # doc.kml (or the first at the top) first, then the files it links to
                names.sort(key=lambda n: (n.lower() != "doc.kml", n.count("/"), n))
                # a zip bomb must not fill the memory: the declared sizes first, then real reads
                if sum(z.getinfo(n).file_size for n in names) > KMZ_MAX_UNZIPPED:
                    raise _too_big(path)
                documents, total = [], 0
                for n in names:
                    with z.open(n) as member:
                        data = member.read(KMZ_MAX_UNZIPPED - total + 1)
                    total += len(data)
                    if total > KMZ_MAX_UNZIPPED:
                        raise _too_big(path)
                    documents.append((n, data))
                return documents
        except (zipfile.BadZipFile, OSError, KeyError) as exc:
            raise refuse(
                path, "KMZ архив эвдэрсэн байна.", "the KMZ archive is damaged.", str(exc)
            ) from exc
    try:
        return [(path.name, path.read_bytes())]
    except OSError as exc:
        raise refuse(path, "файлыг уншиж чадсангүй.", "the file cannot be read.", str(exc)) from exc


def _with_namespace(data: bytes) -> bytes:
    """Some writers leave out the KML namespace or use Google's 2.0/2.1 one; fastkml needs 2.2."""
    data = re.sub(rb"http://earth\.google\.com/kml/2\.[012]", KML_NS.encode(), data)
    head = data[:2048]
    if re.search(rb"<kml[\s>]", head) and b"xmlns=" not in head.split(b"<kml", 1)[1][:300]:
        return re.sub(rb"<kml(?=[\s>])", b'<kml xmlns="' + KML_NS.encode() + b'"', data, count=1)
    return data


def _walk(obj: Any, folder: str) -> Iterator[tuple[Any, str]]:
    from fastkml import features

    for f in getattr(obj, "features", None) or []:
        if isinstance(f, features.Placemark):
            yield f, folder
        else:
            name = (getattr(f, "name", None) or "").strip()
            yield from _walk(f, f"{folder}/{name}" if folder and name else (name or folder))


def _properties(placemark: Any) -> dict[str, Any]:
    props: dict[str, Any] = {}
    if placemark.description:
        props["description"] = str(placemark.description).strip()
    ext = getattr(placemark, "extended_data", None)
    for el in getattr(ext, "elements", None) or []:
        if hasattr(el, "data"):  # SchemaData with SimpleData
            for sd in el.data or []:
                props[str(sd.name)] = sd.value
        elif getattr(el, "name", None):
            props[str(el.name)] = el.value
    return props


def _track_times(placemark: Any) -> tuple[str | None, str | None]:
    """First and last time of a gx:Track / gx:MultiTrack (timestamped GPS tracks)."""
    from pemdesk.ids import to_iso

    geom = getattr(placemark, "kml_geometry", None)
    tracks = list(getattr(geom, "tracks", None) or ([geom] if geom is not None else []))
    times = []
    for t in tracks:
        for item in getattr(t, "track_items", None) or []:
            when = getattr(getattr(item, "when", None), "dt", None)
            if when is not None and getattr(when, "tzinfo", None) is not None:
                times.append(when)
    if not times:
        return None, None
    return to_iso(min(times)), to_iso(max(times))


def read_kml(path: Path | str) -> GeoFile:
    from fastkml import kml

    path = Path(path)
    fmt = "kmz" if path.suffix.lower() == ".kmz" else "kml"
    out = GeoFile(path=path, format=fmt)
    documents = _kml_documents(path)
    if not documents:
        raise refuse(path, "KMZ архивт KML файл алга.", "the KMZ archive holds no KML file.")
    for member, data in documents:
        head = data[:4096].lstrip()
        if not re.search(rb"<(\w+:)?kml[\s>]", head):
            raise refuse(
                path,
                "KML баримт биш байна (<kml> үндсэн элемент алга).",
                "this is not a KML document (no <kml> root element).",
                member,
            )
        try:
            doc = kml.KML.from_string(_with_namespace(data), strict=False)  # type: ignore[arg-type]
        except Exception as exc:  # fastkml/lxml raise many kinds on broken XML
            raise refuse(
                path, "KML файл эвдэрсэн байна.", "the KML file is damaged.", f"{member}: {exc}"
            ) from exc
        for placemark, folder in _walk(doc, ""):
            geom = placemark.geometry
            gi = getattr(geom, "__geo_interface__", None) if geom is not None else None
            if not gi or not has_positions(gi):
                out.skip("feature without geometry")
                continue
            name = (placemark.name or "").strip()
            geometry = clean_geometry(dict(gi), path, f"«{name}»" if name else "")
            started, ended = _track_times(placemark)
            out.features.append(
                GeoFeature(
                    geometry=geometry,
                    name=name,
                    properties=_properties(placemark),
                    folder=folder,
                    started_at=started,
                    ended_at=ended,
                )
            )
    if not out.features and not out.skipped:
        out.notes.append("no placemarks")
    return out
