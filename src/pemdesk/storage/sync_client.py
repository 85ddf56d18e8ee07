"""The client side of sync, as SQL over the local store (docs/sync-protocol.md).

- ``pending_ops`` reads the outbox as wire ops (local-only and demo records become ``skip`` ops,
  so the device sequence stays dense and nothing of theirs leaves the laptop);
- ``mark_acked`` records the server's per-op results and settles the records they touched;
- ``pull_apply`` applies a page of server changes with capture suppressed, together with the
  new cursor; records with unsynced local edits are never overwritten: the server copy goes to
  ``sync_base`` until the local ops are acknowledged (rebase);
- ``sync_status`` gives every record's honest state: local, pending, sent, confirmed, conflict.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from pemdesk.ids import new_id, utc_now
from pemdesk.storage import outbox
from pemdesk.storage.db import wrap_storage_errors
from pemdesk.sync.schema import Invalid

if TYPE_CHECKING:
    from pemdesk.storage import Store

_log = logging.getLogger("pemdesk.sync")
META_HIGH_WATER = "sync.push_high_water"
SCOPE_ALL = "all"
STATE_COLUMNS = ("_version", "_deleted", "_conflict")
# Parent link used to decide whether a record belongs to a demo site.
_SITE_LINK: dict[str, tuple[str, str]] = {
    "plot": ("site_id", "site"),
    "visit": ("site_id", "site"),
    "photo_point": ("site_id", "site"),
    "track": ("site_id", "site"),
    "visit_plot": ("visit_id", "visit"),
    "participant": ("visit_id", "visit"),
    "observation": ("visit_id", "visit"),
    "finding": ("visit_id", "visit"),
    "photo": ("visit_id", "visit"),
    "visit_seal": ("id", "visit"),
}

Status = str  # "local" | "pending" | "sent" | "confirmed" | "conflict"


def _columns(conn: sqlite3.Connection, table: str, cache: dict[str, list[str]]) -> list[str]:
    if table not in cache:
        cache[table] = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
    return cache[table]


def _synced(conn: sqlite3.Connection) -> set[str]:
    from pemdesk.storage.migrations import synced_tables

    return set(synced_tables(conn))


# --- outbox -> wire --------------------------------------------------------------------------
class _LocalOnly:
    """Decides whether an op concerns a record that must never reach a server (demo data)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.demo_sites = {r[0] for r in conn.execute("SELECT id FROM site WHERE is_demo = 1")}
        self.memo: dict[tuple[str, str], bool] = {}

    def _row(self, table: str, rid: str, cols: str) -> tuple[Any, ...] | None:
        try:
            row = self.conn.execute(f'SELECT {cols} FROM "{table}" WHERE id = ?', [rid]).fetchone()
        except sqlite3.OperationalError:
            return None
        return tuple(row) if row else None

    def on_demo_site(self, entity: str, rid: str, depth: int = 0) -> bool:
        if not self.demo_sites or depth > 3:
            return False
        if entity == "site":
            return rid in self.demo_sites
        if entity == "photo":
            row = self._row("photo", rid, "visit_id, photo_point_id")
            if row is None:
                return False
            return bool((row[0] and self.on_demo_site("visit", row[0], depth + 1))
                        or (row[1] and self.on_demo_site("photo_point", row[1], depth + 1)))
        link = _SITE_LINK.get(entity)
        if link is None:
            return False
        if link[0] == "id":
            return self.on_demo_site(link[1], rid, depth + 1)
        row = self._row(entity, rid, link[0])
        return bool(row and row[0] and self.on_demo_site(link[1], row[0], depth + 1))

    def __call__(self, entity: str, rid: str) -> bool:
        key = (entity, rid)
        if key not in self.memo:
            local = self.on_demo_site(entity, rid)
            if not local:
                # Never captured as created here and never received: loaded with capture
                # suppressed (demo data), so the server must not hear of it.
                row = self._row(entity, rid, "_version")
                known = row is not None and row[0] > 0
                created = self.conn.execute(
                    "SELECT 1 FROM sync_outbox WHERE entity = ? AND entity_id = ? AND op = 'create' "
                    "LIMIT 1", [entity, rid]).fetchone()
                local = row is not None and not known and created is None
            self.memo[key] = local
        return self.memo[key]

    def prime(self, keys: Iterable[tuple[str, str, str]]) -> None:
        """Decide many (entity, id, op) at once: a few queries instead of a few per op."""
        if self.demo_sites:
            return  # the per-record walk up to the site decides (demo data is small)
        by_entity: dict[str, set[str]] = {}
        for entity, rid, op in keys:
            if op == "create":
                self.memo[(entity, rid)] = False  # created here, not under a demo site
            elif (entity, rid) not in self.memo:
                by_entity.setdefault(entity, set()).add(rid)
        for entity, ids in by_entity.items():
            id_list = sorted(ids)
            for i in range(0, len(id_list), 500):
                chunk = id_list[i:i + 500]
                marks = ",".join("?" for _ in chunk)
                try:
                    unsynced = {r[0] for r in self.conn.execute(
                        f'SELECT id FROM "{entity}" WHERE _version = 0 AND id IN ({marks})', chunk)}
                except sqlite3.OperationalError:
                    unsynced = set()
                created = {r[0] for r in self.conn.execute(
                    f"SELECT entity_id FROM sync_outbox WHERE entity = ? AND op = 'create' AND "
                    f"entity_id IN ({marks})", [entity, *chunk])} if unsynced else set()
                for rid in chunk:
                    self.memo[(entity, rid)] = rid in unsynced and rid not in created


