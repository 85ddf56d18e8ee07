"""The instrument register: every instrument with where it is now, checked edits, and moving an
instrument to a new deployment (the old one ends when the new one starts; its readings stay with
it). Qt-free: the desktop's register window and the tests call these."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from pemdesk.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from pemdesk.storage import Store

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
EDITABLE = ("make", "model", "owner", "kind", "calibrated_on", "calibration_due", "factor",
            "offset", "notes")


def register(store: Store) -> list[dict[str, Any]]:
    """Every instrument, with its current deployment (open, latest) and that site's name."""
    return store._query(
        "SELECT i.*, d.id AS deployment_id, d.started_at AS deployed_since, d.site_id, "
        "s.name_mn AS site_name_mn, s.name_en AS site_name_en, "
        "(SELECT count(*) FROM deployment x WHERE x.instrument_id = i.id AND x._deleted = 0) "
        "AS deployments "
        "FROM instrument i "
        "LEFT JOIN deployment d ON d.id = (SELECT y.id FROM deployment y WHERE "
        "  y.instrument_id = i.id AND y._deleted = 0 AND y.ended_at IS NULL "
        "  ORDER BY y.started_at DESC LIMIT 1) "
        "LEFT JOIN site s ON s.id = d.site_id "
        "WHERE i._deleted = 0 ORDER BY i.make, i.model, i.serial")


def check_instrument(store: Store, fields: dict[str, Any], instrument_id: str | None = None) -> None:
    """Refuse, in both languages, what the register must not hold."""
    serial = str(fields.get("serial") or "").strip()
    if instrument_id is None and not serial:
        raise InvalidInput("Багажийн серийн дугаар хоосон байна.", "The instrument serial is empty.")
    if serial:
        same = store._query("SELECT id FROM instrument WHERE serial = ? AND _deleted = 0 "
                            "AND id <> ?", [serial, instrument_id or ""])
        if same:
            raise InvalidInput(f"«{serial}» серийн дугаартай багаж бүртгэлтэй байна.",
                               f"An instrument with the serial “{serial}” is already registered.")
    days = {}
    for key, mn, en in (("calibrated_on", "Шалгалт тохируулсан огноо", "The calibration date"),
                        ("calibration_due", "Дараагийн шалгалт тохируулгын огноо",
                         "The calibration due date")):
        value = fields.get(key)
        if value in (None, ""):
            continue
        if not _DAY.fullmatch(str(value)):
            raise InvalidInput(f"{mn} ОООО-СС-ӨӨ хэлбэртэй байх ёстой.",
                               f"{en} must be written YYYY-MM-DD.", detail=str(value))
        days[key] = str(value)
    if "calibrated_on" in days and "calibration_due" in days \
            and days["calibration_due"] < days["calibrated_on"]:
        raise InvalidInput("Дараагийн шалгалт тохируулга өмнөхөөсөө өмнө байж болохгүй.",
                           "The calibration due date is before the calibration date.")


def save_instrument(store: Store, fields: dict[str, Any], instrument_id: str | None = None) -> str:
    """Add an instrument (``instrument_id`` None) or change one; the serial is set once."""
    from pemdesk.storage import readings as rs

    clean = {k: (None if v == "" and k in ("calibrated_on", "calibration_due") else v)
             for k, v in fields.items()}
    check_instrument(store, clean, instrument_id)
    values: dict[str, Any] = {k: clean[k] for k in EDITABLE if k in clean}
    if instrument_id is None:
        for key in ("make", "model", "owner", "kind", "notes"):
            values[key] = values.get(key) or ""
        return rs.add_instrument(store, str(clean["serial"]), **values)
    values.pop("kind", None)  # the importer family is set by the first import
    rs.update_instrument(store, instrument_id, **values)
    return instrument_id


def move_instrument(store: Store, instrument_id: str, site_id: str, at: str, *,
                    name: str = "", lon: float | None = None, lat: float | None = None,
                    height_m: float | None = None, depth_m: float | None = None,
                    tz: str | None = None) -> str:
    """End the instrument's open deployment at ``at`` and start a new one at ``site_id``.

    The new deployment keeps the old one's time zone and corrections unless told otherwise;
    readings already imported stay with the deployment they were imported into."""
    from pemdesk.ids import parse_iso
    from pemdesk.storage import readings as rs

    rs.get_instrument(store, instrument_id)
    if not store._query("SELECT 1 FROM site WHERE id = ? AND _deleted = 0", [site_id]):
        raise NotFound("Объект олдсонгүй.", "No such site.", detail=site_id)
    try:
        when = parse_iso(at)
        if when.tzinfo is None:
            raise ValueError(at)
    except ValueError as exc:
        raise InvalidInput("Шилжүүлсэн цаг буруу байна.", "The time of the move is not valid.",
                           detail=at) from exc
    open_ = store._query("SELECT id, started_at, tz, corrections FROM deployment WHERE "
                         "instrument_id = ? AND _deleted = 0 AND ended_at IS NULL "
                         "ORDER BY started_at", [instrument_id])
    for dep in open_:
        if parse_iso(dep["started_at"]) >= when:
            raise InvalidInput(
                "Шинэ суурилуулалт одоогийнхоо эхлэхээс хойш эхлэх ёстой.",
                "The new deployment must start after the current one started.",
                detail=dep["started_at"])
    last = open_[-1] if open_ else None
    with store.atomic():
        for dep in open_:
            rs.update_deployment(store, dep["id"], ended_at=at)
        return rs.add_deployment(
            store, instrument_id, site_id, at, name=name, lon=lon, lat=lat, height_m=height_m,
            depth_m=depth_m, tz=tz or (last["tz"] if last else "+08:00"),
            corrections=json.loads(last["corrections"] or "[]") if last else [])
