"""The Mongolian UI has no untranslated text: every window and dialog is opened and every visible
text (labels, buttons, menus, tabs, table headers, placeholders, window titles, Qt's own standard
buttons and file dialog) is checked for Latin-only words outside an allow-list of brand names,
units and codes."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from pemdesk import model
from pemdesk.storage import Store

pytestmark = pytest.mark.ui
TIMEOUT = 10_000

# Words that stay Latin in Mongolian text: the program, formats, standards, units, codes.
ALLOWED = {
    "pemdesk", "pemdesk-ийн", "pemdesk-ийг", "pemdesk-д", "Qt", "Python", "PySide", "PDF", "GPS",
    "GPX", "KML", "KMZ", "CSV", "XLSX", "GeoJSON", "GeoPackage", "Shapefile", "UTM", "DMS", "WGS",
    "EPSG", "USB", "QR", "MNS", "ISO", "HEIC", "JPEG", "JPG", "PNG", "TIFF", "EXIF", "XMP", "ID",
    "UTC", "URL", "HTTPS", "TLS", "SHA", "Ctrl", "Shift", "Alt", "Del", "Esc", "Enter", "Tab",
    "Ins", "Home", "End", "PgUp", "PgDown", "Backspace", "Return", "Space", "Left", "Right", "Up",
    "Down", "ha", "km", "mm", "cm", "mg", "kg", "dB", "pH", "NTU", "LAeq", "MB", "GB", "KB",
    "OpenStreetMap", "geoBoundaries", "ODbL", "DejaVu", "Sans", "Natural", "Earth", "Canopeo",
    "NDVI", "AQG", "WHO", "TSP", "PM", "SO", "NO", "CO", "DO", "BOD", "COD", "EC", "TDS", "As",
    "Pb", "Cd", "Hg", "Cu", "Zn", "Cr", "Ni", "Fe", "Mn", "CN", "Leaflet", "Linux", "Windows",
    "sync", "jpg", "jpeg", "png", "heic", "tif", "tiff", "gpx", "kml", "kmz", "csv", "xlsx",
    "json", "geojson", "shp", "zip", "gpkg", "pemsync", "pdf", "md", "txt", "NMEA", "COM",
    "MV", "XV", "AM", "DEMO", "English", "N", "E", "S", "W", "C", "x",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


def latin_words(text: str) -> list[str]:
    text = re.sub(r"<[^>]+>", " ", text)  # rich text tags
    text = re.sub(r"\S+[/\\]\S+", " ", text)  # paths and URLs (the data folder, servers)
    text = re.sub(r"&(?=\w)", "", text)  # mnemonics
    text = re.sub(r"\b[A-Z]{4}(-[A-Z]{4})+\b", " ", text)  # enrolment codes (ABCD-EFGH-…)
    text = text.replace("Qt for Python", " ")  # a product's name
    text = re.sub(r"\b[\w.-]+\.(com|org|net|mn|io)\b", " ", text)  # web addresses
    text = re.sub(r"\b(YYYY|yyyy)[-./](MM)[-./](DD|dd)\b", " ", text)  # date format hints
    text = re.sub(r"\b[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+:?…?", " ", text)  # fingerprints (AB:CD:…)
    return [w for w in WORD.findall(text) if w not in ALLOWED and w.strip("'’") not in ALLOWED]


def widget_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) of everything a user can read in a window, its menus included."""
    found: list[tuple[str, str]] = []

    def add(where: str, text: str | None) -> None:
        if text:
            found.append((where, text))

    def visit(w: QWidget) -> None:
        name = type(w).__name__
        if isinstance(w, (QMainWindow, QDialog)):
            add(f"{name} title", w.windowTitle())
        if not w.isVisibleTo(root) and w is not root:
            return
        if isinstance(w, (QLabel, QAbstractButton)):
            add(name, w.text())
        elif isinstance(w, QGroupBox):
            add(name, w.title())
        elif isinstance(w, (QLineEdit, QTextEdit)):
            add(f"{name} placeholder", w.placeholderText())
        elif isinstance(w, QAbstractSpinBox):
            add(f"{name} value", w.text())  # the unit suffix included
        elif isinstance(w, QTabWidget):
            for i in range(w.count()):
                add(f"{name} tab", w.tabText(i))
        elif isinstance(w, QComboBox) and not w.isEditable():
            for i in range(w.count()):
                add(f"{name} item", w.itemText(i))
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            m = w.model()
            from PySide6.QtCore import QModelIndex

            try:
                columns = m.columnCount(QModelIndex())
            except TypeError:  # a list model: no columns to name
                columns = 0
            for c in range(columns):
                header = m.headerData(c, orientation_h())
                add(f"{name} header", str(header) if header is not None else "")
        for action in w.actions():
            add(f"{name} action", action.text())
            menu = action.menu()
            if isinstance(menu, QMenu):
                visit_menu(menu)
        for child in w.findChildren(QWidget, options=direct_children()):
            visit(child)

    def visit_menu(menu: QMenu) -> None:
        add("menu", menu.title())
        for action in menu.actions():
            add("menu action", action.text())
            sub = action.menu()
            if isinstance(sub, QMenu) and sub is not menu:
                visit_menu(sub)

    visit(root)
    if isinstance(root, QMainWindow):
        for action in root.menuBar().actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                visit_menu(sub)
    return found


def orientation_h():
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal


