"""Sealing a finished visit: canonical document, SHA-256 digest, Ed25519 signature (pure functions).

No Qt and no store here, so the sync server can check seals with the same code. The store-level
parts (``seal_visit``, ``verify``) are in ``pemdesk.verify``.

The sealed document holds a fixed list of fields per record, so a column added to a table later
never changes the digest of an old seal::

    {"format": "pemdesk-seal-2", "visit": {...}, "plot_ids": [...],
     "participants": [...], "observations": [...], "findings": [...],
     "photos": [{..., "sha256": ...}], "previous_seal": "<digest of the revision it amends>"|null,
     "signoffs": [...], "assessments": [...], "finding_cases": [...], "finding_steps": [...]}

Format ``pemdesk-seal-2`` (new seals) adds the participants' sign-offs and dissent, the EMP
commitments assessed, the findings' cases (responsible party, due date, evidence) and the
re-inspections made in the visit. Format ``pemdesk-seal-1`` (older seals) has none of those four
sections; an old seal is always checked against a document built in its own format.

Lists are sorted by record id; the JSON is canonical (sorted keys, no spaces, UTF-8, no NaN).
A finding's follow-up fields are left out on purpose: follow-up is tracked after the visit.
The signature covers ``b"PEMDESK-SEAL-1\\n" + digest`` (hex, ASCII).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pemdesk.canonical import canonical_json  # noqa: F401  (one definition)
from pemdesk.device_key import verify_signature
from pemdesk.errors import InvalidInput

SEAL_FORMAT_1 = "pemdesk-seal-1"
SEAL_FORMAT_2 = "pemdesk-seal-2"
SEAL_FORMAT = SEAL_FORMAT_2  # the format new seals are written in
FORMATS = (SEAL_FORMAT_2, SEAL_FORMAT_1)
QR_PREFIX = "PEMDESK1"
SIGNING_CONTEXT = b"PEMDESK-SEAL-1\n"

# The sealed fields of each record, fixed for SEAL_FORMAT (never change: old seals use them).
VISIT_FIELDS = (
    "id", "site_id", "started_at", "ended_at", "lon", "lat", "position_source", "weather",
    "purpose", "notes", "status", "revision", "supersedes", "created_by", "finished_at",
)  # fmt: skip
PARTICIPANT_FIELDS = ("id", "person_id", "role", "person_name")
OBSERVATION_FIELDS = (
    "id", "indicator", "value_num", "value_text", "unit", "method", "instrument", "observed_at",
    "lon", "lat", "comment",
)  # fmt: skip
FINDING_FIELDS = ("id", "category", "description", "severity", "lon", "lat")
PHOTO_FIELDS = (
    "id", "sha256", "taken_at", "lon", "lat", "altitude_m", "bearing", "orientation", "caption",
    "photo_point_id",
)  # fmt: skip
INTEGER_FIELDS = frozenset({"revision", "orientation"})
# Format 2 only (pemdesk.cases); JSON lists (strokes, photo ids) are sealed as their stored text.
SIGNOFF_FIELDS = (
    "id", "person_id", "name", "role", "party", "kind", "strokes", "typed_name", "reason",
    "finding_id", "signed_at",
)  # fmt: skip
ASSESSMENT_FIELDS = ("id", "commitment_id", "result", "note", "photo_ids")
CASE_FIELDS = (
    "id", "finding_id", "responsible_party", "responsible_name", "due_on", "photo_ids",
    "observation_ids", "plot_id", "grievance_id",
)  # fmt: skip
STEP_FIELDS = (
    "id", "finding_id", "kind", "on_date", "by_name", "by_party", "text", "planned_action",
    "planned_by", "outcome", "photo_ids",
)  # fmt: skip

SECTIONS = {
    "participants": PARTICIPANT_FIELDS,
    "observations": OBSERVATION_FIELDS,
    "findings": FINDING_FIELDS,
    "photos": PHOTO_FIELDS,
}
SECTIONS_2 = {
    "signoffs": SIGNOFF_FIELDS,
    "assessments": ASSESSMENT_FIELDS,
    "finding_cases": CASE_FIELDS,
    "finding_steps": STEP_FIELDS,
}
ALL_SECTIONS = {**SECTIONS, **SECTIONS_2}


def _norm(field: str, value: Any) -> Any:
    """One representation per value, whichever database it came from."""
    if hasattr(value, "value") and not isinstance(value, int | float | str):
        value = value.value  # enums
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if field in INTEGER_FIELDS:
            return int(value)
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{field}: {value} cannot be sealed")
        return value
    return value


def _pick(row: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    return {f: _norm(f, row.get(f)) for f in fields}


def visit_document(
    visit: Mapping[str, Any],
    *,
    plot_ids: Iterable[str] = (),
    participants: Iterable[Mapping[str, Any]] = (),
    observations: Iterable[Mapping[str, Any]] = (),
    findings: Iterable[Mapping[str, Any]] = (),
    photos: Iterable[Mapping[str, Any]] = (),
    previous_seal: str | None = None,
    fmt: str = SEAL_FORMAT,
    extra: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The document that is sealed, from plain rows (dicts); participants carry ``person_name``.

    ``extra`` holds the rows of the format-2 sections (``SECTIONS_2``); format 1 ignores them.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown seal format {fmt!r}")
    rows: dict[str, Iterable[Mapping[str, Any]]] = {
        "participants": participants,
        "observations": observations,
        "findings": findings,
        "photos": photos,
    }
    sections = dict(SECTIONS)
    if fmt == SEAL_FORMAT_2:
        sections.update(SECTIONS_2)
        rows.update({name: (extra or {}).get(name, ()) for name in SECTIONS_2})
    doc: dict[str, Any] = {
        "format": fmt,
        "visit": _pick(visit, VISIT_FIELDS),
        "plot_ids": sorted(plot_ids),
        "previous_seal": previous_seal,
    }
    for name, fields in sections.items():
        doc[name] = sorted((_pick(r, fields) for r in rows[name]), key=lambda r: str(r["id"]))
    return doc


def digest(document: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of a sealed document."""
    return hashlib.sha256(canonical_json(document)).hexdigest()


