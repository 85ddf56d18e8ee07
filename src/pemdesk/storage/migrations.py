"""Versioned schema migrations, tracked in ``PRAGMA user_version``.

A migration that has shipped is never edited: change the schema by appending a new function to
``MIGRATIONS``. Every synced table carries the sync columns of design/SYNC.md §3.3, and every write
to it is captured into ``sync_outbox`` by triggers (see ``outbox.py``), so no write path can skip
the outbox — not even a generic sqlite-utils call.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from pemdesk.storage import outbox
from pemdesk.storage.sqlscript import run_script

# Columns every synced table has, after its own.
SYNC_COLUMNS = """
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    extra TEXT NOT NULL DEFAULT '{}',
    _version INTEGER NOT NULL DEFAULT 0,
    _deleted INTEGER NOT NULL DEFAULT 0,
    _conflict INTEGER NOT NULL DEFAULT 0
"""

# Synced tables, in dependency order (parents first). Their columns are declared in m001.
SYNCED_TABLES_V1 = (
    "person",
    "site",
    "plot",
    "visit",
    "visit_plot",
    "participant",
    "observation",
    "finding",
    "photo_point",
    "photo",
    "track",
)


def m001_initial(conn: sqlite3.Connection) -> None:
    run_script(conn,
        f"""
        CREATE TABLE person (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            organisation TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            soum_code TEXT,
            notes TEXT NOT NULL DEFAULT '',
            {SYNC_COLUMNS}
        );
        CREATE TABLE site (
            id TEXT PRIMARY KEY,
            name_mn TEXT NOT NULL,
            name_en TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            aimag_code TEXT NOT NULL,
            soum_code TEXT NOT NULL,
            licence_no TEXT NOT NULL DEFAULT '',
            holder TEXT NOT NULL DEFAULT '',
            mineral TEXT NOT NULL DEFAULT '',
            lon REAL, lat REAL,
            boundary TEXT,
            notes TEXT NOT NULL DEFAULT '',
            is_demo INTEGER NOT NULL DEFAULT 0,
            {SYNC_COLUMNS}
        );
        CREATE INDEX site_area ON site(aimag_code, soum_code);
        CREATE TABLE plot (
            id TEXT PRIMARY KEY,
            site_id TEXT NOT NULL REFERENCES site(id),
            name TEXT NOT NULL,
            stage TEXT NOT NULL,
            geometry TEXT,
            area_ha REAL,
            target_year INTEGER,
            target_stage TEXT,
            disturbed_on TEXT, technical_on TEXT, biological_on TEXT, handed_over_on TEXT,
            notes TEXT NOT NULL DEFAULT '',
            {SYNC_COLUMNS}
        );
        CREATE INDEX plot_site ON plot(site_id);
        CREATE TABLE visit (
            id TEXT PRIMARY KEY,
            site_id TEXT NOT NULL REFERENCES site(id),
            started_at TEXT NOT NULL,
            ended_at TEXT,
            lon REAL, lat REAL,
            position_source TEXT,
            weather TEXT NOT NULL DEFAULT '',
            purpose TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'draft',
            revision INTEGER NOT NULL DEFAULT 1,
            supersedes TEXT REFERENCES visit(id),
            created_by TEXT REFERENCES person(id),
            finished_at TEXT,
            seal_digest TEXT, seal_signature TEXT, seal_key TEXT,
            {SYNC_COLUMNS}
        );
        CREATE INDEX visit_site_time ON visit(site_id, started_at);
        CREATE INDEX visit_time ON visit(started_at);
        -- Partial: nearly every visit has no predecessor, and a full index of NULLs misleads
        -- the planner after ANALYZE into scanning (the "latest revision" filter went quadratic).
        CREATE INDEX visit_supersedes ON visit(supersedes) WHERE supersedes IS NOT NULL;
        CREATE TABLE visit_plot (
            id TEXT PRIMARY KEY,
            visit_id TEXT NOT NULL REFERENCES visit(id),
            plot_id TEXT NOT NULL REFERENCES plot(id),
            {SYNC_COLUMNS}
        );
        CREATE INDEX visit_plot_visit ON visit_plot(visit_id);
        CREATE INDEX visit_plot_plot ON visit_plot(plot_id);
        CREATE TABLE participant (
            id TEXT PRIMARY KEY,
            visit_id TEXT NOT NULL REFERENCES visit(id),
            person_id TEXT NOT NULL REFERENCES person(id),
            role TEXT NOT NULL,
            {SYNC_COLUMNS}
        );
        CREATE INDEX participant_visit ON participant(visit_id);
        CREATE TABLE observation (
            id TEXT PRIMARY KEY,
            visit_id TEXT NOT NULL REFERENCES visit(id),
            indicator TEXT NOT NULL,
            value_num REAL,
            value_text TEXT,
            unit TEXT NOT NULL DEFAULT '',
            method TEXT NOT NULL DEFAULT '',
            instrument TEXT NOT NULL DEFAULT '',
            observed_at TEXT,
            lon REAL, lat REAL,
            comment TEXT NOT NULL DEFAULT '',
            {SYNC_COLUMNS}
        );
        CREATE INDEX observation_visit ON observation(visit_id);
        CREATE INDEX observation_indicator ON observation(indicator);
        CREATE TABLE finding (
            id TEXT PRIMARY KEY,
            visit_id TEXT NOT NULL REFERENCES visit(id),
            category TEXT NOT NULL,
            description TEXT NOT NULL,
            severity TEXT NOT NULL,
            follow_up TEXT NOT NULL,
            follow_up_due TEXT,
            follow_up_note TEXT NOT NULL DEFAULT '',
            lon REAL, lat REAL,
            {SYNC_COLUMNS}
        );
        CREATE INDEX finding_visit ON finding(visit_id);
        CREATE TABLE photo_point (
            id TEXT PRIMARY KEY,
            site_id TEXT NOT NULL REFERENCES site(id),
            plot_id TEXT REFERENCES plot(id),
            name TEXT NOT NULL,
            lon REAL NOT NULL, lat REAL NOT NULL,
            bearing REAL,
            notes TEXT NOT NULL DEFAULT '',
            {SYNC_COLUMNS}
        );
        CREATE INDEX photo_point_site ON photo_point(site_id);
        CREATE TABLE photo (
            id TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            visit_id TEXT REFERENCES visit(id),
            photo_point_id TEXT REFERENCES photo_point(id),
            taken_at TEXT,
            lon REAL, lat REAL, altitude_m REAL,
            bearing REAL,
            position_source TEXT,
            orientation INTEGER NOT NULL DEFAULT 1,
            width INTEGER, height INTEGER, size_bytes INTEGER,
            mime TEXT NOT NULL DEFAULT 'image/jpeg',
            original_name TEXT NOT NULL DEFAULT '',
            caption TEXT NOT NULL DEFAULT '',
            {SYNC_COLUMNS}
        );
        CREATE INDEX photo_visit ON photo(visit_id);
        CREATE INDEX photo_sha ON photo(sha256);
        CREATE INDEX photo_point_photos ON photo(photo_point_id);
        CREATE TABLE track (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            geometry TEXT NOT NULL,
            site_id TEXT REFERENCES site(id),
            visit_id TEXT REFERENCES visit(id),
            started_at TEXT, ended_at TEXT,
            source_file TEXT NOT NULL DEFAULT '',
            {SYNC_COLUMNS}
        );

        -- Local-only sync bookkeeping (design/SYNC.md §3.3).
        CREATE TABLE sync_outbox (
            device_seq INTEGER PRIMARY KEY AUTOINCREMENT,
            op_id TEXT NOT NULL UNIQUE,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            op TEXT NOT NULL CHECK (op IN ('create','patch','delete','undelete','resolve')),
            fields TEXT NOT NULL,
            base_version INTEGER NOT NULL,
            hlc TEXT NOT NULL,
            schema_version INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','acked','rejected')),
            result TEXT
        );
        CREATE INDEX sync_outbox_pending ON sync_outbox(state, device_seq);
        CREATE INDEX sync_outbox_entity ON sync_outbox(entity, entity_id);
        CREATE TABLE sync_meta (k TEXT PRIMARY KEY, v TEXT);
        -- One row; set to 1 only inside a transaction that applies remote changes, so the
        -- capture triggers stay quiet for them. Reset before commit: other readers never see 1.
        CREATE TABLE sync_ctx (id INTEGER PRIMARY KEY CHECK (id = 1), applying_remote INTEGER NOT NULL);
        INSERT INTO sync_ctx VALUES (1, 0);
        """
    )
    for table in SYNCED_TABLES_V1:
        outbox.install_capture_triggers(conn, table, schema_version=1)


def m002_blobs_and_seals(conn: sqlite3.Connection) -> None:
    """Local photo-file index (``blob``, design/SYNC.md §3.3) and the sealed visit documents."""
    run_script(conn,
        f"""
        -- Local only: one row per file in the content-addressed photo store (originals, previews,
        -- thumbnails). priority: lower goes first (thumbnails 1, previews 3, originals 5).
        CREATE TABLE blob (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            path TEXT NOT NULL,
            mime TEXT,
            kind TEXT NOT NULL DEFAULT 'original',  -- original|preview|thumb
            derived_from TEXT,
            -- queued|uploading|present|deferred_usb|failed
            upload_state TEXT NOT NULL DEFAULT 'queued',
            upload_url TEXT,
            upload_offset INTEGER NOT NULL DEFAULT 0,
            priority INTEGER NOT NULL DEFAULT 5
        );
        CREATE INDEX blob_derived ON blob(derived_from, kind);
        CREATE INDEX blob_upload ON blob(upload_state, priority);
        -- Synced: the exact document a visit revision was sealed with (id = the visit's id), so
        -- any device can name what changed since. Written once, never edited.
        CREATE TABLE visit_seal (
            id TEXT PRIMARY KEY REFERENCES visit(id),
            format TEXT NOT NULL,
            revision INTEGER NOT NULL,
            digest TEXT NOT NULL,
            signature TEXT NOT NULL,
            public_key TEXT NOT NULL,
            previous_digest TEXT,
            document TEXT NOT NULL,
            sealed_at TEXT NOT NULL,
            {SYNC_COLUMNS}
        );
        """
    )
    outbox.install_capture_triggers(conn, "visit_seal", schema_version=2)


def m003_seal_receipts(conn: sqlite3.Connection) -> None:
    """Local only: the server's countersigned receipts for sealed visits (``sync/receipts.py``)."""
    run_script(conn,
        """
        CREATE TABLE seal_receipt (
            visit_id TEXT NOT NULL,
            digest TEXT NOT NULL,
            status TEXT NOT NULL,          -- verified|photos_pending|invalid
            checked_at TEXT NOT NULL,
            server_key TEXT NOT NULL,
            receipt TEXT NOT NULL,         -- the whole countersigned receipt (JSON)
            stored_at TEXT NOT NULL,
            PRIMARY KEY (visit_id, digest)
        );
        """
    )


def m004_sync_client(conn: sqlite3.Connection) -> None:
    """Local only: sync client bookkeeping (design/SYNC.md §3.3, docs/sync-protocol.md)."""
    run_script(conn,
        """
        -- When an op was first handed to the network or a bundle (status "sent" until acked).
        ALTER TABLE sync_outbox ADD COLUMN sent_at TEXT;
        -- The server's copy of a record that has unsynced local edits (never overwrite them).
        CREATE TABLE sync_base (
            entity TEXT NOT NULL, entity_id TEXT NOT NULL, version INTEGER NOT NULL,
            deleted INTEGER NOT NULL, conflict INTEGER NOT NULL, data TEXT NOT NULL,
            PRIMARY KEY (entity, entity_id)
        );
        -- Pull position per scope, valid only within one server epoch.
        CREATE TABLE sync_cursor (
            scope TEXT PRIMARY KEY, server_epoch TEXT NOT NULL, server_seq INTEGER NOT NULL
        );
        -- Open conflicts the server reported on records (both values kept for a coordinator).
        CREATE TABLE sync_conflict (
            conflict_id TEXT PRIMARY KEY, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
            fields TEXT NOT NULL, server_value TEXT NOT NULL, incoming_value TEXT NOT NULL,
            provisional TEXT NOT NULL, detail TEXT NOT NULL
        );
        CREATE INDEX sync_conflict_record ON sync_conflict(entity, entity_id);
        """
    )


def m005_rehab(conn: sqlite3.Connection) -> None:
    """Rehabilitation evidence (``pemdesk.rehab``): targets, stage history, acceptance acts and
    vegetation cover from photos, all synced. Every existing plot gets its stage history from its
    stage and stage dates, with ids and times derived from the plot, so laptops that migrate the
    same plot make identical records (the server sees one record, not duplicates)."""
    from pemdesk.storage import rehab_schema

    rehab_schema.create(conn, SYNC_COLUMNS)
    for table in rehab_schema.TABLES:
        outbox.install_capture_triggers(conn, table, schema_version=2)
    rehab_schema.seed_history(conn)
    rehab_schema.install_plot_triggers(conn)
    # SQLite fires the most recently created trigger first: re-create the plot's capture
    # triggers after the history ones, so a new plot's create op precedes its first history
    # record in the outbox (the server refuses a reference to a plot it does not hold yet).
    outbox.install_capture_triggers(conn, "plot", schema_version=1)


def m006_cases(conn: sqlite3.Connection) -> None:
    """Findings as cases (lifecycle steps, append-only), grievances with their complainants,
    EMP commitments with visit assessments, and sign-offs (``pemdesk.cases``), all synced."""
    from pemdesk.storage import cases_schema

    cases_schema.create(conn, SYNC_COLUMNS)
    for table in cases_schema.TABLES:
        outbox.install_capture_triggers(conn, table, schema_version=2)


def m007_waypoints(conn: sqlite3.Connection) -> None:
    """Synced: field points from GPS files and the live GPS (issue 17), attachable later."""
    run_script(conn,
        f"""
        CREATE TABLE waypoint (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            lon REAL NOT NULL,
            lat REAL NOT NULL,
            ele REAL,
            recorded_at TEXT,
            description TEXT NOT NULL DEFAULT '',
            symbol TEXT NOT NULL DEFAULT '',
            source_file TEXT NOT NULL DEFAULT '',
            site_id TEXT REFERENCES site(id),
            visit_id TEXT REFERENCES visit(id),
            photo_point_id TEXT REFERENCES photo_point(id),
            observation_id TEXT REFERENCES observation(id),
            {SYNC_COLUMNS}
        );
        CREATE INDEX waypoint_site ON waypoint(site_id);
        CREATE INDEX waypoint_visit ON waypoint(visit_id);
        """
    )
    # ops keep the op format of schema 2 (a new entity changes no existing op)
    outbox.install_capture_triggers(conn, "waypoint", schema_version=2)


def m008_readings(conn: sqlite3.Connection) -> None:
    """Instruments, deployments and their readings (``pemdesk.instruments``): the register and
    deployments synced record by record, readings synced as compressed import batches and kept
    locally in a compact table (``storage/readings_schema.py``)."""
    from pemdesk.storage import readings_schema

    readings_schema.create(conn, SYNC_COLUMNS)
    for table in readings_schema.TABLES:
        outbox.install_capture_triggers(conn, table, schema_version=2)


def m009_exact_outbox(conn: sqlite3.Connection) -> None:
    """Exact numbers in the outbox and cheap bulk capture (see ``outbox.py``): ops are refined
    with their exact float values once, when first handed out (``exact``); bulk inserts reserve
    a block of device sequence numbers in ``sync_outbox_reserved``. Pulled changes that cannot
    be applied are quarantined; refused local edits are kept with the server's reason."""
    run_script(conn,
        """
        ALTER TABLE sync_outbox ADD COLUMN exact INTEGER NOT NULL DEFAULT 0;
        UPDATE sync_outbox SET exact = 1 WHERE state <> 'pending' OR sent_at IS NOT NULL;
        CREATE TABLE sync_outbox_reserved (
            first_seq INTEGER PRIMARY KEY, entity TEXT NOT NULL, ids TEXT NOT NULL,
            hlc TEXT NOT NULL, schema_version INTEGER NOT NULL
        );
        -- Pulled changes this laptop could not apply: kept whole, the pull goes on without them.
        -- settled_at: a later version of the same record was applied (the problem is over).
        CREATE TABLE sync_quarantine (
            id INTEGER PRIMARY KEY, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
            version INTEGER, change TEXT NOT NULL, error TEXT NOT NULL, received_at TEXT NOT NULL,
            settled_at TEXT
        );
        CREATE INDEX sync_quarantine_record ON sync_quarantine(entity, entity_id);
        -- Local edits the server refused: the refused values stay here as evidence, with why.
        CREATE TABLE sync_refusal (
            op_id TEXT PRIMARY KEY, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
            op TEXT NOT NULL, fields TEXT NOT NULL, reason TEXT NOT NULL, refused_at TEXT NOT NULL,
            server_version INTEGER, seen INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX sync_refusal_record ON sync_refusal(entity, entity_id);
        """
    )


Migration = Callable[[sqlite3.Connection], None]

# Index i holds the migration that takes the schema from version i to i + 1.
MIGRATIONS: list[Migration] = [m001_initial, m002_blobs_and_seals, m003_seal_receipts,
                           m004_sync_client, m005_rehab, m006_cases, m007_waypoints,
                           m008_readings, m009_exact_outbox]

SCHEMA_VERSION = len(MIGRATIONS)


def synced_tables(conn: sqlite3.Connection) -> list[str]:
    """Synced tables as they are in this database (the ones with a ``_version`` column)."""
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    result = []
    for name in names:
        cols = {r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')}
        if "_version" in cols:
            result.append(name)
    order = {t: i for i, t in enumerate(SYNCED_TABLES_V1)}
    return sorted(result, key=lambda t: (order.get(t, len(order)), t))
