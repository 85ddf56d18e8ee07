"""Instruments, deployments and readings in the local store (all their SQL lives here).

Readings are written in import batches: one ``reading_batch`` record (synced, compressed,
deduplicated by a content-derived id) and its rows in the compact local ``reading`` table, in one
transaction. Batches that arrive from the server (or a bundle) are expanded into ``reading`` the
next time readings are read (``expand_pending``), so the sync machinery needs no special case.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from pemdesk.errors import InvalidInput, NotFound
from pemdesk.ids import new_id, utc_now
from pemdesk.instruments import payload as codec
from pemdesk.instruments import qc
from pemdesk.instruments.model import (
    EXCLUDING,
    FloatArray,
    IntArray,
    ParsedFile,
    flag_text,
)
from pemdesk.instruments.timeparse import to_iso
from pemdesk.storage.db import wrap_storage_errors
from pemdesk.storage.store import Store

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class ImportResult:
    status: str  # imported|duplicate
    deployment_id: str
    batches: list[str]
    readings: int  # new readings stored
    flagged: int
    first: int | None
    last: int | None
    duplicates: int = 0  # readings already stored from an earlier import


# --- instruments and deployments ----------------------------------------------------------------
def add_instrument(store: Store, serial: str, *, make: str = "", model: str = "", owner: str = "",
                   kind: str = "", calibrated_on: str | None = None,
                   calibration_due: str | None = None, factor: float | None = None,
                   offset: float | None = None, notes: str = "") -> str:
    if not serial.strip():
        raise InvalidInput("Багажийн серийн дугаар хоосон байна.", "The instrument serial is empty.")
    now = utc_now()
    iid = new_id()
    with store.atomic():
        store.conn.execute(
            'INSERT INTO instrument (id, make, model, serial, owner, kind, calibrated_on, '
            'calibration_due, factor, "offset", notes, created_at, updated_at) '
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (iid, make, model, serial.strip(), owner, kind, calibrated_on, calibration_due,
             factor, offset, notes, now, now))
    return iid


def instrument_by_serial(store: Store, serial: str) -> dict[str, Any] | None:
    rows = store._query("SELECT * FROM instrument WHERE serial = ? AND _deleted = 0", [serial])
    return rows[0] if rows else None


def get_instrument(store: Store, instrument_id: str) -> dict[str, Any]:
    rows = store._query("SELECT * FROM instrument WHERE id = ?", [instrument_id])
    if not rows:
        raise NotFound("Багаж олдсонгүй.", "No such instrument.", detail=instrument_id)
    return rows[0]


def list_instruments(store: Store) -> list[dict[str, Any]]:
    return store._query("SELECT * FROM instrument WHERE _deleted = 0 ORDER BY make, model, serial")


def add_deployment(store: Store, instrument_id: str, site_id: str, started_at: str, *,
                   tz: str = "+08:00", corrections: list[str] | None = None, name: str = "",
                   lon: float | None = None, lat: float | None = None,
                   height_m: float | None = None, depth_m: float | None = None,
                   ended_at: str | None = None, notes: str = "") -> str:
    if not store._query("SELECT 1 FROM site WHERE id = ?", [site_id]):
        raise NotFound("Объект олдсонгүй.", "No such site.", detail=site_id)
    get_instrument(store, instrument_id)
    now = utc_now()
    did = new_id()
    with store.atomic():
        store.conn.execute(
            "INSERT INTO deployment (id, instrument_id, site_id, name, lon, lat, height_m, "
            "depth_m, started_at, ended_at, tz, corrections, notes, created_at, updated_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (did, instrument_id, site_id, name, lon, lat, height_m, depth_m, started_at,
             ended_at, tz, json.dumps(corrections or []), notes, now, now))
    return did


def get_deployment(store: Store, deployment_id: str) -> dict[str, Any]:
    rows = store._query(
        "SELECT d.*, i.serial, i.make, i.model, i.kind, i.factor, i.\"offset\", "
        "i.calibrated_on FROM deployment d JOIN instrument i ON i.id = d.instrument_id "
        "WHERE d.id = ?", [deployment_id])
    if not rows:
        raise NotFound("Суурилуулалт олдсонгүй.", "No such deployment.", detail=deployment_id)
    row = rows[0]
    row["corrections"] = json.loads(row["corrections"] or "[]")
    return row


def list_deployments(store: Store, site_id: str | None = None) -> list[dict[str, Any]]:
    expand_pending(store)
    where = "WHERE d._deleted = 0" + (" AND d.site_id = ?" if site_id else "")
    rows = store._query(
        "SELECT d.*, i.serial, i.make, i.model, i.kind, s.name_mn AS site_name, "
        "(SELECT COALESCE(SUM(count), 0) FROM reading_batch b WHERE b.deployment_id = d.id "
        " AND b._deleted = 0) AS readings, "
        "(SELECT MIN(first_at) FROM reading_batch b WHERE b.deployment_id = d.id "
        " AND b._deleted = 0) AS first_at, "
        "(SELECT MAX(last_at) FROM reading_batch b WHERE b.deployment_id = d.id "
        " AND b._deleted = 0) AS last_at "
        f"FROM deployment d JOIN instrument i ON i.id = d.instrument_id "
        f"JOIN site s ON s.id = d.site_id {where} ORDER BY d.started_at",
        [site_id] if site_id else [])
    for row in rows:
        row["corrections"] = json.loads(row["corrections"] or "[]")
    return rows


def set_corrections(store: Store, deployment_id: str, corrections: list[str]) -> None:
    with store.atomic():
        store.conn.execute("UPDATE deployment SET corrections = ?, updated_at = ? WHERE id = ?",
                           (json.dumps(corrections), utc_now(), deployment_id))


def _check_visit_open(store: Store, visit_id: str) -> None:
    rows = store._query("SELECT status FROM visit WHERE id = ?", [visit_id])
    if not rows:
        raise NotFound("Үзлэг олдсонгүй.", "No such visit.", detail=visit_id)
    if rows[0]["status"] == "finished":
        raise InvalidInput("Дууссан үзлэгийг өөрчлөхгүй; шинэ засвар нээнэ үү.",
                           "A finished visit is not changed; open an amendment.")


def link_visit(store: Store, visit_id: str, deployment_id: str, action: str = "serviced",
               note: str = "") -> str:
    _check_visit_open(store, visit_id)
    now = utc_now()
    vid = new_id()
    with store.atomic():
        store.conn.execute(
            "INSERT INTO visit_deployment (id, visit_id, deployment_id, action, note, "
            "created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
            (vid, visit_id, deployment_id, action, note, now, now))
    return vid


def unlink_visit(store: Store, visit_id: str, deployment_id: str) -> None:
    _check_visit_open(store, visit_id)
    with store.atomic():
        store.conn.execute(
            "UPDATE visit_deployment SET _deleted = 1, updated_at = ? WHERE visit_id = ? AND "
            "deployment_id = ? AND _deleted = 0", (utc_now(), visit_id, deployment_id))


def visit_deployments(store: Store, visit_id: str) -> list[dict[str, Any]]:
    return store._query(
        "SELECT vd.action, vd.note, d.id AS deployment_id FROM visit_deployment vd "
        "JOIN deployment d ON d.id = vd.deployment_id WHERE vd.visit_id = ? AND vd._deleted = 0",
        [visit_id])


# --- small integer keys -----------------------------------------------------------------------
def _key(store: Store, kind: str, key: str) -> int:
    conn = store.conn
    row = conn.execute("SELECT n FROM reading_key WHERE kind = ? AND key = ?", (kind, key)).fetchone()
    if row:
        return int(row[0])
    cur = conn.execute("INSERT INTO reading_key (kind, key) VALUES (?, ?)", (kind, key))
    return int(cur.lastrowid or 0)


def _key_of(store: Store, kind: str, key: str) -> int | None:
    row = store.conn.execute("SELECT n FROM reading_key WHERE kind = ? AND key = ?",
                             (kind, key)).fetchone()
    return int(row[0]) if row else None


# --- importing --------------------------------------------------------------------------------
def import_parsed(store: Store, deployment_id: str, parsed: ParsedFile, *, source_sha256: str = "",
                  settings: qc.QcSettings | None = None, progress: Progress | None = None,
                  cancel: Callable[[], bool] | None = None) -> ImportResult:
    """QC the series, then store them as batches in one transaction (all or nothing)."""
    dep = get_deployment(store, deployment_id)
    flagged_series: list[tuple[str, IntArray, FloatArray, IntArray]] = []
    for s in parsed.series:
        flags = qc.check(s.indicator, s.times, s.values, s.flags, settings)
        flagged_series.append((s.indicator, s.times, s.values, flags))
    chunks = list(_chunks(flagged_series, codec.MAX_PER_BATCH))
    total = sum(len(t) for _c, t, _v, _f in flagged_series)
    done = 0
    batches: list[str] = []
    stored = flagged = 0
    dup_batches = 0
    with store.atomic():
        dep_n = _key(store, "deployment", deployment_id)
        for chunk in chunks:
            text = codec.encode(chunk)
            sha = codec.sha256(text)
            bid = codec.batch_id(deployment_id, sha)
            count = sum(int(t.shape[0]) for _c, t, _v, _f in chunk)
            n_flag = sum(int(((f & EXCLUDING) != 0).sum()) for _c, _t, _v, f in chunk)
            firsts = [int(t[0]) for _c, t, _v, _f in chunk if t.shape[0]]
            lasts = [int(t[-1]) for _c, t, _v, _f in chunk if t.shape[0]]
            existing = store.conn.execute("SELECT _deleted FROM reading_batch WHERE id = ?",
                                          (bid,)).fetchone()
            if existing is not None and existing[0] == 0:
                dup_batches += 1
                done += count
                continue
            now = utc_now()
            if existing is not None:  # an import removed earlier, imported again
                store.conn.execute("UPDATE reading_batch SET _deleted = 0, updated_at = ? "
                                   "WHERE id = ?", (now, bid))
            else:
                store.conn.execute(
                    "INSERT INTO reading_batch (id, deployment_id, source_name, source_sha256, "
                    "format, tz, indicators, count, flagged, first_at, last_at, payload, "
                    "payload_sha256, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (bid, deployment_id, parsed.path.name, source_sha256, parsed.family, parsed.tz,
                     json.dumps(sorted({c for c, *_ in chunk})), count, n_flag,
                     to_iso(min(firsts)) if firsts else None,
                     to_iso(max(lasts)) if lasts else None, text, sha, now, now))
            batch_n = _key(store, "batch", bid)
            for code, t, v, f in chunk:
                if cancel is not None and cancel():
                    from pemdesk.errors import Interrupted

                    raise Interrupted()
                ind_n = _key(store, "indicator", code)
                before = store.conn.total_changes
                store.conn.executemany(
                    "INSERT OR IGNORE INTO reading (dep, ind, t, value, flags, batch) "
                    "VALUES (?,?,?,?,?,?)",
                    zip(repeat(dep_n), repeat(ind_n), t.tolist(), v.tolist(), f.tolist(),
                        repeat(batch_n)))
                stored += store.conn.total_changes - before
                flagged += int(((f & EXCLUDING) != 0).sum())
                done += int(t.shape[0])
                if progress is not None:
                    progress(done, total)
            batches.append(bid)
    del dep
    status = "duplicate" if not batches and dup_batches else "imported"
    return ImportResult(status, deployment_id, batches, stored, flagged, parsed.first,
                        parsed.last, duplicates=total - stored if batches else total)


def _chunks(series: list[tuple[str, IntArray, FloatArray, IntArray]],
            size: int) -> Iterator[list[tuple[str, IntArray, FloatArray, IntArray]]]:
    current: list[tuple[str, IntArray, FloatArray, IntArray]] = []
    room = size
    for code, t, v, f in series:
        start = 0
        while start < t.shape[0]:
            take = min(room, t.shape[0] - start)
            current.append((code, t[start:start + take], v[start:start + take],
                            f[start:start + take]))
            start += take
            room -= take
            if room == 0:
                yield current
                current, room = [], size
    if current:
        yield current


def expand_pending(store: Store) -> int:
    """Rows for batches received from elsewhere; rows of batches deleted since. Returns rows."""
    with wrap_storage_errors(store.path):
        pending = store.conn.execute(
            "SELECT b.id, b.deployment_id, b.payload, b._deleted FROM reading_batch b "
            "LEFT JOIN reading_key k ON k.kind = 'batch' AND k.key = b.id "
            "WHERE (k.n IS NULL AND b._deleted = 0) OR (k.n IS NOT NULL AND b._deleted = 1)"
        ).fetchall()
    if not pending:
        return 0
    rows = 0
    with store.atomic():
        for bid, dep_id, text, deleted in pending:
            if deleted:
                n = _key_of(store, "batch", bid)
                store.conn.execute("DELETE FROM reading WHERE batch = ?", (n,))
                store.conn.execute("DELETE FROM reading_key WHERE n = ?", (n,))
                continue
            dep_n = _key(store, "deployment", dep_id)
            batch_n = _key(store, "batch", bid)
            for code, t, v, f in codec.decode(text):
                ind_n = _key(store, "indicator", code)
                store.conn.executemany(
                    "INSERT OR IGNORE INTO reading (dep, ind, t, value, flags, batch) "
                    "VALUES (?,?,?,?,?,?)",
                    zip(repeat(dep_n), repeat(ind_n), t.tolist(), v.tolist(), f.tolist(),
                        repeat(batch_n)))
                rows += int(t.shape[0])
    return rows


def remove_import(store: Store, batch_id: str) -> int:
    """Undo one import (CLI ``readings remove`` and the desktop alike); the readings it removed."""
    found = store._query("SELECT count FROM reading_batch WHERE id = ? AND _deleted = 0",
                         [batch_id])
    if not found:
        raise InvalidInput("Ийм оруулга олдсонгүй.", "No such import batch.", detail=batch_id)
    delete_batch(store, batch_id)
    return int(found[0]["count"])


def delete_batch(store: Store, batch_id: str) -> None:
    """Undo an import: the batch is marked deleted (synced) and its rows removed."""
    with store.atomic():
        store.conn.execute("UPDATE reading_batch SET _deleted = 1, updated_at = ? WHERE id = ?",
                           (utc_now(), batch_id))
    expand_pending(store)


def batches(store: Store, deployment_id: str) -> list[dict[str, Any]]:
    return store._query(
        "SELECT id, source_name, format, tz, indicators, count, flagged, first_at, last_at, "
        "created_at FROM reading_batch WHERE deployment_id = ? AND _deleted = 0 "
        "ORDER BY first_at", [deployment_id])


# --- reading ----------------------------------------------------------------------------------
def indicators(store: Store, deployment_id: str) -> list[tuple[str, int, int, int]]:
    """(indicator, count, first, last) of a deployment's readings (index lookups, no scan)."""
    expand_pending(store)
    dep_n = _key_of(store, "deployment", deployment_id)
    if dep_n is None:
        return []
    out = []
    with wrap_storage_errors(store.path):
        keys = store.conn.execute(
            "SELECT n, key FROM reading_key WHERE kind = 'indicator' ORDER BY key").fetchall()
        for n, key in keys:
            first = store.conn.execute("SELECT MIN(t) FROM reading WHERE dep = ? AND ind = ?",
                                       (dep_n, n)).fetchone()[0]
            if first is None:
                continue
            last = store.conn.execute("SELECT MAX(t) FROM reading WHERE dep = ? AND ind = ?",
                                      (dep_n, n)).fetchone()[0]
            count = store.conn.execute("SELECT COUNT(*) FROM reading WHERE dep = ? AND ind = ?",
                                       (dep_n, n)).fetchone()[0]
            out.append((str(key), int(count), int(first), int(last)))
    return out