def high_water(store: Store) -> int:
    return int(store.meta(META_HIGH_WATER, "0") or 0)


def pending_ops(store: Store, limit: int | None = 500, after: int | None = None) -> list[dict[str, Any]]:
    """Outbox entries after ``after`` (default: the server's last known high water), as wire ops.

    Acked ops are included when ``after`` is below them (a restored server asks for them again).
    Ops of local-only records (demo data) come out as ``skip`` placeholders.
    """
    conn = store.conn
    store.settle_outbox()
    start = high_water(store) if after is None else after
    # An op never acknowledged is sent even if the server's high water is past it: either the
    # answer was lost (the server returns its stored result) or this folder is a clone whose
    # twin used that number (the server refuses with device_seq_reused). Never skip it silently.
    if after is None:
        first = conn.execute(
            "SELECT min(device_seq) FROM sync_outbox WHERE state = 'pending'").fetchone()[0]
        if first is not None:
            start = min(start, first - 1)
    sql = ("SELECT device_seq, op_id, entity, entity_id, op, fields, base_version, hlc, "
           "schema_version FROM sync_outbox WHERE device_seq > ? ORDER BY device_seq")
    params: list[Any] = [start]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    with wrap_storage_errors(store.path):
        with store.atomic():
            rows = conn.execute(sql, params).fetchall()
            # Exact floats, frozen from now on (see outbox.py).
            done = outbox.materialize(conn, [(r[0], r[2], r[3], r[4], r[5], r[6]) for r in rows])
        local_only = _LocalOnly(conn)
        local_only.prime((r[2], r[3], r[4]) for r in rows if r[4] != "resolve")
        ops: list[dict[str, Any]] = []
        for seq, op_id, entity, entity_id, op, fields, base_version, hlc, schema in rows:
            if op == "resolve" or not local_only(entity, entity_id):
                ops.append({"device_seq": seq, "op_id": op_id, "entity": entity,
                            "entity_id": entity_id, "op": op,
                            "fields": done[seq] if seq in done else json.loads(fields),
                            "base_version": base_version, "hlc": hlc, "schema_version": schema})
            else:
                ops.append({"device_seq": seq, "op_id": op_id, "entity": "", "entity_id": "",
                            "op": "skip", "fields": {}, "base_version": 0, "hlc": "",
                            "schema_version": 1})
    # Runs must be contiguous: stop at a hole (AUTOINCREMENT never reuses, but rows may be pruned).
    for i in range(1, len(ops)):
        if ops[i]["device_seq"] != ops[i - 1]["device_seq"] + 1:
            return ops[:i]
    return ops


def mark_sent(store: Store, device_seqs: Iterable[int]) -> None:
    seqs = list(device_seqs)
    if not seqs:
        return
    with store.atomic():
        store.conn.execute(
            "UPDATE sync_outbox SET sent_at = ? WHERE sent_at IS NULL AND device_seq BETWEEN ? AND ?",
            [utc_now(), min(seqs), max(seqs)])


