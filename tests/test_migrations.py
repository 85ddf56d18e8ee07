"""Every migration is tested from the previous version with data in it, and a database from a
newer pemdesk is refused untouched."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from pemdesk.errors import StorageError
from pemdesk.storage import Store
from pemdesk.storage.db import migrate
from pemdesk.storage.migrations import SCHEMA_VERSION


def _tables_in_fk_order(conn: sqlite3.Connection) -> list[str]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    parents = {
        t: {r[2] for r in conn.execute(f'PRAGMA foreign_key_list("{t}")') if r[2] != t} for t in names
    }
    ordered: list[str] = []
    while len(ordered) < len(names):
        for t in names:
            if t not in ordered and parents[t] <= set(ordered):
                ordered.append(t)
    return ordered


# Columns with CHECK constraints or enumerated values: a value every version accepts.
KNOWN_VALUES = {"op": "create", "state": "pending", "status": "draft", "stage": "disturbed"}


def fill_every_table(conn: sqlite3.Connection, rows_per_table: int = 3) -> dict[str, int]:
    """Put rows into every table of the schema as it is, whatever the version: typed values for
    each column, foreign keys pointing at rows made before."""
    made: dict[str, list[object]] = {}
    for table in _tables_in_fk_order(conn):
        if table in ("sync_ctx",):
            continue
        info = list(conn.execute(f'PRAGMA table_info("{table}")'))
        fks = {r[3]: (r[2], r[4]) for r in conn.execute(f'PRAGMA foreign_key_list("{table}")')}
        keys: list[object] = []
        for i in range(rows_per_table):
            values: dict[str, object] = {}
            for _cid, col, ctype, _notnull, _default, pk in info:
                ctype = (ctype or "").upper()
                if col in fks:
                    parent_rows = made.get(fks[col][0])
                    values[col] = parent_rows[i % len(parent_rows)] if parent_rows else None
                elif pk and "INT" in ctype and sum(1 for r in info if r[5]) == 1:
                    continue  # rowid / autoincrement (a composite key is no rowid)
                elif col.startswith("_") or col == "revision":
                    values[col] = 0 if col != "revision" else 1
                elif "INT" in ctype:
                    values[col] = i
                elif "REAL" in ctype:
                    values[col] = 40.0 + i
                elif col in ("extra", "fields"):
                    values[col] = "{}"
                elif col in KNOWN_VALUES:
                    values[col] = KNOWN_VALUES[col]
                elif col.endswith("_at") or col.endswith("_on"):
                    values[col] = f"2025-0{i + 1}-01T00:00:00.000Z"
                else:
                    values[col] = f"{table}-{col}-{i}"
            cols = ", ".join(f'"{c}"' for c in values)
            marks = ", ".join("?" for _ in values)
            cur = conn.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', list(values.values()))
            pk_cols = [r[1] for r in info if r[5]]
            keys.append(values.get(pk_cols[0], cur.lastrowid) if pk_cols else cur.lastrowid)
        made[table] = keys
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in made}


@pytest.mark.parametrize("start", range(1, SCHEMA_VERSION + 1))
def test_migrating_from_each_earlier_version_keeps_the_data(tmp_path: Path, start: int) -> None:
    path = tmp_path / "pemdesk.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    migrate(conn, target=start)
    counts = fill_every_table(conn)
    conn.close()

    with Store.open(tmp_path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.check() == []
        for table, n in counts.items():
            after = store.conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            assert after >= n, f"{table} lost rows migrating from version {start}"


def test_a_database_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    with Store.open(tmp_path):
        pass
    path = tmp_path / "pemdesk.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(StorageError) as info:
        Store.open(tmp_path)
    assert "шинэ хувилбар" in info.value.mn and "newer version" in info.value.en
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_failing_migration_rolls_back_completely(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pemdesk.storage import migrations

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("simulated failure half-way")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, broken])
    conn = sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, target=len(migrations.MIGRATIONS))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in tables