def series(store: Store, deployment_id: str, indicator: str, start: int | None = None,
           end: int | None = None) -> tuple[IntArray, FloatArray, IntArray]:
    """Times, raw values and flags of one indicator of a deployment, in time order.

    A window reads the indexed rows of the readings table; the whole series is decoded from
    the deployment's compressed batches instead (numpy, ~30× faster than 500,000 SQLite rows),
    keeping the reading of the earliest stored batch where two batches hold the same time —
    exactly the rows the table holds.
    """
    expand_pending(store)
    if start is None and end is None:
        return _series_from_batches(store, deployment_id, indicator)
    dep_n = _key_of(store, "deployment", deployment_id)
    ind_n = _key_of(store, "indicator", indicator)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.float64), np.zeros(0, np.int64))
    if dep_n is None or ind_n is None:
        return empty
    lo = -(2**62) if start is None else start
    hi = 2**62 if end is None else end
    with wrap_storage_errors(store.path):
        rows = store.conn.execute(
            "SELECT t, value, flags FROM reading WHERE dep = ? AND ind = ? AND t >= ? AND t < ? "
            "ORDER BY t", (dep_n, ind_n, lo, hi)).fetchall()
    if not rows:
        return empty
    arr = np.asarray(rows, dtype=np.float64)
    return arr[:, 0].astype(np.int64), arr[:, 1], arr[:, 2].astype(np.int64)