@contextlib.contextmanager
def _fk_relaxed(store: Store) -> Iterator[None]:
    """Foreign keys are not enforced while applying server changes: pages arrive in server order,
    which can name a child before its parent's latest state (design/SYNC.md §3.3)."""
    conn = store.conn
    outer = not conn.in_transaction
    if outer:
        conn.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if outer:
            conn.execute("PRAGMA foreign_keys=ON")


def mark_acked(store: Store, results: Sequence[dict[str, Any]], high_water_: int | None = None) -> None:
    """Record the server's results and settle the records they touched, in one transaction."""
    conn = store.conn
    synced = _synced(conn)
    cols_cache: dict[str, list[str]] = {}
    with _fk_relaxed(store), store.capture_suppressed():
        by_seq = {r["device_seq"]: r for r in results}
        if not by_seq:
            rows = []
        else:
            rows = conn.execute(
                "SELECT device_seq, op_id, entity, entity_id, op, fields FROM sync_outbox WHERE "
                "device_seq BETWEEN ? AND ?", [min(by_seq), max(by_seq)]).fetchall()
        now = utc_now()
        updates = []
        touched: dict[tuple[str, str], dict[str, Any]] = {}
        for seq, op_id, entity, rid, kind, fields in rows:
            result = by_seq.get(seq)
            if result is None or result.get("op_id") != op_id:
                continue
            status = result.get("status")
            if status == "rejected":
                # The refused values stay as evidence, with the server's reason (shown to the user).
                canonical = result.get("canonical") or {}
                conn.execute(
                    "INSERT OR IGNORE INTO sync_refusal (op_id, entity, entity_id, op, fields, "
                    "reason, refused_at, server_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [op_id, entity, rid, kind, fields, str(result.get("reason") or "refused"),
                     now, canonical.get("version") if isinstance(canonical, dict) else None])
            updates.append(("rejected" if status == "rejected" else "acked",
                            json.dumps(result, ensure_ascii=False), now, seq))
            if status != "skipped" and entity in synced:
                touched[(entity, rid)] = result
        conn.executemany("UPDATE sync_outbox SET state = ?, result = ?, sent_at = COALESCE(sent_at, ?) "
                         "WHERE device_seq = ?", updates)
        pending = _pending_keys(conn)
        has_base = conn.execute("SELECT 1 FROM sync_base LIMIT 1").fetchone() is not None
        versions: dict[str, list[tuple[int, str]]] = {}
        for (entity, rid), result in touched.items():
            if (entity, rid) in pending:
                continue
            base = None
            if has_base:
                base = conn.execute("SELECT version, deleted, conflict, data FROM sync_base "
                                    "WHERE entity = ? AND entity_id = ?", [entity, rid]).fetchone()
                conn.execute("DELETE FROM sync_base WHERE entity = ? AND entity_id = ?",
                             [entity, rid])
            version = result.get("version")
            canonical = result.get("canonical")
            if base is not None and (version is None or base[0] >= version):
                change = {"entity": entity, "id": rid, "version": base[0], "deleted": base[1],
                          "conflict": base[2], "data": json.loads(base[3])}
                conn.execute("SAVEPOINT base_change")
                try:
                    _check_pulled(entity, change["data"])
                    _write_row(conn, entity, rid, change["data"], base[0], base[1], base[2],
                               cols_cache)
                except _APPLY_ERRORS as exc:
                    conn.execute("ROLLBACK TO base_change")
                    _quarantine(conn, change, exc)
                conn.execute("RELEASE base_change")
            elif canonical is not None and result.get("status") == "rejected":
                # The server refused the edit: show its copy again, not the refused one.
                _write_row(conn, entity, rid, canonical["data"], canonical["version"],
                           int(canonical["deleted"]), int(canonical["conflict"]), cols_cache)
            elif version is not None:
                versions.setdefault(entity, []).append((version, rid))
        for entity, pairs in versions.items():
            conn.executemany(f'UPDATE "{entity}" SET _version = max(_version, ?) WHERE id = ?', pairs)
        if high_water_ is not None:
            conn.execute("INSERT INTO sync_meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE "
                         "SET v = excluded.v", [META_HIGH_WATER, str(high_water_)])