def signing_message(digest_hex: str) -> bytes:
    return SIGNING_CONTEXT + digest_hex.encode("ascii")


def sign(digest_hex: str, signer: Any) -> str:
    """Signature (hex) of a digest by a ``DeviceKey`` (or anything with ``sign(bytes)``)."""
    return bytes(signer.sign(signing_message(digest_hex))).hex()


def signature_valid(digest_hex: str, signature_hex: str, public_hex: str) -> bool:
    try:
        signature = bytes.fromhex(signature_hex)
    except (ValueError, TypeError):
        return False
    return verify_signature(public_hex, signing_message(digest_hex), signature)


# --- comparing a sealed document with the records as they are now ----------------------------
@dataclass(frozen=True)
class Difference:
    """One thing that no longer matches the seal."""

    section: (
        str  # visit | plot_ids | participants | observations | findings | photos | previous_seal
    )
    record_id: str | None
    field: str | None  # None: the whole record was added or removed
    sealed: Any
    current: Any

    def describe(self, lang: str = "en") -> str:
        what = {
            "visit": ("үзлэг", "visit"),
            "plot_ids": ("талбай", "plot"),
            "participants": ("оролцогч", "participant"),
            "observations": ("хэмжилт", "observation"),
            "findings": ("илрүүлэлт", "finding"),
            "photos": ("зураг", "photo"),
            "previous_seal": ("өмнөх лац", "previous seal"),
            "signoffs": ("гарын үсэг", "sign-off"),
            "assessments": ("амлалтын үнэлгээ", "commitment assessment"),
            "finding_cases": ("илрүүлэлтийн хариуцагч", "finding case"),
            "finding_steps": ("дахин үзлэг", "re-inspection"),
        }[self.section][0 if lang == "mn" else 1]
        rid = f" {self.record_id}" if self.record_id else ""
        if self.field is None:
            if self.sealed is None:
                return f"{what}{rid}: " + (
                    "лацалсны дараа нэмэгдсэн" if lang == "mn" else "added after sealing"
                )
            if self.current is None:
                return f"{what}{rid}: " + (
                    "лацалсны дараа устсан" if lang == "mn" else "removed after sealing"
                )
        field = f".{self.field}" if self.field else ""
        arrow = f"{self.sealed!r} → {self.current!r}"
        return f"{what}{rid}{field}: {arrow}"


