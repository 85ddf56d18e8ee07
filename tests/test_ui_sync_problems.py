"""The GUI's sync problems view: refused edits with their reason and kept values, and received
changes that could not be applied (offscreen)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pemdesk import i18n, model
from pemdesk.storage import Store
from pemdesk.storage import sync_client as sc

pytestmark = pytest.mark.ui
ROOT = Path(__file__).resolve().parents[1]


def _store_with_problems(folder: Path) -> Store:
    from pemdesk.gazetteer import Gazetteer

    store = Store.open(folder)
    gaz = Gazetteer.load()
    aimag = gaz.aimags()[0]
    site = store.save(model.Site("Уурхай", aimag.code, gaz.soums(aimag.code)[0].code, lon=105.0,
                                 lat=44.0))
    site.notes = "миний засвар"
    store.save(site)
    ops = sc.pending_ops(store)
    sc.mark_acked(store, [
        {"device_seq": o["device_seq"], "op_id": o["op_id"], "status": "acked", "version": 1}
        for o in ops[:-1]] + [{"device_seq": ops[-1]["device_seq"], "op_id": ops[-1]["op_id"],
                              "status": "rejected", "reason": "coordinator_only"}])
    sc.pull_apply(store, [{"entity": "site", "id": "0190a0a0-0000-7000-8000-000000000001",
                           "version": 3, "data": {"name_mn": None, "lon": 1e400}}],
                  epoch="e", next_after=5)
    return store


def test_problems_view_lists_refusals_and_quarantined_changes(qtbot, tmp_path: Path) -> None:
    from pemdesk.ui.ops import Operations
    from pemdesk.ui.sync.problems_view import ProblemsDialog

    store = _store_with_problems(tmp_path / "data")
    assert sc.summary(store)["quarantined"] == 1 and sc.cursor(store) == ("e", 5)
    store.close()
    ops = Operations(lambda: Store.open(tmp_path / "data"))
    i18n.set_language("en")
    try:
        dialog = ProblemsDialog(ops)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.refused is not None, timeout=10_000)
        assert dialog.refused is not None and dialog.quarantined is not None
        assert dialog.refused.rowCount() == 1 and dialog.quarantined.rowCount() == 1
        why = dialog.refused.item(0, 4).text()
        assert "coordinator" in why
        assert "миний засвар" in dialog.refused.item(0, 0).toolTip()
        assert "1 of your edits" in dialog.summary.text() or "refused 1" in dialog.summary.text()
        dialog.resize(900, 320)
        # docs/screenshots/sync_problems.png was made this way (PEMDESK_SCREENSHOTS=1); a plain
        # test run must not rewrite files of the repository.
        target = ROOT / "docs" / "screenshots" if os.environ.get("PEMDESK_SCREENSHOTS") else tmp_path
        assert dialog.grab().save(str(target / "sync_problems.png"))
    finally:
        i18n.set_language("mn")
        ops.shutdown()
