"""Mongolia's aimags and soums: names in both languages, codes, boundaries, point lookup.

The data is built by ``scripts/build_boundaries.py`` into ``resources/boundaries/`` from
geoBoundaries (© OpenStreetMap contributors, ODbL 1.0; see ``ATTRIBUTION.md`` there).

Codes: aimags use ISO 3166-2:MN (``MN-053`` Өмнөговь, ``MN-1`` Улаанбаатар); soums use the
geoBoundaries ``shapeID``, the only stable key (soum names repeat across aimags).
Ulaanbaatar is an aimag-level unit without soums in this data, so ``locate()`` returns ``None``
inside the capital; ``locate_aimag()`` returns Улаанбаатар there.

shapely is imported lazily: importing this module and reading names stays cheap.
"""

from __future__ import annotations

import json
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pemdesk.collation import mongolian_sort_key
from pemdesk.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from shapely import Geometry, STRtree

__all__ = ["UB_CODE", "Aimag", "Gazetteer", "Soum", "mongolian_sort_key", "name"]

UB_CODE = "MN-1"


@dataclass(frozen=True, slots=True)
class Aimag:
    """A first-level unit: one of the 21 aimags, or the capital Ulaanbaatar."""

    code: str
    name_mn: str
    name_en: str

    def name(self, lang: str = "mn") -> str:
        return self.name_mn if lang == "mn" else self.name_en


@dataclass(frozen=True, slots=True)
class Soum:
    """A soum (or an aimag-centre town that is its own unit). ``name_src`` is the source name."""

    code: str
    aimag_code: str
    name_mn: str
    name_en: str
    name_src: str

    def name(self, lang: str = "mn") -> str:
        return self.name_mn if lang == "mn" else self.name_en


def name(unit: Aimag | Soum, lang: str = "mn") -> str:
    """The unit's name in ``lang`` ("mn" or "en"); anything but "mn" gives English."""
    return unit.name(lang)


_SUFFIXES = (" сум", " sum", " soum", " аймаг", " aimag", " province")
_LATIN_FOLD = {"kh": "h", "ts": "c", "y": "i"}


def _match_key(text: str) -> str:
    """Loose key for names typed by people or found in files, in either script.

    Case, diacritics (ö ü), hyphens, spaces and a trailing "сум"/"soum" are ignored, and the
    common romanisation variants (kh/h, ts/c, y/i) are folded, so "Khanbogd", "Hanbogd" and
    "ханбогд сум" meet. Cyrillic Ө/Ү stay distinct from О/У: they are different letters.
    """
    s = " ".join(text.casefold().split())
    for suffix in _SUFFIXES:
        if s.endswith(suffix):
            s = s[: -len(suffix)]
    s = s.replace("-", "").replace(" ", "").replace("'", "").replace("ё", "е")
    if s.isascii() or any("a" <= c <= "z" for c in s):
        s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
        for a, b in _LATIN_FOLD.items():
            s = s.replace(a, b)
    return s


def _boundaries_dir() -> Path:
    from pemdesk.resources import resource_path

    return resource_path("boundaries")