def diff_documents(sealed: Mapping[str, Any], current: Mapping[str, Any]) -> list[Difference]:
    """Every record and field where ``current`` differs from ``sealed``."""
    out: list[Difference] = []
    sv, cv = sealed.get("visit", {}), current.get("visit", {})
    vid = sv.get("id") or cv.get("id")
    for f in sorted(set(sv) | set(cv)):
        if sv.get(f) != cv.get(f):
            out.append(Difference("visit", vid, f, sv.get(f), cv.get(f)))
    sp, cp = set(sealed.get("plot_ids", [])), set(current.get("plot_ids", []))
    out += [Difference("plot_ids", p, None, p, None) for p in sorted(sp - cp)]
    out += [Difference("plot_ids", p, None, None, p) for p in sorted(cp - sp)]
    for section in [s for s in ALL_SECTIONS if s in sealed or s in current]:
        before = {r["id"]: r for r in sealed.get(section, [])}
        after = {r["id"]: r for r in current.get(section, [])}
        for rid in sorted(set(before) | set(after)):
            b, a = before.get(rid), after.get(rid)
            if b is None or a is None:
                out.append(Difference(section, rid, None, b, a))
                continue
            for f in sorted(set(b) | set(a)):
                if b.get(f) != a.get(f):
                    out.append(Difference(section, rid, f, b.get(f), a.get(f)))
    if sealed.get("previous_seal") != current.get("previous_seal"):
        out.append(
            Difference(
                "previous_seal",
                None,
                None,
                sealed.get("previous_seal"),
                current.get("previous_seal"),
            )
        )
    for key in sorted(set(sealed) - set(ALL_SECTIONS) - {"visit", "plot_ids", "previous_seal"}):
        if sealed.get(key) != current.get(key):
            out.append(Difference("visit", vid, key, sealed.get(key), current.get(key)))
    return out


# --- the QR code printed on reports -------------------------------------------------------------
@dataclass(frozen=True)
class QrPayload:
    visit_id: str
    revision: int
    digest: str

    def text(self) -> str:
        return f"{QR_PREFIX}|{self.visit_id}|{self.revision}|{self.digest}"


def qr_payload(visit: Any) -> str:
    """``PEMDESK1|<visit id>|<revision>|<seal digest>`` for a sealed visit (a Visit or a row dict)."""
    get = visit.get if isinstance(visit, Mapping) else lambda k: getattr(visit, k)
    seal = get("seal_digest")
    if not seal:
        raise InvalidInput(
            "Үзлэг лацлагдаагүй байна: эхлээд дуусгана уу.",
            "The visit is not sealed yet: finish it first.",
            detail=f"visit {get('id')}",
        )
    return QrPayload(str(get("id")), int(get("revision") or 1), str(seal)).text()


def parse_qr(text: str) -> QrPayload:
    parts = text.strip().split("|")
    try:
        if len(parts) != 4 or parts[0] != QR_PREFIX:
            raise ValueError("not a pemdesk code")
        revision = int(parts[2])
        bytes.fromhex(parts[3])
        if len(parts[3]) != 64 or not parts[1]:
            raise ValueError("bad digest or id")
    except ValueError as exc:
        raise InvalidInput(
            "Энэ код pemdesk-ийн баталгаажуулах код биш байна.",
            "This is not a pemdesk verification code.",
            detail=f"{exc}: {text[:80]!r}",
        ) from exc
    return QrPayload(parts[1], revision, parts[3].lower())


def seal_visit(store: Any, visit: Any, key: Any = None) -> str:
    """Seal a visit in a store (``pemdesk.verify.seal_visit``); here so ``finish_visit`` finds it.

    Imported lazily: this module itself stays free of the store.
    """
    from pemdesk.verify import seal_visit as _seal_visit

    return _seal_visit(store, visit, key)
