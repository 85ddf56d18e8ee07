"""Schema of migration m005 (rehabilitation evidence). Frozen with that migration: a later change
is a new migration, never an edit here.

Tables (all synced, see docs/rehab.md):
- ``rehab_target``: national / aimag / soum hectare targets by year and stage (coordinators).
- ``plot_stage_change``: every change of a plot's stage, dated, with visit, person and photos.
- ``plot_acceptance``: the commission's acceptance act of a plot, with members and criteria.
- ``photo_cover``: green canopy cover measured from a photo, with a manual correction beside it.
"""

from __future__ import annotations

import sqlite3

from pemdesk.storage.sqlscript import run_script

TABLES = ("rehab_target", "plot_stage_change", "plot_acceptance", "photo_cover")
STAGES = ("disturbed", "technical", "biological", "handed_over")
# The synthesised history of a plot that existed before the migration: one record per stage
# reached, id "<plot id>:<stage>" and times from the stage date, so every laptop makes the same.
INITIAL_ID_SEP = ":"
_NOT_APPLYING = "(SELECT applying_remote FROM sync_ctx WHERE id = 1) = 0"


def create(conn: sqlite3.Connection, sync_columns: str) -> None:
    run_script(conn,
        f"""
        CREATE TABLE rehab_target (
            id TEXT PRIMARY KEY,
            level TEXT NOT NULL,               -- national|aimag|soum
            aimag_code TEXT, soum_code TEXT,
            year INTEGER NOT NULL,
            stage TEXT NOT NULL,               -- the stage the hectares must reach
            area_ha REAL NOT NULL,
            basis TEXT NOT NULL DEFAULT 'in_year',  -- in_year|cumulative
            name TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '',
            {sync_columns}
        );
        CREATE INDEX rehab_target_year ON rehab_target(year, level);
        CREATE TABLE plot_stage_change (
            id TEXT PRIMARY KEY,
            plot_id TEXT NOT NULL REFERENCES plot(id),
            from_stage TEXT,
            to_stage TEXT NOT NULL,
            changed_on TEXT NOT NULL,          -- YYYY-MM-DD
            visit_id TEXT REFERENCES visit(id),
            person_id TEXT REFERENCES person(id),
            recorded_by TEXT NOT NULL DEFAULT '',
            photo_ids TEXT NOT NULL DEFAULT '[]',  -- evidence photos (JSON list of photo ids)
            note TEXT NOT NULL DEFAULT '',
            {sync_columns}
        );
        CREATE INDEX plot_stage_change_plot ON plot_stage_change(plot_id, changed_on);
        CREATE TABLE plot_acceptance (
            id TEXT PRIMARY KEY,
            plot_id TEXT NOT NULL REFERENCES plot(id),
            kind TEXT NOT NULL,                -- technical|biological
            accepted_on TEXT NOT NULL,
            decision TEXT NOT NULL,            -- accepted|conditional|rejected
            act_no TEXT NOT NULL DEFAULT '',
            members TEXT NOT NULL DEFAULT '[]',    -- JSON list of (name, role, organisation)
            criteria TEXT NOT NULL DEFAULT '{{}}', -- JSON object: criterion code to yes|no|unknown
            criteria_source TEXT NOT NULL DEFAULT '',
            visit_id TEXT REFERENCES visit(id),
            notes TEXT NOT NULL DEFAULT '',
            {sync_columns}
        );
        CREATE INDEX plot_acceptance_plot ON plot_acceptance(plot_id);
        CREATE TABLE photo_cover (
            id TEXT PRIMARY KEY,
            photo_id TEXT NOT NULL REFERENCES photo(id),
            method TEXT NOT NULL,              -- canopeo-2015
            params TEXT NOT NULL DEFAULT '{{}}',
            cover_pct REAL NOT NULL,
            mask_sha256 TEXT,
            sample_width INTEGER, sample_height INTEGER,
            manual_pct REAL,
            manual_note TEXT NOT NULL DEFAULT '',
            manual_by TEXT NOT NULL DEFAULT '',
            {sync_columns}
        );
        CREATE INDEX photo_cover_photo ON photo_cover(photo_id);
        """
    )


def seed_history(conn: sqlite3.Connection) -> None:
    """An initial stage history for every plot, from its stage and its stage dates."""
    rows = conn.execute(
        "SELECT p.id, coalesce(s.is_demo, 0), p.stage, p.created_at, p.disturbed_on, "
        "p.technical_on, p.biological_on, p.handed_over_on FROM plot p "
        "LEFT JOIN site s ON s.id = p.site_id"
    ).fetchall()
    for plot_id, is_demo, stage, created_at, *dates in rows:
        if stage not in STAGES:
            continue
        # Demo plots never reach a server, so neither does their history.
        conn.execute("UPDATE sync_ctx SET applying_remote = ?", [1 if is_demo else 0])
        reached = STAGES.index(stage)
        previous: str | None = None
        last_date = ""
        for i in range(reached + 1):
            on = (dates[i] or "")[:10]
            if not on and i < reached:
                continue  # a stage passed without a date: not invented
            on = on or (created_at or "")[:10] or "1970-01-01"
            on = max(on, last_date)  # dates out of order would change the derived stage
            stamp = f"{on}T00:00:00.000Z"
            conn.execute(
                "INSERT OR IGNORE INTO plot_stage_change (id, plot_id, from_stage, to_stage, "
                "changed_on, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [f"{plot_id}{INITIAL_ID_SEP}{STAGES[i]}", plot_id, previous, STAGES[i], on,
                 "", stamp, stamp],
            )
            previous, last_date = STAGES[i], on
    conn.execute("UPDATE sync_ctx SET applying_remote = 0")


def install_plot_triggers(conn: sqlite3.Connection) -> None:
    """Keep the history complete whatever path writes a plot (editor, import, sqlite-utils):
    a new plot gets its first record, and a stage written straight into ``plot.stage`` that the
    history does not already end with gets a record dated today. Remote applies are left alone:
    their history records come from the server."""
    latest = (
        "(SELECT to_stage FROM plot_stage_change WHERE plot_id = NEW.id AND _deleted = 0 "
        "ORDER BY changed_on DESC, created_at DESC, id DESC LIMIT 1)"
    )
    today = "strftime('%Y-%m-%d','now')"
    now = "strftime('%Y-%m-%dT%H:%M:%fZ','now')"
    run_script(conn,
        f"""
        CREATE TRIGGER plot_stage_history_ins AFTER INSERT ON plot
        WHEN {_NOT_APPLYING}
        BEGIN
            INSERT OR IGNORE INTO plot_stage_change (id, plot_id, from_stage, to_stage,
                changed_on, created_at, updated_at)
            VALUES (NEW.id || '{INITIAL_ID_SEP}' || NEW.stage, NEW.id, NULL, NEW.stage,
                COALESCE(substr(CASE NEW.stage WHEN 'disturbed' THEN NEW.disturbed_on
                    WHEN 'technical' THEN NEW.technical_on WHEN 'biological' THEN NEW.biological_on
                    ELSE NEW.handed_over_on END, 1, 10), {today}), {now}, {now});
        END;
        CREATE TRIGGER plot_stage_history_upd AFTER UPDATE OF stage ON plot
        WHEN {_NOT_APPLYING} AND NEW.stage IS NOT OLD.stage
            AND {latest} IS NOT NEW.stage
        BEGIN
            INSERT INTO plot_stage_change (id, plot_id, from_stage, to_stage, changed_on,
                created_at, updated_at)
            VALUES (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
                substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1)
                || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
                NEW.id, OLD.stage, NEW.stage, {today}, {now}, {now});
        END;
        """
    )
