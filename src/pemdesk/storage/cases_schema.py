"""Schema of migration m006 (findings as cases, grievances, EMP commitments, sign-offs). Frozen
with that migration: a later change is a new migration, never an edit here.

All tables are synced. ``finding_step`` rows are written once and never edited, so two parties
answering the same finding offline make two records, never a conflict.
"""

from __future__ import annotations

import sqlite3

from pemdesk.storage.sqlscript import run_script

TABLES = ("finding_case", "finding_step", "grievance", "grievance_complainant", "emp_commitment",
          "commitment_assessment", "signoff")


def create(conn: sqlite3.Connection, sync_columns: str) -> None:
    run_script(conn,
        f"""
        CREATE TABLE finding_case (
            id TEXT PRIMARY KEY,               -- the finding's id
            finding_id TEXT NOT NULL REFERENCES finding(id),
            visit_id TEXT NOT NULL REFERENCES visit(id),
            site_id TEXT NOT NULL REFERENCES site(id),
            responsible_party TEXT NOT NULL,
            responsible_name TEXT NOT NULL DEFAULT '',
            due_on TEXT,
            photo_ids TEXT NOT NULL DEFAULT '[]',
            observation_ids TEXT NOT NULL DEFAULT '[]',
            plot_id TEXT REFERENCES plot(id),
            grievance_id TEXT,
            {sync_columns}
        );
        CREATE INDEX finding_case_site ON finding_case(site_id);
        CREATE INDEX finding_case_visit ON finding_case(visit_id);
        CREATE TABLE finding_step (
            id TEXT PRIMARY KEY,
            finding_id TEXT NOT NULL REFERENCES finding(id),
            kind TEXT NOT NULL,                -- response|reinspection|resolved|reopened|note
            on_date TEXT NOT NULL,             -- YYYY-MM-DD
            by_name TEXT NOT NULL DEFAULT '',
            by_party TEXT,
            text TEXT NOT NULL DEFAULT '',
            planned_action TEXT NOT NULL DEFAULT '',
            planned_by TEXT,
            visit_id TEXT REFERENCES visit(id),
            outcome TEXT,                      -- resolved|partly|not_resolved (re-inspections)
            photo_ids TEXT NOT NULL DEFAULT '[]',
            {sync_columns}
        );
        CREATE INDEX finding_step_finding ON finding_step(finding_id, on_date);
        CREATE INDEX finding_step_visit ON finding_step(visit_id);
        CREATE TABLE grievance (
            id TEXT PRIMARY KEY,
            site_id TEXT NOT NULL REFERENCES site(id),
            received_at TEXT NOT NULL,
            channel TEXT NOT NULL,
            received_by TEXT NOT NULL DEFAULT '',
            ref_no TEXT NOT NULL DEFAULT '',
            category TEXT NOT NULL,
            description TEXT NOT NULL,
            lon REAL, lat REAL,
            status TEXT NOT NULL,
            closed_on TEXT,
            resolution TEXT NOT NULL DEFAULT '',
            photo_ids TEXT NOT NULL DEFAULT '[]',
            visit_ids TEXT NOT NULL DEFAULT '[]',
            finding_ids TEXT NOT NULL DEFAULT '[]',
            {sync_columns}
        );
        CREATE INDEX grievance_site ON grievance(site_id, received_at);
        -- The complainant, apart from the grievance: a confidential identity is withheld by the
        -- server from every laptop but coordinators' and the one that registered it.
        CREATE TABLE grievance_complainant (
            id TEXT PRIMARY KEY,               -- the grievance's id
            grievance_id TEXT NOT NULL REFERENCES grievance(id),
            name TEXT NOT NULL DEFAULT '',
            contact TEXT NOT NULL DEFAULT '',
            confidential INTEGER NOT NULL DEFAULT 0,
            {sync_columns}
        );
        CREATE TABLE emp_commitment (
            id TEXT PRIMARY KEY,
            site_id TEXT NOT NULL REFERENCES site(id),
            year INTEGER NOT NULL,
            text TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            due_on TEXT,
            source TEXT NOT NULL DEFAULT '',
            licence_no TEXT NOT NULL DEFAULT '',
            {sync_columns}
        );
        CREATE INDEX emp_commitment_site ON emp_commitment(site_id, year);
        CREATE TABLE commitment_assessment (
            id TEXT PRIMARY KEY,
            commitment_id TEXT NOT NULL REFERENCES emp_commitment(id),
            visit_id TEXT NOT NULL REFERENCES visit(id),
            result TEXT NOT NULL,              -- met|partly|not_met|not_checked
            note TEXT NOT NULL DEFAULT '',
            photo_ids TEXT NOT NULL DEFAULT '[]',
            {sync_columns}
        );
        CREATE INDEX commitment_assessment_visit ON commitment_assessment(visit_id);
        CREATE INDEX commitment_assessment_commitment ON commitment_assessment(commitment_id);
        CREATE TABLE signoff (
            id TEXT PRIMARY KEY,
            visit_id TEXT NOT NULL REFERENCES visit(id),
            person_id TEXT REFERENCES person(id),
            name TEXT NOT NULL,
            role TEXT NOT NULL DEFAULT '',
            party TEXT,
            kind TEXT NOT NULL,                -- signed|typed|dissent|absent
            strokes TEXT NOT NULL DEFAULT '[]',    -- vector strokes (JSON), see cases/signature.py
            typed_name TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT '',
            finding_id TEXT REFERENCES finding(id),
            signed_at TEXT,
            {sync_columns}
        );
        CREATE INDEX signoff_visit ON signoff(visit_id);
        """
    )