def set_high_water(store: Store, value: int) -> None:
    store.set_meta(META_HIGH_WATER, str(value))


def _pending_keys(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    outbox.settle(conn)
    return {(r[0], r[1]) for r in conn.execute(
        "SELECT DISTINCT entity, entity_id FROM sync_outbox WHERE state = 'pending'")}


# --- pull ------------------------------------------------------------------------------------
def cursor(store: Store, scope: str = SCOPE_ALL) -> tuple[str, int]:
    """(server epoch, last applied server_seq) of a scope; ("", 0) before the first pull."""
    row = store.conn.execute("SELECT server_epoch, server_seq FROM sync_cursor WHERE scope = ?",
                             [scope]).fetchone()
    return (row[0], int(row[1])) if row else ("", 0)


def reset_cursor(store: Store, scope: str = SCOPE_ALL) -> None:
    with store.atomic():
        store.conn.execute("DELETE FROM sync_cursor WHERE scope = ?", [scope])


def pull_apply(store: Store, changes: Sequence[dict[str, Any]], *, epoch: str | None = None,
               next_after: int | None = None, scope: str = SCOPE_ALL) -> int:
    """Apply one page of server changes and (if given) the new cursor, atomically.

    Applying is idempotent. Returns how many records were written to their tables (the rest
    went to ``sync_base`` because the record has unsynced local edits, or are unknown entities).
    """
    conn = store.conn
    synced = _synced(conn)
    cols_cache: dict[str, list[str]] = {}
    written = 0
    with _fk_relaxed(store), store.capture_suppressed():
        pending = _pending_keys(conn)
        quarantined = _quarantined_keys(conn)
        # The whole page at once; only if one change fails, again change by change: that one
        # (a value this laptop's schema refuses, a malformed change) is set aside whole,
        # logged and counted, and the pull never stops for it.
        conn.execute("SAVEPOINT pull_page")
        try:
            written = _apply_page(conn, changes, synced, pending, cols_cache, quarantined, False)
        except _APPLY_ERRORS:
            conn.execute("ROLLBACK TO pull_page")
            written = _apply_page(conn, changes, synced, pending, cols_cache, quarantined, True)
        conn.execute("RELEASE pull_page")
        if epoch is not None and next_after is not None:
            conn.execute(
                "INSERT INTO sync_cursor VALUES (?, ?, ?) ON CONFLICT(scope) DO UPDATE SET "
                "server_epoch = excluded.server_epoch, server_seq = excluded.server_seq",
                [scope, epoch, next_after])
    return written


def _apply_page(conn: sqlite3.Connection, changes: Sequence[dict[str, Any]], synced: set[str],
                pending: set[tuple[str, str]], cols_cache: dict[str, list[str]],
                quarantined: set[tuple[str, str]], one_by_one: bool) -> int:
    written = 0
    for change in changes:
        if one_by_one:
            conn.execute("SAVEPOINT pull_change")
            try:
                wrote = _apply_change(conn, change, synced, pending, cols_cache)
            except _APPLY_ERRORS as exc:
                conn.execute("ROLLBACK TO pull_change")
                _quarantine(conn, change, exc)
                wrote = False
            conn.execute("RELEASE pull_change")
        else:
            wrote = _apply_change(conn, change, synced, pending, cols_cache)
        if wrote and (change["entity"], change["id"]) in quarantined:
            conn.execute("UPDATE sync_quarantine SET settled_at = ? WHERE entity = ? AND "
                         "entity_id = ? AND settled_at IS NULL",
                         [utc_now(), change["entity"], change["id"]])
        written += int(wrote)
    return written


# What one bad change can raise; anything else is a bug here and stops the pull loudly.
_APPLY_ERRORS = (sqlite3.Error, ValueError, TypeError, LookupError, OverflowError, AttributeError,
                 RecursionError, Invalid)


def _quarantined_keys(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    return {(r[0], r[1]) for r in conn.execute(
        "SELECT entity, entity_id FROM sync_quarantine WHERE settled_at IS NULL")}


def _quarantine(conn: sqlite3.Connection, change: Any, exc: BaseException) -> None:
    entity = change.get("entity") if isinstance(change, dict) else None
    rid = change.get("id") if isinstance(change, dict) else None
    version = change.get("version") if isinstance(change, dict) else None
    error = f"{type(exc).__name__}: {exc}"[:2000]
    _log.warning("pulled change quarantined: %s %s v%s: %s", entity, rid, version, error)
    conn.execute(
        "INSERT INTO sync_quarantine (entity, entity_id, version, change, error, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [str(entity or "?"), str(rid or "?"), version if isinstance(version, int) else None,
         json.dumps(change, ensure_ascii=False, default=repr)[:1_000_000], error, utc_now()])


def _apply_change(conn: sqlite3.Connection, change: dict[str, Any], synced: set[str],
                  pending: set[tuple[str, str]], cols_cache: dict[str, list[str]]) -> bool:
    """Apply one pulled change; True when it was written to its table."""
    entity, rid = change["entity"], change["id"]
    if entity not in synced:
        return False  # a newer server's entity: this version has no table for it
    if not isinstance(change["data"], dict) or not isinstance(rid, str):
        raise TypeError("the change's data is not a record")
    if type(change["version"]) is not int:
        raise TypeError(f"version {change['version']!r} is not an integer")
    _check_pulled(entity, change["data"])
    deleted, conflict = int(bool(change.get("deleted"))), int(bool(change.get("conflict")))
    conn.execute("DELETE FROM sync_conflict WHERE entity = ? AND entity_id = ?", [entity, rid])
    for c in change.get("conflicts") or []:
        conn.execute(
            "INSERT OR REPLACE INTO sync_conflict VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [c["conflict_id"], entity, rid, json.dumps(c.get("fields", [])),
             json.dumps(c.get("server_value"), ensure_ascii=False),
             json.dumps(c.get("incoming_value"), ensure_ascii=False),
             c.get("provisional", ""), json.dumps(c, ensure_ascii=False)])
    if (entity, rid) in pending:
        conn.execute(
            "INSERT OR REPLACE INTO sync_base VALUES (?, ?, ?, ?, ?, ?)",
            [entity, rid, change["version"], deleted, conflict,
             json.dumps(change["data"], ensure_ascii=False)])
        if conflict:
            conn.execute(f'UPDATE "{entity}" SET _conflict = 1 WHERE id = ?', [rid])
        return False
    _write_row(conn, entity, rid, change["data"], change["version"], deleted, conflict,
               cols_cache)
    return True


