"""Item 6: the demo offered from a --data-dir folder goes next to it (not to the usual demo
folder) and is not offered again on the next start; an empty start says what to do."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.ui


def test_demo_follows_data_dir_and_empty_start_guides(qtbot, tmp_path, monkeypatch) -> None:
    from pemdesk.ui.main_window import MainWindow

    monkeypatch.setattr(MainWindow, "load_demo", lambda self: None)  # the folder is what counts
    data = tmp_path / "field"
    w = MainWindow(data)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.loaded, timeout=10_000)
    assert "New site" in w.site_header.text() or "Шинэ объект" in w.site_header.text()
    offer = w._demo_offer
    assert offer.isVisible()
    offer.reject()
    w.open_demo()
    assert w.data_dir == tmp_path / "field-demo"  # beside --data-dir, not ~/.local/share
    qtbot.waitUntil(lambda: (tmp_path / "field-demo").is_dir(), timeout=10_000)
    w.close()

    again = MainWindow(data)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.loaded, timeout=10_000)
    assert getattr(again, "_demo_offer", None) is None  # not asked again
    assert "Шинэ объект" in again.statusBar().currentMessage()
    again.close()


def test_closing_with_unsaved_work_says_it_was_saved(qtbot, demo_dir) -> None:
    """Item 7: closing an editor with unsaved changes saved them silently."""
    from pemdesk import model
    from pemdesk.storage import Store
    from pemdesk.ui.main_window import MainWindow

    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.loaded, timeout=10_000)
    with Store.open(demo_dir) as s:
        draft = next(v for v in s.list_visits() if v.status == model.VisitStatus.DRAFT)
    editor = w.open_visit(draft.id)
    qtbot.waitUntil(lambda: editor.detail is not None, timeout=10_000)
    editor.notes.setPlainText("Хаахын өмнө бичсэн")
    editor.close()
    assert w.statusBar().currentMessage() == "Үзлэгт оруулсан өөрчлөлтүүд хадгалагдлаа."
    qtbot.waitUntil(
        lambda: Store.open(demo_dir).get(model.Visit, draft.id).notes == "Хаахын өмнө бичсэн",
        timeout=10_000,
    )
    w.close()
