"""Change capture: every write to a synced table appends an op to ``sync_outbox``.

Capture lives in SQLite triggers rather than in the Python layer so that it happens in the same
transaction as the write, whichever code path made it (store API, sqlite-utils, a migration).
Only changed user columns are recorded for updates (PATCH semantics, design/SYNC.md §3.3).

Exact numbers: SQLite's JSON functions print REAL values with 15 significant digits, so a trigger
records 105.84442185152504 as 105.844421851525. When an op is first handed out (``materialize``,
called by ``pending_ops``), every float in it whose column no later op changed is replaced by the
column's current value read in Python — the very value written — and printed with ``repr``,
which round-trips bit for bit. Values later overwritten keep the trigger's copy (history only;
the later op carries the exact one). The refined op is written back and marked ``exact``, so a
retried or re-bundled op is byte-identical.

Bulk inserts do not write one outbox row per record at insert time: ``reserve_creates`` records the
ids in one row of ``sync_outbox_reserved`` together with a block of device sequence numbers taken
from the outbox's own counter, in the same transaction as the insert. ``expand_reserved`` turns a
block into ordinary create ops (``fields`` = ``"*"``: the whole row, read when handed out) before
anything reads the outbox, so every reader sees one op per record in the order of the writes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from pemdesk.storage.sqlscript import run_script

# Maintained by the sync machinery itself; changes to them are not user edits.
SYNC_ONLY_COLUMNS = frozenset({"_version", "_conflict", "_deleted", "updated_at", "extra"})
# ``fields`` of a captured create before it is materialised: every column of the row.
WHOLE_ROW = "*"

# A UUIDv7 made in pure SQL (so triggers work on any connection): 48-bit Unix milliseconds, then
# random bits. Time-ordered ids append to the op_id index instead of landing at random pages,
# which made bulk inserts markedly slower.
_MS = "printf('%012x', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))"
_SQL_UUID = (
    f"lower(substr({_MS}, 1, 8) || '-' || substr({_MS}, 9, 4) || '-7' || substr(hex(randomblob(2)), 2)"
    " || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2)"
    " || '-' || hex(randomblob(6)))"
)
_SQL_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ','now')"
_NOT_APPLYING = "(SELECT applying_remote FROM sync_ctx WHERE id = 1) = 0"


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]


def install_capture_triggers(conn: sqlite3.Connection, table: str, schema_version: int) -> None:
    """(Re)create the insert/update/delete capture triggers of one synced table.

    Call again from a migration that adds columns to ``table``, so they are captured too.
    """
    cols = _columns(conn, table)
    user_cols = [c for c in cols if c not in SYNC_ONLY_COLUMNS and c != "id"]
    for suffix in ("ins", "upd", "del"):
        conn.execute(f'DROP TRIGGER IF EXISTS "{table}_outbox_{suffix}"')

    full_obj = "json_object(" + ", ".join(f"'{c}', NEW.\"{c}\"" for c in cols if c != "id") + ")"
    changed = " UNION ALL ".join(
        f"SELECT '{c}' AS k, NEW.\"{c}\" AS v WHERE NEW.\"{c}\" IS NOT OLD.\"{c}\"" for c in user_cols
    )
    any_changed = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in user_cols)
    insert = (
        "INSERT INTO sync_outbox (op_id, entity, entity_id, op, fields, base_version, hlc, "
        "schema_version) VALUES "
    )
    run_script(conn,
        f"""
        CREATE TRIGGER "{table}_outbox_ins" AFTER INSERT ON "{table}"
        WHEN {_NOT_APPLYING}
        BEGIN
            {insert} ({_SQL_UUID}, '{table}', NEW.id, 'create', {full_obj}, NEW._version,
                      {_SQL_NOW}, {schema_version});
        END;
        CREATE TRIGGER "{table}_outbox_upd" AFTER UPDATE ON "{table}"
        WHEN {_NOT_APPLYING} AND (NEW._deleted IS NOT OLD._deleted OR {any_changed})
        BEGIN
            {insert} ({_SQL_UUID}, '{table}', NEW.id,
                CASE WHEN NEW._deleted = 1 AND OLD._deleted = 0 THEN 'delete'
                     WHEN NEW._deleted = 0 AND OLD._deleted = 1 THEN 'undelete'
                     ELSE 'patch' END,
                COALESCE((SELECT json_group_object(k, v) FROM ({changed})), '{{}}'),
                OLD._version, {_SQL_NOW}, {schema_version});
        END;
        CREATE TRIGGER "{table}_outbox_del" AFTER DELETE ON "{table}"
        WHEN {_NOT_APPLYING}
        BEGIN
            {insert} ({_SQL_UUID}, '{table}', OLD.id, 'delete', '{{}}', OLD._version,
                      {_SQL_NOW}, {schema_version});
        END;
        """
    )


# --- bulk creates ------------------------------------------------------------------------------
def reserve_creates(conn: sqlite3.Connection, table: str, ids: Sequence[str],
                    schema_version: int) -> None:
    """Capture creates of ``ids`` (inserted with the triggers suppressed) as one reserved block.

    Must run in the inserting transaction. The block takes the next ``len(ids)`` device sequence
    numbers, so later writes are ordered after these creates exactly as if each had its own row.
    """
    if not ids:
        return
    from pemdesk.ids import utc_now

    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'sync_outbox'").fetchone()
    top = conn.execute("SELECT max(device_seq) FROM sync_outbox").fetchone()[0] or 0
    first = max(int(row[0]) if row else 0, top) + 1
    last = first + len(ids) - 1
    if row is None:
        conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('sync_outbox', ?)", [last])
    else:
        conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'sync_outbox'", [last])
    conn.execute("INSERT INTO sync_outbox_reserved (first_seq, entity, ids, hlc, schema_version) "
                 "VALUES (?, ?, ?, ?, ?)", [first, table, json.dumps(list(ids)), utc_now(),
                                            schema_version])


def expand_reserved(conn: sqlite3.Connection) -> int:
    """Turn reserved blocks into one create op each (in their reserved sequence numbers)."""
    blocks = conn.execute("SELECT first_seq, entity, ids, hlc, schema_version FROM "
                          "sync_outbox_reserved ORDER BY first_seq").fetchall()
    if not blocks:
        return 0
    from pemdesk.ids import new_id

    made = 0
    outer = conn.in_transaction
    if not outer:
        conn.execute("BEGIN IMMEDIATE")
    try:
        for first, entity, ids, hlc, schema_version in blocks:
            rids = json.loads(ids)
            conn.executemany(
                "INSERT INTO sync_outbox (device_seq, op_id, entity, entity_id, op, fields, "
                "base_version, hlc, schema_version) VALUES (?, ?, ?, ?, 'create', ?, 0, ?, ?)",
                [(first + i, new_id(), entity, rid, WHOLE_ROW, hlc, schema_version)
                 for i, rid in enumerate(rids)])
            conn.execute("DELETE FROM sync_outbox_reserved WHERE first_seq = ?", [first])
            made += len(rids)
        if not outer:
            conn.execute("COMMIT")
    except BaseException:
        if not outer:
            conn.execute("ROLLBACK")
        raise
    return made


def has_reserved(conn: sqlite3.Connection) -> bool:
    try:
        return conn.execute("SELECT 1 FROM sync_outbox_reserved LIMIT 1").fetchone() is not None
    except sqlite3.OperationalError:
        return False  # a database before the migration that made the table


def settle(conn: sqlite3.Connection) -> None:
    """Make the outbox readable op by op (expand reserved blocks); cheap when there are none."""
    if has_reserved(conn):
        expand_reserved(conn)


# --- values ------------------------------------------------------------------------------------
def _later_changes(conn: sqlite3.Connection, keys: set[tuple[str, str]], after: int
                   ) -> dict[tuple[str, str], list[tuple[int, set[str]]]]:
    """For records of ``keys`` with more than one op after ``after``: (device_seq, columns it
    changed) of each of those ops. Most records have one op: they cost one cheap scan, no JSON."""
    repeated = [(e, r) for e, r in conn.execute(
        "SELECT entity, entity_id FROM sync_outbox WHERE device_seq >= ? "
        "GROUP BY entity, entity_id HAVING count(*) > 1", [after]) if (e, r) in keys]
    out: dict[tuple[str, str], list[tuple[int, set[str]]]] = {}
    for entity, rid in repeated:
        for seq, op, fields in conn.execute(
                "SELECT device_seq, op, fields FROM sync_outbox WHERE entity = ? AND entity_id = ? "
                "AND device_seq >= ?", [entity, rid, after]):
            try:
                data = json.loads(fields) if fields != WHOLE_ROW else {}
            except ValueError:
                data = {}
            if op == "resolve" and isinstance(data, dict):
                data = data.get("values") or {}
            names = set(data) if isinstance(data, dict) else set()
            out.setdefault((entity, rid), []).append((seq, names))
    return out


def _read_rows(conn: sqlite3.Connection, keys: set[tuple[str, str]]
               ) -> dict[tuple[str, str], dict[str, Any]]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    by_entity: dict[str, list[str]] = {}
    for entity, rid in keys:
        by_entity.setdefault(entity, []).append(rid)
    for entity, id_list in by_entity.items():
        id_list.sort()
        for i in range(0, len(id_list), 500):
            chunk = id_list[i:i + 500]
            try:
                cur = conn.execute(f'SELECT * FROM "{entity}" WHERE id IN '
                                   f'({",".join("?" for _ in chunk)})', chunk)
            except sqlite3.OperationalError:
                continue  # no such table here: nothing to read
            names = [d[0] for d in cur.description]
            for found in cur:
                record = dict(zip(names, found, strict=True))
                rows[(entity, record["id"])] = record
    return rows


def materialize(conn: sqlite3.Connection, ops: Sequence[tuple[int, str, str, str, str, int]]
                ) -> dict[int, dict[str, Any]]:
    """Exact values for pending ops not yet handed out: {device_seq: fields}, frozen in the outbox.

    ``ops`` are (device_seq, entity, entity_id, op, fields, base_version); only those still
    marked inexact in the outbox are refined (and returned, parsed). Must run in a transaction.
    """
    if not ops:
        return {}
    seqs = [o[0] for o in ops]
    lo, hi = min(seqs), max(seqs)
    inexact = {r[0] for r in conn.execute(
        "SELECT device_seq FROM sync_outbox WHERE exact = 0 AND state = 'pending' AND "
        "device_seq BETWEEN ? AND ?", [lo, hi])}
    todo = [o for o in ops if o[0] in inexact and o[3] not in ("resolve", "skip")]
    if not inexact:
        return {}
    parsed: dict[int, dict[str, Any]] = {}
    need_row: set[tuple[str, str]] = set()
    for seq, entity, rid, _op, fields, _base in todo:
        values = {} if fields == WHOLE_ROW else json.loads(fields)
        parsed[seq] = values if isinstance(values, dict) else {}
        if fields == WHOLE_ROW or any(type(v) is float for v in parsed[seq].values()):
            need_row.add((entity, rid))
    rows = _read_rows(conn, need_row) if need_row else {}
    later = _later_changes(conn, need_row, min(o[0] for o in todo)) if need_row else {}
    changed: list[tuple[str, int]] = []
    for seq, entity, rid, _op, fields, base_version in todo:
        row = rows.get((entity, rid))
        values = parsed[seq]
        if fields == WHOLE_ROW:
            values = {k: v for k, v in row.items() if k != "id"} if row else {}
            values.update(_version=base_version, _deleted=0, _conflict=0)
            parsed[seq] = values
        elif row is not None:
            overwritten: set[str] = set()
            for other_seq, names in later.get((entity, rid), []):
                if other_seq > seq:
                    overwritten |= names
            exact = {k: row[k] for k, v in values.items()
                     if type(v) is float and type(row.get(k)) is float and k not in overwritten
                     and row[k] != v}
            if not exact:
                continue
            values.update(exact)
        changed.append((json.dumps(values, ensure_ascii=False, separators=(",", ":")), seq))
    conn.executemany("UPDATE sync_outbox SET fields = ? WHERE device_seq = ?", changed)
    conn.execute("UPDATE sync_outbox SET exact = 1 WHERE exact = 0 AND state = 'pending' AND "
                 "device_seq BETWEEN ? AND ?", [lo, hi])
    return parsed