def _check_pulled(entity: str, data: dict[str, Any]) -> None:
    """The typed schema the server enforces, checked again before anything is stored here: a
    value this laptop's screens and reports could not handle is quarantined, not stored.
    Unknown fields pass (a newer server's; kept in ``extra``); server-owned ones are the server's."""
    from pemdesk.sync import schema

    ent = schema.entity(entity)  # (imported here: the registry loads the extra schema modules)
    if ent is None:
        return
    specs = ent.all_fields
    for name, value in data.items():
        spec = specs.get(name)
        if spec is None or spec.server_only:
            continue
        if value is None:
            if spec.required:
                raise schema.Invalid(f"required:{name}")
        else:
            schema.check_value(name, spec, value)


def _write_row(conn: sqlite3.Connection, entity: str, rid: str, data: dict[str, Any], version: int,
               deleted: int, conflict: int, cols_cache: dict[str, list[str]]) -> None:
    cols = _columns(conn, entity, cols_cache)
    known = set(cols)
    row: dict[str, Any] = {k: v for k, v in data.items() if k in known and k not in STATE_COLUMNS}
    unknown = {k: v for k, v in data.items() if k not in known}
    if unknown:
        # Fields from a newer schema are kept, and sent back untouched (forward compatible).
        extra = json.loads(row.get("extra") or "{}")
        extra.update(unknown)
        row["extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True)
    row.update(id=rid, _version=version, _deleted=deleted, _conflict=conflict)
    names = list(row)
    quoted = ", ".join(f'"{n}"' for n in names)
    marks = ", ".join("?" for _ in names)
    updates = ", ".join(f'"{n}" = excluded."{n}"' for n in names if n != "id")
    conn.execute(f'INSERT INTO "{entity}" ({quoted}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE '
                 f"SET {updates}", list(row.values()))


# --- conflicts and status --------------------------------------------------------------------
def open_conflicts(store: Store, entity: str | None = None, entity_id: str | None = None
                   ) -> list[dict[str, Any]]:
    sql, params = "SELECT conflict_id, entity, entity_id, detail FROM sync_conflict", []
    if entity is not None:
        sql += " WHERE entity = ? AND entity_id = ?"
        params = [entity, entity_id]
    out = []
    for cid, ent, rid, detail in store.conn.execute(sql + " ORDER BY entity, entity_id", params):
        out.append({**json.loads(detail), "conflict_id": cid, "entity": ent, "entity_id": rid})
    return out


def resolve_conflict(store: Store, entity: str, entity_id: str, conflict_id: str,
                     values: dict[str, Any]) -> None:
    """Choose or merge: write ``values`` locally and queue a ``resolve`` op for the server."""
    conn = store.conn
    with _fk_relaxed(store), store.capture_suppressed():
        base = conn.execute(f'SELECT _version FROM "{entity}" WHERE id = ?', [entity_id]).fetchone()
        if base is None:
            from pemdesk.errors import NotFound

            raise NotFound("Бичлэг олдсонгүй.", "No such record.", detail=f"{entity} {entity_id}")
        data = {k: v for k, v in values.items() if k not in STATE_COLUMNS and k != "id"}
        if data:
            sets = ", ".join(f'"{k}" = ?' for k in data)
            conn.execute(f'UPDATE "{entity}" SET {sets} WHERE id = ?', [*data.values(), entity_id])
        if "_deleted" in values:
            conn.execute(f'UPDATE "{entity}" SET _deleted = ? WHERE id = ?',
                         [int(bool(values["_deleted"])), entity_id])
        conn.execute("DELETE FROM sync_conflict WHERE conflict_id = ?", [conflict_id])
        left = conn.execute("SELECT count(*) FROM sync_conflict WHERE entity = ? AND entity_id = ?",
                            [entity, entity_id]).fetchone()[0]
        conn.execute(f'UPDATE "{entity}" SET _conflict = ? WHERE id = ?', [int(left > 0), entity_id])
        conn.execute(
            "INSERT INTO sync_outbox (op_id, entity, entity_id, op, fields, base_version, hlc, "
            "schema_version) VALUES (?, ?, ?, 'resolve', ?, ?, ?, 1)",
            [new_id(), entity, entity_id,
             json.dumps({"conflict_id": conflict_id, "values": values}, ensure_ascii=False),
             base[0], utc_now()])


def sync_status(store: Store, entity: str, ids: Sequence[str]) -> dict[str, Status]:
    """The sync state of each record: ``local`` (never leaves this laptop: demo data),
    ``refused`` (the server refused its last change: see ``refusals``),
    ``pending`` (changed, not yet sent), ``sent`` (sent, not yet confirmed), ``confirmed``
    (the server has this version) or ``conflict`` (the server kept two versions)."""
    conn = store.conn
    store.settle_outbox()
    out: dict[str, Status] = {}
    local_only = _LocalOnly(conn)
    for i in range(0, len(ids), 500):
        chunk = list(ids[i:i + 500])
        marks = ",".join("?" for _ in chunk)
        rows = {r[0]: (r[1], r[2]) for r in conn.execute(
            f'SELECT id, _version, _conflict FROM "{entity}" WHERE id IN ({marks})', chunk)}
        ops: dict[str, list[Any]] = {}
        for rid, sent_at in conn.execute(
                f"SELECT entity_id, sent_at FROM sync_outbox WHERE state = 'pending' AND entity = ? "
                f"AND entity_id IN ({marks})", [entity, *chunk]):
            ops.setdefault(rid, []).append(sent_at)
        refused = {r[0] for r in conn.execute(
            f"SELECT o.entity_id FROM sync_outbox o WHERE o.entity = ? AND o.entity_id IN ({marks}) "
            "AND o.state = 'rejected' AND o.device_seq = (SELECT max(device_seq) FROM sync_outbox "
            "WHERE entity = o.entity AND entity_id = o.entity_id)", [entity, *chunk])}
        for rid in chunk:
            version, conflict = rows.get(rid, (0, 0))
            if conflict:
                out[rid] = "conflict"
            elif rid in refused:
                out[rid] = "refused"
            elif rid in ops and not local_only(entity, rid):
                out[rid] = "sent" if all(ops[rid]) else "pending"
            elif version > 0:
                out[rid] = "confirmed"
            elif rid in ops or local_only(entity, rid):
                out[rid] = "local"
            else:
                out[rid] = "confirmed" if version else "local"
    return out


def record_sync_status(store: Store, entity: str, entity_id: str) -> Status:
    return sync_status(store, entity, [entity_id])[entity_id]


def summary(store: Store) -> dict[str, Any]:
    """Counts for the status bar and ``pemdesk sync status``."""
    conn = store.conn
    store.settle_outbox()
    hw = high_water(store)
    # Everything after the server's high water, acknowledged or not: after the server was
    # restored from a backup, ops it had acknowledged are to be sent again.
    pending = conn.execute("SELECT count(*) FROM sync_outbox WHERE device_seq > ?",
                           [hw]).fetchone()[0]
    sent = conn.execute("SELECT count(*) FROM sync_outbox WHERE state = 'pending' AND "
                        "sent_at IS NOT NULL").fetchone()[0]
    rejected = conn.execute("SELECT count(*) FROM sync_outbox WHERE state = 'rejected'").fetchone()[0]
    conflicts = conn.execute("SELECT count(*) FROM sync_conflict").fetchone()[0]
    quarantined = conn.execute("SELECT count(*) FROM sync_quarantine WHERE settled_at IS NULL"
                               ).fetchone()[0]
    epoch, seq = cursor(store)
    return {"pending_ops": pending, "sent_unconfirmed": sent, "rejected": rejected,
            "conflicts": conflicts, "quarantined": quarantined, "server_epoch": epoch, "cursor": seq, "push_high_water": hw,
            "device_id": store.meta("sync.device_id"), "server": store.meta("sync.server_url"),
            "last_sync": store.meta("sync.last_sync"),
            "server_restored_at": store.meta("sync.epoch_changed_at")}


def count_quarantined(store: Store) -> int:
    return int(store.conn.execute(
        "SELECT count(*) FROM sync_quarantine WHERE settled_at IS NULL").fetchone()[0])


def quarantined(store: Store, *, include_settled: bool = False) -> list[dict[str, Any]]:
    """Pulled changes this laptop could not apply (newest first)."""
    sql = ("SELECT id, entity, entity_id, version, error, received_at, settled_at, change "
           "FROM sync_quarantine")
    if not include_settled:
        sql += " WHERE settled_at IS NULL"
    cur = store.conn.execute(sql + " ORDER BY id DESC")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur]


