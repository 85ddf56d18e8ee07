"""MBTiles basemaps (raster tiles in an SQLite file, prepared at the aimag centre).

This SQL reads a file *format* (the MBTiles 1.3 spec), not our store, so it lives here rather
than in ``pemdesk.storage``. Tiles are stored TMS-style (row 0 in the south); we ask in XYZ.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from pemdesk.errors import InvalidInput


class MBTiles:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InvalidInput(
                f"Файл олдсонгүй: {self.path.name}", f"The file does not exist: {self.path.name}"
            )
        try:
            # read-only, and usable from the map's paint code on any thread
            self._conn = sqlite3.connect(
                f"file:{self.path}?mode=ro", uri=True, check_same_thread=False
            )
            rows = self._conn.execute("SELECT name, value FROM metadata").fetchall()
            self._conn.execute("SELECT 1 FROM tiles LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise InvalidInput(
                f"{self.path.name}: MBTiles файл биш эсвэл эвдэрсэн байна.",
                f"{self.path.name}: this is not an MBTiles file or it is damaged.",
                detail=str(exc),
            ) from exc
        self._lock = threading.Lock()
        self.metadata = {str(k): str(v) for k, v in rows}
        fmt = self.metadata.get("format", "png").lower()
        if fmt not in ("png", "jpg", "jpeg", "webp"):
            raise InvalidInput(
                f"{self.path.name}: зөвхөн растр (PNG/JPEG/WebP) хавтан дэмжинэ ({fmt}).",
                f"{self.path.name}: only raster tiles (PNG/JPEG/WebP) are supported ({fmt}).",
            )
        zooms = self._conn.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
        self.min_zoom = int(self.metadata.get("minzoom", zooms[0] if zooms[0] is not None else 0))
        self.max_zoom = int(self.metadata.get("maxzoom", zooms[1] if zooms[1] is not None else 0))

    @property
    def name(self) -> str:
        return self.metadata.get("name") or self.path.stem

    @property
    def attribution(self) -> str:
        return self.metadata.get("attribution", "")

    def bounds(self) -> tuple[float, float, float, float] | None:
        """(west, south, east, north) in degrees when the file says."""
        text = self.metadata.get("bounds")
        if not text:
            return None
        try:
            w, s, e, n = (float(v) for v in text.split(","))
        except ValueError:
            return None
        return w, s, e, n

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """Image bytes of the XYZ tile, or None where the file has none."""
        tms_y = (1 << z) - 1 - y
        with self._lock:
            row = self._conn.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                (z, x, tms_y),
            ).fetchone()
        return bytes(row[0]) if row else None

    def close(self) -> None:
        self._conn.close()


def write_mbtiles(
    path: Path | str,
    tiles: dict[tuple[int, int, int], bytes],
    metadata: dict[str, str] | None = None,
) -> Path:
    """A small MBTiles file from XYZ tiles (for tests and for packing prepared imagery)."""
    path = Path(path)
    conn = sqlite3.connect(str(path))
    try:
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        conn.execute(
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, "
            "tile_row INTEGER, tile_data BLOB)"
        )
        conn.execute("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
        meta = {"name": path.stem, "format": "png", **(metadata or {})}
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", list(meta.items()))
        conn.executemany(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)",
            [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()],
        )
        conn.commit()
    finally:
        conn.close()
    return path
