"""Change capture: every write to a synced table appends an op to ``sync_outbox``.

Capture lives in SQLite triggers rather than in the Python layer so that it happens in the same
transaction as the write, whichever code path made it (store API, sqlite-utils, a migration).
Only changed user columns are recorded for updates (PATCH semantics, design/SYNC.md §3.3).
"""

from __future__ import annotations

import sqlite3

from pemdesk.storage.sqlscript import run_script

# Maintained by the sync machinery itself; changes to them are not user edits.
SYNC_ONLY_COLUMNS = frozenset({"_version", "_conflict", "_deleted", "updated_at", "extra"})

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


def capture_creates(
    conn: sqlite3.Connection, table: str, rows: list[dict[str, object]], schema_version: int
) -> None:
    """Outbox entries for rows a bulk insert made with the triggers suppressed.

    Same shape as the insert trigger's (all columns but ``id``), written with one executemany:
    per-row triggers made bulk imports several times slower than the insert itself.
    """
    import json

    from pemdesk.ids import new_id, utc_now

    defaults = {"extra": "{}", "_version": 0, "_deleted": 0, "_conflict": 0}
    columns = [c for c in _columns(conn, table) if c != "id"]
    hlc = utc_now()
    conn.executemany(
        "INSERT INTO sync_outbox (op_id, entity, entity_id, op, fields, base_version, hlc, "
        "schema_version) VALUES (?, ?, ?, 'create', ?, 0, ?, ?)",
        [
            (
                new_id(),
                table,
                row["id"],
                json.dumps(
                    {c: row.get(c, defaults.get(c)) for c in columns},
                    ensure_ascii=False,
                    separators=(",", ":"),
                ),
                hlc,
                schema_version,
            )
            for row in rows
        ],
    )