def refusals(store: Store, entity: str | None = None, entity_id: str | None = None
             ) -> list[dict[str, Any]]:
    """Local edits the server refused, with the refused values and the reason (newest first)."""
    sql = ("SELECT op_id, entity, entity_id, op, fields, reason, refused_at, server_version, seen "
           "FROM sync_refusal")
    params: list[Any] = []
    if entity is not None:
        sql += " WHERE entity = ? AND entity_id = ?"
        params = [entity, entity_id]
    cur = store.conn.execute(sql + " ORDER BY refused_at DESC, op_id DESC", params)
    names = [d[0] for d in cur.description]
    out = []
    for r in cur:
        row = dict(zip(names, r, strict=True))
        with contextlib.suppress(ValueError):
            row["fields"] = json.loads(row["fields"])
        out.append(row)
    return out


def mark_refusals_seen(store: Store) -> None:
    with store.atomic():
        store.conn.execute("UPDATE sync_refusal SET seen = 1 WHERE seen = 0")


def canonical_dump(store: Store) -> dict[str, dict[str, dict[str, Any]]]:
    """Every record the server knows of, as the server would dump it (convergence checks)."""
    conn = store.conn
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for table in sorted(_synced(conn)):
        cur = conn.execute(f'SELECT * FROM "{table}" WHERE _version > 0')
        names = [d[0] for d in cur.description]
        for values in cur:
            row = dict(zip(names, values, strict=True))
            rid = row.pop("id")
            row.pop("_version")
            row.pop("_conflict")
            out.setdefault(table, {})[rid] = row
    return out


