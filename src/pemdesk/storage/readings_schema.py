"""Schema of migration m008 (instrument data). Frozen with that migration: a later change is a new
migration, never an edit here.

Synced: ``instrument`` (the register: make, model, serial, owner, calibration), ``deployment``
(an instrument at a site, a position and a height or depth, for a period, with the corrections
its readings need), ``visit_deployment`` (deployments a visit serviced) and ``reading_batch``
(one import batch of readings, compressed, written once — one sync op per batch, never one per
reading). Local only: ``reading`` (every reading as integers and a float, keyed by deployment,
indicator and time) and ``reading_key`` (small integer numbers for deployments, indicators and
batches), both rebuilt from ``reading_batch`` on any laptop that receives the batches.
"""

from __future__ import annotations

import sqlite3

from pemdesk.storage.sqlscript import run_script

TABLES = ("instrument", "deployment", "visit_deployment", "reading_batch")


def create(conn: sqlite3.Connection, sync_columns: str) -> None:
    run_script(conn,
        f"""
        CREATE TABLE instrument (
            id TEXT PRIMARY KEY,
            make TEXT NOT NULL DEFAULT '',
            model TEXT NOT NULL DEFAULT '',
            serial TEXT NOT NULL,
            owner TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL DEFAULT '',          -- importer family (hobo, purpleair, …)
            calibrated_on TEXT, calibration_due TEXT,
            factor REAL, "offset" REAL,             -- co-location: value × factor + offset
            notes TEXT NOT NULL DEFAULT '',
            {sync_columns}
        );
        CREATE INDEX instrument_serial ON instrument(serial);
        CREATE TABLE deployment (
            id TEXT PRIMARY KEY,
            instrument_id TEXT NOT NULL REFERENCES instrument(id),
            site_id TEXT NOT NULL REFERENCES site(id),
            name TEXT NOT NULL DEFAULT '',
            lon REAL, lat REAL,
            height_m REAL, depth_m REAL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            tz TEXT NOT NULL DEFAULT '+08:00',      -- the zone its local days are counted in
            corrections TEXT NOT NULL DEFAULT '[]', -- JSON list: epa2021_purpleair, colocation
            notes TEXT NOT NULL DEFAULT '',
            {sync_columns}
        );
        CREATE INDEX deployment_site ON deployment(site_id, started_at);
        CREATE INDEX deployment_instrument ON deployment(instrument_id);
        CREATE TABLE visit_deployment (
            id TEXT PRIMARY KEY,
            visit_id TEXT NOT NULL REFERENCES visit(id),
            deployment_id TEXT NOT NULL REFERENCES deployment(id),
            action TEXT NOT NULL DEFAULT 'serviced', -- installed|serviced|downloaded|removed
            note TEXT NOT NULL DEFAULT '',
            {sync_columns}
        );
        CREATE INDEX visit_deployment_visit ON visit_deployment(visit_id);
        CREATE TABLE reading_batch (
            id TEXT PRIMARY KEY,                    -- derived from deployment + content
            deployment_id TEXT NOT NULL REFERENCES deployment(id),
            source_name TEXT NOT NULL DEFAULT '',
            source_sha256 TEXT NOT NULL DEFAULT '',
            format TEXT NOT NULL DEFAULT '',
            tz TEXT NOT NULL DEFAULT '',
            indicators TEXT NOT NULL DEFAULT '[]',
            count INTEGER NOT NULL,
            flagged INTEGER NOT NULL DEFAULT 0,
            first_at TEXT, last_at TEXT,
            payload TEXT NOT NULL,                  -- base64 of zstd (see instruments/payload.py)
            payload_sha256 TEXT NOT NULL,
            {sync_columns}
        );
        CREATE INDEX reading_batch_deployment ON reading_batch(deployment_id);
        CREATE TABLE reading_key (
            n INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,                     -- deployment|indicator|batch
            key TEXT NOT NULL,
            UNIQUE (kind, key)
        );
        CREATE TABLE reading (
            dep INTEGER NOT NULL,
            ind INTEGER NOT NULL,
            t INTEGER NOT NULL,                     -- UTC seconds
            value REAL NOT NULL,                    -- raw, in the indicator's unit
            flags INTEGER NOT NULL DEFAULT 0,
            batch INTEGER NOT NULL,
            PRIMARY KEY (dep, ind, t)
        ) WITHOUT ROWID;
        CREATE INDEX reading_batch_rows ON reading(batch);
        """
    )
