"""The rehabilitation commands and reports on the demo data: plot history, targets import and
list, photo cover, the national summary, the progress and site reports' new sections, the act."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pemdesk.cli import main as cli
from pemdesk.storage import Store


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = cli(["--data-dir", str(data), "--lang", "en", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _pdf_text(path: Path) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def test_history_targets_cover_and_reports(
    demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, demo_dir, "plots", "list", "--json")
    plots = json.loads(out)
    handed = next(p for p in plots if p["stage"] == "handed_over")
    code, out, _ = run(capsys, demo_dir, "plots", "history", handed["id"], "--json")
    history = json.loads(out)
    assert code == 0 and history["current_stage"] == "handed_over"
    assert [h["to"] for h in history["history"]][-1] == "handed_over"
    assert history["acceptances"][0]["decision"] == "accepted"
    code, out, _ = run(capsys, demo_dir, "plots", "history", handed["id"])
    assert "Handed over" in out

    targets = tmp_path / "targets.csv"
    targets.write_text("level,aimag,year,stage,area_ha,name\n"
                       "aimag,Өмнөговь,2025,biological,30,Өмнөговь 2025\n", encoding="utf-8")
    code, out, _ = run(capsys, demo_dir, "targets", "import", str(targets), "--json")
    assert code == 0 and json.loads(out) == {"added": 1, "updated": 0, "unchanged": 0}
    code, out, err = run(capsys, demo_dir, "targets", "import", str(tmp_path / "none.csv"))
    assert code == 1 and "No such file" in err
    code, out, _ = run(capsys, demo_dir, "targets", "list", "--year", "2025", "--json")
    listed = {t["name"]: t for t in json.loads(out)}
    assert listed["Өмнөговь 2025"]["target_ha"] == 30 and listed["Өмнөговь 2025"]["actual_ha"] > 0

    with Store.open(demo_dir) as store:
        photo_ids = [r["id"] for r in store._query(
            "SELECT id FROM photo WHERE photo_point_id IS NOT NULL ORDER BY taken_at")]
    assert photo_ids
    code, out, _ = run(capsys, demo_dir, "photos", "cover", *photo_ids[:2], "--json")
    covers = json.loads(out)
    assert code == 0 and all(0 <= c["cover_pct"] <= 100 and Path(c["mask"]).is_file() for c in covers)

    national = tmp_path / "national.pdf"
    code, _, _ = run(capsys, demo_dir, "report", "progress", "--national", "-o", str(national))
    text = _pdf_text(national)
    assert code == 0 and "National rehabilitation summary" in text and "8,000" in text
    code, _, err = run(capsys, demo_dir, "report", "progress", "-o", str(tmp_path / "x.pdf"))
    assert code == 1 and "--national" in err
    area = tmp_path / "area.pdf"
    code, _, _ = run(capsys, demo_dir, "report", "progress", "--aimag", "Өмнөговь", "--year",
                     "2025", "-o", str(area))
    text = _pdf_text(area)
    assert "Rehabilitation stage history" in text and "Targets and actual hectares" in text
    assert "Өмнөговь 2025" in text
    with Store.open(demo_dir) as store:
        site_id = store.list_photo_points()[0].site_id
    site = tmp_path / "site.pdf"
    code, _, _ = run(capsys, demo_dir, "--lang", "mn", "report", "site", site_id, "-o", str(site))
    text = _pdf_text(site)
    assert code == 0 and "Canopeo" in text
    act_id = history["acceptances"][0]["id"]
    act = tmp_path / "act.pdf"
    code, _, _ = run(capsys, demo_dir, "report", "act", act_id, "-o", str(act))
    text = _pdf_text(act)
    assert code == 0 and "MNS 5917:2008" in text and "Daubenmire" in text