# --- photo files (the ``blob`` index of the photo store) -------------------------------------
# A ``blob`` row whose photo belongs to a demo site (by its visit or its photo point): such files
# never leave the laptop, over HTTP or in a bundle.
DEMO_BLOB = (
    "EXISTS (SELECT 1 FROM photo p LEFT JOIN visit v ON v.id = p.visit_id "
    "LEFT JOIN photo_point pp ON pp.id = p.photo_point_id "
    "JOIN site s ON s.id = COALESCE(v.site_id, pp.site_id) "
    "WHERE s.is_demo = 1 AND p.sha256 = COALESCE(blob.derived_from, blob.sha256))"
)


def upload_queue(store: Store, *, originals: bool = True) -> list[dict[str, Any]]:
    """Blobs the server may lack, in upload order: thumbnails, previews, then originals.

    With ``originals=False`` the originals are marked ``deferred_usb`` (they travel in a bundle
    or on a later, faster sync) and left out.
    """
    conn = store.conn
    with store.atomic():
        if not originals:
            conn.execute("UPDATE blob SET upload_state = 'deferred_usb' WHERE kind = 'original' "
                         "AND upload_state IN ('queued', 'failed')")
        states = "('queued','uploading','failed','deferred_usb')" if originals else \
            "('queued','uploading','failed')"
        kinds = "" if originals else " AND kind <> 'original'"
        cur = conn.execute(f"SELECT * FROM blob WHERE upload_state IN {states}{kinds} "
                           f"AND NOT {DEMO_BLOB} ORDER BY priority, kind DESC, sha256")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur]