def _series_from_batches(store: Store, deployment_id: str,
                         indicator: str) -> tuple[IntArray, FloatArray, IntArray]:
    with wrap_storage_errors(store.path):
        rows = store.conn.execute(
            "SELECT b.payload FROM reading_batch b JOIN reading_key k ON k.kind = 'batch' "
            "AND k.key = b.id WHERE b.deployment_id = ? AND b._deleted = 0 AND (b.indicators "
            "LIKE ? OR b.indicators = '[]') ORDER BY k.n",
            (deployment_id, f'%"{indicator}"%')).fetchall()
    ts: list[IntArray] = []
    vs: list[FloatArray] = []
    fs: list[IntArray] = []
    for (text,) in rows:
        for code, t, v, f in codec.decode(text):
            if code == indicator:
                ts.append(t)
                vs.append(v)
                fs.append(f)
    if not ts:
        return np.zeros(0, np.int64), np.zeros(0, np.float64), np.zeros(0, np.int64)
    t = np.concatenate(ts)
    v = np.concatenate(vs)
    f = np.concatenate(fs)
    if len(ts) > 1:
        order = np.argsort(t, kind="stable")
        t, v, f = t[order], v[order], f[order]
        keep = np.concatenate(([True], np.diff(t) != 0))
        t, v, f = t[keep], v[keep], f[keep]
    return t, v, f