def direct_children():
    from PySide6.QtCore import Qt

    return Qt.FindChildOption.FindDirectChildrenOnly


def untranslated(root: QWidget) -> list[str]:
    return [
        f"{where}: {text!r} → {words}"
        for where, text in widget_texts(root)
        if (words := latin_words(text))
    ]


def test_latin_words_are_found_outside_the_allow_list() -> None:
    assert latin_words("Хадгалах") == []
    assert latin_words("&Save") == ["Save"]
    assert latin_words("8.0 h (UTC)") == ["h"]
    assert latin_words("PM10 24 цагийн дундаж, MNS 4585:2016") == []


@pytest.fixture
def window(qtbot, demo_dir):
    from pemdesk.ui.app import make_app
    from pemdesk.ui.main_window import MainWindow

    make_app()
    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.loaded and w.tree_model.rowCount() > 0, timeout=TIMEOUT)
    yield w
    for editor in list(w.editors.values()):
        editor.close()
    w.close()


def _check(widget: QWidget, problems: list[str], name: str) -> None:
    QApplication.processEvents()
    problems.extend(f"[{name}] {p}" for p in untranslated(widget))


def test_every_window_and_dialog_is_in_mongolian(qtbot, window, demo_dir, tmp_path) -> None:
    w = window
    problems: list[str] = []
    _check(w, problems, "main window")

    # the visit editor, every page, and the review
    with Store.open(demo_dir) as s:
        draft = next(v for v in s.list_visits() if v.status == model.VisitStatus.DRAFT)
    editor = w.open_visit(draft.id)
    qtbot.waitUntil(lambda: editor.detail is not None, timeout=TIMEOUT)
    for i in range(editor.tabs.count()):
        editor.tabs.setCurrentIndex(i)
        _check(editor, problems, f"visit editor page {i}")
    editor.finish()
    qtbot.waitUntil(lambda: editor.review_page.review is not None, timeout=TIMEOUT)
    _check(editor, problems, "review")

    from pemdesk.ui.about import AboutDialog
    from pemdesk.ui.help import HelpDialog
    from pemdesk.ui.people import PeopleDialog, PersonDialog
    from pemdesk.ui.photos.import_dialog import PhotoImportDialog
    from pemdesk.ui.reports.dialogs import BatchDialog, ProgressReportDialog
    from pemdesk.ui.settings_dialog import SettingsDialog
    from pemdesk.ui.site_dialog import SiteDialog
    from pemdesk.ui.sync.enrol_dialog import EnrolDialog

    dialogs: list[tuple[str, QWidget]] = [
        ("site", SiteDialog(w, None)),
        ("person", PersonDialog(w, w.ops, None)),
        ("people", PeopleDialog(w)),
        ("settings", SettingsDialog(w)),
        ("about", AboutDialog(demo_dir, w)),
        ("help", HelpDialog(w)),
        ("photo import", PhotoImportDialog(demo_dir, paths=[], ops=w.ops)),
        ("progress report", ProgressReportDialog(w)),
        ("batch reports", BatchDialog(None, w)),
        ("enrol", EnrolDialog(demo_dir, w)),
    ]
    file_dialog = QFileDialog(w, "", str(tmp_path))
    file_dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    file_dialog.setNameFilter("*.jpg")
    dialogs.append(("file dialog", file_dialog))
    box = QMessageBox(w)
    box.setText("Тест")
    box.setStandardButtons(
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        | QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel
        | QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Ok
    )  # fmt: skip
    dialogs.append(("message box", box))
    dialogs.append(("button box", QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                                   | QDialogButtonBox.StandardButton.Cancel)))  # fmt: skip
    for name, dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        _check(dialog, problems, name)
        dialog.close()
    assert problems == [], "untranslated text in the Mongolian UI:\n" + "\n".join(problems)


def test_minerals_are_shown_in_the_language_of_the_ui() -> None:
    from pemdesk.minerals import mineral_text

    assert mineral_text("зэс, алт", "en") == "copper, gold"
    assert mineral_text("чулуун нүүрс", "en") == "hard coal"
    assert mineral_text("gold", "mn") == "алт"
    assert mineral_text("зэс, шинэ эрдэс", "en") == "copper, шинэ эрдэс"  # unknown stays


def test_qt_standard_buttons_follow_the_language(qtbot) -> None:
    from pemdesk import i18n
    from pemdesk.ui.app import make_app

    make_app()
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
    )
    qtbot.addWidget(box)
    assert [b.text() for b in box.buttons()] == ["Хадгалах", "Болих"]
    i18n.set_language("en")
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
    )
    qtbot.addWidget(box)
    assert [b.text() for b in box.buttons()] == ["Save", "Cancel"]


def test_file_menu_ends_with_quit_and_help_has_a_help_page(qtbot, window) -> None:
    """Item 5: "Import photos…" sat below "Exit"; Help had no help page."""
    actions = [a for a in window.menu_file.actions() if not a.isSeparator()]
    assert actions[-1] is window.action_quit
    help_actions = [a for a in window.menu_help.actions() if not a.isSeparator()]
    assert help_actions[0] is window.action_help and help_actions[-1] is window.action_about
    from pemdesk.ui.help import show_help

    dialog = show_help(window)
    qtbot.addWidget(dialog)
    text = dialog.browser.toPlainText()
    assert "Үзлэг бүртгэх" in text and "Тааруулах" in text and "Хэвлэх" in text
    assert "#" not in text  # Markdown rendered, not shown raw
