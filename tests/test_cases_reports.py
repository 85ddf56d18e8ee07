"""The cases in the CLI and the PDF reports, on the demo data (pdftotext reads them back)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pemdesk.cli import main
from pemdesk.storage import Store
from pemdesk.storage import cases as cs


def _text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def _cli(demo_dir: Path, *args: str) -> list[str]:
    return ["--data-dir", str(demo_dir), "--lang", "en", *args]


def test_cli_lists(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_cli(demo_dir, "findings", "list", "--json")) == 0
    rows = json.loads(capsys.readouterr().out)
    statuses = {r["status"] for r in rows}
    assert {"open", "answered", "resolved", "reopened"} <= statuses
    assert main(_cli(demo_dir, "findings", "list", "--open", "--overdue", "--json")) == 0
    overdue = json.loads(capsys.readouterr().out)
    assert overdue and all(r["overdue"] and r["status"] != "resolved" for r in overdue)
    site_id = rows[0]["site_id"]
    assert main(_cli(demo_dir, "findings", "list", "--site", site_id, "--json")) == 0
    assert {r["site_id"] for r in json.loads(capsys.readouterr().out)} == {site_id}
    # the table's ids tell the findings apart (the demo's were all made in the same minute)
    assert main(_cli(demo_dir, "findings", "list")) == 0
    table = capsys.readouterr().out
    shown = [r["id"][-8:] for r in rows]
    assert len(set(shown)) == len(rows), shown
    assert all(s in table for s in shown), table
    assert main(_cli(demo_dir, "grievances", "list", "--json")) == 0
    grievances = json.loads(capsys.readouterr().out)
    secret = [g for g in grievances if g["confidential"]]
    assert len(secret) == 1 and secret[0]["complainant"] is None
    assert "Нямдорж" not in json.dumps(grievances, ensure_ascii=False)
    assert main(_cli(demo_dir, "grievances", "list")) == 0
    assert "confidential" in capsys.readouterr().out
    assert main(_cli(demo_dir, "commitments", "list", "--site", secret[0]["site_id"],
                     "--json")) == 0
    commitments = json.loads(capsys.readouterr().out)
    assert {c["year"] for c in commitments} == {2024, 2025}
    assert any(c["assessments"] for c in commitments)
    assert main(_cli(demo_dir, "commitments", "list", "--site", "nope")) == 1


def test_reports(demo_dir: Path, tmp_path: Path) -> None:
    with Store.open(demo_dir) as store:
        dissent = store._query("SELECT visit_id, reason FROM signoff WHERE kind = 'dissent' "
                               "LIMIT 1")[0]
        site_id = store._query("SELECT site_id FROM visit WHERE id = ?",
                               [dissent["visit_id"]])[0]["site_id"]
        secret = next(r for r in cs.grievances(store) if r.complainant and
                      r.complainant.confidential)
    out = tmp_path / "visit.pdf"
    assert main(_cli(demo_dir, "report", "visit", dissent["visit_id"], "-o", str(out))) == 0
    text = _text(out)
    assert "Sign-off by the parties" in text and "Dissent" in text
    assert "Environmental Management Plan commitments assessed" in text
    assert "Э. Үүрийнтуяа" in text
    assert main(_cli(demo_dir, "report", "visit", dissent["visit_id"], "--public", "-o",
                     str(out))) == 0
    assert "Э. Үүрийнтуяа" not in _text(out) and "Dissent" in _text(out)
    assert main(_cli(demo_dir, "report", "followup", "--site", site_id, "-o", str(out))) == 0
    text = _text(out)
    assert "Follow-up of findings" in text and "Response" in text
    assert main(_cli(demo_dir, "report", "compliance", "--site", site_id, "-o", str(out))) == 0
    assert "Compliance" in _text(out)
    assert main(_cli(demo_dir, "report", "compliance", "--aimag", "Өмнөговь", "--lang", "mn",
                     "-o", str(out))) == 0
    text = _text(out)
    assert "Өмнөговь" in text and "Compliance with" not in text
    assert main(_cli(demo_dir, "report", "grievance", secret.grievance.id, "--public", "-o",
                     str(out))) == 0
    text = _text(out)
    assert secret.grievance.ref_no in text and "Нямдорж" not in text
    assert main(_cli(demo_dir, "report", "grievance", secret.grievance.id, "-o", str(out))) == 0
    assert "Нямдорж" in _text(out)