def count_deferred(store: Store) -> int:
    return int(store.conn.execute(
        "SELECT count(*) FROM blob WHERE upload_state = 'deferred_usb'").fetchone()[0])


_UNSET: Any = object()


def set_upload_state(store: Store, shas: Sequence[str], state: str, *, url: Any = _UNSET,
                     offset: int | None = None) -> None:
    if not shas:
        return
    with store.atomic():
        for sha in shas:
            sets: list[str] = ["upload_state = ?"]
            params: list[Any] = [state]
            if url is not _UNSET:
                sets.append("upload_url = ?")
                params.append(url)
            if offset is not None:
                sets.append("upload_offset = ?")
                params.append(offset)
            store.conn.execute(f"UPDATE blob SET {', '.join(sets)} WHERE sha256 = ?", [*params, sha])


def photos_to_download(store: Store, *, previews: bool) -> list[tuple[str, str]]:
    """(photo sha256, "thumb"|"preview") of photos whose file is not on this laptop, thumbnails
    first. Photos taken here (their original is in the store) and demo photos are left out."""
    from pemdesk.photos.files import PhotoFiles

    files = PhotoFiles(store.data_dir)
    rows = store.conn.execute(
        "SELECT DISTINCT p.sha256 FROM photo p WHERE p._deleted = 0 AND p._version > 0 "
        "AND NOT EXISTS (SELECT 1 FROM blob b WHERE b.sha256 = p.sha256) "
        "AND NOT EXISTS (SELECT 1 FROM photo q LEFT JOIN visit v ON v.id = q.visit_id "
        "LEFT JOIN photo_point pp ON pp.id = q.photo_point_id "
        "JOIN site s ON s.id = COALESCE(v.site_id, pp.site_id) "
        "WHERE q.sha256 = p.sha256 AND s.is_demo = 1) ORDER BY p.sha256").fetchall()
    shas = [r[0] for r in rows if isinstance(r[0], str) and len(r[0]) == 64]
    out = [(sha, "thumb") for sha in shas if not files.thumb_path(sha).exists()]
    if previews:
        out += [(sha, "preview") for sha in shas if not files.preview_path(sha).exists()]
    return out


def register_download(store: Store, sha256: str, size: int, path: str, kind: str,
                      derived_from: str | None) -> None:
    """A file fetched from the server: indexed as already present there."""
    priority = {"thumb": 1, "preview": 3}.get(kind, 5)
    with store.atomic():
        store.conn.execute(
            "INSERT INTO blob (sha256, size, path, mime, kind, derived_from, upload_state, "
            "priority) VALUES (?, ?, ?, 'image/jpeg', ?, ?, 'present', ?) ON CONFLICT(sha256) DO "
            "UPDATE SET upload_state = 'present'", [sha256, size, path, kind, derived_from, priority])
