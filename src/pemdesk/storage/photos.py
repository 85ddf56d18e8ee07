"""SQL for photos: the local file index (``blob``), duplicates, assignment, photo points, disk use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pemdesk import model
from pemdesk.errors import InvalidInput
from pemdesk.storage.records import from_row

if TYPE_CHECKING:
    from pemdesk.storage.store import Store

BLOB_KINDS = ("original", "preview", "thumb")
# Lower goes first when uploading: records, then thumbnails, previews, originals.
PRIORITY = {"thumb": 1, "preview": 3, "original": 5}


@dataclass(frozen=True)
class BlobRow:
    sha256: str
    size: int
    path: str  # relative to the data folder, with "/" separators
    mime: str | None
    kind: str
    derived_from: str | None = None


def add_blob(store: Store, blob: BlobRow) -> None:
    """Index a file of the photo store (no-op when it is indexed already)."""
    if blob.kind not in BLOB_KINDS:
        raise ValueError(f"unknown blob kind {blob.kind!r}")
    with store.atomic():
        store.conn.execute(
            "INSERT OR IGNORE INTO blob (sha256, size, path, mime, kind, derived_from, priority) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [blob.sha256, blob.size, blob.path, blob.mime, blob.kind, blob.derived_from,
             PRIORITY[blob.kind]],
        )  # fmt: skip


def blob(store: Store, sha256: str) -> dict[str, Any] | None:
    rows = store._query("SELECT * FROM blob WHERE sha256 = ?", [sha256])
    return rows[0] if rows else None


def blobs(store: Store, kind: str | None = None) -> list[dict[str, Any]]:
    if kind:
        return store._query("SELECT * FROM blob WHERE kind = ? ORDER BY sha256", [kind])
    return store._query("SELECT * FROM blob ORDER BY sha256")


def remove_blob(store: Store, sha256: str) -> None:
    with store.atomic():
        store.conn.execute("DELETE FROM blob WHERE sha256 = ?", [sha256])


def photo_by_sha(store: Store, sha256: str) -> model.Photo | None:
    rows = store._query(
        "SELECT * FROM photo WHERE sha256 = ? AND _deleted = 0 ORDER BY created_at, id LIMIT 1",
        [sha256],
    )
    return from_row(model.Photo, rows[0]) if rows else None


def known_shas(store: Store, shas: list[str]) -> set[str]:
    """Which of these originals are already recorded as (live) photos."""
    found: set[str] = set()
    for i in range(0, len(shas), 500):
        chunk = shas[i : i + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = store._query(
            f"SELECT DISTINCT sha256 FROM photo WHERE _deleted = 0 AND sha256 IN ({marks})", chunk
        )
        found |= {r["sha256"] for r in rows}
    return found


def is_referenced(store: Store, sha256: str) -> bool:
    """True while any record (live, or a finished visit's photo) still refers to this original."""
    rows = store._query(
        "SELECT 1 FROM photo p LEFT JOIN visit v ON v.id = p.visit_id WHERE p.sha256 = ? "
        "AND (p._deleted = 0 OR v.status = 'finished') LIMIT 1",
        [sha256],
    )
    return bool(rows)


def photos(
    store: Store,
    *,
    visit_id: str | None = None,
    photo_point_id: str | None = None,
    unassigned: bool = False,
    ids: list[str] | None = None,
) -> list[model.Photo]:
    clauses, params = ["_deleted = 0"], []
    if visit_id:
        clauses.append("visit_id = ?")
        params.append(visit_id)
    if photo_point_id:
        clauses.append("photo_point_id = ?")
        params.append(photo_point_id)
    if unassigned:
        clauses.append("visit_id IS NULL")
    if ids is not None:
        if not ids:
            return []
        clauses.append(f"id IN ({', '.join('?' for _ in ids)})")
        params += ids
    rows = store._query(
        f"SELECT * FROM photo WHERE {' AND '.join(clauses)} ORDER BY taken_at, id", params
    )
    return [from_row(model.Photo, r) for r in rows]


def visit_status(store: Store, visit_id: str) -> str | None:
    rows = store._query("SELECT status FROM visit WHERE id = ? AND _deleted = 0", [visit_id])
    return rows[0]["status"] if rows else None


def require_draft_visit(store: Store, visit_id: str) -> None:
    status = visit_status(store, visit_id)
    if status is None:
        store.get(model.Visit, visit_id)  # raises NotFound
    if status == model.VisitStatus.FINISHED:
        raise InvalidInput(
            "Дууссан үзлэгийн зургийг өөрчлөх боломжгүй; шинэ хувилбар үүсгэнэ үү.",
            "The photos of a finished visit cannot be changed; amend it as a new revision.",
            detail=f"visit {visit_id}",
        )


def update_photo(store: Store, photo_id: str, **changes: Any) -> model.Photo:
    """Change some fields of a photo; refused when it belongs to a finished visit."""
    with store.atomic():
        photo = store.get(model.Photo, photo_id)
        if photo.visit_id:
            require_draft_visit(store, photo.visit_id)
        for key, value in changes.items():
            setattr(photo, key, value)
        if photo.visit_id:
            require_draft_visit(store, photo.visit_id)
        store.save(photo)
    return photo


def candidate_visits(store: Store, taken_at: str, margin_s: float) -> list[dict[str, Any]]:
    """Draft visits whose time window (with a margin) holds ``taken_at``, with their position
    (or their site's)."""
    return store._query(
        """
        SELECT v.id, v.started_at, v.ended_at, coalesce(v.lon, s.lon) AS lon,
               coalesce(v.lat, s.lat) AS lat, s.boundary AS boundary
        FROM visit v JOIN site s ON s.id = v.site_id
        WHERE v._deleted = 0 AND v.status = 'draft'
          AND julianday(v.started_at) - ? / 86400.0 <= julianday(?)
          AND julianday(coalesce(v.ended_at, strftime('%Y-%m-%dT23:59:59Z', v.started_at)))
              + ? / 86400.0 >= julianday(?)
        ORDER BY v.started_at
        """,
        [margin_s, taken_at, margin_s, taken_at],
    )


def photo_point_photos(store: Store, photo_point_id: str) -> list[model.Photo]:
    return photos(store, photo_point_id=photo_point_id)


@dataclass(frozen=True)
class DiskUsage:
    originals: int
    originals_bytes: int
    derived: int
    derived_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.originals_bytes + self.derived_bytes


def disk_usage(store: Store) -> DiskUsage:
    rows = store._query(
        "SELECT kind = 'original' AS original, count(*) AS n, coalesce(sum(size), 0) AS bytes "
        "FROM blob GROUP BY kind = 'original'"
    )
    by = {bool(r["original"]): r for r in rows}
    o, d = by.get(True, {"n": 0, "bytes": 0}), by.get(False, {"n": 0, "bytes": 0})
    return DiskUsage(o["n"], o["bytes"], d["n"], d["bytes"])


def forget_blobs(store: Store, original_sha256: str) -> None:
    """Drop an original and its derived files from the index."""
    with store.atomic():
        store.conn.execute(
            "DELETE FROM blob WHERE sha256 = ? OR derived_from = ?",
            [original_sha256, original_sha256],
        )