class Gazetteer:
    """Read-only access to the aimags and soums shipped with the program.

    Use ``Gazetteer.load()`` for the shared, cached instance; ``Gazetteer(folder)`` reads another
    folder of the same files (tests, rebuilt data).
    """

    def __init__(self, folder: Path) -> None:
        self._folder = Path(folder)
        soums_fc = self._read("soums.geojson")
        aimags_fc = self._read("aimags.geojson")
        self._aimags: dict[str, Aimag] = {}
        self._aimag_geo: dict[str, dict[str, Any]] = {}
        self._centres: dict[str, str | None] = {}
        for f in aimags_fc["features"]:
            p = f["properties"]
            self._aimags[p["code"]] = Aimag(p["code"], p["name_mn"], p["name_en"])
            self._aimag_geo[p["code"]] = f["geometry"]
            self._centres[p["code"]] = p.get("center_soum")
        self._soums: dict[str, Soum] = {}
        self._soum_geo: dict[str, dict[str, Any]] = {}
        for f in soums_fc["features"]:
            p = f["properties"]
            soum = Soum(p["code"], p["aimag_code"], p["name_mn"], p["name_en"], p["name_src"])
            self._soums[soum.code] = soum
            self._soum_geo[soum.code] = f["geometry"]
        self._aimag_order = sorted(
            self._aimags.values(), key=lambda a: (mongolian_sort_key(a.name_mn), a.code)
        )
        self._soum_order = sorted(
            self._soums.values(), key=lambda s: (mongolian_sort_key(s.name_mn), s.code)
        )
        # Source names only as a fallback: a few are wrong (e.g. "Saihandulaan" for Сайнцагаан)
        # and must not shadow the real soum of that name.
        self._by_key: dict[str, list[Soum]] = {}
        self._by_src_key: dict[str, list[Soum]] = {}
        for soum in self._soum_order:
            for key in {_match_key(soum.name_mn), _match_key(soum.name_en)}:
                self._by_key.setdefault(key, []).append(soum)
            self._by_src_key.setdefault(_match_key(soum.name_src), []).append(soum)
        self._aimag_by_key = {
            _match_key(n): a for a in self._aimags.values() for n in (a.name_mn, a.name_en)
        }
        self._lock = threading.Lock()
        self._shapes: dict[tuple[str, str], Geometry] = {}
        self._tree: tuple[STRtree, list[str]] | None = None
        self._aimag_tree: tuple[STRtree, list[str]] | None = None

    @classmethod
    @cache
    def load(cls) -> Gazetteer:
        """The shipped gazetteer, read once per process."""
        return cls(_boundaries_dir())

    def _read(self, filename: str) -> dict[str, Any]:
        path = self._folder / filename
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise NotFound(
                "Засаг захиргааны хилийн өгөгдөл олдсонгүй. Програмаа дахин суулгана уу.",
                "The administrative boundary data is missing. Please reinstall the program.",
                detail=f"{path}: {exc}",
            ) from exc
        return data

    # --- names and codes -------------------------------------------------------------------

    def aimags(self) -> list[Aimag]:
        """All 22 first-level units (21 aimags + Ulaanbaatar), in Mongolian alphabetical order."""
        return list(self._aimag_order)

    def aimag(self, code: str) -> Aimag:
        try:
            return self._aimags[code]
        except KeyError:
            raise NotFound(
                f"«{code}» кодтой аймаг олдсонгүй.",
                f"There is no aimag with the code “{code}”.",
            ) from None

    def find_aimag(self, name: str) -> Aimag:
        """The aimag called ``name`` in either language, any case ("Өмнөговь", "omnogovi")."""
        try:
            return self._aimag_by_key[_match_key(name)]
        except KeyError:
            raise NotFound(
                f"«{name}» нэртэй аймаг олдсонгүй.", f"There is no aimag called “{name}”."
            ) from None

    def center_soum(self, aimag_code: str) -> Soum | None:
        """The soum that holds the aimag centre, when the source has it as its own unit."""
        self.aimag(aimag_code)
        code = self._centres.get(aimag_code)
        return self._soums[code] if code else None

    def soums(self, aimag_code: str | None = None) -> list[Soum]:
        """Soums in Mongolian alphabetical order; only those of ``aimag_code`` when given."""
        if aimag_code is None:
            return list(self._soum_order)
        self.aimag(aimag_code)
        return [s for s in self._soum_order if s.aimag_code == aimag_code]

    def soum(self, code: str) -> Soum:
        try:
            return self._soums[code]
        except KeyError:
            raise NotFound(
                f"«{code}» кодтой сум олдсонгүй.",
                f"There is no soum with the code “{code}”.",
            ) from None

    def find_soums(self, name: str, aimag_code: str | None = None) -> list[Soum]:
        """Every soum whose Mongolian, English or source name matches ``name`` (loosely)."""
        if aimag_code is not None:
            self.aimag(aimag_code)
        key = _match_key(name)
        for index in (self._by_key, self._by_src_key):
            found = [s for s in index.get(key, []) if aimag_code in (None, s.aimag_code)]
            if found:
                return found
        return []

    def find_soum(self, name: str, aimag_code: str | None = None) -> Soum:
        """The one soum called ``name`` (either language, any case), optionally in an aimag.

        Raises ``NotFound`` when none matches and ``InvalidInput`` when the name is shared by
        soums of several aimags and no aimag was given.
        """
        found = self.find_soums(name, aimag_code)
        if not found:
            where_mn = f"{self.aimag(aimag_code).name_mn} аймагт " if aimag_code else ""
            where_en = f" in {self.aimag(aimag_code).name_en}" if aimag_code else ""
            raise NotFound(
                f"{where_mn}«{name}» нэртэй сум олдсонгүй.",
                f"There is no soum called “{name}”{where_en}.",
            )
        if len(found) > 1:
            raise InvalidInput(
                f"«{name}» нэртэй {len(found)} сум байна. Аймгийг нь сонгоно уу.",
                f"{len(found)} soums are called “{name}”. Please choose the aimag too.",
                detail=", ".join(f"{s.code} ({s.aimag_code})" for s in found),
            )
        return found[0]

    # --- geometry --------------------------------------------------------------------------

    def _shape(self, kind: str, code: str, geo: dict[str, Any]) -> Geometry:
        key = (kind, code)
        shp = self._shapes.get(key)
        if shp is None:
            from shapely.geometry import shape

            shp = shape(geo)
            self._shapes[key] = shp
        return shp

    def soum_geometry(self, code: str) -> Geometry:
        """The soum's boundary as a shapely (Multi)Polygon in WGS84 lon/lat."""
        self.soum(code)
        return self._shape("soum", code, self._soum_geo[code])

    def aimag_geometry(self, code: str) -> Geometry:
        """The aimag's boundary (union of its soums) as a shapely (Multi)Polygon, lon/lat."""
        self.aimag(code)
        return self._shape("aimag", code, self._aimag_geo[code])

    def country_geometry(self) -> Geometry:
        """Mongolia's outline (all soums and Ulaanbaatar) as a shapely Polygon, lon/lat."""
        key = ("country", "MN")
        if key not in self._shapes:
            fc = self._read("country.geojson")
            self._shape("country", "MN", fc["features"][0]["geometry"])
        return self._shapes[key]

    def _soum_index(self) -> tuple[STRtree, list[str]]:
        with self._lock:
            if self._tree is None:
                from shapely import STRtree

                codes = [s.code for s in self._soum_order]
                self._tree = (STRtree([self.soum_geometry(c) for c in codes]), codes)
            return self._tree

    def _aimag_index(self) -> tuple[STRtree, list[str]]:
        with self._lock:
            if self._aimag_tree is None:
                from shapely import STRtree

                codes = [a.code for a in self._aimag_order]
                self._aimag_tree = (STRtree([self.aimag_geometry(c) for c in codes]), codes)
            return self._aimag_tree

    @staticmethod
    def _hit(index: tuple[STRtree, list[str]], lon: float, lat: float) -> str | None:
        from shapely import Point

        tree, codes = index
        # "intersects" so a point exactly on a border still finds a unit; holes (aimag-centre
        # towns nested in a soum) are respected by the predicate. Lowest index wins on a border.
        hits = tree.query(Point(lon, lat), predicate="intersects")
        return codes[int(min(hits))] if len(hits) else None

    def locate(self, lon: float, lat: float) -> Soum | None:
        """The soum containing the point (WGS84), or ``None`` outside every soum.

        Inside Ulaanbaatar (which has no soums) and outside Mongolia this gives ``None``.
        """
        code = self._hit(self._soum_index(), lon, lat)
        return self._soums[code] if code else None

    def locate_aimag(self, lon: float, lat: float) -> Aimag | None:
        """The aimag (or Ulaanbaatar) containing the point, or ``None`` outside Mongolia."""
        code = self._hit(self._aimag_index(), lon, lat)
        return self._aimags[code] if code else None