def export_csv(store: Store, deployment_id: str, path: Path | str,
               indicators_wanted: list[str] | None = None) -> int:
    """Readings with their flags: time_utc, indicator, value, unit, flags (names)."""
    from pemdesk.instruments.columns import unit_of

    dep = get_deployment(store, deployment_id)
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["time_utc", "deployment", "instrument_serial", "indicator", "value", "unit",
                    "flags"])
        for code, *_rest in indicators(store, deployment_id):
            if indicators_wanted and code not in indicators_wanted:
                continue
            t, v, f = series(store, deployment_id, code)
            unit = unit_of(code)
            for ti, vi, fi in zip(t.tolist(), v.tolist(), f.tolist(), strict=True):
                w.writerow([to_iso(ti), deployment_id, dep["serial"], code, repr(vi), unit,
                            flag_text(int(fi))])
                n += 1
    return n


_DEPLOYMENT_FIELDS = frozenset({"name", "lon", "lat", "height_m", "depth_m", "ended_at", "tz",
                                "corrections", "notes"})
_INSTRUMENT_FIELDS = frozenset({"make", "model", "owner", "calibrated_on", "calibration_due",
                                "factor", "offset", "notes"})


def update_deployment(store: Store, deployment_id: str, **fields: Any) -> None:
    """Change a deployment's own fields (``corrections`` as a list of names)."""
    from pemdesk.instruments.corrections import COLOCATION, EPA2021
    from pemdesk.instruments.timeparse import resolve_zone

    unknown = set(fields) - _DEPLOYMENT_FIELDS
    if unknown:
        raise ValueError(f"not deployment fields: {sorted(unknown)}")
    if "corrections" in fields:
        names = list(fields["corrections"])
        if any(n not in (EPA2021, COLOCATION) for n in names):
            raise InvalidInput("Танихгүй засвар.", "Unknown correction.", detail=str(names))
        fields["corrections"] = json.dumps(names)
    if "tz" in fields:
        try:
            resolve_zone(str(fields["tz"]))
        except ValueError as exc:
            raise InvalidInput(f"«{fields['tz']}» цагийн бүс буруу.",
                               f"“{fields['tz']}” is not a time zone.") from exc
    get_deployment(store, deployment_id)
    _update(store, "deployment", deployment_id, fields)


def update_instrument(store: Store, instrument_id: str, **fields: Any) -> None:
    unknown = set(fields) - _INSTRUMENT_FIELDS
    if unknown:
        raise ValueError(f"not instrument fields: {sorted(unknown)}")
    factor = fields.get("factor")
    if factor is not None and not 0.01 <= float(factor) <= 100:
        raise InvalidInput("Коэффициент 0.01–100 байх ёстой.",
                           "The factor must be between 0.01 and 100.")
    get_instrument(store, instrument_id)
    _update(store, "instrument", instrument_id, fields)


def _update(store: Store, table: str, record_id: str, fields: dict[str, Any]) -> None:
    if not fields:
        return
    cols = ", ".join(f'"{k}" = ?' for k in fields)
    with store.atomic():
        store.conn.execute(f'UPDATE "{table}" SET {cols}, updated_at = ? WHERE id = ?',
                           [*fields.values(), utc_now(), record_id])
