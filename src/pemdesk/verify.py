"""Sealing visits in the store, and checking that sealed visits and their photos are unchanged.

``seal_visit`` runs when a visit is finished (``pemdesk.visits.finish_visit`` calls it through
``pemdesk.seal.seal_visit``). ``verify`` re-reads every sealed visit (or one) and names each
record, field or photo file that no longer matches its seal, the seal's own integrity (document,
digest, Ed25519 signature) and the chain of revisions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pemdesk import model, seal
from pemdesk.device_key import DeviceKey, load_or_create
from pemdesk.errors import InvalidInput, NotFound
from pemdesk.photos.files import PhotoFiles, hash_file
from pemdesk.progress import Progress
from pemdesk.storage import seals as q
from pemdesk.storage.records import to_row


# --- sealing -------------------------------------------------------------------------------------
def current_document(
    store: Any, visit_id: str, *, visit_row: dict[str, Any] | None = None,
    plot_ids: list[str] | None = None, previous_seal: str | None = None,
    fmt: str = seal.SEAL_FORMAT,
) -> dict[str, Any]:  # fmt: skip
    """The seal document of a visit as its records are now, in seal format ``fmt``."""
    rows = q.seal_rows(store, visit_id)
    if rows is None:
        raise NotFound(f"Үзлэг олдсонгүй: {visit_id}", f"No visit with id {visit_id}.")
    from pemdesk.storage.cases import seal_sections

    return seal.visit_document(
        visit_row if visit_row is not None else rows.visit,
        plot_ids=rows.plot_ids if plot_ids is None else plot_ids,
        participants=rows.participants,
        observations=rows.observations,
        findings=rows.findings,
        photos=rows.photos,
        previous_seal=previous_seal,
        fmt=fmt,
        extra=seal_sections(store, visit_id) if fmt != seal.SEAL_FORMAT_1 else None,
    )


def _previous_digest(store: Any, supersedes: str | None) -> str | None:
    if not supersedes:
        return None
    row = q.visit_row(store, supersedes)
    return row["seal_digest"] if row else None


def seal_visit(store: Any, visit: model.Visit | str, key: DeviceKey | None = None) -> str:
    """Seal a visit; returns the digest.

    Given a ``Visit`` (the finish hook: the visit is being finished, fields not saved yet), the
    seal covers it as it will be saved — finished — and its seal fields are set on the object.
    Given an id, the stored (finished) visit is sealed and its seal fields written.
    """
    key = key or load_or_create(store.data_dir)
    with store.atomic():
        if isinstance(visit, str):
            row = q.visit_row(store, visit)
            if row is None:
                raise NotFound(f"Үзлэг олдсонгүй: {visit}", f"No visit with id {visit}.")
            if row["status"] != model.VisitStatus.FINISHED:
                raise InvalidInput(
                    "Зөвхөн дууссан үзлэгийг лацална.",
                    "Only a finished visit is sealed.",
                    detail=f"visit {visit}",
                )
            visit_id, revision, supersedes = row["id"], row["revision"], row["supersedes"]
            previous = _previous_digest(store, supersedes)
            doc = current_document(store, visit_id, previous_seal=previous)
        else:
            row = to_row(visit) | {"status": model.VisitStatus.FINISHED.value}
            visit_id, revision, supersedes = visit.id, visit.revision, visit.supersedes
            previous = _previous_digest(store, supersedes)
            doc = current_document(
                store,
                visit_id,
                visit_row=row,
                plot_ids=list(visit.plot_ids),
                previous_seal=previous,
            )
        digest = seal.digest(doc)
        signature = seal.sign(digest, key)
        q.write_seal(
            store, visit_id, fmt=seal.SEAL_FORMAT, revision=revision, digest=digest,
            signature=signature, public_key=key.public_hex, previous_digest=previous, document=doc,
        )  # fmt: skip
        if isinstance(visit, model.Visit):
            visit.seal_digest, visit.seal_signature, visit.seal_key = (
                digest,
                signature,
                key.public_hex,
            )
    return digest


# --- verifying -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    code: str  # changed | added | removed | photo-changed | photo-missing | bad-signature | ...
    mn: str
    en: str
    section: str | None = None
    record_id: str | None = None
    field: str | None = None
    sealed: Any = None
    current: Any = None

    def message(self, lang: str = "mn") -> str:
        return self.mn if lang == "mn" else self.en

    def as_json(self, lang: str = "mn") -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message(lang),
            "section": self.section,
            "record_id": self.record_id,
            "field": self.field,
            "sealed": self.sealed,
            "current": self.current,
        }


@dataclass
class VisitCheck:
    visit_id: str
    revision: int
    started_at: str
    digest: str | None
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # not failures (e.g. original not here)
    superseded_by: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self, lang: str = "mn") -> dict[str, Any]:
        return {
            "visit_id": self.visit_id,
            "revision": self.revision,
            "started_at": self.started_at,
            "digest": self.digest,
            "ok": self.ok,
            "superseded_by": self.superseded_by,
            "problems": [p.as_json(lang) for p in self.problems],
            "notes": [p.as_json(lang) for p in self.notes],
        }


@dataclass
class VerifyReport:
    visits: list[VisitCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.visits)

    def as_json(self, lang: str = "mn") -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": len(self.visits),
            "failed": sum(1 for v in self.visits if not v.ok),
            "visits": [v.as_json(lang) for v in self.visits],
        }


def _diff_problem(d: seal.Difference) -> Problem:
    if d.section == "previous_seal":
        code = "chain-broken"
    else:
        code = "changed" if d.field else ("removed" if d.current is None else "added")
    return Problem(code, d.describe("mn"), d.describe("en"), d.section, d.record_id, d.field,
                   _short(d.sealed), _short(d.current))  # fmt: skip


def _is_person_correction(d: seal.Difference) -> bool:
    return d.section == "participants" and d.field == "person_name"


def _correction_note(d: seal.Difference) -> Problem:
    return Problem(
        "person-corrected",
        f"Оролцогчийн нэрийг лацалсны дараа хүний бүртгэлд зассан: лацад «{d.sealed}», одоо "
        f"«{d.current}». Гарын үсэг зурсан баримт өөрчлөгдөөгүй.",
        f"A participant's name was corrected in the person record after sealing: sealed "
        f"“{d.sealed}”, now “{d.current}”. The signed document is unchanged.",
        d.section, d.record_id, d.field, d.sealed, d.current)


def _short(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k != "id"}
    return value


def verify(
    store: Any,
    visit_id: str | None = None,
    *,
    check_files: bool = True,
    progress: Progress | None = None,
) -> VerifyReport:
    """Check one sealed visit, or every finished visit of the data folder."""
    progress = progress or Progress()
    ids = [visit_id] if visit_id else q.sealable_visit_ids(store)
    row = q.visit_row(store, visit_id) if visit_id else None
    if visit_id and row is None:
        raise NotFound(f"Үзлэг олдсонгүй: {visit_id}", f"No visit with id {visit_id}.")
    if row is not None and row["status"] != "finished":
        raise InvalidInput(
            "Энэ үзлэг ноорог хэвээр байна: битүүмжлээгүй тул шалгах лац алга.",
            "This visit is still a draft: it is not sealed, so there is no seal to check.",
            detail=f"visit {visit_id}",
        )
    progress.update(done=0, total=len(ids))
    report = VerifyReport()
    files = PhotoFiles(store.data_dir)
    hashed: dict[str, str | None] = {}
    for vid in ids:
        progress.check()
        report.visits.append(_check_visit(store, vid, files, check_files, hashed))
        progress.step()
    return report


def _check_visit(
    store: Any, visit_id: str, files: PhotoFiles, check_files: bool, hashed: dict[str, str | None]
) -> VisitCheck:
    row = q.visit_row(store, visit_id)
    assert row is not None
    check = VisitCheck(visit_id, row["revision"], row["started_at"], row["seal_digest"])
    newer = store.visit_superseding(visit_id) if hasattr(store, "visit_superseding") else None
    check.superseded_by = newer.id if newer is not None else None
    add = check.problems.append
    stored = q.stored_seal(store, visit_id)
    if not row["seal_digest"]:
        if stored is not None:
            add(Problem("seal-removed", "Үзлэгийн лацыг устгасан байна.",
                        "The visit's seal was removed.", "visit", visit_id, "seal_digest",
                        stored["digest"], None))  # fmt: skip
        else:
            # Finished before sealing existed (older data, demo data): told, not a failure.
            check.notes.append(Problem("unsealed", "Үзлэг дууссан боловч лацлагдаагүй.",
                                       "The visit is finished but was never sealed."))  # fmt: skip
        return check
    sealed_doc: dict[str, Any] | None = None
    if stored is None:
        add(Problem("seal-missing", "Лацын баримт алга (устгагдсан эсвэл ирээгүй).",
                    "The sealed document is missing (deleted or not synced)."))  # fmt: skip
    else:
        try:
            sealed_doc = json.loads(stored["document"])
        except (ValueError, TypeError):
            sealed_doc = None
        if sealed_doc is None or seal.digest(sealed_doc) != stored["digest"]:
            add(Problem("seal-document-changed", "Лацын баримт өөрчлөгдсөн.",
                        "The sealed document itself was changed."))  # fmt: skip
            sealed_doc = None
        if stored["digest"] != row["seal_digest"]:
            add(Problem("seal-mismatch", "Үзлэгийн лацын тоон гарын үсэг хадгалсан лацтай таарахгүй.",
                        "The visit's seal digest does not match its stored seal.", "visit", visit_id,
                        "seal_digest", stored["digest"], row["seal_digest"]))  # fmt: skip
    if not seal.signature_valid(
        row["seal_digest"], row["seal_signature"] or "", row["seal_key"] or ""
    ):
        add(Problem("bad-signature", "Лацын цахим гарын үсэг хүчингүй.",
                    "The seal's signature is not valid.", "visit", visit_id, "seal_signature"))  # fmt: skip
    previous = _previous_digest(store, row["supersedes"])
    # An old seal is checked in its own format; without a stored document, in the one that fits.
    if sealed_doc is not None and sealed_doc.get("format") in seal.FORMATS:
        formats: tuple[str, ...] = (sealed_doc["format"],)
    else:
        formats = seal.FORMATS
    for fmt in formats:
        current = current_document(store, visit_id, previous_seal=previous, fmt=fmt)
        if seal.digest(current) == row["seal_digest"]:
            break
    # Compare with the intact sealed document when there is one, so that an altered digest on
    # the visit row is reported as that, not as changed records.
    reference = stored["digest"] if sealed_doc is not None and stored else row["seal_digest"]
    if seal.digest(current) != reference:
        corrected_only = False
        if sealed_doc is not None:
            diffs = seal.diff_documents(sealed_doc, current)
            # A participant's name comes from the person record, which stays correctable after
            # sealing: such a difference is a later correction of the person, told as such; the
            # sealed document (intact, checked above) is what was signed.
            swapped = {d.record_id for d in diffs if d.section == "participants"
                       and d.field != "person_name"}
            corrections = [d for d in diffs
                           if _is_person_correction(d) and d.record_id not in swapped]
            check.notes += [_correction_note(d) for d in corrections]
            check.problems += [_diff_problem(d) for d in diffs if d not in corrections]
            corrected_only = bool(corrections) and len(corrections) == len(diffs)
        if not corrected_only and (not sealed_doc or not any(
            p.code in ("changed", "added", "removed", "chain-broken") for p in check.problems
        )):
            add(Problem("changed", "Үзлэгийн бүртгэл лацалснаас хойш өөрчлөгдсөн.",
                        "The visit's records changed after sealing.", "visit", visit_id))  # fmt: skip
    if check_files:
        photos = (sealed_doc or current).get("photos", [])
        for photo in photos:
            _check_photo_file(store, files, photo, check, hashed)
    return check


def _check_photo_file(
    store: Any, files: PhotoFiles, photo: dict[str, Any], check: VisitCheck,
    hashed: dict[str, str | None],
) -> None:  # fmt: skip
    sha = photo["sha256"]
    path = files.original_path(sha)
    if sha not in hashed:
        hashed[sha] = hash_file(path) if path.exists() else None
    actual = hashed[sha]
    pid = photo["id"]
    if actual is None:
        if q.blob_exists(store, sha):
            check.problems.append(Problem(
                "photo-missing", f"Зургийн эх файл алга болсон: {pid} ({path.name})",
                f"The photo's original file is missing: {pid} ({path.name})", "photos", pid, "file", sha, None,
            ))  # fmt: skip
        else:
            check.notes.append(Problem(
                "photo-not-here", f"Зургийн эх файл энэ төхөөрөмжид алга (татаж аваагүй): {pid}",
                f"The photo's original is not on this device (not downloaded): {pid}", "photos", pid,
            ))  # fmt: skip
    elif actual != sha:
        check.problems.append(Problem(
            "photo-changed", f"Зургийн файл лацалснаас хойш өөрчлөгдсөн: {pid} ({path})",
            f"The photo file changed after sealing: {pid} ({path})", "photos", pid, "file", sha, actual,
        ))  # fmt: skip


def _qr_from_url(store: Any, text: str) -> str:
    """A verify-page address (the QR of an enrolled laptop's report) as the offline payload."""
    stripped = text.strip()
    if not stripped.lower().startswith(("http://", "https://")) or "/v/" not in stripped:
        return text
    digest = stripped.split("?", 1)[0].rstrip("/").rsplit("/v/", 1)[1].lower()
    row = store.conn.execute(
        "SELECT id, revision FROM visit WHERE seal_digest = ? AND _deleted = 0 "
        "UNION ALL SELECT s.id, v.revision FROM visit_seal s JOIN visit v ON v.id = s.id "
        "WHERE s.digest = ? LIMIT 1", [digest, digest]).fetchone()
    if row is None:
        raise NotFound(
            f"Энэ лацтай үзлэг энэ өгөгдөлд алга: {digest[:16]}…",
            f"No visit with this seal is in this data folder: {digest[:16]}…",
        )
    return seal.QrPayload(str(row[0]), int(row[1]), digest).text()


def verify_qr(store: Any, text: str, *, check_files: bool = True) -> VerifyReport:
    """Check a printed verification code (``PEMDESK1|…`` or a server's ``…/v/<digest>`` address)
    against this data folder."""
    text = _qr_from_url(store, text)
    payload = seal.parse_qr(text)
    row = q.visit_row(store, payload.visit_id)
    if row is None:
        raise NotFound(
            f"Кодын үзлэг энэ өгөгдөлд алга: {payload.visit_id}",
            f"The code's visit is not in this data folder: {payload.visit_id}",
        )
    report = verify(store, payload.visit_id, check_files=check_files)
    check = report.visits[0]
    if row["seal_digest"] != payload.digest or row["revision"] != payload.revision:
        check.problems.insert(0, Problem(
            "qr-mismatch",
            "Хэвлэсэн код бүртгэлийн лацтай таарахгүй: цаасан тайлан ба бүртгэл өөр байна.",
            "The printed code does not match the record's seal: the paper and the record differ.",
            "visit", payload.visit_id, "seal_digest", payload.digest, row["seal_digest"],
        ))  # fmt: skip
    return report
