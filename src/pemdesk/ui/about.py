"""Help > About: version, data folder, and every licence the program ships, readable in place.

Also the window plug-in of the installer area (``install``): it wires the About action to this
dialog and opens a sync bundle the program was started with (``pemdesk --open FILE.pemsync``,
which is what the file association of the Windows installer and the Linux desktop entry run).
"""

from __future__ import annotations

import contextlib
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QFont, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from pemdesk import __version__
from pemdesk.i18n import _
from pemdesk.labels import N_
from pemdesk.resources import resource_path, resources_root

ATTRIBUTION = N_("Boundaries © OpenStreetMap contributors, via geoBoundaries (ODbL 1.0).")
BASEMAP_ATTRIBUTION = N_(
    "Basemap made with Natural Earth: free vector and raster map data @ naturalearthdata.com "
    "(public domain); Mongolian names by the pemdesk project."
)


@dataclass(frozen=True)
class LicenceFile:
    title: str  # English, translated when shown
    path: Path


def third_party_licences() -> Path | None:
    """THIRD_PARTY_LICENSES.md: bundled next to the resources, or in installer/ of a checkout."""
    for candidate in (
        resource_path("THIRD_PARTY_LICENSES.md"),
        resources_root().parent / "installer" / "THIRD_PARTY_LICENSES.md",
    ):
        if candidate.is_file():
            return candidate
    return None


def licence_files() -> list[LicenceFile]:
    """What the About dialog lists, in order; only files that exist."""
    entries = []
    third = third_party_licences()
    if third is not None:
        entries.append(LicenceFile(N_("Third-party software (all licences)"), third))
    for title, parts in (
        (N_("Fonts: DejaVu Sans"), ("fonts", "LICENSE.md")),
        (N_("Boundaries: OpenStreetMap / geoBoundaries (ODbL)"), ("boundaries", "ATTRIBUTION.md")),
        (N_("Basemap: Natural Earth (public domain)"), ("basemap", "ATTRIBUTION.md")),
        (N_("Indicator catalogue: sources of the limits"), ("catalogue", "SOURCES.md")),
        (N_("Icons"), ("icons", "LICENSE.md")),
    ):
        path = resource_path(*parts)
        if path.is_file():
            entries.append(LicenceFile(title, path))
    return entries


def version_text() -> str:
    from PySide6 import __version__ as pyside_version

    return (
        f"pemdesk {__version__} · Python {platform.python_version()} · "
        f"Qt for Python {pyside_version} · {platform.system()} {platform.machine()}"
    )


class AboutDialog(QDialog):
    def __init__(self, data_dir: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("About pemdesk"))
        self.resize(1000, 640)
        self.data_dir = data_dir

        icon_label = QLabel()
        icon_file = resource_path("icons", "pemdesk-64.png")
        if icon_file.is_file():
            icon_label.setPixmap(QPixmap(str(icon_file)))
            self.setWindowIcon(QIcon(str(icon_file)))
        title = QLabel(f"pemdesk {__version__}")
        big = QFont(title.font())
        big.setPointSizeF(big.pointSizeF() * 1.6)
        big.setBold(True)
        title.setFont(big)
        summary = QLabel(
            _("Participatory environmental monitoring of mining: records, maps, reports.")
        )
        summary.setWordWrap(True)
        self.version_label = QLabel(version_text())
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        folder = str(data_dir) if data_dir else "—"
        self.folder_label = QLabel(_("Data folder: {folder}").format(folder=folder))
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_label.setWordWrap(True)
        open_folder = QPushButton(_("Open the data folder"))
        open_folder.setEnabled(bool(data_dir))
        open_folder.clicked.connect(self.open_data_folder)
        attribution = QLabel(_(ATTRIBUTION) + " " + _(BASEMAP_ATTRIBUTION))
        attribution.setWordWrap(True)

        head = QVBoxLayout()
        head.addWidget(title)
        head.addWidget(summary)
        head.addWidget(self.version_label)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_label, 1)
        folder_row.addWidget(open_folder)
        head.addLayout(folder_row)
        head.addWidget(attribution)
        top = QHBoxLayout()
        top.addWidget(icon_label, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(head, 1)

        self.licences = QListWidget()
        self.licences.setWordWrap(True)
        self.text = QTextBrowser()  # Markdown files are shown rendered, others as text
        self.text.setObjectName("licence-text")  # legal texts, shown as written (English)
        self.text.setOpenExternalLinks(True)
        self.files = licence_files()
        for entry in self.files:
            item = QListWidgetItem(_(entry.title))
            item.setToolTip(str(entry.path))
            self.licences.addItem(item)
        self.licences.currentRowChanged.connect(self.show_licence)
        splitter = QSplitter()
        splitter.addWidget(self.licences)
        splitter.addWidget(self.text)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 700])
        licences_label = QLabel(_("Licences of the parts pemdesk is made of:"))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)  # qt.po: Mongolian
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(licences_label)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        if self.files:
            self.licences.setCurrentRow(0)
        else:
            self.text.setPlainText(_("The licence files were not found next to the program."))

    def show_licence(self, row: int) -> None:
        if 0 <= row < len(self.files):
            try:
                text = self.files[row].path.read_text(encoding="utf-8")
            except OSError as exc:
                text = f"{self.files[row].path}: {exc}"
            if self.files[row].path.suffix.lower() == ".md":
                self.text.setMarkdown(text)
            else:
                self.text.setPlainText(text)
            self.text.moveCursor(self.text.textCursor().MoveOperation.Start)

    def open_data_folder(self) -> None:
        if self.data_dir:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.data_dir)))


# --- the window plug-in ----------------------------------------------------------------------------
def show_about(window: Any) -> AboutDialog:
    dialog = AboutDialog(getattr(window, "data_dir", None), window)
    window._about_dialog = dialog  # kept alive while open
    dialog.show()
    return dialog


def install(window: Any) -> None:
    if hasattr(window, "add_action") and hasattr(window, "menu_help"):
        install_help(window)
    action = getattr(window, "action_about", None)
    if action is not None:
        with contextlib.suppress(RuntimeError, TypeError):  # nothing connected yet
            action.triggered.disconnect()
        action.triggered.connect(lambda: show_about(window))
    bundle = os.environ.pop("PEMDESK_OPEN_BUNDLE", "")
    if bundle:
        QTimer.singleShot(0, lambda: open_bundle(window, Path(bundle)))
    icon_file = resource_path("icons", "pemdesk-256.png")
    if icon_file.is_file():
        window.setWindowIcon(QIcon(str(icon_file)))


def install_help(window: Any) -> QAction:
    """Help → Help (F1), above About."""
    from pemdesk.ui.help import show_help

    action: QAction = window.add_action(
        window.menu_help,
        N_("Help"),
        lambda: show_help(window),
        QKeySequence.StandardKey.HelpContents,
    )
    about = getattr(window, "action_about", None)
    if about is not None:
        window.menu_help.removeAction(action)
        window.menu_help.insertAction(about, action)
    window.action_help = action
    return action


def open_bundle(window: Any, path: Path) -> None:
    """Import a sync bundle the program was started with (through the sync area's dialog)."""
    area = getattr(window, "sync_area", None)
    if area is None:
        return
    area.import_bundle(path)
