"""The map's data, prepared for fast drawing (Qt-free): Web Mercator, levels of detail, indexes.

Display uses Web Mercator (EPSG:3857) and the XYZ tile grid of 256-pixel tiles, so vector layers
and MBTiles basemaps line up; areas are never measured here (see ``geo.area``). Each polygon or
line layer keeps an STRtree over its projected geometries and simplifies lazily per zoom level
(half a pixel's tolerance), so a frame only touches what it shows at the detail it can show.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from pemdesk.storage.geo import MapData

EARTH_RADIUS = 6378137.0
WORLD = 2 * math.pi * EARTH_RADIUS  # metres across the Mercator square
TILE = 256
MAX_LAT = 85.05112878
MIN_ZOOM, MAX_ZOOM = 2.0, 20.0
MAX_LODS_HELD = 4  # simplified shapes kept per layer: this many levels of detail at most
# layers and label kinds that come with the program (boundaries, basemap), shared by every model
BASE_LABEL_KINDS = frozenset(
    {"aimag", "soum", "place", "capital", "town", "centre", "lake", "river", "region", "peak"}
)


def merc(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(lon, dtype=float)
    lat = np.clip(np.asarray(lat, dtype=float), -MAX_LAT, MAX_LAT)
    x = np.radians(lon) * EARTH_RADIUS
    y = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * EARTH_RADIUS
    return x, y


def inv_merc(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    lon = np.degrees(np.asarray(x, dtype=float) / EARTH_RADIUS)
    lat = np.degrees(2 * np.arctan(np.exp(np.asarray(y, dtype=float) / EARTH_RADIUS)) - np.pi / 2)
    return lon, lat


def merc_point(lon: float, lat: float) -> tuple[float, float]:
    x, y = merc(lon, lat)
    return float(x), float(y)


def lonlat_point(x: float, y: float) -> tuple[float, float]:
    lon, lat = inv_merc(x, y)
    return float(lon), float(lat)


def resolution(zoom: float) -> float:
    """Metres per pixel at the equator for a zoom level."""
    return WORLD / (TILE * 2.0**zoom)


def project_geometry(geometry: dict[str, Any] | BaseGeometry) -> BaseGeometry:
    import shapely
    from shapely.geometry import shape
    from shapely.geometry.base import BaseGeometry

    geom = geometry if isinstance(geometry, BaseGeometry) else shape(geometry)

    def fwd(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return merc(x, y)

    return shapely.transform(geom, lambda c: np.column_stack(fwd(c[:, 0], c[:, 1])))


def lod_for(zoom: float) -> int:
    """The level of detail (integer zoom) whose simplification suits a zoom: fractional zooms
    snap to one of 23 levels, so caches keyed by it stay bounded."""
    return int(max(0, min(22, math.floor(zoom + 0.5))))


@dataclass
class Viewport:
    """What is on screen: a Mercator centre, a fractional zoom and a size in pixels."""

    cx: float
    cy: float
    zoom: float
    width: int
    height: int

    @property
    def res(self) -> float:
        return resolution(self.zoom)

    def to_screen(self, x: Any, y: Any) -> tuple[Any, Any]:
        r = self.res
        return (np.asarray(x) - self.cx) / r + self.width / 2, (self.cy - np.asarray(y)) / r + (
            self.height / 2
        )

    def to_world(self, sx: float, sy: float) -> tuple[float, float]:
        r = self.res
        return self.cx + (sx - self.width / 2) * r, self.cy - (sy - self.height / 2) * r

    def extent(self) -> tuple[float, float, float, float]:
        r = self.res
        hw, hh = self.width / 2 * r, self.height / 2 * r
        return self.cx - hw, self.cy - hh, self.cx + hw, self.cy + hh

    def fit(self, minx: float, miny: float, maxx: float, maxy: float, margin: float = 0.1) -> None:
        """Centre on a Mercator box and zoom so that it fills the view (with a margin)."""
        self.cx, self.cy = (minx + maxx) / 2, (miny + maxy) / 2
        w = max(maxx - minx, 1.0) * (1 + 2 * margin)
        h = max(maxy - miny, 1.0) * (1 + 2 * margin)
        res = max(w / max(self.width, 1), h / max(self.height, 1))
        self.zoom = float(np.clip(math.log2(WORLD / (TILE * res)), MIN_ZOOM, MAX_ZOOM))


def tile_bounds(z: float, tx: int, ty: int) -> tuple[float, float, float, float]:
    """Mercator bounds of a 256-px tile (y counted from the north); integer z is XYZ, and the
    map also tiles fractional zooms the same way so that a view is always drawn unscaled."""
    size = WORLD / 2**z
    minx = -WORLD / 2 + tx * size
    maxy = WORLD / 2 - ty * size
    return minx, maxy - size, minx + size, maxy


def tiles_for(view: Viewport, z: float) -> list[tuple[int, int]]:
    minx, miny, maxx, maxy = view.extent()
    size = WORLD / 2**z
    n = int(math.ceil(2**z))
    x0 = max(0, int(math.floor((minx + WORLD / 2) / size)))
    x1 = min(n - 1, int(math.floor((maxx + WORLD / 2) / size)))
    y0 = max(0, int(math.floor((WORLD / 2 - maxy) / size)))
    y1 = min(n - 1, int(math.floor((WORLD / 2 - miny) / size)))
    # the centre first, so the user sees the middle of the map fill in first
    cxt, cyt = (x0 + x1) / 2, (y0 + y1) / 2
    tiles = [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    tiles.sort(key=lambda t: (t[0] - cxt) ** 2 + (t[1] - cyt) ** 2)
    return tiles


class ShapeLayer:
    """Polygons or lines in Mercator with an STRtree and per-zoom simplification."""

    def __init__(
        self,
        name: str,
        geoms: Sequence[BaseGeometry],
        ids: Sequence[str],
        attrs: Sequence[dict[str, Any]] | None = None,
        preserve_topology: bool = True,
    ) -> None:
        import shapely
        from shapely import STRtree

        self.name = name
        self.geoms = list(geoms)
        self.ids = list(ids)
        self.attrs = list(attrs) if attrs is not None else [{} for _ in self.geoms]
        self.preserve_topology = preserve_topology
        self.tree = STRtree(self.geoms)
        self.bounds = (
            shapely.bounds(np.array(self.geoms, dtype=object)) if self.geoms else np.zeros((0, 4))
        )
        self._simplified: dict[tuple[int, int], BaseGeometry] = {}
        self._lods: list[int] = []  # levels of detail held, most recent last (bounded)
        self.index = {fid: i for i, fid in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.geoms)

    def query(self, minx: float, miny: float, maxx: float, maxy: float) -> np.ndarray:
        from shapely.geometry import box

        if not self.geoms:
            return np.zeros(0, dtype=int)
        return np.sort(self.tree.query(box(minx, miny, maxx, maxy)))

    def at_lod(self, i: int, lod: int) -> BaseGeometry:
        key = (i, lod)
        geom = self._simplified.get(key)
        if geom is None:
            if lod not in self._lods:
                self._lods.append(lod)
                if len(self._lods) > MAX_LODS_HELD:  # forget the least recent level
                    old = self._lods.pop(0)
                    self._simplified = {k: v for k, v in self._simplified.items() if k[1] != old}
            elif self._lods[-1] != lod:
                self._lods.remove(lod)
                self._lods.append(lod)
            tol = resolution(lod) * 0.5
            geom = self.geoms[i].simplify(tol, preserve_topology=self.preserve_topology)
            if geom.is_empty:
                geom = self.geoms[i]
            self._simplified[key] = geom
        return geom

    def pixel_size(self, i: int, res: float) -> float:
        b = self.bounds[i]
        return float(max(b[2] - b[0], b[3] - b[1]) / res)

    def pick(self, x: float, y: float, tol: float) -> int | None:
        """The topmost (last drawn) feature containing or touching a point, within ``tol`` metres."""
        from shapely.geometry import Point

        hits = self.query(x - tol, y - tol, x + tol, y + tol)
        pt = Point(x, y)
        for i in hits[::-1]:
            if self.geoms[i].distance(pt) <= tol:
                return int(i)
        return None


def chunked_lines(name: str, geoms: Sequence[BaseGeometry], size: int = 128) -> ShapeLayer:
    """Lines noded and merged (an edge shared by two polygons once), cut into pieces of at most
    ``size`` vertices: a large-scale view then clips a few short pieces, not a whole outline."""
    import shapely

    merged = shapely.line_merge(shapely.union_all(list(geoms)))
    pieces = []
    for part in shapely.get_parts(merged):
        coords = np.asarray(part.coords)
        for start in range(0, max(1, len(coords) - 1), size):
            chunk = coords[start : start + size + 1]
            if len(chunk) >= 2:
                pieces.append(shapely.linestrings(chunk))
    return ShapeLayer(name, pieces, [f"{name}{i}" for i in range(len(pieces))],
                      preserve_topology=False)


@dataclass
class PointLayer:
    name: str
    x: np.ndarray
    y: np.ndarray
    ids: list[str]
    bearing: np.ndarray | None = None  # degrees from north, NaN where unknown
    groups: np.ndarray | None = None  # a small int per point choosing its style
    attrs: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_lonlat(
        cls,
        name: str,
        lons: Iterable[float],
        lats: Iterable[float],
        ids: list[str],
        bearing: Iterable[float | None] | None = None,
        groups: Iterable[int] | None = None,
        attrs: list[dict[str, Any]] | None = None,
    ) -> PointLayer:
        x, y = merc(np.fromiter(lons, float), np.fromiter(lats, float))
        b = None
        if bearing is not None:
            b = np.array([np.nan if v is None else v for v in bearing], dtype=float)
        g = np.fromiter(groups, dtype=np.int16) if groups is not None else None
        return cls(name, np.atleast_1d(x), np.atleast_1d(y), ids, b, g, attrs or [])

    def __len__(self) -> int:
        return len(self.ids)

    def within(self, minx: float, miny: float, maxx: float, maxy: float) -> np.ndarray:
        m = (self.x >= minx) & (self.x <= maxx) & (self.y >= miny) & (self.y <= maxy)
        return np.nonzero(m)[0]

    def pick(self, x: float, y: float, tol: float) -> int | None:
        if not len(self):
            return None
        d2 = (self.x - x) ** 2 + (self.y - y) ** 2
        i = int(np.argmin(d2))
        return i if d2[i] <= tol * tol else None


@dataclass
class Label:
    x: float
    y: float
    text_mn: str
    text_en: str
    kind: str  # aimag | soum | site | plot
    min_zoom: float
    max_zoom: float = 99.0
    priority: float = 0  # higher first
    fid: str = ""  # the feature's id (sites, plots): the tree's filters hide its label too

    def text(self, lang: str) -> str:
        return self.text_en if lang == "en" and self.text_en else self.text_mn


class MapModel:
    """All layers the map draws, prepared once per data change."""

    def __init__(self) -> None:
        self.layers: dict[str, ShapeLayer] = {}
        self.points: dict[str, PointLayer] = {}
        self.labels: list[Label] = []
        self.version = 0
        self.base_layers: set[str] = set()  # layers of the boundaries and the basemap
        self.base_points: set[str] = set()
        self.user_layers: dict[str, ShapeLayer] = {}  # coordinator-added files (by layer key)

    # --- boundaries -------------------------------------------------------------------------
    def load_boundaries(self) -> None:
        from pemdesk.gazetteer import Gazetteer

        gaz = Gazetteer.load()
        soums = gaz.soums()
        soum_geoms = [project_geometry(gaz.soum_geometry(s.code)) for s in soums]
        # lines shared by two units are drawn once, in pieces a view can pick from its index
        self.layers["soums"] = chunked_lines("soums", [g.boundary for g in soum_geoms])
        aimags = gaz.aimags()
        aimag_geoms = [project_geometry(gaz.aimag_geometry(a.code)) for a in aimags]
        self.layers["aimags"] = chunked_lines("aimags", [g.boundary for g in aimag_geoms])
        country = project_geometry(gaz.country_geometry())
        self.layers["country"] = ShapeLayer("country", [country], ["MN"])
        self.layers["country_lines"] = chunked_lines("country_lines", [country.boundary])
        self.base_layers.update(("soums", "aimags", "country", "country_lines"))
        self.soum_polygons = ShapeLayer("soum_polygons", soum_geoms, [s.code for s in soums])
        self.aimag_polygons = ShapeLayer("aimag_polygons", aimag_geoms, [a.code for a in aimags])
        for a, g in zip(aimags, aimag_geoms, strict=True):
            p = g.representative_point()
            self.labels.append(Label(p.x, p.y, a.name_mn, a.name_en, "aimag", 4.5, 8.5, 5))
        for s, g in zip(soums, self.soum_polygons.geoms, strict=True):
            p = g.representative_point()
            self.labels.append(Label(p.x, p.y, s.name_mn, s.name_en, "soum", 7.5, 12.5, 1))
        self.version += 1

    # --- records ----------------------------------------------------------------------------
    def load_records(self, data: MapData) -> None:
        from pemdesk.model import PlotStage

        np.unique(np.zeros(2))  # numpy imports numpy.ma on first use (~25 ms): here, not mid-paint

        stages = list(PlotStage)
        self.labels = [lb for lb in self.labels if lb.kind in BASE_LABEL_KINDS]
        plots = [p for p in data.plots if p.get("geometry")]
        self.layers["plots"] = ShapeLayer(
            "plots",
            [project_geometry(p["geometry"]) for p in plots],
            [p["id"] for p in plots],
            [
                {
                    "stage": stages.index(PlotStage(p["stage"])),
                    "name": p["name"],
                    "site_id": p["site_id"],
                    "area_ha": p["area_ha"],
                }
                for p in plots
            ],
        )
        bounded = [s for s in data.sites if s.get("boundary")]
        self.layers["site_boundaries"] = ShapeLayer(
            "site_boundaries",
            [project_geometry(s["boundary"]) for s in bounded],
            [s["id"] for s in bounded],
        )
        tracks = [t for t in data.tracks if t.get("geometry")]
        self.layers["tracks"] = ShapeLayer(
            "tracks",
            [project_geometry(t["geometry"]) for t in tracks],
            [t["id"] for t in tracks],
            [{"name": t["name"]} for t in tracks],
            preserve_topology=False,
        )
        sites = [s for s in data.sites if s.get("lon") is not None]
        self.points["sites"] = PointLayer.from_lonlat(
            "sites",
            (s["lon"] for s in sites),
            (s["lat"] for s in sites),
            [s["id"] for s in sites],
            attrs=[
                {"name_mn": s["name_mn"], "name_en": s["name_en"], "kind": s["kind"]} for s in sites
            ],
        )
        self.points["visits"] = PointLayer.from_lonlat(
            "visits",
            (v["lon"] for v in data.visits),
            (v["lat"] for v in data.visits),
            [v["id"] for v in data.visits],
            groups=(0 if v["status"] == "finished" else 1 for v in data.visits),
        )
        self.points["photo_points"] = PointLayer.from_lonlat(
            "photo_points",
            (p["lon"] for p in data.photo_points),
            (p["lat"] for p in data.photo_points),
            [p["id"] for p in data.photo_points],
            bearing=(p["bearing"] for p in data.photo_points),
        )
        self.points["photos"] = PointLayer.from_lonlat(
            "photos",
            (p["lon"] for p in data.photos),
            (p["lat"] for p in data.photos),
            [p["id"] for p in data.photos],
            bearing=(p["bearing"] for p in data.photos),
        )
        wps = getattr(data, "waypoints", [])
        self.points["waypoints"] = PointLayer.from_lonlat(
            "waypoints",
            (w["lon"] for w in wps),
            (w["lat"] for w in wps),
            [w["id"] for w in wps],
            attrs=[{"name": w["name"], "site_id": w.get("site_id")} for w in wps],
        )
        for w in wps:
            if w["name"]:
                x, y = merc_point(w["lon"], w["lat"])
                self.labels.append(Label(x, y, w["name"], w["name"], "waypoint", 13.0, 99.0, 1.5))
        for s in sites:
            x, y = merc_point(s["lon"], s["lat"])
            self.labels.append(
                Label(
                    x, y, s["name_mn"], s["name_en"] or s["name_mn"], "site", 6.0, 99.0, 10,
                    s["id"],
                )
            )
        plot_layer = self.layers["plots"]
        for i, p in enumerate(plots):
            c = plot_layer.geoms[i].representative_point()
            self.labels.append(
                Label(c.x, c.y, p["name"], p["name"], "plot", 14.0, 99.0, 2, p["id"])
            )
        self.version += 1

    def load_basemap(self) -> None:
        """The shipped Natural Earth layers (``geo.basemap``): water, places, relief."""
        from pemdesk.geo.basemap import aimag_centres, read_layer

        lakes = read_layer("lakes")
        self.layers["lakes"] = ShapeLayer(
            "lakes",
            [project_geometry(f.geometry) for f in lakes],
            [f"lake{i}" for i in range(len(lakes))],
            [{"rank": f.scalerank} for f in lakes],
        )
        rivers = read_layer("rivers")
        self.layers["rivers"] = ShapeLayer(
            "rivers",
            [project_geometry(f.geometry) for f in rivers],
            [f"river{i}" for i in range(len(rivers))],
            [{"rank": f.scalerank} for f in rivers],
            preserve_topology=False,
        )
        self.base_layers.update(("lakes", "rivers"))
        for f, g in zip(lakes, self.layers["lakes"].geoms, strict=True):
            if f.name:
                p = g.representative_point()
                self.labels.append(
                    Label(p.x, p.y, f.name_mn, f.name_en, "lake", max(5.0, f.min_label - 1), 99, 3.5)
                )
        for f, g in zip(rivers, self.layers["rivers"].geoms, strict=True):
            if f.name:
                import shapely

                longest = max(shapely.get_parts(g), key=lambda part: part.length)
                p = longest.interpolate(0.5, normalized=True)
                self.labels.append(
                    Label(p.x, p.y, f.name_mn, f.name_en, "river", max(5.5, f.min_label - 1), 99, 3)
                )
        for f in read_layer("regions"):
            if f.scalerank <= 0 or f.props.get("featurecla") in ("Continent", "Geoarea"):
                continue
            from shapely.geometry import shape

            p = project_geometry(shape(f.geometry)).representative_point()
            lo = max(4.0, f.min_label - 0.5)
            self.labels.append(Label(p.x, p.y, f.name_mn, f.name_en, "region", lo, lo + 4, 2.5))
        places = read_layer("places")
        groups = []
        for f in places:
            lon, lat = f.geometry["coordinates"]
            x, y = merc_point(lon, lat)
            home = f.props.get("adm0_a3") == "MNG"
            capital = bool(f.props.get("adm0cap")) and home
            groups.append(0 if capital else (1 if home else 2))
            rank = f.scalerank
            lo = 4.0 if capital else (5.0 if home and rank <= 6 else 6.0 if home else 5.5 + rank / 3)
            kind = "capital" if capital else ("place" if home else "town")
            prio = (9.0 if capital else 6.0 if home else 4.0) - rank / 20
            self.labels.append(Label(x, y, f.name_mn, f.name_en, kind, lo, 99, prio))
        self.points["places"] = PointLayer.from_lonlat(
            "places",
            (f.geometry["coordinates"][0] for f in places),
            (f.geometry["coordinates"][1] for f in places),
            [f"place{i}" for i in range(len(places))],
            groups=groups,
        )
        # aimag centres from the gazetteer where Natural Earth has no place within ~15 km
        px, py = self.points["places"].x, self.points["places"].y
        centres = []
        for c in aimag_centres():
            x, y = merc_point(c.lon, c.lat)
            if len(px) and float(np.min(np.hypot(px - x, py - y))) < 20_000:
                continue
            centres.append(c)
            self.labels.append(Label(x, y, c.name_mn, c.name_en, "centre", 5.5, 99, 5.5))
        self.points["centres"] = PointLayer.from_lonlat(
            "centres",
            (c.lon for c in centres),
            (c.lat for c in centres),
            [c.aimag_code for c in centres],
        )
        peaks = [f for f in read_layer("peaks") if f.name]
        self.points["peaks"] = PointLayer.from_lonlat(
            "peaks",
            (f.geometry["coordinates"][0] for f in peaks),
            (f.geometry["coordinates"][1] for f in peaks),
            [f"peak{i}" for i in range(len(peaks))],
        )
        for f, x, y in zip(peaks, self.points["peaks"].x, self.points["peaks"].y, strict=True):
            ele = f.props.get("elevation")
            suffix = f" {ele} м" if ele is not None else ""
            suffix_en = f" {ele} m" if ele is not None else ""
            self.labels.append(
                Label(
                    float(x), float(y), f.name_mn + suffix, f.name_en + suffix_en, "peak",
                    6.5, 99, 2.4,
                )
            )
        self.base_points.update(("places", "centres", "peaks"))
        self.version += 1

    def with_records(self, data: MapData) -> MapModel:
        """A new model sharing these boundaries, with the records' layers (built off the GUI)."""
        other = MapModel()
        other.layers = {k: v for k, v in self.layers.items() if k in self.base_layers}
        other.points = {k: v for k, v in self.points.items() if k in self.base_points}
        other.base_layers = set(self.base_layers)
        other.base_points = set(self.base_points)
        other.user_layers = dict(self.user_layers)
        other.soum_polygons = self.soum_polygons
        other.aimag_polygons = self.aimag_polygons
        other.labels = [lb for lb in self.labels if lb.kind in BASE_LABEL_KINDS]
        other.load_records(data)
        other.version = self.version + 1
        return other

    def add_user_layer(self, key: str, title: str, geoms: Sequence[BaseGeometry],
                       colour: str, path: str = "") -> ShapeLayer:
        """A coordinator's own file (protected zones, licence areas from the cadastre) as a
        layer of its own: geometries already in Mercator, one colour."""
        layer = ShapeLayer(
            key,
            list(geoms),
            [f"{key}#{i}" for i in range(len(geoms))],
            [{"_title": title, "_colour": colour, "_path": path}]
            + [{} for _ in range(len(geoms) - 1)],
        )
        self.user_layers[key] = layer
        return layer

    def bounds_of(self, layer: str, fid: str) -> tuple[float, float, float, float] | None:
        if layer in self.layers:
            lay = self.layers[layer]
            i = lay.index.get(fid)
            return tuple(lay.bounds[i]) if i is not None else None  # type: ignore[return-value]
        if layer in ("soum", "aimag"):
            lay = self.soum_polygons if layer == "soum" else self.aimag_polygons
            i = lay.index.get(fid)
            return tuple(lay.bounds[i]) if i is not None else None  # type: ignore[return-value]
        pts = self.points.get(layer)
        if pts is not None and fid in pts.ids:
            i = pts.ids.index(fid)
            return (float(pts.x[i]), float(pts.y[i]), float(pts.x[i]), float(pts.y[i]))
        return None

    def site_extent(self, site_id: str) -> tuple[float, float, float, float] | None:
        """The site's boundary, plots and position together."""
        boxes = []
        b = self.bounds_of("site_boundaries", site_id)
        if b:
            boxes.append(b)
        plots = self.layers.get("plots")
        if plots is not None:
            for i, a in enumerate(plots.attrs):
                if a["site_id"] == site_id:
                    boxes.append(tuple(plots.bounds[i]))
        b = self.bounds_of("sites", site_id)
        if b:
            boxes.append(b)
        if not boxes:
            return None
        arr = np.array(boxes)
        return (
            float(arr[:, 0].min()),
            float(arr[:, 1].min()),
            float(arr[:, 2].max()),
            float(arr[:, 3].max()),
        )

    def country_extent(self) -> tuple[float, float, float, float]:
        return tuple(self.layers["country"].bounds[0])  # type: ignore[return-value]
