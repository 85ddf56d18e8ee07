"""The review page stops a visit with a future start or a photo 2,000 km away from being sealed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDateTime

from pemdesk import model
from pemdesk.storage import Store

pytestmark = pytest.mark.ui
TIMEOUT = 5000


def _open_draft(qtbot, demo_dir):
    from pemdesk.ui.main_window import MainWindow

    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    with Store.open(demo_dir) as s:
        draft = next(v for v in s.list_visits() if v.status == model.VisitStatus.DRAFT)
    editor = w.open_visit(draft.id)
    qtbot.waitUntil(lambda: editor.detail is not None, timeout=TIMEOUT)
    return w, editor, draft


def test_review_refuses_a_future_start_and_a_faraway_photo(qtbot, demo_dir) -> None:
    w, editor, draft = _open_draft(qtbot, demo_dir)
    sealed = []
    editor.review_page.confirm = lambda: sealed.append(True) or True
    # a start a year ahead: shown under the field, never saved
    editor.general_page.started.setDateTime(QDateTime.currentDateTime().addYears(1))
    assert editor.general_page.date_message.isVisible()
    with Store.open(demo_dir) as s:
        assert s.get(model.Visit, draft.id).started_at == draft.started_at
    # a photo from Kenya (about 7,000 km away) in the visit
    with Store.open(demo_dir) as s:
        s.save(model.Photo(sha256="d" * 64, visit_id=draft.id, lon=36.8, lat=-1.3,
                           taken_at=draft.started_at, original_name="nairobi.jpg"))  # fmt: skip
    editor.finish()
    assert editor.tabs.currentWidget() is editor.review_page
    qtbot.waitUntil(lambda: editor.review_page.review is not None, timeout=TIMEOUT)
    page = editor.review_page
    assert not page.can_seal and not page.seal_button.isEnabled()
    texts = [page.tree.topLevelItem(i).child(j).text(0)
             for i in range(page.tree.topLevelItemCount())
             for j in range(page.tree.topLevelItem(i).childCount())]  # fmt: skip
    assert any("ирээдүй" in t for t in texts)  # the date, in Mongolian
    assert any("nairobi.jpg" in t and "км" in t for t in texts)
    assert "буцаах боломжгүй" in page.warning.text()  # cannot be undone
    page.seal()
    assert not sealed and not editor.read_only

    # correct the date, detach the photo: now it can be sealed
    editor.general_page.started.setDateTime(QDateTime.currentDateTime().addSecs(-3600))
    assert editor.general_page.date_error  # the old end is now before the start
    editor.general_page.has_ended.setChecked(False)  # ends when sealed
    assert editor.general_page.date_error is None
    photo_row = next(
        page.tree.topLevelItem(i).child(j)
        for i in range(page.tree.topLevelItemCount())
        for j in range(page.tree.topLevelItem(i).childCount())
        if "nairobi.jpg" in page.tree.topLevelItem(i).child(j).text(0)
    )
    page.tree.setCurrentItem(photo_row)
    assert page.detach_button.isEnabled()
    page.review = None
    page.detach()
    qtbot.waitUntil(lambda: page.review is not None, timeout=TIMEOUT)
    if not page.can_seal:
        pytest.fail(f"still blocked: {[i.en for i in page.review.blocking]} {page.local}")
    page.seal_button.click()
    qtbot.waitUntil(lambda: editor.read_only, timeout=TIMEOUT)
    assert sealed
    with Store.open(demo_dir) as s:
        assert s.get(model.Visit, draft.id).status == model.VisitStatus.FINISHED
    editor.close()
    w.close()
